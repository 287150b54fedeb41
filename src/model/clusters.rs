//! `[clusters.<key>]`: existing clusters, clusters created here, and the
//! rule that a created cluster must have an administrator.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use indexmap::IndexMap;

use super::account::Account;
use super::checker::Checker;
use super::cidr::ipv4_cidr_prefix;
use super::control_plane;
use super::keys::check_key;
use super::names::{self, MAX_ROLE_NAME};
use super::paths;
use super::types::{AutoMode, CreatedCluster, NodeKind};
use crate::aws::arn;
use crate::aws::kubernetes_versions::{self, Verdict};
use crate::code::Code;
use crate::spec::{self, AuthenticationMode, Spanned};
use crate::text::closest;
use crate::text::{FEW, first_few};

/// The oldest Kubernetes minor version eksgrant creates clusters with.
const MIN_CREATED_MINOR: u32 = 28;

/// A cluster after its own checks, before grants are attached.
pub(super) struct ClusterInfo {
    /// The spec key.
    pub key: Spanned<String>,
    /// The EKS cluster name.
    pub name: String,
    /// The cluster ARN.
    pub arn: String,
    /// How principals are mapped.
    pub mode: AuthenticationMode,
    /// Where the mode is written, or the key when it is not.
    pub mode_span: Range<usize>,
    /// The OIDC issuer of an existing cluster, host and path.
    pub oidc_issuer: Option<String>,
    /// Whether to create the IAM OIDC provider of an existing cluster.
    pub create_oidc_provider: bool,
    /// Node roles: Linux, then Windows, then Fargate, each in spec order.
    pub node_roles: Vec<NodeRole>,
    /// Accounts the aws-auth ConfigMap maps.
    pub aws_auth_accounts: Vec<String>,
    /// Set when the generated Terraform creates the cluster.
    pub created: Option<CreatedCluster>,
    /// The span of `create = true`, for the lock-out rule.
    pub create_span: Option<Range<usize>>,
    /// Clusters whose pods reach the private endpoint of this created
    /// cluster, as written (checked once every cluster is known).
    pub private_access_from: Vec<Spanned<String>>,
    /// Networks that reach the private endpoint of this created cluster.
    pub private_access_cidrs: Vec<String>,
}

/// A role in `node_role_arns`, `windows_node_role_arns` or
/// `fargate_pod_execution_role_arns`, with where the spec lists it.
pub(super) struct NodeRole {
    /// The role ARN, as written.
    pub arn: String,
    /// Which nodes it is for.
    pub kind: NodeKind,
    /// Where it is written.
    pub span: Range<usize>,
}

impl ClusterInfo {
    /// The Terraform identifier of the cluster.
    pub(super) fn ident(&self) -> String {
        names::tf_ident(&self.key)
    }

    /// The Terraform address other resources read the cluster from.
    pub(super) fn tf_ref(&self) -> String {
        if self.created.is_some() {
            format!("aws_eks_cluster.{}", self.ident())
        } else {
            format!("data.aws_eks_cluster.{}", self.ident())
        }
    }
}

/// The clusters pass: checks `[clusters]`, each table on its own, then
/// what spans them (one key per EKS cluster, references between them), and
/// claims the trust policy files created clusters share.
pub(super) fn clusters(
    checker: &mut Checker<'_>,
    account: &Account,
    tables: Spanned<IndexMap<Spanned<String>, spec::Cluster>>,
) -> BTreeMap<String, ClusterInfo> {
    if tables.get().is_empty() {
        checker
            .error(
                Code::NoClusters,
                tables.span(),
                "the spec defines no cluster",
            )
            .label("no cluster here")
            .help("add at least one [clusters.<key>] table");
    }
    let clusters: BTreeMap<String, ClusterInfo> = tables
        .into_inner()
        .into_iter()
        .map(|(key, cluster)| resolve_cluster(checker, account, key, &cluster))
        .map(|info| (info.key.get().clone(), info))
        .collect();
    check_unique_cluster_names(checker, &clusters);
    check_private_access(checker, &clusters);
    clusters
}

/// Checks one `[clusters.<key>]` table.
///
/// A cluster whose key is invalid is still returned (the error is
/// recorded), so that references to it do not also report it as unknown.
fn resolve_cluster(
    checker: &mut Checker<'_>,
    account: &Account,
    key: Spanned<String>,
    cluster: &spec::Cluster,
) -> ClusterInfo {
    check_key(checker, "cluster", &key);
    let name = match &cluster.name {
        Some(given) => {
            if !names::is_eks_cluster_name(given.get()) {
                checker
                    .error(
                        Code::ClusterName,
                        given.span(),
                        format!("`{}` is not a valid EKS cluster name", given.get()),
                    )
                    .label("not a valid cluster name")
                    .help(
                        "EKS cluster names are 1-100 characters: letters, digits, `-` and `_`, starting with a letter or digit",
                    );
            }
            given.get().clone()
        }
        None => key.get().clone(),
    };
    let mode = cluster
        .authentication_mode
        .as_ref()
        .map_or(AuthenticationMode::Api, |m| *m.get());
    let mode_span = cluster
        .authentication_mode
        .as_ref()
        .map_or(key.span(), Spanned::span);

    let create_span = cluster
        .create
        .as_ref()
        .filter(|c| *c.get())
        .map(Spanned::span);
    let created = match &create_span {
        Some(span) => Some(created_cluster(
            checker,
            account,
            (&key, &name),
            span.clone(),
            cluster,
        )),
        None => {
            for (field, span) in create_only_keys(cluster) {
                checker
                    .error(
                        Code::NeedsCreate,
                        span,
                        format!("{field} only applies to clusters eksgrant creates"),
                    )
                    .label("the cluster is not created here")
                    .help(format!(
                        "add `create = true` to create the cluster, or remove {field}"
                    ));
            }
            None
        }
    };
    if created.is_some() && mode == AuthenticationMode::ConfigMap {
        checker
            .error(
                Code::ConfigMapCreate,
                mode_span.clone(),
                "eksgrant does not create CONFIG_MAP clusters",
            )
            .label("the aws-auth ConfigMap is deprecated")
            .help(
                "create the cluster with authentication_mode = \"API\" (or \"API_AND_CONFIG_MAP\" while tools still need aws-auth)",
            );
    }
    let (oidc_issuer, create_oidc_provider) =
        cluster_oidc(checker, account, cluster, created.is_some());
    let node_roles = node_roles(checker, account, cluster);
    let aws_auth_accounts = aws_auth_accounts(checker, cluster, mode);
    let (private_access_from, private_access_cidrs) = match &created {
        Some(_) => (
            cluster
                .private_access_from_clusters
                .as_ref()
                .map(|list| list.get().clone())
                .unwrap_or_default(),
            private_access_cidrs(checker, cluster),
        ),
        None => (Vec::new(), Vec::new()),
    };
    ClusterInfo {
        private_access_from,
        private_access_cidrs,
        arn: arn::cluster_arn(account.partition, &account.region, &account.id, &name),
        name,
        mode,
        mode_span,
        created,
        create_span,
        oidc_issuer,
        create_oidc_provider,
        node_roles,
        aws_auth_accounts,
        key,
    }
}

/// `oidc_issuer` and `create_oidc_provider`: only for existing clusters,
/// whose issuer eksgrant cannot read.
fn cluster_oidc(
    checker: &mut Checker<'_>,
    account: &Account,
    cluster: &spec::Cluster,
    created: bool,
) -> (Option<String>, bool) {
    let issuer = cluster.oidc_issuer.as_ref().and_then(|issuer| {
        if created {
            checker
                .error(
                    Code::OidcIssuer,
                    issuer.span(),
                    "a cluster created here gets its OIDC issuer from EKS",
                )
                .label("not known before the cluster exists")
                .help(
                    "remove oidc_issuer: eksgrant creates the cluster's OIDC provider from the cluster itself",
                );
            return None;
        }
        if !names::is_oidc_issuer(issuer.get(), &account.region) {
            let help = if issuer.get().starts_with("https://") {
                "write the issuer without https://, as IAM condition keys use it".to_string()
            } else {
                format!(
                    "copy it from `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`, without https://: oidc.eks.{}.amazonaws.com/id/<ID>",
                    account.region
                )
            };
            checker
                .error(
                    Code::OidcIssuer,
                    issuer.span(),
                    format!("`{}` is not an EKS OIDC issuer in {}", issuer.get(), account.region),
                )
                .label("not an issuer")
                .help(help);
        }
        Some(issuer.get().clone())
    });
    let create = match &cluster.create_oidc_provider {
        Some(flag) if *flag.get() && created => {
            checker
                .error(
                    Code::OidcIssuer,
                    flag.span(),
                    "create_oidc_provider only applies to existing clusters",
                )
                .label("a created cluster always gets its OIDC provider")
                .help("remove create_oidc_provider");
            false
        }
        Some(flag) if *flag.get() && cluster.oidc_issuer.is_none() => {
            checker
                .error(
                    Code::OidcIssuer,
                    flag.span(),
                    "create_oidc_provider needs the cluster's oidc_issuer",
                )
                .label("no issuer to create a provider for")
                .help("add oidc_issuer = \"oidc.eks.<region>.amazonaws.com/id/<ID>\"");
            false
        }
        Some(flag) => *flag.get(),
        None => false,
    };
    (issuer, create)
}

/// `node_role_arns`, `managed_node_role_arns`, `windows_node_role_arns`
/// and `fargate_pod_execution_role_arns`: IAM roles in the spec's
/// partition, each once across the four (EKS gives an ARN one access
/// entry, of one type).
fn node_roles(
    checker: &mut Checker<'_>,
    account: &Account,
    cluster: &spec::Cluster,
) -> Vec<NodeRole> {
    let mut seen: HashMap<String, (Range<usize>, NodeKind)> = HashMap::new();
    let mut resolved = Vec::new();
    for kind in NodeKind::ALL {
        let list = match kind {
            NodeKind::Linux => &cluster.node_role_arns,
            NodeKind::ManagedLinux => &cluster.managed_node_role_arns,
            NodeKind::Windows => &cluster.windows_node_role_arns,
            NodeKind::Fargate => &cluster.fargate_pod_execution_role_arns,
        };
        let Some(arns) = list else {
            continue;
        };
        for role in arns.get() {
            if let Some(resolved_role) = node_role(checker, account, kind, role, &mut seen) {
                resolved.push(resolved_role);
            }
        }
    }
    resolved
}

/// One node role, checked against the roles listed before it.
fn node_role(
    checker: &mut Checker<'_>,
    account: &Account,
    kind: NodeKind,
    role: &Spanned<String>,
    seen: &mut HashMap<String, (Range<usize>, NodeKind)>,
) -> Option<NodeRole> {
    let help = match kind {
        NodeKind::Fargate => {
            "list the Fargate profiles' pod execution role ARNs: arn:...:iam::ACCOUNT:role/NAME"
        }
        NodeKind::Linux | NodeKind::ManagedLinux | NodeKind::Windows => {
            "list the nodes' instance role ARNs: arn:...:iam::ACCOUNT:role/NAME"
        }
    };
    let problem = match arn::parse_principal_arn(role.get()) {
        Ok(parsed) if parsed.kind != arn::PrincipalKind::Role => Some((
            format!("`{}` is an IAM user", role.get()),
            match kind {
                NodeKind::Fargate => "Fargate assumes a pod execution role",
                NodeKind::Linux | NodeKind::ManagedLinux | NodeKind::Windows => {
                    "nodes assume a role"
                }
            }
            .to_string(),
        )),
        Ok(parsed) if parsed.partition != account.partition.as_str() => Some((
            format!(
                "`{}` is in partition {}, but region {} is in {}",
                role.get(),
                parsed.partition,
                account.region,
                account.partition.as_str()
            ),
            "another partition".to_string(),
        )),
        Ok(_) => None,
        Err(reason) => Some((
            format!("`{}` is not an IAM role ARN", role.get()),
            reason.to_string(),
        )),
    };
    if let Some((message, label)) = problem {
        checker
            .error(Code::NodeRole, role.span(), message)
            .label(label)
            .help(help);
        return None;
    }
    let normalised = role.get().to_lowercase();
    if let Some((first, first_kind)) = seen.get(&normalised).cloned() {
        let (message, help) = if first_kind == kind {
            (
                format!("{} {} is listed twice", kind.describe(), role.get()),
                "list each node role once".to_string(),
            )
        } else {
            (
                format!(
                    "{} is both a {} and a {}",
                    role.get(),
                    first_kind.describe(),
                    kind.describe()
                ),
                format!(
                    "EKS gives a role one access entry, of one type ({} or {}): give these nodes their own role",
                    first_kind.access_entry_type(),
                    kind.access_entry_type()
                ),
            )
        };
        checker
            .duplicate(Code::NodeRole, role.span(), first, "listing", message)
            .help(help);
        return None;
    }
    seen.insert(normalised, (role.span(), kind));
    Some(NodeRole {
        arn: role.get().clone(),
        kind,
        span: role.span(),
    })
}

/// `aws_auth_accounts` (`mapAccounts`): only where aws-auth is read.
fn aws_auth_accounts(
    checker: &mut Checker<'_>,
    cluster: &spec::Cluster,
    mode: AuthenticationMode,
) -> Vec<String> {
    let Some(accounts) = &cluster.aws_auth_accounts else {
        return Vec::new();
    };
    if mode == AuthenticationMode::Api {
        checker
            .error(
                Code::AwsAuthAccounts,
                accounts.span(),
                "aws_auth_accounts needs the aws-auth ConfigMap, which API clusters ignore",
            )
            .label("ignored on an API cluster")
            .help(
                "access entries have no equivalent of mapAccounts: map each role or user as a principal instead",
            );
        return Vec::new();
    }
    let mut resolved: Vec<String> = Vec::new();
    for account in accounts.get() {
        if !arn::is_account_id(account.get()) {
            checker
                .error(
                    Code::AwsAuthAccounts,
                    account.span(),
                    format!("`{}` is not a 12-digit account ID", account.get()),
                )
                .label("not an account ID")
                .help("write account IDs as quoted strings of 12 digits");
        } else if resolved.contains(account.get()) {
            checker
                .error(
                    Code::AwsAuthAccounts,
                    account.span(),
                    format!("account {} is listed twice", account.get()),
                )
                .label("repeated")
                .help("list each account once");
        } else {
            resolved.push(account.get().clone());
        }
    }
    resolved
}

/// The keys of a cluster's table that apply only to clusters eksgrant
/// creates, with where each is written, for those the spec sets.
fn create_only_keys(cluster: &spec::Cluster) -> Vec<(&'static str, Range<usize>)> {
    macro_rules! written {
        ($($key:ident),* $(,)?) => {
            [$((stringify!($key), cluster.$key.as_ref().map(Spanned::span))),*]
                .into_iter()
                .filter_map(|(key, span)| Some((key, span?)))
                .collect()
        };
    }
    written!(
        kubernetes_version,
        subnet_ids,
        endpoint_public_access,
        public_access_cidrs,
        public_access_from_anywhere,
        private_access_from_clusters,
        private_access_cidrs,
        auto_mode,
        secrets_encryption,
        secrets_kms_key_arn,
        log_types,
        log_retention_days,
        log_kms_key_arn,
        support_type,
        deletion_protection,
        ip_family,
        service_ipv4_cidr,
        addon_versions,
    )
}

/// What the generated Terraform needs to create the cluster.
fn created_cluster(
    checker: &mut Checker<'_>,
    account: &Account,
    (key, name): (&Spanned<String>, &str),
    create_span: Range<usize>,
    cluster: &spec::Cluster,
) -> CreatedCluster {
    let kubernetes_version = kubernetes_version(checker, key, create_span.clone(), cluster);
    let (subnet_ids, subnet_variable) = match &cluster.subnet_ids {
        Some(ids) => (subnet_ids(checker, ids), None),
        None => (Vec::new(), Some(names::subnet_variable(key))),
    };
    let public_access_cidrs = public_access_cidrs(checker, cluster);
    let role_name = names::cluster_role_name(&account.iam.name_prefix, key);
    if account.name_prefix_ok && role_name.len() > MAX_ROLE_NAME {
        checker
            .error(
                Code::IamName,
                key.span(),
                format!("the cluster role name `{role_name}` is longer than IAM's {MAX_ROLE_NAME} characters"),
            )
            .label("the role is named after this key")
            .help("shorten the cluster key or iam.name_prefix");
    }
    let role_ident = names::cluster_role_ident(key);
    let role_arn = account.role_arn_ref(
        &role_ident,
        &arn::role_arn(
            account.partition,
            &account.id,
            &account.iam.path,
            &role_name,
        ),
    );
    checker.claim(
        "Terraform resource",
        format!("aws_iam_role.{role_ident}"),
        key.span(),
    );
    checker.claim("IAM role", role_name.to_lowercase(), key.span());
    let auto_mode = cluster
        .auto_mode
        .as_ref()
        .filter(|a| *a.get())
        .map(|_| auto_mode(checker, account, key));
    let control_plane = control_plane::control_plane(
        checker,
        account,
        &control_plane::Target {
            key,
            name,
            cluster,
            auto_mode: auto_mode.is_some(),
            role_ident: &role_ident,
            role_arn: &role_arn,
            create_span,
            kubernetes_version: &kubernetes_version,
        },
    );
    // The role's policies must be attached before EKS uses it: through
    // `depends_on` in the single root; with the per-cluster layout, by
    // applying terraform/iam first.
    let mut depends_on = Vec::new();
    if !account.per_cluster() {
        depends_on.push(format!("aws_iam_role_policy_attachment.{role_ident}"));
        if auto_mode.is_some() {
            depends_on.push(format!(
                "aws_iam_role_policy_attachment.{role_ident}_auto_mode"
            ));
        }
        if let Some(policy) = &control_plane.secrets_key_policy {
            depends_on.push(format!("aws_iam_role_policy.{}", policy.ident));
        }
    }
    if let Some(logging) = &control_plane.logging {
        depends_on.push(format!("aws_cloudwatch_log_group.{}", logging.ident));
    }
    CreatedCluster {
        role_arn,
        depends_on,
        control_plane,
        auto_mode,
        kubernetes_version,
        role_name,
        role_ident,
        role_trust_file: paths::EKS_CLUSTER_ROLE_TRUST_FILE.to_string(),
        role_policy_arn: arn::aws_managed_policy_arn(account.partition, "AmazonEKSClusterPolicy"),
        subnet_ids,
        subnet_variable,
        endpoint_public_access: !public_access_cidrs.is_empty(),
        public_access_from_anywhere: public_access_cidrs
            .iter()
            .any(|c| ipv4_cidr_prefix(c) == Some(0)),
        public_access_cidrs,
    }
}

/// The node role and policies of an Auto Mode cluster, as the EKS user
/// guide gives them ("EKS Auto Mode cluster IAM role", "node IAM role").
/// EKS makes the node role's access entry itself.
fn auto_mode(checker: &mut Checker<'_>, account: &Account, key: &Spanned<String>) -> AutoMode {
    let node_role_name = names::auto_node_role_name(&account.iam.name_prefix, key);
    if account.name_prefix_ok && node_role_name.len() > MAX_ROLE_NAME {
        checker
            .error(
                Code::IamName,
                key.span(),
                format!("the node role name `{node_role_name}` is longer than IAM's {MAX_ROLE_NAME} characters"),
            )
            .label("the role is named after this key")
            .help("shorten the cluster key or iam.name_prefix");
    }
    let node_role_ident = names::auto_node_role_ident(key);
    let node_role_arn = account.role_arn_ref(
        &node_role_ident,
        &arn::role_arn(
            account.partition,
            &account.id,
            &account.iam.path,
            &node_role_name,
        ),
    );
    checker.claim(
        "Terraform resource",
        format!("aws_iam_role.{node_role_ident}"),
        key.span(),
    );
    checker.claim("IAM role", node_role_name.to_lowercase(), key.span());
    let managed = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .map(|name| arn::aws_managed_policy_arn(account.partition, name))
            .collect()
    };
    AutoMode {
        cluster_policy_arns: managed(&[
            "AmazonEKSBlockStoragePolicy",
            "AmazonEKSComputePolicy",
            "AmazonEKSLoadBalancingPolicy",
            "AmazonEKSNetworkingPolicy",
        ]),
        node_role_name,
        node_role_ident,
        node_role_arn,
        node_role_trust_file: paths::EKS_AUTO_NODE_ROLE_TRUST_FILE.to_string(),
        node_policy_arns: managed(&[
            "AmazonEC2ContainerRegistryPullOnly",
            "AmazonEKSWorkerNodeMinimalPolicy",
        ]),
    }
}

fn kubernetes_version(
    checker: &mut Checker<'_>,
    key: &Spanned<String>,
    create_span: Range<usize>,
    cluster: &spec::Cluster,
) -> String {
    let Some(version) = &cluster.kubernetes_version else {
        checker
            .error(
                Code::KubernetesVersion,
                create_span,
                format!(
                    "cluster {} is created here but has no kubernetes_version",
                    key.get()
                ),
            )
            .label("created here")
            .help("add kubernetes_version = \"1.35\" (or the version you want) to the cluster");
        return String::new();
    };
    // `1.` then a minor version written the way EKS writes it: digits, no
    // leading zero.
    let minor = version
        .get()
        .strip_prefix("1.")
        .filter(|minor| {
            !minor.is_empty()
                && minor.bytes().all(|b| b.is_ascii_digit())
                && !(minor.len() > 1 && minor.starts_with('0'))
        })
        .and_then(|minor| minor.parse::<u32>().ok());
    match minor {
        None => {
            checker
                .error(
                    Code::KubernetesVersion,
                    version.span(),
                    format!("`{}` is not a Kubernetes minor version", version.get()),
                )
                .label("expected 1.MINOR")
                .help("write the version EKS offers, e.g. \"1.35\"");
        }
        Some(minor) if minor < MIN_CREATED_MINOR => {
            checker
                .error(
                    Code::KubernetesVersion,
                    version.span(),
                    format!(
                        "eksgrant creates clusters on Kubernetes 1.{MIN_CREATED_MINOR} or later, not {}",
                        version.get()
                    ),
                )
                .label("too old")
                .help(format!(
                    "use 1.{MIN_CREATED_MINOR} or later: from there EKS envelope-encrypts all API data by default, and access entries need no platform-version check"
                ));
        }
        Some(minor) => eks_offers(checker, version, minor),
    }
    version.get().clone()
}

/// Refuses a version EKS does not create clusters on: retired (its
/// extended support ended), or newer than any it could have released.
fn eks_offers(checker: &mut Checker<'_>, version: &Spanned<String>, minor: u32) {
    let (oldest, newest, as_of) = kubernetes_versions::offered_range();
    let offered = format!(
        "by eksgrant's table of EKS versions (as of {as_of}), {oldest} to {newest}; `aws eks describe-cluster-versions` lists today's"
    );
    let (message, label) = match kubernetes_versions::verdict(minor) {
        Verdict::Offered => return,
        Verdict::Retired { on } => (
            match on {
                Some(on) => format!(
                    "EKS stopped creating clusters on Kubernetes {} on {on}, the end of its extended support",
                    version.get()
                ),
                None => format!(
                    "EKS no longer creates clusters on Kubernetes {}",
                    version.get()
                ),
            },
            "retired by EKS",
        ),
        Verdict::Unreleased => (
            format!(
                "EKS has no Kubernetes {}: it adds about one version every four months, and its newest was {newest} on {as_of}",
                version.get()
            ),
            "no such EKS version",
        ),
    };
    checker
        .error(Code::KubernetesVersion, version.span(), message)
        .label(label)
        .help(format!("use a version EKS offers: {offered}"));
}

fn subnet_ids(checker: &mut Checker<'_>, ids: &Spanned<Vec<Spanned<String>>>) -> Vec<String> {
    if ids.get().len() < 2 {
        checker
            .error(
                Code::Subnets,
                ids.span(),
                "EKS needs subnets in at least two availability zones",
            )
            .label("fewer than two subnets")
            .help("list at least two subnets in different availability zones");
    }
    for id in ids.get() {
        let ok = id.get().strip_prefix("subnet-").is_some_and(|hex| {
            (8..=17).contains(&hex.len())
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if !ok {
            checker
                .error(
                    Code::Subnets,
                    id.span(),
                    format!("`{}` is not a subnet ID", id.get()),
                )
                .label("not a subnet ID")
                .help("subnet IDs look like \"subnet-0123456789abcdef0\"");
        }
    }
    ids.get().iter().map(|id| id.get().clone()).collect()
}

/// The CIDRs allowed to reach a public endpoint; empty for a private one.
fn public_access_cidrs(checker: &mut Checker<'_>, cluster: &spec::Cluster) -> Vec<String> {
    let public = cluster.endpoint_public_access.as_ref().filter(|p| *p.get());
    let anywhere = cluster
        .public_access_from_anywhere
        .as_ref()
        .filter(|a| *a.get());
    if let (None, Some(anywhere)) = (public, anywhere) {
        checker
            .error(
                Code::PublicEndpoint,
                anywhere.span(),
                "public_access_from_anywhere = true on a private endpoint",
            )
            .label("the endpoint is private")
            .help("remove public_access_from_anywhere, or make the endpoint public with endpoint_public_access = true and public_access_cidrs");
    }
    match (public, &cluster.public_access_cidrs) {
        (None, None) => Vec::new(),
        (Some(public), None) => {
            checker
                .error(
                    Code::PublicEndpoint,
                    public.span(),
                    "a public endpoint needs public_access_cidrs",
                )
                .label("public without an allow-list")
                .help(
                    "add public_access_cidrs with the networks that may reach the API (EKS would otherwise allow 0.0.0.0/0)",
                );
            Vec::new()
        }
        (None, Some(cidrs)) => {
            checker
                .error(
                    Code::PublicEndpoint,
                    cidrs.span(),
                    "public_access_cidrs only applies with endpoint_public_access = true",
                )
                .label("the endpoint is private")
                .help("set endpoint_public_access = true, or remove public_access_cidrs");
            Vec::new()
        }
        (Some(_), Some(cidrs)) => {
            if cidrs.get().is_empty() {
                checker
                    .error(
                        Code::PublicEndpoint,
                        cidrs.span(),
                        "public_access_cidrs is empty",
                    )
                    .label("empty")
                    .help("list the networks that may reach the API, e.g. [\"203.0.113.0/24\"]");
            }
            for cidr in cidrs.get() {
                match ipv4_cidr_prefix(cidr.get()) {
                    None => {
                        checker
                            .error(
                                Code::PublicEndpoint,
                                cidr.span(),
                                format!("`{}` is not an IPv4 network block", cidr.get()),
                            )
                            .label("not a network block")
                            .help("write a network address and its prefix, e.g. \"203.0.113.0/24\" (no address bits past the prefix)");
                    }
                    Some(0) if anywhere.is_none() => {
                        checker
                            .error(
                                Code::PublicEndpoint,
                                cidr.span(),
                                format!("{} opens the cluster API to the whole internet", cidr.get()),
                            )
                            .label("everyone")
                            .help(
                                "list the networks that need the API, or keep the endpoint private if nobody outside the VPC needs it; if the whole internet must reach it, say so with public_access_from_anywhere = true",
                            );
                    }
                    Some(_) => {}
                }
            }
            if let Some(anywhere) = anywhere
                && !cidrs
                    .get()
                    .iter()
                    .any(|c| ipv4_cidr_prefix(c.get()) == Some(0))
            {
                checker
                    .error(
                        Code::PublicEndpoint,
                        anywhere.span(),
                        "public_access_from_anywhere = true, but public_access_cidrs does not open the endpoint to everyone",
                    )
                    .label("nothing to acknowledge")
                    .also(cidrs.span(), "no 0.0.0.0/0 here")
                    .help("remove public_access_from_anywhere");
            }
            cidrs.get().iter().map(|c| c.get().clone()).collect()
        }
    }
}

/// The networks allowed to reach a created cluster's private endpoint.
fn private_access_cidrs(checker: &mut Checker<'_>, cluster: &spec::Cluster) -> Vec<String> {
    let Some(cidrs) = &cluster.private_access_cidrs else {
        return Vec::new();
    };
    let mut valid = Vec::new();
    for cidr in cidrs.get() {
        match ipv4_cidr_prefix(cidr.get()) {
            None => {
                checker
                    .error(
                        Code::PrivateAccess,
                        cidr.span(),
                        format!("`{}` is not an IPv4 network block", cidr.get()),
                    )
                    .label("not a network block")
                    .help("write a network address and its prefix, e.g. \"10.20.0.0/16\" (no address bits past the prefix)");
            }
            Some(0) => {
                checker
                    .error(
                        Code::PrivateAccess,
                        cidr.span(),
                        format!(
                            "{} lets every connected network reach the cluster API",
                            cidr.get()
                        ),
                    )
                    .label("everyone")
                    .help("list the networks of the clusters or people that need the API");
            }
            Some(_) if valid.contains(cidr.get()) => {
                checker
                    .error(
                        Code::PrivateAccess,
                        cidr.span(),
                        format!("{} is listed twice", cidr.get()),
                    )
                    .label("repeated")
                    .help("list each network once");
            }
            Some(_) => valid.push(cidr.get().clone()),
        }
    }
    valid
}

/// Checks `private_access_from_clusters` once every cluster is known:
/// each names another cluster of the spec, once.
fn check_private_access(checker: &mut Checker<'_>, clusters: &BTreeMap<String, ClusterInfo>) {
    for info in clusters.values() {
        let mut seen: Vec<&str> = Vec::new();
        for from in &info.private_access_from {
            if from.get() == info.key.get() {
                checker
                    .error(
                        Code::PrivateAccess,
                        from.span(),
                        format!("cluster {} cannot list itself", from.get()),
                    )
                    .label("this cluster")
                    .help(
                        "its own nodes reach its endpoint already; list the other clusters whose pods reach it",
                    );
            } else if seen.contains(&from.get().as_str()) {
                checker
                    .error(
                        Code::PrivateAccess,
                        from.span(),
                        format!("cluster {} is listed twice", from.get()),
                    )
                    .label("repeated")
                    .help("list each cluster once");
            } else {
                cluster_ref(checker, clusters, from);
            }
            seen.push(from.get());
        }
    }
}

/// Two keys for one EKS cluster would make two data sources and two sets
/// of access entries for the same principals.
fn check_unique_cluster_names(checker: &mut Checker<'_>, clusters: &BTreeMap<String, ClusterInfo>) {
    let mut seen: HashMap<&str, &ClusterInfo> = HashMap::new();
    for info in clusters.values() {
        if let Some(first) = seen.get(info.name.as_str()) {
            let message = format!(
                "clusters {} and {} are the same EKS cluster `{}`",
                first.key.get(),
                info.key.get(),
                info.name
            );
            let first = first.key.span();
            checker
                .duplicate(
                    Code::DuplicateCluster,
                    info.key.span(),
                    first,
                    "key for the cluster",
                    message,
                )
                .help("describe each EKS cluster once");
        } else {
            seen.insert(&info.name, info);
        }
    }
}

/// Looks a cluster reference up, reporting an unknown one with a suggestion.
pub(super) fn cluster_ref(
    checker: &mut Checker<'_>,
    clusters: &BTreeMap<String, ClusterInfo>,
    reference: &Spanned<String>,
) -> Option<String> {
    if clusters.contains_key(reference.get()) {
        return Some(reference.get().clone());
    }
    let help = match closest(reference.get(), clusters.keys().map(String::as_str)) {
        Some(near) => {
            format!("did you mean `{near}`? Clusters are named by their key under [clusters]")
        }
        None => {
            let keys: Vec<String> = clusters.keys().take(FEW + 1).cloned().collect();
            format!(
                "define [clusters.{}] or use one of: {}",
                reference.get(),
                first_few(&keys, clusters.len(), "or")
            )
        }
    };
    checker
        .error(
            Code::UnknownCluster,
            reference.span(),
            format!("cluster `{}` is not defined", reference.get()),
        )
        .label("no cluster with this key")
        .help(help);
    None
}
