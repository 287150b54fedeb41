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

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::access_policies::{self, CLUSTER_ADMIN};
use super::account::Context;
use super::arn;
use super::clusters::ClusterInfo;
use super::names;
use super::principals::PrincipalInfo;
use super::resolve::Resolver;
use super::suggest::closest;
use super::workloads::WorkloadInfo;
use super::{HclValue, RbacRule};
use crate::spec::{self, Spanned};

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
    /// The target cluster's key.
    pub cluster: String,
    /// The namespaces; `None` for cluster-wide.
    pub namespaces: Option<Vec<String>>,
    /// What is granted.
    pub what: What,
    /// How the subject authenticates to the cluster.
    pub via: Via,
}

/// The permissions of a grant.
pub(super) enum What {
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
pub(super) enum Via {
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
                && matches!(&g.what, What::AccessPolicy(policy) if policy == CLUSTER_ADMIN)
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
                && matches!(g.via, Via::Iam { .. })
                && matches!(&g.what, What::ClusterRole(role) if role == "cluster-admin")
        })
    }

    /// The clusters a workload reaches through its IAM role.
    pub(super) fn reached_by(&self, workload: &str) -> BTreeSet<String> {
        self.grants
            .iter()
            .filter(|g| {
                g.subject == workload
                    && matches!(
                        g.via,
                        Via::Iam {
                            is_workload: true,
                            ..
                        }
                    )
            })
            .map(|g| g.cluster.clone())
            .collect()
    }
}

/// The subject of a list of grants.
pub(super) enum Subject<'a> {
    /// A workload.
    Workload(&'a WorkloadInfo),
    /// A principal.
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
    fn via(&self, ctx: &Context, cluster: &str) -> Via {
        match self {
            Subject::Workload(workload) if workload.clusters.iter().any(|c| c == cluster) => {
                Via::ServiceAccount {
                    namespace: workload.namespace.clone(),
                    name: workload.service_account.clone(),
                }
            }
            Subject::Workload(workload) => Via::Iam {
                arn: HclValue::Reference(format!(
                    "aws_iam_role.{}.arn",
                    names::tf_ident(workload.key.get())
                )),
                literal_arn: arn::role_arn(
                    ctx.partition,
                    &ctx.account_id,
                    &ctx.iam.path,
                    workload.role_name.get(),
                ),
                is_role: true,
                identity: format!(
                    "pods of {} on {} (IAM role {})",
                    workload.service_account,
                    workload.clusters.join(", "),
                    workload.role_name.get()
                ),
                is_workload: true,
            },
            Subject::Principal(principal) => Via::Iam {
                arn: HclValue::Literal(principal.arn.clone()),
                literal_arn: principal.arn.clone(),
                is_role: principal.is_role,
                identity: principal.arn.clone(),
                is_workload: false,
            },
        }
    }
}

/// Checks and resolves every grant, subject by subject.
pub(super) fn resolve_grants<'a>(
    r: &mut Resolver<'_>,
    ctx: &Context,
    clusters: &BTreeMap<String, ClusterInfo>,
    subjects: impl IntoIterator<Item = (Subject<'a>, Vec<Spanned<spec::Grant>>)>,
) -> GrantSet {
    let mut grants = Vec::new();
    for (subject, subject_grants) in subjects {
        // What one grant of this subject already gave, to report a second
        // grant of the same thing: (cluster, what, namespace or "").
        let mut seen: BTreeMap<(String, String, String), Range<usize>> = BTreeMap::new();
        for grant in subject_grants {
            let Some(cluster) = r.cluster_ref(clusters, &grant.cluster) else {
                continue;
            };
            let via = subject.via(ctx, &cluster);
            let Some(what) = grant_what(r, ctx, &clusters[&cluster], &grant, &via) else {
                continue;
            };
            let namespaces = grant_namespaces(r, &grant, &what);
            if repeats_earlier_grant(
                r,
                subject.key(),
                &cluster,
                &what,
                namespaces.as_deref(),
                &grant,
                &mut seen,
            ) {
                continue;
            }
            grants.push(ResolvedGrant {
                subject: subject.key().to_string(),
                cluster,
                namespaces,
                what,
                via,
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
    r: &mut Resolver<'_>,
    subject: &str,
    cluster: &str,
    what: &What,
    namespaces: Option<&[String]>,
    grant: &Spanned<spec::Grant>,
    seen: &mut BTreeMap<(String, String, String), Range<usize>>,
) -> bool {
    let (kind, scopes, help): (String, Vec<String>, &str) = match what {
        What::AccessPolicy(policy) => (
            format!("access policy {policy}"),
            vec![String::new()],
            "EKS associates an access policy once per principal and cluster: list all the namespaces in one grant",
        ),
        What::ClusterRole(role) => (
            format!("ClusterRole {role}"),
            namespaces.map_or_else(|| vec![String::new()], <[String]>::to_vec),
            "bind a ClusterRole once per namespace: remove the namespace from one of the grants",
        ),
        What::Rules(_) | What::Groups(_) => return false,
    };
    for scope in scopes {
        let key = (cluster.to_string(), kind.clone(), scope);
        if let Some(first) = seen.get(&key).cloned() {
            let place = if key.2.is_empty() {
                String::new()
            } else {
                format!(" in namespace {}", key.2)
            };
            r.duplicate(
                "eksgrant::duplicate_grant",
                format!("{subject} is granted {kind} on {cluster}{place} twice"),
                grant.span(),
                first,
                "grant",
                help,
            );
            return true;
        }
        seen.insert(key, grant.span());
    }
    false
}

/// Exactly one of `rules`, `cluster_role` and `access_policy`, checked.
fn grant_what(
    r: &mut Resolver<'_>,
    ctx: &Context,
    cluster: &ClusterInfo,
    grant: &Spanned<spec::Grant>,
    via: &Via,
) -> Option<What> {
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
        r.error(
            "eksgrant::grant_kind",
            message,
            grant.span(),
            "this grant",
            "set exactly one of rules = [...], cluster_role = \"...\", access_policy = \"...\" or groups = [...]; split it into several grants if you need more",
        );
        return None;
    }
    if let Some(rules) = &grant.rules {
        return grant_rules(r, rules).map(What::Rules);
    }
    if let Some(role) = &grant.cluster_role {
        if !names::is_rbac_name(role.get()) {
            r.error(
                "eksgrant::cluster_role",
                format!("`{}` is not a ClusterRole name", role.get()),
                role.span(),
                "not a valid name",
                "name an existing ClusterRole, such as \"view\" or \"edit\"",
            );
            return None;
        }
        return Some(What::ClusterRole(role.get().clone()));
    }
    if let Some(groups) = &grant.groups {
        return grant_groups(r, groups, via).map(What::Groups);
    }
    let policy = grant.access_policy.as_ref()?;
    if cluster.mode == spec::AuthenticationMode::ConfigMap {
        r.error(
            "eksgrant::access_policy_config_map",
            format!("cluster {} uses the aws-auth ConfigMap, which cannot associate access policies", cluster.key.get()),
            policy.span(),
            "needs access entries",
            "grant the same with rules or cluster_role (e.g. cluster_role = \"cluster-admin\"), or move the cluster to authentication_mode = \"API_AND_CONFIG_MAP\"",
        );
        return None;
    }
    if let Via::ServiceAccount { .. } = via {
        r.error(
            "eksgrant::access_policy_same_cluster",
            "access policies cannot be granted to a workload in its own cluster",
            policy.span(),
            "the workload runs in this cluster",
            "access policies attach to IAM principals, but here the workload is bound through its ServiceAccount: use cluster_role (e.g. \"edit\") or rules instead",
        );
        return None;
    }
    let name = policy.get();
    if name.starts_with("arn:") {
        let short = name.rsplit('/').next().unwrap_or(name);
        r.error(
            "eksgrant::access_policy",
            "access_policy takes the policy's name, not its ARN",
            policy.span(),
            "an ARN",
            format!(
                "write access_policy = \"{short}\"; eksgrant builds the ARN for partition {}",
                ctx.partition.as_str()
            ),
        );
        return None;
    }
    if !access_policies::KNOWN.contains(&name.as_str()) {
        if access_policies::looks_like_access_policy(name) {
            r.warning(
                "eksgrant::unknown_access_policy",
                format!("`{name}` is not an access policy eksgrant knows"),
                policy.span(),
                "unknown to eksgrant",
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
            r.error(
                "eksgrant::access_policy",
                format!("`{name}` is not an EKS access policy"),
                policy.span(),
                "unknown access policy",
                help,
            );
            return None;
        }
    }
    Some(What::AccessPolicy(name.clone()))
}

/// `groups`: existing groups an IAM subject is mapped into.
fn grant_groups(
    r: &mut Resolver<'_>,
    groups: &Spanned<Vec<Spanned<String>>>,
    via: &Via,
) -> Option<Vec<String>> {
    if let Via::ServiceAccount { .. } = via {
        r.error(
            "eksgrant::groups_same_cluster",
            "a workload cannot be mapped into groups in its own cluster",
            groups.span(),
            "the workload runs in this cluster",
            "groups map IAM roles and users; bind the workload's ServiceAccount with cluster_role or rules instead",
        );
        return None;
    }
    if groups.get().is_empty() {
        r.error(
            "eksgrant::groups",
            "groups is empty",
            groups.span(),
            "no group",
            "list the groups, e.g. [\"dev-team\"]",
        );
        return None;
    }
    let mut resolved: Vec<String> = Vec::new();
    for group in groups.get() {
        let name = group.get();
        if let Some(prefix) = names::reserved_prefix(name) {
            let help = if name == "system:masters" {
                "use access_policy = \"AmazonEKSClusterAdminPolicy\", or cluster_role = \"cluster-admin\" on a CONFIG_MAP cluster".to_string()
            } else {
                format!("EKS reserves `{prefix}` for its own groups: choose another name")
            };
            r.error(
                "eksgrant::reserved_group",
                format!("group `{name}` uses the reserved prefix `{prefix}`"),
                group.span(),
                "reserved",
                help,
            );
        } else if name.is_empty()
            || name.chars().any(char::is_whitespace)
            || names::is_owned_name(name)
        {
            r.error(
                "eksgrant::groups",
                format!("`{name}` cannot be a group eksgrant maps into"),
                group.span(),
                "not a group name",
                "group names are non-empty, without spaces, and `eksgrant:` groups belong to eksgrant",
            );
        } else if !resolved.contains(name) {
            resolved.push(name.clone());
        }
    }
    Some(resolved)
}

fn grant_rules(
    r: &mut Resolver<'_>,
    rules: &Spanned<Vec<Spanned<spec::Rule>>>,
) -> Option<Vec<RbacRule>> {
    if rules.get().is_empty() {
        r.error(
            "eksgrant::rules",
            "rules is empty",
            rules.span(),
            "no rules",
            "give at least one rule, e.g. { api_groups = [\"\"], resources = [\"pods\"], verbs = [\"get\"] }",
        );
        return None;
    }
    let mut resolved = Vec::new();
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
                r.error(
                    "eksgrant::rules",
                    format!("{field} is empty, so the rule allows nothing"),
                    list.span(),
                    "empty",
                    help,
                );
            }
        }
        for verb in rule.verbs.get() {
            if !KNOWN_VERBS.contains(&verb.get().as_str()) {
                let help = match closest(verb.get(), KNOWN_VERBS.iter().copied()) {
                    Some(near) => format!("did you mean \"{near}\"? An unknown verb grants nothing"),
                    None => "Kubernetes verbs are get, list, watch, create, update, patch, delete, deletecollection (and a few special ones)".to_string(),
                };
                r.warning(
                    "eksgrant::unknown_verb",
                    format!("`{}` is not a Kubernetes verb", verb.get()),
                    verb.span(),
                    "unknown verb",
                    help,
                );
            }
        }
        let resource_names = match &rule.resource_names {
            Some(names) if names.get().is_empty() => {
                r.error(
                    "eksgrant::rules",
                    "resource_names is empty",
                    names.span(),
                    "empty",
                    "remove resource_names to allow every object, or list the names",
                );
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
    r: &mut Resolver<'_>,
    grant: &Spanned<spec::Grant>,
    what: &What,
) -> Option<Vec<String>> {
    let list = grant.namespaces.as_ref()?;
    if let What::Groups(_) = what {
        r.error(
            "eksgrant::namespaces",
            "groups apply cluster-wide; namespaces does not go with them",
            list.span(),
            "not with groups",
            "remove namespaces: what a group may do in each namespace is up to the RBAC that binds it",
        );
        return None;
    }
    if list.get().is_empty() {
        r.error(
            "eksgrant::namespaces",
            "namespaces = [] grants nothing",
            list.span(),
            "empty",
            "list the namespaces, or remove `namespaces` to grant cluster-wide",
        );
        return Some(Vec::new());
    }
    let wildcard_ok = matches!(what, What::AccessPolicy(_));
    let mut resolved: Vec<String> = Vec::new();
    for namespace in list.get() {
        let name = namespace.get();
        let valid = names::is_dns_label(name) || (wildcard_ok && names::is_namespace_pattern(name));
        if !valid {
            let help = if name.ends_with('*') {
                "only access_policy grants accept a trailing `*` (EKS matches namespace prefixes); RBAC needs exact namespaces"
            } else {
                "namespaces are lowercase letters, digits and `-`, at most 63 characters"
            };
            r.error(
                "eksgrant::namespace",
                format!("`{name}` is not a namespace name"),
                namespace.span(),
                "not a namespace",
                help,
            );
            continue;
        }
        if !wildcard_ok {
            r.check_namespace_not_reserved(namespace);
        }
        if resolved.contains(name) {
            r.error(
                "eksgrant::namespace",
                format!("namespace {name} is listed twice"),
                namespace.span(),
                "repeated",
                "list each namespace once",
            );
            continue;
        }
        resolved.push(name.clone());
    }
    resolved.sort();
    Some(resolved)
}
