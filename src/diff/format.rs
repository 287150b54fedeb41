//! A [`Diff`] laid out for people (plain text, each change a `+` or `-`
//! line, as explain's table is laid out), for a pull request's job summary
//! (Markdown), and for tools (JSON).
//!
//! Text and Markdown say the same lines: each is made once, of eksgrant's
//! own words and the spec's values, and only then written out, the values
//! as they are in text and as code spans in Markdown, where nothing in them
//! can be read as Markdown.

use std::fmt::Write as _;

use super::{
    AwsPermissions, ClusterChange, Diff, KubernetesPermissions, ScopeChange, Sides, Status,
    SubjectChange,
};
use crate::explain::{Assumption, KubernetesAccess, SubjectKind};
use crate::render::markdown_code;
use crate::text::style;

/// The JSON form, as [`Diff`] and `docs/diff.schema.json` define it.
pub fn json(diff: &Diff) -> String {
    let mut text = serde_json::to_string_pretty(diff).expect("a diff serialises");
    text.push('\n');
    text
}

/// What `kubectl apply` leaves behind, said where revocations are listed.
const REVOKED: &str =
    "no longer written: eksgrant's apply order (ACCESS.md) deletes them, as kubectl apply does not";

/// A piece of a line.
enum Part {
    /// eksgrant's own words.
    Words(String),
    /// A value from the spec or the model: a key, an ARN, a verb.
    Value(String),
}

/// A line of parts.
#[derive(Default)]
struct Text(Vec<Part>);

impl Text {
    fn words(mut self, words: impl Into<String>) -> Self {
        self.0.push(Part::Words(words.into()));
        self
    }

    fn value(mut self, value: impl Into<String>) -> Self {
        self.0.push(Part::Value(value.into()));
        self
    }

    /// Values joined with `, `.
    fn values<I: IntoIterator<Item = S>, S: Into<String>>(mut self, values: I) -> Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self = self.words(", ");
            }
            self = self.value(value);
        }
        self
    }

    fn then(mut self, other: Text) -> Self {
        self.0.extend(other.0);
        self
    }

    fn plain(&self) -> String {
        self.0
            .iter()
            .map(|part| match part {
                Part::Words(text) | Part::Value(text) => text.as_str(),
            })
            .collect()
    }

    fn markdown(&self) -> String {
        self.0
            .iter()
            .map(|part| match part {
                Part::Words(text) => text.clone(),
                Part::Value(text) => code(text),
            })
            .collect()
    }
}

/// A value as a Markdown code span, escaped as ACCESS.md's `md_code` filter
/// escapes it (one line, no backtick that could end the span), but for `|`,
/// which only a table cell must escape and which a code span elsewhere would
/// show with its backslash.
fn code(value: &str) -> String {
    format!("`{}`", markdown_code(value).replace("\\|", "|"))
}

/// A value as a code span in a Markdown table cell.
fn cell(value: &str) -> String {
    format!("`{}`", markdown_code(value))
}

/// Whether a line says what is gained, lost, or what could not be counted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sign {
    Gain,
    Loss,
    Unknown,
}

/// One change of a subject, with the path that gives it when it has one.
struct Line {
    sign: Sign,
    /// `gains ` or `loses `, which the text form says and Markdown's
    /// headings say for it.
    lead: &'static str,
    text: Text,
    via: Option<String>,
}

impl Line {
    fn new(sign: Sign, text: Text) -> Self {
        Line {
            sign,
            lead: "",
            text,
            via: None,
        }
    }
}

/// A cluster, or a namespace in it: `workload/jobs`, or `workload`
/// cluster-wide.
fn scope(cluster: &str, namespace: Option<&str>) -> Text {
    match namespace {
        Some(namespace) => Text::default()
            .words("in ")
            .value(format!("{cluster}/{namespace}")),
        None => Text::default().words("cluster-wide in ").value(cluster),
    }
}

/// Lines for a value that went from `before` to `after`.
fn replaced(sides: &Sides, what: &str) -> Vec<Line> {
    if !sides.changed() {
        return Vec::new();
    }
    let line = |sign, value: &String| Line::new(sign, Text::default().words(what).value(value));
    let mut lines: Vec<Line> = sides.before.iter().map(|v| line(Sign::Loss, v)).collect();
    lines.extend(sides.after.iter().map(|v| line(Sign::Gain, v)));
    lines
}

fn assumption(assumption: &Assumption) -> Text {
    Text::default()
        .words("assumed by ServiceAccount ")
        .value(format!(
            "{}/{}",
            assumption.namespace, assumption.service_account
        ))
        .words(" on ")
        .value(&assumption.cluster)
        .words(" (")
        .value(assumption.mechanism)
        .words(")")
}

fn aws(permissions: &AwsPermissions) -> Text {
    let mut text = Text::default()
        .words(format!("{} ", permissions.effect))
        .values(permissions.actions.iter().map(String::as_str))
        .words(" on ")
        .value(&permissions.resource);
    for (i, (operator, keys)) in permissions.conditions.iter().enumerate() {
        for (j, (key, values)) in keys.iter().enumerate() {
            text = text
                .words(if i + j == 0 { " when " } else { " and " })
                .value(operator)
                .words(" ")
                .value(key)
                .words(" ")
                .values(values.iter().map(String::as_str));
        }
    }
    text
}

fn grant(access: &KubernetesAccess) -> Line {
    let text = Text::default()
        .words("grant ")
        .then(scope(&access.cluster, access.namespace.as_deref()))
        .words(": ")
        .value(crate::explain::format::permissions(access));
    Line {
        via: Some(access.path.clone()),
        ..Line::new(Sign::Gain, text)
    }
}

/// A resource as `kubectl` names it: `pods`, `deployments.apps`,
/// `deployments.apps/scale`, with the one object it is limited to.
fn resource(permissions: &KubernetesPermissions) -> String {
    let (base, sub) = match permissions.resource.split_once('/') {
        Some((base, sub)) => (base, format!("/{sub}")),
        None => (permissions.resource.as_str(), String::new()),
    };
    let group = if permissions.api_group.is_empty() {
        String::new()
    } else {
        format!(".{}", permissions.api_group)
    };
    let name = permissions
        .resource_name
        .as_ref()
        .map(|name| format!(" [{name}]"))
        .unwrap_or_default();
    format!("{base}{group}{sub}{name}")
}

/// `create, delete on pods, deployments.apps`: the resources that share
/// their verbs on one line, in the order they come.
fn verbs_on(permissions: &[KubernetesPermissions]) -> Vec<Text> {
    let mut groups: Vec<(&[String], Vec<String>)> = Vec::new();
    for permission in permissions {
        match groups
            .iter_mut()
            .find(|(verbs, _)| *verbs == permission.verbs.as_slice())
        {
            Some((_, resources)) => resources.push(resource(permission)),
            None => groups.push((&permission.verbs, vec![resource(permission)])),
        }
    }
    groups
        .into_iter()
        .map(|(verbs, resources)| {
            Text::default()
                .values(verbs.iter().map(String::as_str))
                .words(" on ")
                .values(resources)
        })
        .collect()
}

fn scope_lines(change: &ScopeChange) -> Vec<Line> {
    let place = || scope(&change.cluster, change.namespace.as_deref());
    let mut lines = Vec::new();
    for (sign, lead, permissions) in [
        (Sign::Loss, "loses ", &change.lost),
        (Sign::Gain, "gains ", &change.gained),
    ] {
        for text in verbs_on(permissions) {
            lines.push(Line {
                lead,
                ..Line::new(sign, text.words(" ").then(place()))
            });
        }
    }
    if !change.unknown_rules.is_empty() {
        let roles = change
            .unknown_rules
            .iter()
            .map(crate::explain::RoleRef::describe);
        let text = place()
            .words(": ")
            .values(roles)
            .words(", whose rules are not in the spec");
        lines.push(Line {
            lead: "not counted ",
            ..Line::new(Sign::Unknown, text)
        });
    }
    lines
}

/// Every change of a subject, in the order: its identity, who can become
/// it, its AWS permissions, its Kubernetes grants, what they allow.
fn subject_lines(subject: &SubjectChange) -> Vec<Line> {
    let mut lines = replaced(&subject.identity, "AWS identity ");
    lines.extend(replaced(&subject.chains_to, "chains to "));
    let mut both = |changes: (Vec<Text>, Vec<Text>)| {
        let (gained, lost) = changes;
        lines.extend(lost.into_iter().map(|text| Line::new(Sign::Loss, text)));
        lines.extend(gained.into_iter().map(|text| Line::new(Sign::Gain, text)));
    };
    both((
        subject.assumed_by.gained.iter().map(assumption).collect(),
        subject.assumed_by.lost.iter().map(assumption).collect(),
    ));
    both((
        subject.aws_permissions.gained.iter().map(aws).collect(),
        subject.aws_permissions.lost.iter().map(aws).collect(),
    ));
    let managed = |arn: &String| Text::default().words("managed policy ").value(arn);
    both((
        subject
            .managed_policies
            .gained
            .iter()
            .map(managed)
            .collect(),
        subject.managed_policies.lost.iter().map(managed).collect(),
    ));
    for access in &subject.kubernetes_grants.lost {
        lines.push(Line {
            sign: Sign::Loss,
            ..grant(access)
        });
    }
    lines.extend(subject.kubernetes_grants.gained.iter().map(grant));
    for change in &subject.kubernetes_permissions {
        lines.extend(scope_lines(change));
    }
    lines
}

fn kind(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Workload => "workload",
        SubjectKind::Principal => "principal",
    }
}

fn status(status: Status) -> &'static str {
    match status {
        Status::Added => ", added",
        Status::Removed => ", removed",
        Status::Changed => "",
    }
}

/// Which specs were compared.
fn compared(diff: &Diff) -> Text {
    if diff.old_spec_exists {
        Text::default()
            .words("Compared ")
            .value(&diff.old_spec)
            .words(" (before) with ")
            .value(&diff.new_spec)
            .words(" (after).")
    } else {
        Text::default()
            .value(&diff.old_spec)
            .words(" does not exist: everything in ")
            .value(&diff.new_spec)
            .words(" is new.")
    }
}

/// The text form: which specs were compared, then each subject and cluster
/// with a change, each change a line; `colour` colours gains and losses.
pub fn human(diff: &Diff, colour: bool) -> String {
    let mut out = compared(diff).plain();
    out.push('\n');
    if diff.is_empty() {
        out.push_str("No access changes.\n");
        return out;
    }
    for subject in &diff.subjects {
        let _ = writeln!(
            out,
            "\n{} ({}{})",
            subject.key,
            kind(subject.kind),
            status(subject.status)
        );
        for line in subject_lines(subject) {
            let (mark, style) = match line.sign {
                Sign::Gain => ('+', Some(style::GAIN)),
                Sign::Loss => ('-', Some(style::LOSS)),
                Sign::Unknown => ('?', None),
            };
            let text = format!("{mark} {}{}", line.lead, line.text.plain());
            if let Some(style) = style.filter(|_| colour) {
                let _ = writeln!(out, "  {style}{text}{style:#}");
            } else {
                let _ = writeln!(out, "  {text}");
            }
            if let Some(via) = &line.via {
                let _ = writeln!(out, "      via {via}");
            }
        }
    }
    for cluster in &diff.clusters {
        let _ = writeln!(out, "\n{} (cluster{})", cluster.key, status(cluster.status));
        for line in mode_lines(cluster) {
            let _ = writeln!(out, "  {}", line.plain());
        }
        if !cluster.revoked.is_empty() {
            let _ = writeln!(out, "  {}:", capitalised(REVOKED));
            for object in &cluster.revoked {
                let name = match &object.namespace {
                    Some(namespace) => format!("{namespace}/{}", object.name),
                    None => object.name.clone(),
                };
                let line = format!("- {} {name}", object.kind);
                if colour {
                    let loss = style::LOSS;
                    let _ = writeln!(out, "    {loss}{line}{loss:#}");
                } else {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What changed of a cluster's authentication mode, or what it is for a
/// cluster added.
fn mode_lines(cluster: &ClusterChange) -> Vec<Text> {
    let mode = &cluster.authentication_mode;
    match (&mode.before, &mode.after) {
        (Some(before), Some(after)) if before != after => vec![
            Text::default()
                .words("authentication mode ")
                .value(before)
                .words(" -> ")
                .value(after),
        ],
        (None, Some(after)) => vec![Text::default().words("authentication mode ").value(after)],
        _ => Vec::new(),
    }
}

/// The Markdown form, for a pull request's job summary: a heading, which
/// specs were compared, a section per subject with what it gains and
/// loses, then the clusters, each object no longer written a table row.
pub fn markdown(diff: &Diff) -> String {
    let mut out = String::from("## eksgrant: access changes\n\n");
    let _ = writeln!(out, "{}\n", compared(diff).markdown());
    if diff.is_empty() {
        out.push_str("No access changes.\n");
        return out;
    }
    for subject in &diff.subjects {
        let _ = writeln!(out, "### {}\n", code(&subject.key));
        let _ = write!(
            out,
            "{}{}",
            capitalised(kind(subject.kind)),
            status(subject.status)
        );
        // Who it is, unless a line below says so.
        match &subject.identity.after {
            Some(identity) if !subject.identity.changed() => {
                let _ = writeln!(out, ", AWS identity {}.\n", code(identity));
            }
            _ => out.push_str(".\n\n"),
        }
        let lines = subject_lines(subject);
        for (sign, heading) in [
            (Sign::Gain, "Gains"),
            (Sign::Loss, "Loses"),
            (Sign::Unknown, "Not counted"),
        ] {
            let items: Vec<&Line> = lines.iter().filter(|l| l.sign == sign).collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{heading}:\n");
            for line in items {
                let _ = write!(out, "- {}", line.text.markdown());
                if let Some(via) = &line.via {
                    let _ = write!(out, ", via {}", code(via));
                }
                out.push('\n');
            }
            out.push('\n');
        }
    }
    if !diff.clusters.is_empty() {
        out.push_str("### Clusters\n\n");
    }
    for cluster in &diff.clusters {
        let _ = writeln!(out, "#### {}\n", code(&cluster.key));
        let mut lines: Vec<String> = match cluster.status {
            Status::Changed => Vec::new(),
            Status::Added => vec!["added".to_string()],
            Status::Removed => vec!["removed".to_string()],
        };
        lines.extend(mode_lines(cluster).iter().map(Text::markdown));
        for line in &lines {
            let _ = writeln!(out, "- {line}");
        }
        if !lines.is_empty() {
            out.push('\n');
        }
        if cluster.revoked.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "Objects {}:\n\n| Kind | Namespace | Name |\n| --- | --- | --- |",
            REVOKED.replace("kubectl apply", "`kubectl apply`")
        );
        for object in &cluster.revoked {
            let namespace = object
                .namespace
                .as_deref()
                .map_or_else(|| "(cluster-scoped)".to_string(), cell);
            let _ = writeln!(
                out,
                "| {} | {namespace} | {} |",
                object.kind,
                cell(&object.name)
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_break_out_of_their_code_spans() {
        let text = Text::default().words("on ").value("a`b|c\nd");
        assert_eq!(text.markdown(), "on `a'b|c d`");
        assert_eq!(text.plain(), "on a`b|c\nd");
        assert_eq!(cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn resources_are_named_as_kubectl_names_them() {
        let permissions = |group: &str, resource: &str, name: Option<&str>| KubernetesPermissions {
            api_group: group.to_string(),
            resource: resource.to_string(),
            resource_name: name.map(ToString::to_string),
            verbs: vec!["get".to_string()],
        };
        assert_eq!(resource(&permissions("", "pods/log", None)), "pods/log");
        assert_eq!(
            resource(&permissions("apps", "deployments/scale", None)),
            "deployments.apps/scale"
        );
        assert_eq!(
            resource(&permissions("", "configmaps", Some("app"))),
            "configmaps [app]"
        );
    }
}
