//! The last check before anything is written: every generated file parses
//! back as what it claims to be.
//!
//! Templates are tested, but a spec can always reach a corner the tests did
//! not; a file that would not parse is a bug in eksgrant, and catching it here
//! means it is reported instead of written.

use crate::error::{Error, Result};
use crate::plan::{FileKind, Plan};

/// Parses every file of the plan according to its kind.
pub(super) fn verify(plan: &Plan) -> Result<()> {
    for (path, file) in plan.files() {
        check(path, file.kind, &file.contents)?;
    }
    Ok(())
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
        FileKind::Terraform => hcl::parse(contents).err().map(|e| ("HCL", e.to_string())),
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
