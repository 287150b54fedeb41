//! The rules of Kubernetes' built-in ClusterRoles (`view`, `edit`, `admin`,
//! `cluster-admin` and the `system:` ones), read from the bootstrap policy
//! Kubernetes tests itself against: data/kubernetes/cluster-roles.yaml,
//! vendored whole (data/kubernetes/SOURCE.md says from which commit).
//!
//! `view`, `edit` and `admin` hold no rules of their own: each aggregates
//! the ClusterRoles whose labels its `aggregationRule` selects (`admin`
//! takes `edit`, which takes `view`), as the API server's aggregation
//! controller does, so their rules are gathered here the same way. What
//! CRDs aggregate into them on a given cluster is not known, and not
//! counted.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::Rule;

/// The bootstrap policy, compiled in.
const DATA: &str = include_str!("../../data/kubernetes/cluster-roles.yaml");

/// The file: a `List` of ClusterRoles.
#[derive(Deserialize)]
struct List {
    items: Vec<ClusterRole>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClusterRole {
    metadata: Metadata,
    #[serde(default)]
    rules: Option<Vec<PolicyRule>>,
    #[serde(default)]
    aggregation_rule: Option<AggregationRule>,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyRule {
    #[serde(default)]
    api_groups: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    resource_names: Vec<String>,
    verbs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AggregationRule {
    cluster_role_selectors: Vec<Selector>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Selector {
    match_labels: BTreeMap<String, String>,
}

/// The rules of the built-in ClusterRole `name` on resources (rules on
/// non-resource URLs left out: nothing eksgrant asks is about them), with
/// aggregation resolved; `None` for a ClusterRole Kubernetes does not
/// bootstrap.
pub(crate) fn rules(name: &str) -> Option<&'static [Rule]> {
    static ROLES: OnceLock<BTreeMap<String, Vec<Rule>>> = OnceLock::new();
    ROLES
        .get_or_init(|| {
            let list: List =
                serde_saphyr::from_str(DATA).expect("data/kubernetes/cluster-roles.yaml is valid");
            resolved(&list.items)
        })
        .get(name)
        .map(Vec::as_slice)
}

/// Every role's rules, each aggregated role holding those of the roles it
/// selects, and theirs in turn.
fn resolved(all: &[ClusterRole]) -> BTreeMap<String, Vec<Rule>> {
    all.iter()
        .map(|role| {
            let mut held = Vec::new();
            gather(all, role, &mut vec![role.metadata.name.as_str()], &mut held);
            (role.metadata.name.clone(), held)
        })
        .collect()
}

/// Adds `role`'s rules to `held`: its own, or for an aggregated role those
/// of every role of `all` its selectors match, each once (`seen` keeps a
/// cycle of labels from looping).
fn gather<'a>(
    all: &'a [ClusterRole],
    role: &'a ClusterRole,
    seen: &mut Vec<&'a str>,
    held: &mut Vec<Rule>,
) {
    let Some(aggregation) = &role.aggregation_rule else {
        held.extend(
            role.rules
                .iter()
                .flatten()
                .filter(|r| !r.resources.is_empty())
                .map(|r| Rule {
                    api_groups: r.api_groups.clone(),
                    resources: r.resources.clone(),
                    verbs: r.verbs.clone(),
                    resource_names: r.resource_names.clone(),
                }),
        );
        return;
    };
    for selected in all.iter().filter(|other| {
        aggregation.cluster_role_selectors.iter().any(|selector| {
            selector
                .match_labels
                .iter()
                .all(|(key, value)| other.metadata.labels.get(key) == Some(value))
        })
    }) {
        if !seen.contains(&selected.metadata.name.as_str()) {
            seen.push(&selected.metadata.name);
            gather(all, selected, seen, held);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(role: &str, verb: &str, resource: &str, group: &str) -> bool {
        rules(role)
            .unwrap()
            .iter()
            .any(|r| r.allows(verb, resource, Some(group)))
    }

    #[test]
    fn user_facing_roles_nest_as_their_aggregation_rules_say() {
        // view reads workloads, and no Secret.
        assert!(allows("view", "list", "pods", ""));
        assert!(allows("view", "list", "endpointslices", "discovery.k8s.io"));
        assert!(!allows("view", "get", "secrets", ""));
        assert!(!allows("view", "create", "pods/exec", ""));
        // edit is view and more: Secrets, exec, ServiceAccount tokens,
        // events; not endpoints (Kubernetes 1.22 took that away), not RBAC.
        assert!(allows("edit", "list", "pods", ""));
        assert!(allows("edit", "get", "secrets", ""));
        assert!(allows("edit", "create", "pods/exec", ""));
        assert!(allows("edit", "create", "serviceaccounts/token", ""));
        assert!(allows("edit", "create", "events", ""));
        assert!(allows("edit", "patch", "deployments", "apps"));
        assert!(!allows("edit", "create", "endpoints", ""));
        assert!(!allows(
            "edit",
            "create",
            "roles",
            "rbac.authorization.k8s.io"
        ));
        // admin is edit and namespace RBAC.
        assert!(allows("admin", "get", "secrets", ""));
        assert!(allows(
            "admin",
            "create",
            "roles",
            "rbac.authorization.k8s.io"
        ));
        assert!(allows(
            "admin",
            "create",
            "localsubjectaccessreviews",
            "authorization.k8s.io"
        ));
        assert!(!allows(
            "admin",
            "create",
            "clusterroles",
            "rbac.authorization.k8s.io"
        ));
        // cluster-admin is everything.
        assert!(allows("cluster-admin", "delete", "nodes", ""));
        assert!(rules("my-team").is_none());
    }

    #[test]
    fn an_aggregated_role_holds_exactly_the_rules_of_the_roles_it_selects() {
        let own = |name: &str| {
            let mut rules = rules(name).unwrap().to_vec();
            rules.sort();
            rules
        };
        let union = |parts: &[&str]| {
            let mut rules: Vec<Rule> = parts.iter().flat_map(|name| own(name)).collect();
            rules.sort();
            rules
        };
        assert_eq!(own("edit"), union(&["system:aggregate-to-edit", "view"]));
        assert_eq!(own("admin"), union(&["system:aggregate-to-admin", "edit"]));
        assert_eq!(own("view"), own("system:aggregate-to-view"));
    }
}
