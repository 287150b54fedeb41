//! The check every generated file passes before it is handed on to be
//! compared and written: it parses back as what it claims to be.
//!
//! Templates are tested, but a spec can always reach a corner the tests did
//! not; a file that would not parse is a bug in eksgrant, and catching it here
//! means it is reported instead of written (a run that has staged other
//! files by then takes them back).

use serde::de::IgnoredAny;

use crate::error::{Error, Result};
use crate::plan::FileKind;

/// Parses one file, `path` only naming it in the error.
pub(super) fn check(path: &str, kind: FileKind, contents: &str) -> Result<()> {
    check_in_pieces(path, kind, contents, HCL_PIECE)
}

/// [`check`], parsing a Terraform file in pieces of about `piece` bytes
/// first, and whole only when a piece fails.
fn check_in_pieces(path: &str, kind: FileKind, contents: &str, piece: usize) -> Result<()> {
    let failure = match kind {
        FileKind::Terraform => {
            let pieces = pieces(contents, piece);
            if pieces.len() > 1 && pieces.iter().all(|piece| parse(kind, piece).is_none()) {
                None
            } else {
                parse(kind, contents)
            }
        }
        _ => parse(kind, contents),
    };
    match failure {
        Some((kind, message)) => Err(Error::Output {
            path: path.to_string(),
            kind,
            message,
        }),
        None => Ok(()),
    }
}

/// Why `text` does not parse as `kind`: the language and the parser's
/// message. Only the syntax is checked: YAML and JSON build no values, and
/// HCL only the parser's own tree.
fn parse(kind: FileKind, text: &str) -> Option<(&'static str, String)> {
    match kind {
        FileKind::Json => serde_json::from_str::<IgnoredAny>(text)
            .err()
            .map(|e| ("JSON", e.to_string())),
        FileKind::Yaml => yaml_problem(text).map(|message| ("YAML", message)),
        FileKind::Terraform => hcl_edit::parser::parse_body(text)
            .err()
            .map(|e| ("HCL", e.to_string())),
        FileKind::Markdown => None,
    }
}

/// Why `text` is not YAML that a Kubernetes client reads as written: the
/// parser's error, or a key that a mapping holds twice (YAML forbids it;
/// many parsers keep one of the two silently, and kubectl turns keys into
/// JSON strings, so `1` and `"1"` are the same key). Walks the parser's
/// events without building the documents, at a fraction of the cost of
/// deserialising them.
fn yaml_problem(text: &str) -> Option<String> {
    use granit_parser::{Event, Parser};
    use std::borrow::Cow;
    use std::collections::HashSet;

    /// An open collection: a mapping's keys so far and whether its next
    /// node is a key, or a sequence.
    enum Open<'a> {
        Mapping {
            keys: HashSet<Cow<'a, str>>,
            next_is_key: bool,
        },
        Sequence,
    }
    let mut open: Vec<Open<'_>> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(event) => event,
            Err(error) => return Some(error.to_string()),
        };
        let is_node = matches!(
            event,
            Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(_)
        );
        if is_node && let Some(Open::Mapping { keys, next_is_key }) = open.last_mut() {
            if *next_is_key
                && let Event::Scalar(key, ..) = &event
                && !keys.insert(key.clone())
            {
                return Some(format!(
                    "duplicate key `{key}` in a mapping at line {}",
                    span.start.line()
                ));
            }
            *next_is_key = !*next_is_key;
        }
        match event {
            Event::MappingStart(..) => open.push(Open::Mapping {
                keys: HashSet::new(),
                next_is_key: true,
            }),
            Event::SequenceStart(..) => open.push(Open::Sequence),
            Event::MappingEnd | Event::SequenceEnd => {
                open.pop();
            }
            _ => {}
        }
    }
    None
}

/// How much Terraform one parse takes at most when the file allows: a
/// parse tree is tens of times the size of its text, so a file of
/// megabytes (an organisation's `outputs.tf`) is parsed a piece at a time.
const HCL_PIECE: usize = 256 << 10;

/// A Terraform file cut into pieces of about `piece` bytes, each after a
/// top-level block (a `}` alone on its line, as `terraform fmt` lays them
/// out). A file body is a sequence of blocks and attributes, so pieces
/// that each parse make a file that parses; a cut that fell inside
/// something (a heredoc line that is a lone `}`) makes a piece fail, and
/// the whole file is then parsed for the answer.
fn pieces(contents: &str, piece: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while contents.len() - start > piece {
        let Some(found) = contents[start + piece..].find("\n}\n") else {
            break;
        };
        let end = start + piece + found + 3;
        pieces.push(&contents[start..end]);
        start = end;
    }
    pieces.push(&contents[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(n: usize) -> String {
        use std::fmt::Write as _;
        let value = "x".repeat(200);
        (0..n).fold(String::new(), |mut text, i| {
            let _ = write!(
                text,
                "resource \"null_resource\" \"r{i}\" {{\n  triggers = {{\n    a = \"{value}\"\n  }}\n}}\n\n"
            );
            text
        })
    }

    fn check_hcl(text: &str, piece: usize) -> Result<()> {
        check_in_pieces("x.tf", FileKind::Terraform, text, piece)
    }

    #[test]
    fn a_large_file_parses_in_pieces_with_the_answer_of_the_whole() {
        const PIECE: usize = 4 << 10;
        let text = blocks(100);
        assert!(text.len() > 4 * PIECE);
        assert!(check_hcl(&text, PIECE).is_ok());
        // Broken in its last piece, in its first, or split inside a heredoc
        // whose line is a lone `}`: the answer is the whole file's.
        assert!(check_hcl(&(text.clone() + "resource \"x\" {\n"), PIECE).is_err());
        assert!(check_hcl(&format!("oops {{\n{text}"), PIECE).is_err());
        let heredoc = format!(
            "{}locals {{\n  h = <<EOT\n{}\n}}\nEOT\n}}\n{}",
            blocks(20),
            "y".repeat(PIECE),
            blocks(20)
        );
        assert!(parse(FileKind::Terraform, &heredoc).is_none());
        assert!(check_hcl(&heredoc, PIECE).is_ok());
    }

    #[test]
    fn yaml_with_a_key_twice_in_one_mapping_is_refused() {
        let valid = "a: 1\nb:\n  - name: x\n    c: 2\n  - name: y\n    c: 3\n---\na: 1\n";
        assert_eq!(yaml_problem(valid), None);
        for (text, line) in [
            ("a: 1\nb: 2\na: 3\n", 3),
            ("a:\n  b: 1\n  c: [1, 2]\n  b: 2\n", 4),
            ("a: {x: 1, x: 2}\n", 1),
            ("x:\n  1: a\n  \"1\": b\n", 3),
        ] {
            let problem = yaml_problem(text).expect(text);
            assert!(
                problem.starts_with("duplicate key") && problem.ends_with(&format!("line {line}")),
                "{text}: {problem}"
            );
        }
        // A key after a nested value is still a key of the outer mapping.
        assert!(yaml_problem("a:\n  b: {c: 1}\n  d: [e]\na: 2\n").is_some());
        assert!(yaml_problem("a: [1, 2\nb: 3\n").is_some());
        assert!(yaml_problem("a: \"unterminated\n").is_some());
    }
}
