//! `eksgrant init`: the files a spec starts with, each written once and the
//! user's from then on.
//!
//! The starter spec, the JSON Schema its `#:schema` line names, and, with
//! `--ci github`, a GitHub Actions workflow that checks the spec and the
//! generated files. Nothing is ever overwritten: an existing spec is an
//! error (unless only the workflow is asked for), an existing schema is
//! kept, an existing workflow is an error. Everything is checked before the
//! first file is created, and a failure part-way removes what this run
//! created, so a run writes all its files or none.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::generate::normalise;

/// The JSON Schema file written beside the spec, which the starter spec's
/// `#:schema` line names (relative to the spec).
pub const SCHEMA_FILE: &str = "eksgrant.schema.json";

/// Where `--ci github` puts its workflow, from the repository's root.
pub const GITHUB_WORKFLOW_FILE: &str = ".github/workflows/eksgrant.yml";

/// A CI system `init` writes a workflow for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    /// GitHub Actions.
    Github,
}

/// What a file `init` wrote or kept is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// The starter spec.
    Spec,
    /// The spec's JSON Schema.
    Schema,
    /// The CI workflow; `in_git_root` says whether it went to the root of
    /// the git repository above the spec rather than beside the spec.
    Workflow {
        /// Whether a git repository holds the spec.
        in_git_root: bool,
    },
}

/// What `init` did, in the order it did it.
#[derive(Debug, Default)]
pub struct Report {
    /// Files created.
    pub written: Vec<(PathBuf, Starter)>,
    /// Files that were there already and were left as they are.
    pub kept: Vec<(PathBuf, Starter)>,
}

/// Writes the starter spec at `spec`, its schema beside it, and the
/// workflow of `ci`. With `ci` and an existing spec, writes only the
/// workflow, for that spec.
pub fn init(spec: &Path, ci: Option<Ci>) -> Result<Report> {
    // `eksgrant.toml` has the parent "", which names files beside it as
    // they are named on the command line.
    let dir = spec.parent().unwrap_or(Path::new(""));
    let mut report = Report::default();
    let mut files: Vec<(PathBuf, String, Starter)> = Vec::new();
    if exists(spec) {
        if ci.is_none() {
            return Err(Error::Exists {
                path: spec.to_path_buf(),
            });
        }
        report.kept.push((spec.to_path_buf(), Starter::Spec));
    } else {
        files.push((
            spec.to_path_buf(),
            crate::STARTER_SPEC.to_string(),
            Starter::Spec,
        ));
        let schema = dir.join(SCHEMA_FILE);
        if exists(&schema) {
            report.kept.push((schema, Starter::Schema));
        } else {
            let text = format!("{}\n", crate::spec::json_schema());
            files.push((schema, text, Starter::Schema));
        }
    }
    if let Some(Ci::Github) = ci {
        let repository = Repository::holding(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })?;
        let path = repository.shown_root.join(GITHUB_WORKFLOW_FILE);
        if exists(&path) {
            return Err(Error::Exists { path });
        }
        let name = spec.file_name().map_or(spec, Path::new);
        let workflow = crate::render::github_workflow(
            &slash_path(&repository.spec_dir.join(name))?,
            &slash_path(&repository.spec_dir)?,
        )?;
        let in_git_root = repository.in_git;
        files.push((path, workflow, Starter::Workflow { in_git_root }));
    }
    let mut created = Created::default();
    for (path, text, what) in files {
        if let Err(error) = created.write(&path, &text) {
            created.undo();
            return Err(error);
        }
        report.written.push((path, what));
    }
    Ok(report)
}

/// Whether anything is at `path`, a dangling link included.
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// The repository a workflow is written for: the git repository holding
/// the spec's directory, or that directory itself when none does (it is
/// then taken to be the repository's root).
struct Repository {
    /// The root, as the user would recognise it: relative to the current
    /// directory when under it, absolute otherwise.
    shown_root: PathBuf,
    /// The spec's directory, relative to the root.
    spec_dir: PathBuf,
    /// Whether a `.git` was found.
    in_git: bool,
}

impl Repository {
    fn holding(dir: &Path) -> Result<Self> {
        let cwd = std::env::current_dir().map_err(|source| Error::Io {
            action: "find the current directory for",
            path: dir.to_path_buf(),
            source,
        })?;
        let absolute = normalise(&cwd.join(dir));
        let root = absolute.ancestors().find(|a| exists(&a.join(".git")));
        let (root, in_git) = match root {
            Some(root) => (root.to_path_buf(), true),
            None => (absolute.clone(), false),
        };
        let spec_dir = absolute
            .strip_prefix(&root)
            .expect("the root is an ancestor of the spec's directory")
            .to_path_buf();
        let shown_root = match root.strip_prefix(normalise(&cwd)) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => root,
        };
        Ok(Self {
            shown_root,
            spec_dir,
            in_git,
        })
    }
}

/// A relative path as the workflow names it: `/` between components, `.`
/// for the root itself. A path that is not UTF-8 cannot be named in YAML.
fn slash_path(path: &Path) -> Result<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        let part = component.as_os_str().to_str().ok_or_else(|| Error::Io {
            action: "name in the workflow",
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the path is not UTF-8, which a workflow cannot name",
            ),
        })?;
        parts.push(part);
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// What this run created, to remove when a later step fails.
#[derive(Default)]
struct Created {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Created {
    /// Creates `path` (and the directories above it) with `text`; refuses
    /// to replace anything already there.
    fn write(&mut self, path: &Path, text: &str) -> Result<()> {
        let io = |source| Error::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            let missing: Vec<&Path> = parent
                .ancestors()
                .take_while(|dir| !dir.as_os_str().is_empty() && !exists(dir))
                .collect();
            for dir in missing.into_iter().rev() {
                fs::create_dir(dir).map_err(io)?;
                self.dirs.push(dir.to_path_buf());
            }
        }
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::Exists {
                    path: path.to_path_buf(),
                });
            }
            Err(error) => return Err(io(error)),
        };
        self.files.push(path.to_path_buf());
        file.write_all(text.as_bytes()).map_err(io)
    }

    /// Removes what was created, newest first; a directory something else
    /// has written into since stays.
    fn undo(self) {
        for file in self.files.iter().rev() {
            let _ = fs::remove_file(file);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_named_with_slashes_from_the_root() {
        assert_eq!(slash_path(Path::new("")).unwrap(), ".");
        assert_eq!(
            slash_path(Path::new("infra/eks/eksgrant.toml")).unwrap(),
            "infra/eks/eksgrant.toml"
        );
        assert_eq!(
            normalise(Path::new("/repo/./infra/../eks")),
            PathBuf::from("/repo/eks")
        );
    }
}
