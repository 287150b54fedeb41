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

/// What to do about a spec that does not exist: `eksgrant init` writes
/// one, at the path given unless that is the default.
fn init_help(path: &Path) -> String {
    let init = if path == Path::new("eksgrant.toml") {
        "eksgrant init".to_string()
    } else {
        format!(
            "eksgrant init {}",
            crate::render::shell_word(&path.display().to_string())
        )
    };
    format!("run `{init}` to write a starter spec there, or give the path of an existing spec")
}

impl SourceFile {
    /// Reads `path` from disk. A file that is not UTF-8 is reported at its
    /// first byte that is not, with the line it is on.
    pub fn read(path: &Path) -> crate::Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                crate::Error::NoSpec {
                    path: path.to_path_buf(),
                    source,
                    help: init_help(path),
                }
            } else {
                crate::Error::Io {
                    action: "read the spec",
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Wraps a spec's bytes read from elsewhere (`git show`), checked as
    /// [`SourceFile::read`] checks a file: bytes that are not UTF-8 are
    /// reported at the first that is not; `path` is what diagnostics show.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> crate::Result<Self> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(path, text)),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let byte = error.as_bytes()[offset];
                // The replacement character stands where the bad byte was.
                let shown = Self::new(path, String::from_utf8_lossy(error.as_bytes()));
                let mut problem = crate::Problem::error(
                    &shown,
                    crate::Code::Encoding,
                    offset..offset + '\u{FFFD}'.len_utf8(),
                    format!("the spec is not UTF-8: byte {offset} is 0x{byte:02X}"),
                );
                problem.label("not UTF-8").help(
                    "TOML files are UTF-8: save the spec as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
                );
                Err(crate::Error::Syntax(Box::new(problem)))
            }
        }
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

    /// The line and column (both from 1; the column counts characters, as
    /// Unicode scalar values) of a byte offset, as diagnostics show it. An
    /// offset past the end is the end; one inside a character is that
    /// character.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line = text[..offset].matches('\n').count() + 1;
        (line, text[start..offset].chars().count() + 1)
    }

    /// The file as miette wants it for snippets.
    pub fn named_ref(&self) -> &NamedSource<Arc<str>> {
        &self.named
    }
}
