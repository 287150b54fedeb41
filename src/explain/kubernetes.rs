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
pub use crate::rbac::Rule;
use crate::rbac::{access_policies, cluster_roles};

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

/// An eksgrant rule as explain reports it.
fn rule_of(rule: &RbacRule) -> Rule {
    Rule {
        api_groups: rule.api_groups.clone(),
        resources: rule.resources.clone(),
        verbs: rule.verbs.clone(),
        resource_names: rule.resource_names.clone(),
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
                let rules = access_policies::rules(&policy);
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
                            rules: rules.map_or_else(Vec::new, <[Rule]>::to_vec),
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
        Some(role) => (role.rules.iter().map(rule_of).collect(), true),
        None => match cluster_roles::rules(&binding.role_name) {
            Some(rules) if binding.role_kind == "ClusterRole" => (rules.to_vec(), true),
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
