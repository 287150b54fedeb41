//! Spec -> Model: every rule of the spec, checked in one pass that reports all
//! problems at once.
//!
//! The resolver walks the spec top-down. Each check that fails pushes a
//! [`Problem`] and the walk goes on with what it could resolve, so one typo
//! does not hide the next. The cross-cutting pieces live beside it:
//! [`super::grants`] turns grants into access entries and RBAC objects, and
//! [`super::policies`] builds and measures the IAM documents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use super::arn::{self, is_account_id, is_policy_arn, is_region};
use super::grants::{self, GrantSet};
use super::names::{self, MAX_ROLE_NAME};
use super::policies;
use super::suggest::closest;
use super::{
    Association, CreatedCluster, IamSettings, Model, Principal, RolePolicy, Workload, WorkloadRole,
};
use crate::error::Problem;
use crate::source::SourceFile;
use crate::spec::{self, AuthenticationMode, Identity, Partition, Spanned, Spec};

/// Runs every check; returns a model when nothing stopped resolution, and all
/// problems found (a model is only usable when none of them is an error).
pub(super) fn resolve(spec: Spec, source: &SourceFile) -> (Option<Model>, Vec<Problem>) {
    let mut resolver = Resolver {
        source,
        problems: Vec::new(),
        names: HashMap::new(),
        collisions: HashSet::new(),
    };
    let model = resolver.run(spec);
    (model, resolver.problems)
}

/// The oldest Kubernetes minor version eksgrant creates clusters with.
const MIN_CREATED_MINOR: u32 = 28;

/// The account-wide facts every later step needs.
pub(super) struct Context {
    pub partition: Partition,
    pub account_id: String,
    pub region: String,
    pub iam: IamSettings,
}

/// A cluster after its own checks, before grants are attached.
pub(super) struct ClusterInfo {
    pub key: Spanned<String>,
    pub name: String,
    pub arn: String,
    pub mode: AuthenticationMode,
    pub created: Option<CreatedCluster>,
    /// The span of `create = true`, for the lock-out rule.
    pub create_span: Option<Range<usize>>,
}

impl ClusterInfo {
    pub fn ident(&self) -> String {
        names::tf_ident(&self.key)
    }

    pub fn tf_ref(&self) -> String {
        if self.created.is_some() {
            format!("aws_eks_cluster.{}", self.ident())
        } else {
            format!("data.aws_eks_cluster.{}", self.ident())
        }
    }
}

/// A workload after its own checks.
pub(super) struct WorkloadInfo {
    pub key: Spanned<String>,
    pub clusters: Vec<String>,
    pub namespace: String,
    pub service_account: String,
    pub create_service_account: bool,
    pub role_name: Spanned<String>,
    pub aws: spec::WorkloadAws,
}

/// A principal after its own checks.
pub(super) struct PrincipalInfo {
    pub key: Spanned<String>,
    pub arn: String,
}

pub(super) struct Resolver<'a> {
    pub source: &'a SourceFile,
    pub problems: Vec<Problem>,
    /// Every generated name that must be unique, by namespace, with the span
    /// of the spec item that produced it.
    names: HashMap<(&'static str, String), Range<usize>>,
    /// Pairs of spec items (by span start) already reported as colliding.
    collisions: HashSet<(usize, usize)>,
}

impl Resolver<'_> {
    /// Records an error.
    pub fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let problem = Problem::error(self.source, code, message, span, label).with_help(help);
        self.problems.push(problem);
    }

    /// Records a warning.
    pub fn warning(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let problem = Problem::error(self.source, code, message, span, label)
            .with_help(help)
            .warning();
        self.problems.push(problem);
    }

    /// Claims a generated name; a second claim of the same name is an error
    /// pointing at both spec items.
    pub fn claim(&mut self, kind: &'static str, name: String, span: Range<usize>) {
        let key = (kind, name);
        if let Some(first) = self.names.get(&key) {
            // One report per pair of colliding spec items is enough: the
            // first name that collides explains the rest.
            if !self.collisions.insert((first.start, span.start)) {
                return;
            }
            let problem = Problem::error(
                self.source,
                "eksgrant::name_collision",
                format!(
                    "two things in the spec would both generate {kind} `{}`",
                    key.1
                ),
                span,
                "this one",
            )
            .with_label(first.clone(), "collides with this one")
            .with_help("rename one of the keys (or set `role_name`) so the generated names differ");
            self.problems.push(problem);
        } else {
            self.names.insert(key, span);
        }
    }

    fn run(&mut self, spec: Spec) -> Option<Model> {
        let Spec {
            version,
            aws,
            iam,
            clusters,
            workloads,
            principals,
        } = spec;
        if *version.get() != 1 {
            self.error(
                "eksgrant::version",
                format!("spec version {} is not supported", version.get()),
                version.span(),
                "unknown version",
                "this eksgrant reads `version = 1`",
            );
        }
        let ctx = self.context(aws, iam);

        let clusters: BTreeMap<String, ClusterInfo> = clusters
            .into_iter()
            .filter_map(|(key, cluster)| self.cluster(&ctx, key, cluster))
            .map(|info| (info.key.get().clone(), info))
            .collect();
        self.check_unique_cluster_names(&clusters);
        if let Some(created) = clusters.values().find(|c| c.created.is_some()) {
            self.claim(
                "file",
                names::EKS_CLUSTER_ROLE_TRUST_FILE.to_string(),
                created.key.span(),
            );
        }

        let mut subject_keys: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let mut workload_grants = Vec::new();
        let mut workload_infos = Vec::new();
        for (key, mut workload) in workloads {
            self.check_subject_key(&key, &mut subject_keys);
            let grants = std::mem::take(&mut workload.grants);
            if let Some(info) = self.workload(&ctx, &clusters, key, workload) {
                workload_grants.push((info.key.get().clone(), grants));
                workload_infos.push(info);
            }
        }
        self.check_unique_service_accounts(&workload_infos);

        let mut principal_grants = Vec::new();
        let mut principal_infos = Vec::new();
        for (key, principal) in principals {
            self.check_subject_key(&key, &mut subject_keys);
            if let Some(info) = self.principal(&ctx, key, principal.arn) {
                principal_grants.push((info.key.get().clone(), principal.grants));
                principal_infos.push(info);
            }
        }
        self.check_unique_principal_arns(&principal_infos);

        let workloads_by_key: BTreeMap<&str, &WorkloadInfo> = workload_infos
            .iter()
            .map(|w| (w.key.get().as_str(), w))
            .collect();
        let principals_by_key: BTreeMap<&str, &PrincipalInfo> = principal_infos
            .iter()
            .map(|p| (p.key.get().as_str(), p))
            .collect();
        let grant_set = grants::resolve_grants(
            self,
            &ctx,
            &clusters,
            &workloads_by_key,
            &principals_by_key,
            workload_grants,
            principal_grants,
        );
        self.check_lock_out(&clusters, &grant_set);

        let resolved_workloads: Vec<Workload> = workload_infos
            .iter()
            .map(|info| self.finish_workload(&ctx, &clusters, info, &grant_set))
            .collect();
        self.check_generated_role_arns(&principal_infos, &resolved_workloads);

        let mut resolved_clusters = Vec::new();
        for info in clusters.values() {
            resolved_clusters.push(grants::finish_cluster(
                self,
                &ctx,
                info,
                &clusters,
                &grant_set,
                &workload_infos,
                &resolved_workloads,
            ));
        }

        let principals = principal_infos
            .iter()
            .map(|p| Principal {
                key: p.key.get().clone(),
                arn: p.arn.clone(),
            })
            .collect();
        let mut workloads = resolved_workloads;
        workloads.sort_by(|a, b| a.key.cmp(&b.key));
        let mut principals: Vec<Principal> = principals;
        principals.sort_by(|a, b| a.key.cmp(&b.key));

        Some(Model {
            account_id: ctx.account_id,
            region: ctx.region,
            partition: ctx.partition.as_str(),
            iam: ctx.iam,
            clusters: resolved_clusters,
            workloads,
            principals,
        })
    }

    fn context(&mut self, aws: spec::Aws, iam: spec::Iam) -> Context {
        if !is_account_id(aws.account_id.get()) {
            self.error(
                "eksgrant::account_id",
                "the account ID must be 12 digits",
                aws.account_id.span(),
                "not a 12-digit account ID",
                "write the account ID as a quoted string of 12 digits, e.g. \"111122223333\"",
            );
        }
        if !is_region(aws.region.get()) {
            self.error(
                "eksgrant::region",
                format!("`{}` is not an AWS region name", aws.region.get()),
                aws.region.span(),
                "not a region",
                "use a region name such as \"eu-west-2\"",
            );
        }
        let region_partition = Partition::of_region(aws.region.get());
        let partition = match &aws.partition {
            Some(partition) => {
                if *partition.get() != region_partition {
                    self.error(
                        "eksgrant::partition",
                        format!(
                            "region {} is in partition {}, not {}",
                            aws.region.get(),
                            region_partition.as_str(),
                            partition.get().as_str()
                        ),
                        partition.span(),
                        "does not match the region",
                        format!("set partition = \"{}\"", region_partition.as_str()),
                    );
                }
                *partition.get()
            }
            None => {
                if region_partition != Partition::Aws {
                    self.error(
                        "eksgrant::partition",
                        format!(
                            "region {} is in partition {}",
                            aws.region.get(),
                            region_partition.as_str()
                        ),
                        aws.region.span(),
                        "not in the default partition `aws`",
                        format!("add partition = \"{}\" to [aws]", region_partition.as_str()),
                    );
                }
                region_partition
            }
        };
        let iam = self.iam_settings(partition, iam);
        Context {
            partition,
            account_id: aws.account_id.get().clone(),
            region: aws.region.get().clone(),
            iam,
        }
    }

    fn iam_settings(&mut self, partition: Partition, iam: spec::Iam) -> IamSettings {
        let path = match iam.path {
            Some(path) => {
                if !names::is_iam_path(path.get()) {
                    self.error(
                        "eksgrant::iam_path",
                        format!("`{}` is not an IAM path", path.get()),
                        path.span(),
                        "not an IAM path",
                        "an IAM path starts and ends with `/`, e.g. \"/eksgrant/\", and has no spaces",
                    );
                }
                path.get().clone()
            }
            None => "/".to_string(),
        };
        let name_prefix = match iam.name_prefix {
            Some(prefix) => {
                if !prefix.get().chars().all(names::is_iam_name_char) {
                    self.error(
                        "eksgrant::iam_name",
                        format!("`{}` has characters IAM names do not allow", prefix.get()),
                        prefix.span(),
                        "not allowed in IAM names",
                        "IAM names use letters, digits and `_+=,.@-`",
                    );
                }
                prefix.get().clone()
            }
            None => String::new(),
        };
        let permissions_boundary = iam.permissions_boundary.map(|boundary| {
            if !is_policy_arn(boundary.get(), partition) {
                self.error(
                    "eksgrant::policy_arn",
                    "the permissions boundary must be an IAM policy ARN",
                    boundary.span(),
                    "not a policy ARN",
                    format!(
                        "write it as arn:{}:iam::ACCOUNT:policy/NAME",
                        partition.as_str()
                    ),
                );
            }
            boundary.get().clone()
        });
        let mut tags = BTreeMap::new();
        if iam.tags.len() > 50 {
            let span = iam.tags.keys().nth(50).map(|k| k.span()).unwrap_or(0..0);
            self.error(
                "eksgrant::tags",
                format!("{} tags is more than IAM's 50 per role", iam.tags.len()),
                span,
                "the 51st tag",
                "remove tags until at most 50 remain",
            );
        }
        for (key, value) in iam.tags {
            if key.get().is_empty() || key.get().len() > 128 || key.get().starts_with("aws:") {
                self.error(
                    "eksgrant::tags",
                    format!("`{}` cannot be an IAM tag key", key.get()),
                    key.span(),
                    "invalid tag key",
                    "tag keys are 1-128 characters and may not start with `aws:`",
                );
            }
            if value.get().len() > 256 {
                self.error(
                    "eksgrant::tags",
                    "IAM tag values are at most 256 characters",
                    value.span(),
                    "too long",
                    "shorten the value",
                );
            }
            tags.insert(key.get().clone(), value.get().clone());
        }
        IamSettings {
            path,
            name_prefix,
            permissions_boundary,
            tags,
        }
    }

    /// Checks a key of `clusters`, `workloads` or `principals`.
    fn check_key(&mut self, table: &str, key: &Spanned<String>) -> bool {
        if names::is_key(key.get()) {
            return true;
        }
        self.error(
            "eksgrant::key",
            format!("`{}` cannot be a {table} key", key.get()),
            key.span(),
            "not a lowercase DNS label starting with a letter",
            "keys name files, Terraform resources and Kubernetes groups: use lowercase letters, digits and `-`, start with a letter, at most 63 characters",
        );
        false
    }

    fn cluster(
        &mut self,
        ctx: &Context,
        key: Spanned<String>,
        cluster: spec::Cluster,
    ) -> Option<ClusterInfo> {
        let key_ok = self.check_key("cluster", &key);
        let name = cluster
            .name
            .as_ref()
            .map_or(key.get().clone(), |n| n.get().clone());
        let name = name.as_str();
        if let Some(given) = &cluster.name
            && !names::is_eks_cluster_name(given.get())
        {
            self.error(
                    "eksgrant::cluster_name",
                    format!("`{}` is not a valid EKS cluster name", given.get()),
                    given.span(),
                    "not a valid cluster name",
                    "EKS cluster names are 1-100 characters: letters, digits, `-` and `_`, starting with a letter or digit",
                );
        }
        let mode = cluster
            .authentication_mode
            .as_ref()
            .map_or(AuthenticationMode::Api, |m| *m.get());
        if let Some(given) = &cluster.authentication_mode
            && *given.get() == AuthenticationMode::ConfigMap
        {
            self.error(
                    "eksgrant::not_supported",
                    "authentication_mode = \"CONFIG_MAP\" is not supported yet",
                    given.span(),
                    "the aws-auth ConfigMap is not generated yet",
                    "use \"API\" or \"API_AND_CONFIG_MAP\" (eksgrant maps principals with access entries on both)",
                );
        }
        if let Some(issuer) = &cluster.oidc_issuer {
            self.error(
                "eksgrant::not_supported",
                "oidc_issuer is not supported yet",
                issuer.span(),
                "IRSA is not generated yet",
                "remove oidc_issuer; workloads use EKS Pod Identity, which needs no OIDC provider",
            );
        }
        if let Some(nodes) = &cluster.node_role_arns {
            self.error(
                "eksgrant::not_supported",
                "node_role_arns is not supported yet",
                nodes.span(),
                "node access entries are not generated yet",
                "remove node_role_arns and keep mapping self-managed node roles where you do today",
            );
        }

        let created = match &cluster.create {
            Some(create) if *create.get() => self.created_cluster(ctx, &key, &cluster),
            _ => {
                self.refuse_without_create(
                    "kubernetes_version",
                    cluster.kubernetes_version.as_ref().map(|v| v.span()),
                );
                self.refuse_without_create(
                    "subnet_ids",
                    cluster.subnet_ids.as_ref().map(|v| v.span()),
                );
                self.refuse_without_create(
                    "endpoint_public_access",
                    cluster.endpoint_public_access.as_ref().map(|v| v.span()),
                );
                self.refuse_without_create(
                    "public_access_cidrs",
                    cluster.public_access_cidrs.as_ref().map(|v| v.span()),
                );
                None
            }
        };
        let ident = names::tf_ident(key.get());
        if created.is_some() {
            self.claim(
                "Terraform resource",
                format!("aws_iam_role.{ident}_cluster"),
                key.span(),
            );
            self.claim(
                "IAM role",
                format!("{}{}-cluster", ctx.iam.name_prefix, key.get()).to_lowercase(),
                key.span(),
            );
        }
        key_ok.then(|| ClusterInfo {
            arn: arn::cluster_arn(ctx.partition, &ctx.region, &ctx.account_id, name),
            name: name.to_string(),
            mode,
            created,
            create_span: cluster
                .create
                .as_ref()
                .filter(|c| *c.get())
                .map(|c| c.span()),
            key,
        })
    }

    fn refuse_without_create(&mut self, field: &str, span: Option<Range<usize>>) {
        if let Some(span) = span {
            self.error(
                "eksgrant::needs_create",
                format!("{field} only applies to clusters eksgrant creates"),
                span,
                "the cluster is not created here",
                format!("add `create = true` to create the cluster, or remove {field}"),
            );
        }
    }

    fn created_cluster(
        &mut self,
        ctx: &Context,
        key: &Spanned<String>,
        cluster: &spec::Cluster,
    ) -> Option<CreatedCluster> {
        let version = match &cluster.kubernetes_version {
            Some(version) => {
                let minor = version
                    .get()
                    .strip_prefix("1.")
                    .filter(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|minor| minor.parse::<u32>().ok());
                match minor {
                    None => self.error(
                        "eksgrant::kubernetes_version",
                        format!("`{}` is not a Kubernetes minor version", version.get()),
                        version.span(),
                        "expected 1.MINOR",
                        "write the version EKS offers, e.g. \"1.33\"",
                    ),
                    Some(minor) if minor < MIN_CREATED_MINOR => self.error(
                        "eksgrant::kubernetes_version",
                        format!("eksgrant creates clusters on Kubernetes 1.{MIN_CREATED_MINOR} or later, not {}", version.get()),
                        version.span(),
                        "too old",
                        format!("use 1.{MIN_CREATED_MINOR} or later: from there EKS envelope-encrypts all API data by default, and access entries need no platform-version check"),
                    ),
                    Some(_) => {}
                }
                version.get().clone()
            }
            None => {
                let span = cluster.create.as_ref().map_or(key.span(), |c| c.span());
                self.error(
                    "eksgrant::kubernetes_version",
                    format!(
                        "cluster {} is created here but has no kubernetes_version",
                        key.get()
                    ),
                    span,
                    "created here",
                    "add kubernetes_version = \"1.33\" (or the version you want) to the cluster",
                );
                String::new()
            }
        };
        let ident = names::tf_ident(key.get());
        let (subnet_ids, subnet_variable) = match &cluster.subnet_ids {
            Some(ids) => {
                if ids.get().len() < 2 {
                    self.error(
                        "eksgrant::subnets",
                        "EKS needs subnets in at least two availability zones",
                        ids.span(),
                        "fewer than two subnets",
                        "list at least two subnets in different availability zones",
                    );
                }
                for id in ids.get() {
                    let ok = id.get().strip_prefix("subnet-").is_some_and(|hex| {
                        (8..=17).contains(&hex.len())
                            && hex
                                .bytes()
                                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                    });
                    if !ok {
                        self.error(
                            "eksgrant::subnets",
                            format!("`{}` is not a subnet ID", id.get()),
                            id.span(),
                            "not a subnet ID",
                            "subnet IDs look like \"subnet-0123456789abcdef0\"",
                        );
                    }
                }
                (ids.get().iter().map(|id| id.get().clone()).collect(), None)
            }
            None => (Vec::new(), Some(format!("{ident}_subnet_ids"))),
        };
        let endpoint_public_access = cluster
            .endpoint_public_access
            .as_ref()
            .is_some_and(|p| *p.get());
        let public_access_cidrs: Vec<String> = cluster
            .public_access_cidrs
            .as_ref()
            .map(|cidrs| cidrs.get().iter().map(|c| c.get().clone()).collect())
            .unwrap_or_default();
        match (&cluster.endpoint_public_access, &cluster.public_access_cidrs) {
            (Some(public), None) if *public.get() => self.error(
                "eksgrant::public_endpoint",
                "a public endpoint needs public_access_cidrs",
                public.span(),
                "public without an allow-list",
                "add public_access_cidrs with the networks that may reach the API (EKS would otherwise allow 0.0.0.0/0)",
            ),
            (public, Some(cidrs)) if !public.as_ref().is_some_and(|p| *p.get()) => self.error(
                "eksgrant::public_endpoint",
                "public_access_cidrs only applies with endpoint_public_access = true",
                cidrs.span(),
                "the endpoint is private",
                "set endpoint_public_access = true, or remove public_access_cidrs",
            ),
            (_, Some(cidrs)) => {
                if cidrs.get().is_empty() {
                    self.error(
                        "eksgrant::public_endpoint",
                        "public_access_cidrs is empty",
                        cidrs.span(),
                        "empty",
                        "list the networks that may reach the API, e.g. [\"203.0.113.0/24\"]",
                    );
                }
                for cidr in cidrs.get() {
                    if !is_ipv4_cidr(cidr.get()) {
                        self.error(
                            "eksgrant::public_endpoint",
                            format!("`{}` is not an IPv4 CIDR block", cidr.get()),
                            cidr.span(),
                            "not a CIDR",
                            "write CIDR blocks as \"203.0.113.0/24\"",
                        );
                    } else if cidr.get() == "0.0.0.0/0" {
                        self.error(
                            "eksgrant::public_endpoint",
                            "0.0.0.0/0 opens the cluster API to the whole internet",
                            cidr.span(),
                            "everyone",
                            "list the networks that need the API; keep the endpoint private if nobody outside the VPC does",
                        );
                    }
                }
            }
            _ => {}
        }
        let role_name = format!("{}{}-cluster", ctx.iam.name_prefix, key.get());
        if !names::is_iam_name(&role_name, MAX_ROLE_NAME) {
            self.error(
                "eksgrant::iam_name",
                format!("the cluster role name `{role_name}` is longer than IAM's 64 characters"),
                key.span(),
                "the role is named after this key",
                "shorten the cluster key or iam.name_prefix",
            );
        }
        Some(CreatedCluster {
            kubernetes_version: version,
            role_name,
            role_ident: format!("{ident}_cluster"),
            role_trust_file: names::EKS_CLUSTER_ROLE_TRUST_FILE.to_string(),
            subnet_ids,
            subnet_variable,
            endpoint_public_access,
            public_access_cidrs,
        })
    }

    fn check_unique_cluster_names(&mut self, clusters: &BTreeMap<String, ClusterInfo>) {
        let mut seen: HashMap<&str, &ClusterInfo> = HashMap::new();
        for info in clusters.values() {
            if let Some(first) = seen.get(info.name.as_str()) {
                let problem = Problem::error(
                    self.source,
                    "eksgrant::duplicate_cluster",
                    format!(
                        "clusters {} and {} are the same EKS cluster `{}`",
                        first.key.get(),
                        info.key.get(),
                        info.name
                    ),
                    info.key.span(),
                    "second key for the cluster",
                )
                .with_label(first.key.span(), "first key")
                .with_help("describe each EKS cluster once");
                self.problems.push(problem);
            } else {
                seen.insert(&info.name, info);
            }
        }
    }

    fn check_subject_key(
        &mut self,
        key: &Spanned<String>,
        seen: &mut BTreeMap<String, Range<usize>>,
    ) {
        if let Some(first) = seen.get(key.get()) {
            let problem = Problem::error(
                self.source,
                "eksgrant::duplicate_subject",
                format!("`{}` is both a workload and a principal", key.get()),
                key.span(),
                "second use of the key",
            )
            .with_label(first.clone(), "first use")
            .with_help("workload and principal keys share one namespace (they name Kubernetes groups); rename one");
            self.problems.push(problem);
        } else {
            seen.insert(key.get().clone(), key.span());
        }
    }

    /// Resolves `cluster` / `clusters` of a workload to cluster keys.
    fn workload_clusters(
        &mut self,
        clusters: &BTreeMap<String, ClusterInfo>,
        key: &Spanned<String>,
        workload: &spec::Workload,
    ) -> Vec<String> {
        let refs: Vec<&Spanned<String>> = match (&workload.cluster, &workload.clusters) {
            (Some(one), None) => vec![one],
            (None, Some(many)) => {
                if many.get().is_empty() {
                    self.error(
                        "eksgrant::workload_clusters",
                        "clusters is empty",
                        many.span(),
                        "no cluster",
                        "list the clusters the ServiceAccount lives in",
                    );
                }
                many.get().iter().collect()
            }
            (Some(one), Some(_)) => {
                self.error(
                    "eksgrant::workload_clusters",
                    format!("workload {} sets both cluster and clusters", key.get()),
                    one.span(),
                    "remove this or `clusters`",
                    "use `cluster = \"a\"` for one cluster or `clusters = [\"a\", \"b\"]` for several",
                );
                return Vec::new();
            }
            (None, None) => {
                self.error(
                    "eksgrant::workload_clusters",
                    format!(
                        "workload {} does not say which cluster it runs in",
                        key.get()
                    ),
                    key.span(),
                    "no cluster",
                    "add cluster = \"<cluster key>\" (or clusters = [...])",
                );
                return Vec::new();
            }
        };
        let mut resolved = Vec::new();
        for cluster in refs {
            if let Some(known) = self.cluster_ref(clusters, cluster) {
                if resolved.contains(&known) {
                    self.error(
                        "eksgrant::workload_clusters",
                        format!("cluster {known} is listed twice"),
                        cluster.span(),
                        "repeated",
                        "list each cluster once",
                    );
                } else {
                    resolved.push(known);
                }
            }
        }
        resolved
    }

    /// Looks a cluster reference up, reporting an unknown one with a suggestion.
    pub fn cluster_ref(
        &mut self,
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
            None => format!(
                "define [clusters.{}] or use one of: {}",
                reference.get(),
                clusters.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        self.error(
            "eksgrant::unknown_cluster",
            format!("cluster `{}` is not defined", reference.get()),
            reference.span(),
            "no cluster with this key",
            help,
        );
        None
    }

    fn workload(
        &mut self,
        ctx: &Context,
        clusters: &BTreeMap<String, ClusterInfo>,
        key: Spanned<String>,
        workload: spec::Workload,
    ) -> Option<WorkloadInfo> {
        let key_ok = self.check_key("workload", &key);
        let cluster_keys = self.workload_clusters(clusters, &key, &workload);
        if !names::is_dns_label(workload.namespace.get()) {
            self.error(
                "eksgrant::namespace",
                format!(
                    "`{}` is not a Kubernetes namespace name",
                    workload.namespace.get()
                ),
                workload.namespace.span(),
                "not a DNS-1123 label",
                "namespaces are lowercase letters, digits and `-`, at most 63 characters",
            );
        } else {
            self.check_namespace_not_reserved(&workload.namespace);
        }
        let service_account = match &workload.service_account {
            Some(sa) => {
                if !names::is_dns_subdomain(sa.get()) {
                    self.error(
                        "eksgrant::service_account",
                        format!("`{}` is not a ServiceAccount name", sa.get()),
                        sa.span(),
                        "not a DNS-1123 subdomain",
                        "ServiceAccount names are lowercase letters, digits, `-` and `.`",
                    );
                }
                sa.get().clone()
            }
            None => key.get().clone(),
        };
        if let Some(identity) = &workload.identity
            && *identity.get() == Identity::Irsa
        {
            self.error(
                    "eksgrant::not_supported",
                    "identity = \"irsa\" is not supported yet",
                    identity.span(),
                    "IRSA roles are not generated yet",
                    "use identity = \"pod-identity\" (the default): it needs no OIDC provider and scopes the role to this ServiceAccount",
                );
        }
        let role_name = match &workload.role_name {
            Some(name) => name.clone(),
            None => Spanned::new(key.span(), format!("{}{}", ctx.iam.name_prefix, key.get())),
        };
        if !names::is_iam_name(role_name.get(), MAX_ROLE_NAME) {
            let (label, help) = if workload.role_name.is_some() {
                (
                    "not a valid IAM role name",
                    "IAM role names are 1-64 characters: letters, digits and `_+=,.@-`".to_string(),
                )
            } else {
                (
                    "the role is named after this key",
                    format!(
                        "the role name `{}` is longer than 64 characters; set role_name or shorten the key or iam.name_prefix",
                        role_name.get()
                    ),
                )
            };
            self.error(
                "eksgrant::iam_name",
                format!("`{}` is not a valid IAM role name", role_name.get()),
                role_name.span(),
                label,
                help,
            );
        }
        key_ok.then(|| WorkloadInfo {
            key,
            clusters: cluster_keys,
            namespace: workload.namespace.get().clone(),
            service_account,
            create_service_account: workload
                .create_service_account
                .as_ref()
                .is_none_or(|c| *c.get()),
            role_name,
            aws: workload.aws.unwrap_or_default(),
        })
    }

    /// Refuses the one namespace name that the output layout reserves.
    pub fn check_namespace_not_reserved(&mut self, namespace: &Spanned<String>) {
        if namespace.get() == names::CLUSTER_SCOPED_DIR {
            self.error(
                "eksgrant::namespace",
                format!("namespace `{}` is reserved", namespace.get()),
                namespace.span(),
                "reserved",
                format!(
                    "kubernetes/<cluster>/{}/ holds cluster-scoped objects, so no namespace may have that name",
                    names::CLUSTER_SCOPED_DIR
                ),
            );
        }
    }

    fn check_unique_service_accounts(&mut self, workloads: &[WorkloadInfo]) {
        let mut seen: HashMap<(&str, &str, &str), &WorkloadInfo> = HashMap::new();
        for workload in workloads {
            for cluster in &workload.clusters {
                let key = (
                    cluster.as_str(),
                    workload.namespace.as_str(),
                    workload.service_account.as_str(),
                );
                if let Some(first) = seen.get(&key) {
                    let problem = Problem::error(
                        self.source,
                        "eksgrant::duplicate_service_account",
                        format!(
                            "workloads {} and {} are the same ServiceAccount {}/{} on cluster {}",
                            first.key.get(),
                            workload.key.get(),
                            workload.namespace,
                            workload.service_account,
                            cluster
                        ),
                        workload.key.span(),
                        "second workload",
                    )
                    .with_label(first.key.span(), "first workload")
                    .with_help("EKS allows one Pod Identity association per ServiceAccount: merge the two workloads, or give one its own service_account");
                    self.problems.push(problem);
                } else {
                    seen.insert(key, workload);
                }
            }
        }
    }

    fn principal(
        &mut self,
        ctx: &Context,
        key: Spanned<String>,
        arn: Spanned<String>,
    ) -> Option<PrincipalInfo> {
        let key_ok = self.check_key("principal", &key);
        match arn::parse_principal_arn(arn.get()) {
            Ok(parsed) => {
                if parsed.partition != ctx.partition.as_str() {
                    self.error(
                        "eksgrant::principal_arn",
                        format!("the principal is in partition {}, the spec in {}", parsed.partition, ctx.partition.as_str()),
                        arn.span(),
                        "other partition",
                        "principals must be in the clusters' partition",
                    );
                }
            }
            Err(reason) => self.error(
                "eksgrant::principal_arn",
                format!("`{}` is not an IAM role or user ARN", arn.get()),
                arn.span(),
                reason,
                format!(
                    "access entries take arn:{}:iam::ACCOUNT:role/NAME or arn:{}:iam::ACCOUNT:user/NAME (paths allowed)",
                    ctx.partition.as_str(),
                    ctx.partition.as_str()
                ),
            ),
        }
        key_ok.then(|| PrincipalInfo {
            key,
            arn: arn.get().clone(),
        })
    }

    fn check_unique_principal_arns(&mut self, principals: &[PrincipalInfo]) {
        let mut seen: HashMap<String, &PrincipalInfo> = HashMap::new();
        for principal in principals {
            // IAM names are case-insensitive, so is this comparison.
            let normalised = principal.arn.to_lowercase();
            if let Some(first) = seen.get(&normalised) {
                let problem = Problem::error(
                    self.source,
                    "eksgrant::duplicate_principal",
                    format!("principals {} and {} have the same ARN", first.key.get(), principal.key.get()),
                    principal.key.span(),
                    "second principal",
                )
                .with_label(first.key.span(), "first principal")
                .with_help("EKS allows one access entry per ARN and cluster: merge the grants into one principal");
                self.problems.push(problem);
            } else {
                seen.insert(normalised, principal);
            }
        }
    }

    /// A principal whose ARN is a role eksgrant generates would get two
    /// access entries for one ARN.
    fn check_generated_role_arns(&mut self, principals: &[PrincipalInfo], workloads: &[Workload]) {
        let generated: HashMap<String, &Workload> = workloads
            .iter()
            .filter_map(|w| w.role.as_ref().map(|role| (role.arn.to_lowercase(), w)))
            .collect();
        for principal in principals {
            if let Some(workload) = generated.get(&principal.arn.to_lowercase()) {
                self.error(
                    "eksgrant::duplicate_principal",
                    format!(
                        "principal {} is the role eksgrant generates for workload {}",
                        principal.key.get(),
                        workload.key
                    ),
                    principal.key.span(),
                    "generated role",
                    format!("move these grants to [[workloads.{}.grants]]", workload.key),
                );
            }
        }
    }

    /// A cluster created with `bootstrap_cluster_creator_admin_permissions =
    /// false` is reachable only through the access entries eksgrant makes.
    fn check_lock_out(&mut self, clusters: &BTreeMap<String, ClusterInfo>, grants: &GrantSet) {
        for info in clusters.values() {
            let Some(span) = &info.create_span else {
                continue;
            };
            if !grants.has_iam_cluster_admin(info.key.get()) {
                self.error(
                    "eksgrant::lock_out",
                    format!("nobody could administer cluster {} after it is created", info.key.get()),
                    span.clone(),
                    "created without a cluster administrator",
                    format!(
                        "eksgrant creates clusters without the creator's implicit admin access; grant a principal \
                         access_policy = \"AmazonEKSClusterAdminPolicy\" (cluster-wide) on cluster = \"{}\"",
                        info.key.get()
                    ),
                );
            }
        }
    }

    fn finish_workload(
        &mut self,
        ctx: &Context,
        clusters: &BTreeMap<String, ClusterInfo>,
        info: &WorkloadInfo,
        grants: &GrantSet,
    ) -> Workload {
        let key = info.key.get();
        let reaches: Vec<String> = grants.reached_by(key).into_iter().collect();
        let permissions = policies::permissions(self, ctx, clusters, info, &reaches);
        let managed: Vec<String> = info
            .aws
            .managed_policy_arns
            .iter()
            .map(|a| a.get().clone())
            .collect();
        let needs_role = !permissions.is_empty() || !managed.is_empty() || !reaches.is_empty();
        let ident = names::tf_ident(key);
        let mut aws_permissions = Vec::new();
        for preset in &info.aws.presets {
            if let Some(def) = super::presets::find(preset.name.get()) {
                aws_permissions.push(format!("preset {}: {}", def.name, def.summary));
            }
        }
        aws_permissions.extend(managed.iter().map(|arn| format!("managed policy {arn}")));
        if !info.aws.statements.is_empty() {
            let n = info.aws.statements.len();
            aws_permissions.push(format!(
                "{n} custom statement{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        if !reaches.is_empty() {
            aws_permissions.push(format!("eks:DescribeCluster on {}", reaches.join(", ")));
        }
        let mut notes = Vec::new();
        if info
            .aws
            .presets
            .iter()
            .any(|p| p.name.get() == "external-dns")
        {
            notes.push("run external-dns with --zone-id-filter set to the preset's hosted zones, the only zones it may read and change".to_string());
        }
        if !info.create_service_account {
            notes.push(format!(
                "its ServiceAccount {}/{} is not generated (create_service_account = false); whatever installs the workload creates it",
                info.namespace, info.service_account
            ));
        }
        let role = needs_role.then(|| {
            let name = info.role_name.get().clone();
            self.claim("IAM role", name.to_lowercase(), info.role_name.span());
            self.claim("Terraform resource", format!("aws_iam_role.{ident}"), info.key.span());
            if !managed.is_empty() {
                self.claim("Terraform resource", format!("aws_iam_role_policy_attachment.{ident}_managed"), info.key.span());
            }
            self.claim("file", format!("policies/{key}.trust.json"), info.key.span());
            let role_policies: Vec<RolePolicy> = permissions
                .into_iter()
                .enumerate()
                .map(|(index, document)| {
                    let (ident, name, file) = match index {
                        0 => (ident.clone(), name.clone(), format!("policies/{key}.permissions.json")),
                        n => (
                            format!("{ident}_{}", n + 1),
                            format!("{name}-{}", n + 1),
                            format!("policies/{key}.permissions-{}.json", n + 1),
                        ),
                    };
                    for kind in ["aws_iam_policy", "aws_iam_role_policy_attachment"] {
                        self.claim("Terraform resource", format!("{kind}.{ident}"), info.key.span());
                    }
                    self.claim("IAM policy", name.to_lowercase(), info.role_name.span());
                    self.claim("file", file.clone(), info.key.span());
                    RolePolicy { ident, name, file, document }
                })
                .collect();
            let trust = policies::pod_identity_trust(ctx, clusters, info);
            policies::check_trust_size(self, info, &trust);
            let attached = managed.len() + role_policies.len();
            if attached > 10 {
                self.warning(
                    "eksgrant::policy_count",
                    format!("workload {key} attaches {attached} managed policies; IAM allows 10 per role by default"),
                    info.key.span(),
                    "too many attachments for the default quota",
                    "raise the \"Managed policies per role\" quota (up to 20) before applying, or attach fewer policies",
                );
            }
            let associations = info
                .clusters
                .iter()
                .filter_map(|c| clusters.get(c))
                .map(|cluster| {
                    let assoc_ident = format!("{ident}_on_{}", cluster.ident());
                    self.claim("Terraform resource", format!("aws_eks_pod_identity_association.{assoc_ident}"), info.key.span());
                    Association { ident: assoc_ident, cluster: cluster.key.get().clone(), cluster_ref: cluster.tf_ref() }
                })
                .collect();
            WorkloadRole {
                arn: arn::role_arn(ctx.partition, &ctx.account_id, &ctx.iam.path, &name),
                name: name.clone(),
                trust_file: format!("policies/{key}.trust.json"),
                trust,
                policies: role_policies,
                managed_policy_arns: managed,
                associations,
            }
        });
        let asked_for_aws = !info.aws.presets.is_empty()
            || !info.aws.statements.is_empty()
            || !info.aws.managed_policy_arns.is_empty();
        if !asked_for_aws && reaches.is_empty() && grants.grant_count(key) == 0 {
            self.warning(
                "eksgrant::idle_workload",
                format!("workload {key} has no AWS permissions and no grants"),
                info.key.span(),
                "only its ServiceAccount is generated",
                "add [workloads.<key>.aws] permissions or grants, or remove the workload",
            );
        }
        Workload {
            key: key.clone(),
            ident,
            namespace: info.namespace.clone(),
            service_account: info.service_account.clone(),
            clusters: info.clusters.clone(),
            create_service_account: info.create_service_account,
            role,
            reaches,
            aws_permissions,
            notes,
        }
    }
}

/// Whether `s` is an IPv4 CIDR block such as `203.0.113.0/24`.
fn is_ipv4_cidr(s: &str) -> bool {
    let Some((address, prefix)) = s.split_once('/') else {
        return false;
    };
    address.parse::<std::net::Ipv4Addr>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= 32)
}
