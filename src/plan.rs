//! The rendered tree: every output file, and where files go as they are
//! rendered ([`Output`]).
//!
//! A [`Plan`] holds the whole tree in memory: it is what the snapshot
//! tests record, so reviewers read exactly what users get. `generate`
//! hands each file to [`crate::sync::Incoming`] instead, which compares and
//! stages it at once, so that an organisation's tree is never held whole.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::Result;

/// What a generated file is, which decides its header and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Terraform (`.tf`), in `terraform fmt` layout.
    Terraform,
    /// Kubernetes YAML (`.yaml`).
    Yaml,
    /// IAM policy JSON (`.json`); JSON has no comments, so no header.
    Json,
    /// The generated overview (`.md`).
    Markdown,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// What it is.
    pub kind: FileKind,
    /// Its full text: LF line endings and exactly one trailing newline.
    pub contents: String,
}

impl GeneratedFile {
    /// A file of `kind` with text `body`: line endings normalised, blank
    /// lines at either end dropped, one newline at the end, and Terraform
    /// and YAML files prefixed with `header` as a comment.
    pub fn new(kind: FileKind, body: &str, header: &str) -> GeneratedFile {
        let body: Cow<'_, str> = if body.contains('\r') {
            body.replace("\r\n", "\n").into()
        } else {
            body.into()
        };
        let body = body.trim_matches('\n');
        let prefix = match kind {
            FileKind::Terraform => format!("# {header}\n\n"),
            FileKind::Yaml => format!("# {header}\n"),
            FileKind::Json | FileKind::Markdown => String::new(),
        };
        // Built at its exact size: a file of megabytes is not copied twice
        // on the way.
        let mut contents = String::with_capacity(prefix.len() + body.len() + 1);
        contents.push_str(&prefix);
        contents.push_str(body);
        contents.push('\n');
        GeneratedFile { kind, contents }
    }

    /// [`GeneratedFile::new`] of a body the caller gives away: kept as it
    /// is when it is already what `new` would make of it (a Markdown or
    /// JSON file, which takes no header, with one newline at its end), so
    /// that a document of megabytes is not copied on its way out.
    pub fn of_owned(kind: FileKind, body: String, header: &str) -> GeneratedFile {
        let as_made = matches!(kind, FileKind::Json | FileKind::Markdown)
            && !body.contains('\r')
            && !body.starts_with('\n')
            && body.ends_with('\n')
            && !body.ends_with("\n\n");
        if as_made {
            GeneratedFile {
                kind,
                contents: body,
            }
        } else {
            GeneratedFile::new(kind, &body, header)
        }
    }
}

/// Where rendered files go, each as soon as it is rendered and has parsed
/// back: a [`Plan`] keeps them in memory (the tests); a generation
/// ([`crate::sync::Incoming`]) compares each with the output directory,
/// stages it when the run writes, and keeps only its hash and fate, so that
/// the tree is never in memory whole.
///
/// Files are handed over by several threads at once, each with a share of
/// its own, in no particular order; the shares come back to
/// [`Output::gather`] a round at a time. What an output keeps must not
/// depend on the order (a plan sorts by path; so do the changes a
/// generation makes).
pub trait Output: Sync {
    /// What one thread holds while it hands over files.
    type Share: Send;

    /// A new share, for one thread.
    fn share(&self) -> Self::Share;

    /// Takes one file.
    ///
    /// # Errors
    ///
    /// When the file cannot be taken (reading or writing the output
    /// directory failed); the generation stops there.
    fn accept(&self, share: &mut Self::Share, path: String, file: GeneratedFile) -> Result<()>;

    /// Takes back the shares of one round of threads.
    ///
    /// # Errors
    ///
    /// As [`Output::accept`].
    fn gather(&mut self, shares: Vec<Self::Share>) -> Result<()>;
}

impl Output for Plan {
    type Share = Vec<(String, GeneratedFile)>;

    fn share(&self) -> Self::Share {
        Vec::new()
    }

    fn accept(&self, share: &mut Self::Share, path: String, file: GeneratedFile) -> Result<()> {
        share.push((path, file));
        Ok(())
    }

    fn gather(&mut self, shares: Vec<Self::Share>) -> Result<()> {
        for (path, file) in shares.into_iter().flatten() {
            self.insert(path, file);
        }
        Ok(())
    }
}

/// Every output file, by path relative to the output directory.
#[derive(Debug, Default)]
pub struct Plan {
    files: BTreeMap<String, GeneratedFile>,
}

impl Plan {
    /// Adds a file.
    ///
    /// # Panics
    ///
    /// When `path` is already in the plan: the model gives every file a unique
    /// path, so a second one is a bug in eksgrant.
    fn insert(&mut self, path: String, file: GeneratedFile) {
        assert!(
            !self.files.contains_key(&path),
            "two generated files share the path {path}"
        );
        self.files.insert(path, file);
    }

    /// The files, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &GeneratedFile)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    /// The file at `path` (relative to the output directory), if the
    /// generation has one.
    pub fn get(&self, path: &str) -> Option<&GeneratedFile> {
        self.files.get(path)
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the plan has no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The whole tree as one text: the list of paths, then each file under a
    /// banner line. This is what the tests snapshot.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for path in self.files.keys() {
            out.push_str(path);
            out.push('\n');
        }
        for (path, file) in &self.files {
            let _ = write!(
                out,
                "\n================ {path} ================\n{}",
                file.contents
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_given_away_makes_the_file_new_makes() {
        let bodies = [
            "# Doc\n",
            "# Doc",
            "# Doc\n\n",
            "\n# Doc\n",
            "# Doc\r\nmore\r\n",
            "{}\n",
        ];
        for kind in [
            FileKind::Markdown,
            FileKind::Json,
            FileKind::Terraform,
            FileKind::Yaml,
        ] {
            for body in bodies {
                let made = GeneratedFile::new(kind, body, "header");
                let owned = GeneratedFile::of_owned(kind, body.to_string(), "header");
                assert_eq!(owned.contents, made.contents, "{kind:?}: {body:?}");
                assert_eq!(owned.kind, made.kind, "{kind:?}");
            }
        }
    }
}
