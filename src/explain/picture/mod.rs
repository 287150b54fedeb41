//! The pictures of who can do what, designed to be looked at, not read:
//! the tables of ACCESS.md and `eksgrant explain` carry every rule and
//! statement, so a picture shows only what an eye can follow.
//!
//! - One picture per cluster: who is granted anything on it (left), its
//!   namespaces and the whole cluster (right; a group bound outside
//!   eksgrant goes to a box of its own), and one arrow per subject, place
//!   and mechanism, labelled with the level granted (`view`, `edit`,
//!   `admin`, `cluster-admin`, `3 rules`). The mechanism is the arrow's
//!   line, which a legend in the picture explains.
//! - One picture of AWS: each workload with a role, the role its pods get
//!   (and the role it chains to), and the services that role may call.
//!
//! Past [`CLUSTER_LIMITS`] and [`AWS_LIMITS`] no layout stays legible, so such a picture is not drawn:
//! its place says how large it would be and where the table is.

mod dot;
mod graph;
mod mermaid;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use graph::{Graph, Line, Shape};

use super::{Explanation, KubernetesAccess, Mechanism, RoleRef, SubjectKind};
use crate::aws::arn::Arn;
use crate::rbac::{access_policies, cluster_roles};

use dot::dot;
use mermaid::mermaid;

/// The largest picture of a cluster that is drawn. Chosen by rendering
/// specs of growing size (`.ci/picture-limits.py` writes them) with
/// Mermaid 11 (`.ci/render-pictures.sh`) and looking: with 12 subjects on
/// 8 namespaces, two grants each (20 boxes, 24 arrows), every arrow can
/// still be followed and most labels sit clear of the others; with 16
/// subjects (24 boxes, 32 arrows) arrows run together in the column before
/// the namespaces, and labels can no longer be told apart.
pub const CLUSTER_LIMITS: Size = Size {
    nodes: 20,
    edges: 24,
    longest_label: 40,
};

/// The largest picture of AWS identities that is drawn. Its arrows to
/// services carry no label (but `every action`) and most fan out from one
/// role, so it stays legible longer: tests/cases/presets-batch1.toml's (26
/// boxes, 27 arrows) reads well; in presets-batch2's (29 boxes, 27 arrows)
/// arrows from different roles cross on their way to the services they
/// share. No picture looked at had more than 27 arrows: 30 leaves room for
/// a few more labelless ones.
pub const AWS_LIMITS: Size = Size {
    nodes: 28,
    edges: 30,
    longest_label: 40,
};

/// How large a picture is: what [`CLUSTER_LIMITS`] and [`AWS_LIMITS`]
/// bound, and what a test checks of every example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Boxes, not counting the legend's.
    pub nodes: usize,
    /// Arrows, not counting the legend's.
    pub edges: usize,
    /// The longest label of a box or an arrow, in characters; 0 for a
    /// picture too large to draw, whose labels are not made.
    pub longest_label: usize,
}

impl Size {
    /// Whether a picture of this size fits `limits`. The longest label
    /// does not count when deciding to draw, since a long key cannot be
    /// shortened without losing who it is; a test holds the examples to it.
    pub fn fits(self, limits: Size) -> bool {
        self.nodes <= limits.nodes && self.edges <= limits.edges
    }
}

/// What a picture shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// The grants on one cluster (its key).
    Cluster(String),
    /// The AWS identities of the workloads.
    Aws,
}

/// One picture: drawn, or too large to draw.
pub struct Picture {
    /// What it shows.
    pub topic: Topic,
    content: Content,
}

enum Content {
    /// Within its limits: what [`markdown`] and [`dot_or_note`] write.
    Drawn(Graph),
    /// Past them: only how large it would be, a lower bound when
    /// `partial` (what was left out could only add to it).
    TooLarge { size: Size, partial: bool },
}

impl Picture {
    /// `graph` as a picture of `topic`, unless it is too large to draw.
    fn new(topic: Topic, graph: Graph) -> Self {
        let mut picture = Picture {
            topic,
            content: Content::Drawn(graph),
        };
        let size = picture.size();
        if !size.fits(picture.limits()) {
            picture.content = Content::TooLarge {
                size: Size {
                    longest_label: 0,
                    ..size
                },
                partial: false,
            };
        }
        picture
    }

    /// The cluster it shows, if it shows one.
    fn cluster_key(&self) -> Option<&str> {
        match &self.topic {
            Topic::Cluster(key) => Some(key),
            Topic::Aws => None,
        }
    }

    /// The picture's title: `cluster platform`, `AWS identities`.
    pub fn title(&self) -> String {
        match &self.topic {
            Topic::Cluster(key) => format!("cluster {key}"),
            Topic::Aws => "AWS identities".to_string(),
        }
    }

    /// The limits it is drawn within.
    pub fn limits(&self) -> Size {
        match self.topic {
            Topic::Cluster(_) => CLUSTER_LIMITS,
            Topic::Aws => AWS_LIMITS,
        }
    }

    /// How large it is.
    pub fn size(&self) -> Size {
        match &self.content {
            Content::Drawn(graph) => {
                let labels = graph
                    .nodes
                    .iter()
                    .map(|n| &n.label)
                    .chain(graph.edges.iter().map(|e| &e.label));
                Size {
                    nodes: graph.nodes.len(),
                    edges: graph.edges.len(),
                    longest_label: labels.map(|l| l.chars().count()).max().unwrap_or(0),
                }
            }
            Content::TooLarge { size, .. } => *size,
        }
    }

    /// What stands in the picture's place when it is too large to draw:
    /// how large it would be, ending where the reader goes instead.
    pub fn not_drawn(&self, instead: &str) -> Option<String> {
        let Content::TooLarge { size, partial } = &self.content else {
            return None;
        };
        let limits = self.limits();
        Some(format!(
            "Not drawn: {} would have {}{} boxes and {} arrows, more than a picture keeps \
             legible (at most {} boxes and {} arrows); {instead}",
            self.title(),
            if *partial { "at least " } else { "" },
            size.nodes,
            size.edges,
            limits.nodes,
            limits.edges,
        ))
    }
}

/// Every picture of a spec (or of what `explain` was asked about): the
/// clusters anything is granted on, by key, then AWS when any workload has
/// a role.
pub struct Pictures {
    /// A picture per cluster anything is granted on, by key.
    pub clusters: Vec<Picture>,
    /// The workloads' roles; `None` when no workload has one.
    pub aws: Option<Picture>,
}

impl Pictures {
    /// The pictures of an explanation.
    pub fn of(explanation: &Explanation) -> Self {
        Self::new(
            explanation
                .subjects
                .iter()
                .map(|subject| {
                    let aws = subject.aws.identity.as_ref().and_then(|arn| {
                        (subject.kind == SubjectKind::Workload).then(|| {
                            AwsIdentity::new(
                                subject.aws.assumed_by.first().map(|a| a.mechanism),
                                arn,
                                subject.aws.chains_to.as_deref(),
                                Some(
                                    subject
                                        .aws
                                        .permissions
                                        .iter()
                                        .filter(|p| p.effect == "Allow")
                                        .flat_map(|p| &p.actions)
                                        .map(String::as_str),
                                ),
                                &subject.aws.managed_policies,
                            )
                        })
                    });
                    let mut drawn = Drawn::new(subject.key.clone(), subject.kind, aws);
                    for access in &subject.kubernetes {
                        drawn.grant(access.clone());
                    }
                    drawn
                })
                .collect(),
        )
    }

    /// The pictures of these subjects.
    pub(super) fn new(mut subjects: Vec<Drawn>) -> Self {
        subjects.sort_by(|a, b| a.key.cmp(&b.key));
        // Each cluster's grants, by subject in key order, in one pass.
        let mut by_cluster: BTreeMap<&str, Vec<(&Drawn, &Grant)>> = BTreeMap::new();
        for subject in &subjects {
            for grant in &subject.grants {
                by_cluster
                    .entry(grant.cluster.as_str())
                    .or_default()
                    .push((subject, grant));
            }
        }
        Pictures {
            clusters: by_cluster
                .into_iter()
                .map(|(cluster, grants)| cluster_picture(cluster, &grants))
                .collect(),
            aws: subjects
                .iter()
                .any(|s| s.aws.is_some())
                .then(|| aws_picture(&subjects)),
        }
    }

    /// Every picture, clusters first.
    pub fn all(&self) -> impl Iterator<Item = &Picture> {
        self.clusters.iter().chain(&self.aws)
    }

    /// The picture of cluster `key`, if anything is granted on it.
    pub fn cluster(&self, key: &str) -> Option<&Picture> {
        self.clusters
            .binary_search_by(|p| p.cluster_key().cmp(&Some(key)))
            .ok()
            .map(|at| &self.clusters[at])
    }
}

/// A subject as the pictures need it.
pub(super) struct Drawn {
    key: String,
    kind: SubjectKind,
    aws: Option<AwsIdentity>,
    grants: Vec<Grant>,
}

impl Drawn {
    pub(super) fn new(key: String, kind: SubjectKind, aws: Option<AwsIdentity>) -> Self {
        Drawn {
            key,
            kind,
            aws,
            grants: Vec::new(),
        }
    }

    /// Adds a grant, keeping only what the pictures show of it.
    pub(super) fn grant(&mut self, access: KubernetesAccess) {
        self.grants.push(Grant {
            level: Level::of(&access.role, access.rules.len(), access.rules_known),
            place: match (&access.role, access.namespace) {
                (RoleRef::Group(_), _) => Place::WhereBound,
                (_, None) => Place::WholeCluster,
                (_, Some(namespace)) => Place::Namespace(namespace),
            },
            cluster: access.cluster,
            line: match access.mechanism {
                Mechanism::AccessPolicy => Line::AccessPolicy,
                Mechanism::AccessEntry => Line::AccessEntry,
                Mechanism::AwsAuth => Line::AwsAuth,
                Mechanism::ServiceAccount => Line::ServiceAccount,
            },
        });
    }
}

/// A workload's role as the AWS picture shows it.
pub(super) struct AwsIdentity {
    /// How pods get the role (`Pod Identity`, `IRSA`); `None` when no
    /// cluster's pods do.
    how: Option<&'static str>,
    role: String,
    /// The role it chains to, with its account (it is often another one,
    /// and often of the same name).
    chains_to: Option<String>,
    /// The services the role its pods act as may call (`*`: every one),
    /// and whether it may call every action of each; `None` when its
    /// policies were not read, the picture too large to draw whatever
    /// they hold.
    services: Option<BTreeMap<String, bool>>,
    /// The names of its managed policies, whose contents eksgrant does not
    /// know.
    managed: Vec<String>,
}

impl AwsIdentity {
    /// A workload's role from what explain knows of it: how its pods get it
    /// (`pod-identity`, `irsa`), its ARN and the ARN it chains to, the
    /// actions its Allow statements list (`None`: not read), and its
    /// managed policies' ARNs.
    pub(super) fn new<'a>(
        mechanism: Option<&str>,
        role_arn: &str,
        chains_to: Option<&str>,
        allowed: Option<impl IntoIterator<Item = &'a str>>,
        managed: &[String],
    ) -> Self {
        let services = allowed.map(|allowed| {
            let mut services = BTreeMap::new();
            for action in allowed {
                // IAM reads service prefixes in any case.
                let (service, name) = action.split_once(':').unwrap_or(("*", "*"));
                let every = services
                    .entry(service.to_ascii_lowercase())
                    .or_insert(false);
                *every |= name == "*";
            }
            services
        });
        AwsIdentity {
            how: mechanism.map(|m| match m {
                "irsa" => "IRSA",
                _ => "Pod Identity",
            }),
            role: last_segment(role_arn).to_string(),
            chains_to: chains_to.map(|arn| match Arn::parse(arn) {
                Some(parsed) => format!("{} in {}", last_segment(arn), parsed.account),
                None => last_segment(arn).to_string(),
            }),
            services,
            managed: managed
                .iter()
                .map(|arn| last_segment(arn).to_string())
                .collect(),
        }
    }
}

/// An ARN's name: what follows its last `/`.
fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// One Kubernetes grant: where it lands, how, and at what level.
struct Grant {
    cluster: String,
    place: Place,
    line: Line,
    level: Level,
}

/// Where a grant lands, in the order a cluster's picture lists places.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// Every namespace and the cluster-scoped resources.
    WholeCluster,
    Namespace(String),
    /// Wherever RBAC outside eksgrant binds the group the subject is
    /// mapped into: eksgrant cannot know.
    WhereBound,
}

impl Place {
    /// The place's box: a namespace's name, or words no namespace can be
    /// named (a namespace is a DNS label).
    fn label(&self) -> &str {
        match self {
            Place::WholeCluster => "whole cluster",
            Place::Namespace(namespace) => namespace,
            Place::WhereBound => "bound outside eksgrant",
        }
    }
}

/// What a grant gives, in a word a Kubernetes user knows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Level {
    /// A built-in ClusterRole (`view`, `cluster-admin`), the ClusterRole an
    /// access policy mirrors, or a name whose rules are not the spec's.
    Named(String),
    /// The spec's own rules, counted.
    Rules(usize),
}

impl Level {
    fn of(role: &RoleRef, rules: usize, rules_known: bool) -> Self {
        match role {
            RoleRef::AccessPolicy(policy) => Level::Named(
                access_policies::cluster_role_of(policy)
                    .map_or_else(|| policy.clone(), str::to_string),
            ),
            RoleRef::ClusterRole(name) if cluster_roles::rules(name).is_some() => {
                Level::Named(name.clone())
            }
            RoleRef::Role(_) | RoleRef::ClusterRole(_) if rules_known => Level::Rules(rules),
            RoleRef::Role(name) | RoleRef::ClusterRole(name) => Level::Named(name.clone()),
            RoleRef::Group(group) => Level::Named(format!("group {group}")),
        }
    }
}

/// The label of an arrow carrying these levels: the names, then the rules
/// counted together (`view, 3 rules`).
fn levels_label(levels: &[&Level]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rules = 0;
    for level in levels {
        match level {
            Level::Named(name) if !parts.contains(name) => parts.push(name.clone()),
            Level::Named(_) => {}
            Level::Rules(count) => rules += count,
        }
    }
    if rules > 0 {
        parts.push(crate::text::count(rules, "rule"));
    }
    parts.join(", ")
}

/// A subject's arrows in a cluster's picture: (place, line) -> the levels
/// they carry.
type Arrows<'a> = BTreeMap<(usize, Line), Vec<&'a Level>>;

/// A cluster's picture from its `grants` (by subject, in key order): its
/// places on the right (the whole cluster, each namespace, and where groups
/// bound outside eksgrant are bound); on the left, every
/// subject granted anything on it, ordered by the first place it reaches
/// so that arrows cross as little as the layout allows. Its size is known
/// before any label is made, so that a cluster too large to draw costs no
/// more than counting.
fn cluster_picture(cluster: &str, grants: &[(&Drawn, &Grant)]) -> Picture {
    let mut places: Vec<&Place> = grants.iter().map(|(_, g)| &g.place).collect();
    places.sort_unstable();
    places.dedup();
    // By binary search: a large spec's cluster has many namespaces, and
    // each grant looks its place up.
    let place_of = |grant: &Grant| {
        places
            .binary_search(&&grant.place)
            .expect("every grant's place is listed")
    };
    // Per subject, its arrows: (place, line) -> the levels they carry.
    let mut subjects: Vec<(usize, &Drawn, Arrows)> = Vec::new();
    for (subject, grant) in grants {
        if subjects
            .last()
            .is_none_or(|(_, last, _)| last.key != subject.key)
        {
            subjects.push((usize::MAX, subject, Arrows::new()));
        }
        let (first, _, arrows) = subjects.last_mut().expect("pushed");
        let place = place_of(grant);
        *first = (*first).min(place);
        arrows
            .entry((place, grant.line))
            .or_default()
            .push(&grant.level);
    }
    subjects.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));

    let topic = Topic::Cluster(cluster.to_string());
    let size = Size {
        nodes: subjects.len() + places.len(),
        edges: subjects.iter().map(|(_, _, arrows)| arrows.len()).sum(),
        longest_label: 0,
    };
    if !size.fits(CLUSTER_LIMITS) {
        return Picture {
            topic,
            content: Content::TooLarge {
                size,
                partial: false,
            },
        };
    }
    let mut graph = Graph::default();
    let subject_nodes: Vec<usize> = subjects
        .iter()
        .map(|(_, s, _)| graph.node(s.key.clone(), subject_shape(s.kind)))
        .collect();
    let place_nodes: Vec<usize> = places
        .iter()
        .map(|p| graph.node(p.label(), Shape::Place))
        .collect();
    for ((_, _, arrows), &from) in subjects.iter().zip(&subject_nodes) {
        for ((place, line), levels) in arrows {
            graph.edge(from, place_nodes[*place], levels_label(levels), *line);
        }
    }
    Picture::new(topic, graph)
}

fn subject_shape(kind: SubjectKind) -> Shape {
    match kind {
        SubjectKind::Workload => Shape::Workload,
        SubjectKind::Principal => Shape::Principal,
    }
}

/// The AWS picture of `subjects`. When some policies were not read (too
/// many workloads for any picture), only its size without services is
/// counted, a lower bound, and nothing is drawn.
fn aws_picture(subjects: &[Drawn]) -> Picture {
    let identities = || subjects.iter().filter_map(|s| s.aws.as_ref());
    if identities().any(|aws| aws.services.is_none()) {
        // A box per workload and its own role (role names are unique), one
        // per role chained to; an arrow to each role.
        let targets: BTreeSet<&str> = identities()
            .filter_map(|aws| aws.chains_to.as_deref())
            .collect();
        let workloads = identities().count();
        let chained = identities().filter(|aws| aws.chains_to.is_some()).count();
        return Picture {
            topic: Topic::Aws,
            content: Content::TooLarge {
                size: Size {
                    nodes: 2 * workloads + targets.len(),
                    edges: workloads + chained,
                    longest_label: 0,
                },
                partial: true,
            },
        };
    }
    Picture::new(Topic::Aws, aws_graph(subjects))
}

/// The AWS picture: each workload with a role, then its role, the role it
/// chains to, and the services and managed policies of the role its pods
/// act as. A role or service several workloads reach is one box.
fn aws_graph(subjects: &[Drawn]) -> Graph {
    let mut graph = Graph::default();
    let mut boxes: BTreeMap<(u8, String), usize> = BTreeMap::new();
    let mut shared = |graph: &mut Graph, column: u8, label: String, shape: Shape| {
        *boxes
            .entry((column, label.clone()))
            .or_insert_with(|| graph.node(label, shape))
    };

    for subject in subjects {
        let Some(aws) = &subject.aws else { continue };
        let workload = graph.node(subject.key.clone(), Shape::Workload);
        let role = shared(&mut graph, 1, format!("role {}", aws.role), Shape::Role);
        graph.edge(
            workload,
            role,
            aws.how.unwrap_or_default().to_string(),
            Line::Assumes,
        );
        let acting = match &aws.chains_to {
            Some(target) => {
                let target = shared(&mut graph, 2, format!("role {target}"), Shape::Role);
                graph.edge(role, target, "assumes".to_string(), Line::Assumes);
                target
            }
            None => role,
        };
        let services = aws
            .services
            .as_ref()
            .expect("aws_picture draws only roles whose policies were read");
        for (service, every) in services {
            let label = if service == "*" {
                "every service".to_string()
            } else {
                service.clone()
            };
            let node = shared(&mut graph, 3, label, Shape::Service);
            let label = if *every { "every action" } else { "" };
            graph.edge(acting, node, label.to_string(), Line::Calls);
        }
        for managed in &aws.managed {
            let node = shared(&mut graph, 3, format!("managed {managed}"), Shape::Service);
            graph.edge(acting, node, String::new(), Line::Calls);
        }
        if aws.chains_to.is_some() && services.is_empty() && aws.managed.is_empty() {
            // A role outside the spec: what it may call is its owner's.
            let node = shared(
                &mut graph,
                3,
                "permissions not in the spec".to_string(),
                Shape::Service,
            );
            graph.edge(acting, node, String::new(), Line::Calls);
        }
    }
    graph.dedup_edges();
    graph
}

/// A picture in Markdown: its Mermaid flowchart in a fence (no label can
/// hold a backtick), or, past its limits, a paragraph saying so that ends
/// with `instead`.
pub fn markdown(picture: &Picture, instead: &str) -> String {
    match (&picture.content, picture.not_drawn(instead)) {
        (Content::Drawn(graph), _) => {
            format!("```mermaid\n{}```\n", mermaid(&picture.title(), graph))
        }
        (Content::TooLarge { .. }, text) => format!("{}\n", text.unwrap_or_default()),
    }
}

/// A picture in DOT, or, past its limits, a digraph of one note saying so
/// that ends with `instead`.
pub fn dot_or_note(picture: &Picture, instead: &str) -> String {
    match (&picture.content, picture.not_drawn(instead)) {
        (Content::Drawn(graph), _) => dot(&picture.title(), graph),
        (Content::TooLarge { .. }, text) => format!(
            "digraph {title} {{\n  note [label={text}, shape=plaintext];\n}}\n",
            title = dot::string(&picture.title()),
            text = dot::string(&text.unwrap_or_default()),
        ),
    }
}

/// Where `explain`'s reader finds what a picture too large to draw would
/// have shown: `eksgrant explain` of the same spec, as a table.
fn explain_instead(picture: &Picture, spec: &str) -> String {
    let spec = crate::text::shell_word(spec);
    match &picture.topic {
        Topic::Cluster(key) => format!(
            "{} lists every grant.",
            crate::text::code_span(&format!(
                "eksgrant explain {spec} --cluster {}",
                crate::text::shell_word(key)
            ))
        ),
        Topic::Aws => format!(
            "{} lists every workload's permissions.",
            crate::text::code_span(&format!("eksgrant explain {spec}"))
        ),
    }
}

/// `explain --format mermaid`: Markdown, with a heading and a Mermaid
/// block (or why there is none) per picture, as GitHub and `mmdc -i
/// FILE.md` draw it.
pub fn markdown_document(pictures: &Pictures, spec: &str) -> String {
    let mut out = String::new();
    for picture in pictures.all() {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = write!(out, "## {}\n\n", picture.title());
        out.push_str(&markdown(picture, &explain_instead(picture, spec)));
    }
    if out.is_empty() {
        out.push_str(NOTHING_TO_DRAW);
        out.push('\n');
    }
    out
}

/// `explain --format dot`: a digraph per picture, one after the other.
pub fn dot_document(pictures: &Pictures, spec: &str) -> String {
    let mut out = String::new();
    for picture in pictures.all() {
        out.push_str(&dot_or_note(picture, &explain_instead(picture, spec)));
    }
    if out.is_empty() {
        out = format!(
            "digraph eksgrant {{\n  note [label={}, shape=plaintext];\n}}\n",
            dot::string(NOTHING_TO_DRAW)
        );
    }
    out
}

/// What a picture of nothing says.
const NOTHING_TO_DRAW: &str =
    "Nothing to draw: no grant on a cluster and no workload with a role in what was asked.";
