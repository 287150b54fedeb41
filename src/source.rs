//! The spec file as read from disk, kept whole so that every diagnostic can
//! quote the line it is about.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::NamedSource;

/// A spec file: where it came from, the name diagnostics show, and its text.
///
/// Cloning is cheap: diagnostics each hold a clone so they can render
/// snippets long after parsing is over.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    named: NamedSource<Arc<str>>,
}

impl SourceFile {
    /// Reads `path` from disk.
    pub fn read(path: &Path) -> crate::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
            action: "read the spec",
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::new(path, text))
    }

    /// Wraps text that is already in memory; `path` is what diagnostics show.
    pub fn new(path: &Path, text: impl Into<Arc<str>>) -> Self {
        let name = path.display().to_string();
        Self {
            path: path.to_path_buf(),
            named: NamedSource::new(name, text.into()).with_language("toml"),
        }
    }

    /// The path the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        self.named.inner()
    }

    /// The file as miette wants it for snippets.
    pub fn named_ref(&self) -> &NamedSource<Arc<str>> {
        &self.named
    }
}
