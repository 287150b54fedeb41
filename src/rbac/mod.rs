//! Kubernetes RBAC as eksgrant reasons about it: a rule, how a rule
//! matches a request (as the RBAC authorizer decides), and the rules of the
//! roles eksgrant does not write: Kubernetes' built-in ClusterRoles and
//! EKS's access policies, each read from a vendored upstream source.
//!
//! Both `explain` (who can do what) and the lints (what a grant carries,
//! whatever path gives it) ask these questions, so the answers live here,
//! below both, and depend on nothing else of eksgrant's.

pub(crate) mod access_policies;
pub(crate) mod cluster_roles;

use schemars::JsonSchema;
use serde::Serialize;

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
    /// A rule that covers every object of its resources.
    #[cfg(test)]
    pub(crate) fn new(api_groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
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
    /// themselves or `*`; a resource as `resource_matches` says.
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
pub(crate) fn resource_matches(rule: &str, requested: &str) -> bool {
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
pub(crate) fn namespace_matches(granted: &str, asked: &str) -> bool {
    granted == asked
        || granted
            .strip_suffix('*')
            .is_some_and(|prefix| asked.starts_with(prefix))
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
}
