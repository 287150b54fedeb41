//! EKS access policies: the names eksgrant knows, and the Kubernetes
//! permissions of those the EKS user guide tabulates.
//!
//! AWS adds access policies over time and there is no way to define your
//! own, so an unknown name that has the shape of an AWS one is only a
//! warning; the list of names is what makes typos visible.
//!
//! The permissions are the guide's ("Review access policy permissions"), row
//! by row: the data is data/eks/access-policies.toml, and a test compares
//! every row with the page itself, vendored beside it (data/eks/SOURCE.md
//! says from where). The policies are EKS's, not Kubernetes' roles:
//! AmazonEKSEditPolicy is not `edit` (it creates events, not endpoints, and
//! reads endpointslices), so each is taken as EKS documents it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::Rule;

/// The data, compiled in.
const DATA: &str = include_str!("../../data/eks/access-policies.toml");

/// One row of a policy's table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
}

/// Every policy's rules, by name.
fn policies() -> &'static BTreeMap<String, Vec<Rule>> {
    static POLICIES: OnceLock<BTreeMap<String, Vec<Rule>>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let rows: BTreeMap<String, Vec<Row>> =
            toml::from_str(DATA).expect("data/eks/access-policies.toml is valid");
        rows.into_iter()
            .map(|(policy, rows)| {
                let rules = rows
                    .into_iter()
                    .map(|row| Rule {
                        api_groups: row.api_groups,
                        resources: row.resources,
                        verbs: row.verbs,
                        resource_names: Vec::new(),
                    })
                    .collect();
                (policy, rules)
            })
            .collect()
    })
}

/// The rules of `policy` on resources, as the guide's table gives them;
/// `None` for a policy the guide describes without a table (those EKS
/// associates to its own roles, such as AmazonEKSAutoNodePolicy), or one
/// it does not list.
pub(crate) fn rules(policy: &str) -> Option<&'static [Rule]> {
    policies().get(policy).map(Vec::as_slice)
}

/// The access policies listed by `aws eks list-access-policies` as of 2026.
pub(crate) const KNOWN: &[&str] = &[
    "AIDevOpsAgentAccessPolicy",
    "AmazonAIOpsAssistantPolicy",
    "AmazonARCRegionSwitchScalingPolicy",
    "AmazonEKSACKPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSArgoCDClusterPolicy",
    "AmazonEKSArgoCDPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSEventPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSKROPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSPodIdentityPolicy",
    "AmazonEKSSecretAdminPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSpacePolicy",
    "AmazonSagemakerHyperpodSpaceTemplatePolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
];

/// The access policy that makes its holder a cluster administrator.
pub(crate) const CLUSTER_ADMIN: &str = "AmazonEKSClusterAdminPolicy";

/// Kubernetes' user-facing ClusterRoles and the access policies that
/// mirror them, as the EKS user guide pairs them.
const MIRRORS: [(&str, &str); 4] = [
    ("cluster-admin", CLUSTER_ADMIN),
    ("admin", "AmazonEKSAdminPolicy"),
    ("edit", "AmazonEKSEditPolicy"),
    ("view", "AmazonEKSViewPolicy"),
];

/// The access policy that mirrors one of Kubernetes' user-facing
/// ClusterRoles, for users who write the ClusterRole's name.
pub(crate) fn for_cluster_role(cluster_role: &str) -> Option<&'static str> {
    MIRRORS
        .iter()
        .find(|(role, _)| *role == cluster_role)
        .map(|(_, policy)| *policy)
}

/// The user-facing ClusterRole an access policy mirrors, for a picture's
/// short label.
pub(crate) fn cluster_role_of(policy: &str) -> Option<&'static str> {
    MIRRORS
        .iter()
        .find(|(_, p)| *p == policy)
        .map(|(role, _)| *role)
}

/// `AI` + `Policy`: a name must have something between its prefix and suffix.
const SHORTEST_PREFIX_AND_SUFFIX: usize = "AIPolicy".len();

/// [`looks_like_access_policy`] as a regular expression, for the JSON
/// Schema (a test checks that the schema and eksgrant agree on names).
pub(crate) const SHAPE: &str = "^(Amazon[A-Za-z0-9]*|AI[A-Za-z0-9]+)Policy$";

/// Whether `name` has the shape of an AWS access policy name, known or not.
pub(crate) fn looks_like_access_policy(name: &str) -> bool {
    (name.starts_with("Amazon") || name.starts_with("AI"))
        && name.ends_with("Policy")
        && name.len() > SHORTEST_PREFIX_AND_SUFFIX
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table's row: API groups, resources, verbs.
    type TableRow = (Vec<String>, Vec<String>, Vec<String>);

    /// The vendored page.
    const PAGE: &str = include_str!("../../data/eks/access-policy-reference.adoc");

    /// Every permission table of the page, by policy: each row's API
    /// groups, resources and verbs as the page writes them (a code span a
    /// value, `{asterisk}` for `*`, an empty cell for the core group), and
    /// for a table with a nonResourceURLs column, the rows on resources.
    fn tables() -> BTreeMap<String, Vec<TableRow>> {
        let mut tables = BTreeMap::new();
        let mut policy: Option<&str> = None;
        let mut lines = PAGE.lines();
        while let Some(line) = lines.next() {
            if let Some(heading) = line.strip_prefix("== ") {
                policy = heading.starts_with("AmazonEKS").then_some(heading);
                continue;
            }
            let (Some(name), Some(columns)) = (
                policy,
                line.strip_prefix("[%header,cols=\"")
                    .and_then(|rest| rest.strip_suffix("\"]")),
            ) else {
                continue;
            };
            let columns: usize = columns.parse().unwrap();
            assert_eq!(lines.next(), Some("|==="), "{name}");
            let cells: Vec<&str> = lines
                .by_ref()
                .take_while(|line| *line != "|===")
                .filter_map(|line| line.strip_prefix('|'))
                .map(str::trim)
                .collect();
            let values = |cell: &str| -> Vec<String> {
                cell.replace("{asterisk}", "*")
                    .split(',')
                    .map(|value| value.trim().replace('`', ""))
                    .filter(|value| !value.is_empty())
                    .collect()
            };
            let rows = cells[columns..]
                .chunks(columns)
                .map(|row| match row {
                    [groups, _, resources, verbs] | [groups, resources, verbs] => {
                        (*groups, *resources, *verbs)
                    }
                    _ => panic!("{name}: a row of {} cells", row.len()),
                })
                .filter(|(_, resources, _)| !values(resources).is_empty())
                .map(|(groups, resources, verbs)| {
                    let groups = values(groups);
                    let groups = if groups.is_empty() {
                        vec![String::new()]
                    } else {
                        groups
                    };
                    (groups, values(resources), values(verbs))
                })
                .collect();
            tables.insert(name.to_string(), rows);
        }
        tables
    }

    #[test]
    fn the_data_is_the_guides_tables_row_by_row() {
        let page = tables();
        let data: BTreeMap<String, Vec<TableRow>> = policies()
            .iter()
            .map(|(policy, rules)| {
                let rows = rules
                    .iter()
                    .map(|r| (r.api_groups.clone(), r.resources.clone(), r.verbs.clone()))
                    .collect();
                (policy.clone(), rows)
            })
            .collect();
        assert_eq!(data, page);
        // The policies whose tables eksgrant reads, and the corrections of
        // issue 26 among their rows.
        assert_eq!(
            page.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "AmazonEKSAdminPolicy",
                "AmazonEKSAdminViewPolicy",
                "AmazonEKSClusterAdminPolicy",
                "AmazonEKSEditPolicy",
                "AmazonEKSHybridPolicy",
                "AmazonEKSSecretReaderPolicy",
                "AmazonEKSViewPolicy",
            ]
        );
    }

    #[test]
    fn the_policies_allow_what_the_guide_says_not_what_the_roles_do() {
        let allows = |policy: &str, verb: &str, resource: &str, group: &str| {
            rules(policy)
                .unwrap()
                .iter()
                .any(|rule| rule.allows(verb, resource, Some(group)))
        };
        for policy in [
            "AmazonEKSViewPolicy",
            "AmazonEKSEditPolicy",
            "AmazonEKSAdminPolicy",
        ] {
            assert!(
                allows(policy, "list", "endpointslices", "discovery.k8s.io"),
                "{policy}"
            );
            assert!(
                allows(policy, "get", "deployments/status", "apps"),
                "{policy}"
            );
        }
        assert!(allows("AmazonEKSEditPolicy", "create", "events", ""));
        assert!(!allows("AmazonEKSEditPolicy", "create", "endpoints", ""));
        assert!(allows(
            "AmazonEKSEditPolicy",
            "create",
            "ingresses",
            "extensions"
        ));
        assert!(!allows("AmazonEKSViewPolicy", "get", "secrets", ""));
        assert!(allows("AmazonEKSAdminViewPolicy", "get", "secrets", ""));
        assert!(!allows("AmazonEKSAdminViewPolicy", "delete", "pods", ""));
        assert!(allows(
            "AmazonEKSClusterAdminPolicy",
            "escalate",
            "clusterroles",
            "rbac.authorization.k8s.io"
        ));
        assert!(rules("AmazonEKSAutoNodePolicy").is_none());
    }

    #[test]
    fn known_list_is_sorted_and_well_formed() {
        let mut sorted = KNOWN.to_vec();
        sorted.sort_unstable();
        assert_eq!(KNOWN, sorted.as_slice());
        assert!(KNOWN.iter().all(|name| looks_like_access_policy(name)));
        assert!(KNOWN.contains(&CLUSTER_ADMIN));
    }

    #[test]
    fn shape() {
        assert!(looks_like_access_policy("AmazonEKSFuturePolicy"));
        assert!(!looks_like_access_policy("cluster-admin"));
        assert!(!looks_like_access_policy("AmazonEKSAdmin"));
        assert!(!looks_like_access_policy(
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        ));
    }
}
