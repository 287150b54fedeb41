//! A picture as a Mermaid flowchart, which GitHub draws in ACCESS.md.

use std::fmt::Write as _;

use super::graph::{Graph, Line, Pattern, Shape};

/// Text inside a Mermaid `"..."` label: `#` (which starts Mermaid's
/// entities), `&`, `"`, `<`, `>` and the backtick are written as entities,
/// so that no label can end early, read as an entity or HTML, or close the
/// Markdown fence the picture is put in.
fn label(text: &str) -> String {
    text.replace('#', "#35;")
        .replace('&', "#38;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('`', "#96;")
}

/// A node's declaration, in the shape its kind is drawn with.
fn node(id: &str, text: &str, shape: Shape) -> String {
    let text = label(text);
    match shape {
        Shape::Workload => format!("{id}([\"{text}\"])"),
        Shape::Principal | Shape::Role => format!("{id}[\"{text}\"]"),
        Shape::Place => format!("{id}[\"{text}\"]:::place"),
        Shape::Service => format!("{id}(\"{text}\"):::service"),
    }
}

fn arrow(line: Line) -> &'static str {
    match line.look().pattern {
        Pattern::Dotted => "-.->",
        _ if line.look().width > 2 => "==>",
        _ => "-->",
    }
}

/// `linkStyle`'s CSS for a line.
fn link_style(line: Line) -> String {
    let look = line.look();
    let mut css = format!("stroke:{},stroke-width:{}px", look.colour, look.width);
    if look.pattern == Pattern::Dashed {
        css.push_str(",stroke-dasharray:8 4");
    }
    css
}

fn edge(out: &mut String, from: &str, to: &str, text: &str, line: Line) {
    let arrow = arrow(line);
    if text.is_empty() {
        let _ = writeln!(out, "  {from} {arrow} {to}");
    } else {
        let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", label(text));
    }
}

/// A picture's graph as a Mermaid flowchart, left to right, its title in
/// the YAML front matter as a JSON string, which YAML reads as its own
/// double-quoted one. Node identifiers are numbered, so that no two keys
/// can meet in one.
pub(super) fn mermaid(title: &str, graph: &Graph) -> String {
    let title = serde_json::to_string(title).expect("a string serialises");
    let mut out = format!("---\ntitle: {title}\n---\nflowchart LR\n");
    let id = |index: usize| format!("n{}", index + 1);
    for (index, n) in graph.nodes.iter().enumerate() {
        let _ = writeln!(out, "  {}", node(&id(index), &n.label, n.shape));
    }
    for e in &graph.edges {
        edge(&mut out, &id(e.from), &id(e.to), &e.label, e.line);
    }
    let legend = graph.legend();
    legend_block(&mut out, &legend);
    styles(&mut out, graph, &legend);
    out
}

/// The legend: for each line the picture uses, a short arrow of that line
/// between two invisible ends, labelled with what it means.
fn legend_block(out: &mut String, legend: &[Line]) {
    if legend.is_empty() {
        return;
    }
    out.push_str("  subgraph legend[\"legend\"]\n    direction LR\n");
    for (index, line) in legend.iter().enumerate() {
        let (from, to) = (format!("l{}", 2 * index + 1), format!("l{}", 2 * index + 2));
        let _ = writeln!(out, "    {from}[\" \"]:::blank");
        let _ = writeln!(out, "    {to}[\" \"]:::blank");
        out.push_str("  ");
        edge(
            out,
            &from,
            &to,
            line.legend().expect("the legend lists lines with words"),
            *line,
        );
    }
    out.push_str("  end\n");
}

/// The classes of the nodes and a `linkStyle` per line, by the index of
/// each edge (the picture's, then the legend's).
fn styles(out: &mut String, graph: &Graph, legend: &[Line]) {
    let lines = graph
        .edges
        .iter()
        .map(|e| e.line)
        .chain(legend.iter().copied());
    let mut by_line: Vec<(Line, Vec<usize>)> = Vec::new();
    for (index, line) in lines.enumerate() {
        match by_line.iter_mut().find(|(l, _)| *l == line) {
            Some((_, indexes)) => indexes.push(index),
            None => by_line.push((line, vec![index])),
        }
    }
    by_line.sort_by_key(|(line, _)| *line);
    for (line, indexes) in by_line {
        let indexes: Vec<String> = indexes.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "  linkStyle {} {}",
            indexes.join(","),
            link_style(line)
        );
    }
    let has = |shape| graph.nodes.iter().any(|n| n.shape == shape);
    if has(Shape::Place) {
        out.push_str("  classDef place fill:#f2f2f2,stroke:#888888\n");
    }
    if has(Shape::Service) {
        out.push_str("  classDef service fill:#fff4e0,stroke:#e69f00\n");
    }
    if !legend.is_empty() {
        out.push_str("  classDef blank fill:none,stroke:none\n");
        out.push_str("  style legend fill:none,stroke:#bbbbbb\n");
    }
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_hold_no_character_mermaid_or_markdown_would_read() {
        assert_eq!(label("a#b&c\"d<e>f`g"), "a#35;b#38;c#quot;d#lt;e#gt;f#96;g");
        // The entities the escaping writes are not escaped again.
        assert_eq!(label("#quot;"), "#35;quot;");
    }
}
