//! The escaping filters templates use for every value that comes from the
//! spec.
//!
//! Terraform identifiers are not escaped: they are derived in
//! [`crate::model::names`] and contain only `[a-z0-9_]`.
//!
//! Validation already restricts most names, but escaping is what makes
//! injection impossible: a value can never leave its quotes, whatever the
//! validator lets through. Templates have autoescape off (nothing here is
//! HTML), so a value printed without one of these filters is a bug; the
//! tests render hostile strings through each filter to keep it that way.

use std::fmt::Write as _;
use tera::{Kwargs, State, Tera, TeraResult, Value};

/// Registers every filter on `tera`; must run before templates are added,
/// because Tera 2 checks filter names when it compiles a template.
pub(super) fn register(tera: &mut Tera) {
    tera.register_filter("hcl", hcl);
    tera.register_filter("hcl_fragment", |s: &str, _: Kwargs, _: &State| {
        hcl_escape(s)
    });
    tera.register_filter("yaml", yaml);
    tera.register_filter("md", |s: &str, _: Kwargs, _: &State| markdown_cell(s));
    tera.register_filter("md_code", |s: &str, _: Kwargs, _: &State| markdown_code(s));
    tera.register_filter("code", |s: &str, _: Kwargs, _: &State| {
        crate::text::code_span(s)
    });
    tera.register_filter("join_code", join_code);
    tera.register_filter("join_md", join_md);
    tera.register_filter("comment", |s: &str, _: Kwargs, _: &State| comment(s));
    tera.register_filter("sh", |s: &str, _: Kwargs, _: &State| {
        crate::text::shell_word(s)
    });
}

/// Text safe inside a `#` comment of HCL or YAML: a line break would end the
/// comment and turn the rest into code, so every one becomes a space.
pub(super) fn comment(s: &str) -> String {
    s.replace(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'], " ")
}

/// An HCL expression for a value: a string becomes a quoted, escaped string
/// literal; a list of strings a tuple of them; an `HclValue` either its
/// reference (written by eksgrant, never by the user) or an escaped literal.
fn hcl(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    if let Some(s) = value.as_str() {
        return Ok(hcl_string(s));
    }
    if let Some(items) = value.as_array() {
        let items: TeraResult<Vec<String>> = items
            .iter()
            .map(|item| {
                item.as_str().map(hcl_string).ok_or_else(|| {
                    tera::Error::message(format!("hcl: list items must be strings, got {item}"))
                })
            })
            .collect();
        return Ok(format!("[{}]", items?.join(", ")));
    }
    if let Some(map) = value.as_map() {
        if let Some(reference) = map
            .get(&tera::value::Key::from("reference"))
            .and_then(Value::as_str)
        {
            return Ok(reference.to_string());
        }
        if let Some(literal) = map
            .get(&tera::value::Key::from("literal"))
            .and_then(Value::as_str)
        {
            return Ok(hcl_string(literal));
        }
    }
    Err(tera::Error::message(format!(
        "hcl: cannot write {value} as HCL"
    )))
}

/// A quoted HCL string literal whose content is exactly `s`.
pub(super) fn hcl_string(s: &str) -> String {
    format!("\"{}\"", hcl_escape(s))
}

/// The inside of an HCL string literal: escapes quotes, backslashes and
/// control characters, and doubles `$` and `%` before `{` so that `${` and
/// `%{` are not read as interpolation or template directives.
pub(super) fn hcl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A YAML value: a string becomes a double-quoted scalar (so `yes`, `no`,
/// `1.10` and `~` stay strings), a list of strings a flow sequence of them.
fn yaml(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    if let Some(s) = value.as_str() {
        return Ok(yaml_string(s));
    }
    if let Some(items) = value.as_array() {
        let items: TeraResult<Vec<String>> = items
            .iter()
            .map(|item| {
                item.as_str().map(yaml_string).ok_or_else(|| {
                    tera::Error::message(format!("yaml: list items must be strings, got {item}"))
                })
            })
            .collect();
        return Ok(format!("[{}]", items?.join(", ")));
    }
    Err(tera::Error::message(format!(
        "yaml: cannot write {value} as a YAML scalar"
    )))
}

/// A double-quoted YAML scalar whose value is exactly `s`.
pub(super) fn yaml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            // Everything YAML does not allow unescaped: C0 and C1 controls,
            // DEL, the BOM and the Unicode line separators.
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe inside a Markdown table cell or code span: no `|` that would
/// split the cell, no backtick that would end the span, no raw HTML, one line.
pub(super) fn markdown_cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('`', "'")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text safe inside a Markdown code span in a table cell: no backtick that
/// would end the span, no `|` that would split the cell, one line. Unlike
/// [`markdown_cell`], `<` stays: code spans show it as it is.
pub(crate) fn markdown_code(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('`', "'")
}

/// A list as Markdown code spans joined with `, `, each escaped as
/// [`markdown_code`]: `` `a`, `b` ``. An item that is itself a list of
/// strings becomes its code spans joined by the `parts` keyword argument:
/// `[["ns", "c"]] | join_code(parts=" on ")` gives `` `ns` on `c` ``.
#[allow(clippy::needless_pass_by_value)] // the signature Tera's filters have
fn join_code(items: &[Value], kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let parts_separator = kwargs.get::<&str>("parts")?;
    let spans = |item: &Value| {
        if let Some(s) = item.as_str() {
            return Ok(cell_code_span(s));
        }
        match (item.as_array(), parts_separator) {
            (Some(parts), Some(separator)) => {
                let parts: Vec<String> = strings(parts, "join_code")?
                    .into_iter()
                    .map(cell_code_span)
                    .collect();
                Ok(parts.join(separator))
            }
            _ => Err(tera::Error::message(format!(
                "join_code: items must be strings, or lists of strings with `parts`, got {item}"
            ))),
        }
    };
    let items: TeraResult<Vec<String>> = items.iter().map(spans).collect();
    Ok(items?.join(", "))
}

/// A Markdown code span holding `s`, escaped as [`markdown_code`] so that
/// it may stand in a table cell (unlike `crate::text::code_span`, which
/// shows `s` exactly, outside a table).
fn cell_code_span(s: &str) -> String {
    format!("`{}`", markdown_code(s))
}

/// A list as Markdown text, each item escaped as [`markdown_cell`], joined
/// with the `sep` keyword argument (`, ` without it).
#[allow(clippy::needless_pass_by_value)] // the signature Tera's filters have
fn join_md(items: &[Value], kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let separator = kwargs.get::<&str>("sep")?.unwrap_or(", ");
    let cells: Vec<String> = strings(items, "join_md")?
        .into_iter()
        .map(markdown_cell)
        .collect();
    Ok(cells.join(separator))
}

/// The items of a list that must hold only strings; `filter` names the
/// filter in the error.
fn strings<'v>(items: &'v [Value], filter: &str) -> TeraResult<Vec<&'v str>> {
    items
        .iter()
        .map(|item| {
            item.as_str().ok_or_else(|| {
                tera::Error::message(format!("{filter}: list items must be strings, got {item}"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hostile string: every character that could end a literal or start
    /// an interpolation in one of the formats.
    const HOSTILE: &str = "a\"b\\c${d}%{e}\nf\tg\u{7}h'i: j # k | l `m` <n>";

    #[test]
    fn hcl_strings_round_trip_through_the_hcl_parser() {
        for s in [HOSTILE, "", "$", "%", "${", "$${x}", "plain", "ünïcødé"] {
            let literal = hcl_string(s);
            let expr = hcl_edit::parser::parse_expr(&literal).expect("escaped string parses");
            let hcl_edit::expr::Expression::String(parsed) = &expr else {
                panic!("{literal} parsed as {expr:?}, not a plain string");
            };
            assert_eq!(parsed.value(), s, "{literal}");
        }
    }

    #[test]
    fn hcl_interpolation_cannot_be_injected() {
        assert_eq!(hcl_string("${var.x}"), r#""$${var.x}""#);
        assert_eq!(hcl_string("%{ if true }"), r#""%%{ if true }""#);
        assert_eq!(hcl_string(r#"a" + "b"#), r#""a\" + \"b""#);
    }

    #[test]
    fn yaml_strings_round_trip_and_stay_strings() {
        for s in [
            HOSTILE,
            "",
            "yes",
            "no",
            "on",
            "~",
            "null",
            "1.10",
            "0x1F",
            "- a",
            "{a: b}",
            "\u{85}\u{2028}\u{feff}",
        ] {
            let doc = format!("key: {}\n", yaml_string(s));
            let parsed: std::collections::BTreeMap<String, serde_json::Value> =
                serde_saphyr::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(
                parsed["key"],
                serde_json::Value::String(s.to_string()),
                "{doc}"
            );
        }
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(markdown_cell("a|b\n`c`<d>"), "a\\|b 'c'&lt;d&gt;");
        assert_eq!(markdown_code("a|b\n`c`<d>"), "a\\|b 'c'<d>");
    }

    /// Renders `template` with the filters and `list` as `list`.
    fn render_list(template: &str, list: &serde_json::Value) -> String {
        let mut tera = Tera::new();
        register(&mut tera);
        let mut context = tera::Context::new();
        context.insert("list", list);
        tera.render_str(template, &context, false).unwrap()
    }

    #[test]
    fn joined_lists_escape_each_item() {
        let list = serde_json::json!(["a|b", "`c`<d>"]);
        assert_eq!(
            render_list("{{ list | join_code }}", &list),
            "`a\\|b`, `'c'<d>`"
        );
        assert_eq!(
            render_list("{{ list | join_md }}", &list),
            "a\\|b, 'c'&lt;d&gt;"
        );
        assert_eq!(
            render_list("{{ list | join_md(sep=\"<br>\") }}", &list),
            "a\\|b<br>'c'&lt;d&gt;"
        );
        assert_eq!(
            render_list("{{ list | join_code }}", &serde_json::json!([])),
            ""
        );
    }

    #[test]
    fn joined_code_parts_are_spans_of_their_own() {
        let list = serde_json::json!([["ns", "a|b"], ["x", "y"]]);
        assert_eq!(
            render_list("{{ list | join_code(parts=\" on \") }}", &list),
            "`ns` on `a\\|b`, `x` on `y`"
        );
    }
}
