//! The reverse questions: who can do a Kubernetes verb on a resource in a
//! cluster, and who can do an AWS action, answered from an
//! [`Explanation`].

use serde::Serialize;

use super::{Explanation, KubernetesAccess};
use crate::rbac::namespace_matches;

/// One subject that can (or may) do what was asked, and through what.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The subject (key).
    pub subject: String,
    /// `yes`, or `maybe` when the grant's rules are not the spec's to know
    /// (a ClusterRole it only names, a group bound elsewhere, a managed
    /// policy), or `denied` when a Deny statement of the subject's matches.
    pub verdict: &'static str,
    /// Where: the namespace, or for AWS the statement.
    pub scope: String,
    /// The path, or the statement's conditions.
    pub through: String,
}

/// Who can `verb` `resource` (`pods`, `pods/exec`, `deployments.apps`,
/// `deployments.apps/scale`) in
/// `cluster`, in `namespace` or, without one, anywhere in the cluster.
pub fn kubernetes(
    explanation: &Explanation,
    verb: &str,
    resource: &str,
    cluster: &str,
    namespace: Option<&str>,
) -> Vec<Answer> {
    // The group goes with the resource, before or after its subresource:
    // `deployments.apps/scale`, `deployments/scale.apps`.
    // An empty subresource (`pods/`) is none, as the authorizer reads it.
    let (named, subresource) = match resource.split_once('/') {
        Some((named, "")) => (named, None),
        Some((named, subresource)) => (named, Some(subresource)),
        None => (resource, None),
    };
    let (name, subresource, api_group) = match (named.split_once('.'), subresource) {
        (Some((name, group)), _) => (name, subresource, Some(group)),
        (None, Some(subresource)) => match subresource.split_once('.') {
            Some((subresource, group)) => (named, Some(subresource), Some(group)),
            None => (named, Some(subresource), None),
        },
        (None, None) => (named, None, None),
    };
    let resource = match subresource {
        Some(subresource) => format!("{name}/{subresource}"),
        None => name.to_string(),
    };
    let resource = resource.as_str();
    let mut answers = Vec::new();
    for subject in &explanation.subjects {
        for access in subject.kubernetes.iter().filter(|a| a.cluster == cluster) {
            // A namespaced grant answers only for its namespace (or those
            // its pattern covers); without a namespace asked, every grant
            // in the cluster counts.
            if let (Some(asked), Some(granted)) = (namespace, &access.namespace)
                && !namespace_matches(granted, asked)
            {
                continue;
            }
            let verdict = if !access.rules_known {
                "maybe"
            } else if access
                .rules
                .iter()
                .any(|rule| rule.allows(verb, resource, api_group))
            {
                "yes"
            } else {
                continue;
            };
            answers.push(Answer {
                subject: subject.key.clone(),
                verdict,
                scope: scope(access),
                through: access.path.clone(),
            });
        }
    }
    answers
}

fn scope(access: &KubernetesAccess) -> String {
    match &access.namespace {
        Some(namespace) => format!("namespace {namespace}"),
        None => "cluster-wide".to_string(),
    }
}

/// Who can do the AWS `action` (`s3:GetObject`), on `resource` when given,
/// through the policies eksgrant writes, or may through managed policies.
pub fn aws(explanation: &Explanation, action: &str, resource: Option<&str>) -> Vec<Answer> {
    let mut answers = Vec::new();
    for subject in &explanation.subjects {
        for permission in &subject.aws.permissions {
            let action_matches = permission
                .actions
                .iter()
                .any(|pattern| glob(&pattern.to_lowercase(), &action.to_lowercase()));
            let resource_matches = resource.is_none_or(|resource| {
                permission
                    .resources
                    .iter()
                    .any(|pattern| glob(pattern, resource))
            });
            if !(action_matches && resource_matches) {
                continue;
            }
            answers.push(Answer {
                subject: subject.key.clone(),
                verdict: if permission.effect == "Deny" {
                    "denied"
                } else {
                    "yes"
                },
                scope: format!("{} {}", permission.policy_file, permission.sid),
                through: if permission.conditions.is_empty() {
                    "unconditionally".to_string()
                } else {
                    format!(
                        "when {}",
                        permission
                            .conditions
                            .iter()
                            .flat_map(|(operator, keys)| {
                                keys.iter().map(move |(key, values)| {
                                    format!("{operator} {key} {}", values.join(", "))
                                })
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                },
            });
        }
        for managed in &subject.aws.managed_policies {
            answers.push(Answer {
                subject: subject.key.clone(),
                verdict: "maybe",
                scope: managed.clone(),
                through: "a managed policy whose contents eksgrant does not know".to_string(),
            });
        }
    }
    answers
}

/// IAM's wildcard match: `*` any run of characters, `?` any one.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn iam_wildcards_match_as_iam_matches_them() {
        assert!(glob("s3:get*", "s3:getobject"));
        assert!(glob("*", "anything"));
        assert!(glob("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b"));
        assert!(!glob("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
        assert!(glob("ec2:describe?pcs", "ec2:describevpcs"));
        assert!(!glob("s3:put*", "s3:getobject"));
        assert!(glob("a*b*c", "aXXbYYc"));
    }
}
