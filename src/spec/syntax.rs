//! TOML and shape errors as diagnostics that suggest the fix.
//!
//! The `toml` parser recovers from syntax errors (`DeTable::parse_recoverable`
//! reports each through its error sink and goes on), so every one of them is
//! reported at once, as the model reports its problems. Two kinds of noise
//! are left out: the same error reported twice, and everything after the
//! opening of an array or inline table that is never closed, which the
//! parser reads to the end of the file looking for its `]` or `}` (each line
//! after it is then a "missing comma"). That error points at the opening
//! bracket instead, where the fix is.
//!
//! Shape errors (an unknown key, a wrong type, a missing field) come from
//! serde, which stops at the first: those are reported one at a time.

use std::ops::Range;

use toml::de::DeTable;

use crate::code::Code;
use crate::error::{Error, Problem};
use crate::source::SourceFile;
use crate::text::closest;

/// Parses `source` as TOML; all its syntax errors, when it is not.
pub(super) fn document(source: &SourceFile) -> Result<toml::Spanned<DeTable<'_>>, Error> {
    let (document, errors) = DeTable::parse_recoverable(source.text());
    if errors.is_empty() {
        return Ok(document);
    }
    let mut problems: Vec<Problem> = reported(source.text(), &errors)
        .into_iter()
        .map(|(span, message, unclosed)| {
            let mut problem = problem(source, span, &message);
            if unclosed {
                let bracket = if message.starts_with("unclosed array") { ']' } else { '}' };
                problem.label("opened here, never closed").help(format!(
                    "add the `{bracket}` where it ends: until then the parser takes the rest of the file as part of it, so nothing after it was checked"
                ));
            }
            problem
        })
        .collect();
    if problems.len() == 1 {
        return Err(Error::Syntax(Box::new(problems.remove(0))));
    }
    Err(Error::Invalid {
        file: source.path().to_path_buf(),
        problems,
    })
}

/// A shape error (serde's, at its span) as a diagnostic.
pub(super) fn shape(source: &SourceFile, error: &toml::de::Error) -> Error {
    let problem = problem(
        source,
        error.span().unwrap_or(0..0),
        error.message().trim_end(),
    );
    Error::Syntax(Box::new(problem))
}

/// One error as a problem, with the help line that fits its message.
fn problem(source: &SourceFile, span: Range<usize>, message: &str) -> Problem {
    let mut problem = Problem::error(source, Code::Syntax, span, message);
    let (label, help) = explain(message);
    problem.label(label);
    if let Some(help) = help {
        problem.help(help);
    }
    problem
}

/// The parser's `errors` worth reporting, in source order, each with its
/// span, its message and whether it is an unclosed array or inline table
/// (then pointing at its opening).
fn reported(text: &str, errors: &[toml::de::Error]) -> Vec<(Range<usize>, String, bool)> {
    let unclosed = unclosed_brackets(text);
    let mut errors: Vec<(Range<usize>, String, bool)> = errors
        .iter()
        .map(|error| {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim_end().to_string();
            // Nested brackets left open all end where the file does: the
            // outermost is the one to report, the others are inside it.
            let bracket = if message.starts_with("unclosed array") {
                "["
            } else {
                "{"
            };
            let opening = unclosed
                .iter()
                .filter(|(opening, end)| {
                    is_unclosed_bracket(&message)
                        && span.start == end.start
                        && text.get(opening.clone()) == Some(bracket)
                })
                .min_by_key(|(opening, _)| opening.start)
                .map(|(opening, _)| opening.clone());
            match opening {
                Some(opening) => (opening, message, true),
                None => (span, message, false),
            }
        })
        .collect();
    errors.sort_by(|a, b| (a.0.start, a.0.end, &a.1).cmp(&(b.0.start, b.0.end, &b.1)));
    errors.dedup();
    errors.retain(|(span, _, _)| {
        !unclosed
            .iter()
            .any(|(opening, end)| opening.start < span.start && span.start <= end.start)
    });
    errors
}

/// Whether a message is the parser's for a bracket it never found.
fn is_unclosed_bracket(message: &str) -> bool {
    message.starts_with("unclosed array,") || message.starts_with("unclosed inline table,")
}

/// How deep arrays and inline tables may nest before parsing stops going
/// in: what the `toml` crate allows (its parser's `LIMIT`).
const MAX_DEPTH: u32 = 80;

/// Each array or inline table that is never closed: the span of its
/// opening bracket, and where the parser gave up looking for the closing
/// one. The `toml` crate's errors carry only the latter, so this parses
/// the text again with `toml_parser`, whose errors carry both.
fn unclosed_brackets(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let source = toml_parser::Source::new(text);
    let tokens: Vec<_> = source.lex().collect();
    let mut errors: Vec<toml_parser::ParseError> = Vec::new();
    // The parser recurses once per nested array or inline table: without a
    // limit, 100,000 unclosed `[` overflow the stack. At the depth `toml`
    // itself stops at, the rest is skipped without recursing.
    let mut receiver = ();
    let mut guard = toml_parser::parser::RecursionGuard::new(&mut receiver, MAX_DEPTH);
    toml_parser::parser::parse_document(&tokens, &mut guard, &mut errors);
    errors
        .iter()
        .filter(|error| {
            matches!(
                error.description(),
                "unclosed array" | "unclosed inline table"
            )
        })
        .filter_map(|error| {
            let (opening, end) = (error.context()?, error.unexpected()?);
            Some((opening.start()..opening.end(), end.start()..end.end()))
        })
        .collect()
}

/// The label and help line for a TOML or shape error's message.
fn explain(message: &str) -> (&'static str, Option<String>) {
    if let Some((key, keys)) = unknown(message, "unknown field") {
        let help = match closest(key, keys) {
            Some(key) => format!("did you mean `{key}`?"),
            None => "check the spelling against the keys listed above (`eksgrant schema` prints every key)".to_string(),
        };
        ("unknown key", Some(help))
    } else if let Some((value, values)) = unknown(message, "unknown variant") {
        let help = match closest(value, values) {
            Some(value) => format!("did you mean `{value}`?"),
            None => "use one of the values listed above".to_string(),
        };
        ("unknown value", Some(help))
    } else if let Some(field) = message.strip_prefix("missing field ") {
        let help =
            format!("add {field} to this table (docs/spec.md lists what each table requires)");
        ("this table", Some(help))
    } else if message.starts_with("invalid type") {
        let help = "check the value's type: strings are quoted, lists use [ ]";
        ("here", Some(help.to_string()))
    } else if message.starts_with("duplicate key") {
        let help = "a table holds each key once, and a [table] is written once: remove or rename the second";
        ("here", Some(help.to_string()))
    } else if message.starts_with("string values must be quoted") {
        ("here", Some("quote the value: \"...\"".to_string()))
    } else if message.starts_with("invalid basic string") {
        let help =
            "close the string on its line (a string over several lines is written \"\"\"...\"\"\")";
        ("here", Some(help.to_string()))
    } else if message.starts_with("invalid boolean") {
        ("here", Some("write true or false, unquoted".to_string()))
    } else {
        ("here", None)
    }
}

/// The name and the expected names of serde's "unknown field `x`, expected
/// one of `a`, `b`" (or "`a` or `b`", "`a`", "there are no fields").
fn unknown<'m>(message: &'m str, what: &str) -> Option<(&'m str, Vec<&'m str>)> {
    let rest = message.strip_prefix(what)?.strip_prefix(" `")?;
    let (name, expected) = match rest.rsplit_once("`, expected ") {
        Some(split) => split,
        None => (rest.rsplit_once("`, there are no ")?.0, ""),
    };
    // The names are the quoted parts: every second piece between backticks.
    let names = expected.split('`').skip(1).step_by(2).collect();
    Some((name, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_serde_unknown_messages() {
        assert_eq!(
            unknown(
                "unknown field `namespce`, expected one of `cluster`, `namespace`",
                "unknown field"
            ),
            Some(("namespce", vec!["cluster", "namespace"]))
        );
        assert_eq!(
            unknown(
                "unknown variant `Alow`, expected `Allow` or `Deny`",
                "unknown variant"
            ),
            Some(("Alow", vec!["Allow", "Deny"]))
        );
        assert_eq!(
            unknown("unknown field `x`, there are no fields", "unknown field"),
            Some(("x", vec![]))
        );
        assert_eq!(unknown("missing field `arn`", "unknown field"), None);
    }

    #[test]
    fn suggests_the_closest_key_or_value() {
        let (label, help) =
            explain("unknown field `namespce`, expected one of `cluster`, `clusters`, `namespace`");
        assert_eq!(label, "unknown key");
        assert_eq!(help.as_deref(), Some("did you mean `namespace`?"));
        let (_, help) = explain(
            "unknown variant `api_and_config_map`, expected one of `API`, `API_AND_CONFIG_MAP`, `CONFIG_MAP`",
        );
        assert_eq!(help.as_deref(), Some("did you mean `API_AND_CONFIG_MAP`?"));
        let (_, help) = explain("unknown field `zzz`, expected `arn` or `grants`");
        assert!(help.unwrap().starts_with("check the spelling"));
    }

    #[test]
    fn an_unclosed_array_is_one_error_at_its_opening() {
        let text = "a = [1, 2\nb = 3\nc = 4\n";
        let (_, errors) = DeTable::parse_recoverable(text);
        assert!(
            errors.len() > 2,
            "the parser reports the lines after it too"
        );
        let reported = reported(text, &errors);
        assert_eq!(reported.len(), 1, "{reported:?}");
        assert_eq!(reported[0].0, 4..5);
        assert!(reported[0].2);
    }

    #[test]
    fn brackets_left_open_inside_one_another_are_one_error_at_the_outermost() {
        for text in ["a = [[[\n", "a = [{b = [\n", "a = {b = [{c = \n"] {
            let (_, errors) = DeTable::parse_recoverable(text);
            let reported = reported(text, &errors);
            assert_eq!(reported.len(), 1, "{text:?}: {reported:?}");
            assert_eq!(reported[0].0, 4..5, "{text:?}");
            assert!(reported[0].2, "{text:?}");
        }
    }

    #[test]
    fn independent_errors_are_all_reported_in_order() {
        let text = "a = tru\nb = \"x\nc = [1 2]\nd = 1\nd = 2\n";
        let (_, errors) = DeTable::parse_recoverable(text);
        let reported = reported(text, &errors);
        let lines: Vec<usize> = reported
            .iter()
            .map(|(span, _, _)| text[..span.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, [1, 2, 3, 5], "{reported:?}");
    }
}
