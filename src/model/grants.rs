//! Grants: who gets which Kubernetes permissions where, and what that takes.
//!
//! A grant's subject is recognised on the target cluster in one of two ways,
//! decided here and nowhere else:
//!
//! - a workload granted permissions in a cluster it runs in is bound through
//!   its ServiceAccount; no IAM is involved;
//! - any other subject (a principal, or a workload reaching another cluster)
//!   authenticates with its IAM role or user: an access entry on the target
//!   maps it into the eksgrant-owned group `eksgrant:<key>`, which the
//!   generated RoleBindings name. `access_policy` grants become access policy
//!   associations on that entry instead.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use super::account::Account;
use super::checker::Checker;
use super::clusters::{ClusterInfo, cluster_ref};
use super::keys::check_namespace_not_reserved;
use super::names;
use super::principals::{self, PrincipalInfo};
use super::subjects::Subjects;
use super::types::{HclValue, RbacRule};
use super::workloads::WorkloadInfo;
use crate::aws::arn;
use crate::code::Code;
use crate::rbac::access_policies::{self, CLUSTER_ADMIN};
use crate::spec::{self, AuthenticationMode, Spanned};
use crate::text::closest;

/// Verbs Kubernetes' built-in authorizers understand; anything else is
/// probably a typo that would silently grant nothing.
const KNOWN_VERBS: &[&str] = &[
    "*",
    "approve",
    "bind",
    "create",
    "delete",
    "deletecollection",
    "escalate",
    "get",
    "impersonate",
    "list",
    "patch",
    "proxy",
    "sign",
    "update",
    "use",
    "watch",
];

/// Every grant of the spec, resolved.
pub(super) struct GrantSet {
    /// In spec order: workloads first, then principals.
    pub grants: Vec<ResolvedGrant>,
}

/// One grant, checked, with how its subject is recognised on the cluster.
pub(super) struct ResolvedGrant {
    /// The subject's key.
    pub subject: String,
    /// Its place among the subject's grants (from 0), which ties it to
    /// the grant as written (`Subjects::workload_grants`,
    /// `principal_grants`).
    pub index: usize,
    /// The target cluster's key.
    pub cluster: String,
    /// The namespaces; `None` for cluster-wide.
    pub namespaces: Option<Vec<String>>,
    /// What is granted.
    pub granted: Granted,
    /// How the subject authenticates to the cluster.
    pub authentication: Authentication,
}

/// The permissions of a grant.
pub(super) enum Granted {
    /// A Role or ClusterRole of eksgrant's with these rules.
    Rules(Vec<RbacRule>),
    /// A binding to an existing ClusterRole.
    ClusterRole(String),
    /// An EKS access policy association.
    AccessPolicy(String),
    /// Existing Kubernetes groups the subject is mapped into.
    Groups(Vec<String>),
}

/// How a grant's subject authenticates to the target cluster.
pub(super) enum Authentication {
    /// The workload's own ServiceAccount in the target cluster.
    ServiceAccount { namespace: String, name: String },
    /// An IAM role or user mapped in by an access entry or aws-auth.
    Iam {
        /// The ARN as Terraform writes it (a reference to a generated role).
        arn: HclValue,
        /// The ARN itself, for aws-auth.
        literal_arn: String,
        /// Whether it is a role (not a user).
        is_role: bool,
        /// A principal's custom username.
        username: Option<String>,
        /// Who it is, for the overview.
        identity: String,
        /// Whether it is a workload's generated role.
        is_workload: bool,
    },
}

impl GrantSet {
    /// Whether an IAM principal (or a workload reaching the cluster) gets
    /// `AmazonEKSClusterAdminPolicy` cluster-wide on `cluster`: the only grant
    /// that works on a cluster nobody can reach yet, because RBAC objects
    /// need someone with access to apply them.
    pub(super) fn has_cluster_admin_access_policy(&self, cluster: &str) -> bool {
        self.grants.iter().any(|g| {
            g.cluster == cluster
                && g.namespaces.is_none()
                && matches!(&g.granted, Granted::AccessPolicy(policy) if policy == CLUSTER_ADMIN)
        })
    }

    /// Whether an IAM principal gets `cluster-admin` cluster-wide on
    /// `cluster` through a binding: the nearest a `CONFIG_MAP` cluster comes
    /// to an administrator in the spec, as access policies need access
    /// entries.
    pub(super) fn has_cluster_admin_binding(&self, cluster: &str) -> bool {
        self.grants.iter().any(|g| {
            g.cluster == cluster
                && g.namespaces.is_none()
                && matches!(g.authentication, Authentication::Iam { .. })
                && matches!(&g.granted, Granted::ClusterRole(role) if role == "cluster-admin")
        })
    }

    /// The clusters each workload reaches through its IAM role, by
    /// workload key: one pass over the grants, however many workloads ask.
    pub(super) fn reached_by_workload(&self) -> HashMap<&str, BTreeSet<String>> {
        let mut reached: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for grant in &self.grants {
            if matches!(
                grant.authentication,
                Authentication::Iam {
                    is_workload: true,
                    ..
                }
            ) {
                reached
                    .entry(grant.subject.as_str())
                    .or_default()
                    .insert(grant.cluster.clone());
            }
        }
        reached
    }

    /// The grants on each cluster, in spec order, by cluster key.
    pub(super) fn by_cluster(&self) -> HashMap<&str, Vec<&ResolvedGrant>> {
        let mut by_cluster: HashMap<&str, Vec<&ResolvedGrant>> = HashMap::new();
        for grant in &self.grants {
            by_cluster
                .entry(grant.cluster.as_str())
                .or_default()
                .push(grant);
        }
        by_cluster
    }
}

/// The subject of a list of grants.
pub(super) enum Subject<'a> {
    Workload(&'a WorkloadInfo),
    Principal(&'a PrincipalInfo),
}

impl Subject<'_> {
    fn key(&self) -> &str {
        match self {
            Subject::Workload(w) => w.key.get(),
            Subject::Principal(p) => p.key.get(),
        }
    }

    /// How the subject authenticates to `cluster`.
    fn via(&self, account: &Account, cluster: &str) -> Authentication {
        match self {
            Subject::Workload(workload) if workload.clusters.iter().any(|c| c == cluster) => {
                Authentication::ServiceAccount {
                    namespace: workload.namespace.clone(),
                    name: workload.service_account.clone(),
                }
            }
            Subject::Workload(workload) => Authentication::Iam {
                arn: HclValue::Reference(format!(
                    "aws_iam_role.{}.arn",
                    names::tf_ident(workload.key.get())
                )),
                literal_arn: arn::role_arn(
                    account.partition,
                    &account.id,
                    &account.iam.path,
                    workload.role_name.get(),
                ),
                is_role: true,
                username: None,
                identity: format!(
                    "pods of {} on {} (IAM role {})",
                    workload.service_account,
                    workload.clusters.join(", "),
                    workload.role_name.get()
                ),
                is_workload: true,
            },
            Subject::Principal(principal) => Authentication::Iam {
                arn: HclValue::Literal(principal.arn.clone()),
                literal_arn: principal.arn.clone(),
                is_role: principal.is_role,
                username: principal.username.as_ref().map(|u| u.get().clone()),
                identity: principal.arn.clone(),
                is_workload: false,
            },
        }
    }
}

/// The grants pass: every grant of every subject, checked and resolved;
/// then the checks that need all of them (a created cluster must have an
/// administrator; an existing one should).
pub(super) fn grants(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    subjects: &Subjects,
) -> GrantSet {
    let workloads = subjects
        .workloads
        .iter()
        .map(Subject::Workload)
        .zip(subjects.workload_grants.iter().map(Vec::as_slice));
    let principals = subjects
        .principals
        .iter()
        .map(Subject::Principal)
        .zip(subjects.principal_grants.iter().map(Vec::as_slice));
    let grants = resolve_grants(checker, account, clusters, workloads.chain(principals));
    // Whether each subject has a grant on a cluster that reads access
    // entries, found in one pass over the grants rather than one per
    // principal.
    let mut entries: HashMap<&str, bool> = HashMap::new();
    for grant in &grants.grants {
        *entries.entry(grant.subject.as_str()).or_default() |=
            clusters[&grant.cluster].mode != AuthenticationMode::ConfigMap;
    }
    for principal in &subjects.principals {
        // A username must suit every cluster the principal is mapped into;
        // with no grant yet, it is checked as for the default mode, API.
        let access_entries = entries
            .get(principal.key.get().as_str())
            .copied()
            .unwrap_or(true);
        principals::check_username(checker, principal, access_entries);
    }
    check_lock_out(checker, clusters, &grants);
    grants
}

/// Checks and resolves every grant, subject by subject.
fn resolve_grants<'a>(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    subjects: impl IntoIterator<Item = (Subject<'a>, &'a [Spanned<spec::Grant>])>,
) -> GrantSet {
    let mut grants = Vec::new();
    for (subject, subject_grants) in subjects {
        // What one grant of this subject already gave, to report a second
        // grant of the same thing: (cluster, what, namespace or "").
        let mut seen: BTreeMap<(String, String, String), Range<usize>> = BTreeMap::new();
        for (index, grant) in subject_grants.iter().enumerate() {
            let Some(cluster) = cluster_ref(checker, clusters, &grant.cluster) else {
                continue;
            };
            let via = subject.via(account, &cluster);
            let Some(what) = grant_access(checker, account, &clusters[&cluster], grant, &via)
            else {
                continue;
            };
            let namespaces = grant_namespaces(checker, grant, &what);
            if repeats_earlier_grant(
                checker,
                subject.key(),
                &cluster,
                &what,
                namespaces.as_deref(),
                grant,
                &mut seen,
            ) {
                continue;
            }
            grants.push(ResolvedGrant {
                subject: subject.key().to_string(),
                index,
                cluster,
                namespaces,
                granted: what,
                authentication: via,
            });
        }
    }
    GrantSet { grants }
}

/// Reports a grant that gives again what an earlier grant of the same
/// subject gave: the same access policy on the cluster (EKS associates each
/// once per principal), or the same ClusterRole in a namespace both list
/// (which would generate the same RoleBinding twice).
fn repeats_earlier_grant(
    checker: &mut Checker<'_>,
    subject: &str,
    cluster: &str,
    what: &Granted,
    namespaces: Option<&[String]>,
    grant: &Spanned<spec::Grant>,
    seen: &mut BTreeMap<(String, String, String), Range<usize>>,
) -> bool {
    let (kind, scopes, help): (String, Vec<String>, &str) = match what {
        Granted::AccessPolicy(policy) => (
            format!("access policy {policy}"),
            vec![String::new()],
            "EKS associates an access policy once per principal and cluster: list all the namespaces in one grant",
        ),
        Granted::ClusterRole(role) => (
            format!("ClusterRole {role}"),
            namespaces.map_or_else(|| vec![String::new()], <[String]>::to_vec),
            "bind a ClusterRole once per namespace: remove the namespace from one of the grants",
        ),
        Granted::Rules(_) | Granted::Groups(_) => return false,
    };
    for scope in scopes {
        let key = (cluster.to_string(), kind.clone(), scope);
        if let Some(first) = seen.get(&key).cloned() {
            let place = if key.2.is_empty() {
                String::new()
            } else {
                format!(" in namespace {}", key.2)
            };
            checker
                .duplicate(
                    Code::DuplicateGrant,
                    grant.span(),
                    first,
                    "grant",
                    format!("{subject} is granted {kind} on {cluster}{place} twice"),
                )
                .help(help);
            return true;
        }
        seen.insert(key, grant.span());
    }
    false
}

/// Exactly one of `rules`, `cluster_role` and `access_policy`, checked.
fn grant_access(
    checker: &mut Checker<'_>,
    account: &Account,
    cluster: &ClusterInfo,
    grant: &Spanned<spec::Grant>,
    via: &Authentication,
) -> Option<Granted> {
    let given: Vec<&str> = [
        grant.rules.as_ref().map(|_| "rules"),
        grant.cluster_role.as_ref().map(|_| "cluster_role"),
        grant.access_policy.as_ref().map(|_| "access_policy"),
        grant.groups.as_ref().map(|_| "groups"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() != 1 {
        let message = if given.is_empty() {
            "the grant does not say which permissions it gives".to_string()
        } else {
            format!(
                "the grant sets {}; a grant gives one kind of permission",
                given.join(" and ")
            )
        };
        checker
            .error(Code::GrantKind, grant.span(), message)
            .label("this grant")
            .help(
                "set exactly one of rules = [...], cluster_role = \"...\", access_policy = \"...\" or groups = [...]; split it into several grants if you need more",
            );
        return None;
    }
    if let Some(rules) = &grant.rules {
        return grant_rules(checker, rules).map(Granted::Rules);
    }
    if let Some(role) = &grant.cluster_role {
        if !names::is_rbac_name(role.get()) {
            checker
                .error(
                    Code::ClusterRole,
                    role.span(),
                    format!("`{}` is not a ClusterRole name", role.get()),
                )
                .label("not a valid name")
                .help("name an existing ClusterRole, such as \"view\" or \"edit\"");
            return None;
        }
        return Some(Granted::ClusterRole(role.get().clone()));
    }
    if let Some(groups) = &grant.groups {
        return grant_groups(checker, groups, via, cluster.mode).map(Granted::Groups);
    }
    let policy = grant.access_policy.as_ref()?;
    if cluster.mode == spec::AuthenticationMode::ConfigMap {
        checker
            .error(
                Code::AccessPolicyConfigMap,
                policy.span(),
                format!("cluster {} uses the aws-auth ConfigMap, which cannot associate access policies", cluster.key.get()),
            )
            .label("needs access entries")
            .help(
                "grant the same with rules or cluster_role (e.g. cluster_role = \"cluster-admin\"), or move the cluster to authentication_mode = \"API_AND_CONFIG_MAP\"",
            );
        return None;
    }
    if let Authentication::ServiceAccount { .. } = via {
        checker
            .error(
                Code::AccessPolicySameCluster,
                policy.span(),
                "access policies cannot be granted to a workload in its own cluster",
            )
            .label("the workload runs in this cluster")
            .help(
                "access policies attach to IAM principals, but here the workload is bound through its ServiceAccount: use cluster_role (e.g. \"edit\") or rules instead",
            );
        return None;
    }
    let name = policy.get();
    if name.starts_with("arn:") {
        let short = name.rsplit('/').next().unwrap_or(name);
        checker
            .error(
                Code::AccessPolicy,
                policy.span(),
                "access_policy takes the policy's name, not its ARN",
            )
            .label("an ARN")
            .help(format!(
                "write access_policy = \"{short}\"; eksgrant builds the ARN for partition {}",
                account.partition.as_str()
            ));
        return None;
    }
    if !access_policies::KNOWN.contains(&name.as_str()) {
        if access_policies::looks_like_access_policy(name) {
            checker
                .warning(
                    Code::UnknownAccessPolicy,
                    policy.span(),
                    format!("`{name}` is not an access policy eksgrant knows"),
                )
                .label("unknown to eksgrant")
                .help(
                    "check it against `aws eks list-access-policies`; a name that does not exist fails at terraform apply",
                );
        } else {
            let help = match (access_policies::for_cluster_role(name), closest(name, access_policies::KNOWN.iter().copied())) {
                (Some(policy), _) => format!(
                    "`{name}` is a ClusterRole: bind it with cluster_role = \"{name}\", or use the access policy that mirrors it, access_policy = \"{policy}\""
                ),
                (None, Some(near)) => format!("did you mean \"{near}\"?"),
                (None, None) => "access policies are AWS-defined names such as \"AmazonEKSViewPolicy\" or \"AmazonEKSClusterAdminPolicy\"".to_string(),
            };
            checker
                .error(
                    Code::AccessPolicy,
                    policy.span(),
                    format!("`{name}` is not an EKS access policy"),
                )
                .label("unknown access policy")
                .help(help);
            return None;
        }
    }
    Some(Granted::AccessPolicy(name.clone()))
}

/// `groups`: existing groups an IAM subject is mapped into.
///
/// Kubernetes reserves `system:` for itself, and EKS refuses it in access
/// entries ("The kubernetes group name ... cannot start with system:"), so
/// it is refused everywhere (`system:masters` has its own grants). The other
/// prefixes EKS reserves for its own identities (`eks:`, `aws:`, `amazon:`,
/// `iam:`) are refused where access entries map the subject, but aws-auth
/// maps into any group (EKS's own Windows node mapping uses
/// `eks:kube-proxy-windows`), so a `CONFIG_MAP` cluster keeps them.
fn grant_groups(
    checker: &mut Checker<'_>,
    groups: &Spanned<Vec<Spanned<String>>>,
    via: &Authentication,
    mode: AuthenticationMode,
) -> Option<Vec<String>> {
    if let Authentication::ServiceAccount { .. } = via {
        checker
            .error(
                Code::GroupsSameCluster,
                groups.span(),
                "a workload cannot be mapped into groups in its own cluster",
            )
            .label("the workload runs in this cluster")
            .help(
                "groups map IAM roles and users; bind the workload's ServiceAccount with cluster_role or rules instead",
            );
        return None;
    }
    if groups.get().is_empty() {
        checker
            .error(Code::Groups, groups.span(), "groups is empty")
            .label("no group")
            .help("list the groups, e.g. [\"dev-team\"]");
        return None;
    }
    let mut resolved: Vec<String> = Vec::new();
    for group in groups.get() {
        let name = group.get();
        let reserved = names::reserved_prefix(name)
            .filter(|prefix| *prefix == "system:" || mode != AuthenticationMode::ConfigMap);
        if let Some(prefix) = reserved {
            let help = if name == "system:masters" {
                "use access_policy = \"AmazonEKSClusterAdminPolicy\", or cluster_role = \"cluster-admin\" on a CONFIG_MAP cluster".to_string()
            } else if prefix == "system:" {
                format!(
                    "Kubernetes reserves `{prefix}` for its own groups, and EKS refuses it in access entries: choose another name"
                )
            } else {
                format!(
                    "EKS reserves `{prefix}` for its own identities: choose another name (aws-auth maps into it only on a CONFIG_MAP cluster)"
                )
            };
            checker
                .error(
                    Code::ReservedGroup,
                    group.span(),
                    format!("group `{name}` uses the reserved prefix `{prefix}`"),
                )
                .label("reserved")
                .help(help);
        } else if name.is_empty()
            || name.chars().any(char::is_whitespace)
            || names::is_owned_name(name)
        {
            checker
                .error(
                    Code::Groups,
                    group.span(),
                    format!("`{name}` cannot be a group eksgrant maps into"),
                )
                .label("not a group name")
                .help(
                    "group names are non-empty, without spaces, and `eksgrant:` groups belong to eksgrant",
                );
        } else if !resolved.contains(name) {
            resolved.push(name.clone());
        }
    }
    Some(resolved)
}

fn grant_rules(
    checker: &mut Checker<'_>,
    rules: &Spanned<Vec<Spanned<spec::Rule>>>,
) -> Option<Vec<RbacRule>> {
    if rules.get().is_empty() {
        checker
            .error(Code::Rules, rules.span(), "rules is empty")
            .label("no rules")
            .help(
                "give at least one rule, e.g. { api_groups = [\"\"], resources = [\"pods\"], verbs = [\"get\"] }",
            );
        return None;
    }
    // Exactly as long as the rules: a vector grown by pushing holds room
    // for four, and an organisation's grants hold tens of thousands.
    let mut resolved = Vec::with_capacity(rules.get().len());
    for rule in rules.get() {
        let strings = |list: &Spanned<Vec<Spanned<String>>>| {
            list.get()
                .iter()
                .map(|s| s.get().clone())
                .collect::<Vec<_>>()
        };
        for (field, list, help) in [
            (
                "api_groups",
                &rule.api_groups,
                "use [\"\"] for the core group (pods, services, configmaps)",
            ),
            (
                "resources",
                &rule.resources,
                "name the resources, e.g. [\"pods\"]",
            ),
            (
                "verbs",
                &rule.verbs,
                "name the verbs, e.g. [\"get\", \"list\", \"watch\"]",
            ),
        ] {
            if list.get().is_empty() {
                checker
                    .error(
                        Code::Rules,
                        list.span(),
                        format!("{field} is empty, so the rule allows nothing"),
                    )
                    .label("empty")
                    .help(help);
            }
        }
        for verb in rule.verbs.get() {
            if !KNOWN_VERBS.contains(&verb.get().as_str()) {
                let help = match closest(verb.get(), KNOWN_VERBS.iter().copied()) {
                    Some(near) => format!("did you mean \"{near}\"? An unknown verb grants nothing"),
                    None => "Kubernetes verbs are get, list, watch, create, update, patch, delete, deletecollection (and a few special ones)".to_string(),
                };
                checker
                    .warning(
                        Code::UnknownVerb,
                        verb.span(),
                        format!("`{}` is not a Kubernetes verb", verb.get()),
                    )
                    .label("unknown verb")
                    .help(help);
            }
        }
        let resource_names = match &rule.resource_names {
            Some(names) if names.get().is_empty() => {
                checker
                    .error(Code::Rules, names.span(), "resource_names is empty")
                    .label("empty")
                    .help("remove resource_names to allow every object, or list the names");
                Vec::new()
            }
            Some(names) => strings(names),
            None => Vec::new(),
        };
        resolved.push(RbacRule {
            api_groups: strings(&rule.api_groups),
            resources: strings(&rule.resources),
            verbs: strings(&rule.verbs),
            resource_names,
        });
    }
    Some(resolved)
}

/// The grant's namespaces, checked; `None` for cluster-wide.
fn grant_namespaces(
    checker: &mut Checker<'_>,
    grant: &Spanned<spec::Grant>,
    what: &Granted,
) -> Option<Vec<String>> {
    let list = grant.namespaces.as_ref()?;
    if let Granted::Groups(_) = what {
        checker
            .error(
                Code::Namespaces,
                list.span(),
                "groups apply cluster-wide; namespaces does not go with them",
            )
            .label("not with groups")
            .help(
                "remove namespaces: what a group may do in each namespace is up to the RBAC that binds it",
            );
        return None;
    }
    if list.get().is_empty() {
        checker
            .error(
                Code::Namespaces,
                list.span(),
                "namespaces = [] grants nothing",
            )
            .label("empty")
            .help("list the namespaces, or remove `namespaces` to grant cluster-wide");
        return Some(Vec::new());
    }
    let wildcard_ok = matches!(what, Granted::AccessPolicy(_));
    let mut resolved: Vec<String> = Vec::with_capacity(list.get().len());
    for namespace in list.get() {
        let name = namespace.get();
        let valid = names::is_dns_label(name) || (wildcard_ok && names::is_namespace_pattern(name));
        if !valid {
            let help = if name.ends_with('*') {
                "only access_policy grants accept a trailing `*` (EKS matches namespace prefixes); RBAC needs exact namespaces"
            } else {
                "namespaces are lowercase letters, digits and `-`, at most 63 characters"
            };
            checker
                .error(
                    Code::Namespace,
                    namespace.span(),
                    format!("`{name}` is not a namespace name"),
                )
                .label("not a namespace")
                .help(help);
            continue;
        }
        if !wildcard_ok {
            check_namespace_not_reserved(checker, namespace);
        }
        if resolved.contains(name) {
            checker
                .error(
                    Code::Namespace,
                    namespace.span(),
                    format!("namespace {name} is listed twice"),
                )
                .label("repeated")
                .help("list each namespace once");
            continue;
        }
        resolved.push(name.clone());
    }
    resolved.sort();
    Some(resolved)
}

/// A cluster created with `bootstrap_cluster_creator_admin_permissions =
/// false` is reachable only through the access entries eksgrant makes;
/// RBAC alone cannot help, because applying it needs a way in first.
fn check_lock_out(
    checker: &mut Checker<'_>,
    clusters: &BTreeMap<String, ClusterInfo>,
    grants: &GrantSet,
) {
    for info in clusters.values() {
        let Some(span) = &info.create_span else {
            check_existing_admin(checker, info, grants);
            continue;
        };
        // A created CONFIG_MAP cluster is refused on its own.
        if info.mode == AuthenticationMode::ConfigMap {
            continue;
        }
        if !grants.has_cluster_admin_access_policy(info.key.get()) {
            checker
                .error(
                    Code::LockOut,
                    span.clone(),
                    format!("nobody could administer cluster {} after it is created", info.key.get()),
                )
                .label("created without a cluster administrator")
                .help(format!(
                    "eksgrant creates clusters without the creator's implicit admin access; grant a principal \
                     access_policy = \"AmazonEKSClusterAdminPolicy\" (cluster-wide) on cluster = \"{}\"",
                    info.key.get()
                ));
        }
    }
}

/// Warns when no principal of the spec administers an existing cluster.
/// Whoever does today keeps that only through mappings made elsewhere,
/// and a generated aws-auth replaces the mappings it does not list.
fn check_existing_admin(checker: &mut Checker<'_>, info: &ClusterInfo, grants: &GrantSet) {
    let key = info.key.get();
    // Where the spec changes nobody's mapping, nobody can lose access.
    let maps_principals = grants
        .grants
        .iter()
        .any(|g| g.cluster == *key && matches!(g.authentication, Authentication::Iam { .. }));
    let writes_aws_auth = match info.mode {
        AuthenticationMode::ConfigMap => true,
        AuthenticationMode::ApiAndConfigMap => {
            !info.node_roles.is_empty() || !info.aws_auth_accounts.is_empty()
        }
        AuthenticationMode::Api => false,
    };
    if !maps_principals && !writes_aws_auth {
        return;
    }
    let administered = match info.mode {
        AuthenticationMode::ConfigMap => grants.has_cluster_admin_binding(key),
        _ => grants.has_cluster_admin_access_policy(key),
    };
    if administered {
        return;
    }
    let (grant, through) = match info.mode {
        AuthenticationMode::ConfigMap => (
            "cluster_role = \"cluster-admin\"",
            "the generated aws-auth replaces every mapping it does not list, system:masters included",
        ),
        AuthenticationMode::ApiAndConfigMap => (
            "access_policy = \"AmazonEKSClusterAdminPolicy\"",
            "an access entry takes precedence over the principal's aws-auth mapping, and the generated aws-auth replaces the mappings it does not list",
        ),
        AuthenticationMode::Api => (
            "access_policy = \"AmazonEKSClusterAdminPolicy\"",
            "an administrator's access then rests on access entries made outside this repository",
        ),
    };
    checker
        .warning(
            Code::NoAdmin,
            info.key.span(),
            format!("no principal of the spec administers cluster {key}"),
        )
        .label("no cluster-wide administrator")
        .help(format!(
            "{through}: grant the principals who administer {key} today {grant} (cluster-wide) on cluster = \"{key}\", so that applying this repository cannot lock them out"
        ));
}
