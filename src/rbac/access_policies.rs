//! The Kubernetes permissions of EKS access policies, as the EKS user guide
//! lists them ("Review access policy permissions"), row by row: the data is
//! data/eks/access-policies.toml, and a test compares every row with the
//! page itself, vendored beside it (data/eks/SOURCE.md says from where).
//!
//! The policies are EKS's, not Kubernetes' roles: AmazonEKSEditPolicy is not
//! `edit` (it creates events, not endpoints, and reads endpointslices), so
//! each is taken as EKS documents it.

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
pub(crate) fn rules(policy: &str) -> Option<Vec<Rule>> {
    policies().get(policy).cloned()
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
}
