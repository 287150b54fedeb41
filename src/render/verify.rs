//! The last check before anything is written: every generated file parses
//! back as what it claims to be.
//!
//! Templates are tested, but a spec can always reach a corner the tests did
//! not; a file that would not parse is a bug in eksgrant, and catching it here
//! means it is reported instead of written.

use crate::error::{Error, Result};
use crate::plan::{FileKind, Plan};

/// Parses every file of the plan according to its kind, on every core:
/// the files are independent, and at organisation scale parsing them is a
/// quarter of a run. The error reported is the first in path order, as a
/// single thread would find it.
pub(super) fn verify(plan: &Plan) -> Result<()> {
    let files: Vec<_> = plan.files().collect();
    crate::parallel::chunks(
        &files,
        || (),
        |(), chunk| {
            chunk
                .iter()
                .try_for_each(|(path, file)| check(path, file.kind, &file.contents))
        },
    )
    .into_iter()
    .collect()
}

/// Parses one file, `path` only naming it in the error.
pub(super) fn check(path: &str, kind: FileKind, contents: &str) -> Result<()> {
    let failure = match kind {
        FileKind::Json => serde_json::from_str::<serde_json::Value>(contents)
            .err()
            .map(|e| ("JSON", e.to_string())),
        FileKind::Yaml => serde_saphyr::from_multiple::<serde_json::Value>(contents)
            .err()
            .map(|e| ("YAML", e.to_string())),
        FileKind::Terraform => parse_hcl(contents, HCL_PIECE)
            .err()
            .map(|e| ("HCL", e.to_string())),
        FileKind::Markdown => None,
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

/// How much Terraform one parse takes at most when the file allows: a
/// parse tree is tens of times the size of its text, so the kubeconfig
/// root of an organisation (megabytes) is parsed a piece at a time.
const HCL_PIECE: usize = 256 << 10;

/// Parses a Terraform file in pieces cut after a top-level block (a `}`
/// alone on its line, as `terraform fmt` lays them out), and the whole file
/// when a piece fails. A file body is a sequence of blocks and attributes,
/// so pieces that each parse make a file that parses; a cut that fell
/// inside something (a heredoc line that is a lone `}`) only costs the
/// whole parse, which then gives the answer.
fn parse_hcl(contents: &str, piece: usize) -> std::result::Result<(), hcl::Error> {
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
    if pieces.len() > 1 && pieces.iter().all(|piece| hcl::parse(piece).is_ok()) {
        return Ok(());
    }
    hcl::parse(contents).map(drop)
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

    #[test]
    fn a_large_file_parses_in_pieces_with_the_answer_of_the_whole() {
        const PIECE: usize = 4 << 10;
        let text = blocks(100);
        assert!(text.len() > 4 * PIECE);
        assert!(parse_hcl(&text, PIECE).is_ok());
        // Broken in its last piece, in its first, or split inside a heredoc
        // whose line is a lone `}`: the answer is the whole file's.
        assert!(parse_hcl(&(text.clone() + "resource \"x\" {\n"), PIECE).is_err());
        assert!(parse_hcl(&format!("oops {{\n{text}"), PIECE).is_err());
        let heredoc = format!(
            "{}locals {{\n  h = <<EOT\n{}\n}}\nEOT\n}}\n{}",
            blocks(20),
            "y".repeat(PIECE),
            blocks(20)
        );
        assert!(hcl::parse(&heredoc).is_ok());
        assert!(parse_hcl(&heredoc, PIECE).is_ok());
    }
}
