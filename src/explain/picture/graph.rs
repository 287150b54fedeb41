//! A picture as both renderers read it: nodes, edges and the kind of line
//! each edge is drawn with, with nothing left for Mermaid or Graphviz to
//! decide but the layout.

/// What a node stands for, which sets its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A workload (its ServiceAccount's pods): rounded.
    Workload,
    /// An IAM principal from outside the spec: square.
    Principal,
    /// A namespace, or the whole cluster: shaded.
    Place,
    /// An IAM role.
    Role,
    /// An AWS service a role may call, or a managed policy whose contents
    /// eksgrant does not know.
    Service,
}

/// How an edge is drawn: in a cluster's picture, the mechanism of the
/// grant (the label says its level); in the AWS picture, what the edge is
/// (the label says it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Line {
    /// An access policy associated with an access entry: thick.
    AccessPolicy,
    /// An access entry's Kubernetes group, bound by RBAC: solid.
    AccessEntry,
    /// An aws-auth mapping's group, bound by RBAC: dotted.
    AwsAuth,
    /// A binding of the workload's own ServiceAccount: dashed.
    ServiceAccount,
    /// A workload's pods get a role, or a role is assumed from another.
    Assumes,
    /// A role may call a service.
    Calls,
}

/// How a line looks, the same in Mermaid and Graphviz.
pub(super) struct Look {
    /// `#rrggbb`, from the Okabe-Ito palette, which colour-blind readers
    /// tell apart; the pattern tells the lines apart without colour.
    pub colour: &'static str,
    /// The stroke width, in pixels.
    pub width: u8,
    pub pattern: Pattern,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pattern {
    Solid,
    Dotted,
    Dashed,
}

impl Line {
    /// The legend's words for the line; `None` for the AWS picture's lines,
    /// whose labels say what they are.
    pub(super) fn legend(self) -> Option<&'static str> {
        match self {
            Line::AccessPolicy => Some("access policy"),
            Line::AccessEntry => Some("access entry group + RBAC"),
            Line::AwsAuth => Some("aws-auth group + RBAC"),
            Line::ServiceAccount => Some("ServiceAccount + RBAC"),
            Line::Assumes | Line::Calls => None,
        }
    }

    pub(super) fn look(self) -> Look {
        let (colour, width, pattern) = match self {
            Line::AccessPolicy => ("#D55E00", 4, Pattern::Solid),
            Line::AccessEntry => ("#0072B2", 2, Pattern::Solid),
            Line::AwsAuth => ("#555555", 2, Pattern::Dotted),
            Line::ServiceAccount => ("#009E73", 2, Pattern::Dashed),
            Line::Assumes => ("#CC79A7", 2, Pattern::Solid),
            Line::Calls => ("#555555", 1, Pattern::Solid),
        };
        Look {
            colour,
            width,
            pattern,
        }
    }
}

pub(super) struct Node {
    pub label: String,
    pub shape: Shape,
}

pub(super) struct Edge {
    /// Indexes into the graph's nodes.
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub line: Line,
}

/// Nodes in the order they are declared (which the layouts follow where
/// they can), and edges between them.
#[derive(Default)]
pub(super) struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Adds a node; returns its index.
    pub(super) fn node(&mut self, label: impl Into<String>, shape: Shape) -> usize {
        self.nodes.push(Node {
            label: label.into(),
            shape,
        });
        self.nodes.len() - 1
    }

    pub(super) fn edge(&mut self, from: usize, to: usize, label: String, line: Line) {
        self.edges.push(Edge {
            from,
            to,
            label,
            line,
        });
    }

    /// Drops every edge that repeats an earlier one's ends and line: two
    /// workloads that chain to one role both reach what it reaches.
    pub(super) fn dedup_edges(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.edges.retain(|e| seen.insert((e.from, e.to, e.line)));
    }

    /// The lines the legend explains, each once, in [`Line`]'s order.
    pub(super) fn legend(&self) -> Vec<Line> {
        let mut lines: Vec<Line> = self
            .edges
            .iter()
            .map(|e| e.line)
            .filter(|line| line.legend().is_some())
            .collect();
        lines.sort();
        lines.dedup();
        lines
    }
}
