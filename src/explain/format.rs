//! An [`Explanation`] laid out for people (a text table) and for tools
//! (JSON); [`super::picture`] draws it.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::who_can::Answer;
use super::{Explanation, KubernetesAccess, Rule, Subject, SubjectKind};

/// The text form: each subject, its AWS side, and its grants per cluster.
pub fn table(explanation: &Explanation) -> String {
    let mut out = String::new();
    for subject in &explanation.subjects {
        let kind = match subject.kind {
            SubjectKind::Workload => "workload",
            SubjectKind::Principal => "principal",
        };
        let _ = writeln!(out, "{} ({kind})", subject.key);
        aws_lines(&mut out, subject);
        if subject.kubernetes.is_empty() {
            let _ = writeln!(out, "  Kubernetes: nothing");
        } else {
            let _ = writeln!(out, "  Kubernetes:");
            for access in &subject.kubernetes {
                let _ = writeln!(
                    out,
                    "    {} / {}: {}",
                    access.cluster,
                    access.namespace.as_deref().unwrap_or("cluster-wide"),
                    permissions(access)
                );
                let _ = writeln!(out, "      via {}", access.path);
            }
        }
        for acknowledged in &subject.acknowledged {
            let _ = writeln!(
                out,
                "  acknowledged: {} on {}{}",
                acknowledged.lint,
                acknowledged.on,
                if acknowledged.silenced.is_empty() {
                    " (it does not fire there)".to_string()
                } else {
                    format!(": {}", acknowledged.silenced.join("; "))
                }
            );
        }
        out.push('\n');
    }
    out
}

fn aws_lines(out: &mut String, subject: &Subject) {
    let aws = &subject.aws;
    let Some(identity) = &aws.identity else {
        let _ = writeln!(out, "  AWS: no identity");
        return;
    };
    match subject.kind {
        SubjectKind::Principal => {
            let _ = writeln!(
                out,
                "  AWS: {identity} (its permissions are not the spec's)"
            );
        }
        SubjectKind::Workload => {
            let assumed: BTreeSet<String> = aws
                .assumed_by
                .iter()
                .map(|a| {
                    format!(
                        "{} on {} ({}/{})",
                        a.mechanism, a.cluster, a.namespace, a.service_account
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "  AWS: role {identity}, assumed through {}",
                assumed.into_iter().collect::<Vec<_>>().join(", ")
            );
            if let Some(target) = &aws.chains_to {
                let _ = writeln!(out, "    chains to {target}: its pods act as that role");
            }
            for permission in &aws.permissions {
                let _ = writeln!(
                    out,
                    "    {} {} on {}{} ({} {})",
                    permission.effect,
                    permission.actions.join(", "),
                    permission.resources.join(", "),
                    if permission.conditions.is_empty() {
                        ""
                    } else {
                        " with conditions"
                    },
                    permission.policy_file,
                    permission.sid
                );
            }
            for managed in &aws.managed_policies {
                let _ = writeln!(out, "    managed policy {managed}");
            }
        }
    }
}

/// A grant's permissions in one line (`diff` shows grants so too).
pub(crate) fn permissions(access: &KubernetesAccess) -> String {
    if !access.rules_known {
        return format!("{} (rules not in the spec)", access.role.describe());
    }
    let rules: Vec<String> = access.rules.iter().map(rule_text).collect();
    match &access.role {
        super::RoleRef::Role(_) => rules.join("; "),
        other => format!("{} ({})", other.describe(), summarise(&rules)),
    }
}

fn rule_text(rule: &Rule) -> String {
    let names = if rule.resource_names.is_empty() {
        String::new()
    } else {
        format!(" [{}]", rule.resource_names.join(", "))
    };
    format!(
        "{}{names}: {}",
        rule.resources.join(", "),
        rule.verbs.join(", ")
    )
}

/// A built-in role's many rules, shortened for one line.
fn summarise(rules: &[String]) -> String {
    match rules {
        [one] => one.clone(),
        many => format!("{} rules", many.len()),
    }
}

/// The JSON form, as [`Explanation`] and `docs/explain.schema.json`
/// define it.
pub fn json(explanation: &Explanation) -> String {
    let mut text = serde_json::to_string_pretty(explanation).expect("an explanation serialises");
    text.push('\n');
    text
}

/// Who-can answers as a table.
pub fn answers(answers: &[Answer]) -> String {
    if answers.is_empty() {
        return "nobody in the spec\n".to_string();
    }
    let mut out = String::new();
    for answer in answers {
        let _ = writeln!(
            out,
            "{:<7} {}  {}  {}",
            answer.verdict, answer.subject, answer.scope, answer.through
        );
    }
    out
}
