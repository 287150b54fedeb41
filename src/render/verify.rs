//! The last check before anything is written: every generated file parses
//! back as what it claims to be.
//!
//! Templates are tested, but a spec can always reach a corner the tests did
//! not; a file that would not parse is a bug in eksgrant, and catching it here
//! means it is reported instead of written.

use serde::de::IgnoredAny;

use crate::error::{Error, Result};
use crate::plan::{FileKind, Plan};

/// Parses every file of the plan according to its kind, on every core.
/// The files are independent, and at organisation scale parsing them is a
/// quarter of a run; one of them (the kubeconfig root) is a fifth of the
/// bytes, so large Terraform files are parsed in pieces (see [`pieces`])
/// and the cores share the pieces by size. A file with a piece that fails
/// is then parsed whole, which gives the answer; the error reported is the
/// first in path order, as a single thread would find it.
pub(super) fn verify(plan: &Plan) -> Result<()> {
    verify_in_pieces(plan, HCL_PIECE)
}

/// [`verify`], cutting Terraform files into pieces of about `piece` bytes.
fn verify_in_pieces(plan: &Plan, piece: usize) -> Result<()> {
    let pieces: Vec<(&str, FileKind, &str)> = plan
        .files()
        .flat_map(|(path, file)| {
            let text = file.contents.as_str();
            let pieces = match file.kind {
                FileKind::Terraform => pieces(text, piece),
                _ => vec![text],
            };
            pieces
                .into_iter()
                .map(move |piece| (path, file.kind, piece))
        })
        .collect();
    let failed = crate::parallel::chunks_weighed(
        &pieces,
        |(_, _, piece)| piece.len(),
        || (),
        |(), chunk| {
            chunk
                .iter()
                .filter(|(_, kind, piece)| parse(*kind, piece).is_some())
                .map(|(path, _, _)| *path)
                .collect::<Vec<&str>>()
        },
    );
    let mut failed: Vec<&str> = failed.concat();
    failed.dedup();
    for path in failed {
        let file = plan.get(path).expect("a path of the plan");
        check_in_pieces(path, file.kind, &file.contents, piece)?;
    }
    Ok(())
}

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
        FileKind::Yaml => serde_saphyr::from_multiple::<IgnoredAny>(text)
            .err()
            .map(|e| ("YAML", e.to_string())),
        FileKind::Terraform => hcl_edit::parser::parse_body(text)
            .err()
            .map(|e| ("HCL", e.to_string())),
        FileKind::Markdown => None,
    }
}

/// How much Terraform one parse takes at most when the file allows: a
/// parse tree is tens of times the size of its text, so the kubeconfig
/// root of an organisation (megabytes) is parsed a piece at a time.
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
    fn a_plan_is_checked_in_pieces_shared_among_the_cores() {
        const PIECE: usize = 4 << 10;
        let plan = |broken: &str| {
            let mut plan = Plan::default();
            plan.add("a.json".into(), "{}", "h");
            plan.add("b.tf".into(), &blocks(100), "h");
            plan.add(
                "c.tf".into(),
                &format!("{}{broken}{}", blocks(50), blocks(50)),
                "h",
            );
            plan.add("d.yaml".into(), "a: 1", "h");
            plan
        };
        assert!(verify_in_pieces(&plan(""), PIECE).is_ok());
        // A heredoc with a lone `}` line fails its pieces, not the file.
        let heredoc = format!(
            "locals {{\n  h = <<EOT\n{}\n}}\nEOT\n}}\n",
            "y".repeat(PIECE)
        );
        assert!(verify_in_pieces(&plan(&heredoc), PIECE).is_ok());
        let error = verify_in_pieces(&plan("oops {\n"), PIECE).unwrap_err();
        assert!(
            matches!(&error, Error::Output { path, kind: "HCL", .. } if path == "c.tf"),
            "{error}"
        );
    }
}
