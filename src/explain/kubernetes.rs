//! The Kubernetes side of explain: each subject's grants in each cluster,
//! followed from the objects eksgrant writes (bindings, the groups access
//! entries and aws-auth map subjects into, access policy associations).
//!
//! Built-in ClusterRoles and the EKS access policies that mirror them carry
//! the rules Kubernetes and EKS document for them; a ClusterRole the spec
//! only names, and a group bound outside eksgrant, carry rules eksgrant
//! cannot know, and say so.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::KubernetesAccess;
use crate::model::{Cluster, Model, RbacBinding, RbacRule, SubjectObjects, Workload};

/// How a grant reaches a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// A binding of the workload's own ServiceAccount, in its own cluster.
    ServiceAccount,
    /// An access entry maps the subject's IAM identity into a group that a
    /// binding names.
    AccessEntry,
    /// The aws-auth ConfigMap maps the subject into a group that a binding
    /// names.
    AwsAuth,
    /// An access policy associated with the subject's access entry.
    AccessPolicy,
}

impl Mechanism {
    /// The mechanism in words.
    pub fn describe(self) -> &'static str {
        match self {
            Mechanism::ServiceAccount => "ServiceAccount",
            Mechanism::AccessEntry => "access entry",
            Mechanism::AwsAuth => "aws-auth",
            Mechanism::AccessPolicy => "access policy",
        }
    }
}

/// What is granted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(tag = "kind", content = "name")]
pub enum RoleRef {
    /// A Role (eksgrant's, with the spec's rules).
    Role(String),
    /// A ClusterRole: eksgrant's, a built-in one, or one the spec names.
    ClusterRole(String),
    /// An EKS access policy.
    AccessPolicy(String),
    /// A group no eksgrant binding names: whatever RBAC outside eksgrant
    /// binds it to.
    Group(String),
}

impl RoleRef {
    /// The reference in words.
    pub fn describe(&self) -> String {
        match self {
            RoleRef::Role(name) => format!("Role {name}"),
            RoleRef::ClusterRole(name) => format!("ClusterRole {name}"),
            RoleRef::AccessPolicy(name) => format!("access policy {name}"),
            RoleRef::Group(name) => format!("group {name} (bound outside eksgrant)"),
        }
    }
}

/// One RBAC rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Rule {
    /// API groups (`""` is the core group).
    pub api_groups: Vec<String>,
    /// Resources (`pods`, `pods/exec`, `*`).
    pub resources: Vec<String>,
    /// Verbs (`get`, `*`).
    pub verbs: Vec<String>,
    /// Object names; empty for all.
    pub resource_names: Vec<String>,
}

impl Rule {
    fn of(rule: &RbacRule) -> Self {
        Rule {
            api_groups: rule.api_groups.clone(),
            resources: rule.resources.clone(),
            verbs: rule.verbs.clone(),
            resource_names: rule.resource_names.clone(),
        }
    }

    fn new(api_groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
        let owned = |items: &[&str]| items.iter().map(ToString::to_string).collect();
        Rule {
            api_groups: owned(api_groups),
            resources: owned(resources),
            verbs: owned(verbs),
            resource_names: Vec::new(),
        }
    }

    /// Whether the rule allows `verb` on `resource` (`pods`, `pods/exec`)
    /// in `api_group` (`None`: any group), as the Kubernetes RBAC
    /// authorizer decides (`RuleAllows` in
    /// plugin/pkg/auth/authorizer/rbac/rbac.go): a verb and a group match
    /// themselves or `*`; a resource as [`resource_matches`] says.
    pub fn allows(&self, verb: &str, resource: &str, api_group: Option<&str>) -> bool {
        let any = |items: &[String], wanted: &str| items.iter().any(|i| i == "*" || i == wanted);
        any(&self.verbs, verb)
            && self.resources.iter().any(|r| resource_matches(r, resource))
            && api_group.is_none_or(|group| any(&self.api_groups, group))
    }
}

/// Whether a rule's resource covers the requested one (`pods`, or with a
/// subresource `pods/exec`), as the Kubernetes RBAC authorizer's
/// `ResourceMatches` decides (pkg/apis/rbac/v1/evaluation_helpers.go at
/// v1.34.0): `*` covers every resource and subresource; a name
/// covers exactly itself, so `pods` covers none of its subresources; and
/// `*/scale` covers the subresource `scale` of every resource. Nothing else
/// is a pattern: `pods/*` covers only a subresource named `*`, which no
/// request asks for.
pub(super) fn resource_matches(rule: &str, requested: &str) -> bool {
    rule == "*"
        || rule == requested
        || requested
            .split_once('/')
            .is_some_and(|(_, subresource)| rule.strip_prefix("*/") == Some(subresource))
}

/// Whether a namespace a grant names covers the one asked about: the same
/// name, or for an access policy's pattern with a trailing `*` (`dev-*`)
/// every namespace that starts with what comes before it, as EKS matches
/// an access scope's namespaces.
pub(super) fn namespace_matches(granted: &str, asked: &str) -> bool {
    granted == asked
        || granted
            .strip_suffix('*')
            .is_some_and(|prefix| asked.starts_with(prefix))
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The rules of Kubernetes' built-in user-facing ClusterRoles, as the
/// Kubernetes documentation lists them ("Using RBAC Authorization",
/// user-facing roles), without what CRDs aggregate into them; `None` for a
/// ClusterRole that is not one of them.
fn built_in_cluster_role(name: &str) -> Option<Vec<Rule>> {
    let view = || {
        vec![
            Rule::new(
                &[""],
                &[
                    "bindings",
                    "configmaps",
                    "endpoints",
                    "events",
                    "limitranges",
                    "namespaces",
                    "namespaces/status",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                    "serviceaccounts",
                    "services",
                    "services/status",
                ],
                READ,
            ),
            Rule::new(
                &["apps"],
                &[
                    "controllerrevisions",
                    "daemonsets",
                    "deployments",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                READ,
            ),
            Rule::new(&["autoscaling"], &["horizontalpodautoscalers"], READ),
            Rule::new(&["batch"], &["cronjobs", "jobs"], READ),
            Rule::new(&["policy"], &["poddisruptionbudgets"], READ),
            Rule::new(
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                READ,
            ),
        ]
    };
    let edit = || {
        let mut rules = view();
        rules.extend([
            Rule::new(
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "pods",
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
                WRITE,
            ),
            Rule::new(&[""], &["serviceaccounts"], &["impersonate"]),
            Rule::new(
                &["apps"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                WRITE,
            ),
            Rule::new(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
            Rule::new(&["batch"], &["cronjobs", "jobs"], WRITE),
            Rule::new(&["policy"], &["poddisruptionbudgets"], WRITE),
            Rule::new(
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                WRITE,
            ),
        ]);
        rules
    };
    match name {
        "cluster-admin" => Some(vec![Rule::new(&["*"], &["*"], &["*"])]),
        "admin" => {
            let mut rules = edit();
            rules.push(Rule::new(
                &["rbac.authorization.k8s.io"],
                &["rolebindings", "roles"],
                WRITE,
            ));
            rules.push(Rule::new(
                &["authorization.k8s.io"],
                &["localsubjectaccessreviews"],
                &["create"],
            ));
            Some(rules)
        }
        "edit" => Some(edit()),
        "view" => Some(view()),
        _ => None,
    }
}

/// Who a binding's subject is, on a cluster: ServiceAccounts of workloads,
/// and the members of each group access entries and aws-auth map into.
struct Members<'a> {
    /// `(namespace, ServiceAccount)` -> workload key.
    service_accounts: BTreeMap<(&'a str, &'a str), &'a str>,
    /// Group -> `(subject key, mechanism)`.
    groups: BTreeMap<&'a str, Vec<(&'a str, Mechanism)>>,
}

impl<'a> Members<'a> {
    fn of(workloads: &[&'a Workload], cluster: &'a Cluster) -> Self {
        let service_accounts = workloads
            .iter()
            .map(|w| {
                (
                    (w.namespace.as_str(), w.service_account.as_str()),
                    w.key.as_str(),
                )
            })
            .collect();
        let mut groups: BTreeMap<&str, Vec<(&str, Mechanism)>> = BTreeMap::new();
        for entry in &cluster.access_entries {
            for group in &entry.kubernetes_groups {
                groups
                    .entry(group)
                    .or_default()
                    .push((&entry.subject, Mechanism::AccessEntry));
            }
        }
        if let Some(aws_auth) = &cluster.aws_auth {
            for mapping in aws_auth.map_roles.iter().chain(&aws_auth.map_users) {
                let Some(subject) = &mapping.subject else {
                    continue;
                };
                for group in &mapping.groups {
                    groups
                        .entry(group)
                        .or_default()
                        .push((subject, Mechanism::AwsAuth));
                }
            }
        }
        Members {
            service_accounts,
            groups,
        }
    }
}

/// Every subject's grants on every cluster, each handed to `found` as
/// `(subject key, access)` as it is worked out: a picture keeps only a few
/// words of each.
pub(super) fn access(model: &Model, mut found: impl FnMut(String, KubernetesAccess)) {
    // The workloads on each cluster, found once rather than once a cluster.
    let mut running: HashMap<&str, Vec<&Workload>> = HashMap::new();
    for workload in &model.workloads {
        for cluster in &workload.clusters {
            running.entry(cluster).or_default().push(workload);
        }
    }
    for cluster in &model.clusters {
        let here = running
            .get(cluster.key.as_str())
            .map_or(&[][..], Vec::as_slice);
        let members = Members::of(here, cluster);
        let objects = cluster
            .namespaces
            .iter()
            .flat_map(|ns| &ns.subjects)
            .chain(&cluster.cluster_scoped);
        let mut bound_groups = BTreeSet::new();
        for subject_objects in objects {
            for binding in &subject_objects.bindings {
                if binding.subject.kind == "Group" {
                    bound_groups.insert(binding.subject.name.as_str());
                }
                for (subject, access) in binding_access(cluster, &members, subject_objects, binding)
                {
                    found(subject, access);
                }
            }
        }
        for entry in &cluster.access_entries {
            for association in &entry.policy_associations {
                let policy = association
                    .policy_arn
                    .rsplit('/')
                    .next()
                    .unwrap_or(&association.policy_arn)
                    .to_string();
                let rules = super::access_policies::rules(&policy);
                let scopes: Vec<Option<String>> = if association.namespaces.is_empty() {
                    vec![None]
                } else {
                    association.namespaces.iter().cloned().map(Some).collect()
                };
                for namespace in scopes {
                    found(
                        entry.subject.clone(),
                        KubernetesAccess {
                            cluster: cluster.key.clone(),
                            namespace,
                            mechanism: Mechanism::AccessPolicy,
                            group: None,
                            role: RoleRef::AccessPolicy(policy.clone()),
                            rules_known: rules.is_some(),
                            rules: rules.clone().unwrap_or_default(),
                            path: format!("access entry -> access policy {policy}"),
                        },
                    );
                }
            }
        }
        // Groups the spec maps subjects into but no eksgrant binding names.
        for (group, subjects) in &members.groups {
            if bound_groups.contains(group) {
                continue;
            }
            for (subject, mechanism) in subjects {
                found(
                    (*subject).to_string(),
                    KubernetesAccess {
                        cluster: cluster.key.clone(),
                        namespace: None,
                        mechanism: *mechanism,
                        group: Some((*group).to_string()),
                        role: RoleRef::Group((*group).to_string()),
                        rules: Vec::new(),
                        rules_known: false,
                        path: format!("{} -> group {group}", mechanism.describe()),
                    },
                );
            }
        }
    }
}

/// What one binding grants, to each subject it reaches.
fn binding_access(
    cluster: &Cluster,
    members: &Members<'_>,
    objects: &SubjectObjects,
    binding: &RbacBinding,
) -> Vec<(String, KubernetesAccess)> {
    let own_role = objects
        .role
        .as_ref()
        .filter(|role| role.name == binding.role_name && role.kind == binding.role_kind);
    let (rules, rules_known) = match own_role {
        Some(role) => (role.rules.iter().map(Rule::of).collect(), true),
        None => match built_in_cluster_role(&binding.role_name) {
            Some(rules) if binding.role_kind == "ClusterRole" => (rules, true),
            _ => (Vec::new(), false),
        },
    };
    let role = if binding.role_kind == "Role" {
        RoleRef::Role(binding.role_name.clone())
    } else {
        RoleRef::ClusterRole(binding.role_name.clone())
    };
    let tail = format!("{} {} -> {}", binding.kind, binding.name, role.describe());
    let reached: Vec<(&str, Mechanism, Option<&str>)> = match binding.subject.kind {
        "ServiceAccount" => binding
            .subject
            .namespace
            .as_deref()
            .and_then(|ns| {
                members
                    .service_accounts
                    .get(&(ns, binding.subject.name.as_str()))
            })
            .map(|subject| vec![(*subject, Mechanism::ServiceAccount, None)])
            .unwrap_or_default(),
        _ => members
            .groups
            .get(binding.subject.name.as_str())
            .map(|subjects| {
                subjects
                    .iter()
                    .map(|(subject, mechanism)| {
                        (*subject, *mechanism, Some(binding.subject.name.as_str()))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    reached
        .into_iter()
        .map(|(subject, mechanism, group)| {
            let path = match group {
                Some(group) => format!("{} -> group {group} -> {tail}", mechanism.describe()),
                None => format!("ServiceAccount -> {tail}"),
            };
            (
                subject.to_string(),
                KubernetesAccess {
                    cluster: cluster.key.clone(),
                    namespace: binding.namespace.clone(),
                    mechanism,
                    group: group.map(ToString::to_string),
                    role: role.clone(),
                    rules: rules.clone(),
                    rules_known,
                    path,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TestRuleMatches` of the Kubernetes RBAC authorizer
    /// (plugin/pkg/auth/authorizer/rbac/rbac_test.go at commit 00bdb3f),
    /// its resource requests one by one: (rule's verbs, groups, resources),
    /// (verb, group, resource or resource/subresource), allowed. Then its
    /// "test subresource resolution" case, and what `ResourceMatches`
    /// (pkg/apis/rbac/v1/evaluation_helpers.go, v1.34.0) says of
    /// `*/subresource` and of a `/*` that is no wildcard.
    #[test]
    fn rules_match_requests_as_the_rbac_authorizer_does() {
        type Case = (
            &'static [&'static str],
            &'static [&'static str],
            &'static [&'static str],
        );
        let star_verb: Case = (&["*"], &["group1"], &["resource1"]);
        let star_group: Case = (&["verb1"], &["*"], &["resource1"]);
        let star_resource: Case = (&["verb1"], &["group1"], &["*"]);
        let tuple: Case = (
            &["verb1", "verb2"],
            &["group1", "group2"],
            &["resource1", "resource2"],
        );
        let subresource: Case = (&["*"], &["*"], &["resource1/subresource1"]);
        let table: &[(Case, (&str, &str, &str), bool)] = &[
            // star verb, exact match other
            (star_verb, ("verb1", "group1", "resource1"), true),
            (star_verb, ("verb1", "group2", "resource1"), false),
            (star_verb, ("verb1", "group1", "resource2"), false),
            (star_verb, ("verb1", "group2", "resource2"), false),
            (star_verb, ("verb2", "group1", "resource1"), true),
            (star_verb, ("verb2", "group2", "resource1"), false),
            (star_verb, ("verb2", "group1", "resource2"), false),
            (star_verb, ("verb2", "group2", "resource2"), false),
            // star group, exact match other
            (star_group, ("verb1", "group1", "resource1"), true),
            (star_group, ("verb1", "group2", "resource1"), true),
            (star_group, ("verb1", "group1", "resource2"), false),
            (star_group, ("verb1", "group2", "resource2"), false),
            (star_group, ("verb2", "group1", "resource1"), false),
            (star_group, ("verb2", "group2", "resource1"), false),
            (star_group, ("verb2", "group1", "resource2"), false),
            (star_group, ("verb2", "group2", "resource2"), false),
            // star resource, exact match other
            (star_resource, ("verb1", "group1", "resource1"), true),
            (star_resource, ("verb1", "group2", "resource1"), false),
            (star_resource, ("verb1", "group1", "resource2"), true),
            (star_resource, ("verb1", "group2", "resource2"), false),
            (star_resource, ("verb2", "group1", "resource1"), false),
            (star_resource, ("verb2", "group2", "resource1"), false),
            (star_resource, ("verb2", "group1", "resource2"), false),
            (star_resource, ("verb2", "group2", "resource2"), false),
            // tuple expansion
            (tuple, ("verb1", "group1", "resource1"), true),
            (tuple, ("verb1", "group2", "resource1"), true),
            (tuple, ("verb1", "group1", "resource2"), true),
            (tuple, ("verb1", "group2", "resource2"), true),
            (tuple, ("verb2", "group1", "resource1"), true),
            (tuple, ("verb2", "group2", "resource1"), true),
            (tuple, ("verb2", "group1", "resource2"), true),
            (tuple, ("verb2", "group2", "resource2"), true),
            // subresource expansion
            (
                subresource,
                ("verb1", "group1", "resource1/subresource1"),
                true,
            ),
            (
                subresource,
                ("verb1", "group2", "resource1/subresource2"),
                false,
            ),
            (
                subresource,
                ("verb1", "group1", "resource2/subresource1"),
                false,
            ),
            (
                subresource,
                ("verb1", "group2", "resource2/subresource1"),
                false,
            ),
            (
                subresource,
                ("verb2", "group1", "resource1/subresource1"),
                true,
            ),
            (
                subresource,
                ("verb2", "group2", "resource1/subresource2"),
                false,
            ),
            (
                subresource,
                ("verb2", "group1", "resource2/subresource1"),
                false,
            ),
            (
                subresource,
                ("verb2", "group2", "resource2/subresource1"),
                false,
            ),
            // test subresource resolution (TestAuthorizer)
            (
                (&["*"], &["*"], &["pods/status"]),
                ("get", "", "pods/status"),
                true,
            ),
            (
                (&["*"], &["*"], &["pods/status"]),
                ("get", "", "pods"),
                false,
            ),
            // ResourceMatches: `*` covers subresources, `*/scale` one
            // subresource of every resource, `pods/*` nothing.
            ((&["get"], &[""], &["*"]), ("get", "", "pods/log"), true),
            (
                (&["update"], &["*"], &["*/scale"]),
                ("update", "apps", "deployments/scale"),
                true,
            ),
            (
                (&["update"], &["*"], &["*/scale"]),
                ("update", "", "replicationcontrollers/scale"),
                true,
            ),
            (
                (&["update"], &["*"], &["*/scale"]),
                ("update", "apps", "deployments"),
                false,
            ),
            (
                (&["update"], &["*"], &["*/scale"]),
                ("update", "apps", "deployments/status"),
                false,
            ),
            (
                (&["get"], &[""], &["pods/*"]),
                ("get", "", "pods/log"),
                false,
            ),
            ((&["get"], &[""], &["pods/*"]), ("get", "", "pods"), false),
            ((&["get"], &[""], &["pods"]), ("get", "", "pods/log"), false),
        ];
        for &((verbs, groups, resources), (verb, group, resource), allowed) in table {
            let rule = Rule::new(groups, resources, verbs);
            assert_eq!(
                rule.allows(verb, resource, Some(group)),
                allowed,
                "{verbs:?} {groups:?} {resources:?} on {verb} {group} {resource}"
            );
        }
    }

    #[test]
    fn a_namespace_pattern_covers_the_namespaces_it_starts() {
        assert!(namespace_matches("dev-*", "dev-team"));
        assert!(namespace_matches("dev-*", "dev-"));
        assert!(!namespace_matches("dev-*", "prod"));
        assert!(!namespace_matches("dev-*", "devteam"));
        assert!(namespace_matches("jobs", "jobs"));
        assert!(!namespace_matches("jobs", "jobs-2"));
    }

    #[test]
    fn built_in_roles_nest_as_kubernetes_documents_them() {
        let allows = |role: &str, verb: &str, resource: &str| {
            built_in_cluster_role(role)
                .unwrap()
                .iter()
                .any(|r| r.allows(verb, resource, None))
        };
        assert!(allows("view", "list", "pods"));
        assert!(!allows("view", "get", "secrets"));
        assert!(allows("edit", "get", "secrets"));
        assert!(allows("edit", "create", "pods/exec"));
        assert!(!allows("edit", "create", "roles"));
        assert!(allows("admin", "create", "roles"));
        assert!(allows("cluster-admin", "delete", "nodes"));
        assert!(built_in_cluster_role("my-team").is_none());
    }
}
