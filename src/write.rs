//! Writing a plan to the output directory.
//!
//! Only runs after the whole plan rendered and verified, so an invalid spec or
//! a template bug never leaves a half-written tree. A file whose content is
//! already right is left alone, so its mtime and `git status` stay quiet.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::plan::Plan;

/// What a write did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created or rewritten.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
}

/// Writes every file of `plan` under `out`.
pub fn write(plan: &Plan, out: &Path) -> Result<Summary> {
    let mut summary = Summary::default();
    for (relative, file) in plan.files() {
        let path = out.join(relative);
        if fs::read(&path).is_ok_and(|existing| existing == file.contents.as_bytes()) {
            summary.unchanged += 1;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| Error::Io {
                action: "create the directory",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(&path, &file.contents).map_err(|source| Error::Io {
            action: "write",
            path: path.clone(),
            source,
        })?;
        summary.written += 1;
    }
    Ok(summary)
}
