//! `[[workloads.<key>.grants]]` and `[[principals.<key>.grants]]`.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// Kubernetes permissions on one cluster, in some namespaces or cluster-wide.
/// Exactly one of `rules`, `cluster_role`, `access_policy` and `groups`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The cluster (key) the permissions apply to.
    pub cluster: Spanned<String>,
    /// Namespaces the permissions apply in; omit for cluster-wide.
    pub namespaces: Option<Spanned<Vec<Spanned<String>>>>,
    /// RBAC rules: a Role (or ClusterRole) with these rules, and its binding.
    pub rules: Option<Spanned<Vec<Spanned<Rule>>>>,
    /// An existing ClusterRole (such as `view` or `edit`) to bind.
    pub cluster_role: Option<Spanned<String>>,
    /// An EKS access policy (such as `AmazonEKSViewPolicy`) to associate;
    /// only on clusters with access entries, and not for a workload on its
    /// own cluster.
    #[schemars(with = "Option<super::schema::AccessPolicyName>")]
    pub access_policy: Option<Spanned<String>>,
    /// Existing Kubernetes groups, bound by RBAC you manage elsewhere, to map
    /// the subject's IAM role or user into (cluster-wide; no `namespaces`).
    pub groups: Option<Spanned<Vec<Spanned<String>>>>,
    /// Lints this grant triggers on purpose, by short name (`rbac_wildcard`,
    /// `rbac_escalation`, `secrets_read`, `pod_exec`,
    /// `pod_create_with_aws_identity`, `workload_cluster_admin`): they are
    /// not reported for it. An entry whose lint does not fire is a warning.
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
}

/// One RBAC policy rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// API groups; `""` is the core group.
    pub api_groups: Spanned<Vec<Spanned<String>>>,
    /// Resources, e.g. `pods` or `pods/log`.
    pub resources: Spanned<Vec<Spanned<String>>>,
    /// Verbs, e.g. `get`, `list`, `create`.
    pub verbs: Spanned<Vec<Spanned<String>>>,
    /// Restricts the rule to these object names.
    pub resource_names: Option<Spanned<Vec<Spanned<String>>>>,
}
