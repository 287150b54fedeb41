//! A picture as a Graphviz DOT digraph, drawn as [`super::mermaid`] draws
//! it.

use std::fmt::Write as _;

use super::graph::{Graph, Line, Pattern, Shape};

/// Text inside a DOT `"..."` string, shown as written: Graphviz reads
/// `\\` and `\"` as escapes, and an HTML entity (`&amp;`) even in a plain
/// label, so `&` is written as one.
pub(super) fn string(text: &str) -> String {
    let text = text
        .replace('&', "&amp;")
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!("\"{text}\"")
}

fn node_attributes(shape: Shape) -> &'static str {
    match shape {
        Shape::Workload => "shape=box, style=rounded",
        Shape::Principal | Shape::Role => "shape=box",
        Shape::Place => "shape=box, style=filled, fillcolor=\"#f2f2f2\", color=\"#888888\"",
        Shape::Service => {
            "shape=box, style=\"rounded,filled\", fillcolor=\"#fff4e0\", color=\"#e69f00\""
        }
    }
}

fn edge_attributes(line: Line) -> String {
    let look = line.look();
    let style = match look.pattern {
        Pattern::Solid => "solid",
        Pattern::Dotted => "dotted",
        Pattern::Dashed => "dashed",
    };
    format!(
        "color=\"{}\", penwidth={}, style={style}",
        look.colour, look.width
    )
}

/// A picture's graph as one `digraph`, left to right, titled; the legend
/// is a box of its own. Several pictures are several digraphs, which
/// Graphviz reads one after the other (`dot -Tsvg -O` writes a file for
/// each).
pub(super) fn dot(title: &str, graph: &Graph) -> String {
    let mut out = format!(
        "digraph {} {{\n  rankdir=LR;\n  label={};\n  labelloc=t;\n",
        string(title),
        string(title)
    );
    for (index, node) in graph.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{} [label={}, {}];",
            index + 1,
            string(&node.label),
            node_attributes(node.shape)
        );
    }
    for edge in &graph.edges {
        let label = if edge.label.is_empty() {
            String::new()
        } else {
            format!("label={}, ", string(&edge.label))
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [{label}{}];",
            edge.from + 1,
            edge.to + 1,
            edge_attributes(edge.line)
        );
    }
    let legend = graph.legend();
    if !legend.is_empty() {
        // Graphviz draws a subgraph as a box only when its name starts
        // with `cluster`.
        out.push_str("  subgraph cluster_legend {\n    label=\"legend\";\n");
        for (index, line) in legend.iter().enumerate() {
            let (from, to) = (2 * index + 1, 2 * index + 2);
            let _ = writeln!(
                out,
                "    l{from} [label=\"\", shape=none, width=0.1];\n    l{to} [label=\"\", shape=none, width=0.1];\n    l{from} -> l{to} [label={}, {}];",
                string(line.legend().expect("the legend lists lines with words")),
                edge_attributes(*line)
            );
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    /// What a spec name may hold comes out as written, not as DOT or an
    /// HTML entity reads it.
    #[test]
    fn strings_show_their_text_as_written() {
        assert_eq!(
            super::string(r#"a"b\c &lt; &"#),
            r#""a\"b\\c &amp;lt; &amp;""#
        );
    }
}
