//! An [`Explanation`] laid out for people (a text table), for tools (JSON),
//! and as a [`Picture`] (Mermaid, which GitHub renders in ACCESS.md, and
//! Graphviz DOT).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::who_can::Answer;
use super::{Explanation, KubernetesAccess, Mechanism, RoleRef, Rule, Subject, SubjectKind};

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

/// Text inside a Mermaid `"..."` label: `"`, `<`, `>` and the backtick
/// are written as entities, so that no label can end early, read as HTML,
/// or close the Markdown fence ACCESS.md puts the graph in.
fn mermaid_label(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('`', "#96;")
}

/// What the pictures draw: every subject in key order, with its edge to
/// AWS and an edge per Kubernetes grant. [`Picture::of`] takes it from an
/// explanation; [`super::picture`] from the model, without the statements
/// and rules that a picture does not show, which building a whole
/// explanation for ACCESS.md's picture held at the peak of rendering.
pub struct Picture {
    subjects: Vec<Drawn>,
}

/// One subject of a picture.
pub(super) struct Drawn {
    key: String,
    kind: SubjectKind,
    /// The label of a workload's edge to AWS, when it has a role.
    aws: Option<String>,
    grants: Vec<Grant>,
}

/// One Kubernetes grant of a picture: where it lands and what it is.
struct Grant {
    cluster: String,
    /// `None`: cluster-wide.
    namespace: Option<String>,
    mechanism: Mechanism,
    role: RoleRef,
}

impl Grant {
    /// The edge label: the mechanism and what it grants.
    fn label(&self) -> String {
        match &self.role {
            RoleRef::AccessPolicy(policy) => format!("access policy {policy}"),
            role => format!("{}: {}", self.mechanism.describe(), role.describe()),
        }
    }
}

impl Drawn {
    pub(super) fn new(key: String, kind: SubjectKind, aws: Option<String>) -> Self {
        Drawn {
            key,
            kind,
            aws,
            grants: Vec::new(),
        }
    }

    /// Adds a grant, keeping only what the picture shows of it.
    pub(super) fn grant(&mut self, access: KubernetesAccess) {
        self.grants.push(Grant {
            cluster: access.cluster,
            namespace: access.namespace,
            mechanism: access.mechanism,
            role: access.role,
        });
    }
}

impl Picture {
    /// The picture of an explanation.
    pub fn of(explanation: &Explanation) -> Self {
        Self::new(
            explanation
                .subjects
                .iter()
                .map(|subject| {
                    let mut drawn =
                        Drawn::new(subject.key.clone(), subject.kind, aws_edge(subject));
                    for access in &subject.kubernetes {
                        drawn.grant(access.clone());
                    }
                    drawn
                })
                .collect(),
        )
    }

    /// A picture of these subjects, in key order.
    pub(super) fn new(mut subjects: Vec<Drawn>) -> Self {
        subjects.sort_by(|a, b| a.key.cmp(&b.key));
        Picture { subjects }
    }

    fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.subjects.iter().flat_map(|s| &s.grants)
    }
}

/// Where a picture puts things: the clusters with their namespaces (and
/// whether anything is cluster-wide), and an identifier for every node.
/// Identifiers are numbered, so that no two keys can meet in one (`a-b` and
/// `a_b` would, were keys spelled into them).
struct Layout {
    /// Per cluster, its namespaces (`None`: cluster-wide), sorted.
    clusters: Vec<(String, Vec<Option<String>>)>,
}

impl Layout {
    fn of(picture: &Picture) -> Self {
        let mut clusters: Vec<(String, Vec<Option<String>>)> = Vec::new();
        for grant in picture.grants() {
            let at = match clusters.iter().position(|(c, _)| *c == grant.cluster) {
                Some(at) => at,
                None => {
                    clusters.push((grant.cluster.clone(), Vec::new()));
                    clusters.len() - 1
                }
            };
            if !clusters[at].1.contains(&grant.namespace) {
                clusters[at].1.push(grant.namespace.clone());
            }
        }
        clusters.sort();
        for (_, namespaces) in &mut clusters {
            namespaces.sort();
        }
        Layout { clusters }
    }

    fn cluster_id(&self, cluster: &str) -> String {
        let at = self
            .clusters
            .iter()
            .position(|(c, _)| c == cluster)
            .expect("laid out");
        format!("cluster{}", at + 1)
    }

    fn place_id(&self, cluster: &str, namespace: Option<&str>) -> String {
        let at = self
            .clusters
            .iter()
            .position(|(c, _)| c == cluster)
            .expect("laid out");
        let place = self.clusters[at]
            .1
            .iter()
            .position(|n| n.as_deref() == namespace)
            .expect("laid out");
        format!("c{}p{}", at + 1, place + 1)
    }
}

/// A subject's node identifier, by its place in the picture.
fn subject_id(index: usize) -> String {
    format!("s{}", index + 1)
}

/// A workload's edge to AWS, in numbers.
pub(super) struct AwsEdge<'a> {
    /// How its pods get the role: `pod-identity`, `irsa`, or `role` when
    /// it runs on no cluster.
    pub mechanism: &'a str,
    /// The role's ARN.
    pub role_arn: &'a str,
    /// The ARN of the role it chains to.
    pub chains_to: Option<&'a str>,
    /// How many statements the policies the pods act under hold.
    pub statements: usize,
    /// How many managed policies are attached besides.
    pub managed_policies: usize,
}

impl AwsEdge<'_> {
    /// The edge label: how the pods get the role, and how many statements
    /// and managed policies it carries.
    pub(super) fn label(&self) -> String {
        let name = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
        let mut parts = vec![format!("{}: role {}", self.mechanism, name(self.role_arn))];
        if let Some(target) = self.chains_to {
            parts.push(format!("as {}", name(target)));
        }
        if self.statements > 0 {
            parts.push(crate::text::count(self.statements, "statement"));
        }
        if self.managed_policies > 0 {
            parts.push(crate::text::count(self.managed_policies, "managed policy"));
        }
        parts.join(", ")
    }
}

/// The AWS edge of an explained workload with a role.
fn aws_edge(subject: &Subject) -> Option<String> {
    let aws = &subject.aws;
    let role_arn = aws.identity.as_ref()?;
    if subject.kind == SubjectKind::Principal {
        return None;
    }
    let edge = AwsEdge {
        mechanism: aws.assumed_by.first().map_or("role", |a| a.mechanism),
        role_arn,
        chains_to: aws.chains_to.as_deref(),
        statements: aws.permissions.len(),
        managed_policies: aws.managed_policies.len(),
    };
    Some(edge.label())
}

/// The Mermaid flowchart: clusters as subgraphs of their namespaces,
/// subjects on the left (workloads rounded, principals square), an edge per
/// grant labelled with the mechanism and what it grants, and an edge to AWS
/// per workload role.
pub fn mermaid(picture: &Picture) -> String {
    let layout = Layout::of(picture);
    let mut out = String::from("flowchart LR\n");
    for (cluster, namespaces) in &layout.clusters {
        let _ = writeln!(
            out,
            "  subgraph {}[\"cluster {}\"]",
            layout.cluster_id(cluster),
            mermaid_label(cluster)
        );
        for namespace in namespaces {
            let _ = writeln!(
                out,
                "    {}[\"{}\"]",
                layout.place_id(cluster, namespace.as_deref()),
                mermaid_label(namespace.as_deref().unwrap_or("cluster-wide"))
            );
        }
        out.push_str("  end\n");
    }
    if picture.subjects.iter().any(|s| s.aws.is_some()) {
        out.push_str("  aws[(\"AWS\")]\n");
    }
    for (index, subject) in picture.subjects.iter().enumerate() {
        let node = subject_id(index);
        let label = mermaid_label(&subject.key);
        match subject.kind {
            SubjectKind::Workload => {
                let _ = writeln!(out, "  {node}([\"{label}\"])");
            }
            SubjectKind::Principal => {
                let _ = writeln!(out, "  {node}[\"{label}\"]");
            }
        }
        if let Some(edge) = &subject.aws {
            let _ = writeln!(out, "  {node} -->|\"{}\"| aws", mermaid_label(edge));
        }
        for grant in &subject.grants {
            let _ = writeln!(
                out,
                "  {node} -->|\"{}\"| {}",
                mermaid_label(&grant.label()),
                layout.place_id(&grant.cluster, grant.namespace.as_deref())
            );
        }
    }
    out
}

/// Text inside a DOT `"..."` string.
fn dot_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The same picture as [`mermaid`], in Graphviz DOT.
pub fn dot(picture: &Picture) -> String {
    let layout = Layout::of(picture);
    let mut out = String::from("digraph eksgrant {\n  rankdir=LR;\n");
    for (cluster, namespaces) in &layout.clusters {
        // Graphviz draws a subgraph as a box only when its name starts with
        // `cluster`.
        let _ = writeln!(
            out,
            "  subgraph {} {{\n    label={};",
            layout.cluster_id(cluster),
            dot_string(&format!("cluster {cluster}"))
        );
        for namespace in namespaces {
            let _ = writeln!(
                out,
                "    {} [label={}, shape=box];",
                layout.place_id(cluster, namespace.as_deref()),
                dot_string(namespace.as_deref().unwrap_or("cluster-wide"))
            );
        }
        out.push_str("  }\n");
    }
    if picture.subjects.iter().any(|s| s.aws.is_some()) {
        out.push_str("  aws [label=\"AWS\", shape=cylinder];\n");
    }
    for (index, subject) in picture.subjects.iter().enumerate() {
        let node = subject_id(index);
        let shape = match subject.kind {
            SubjectKind::Workload => "ellipse",
            SubjectKind::Principal => "box",
        };
        let _ = writeln!(
            out,
            "  {node} [label={}, shape={shape}];",
            dot_string(&subject.key)
        );
        if let Some(edge) = &subject.aws {
            let _ = writeln!(out, "  {node} -> aws [label={}];", dot_string(edge));
        }
        for grant in &subject.grants {
            let _ = writeln!(
                out,
                "  {node} -> {} [label={}];",
                layout.place_id(&grant.cluster, grant.namespace.as_deref()),
                dot_string(&grant.label())
            );
        }
    }
    out.push_str("}\n");
    out
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
