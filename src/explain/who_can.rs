//! The reverse questions: who can do a Kubernetes verb on a resource in a
//! cluster, and who can do an AWS action, answered from an
//! [`Explanation`].

use serde::Serialize;

use super::{Explanation, KubernetesAccess};
use crate::aws::iam::{action_matches, wildcard_match};
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
                .any(|pattern| action_matches(pattern, action));
            let resource_matches = resource.is_none_or(|resource| {
                permission
                    .resources
                    .iter()
                    .any(|pattern| wildcard_match(pattern, resource))
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
