//! Bringing an output directory in line with a plan, without ever losing a
//! user's work.
//!
//! [`Changes::compute`] reads the directory and the manifest and decides, for
//! every file, what a generation would do: create, update, delete, leave it,
//! or refuse because the file is not eksgrant's to touch (edited by hand, or
//! never written by eksgrant). Nothing is written until the whole plan has
//! rendered and every file has been classified; then [`Changes::apply`]
//! writes through temporary files, deletes what the previous generation
//! wrote and this one does not, removes the directories that leaves empty,
//! and records the manifest last. `--check` and `--dry-run` only report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::error::{Error, Result};
use crate::manifest::{self, ClusterRecord, MANIFEST_FILE, Manifest, PENDING_FILE, TEMP_SUFFIX};
use crate::plan::Plan;

/// What a generation does to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The file is new.
    Create,
    /// The file changes; eksgrant wrote it and nobody edited it since.
    Update,
    /// The previous generation wrote the file and this one does not.
    Delete,
    /// The file is already right; it is not rewritten.
    Unchanged,
}

/// Why eksgrant refuses to touch a file without `--force`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// eksgrant wrote it, and it was edited since.
    EditedByHand,
    /// eksgrant never wrote it, and the plan wants to write there.
    NotGenerated,
    /// eksgrant wrote it, it was edited since, and the plan drops it.
    EditedAndDropped,
}

impl Conflict {
    fn describe(self) -> &'static str {
        match self {
            Conflict::EditedByHand => "edited by hand since eksgrant wrote it",
            Conflict::NotGenerated => {
                "not written by eksgrant, and the spec now generates a file there"
            }
            Conflict::EditedAndDropped => "edited by hand, and the spec no longer generates it",
        }
    }
}

/// One file's fate.
#[derive(Debug)]
pub struct FileChange {
    /// Relative to the output directory.
    pub path: String,
    /// What happens to it.
    pub action: Action,
    /// Set when the file is not eksgrant's to change; `--force` overrides.
    pub conflict: Option<Conflict>,
    /// Its content on disk, when it exists.
    current: Option<Vec<u8>>,
    /// Its new content, unless it is deleted.
    new: Option<String>,
}

/// Everything a generation would do to an output directory.
#[derive(Debug)]
pub struct Changes {
    out: PathBuf,
    files: Vec<FileChange>,
    manifest: Manifest,
    manifest_current: bool,
}

/// What [`Changes::apply`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files created.
    pub created: usize,
    /// Files rewritten.
    pub updated: usize,
    /// Files deleted.
    pub deleted: usize,
    /// Files left as they were.
    pub unchanged: usize,
}

impl Changes {
    /// Classifies every file of `plan` and of the previous generation in
    /// `out`, whose manifest the caller has read as `recorded`. Reads only.
    pub fn compute(
        plan: &Plan,
        out: &Path,
        spec: &str,
        clusters: BTreeMap<String, ClusterRecord>,
        recorded: Option<&Manifest>,
    ) -> Result<Changes> {
        let pending = Manifest::read_pending(out)?;
        // A file is eksgrant's, unmodified, when its hash is one a
        // generation recorded: the last finished one, or one that was
        // interrupted while writing.
        let ours = |path: &str, hash: &str| {
            [recorded, pending.as_ref()]
                .into_iter()
                .flatten()
                .any(|m| m.files.get(path).is_some_and(|h| h == hash))
        };
        let listed = |path: &str| {
            [recorded, pending.as_ref()]
                .into_iter()
                .flatten()
                .any(|m| m.files.contains_key(path))
        };

        let mut files = Vec::new();
        let mut hashes = BTreeMap::new();
        for (path, generated) in plan.files() {
            hashes.insert(
                path.to_string(),
                manifest::hash(generated.contents.as_bytes()),
            );
            let current = read_if_exists(&out.join(path))?;
            let (action, conflict) = match &current {
                None => (Action::Create, None),
                Some(bytes) if bytes == generated.contents.as_bytes() => (Action::Unchanged, None),
                Some(bytes) if ours(path, &manifest::hash(bytes)) => (Action::Update, None),
                Some(_) if listed(path) => (Action::Update, Some(Conflict::EditedByHand)),
                Some(_) => (Action::Update, Some(Conflict::NotGenerated)),
            };
            files.push(FileChange {
                path: path.to_string(),
                action,
                conflict,
                current,
                new: Some(generated.contents.clone()),
            });
        }
        let previous: BTreeSet<&String> = [recorded, pending.as_ref()]
            .into_iter()
            .flatten()
            .flat_map(|m| m.files.keys())
            .collect();
        for path in previous {
            if plan.get(path).is_some() {
                continue;
            }
            let Some(bytes) = read_if_exists(&out.join(path))? else {
                continue;
            };
            let conflict =
                (!ours(path, &manifest::hash(&bytes))).then_some(Conflict::EditedAndDropped);
            files.push(FileChange {
                path: path.clone(),
                action: Action::Delete,
                conflict,
                current: Some(bytes),
                new: None,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));

        let manifest = Manifest::new(spec, hashes, clusters);
        let manifest_current = recorded == Some(&manifest) && pending.is_none();
        Ok(Changes {
            out: out.to_path_buf(),
            files,
            manifest,
            manifest_current,
        })
    }

    /// Every file and its fate, sorted by path.
    pub fn files(&self) -> &[FileChange] {
        &self.files
    }

    /// Whether the directory already holds exactly this generation.
    pub fn is_up_to_date(&self) -> bool {
        self.manifest_current && self.files.iter().all(|f| f.action == Action::Unchanged)
    }

    /// The files eksgrant will not touch without `--force`.
    pub fn conflicts(&self) -> impl Iterator<Item = &FileChange> {
        self.files.iter().filter(|f| f.conflict.is_some())
    }

    /// Writes the generation: refuses when a file is not eksgrant's to
    /// change, unless `force`.
    pub fn apply(&self, force: bool) -> Result<Summary> {
        if !force && self.conflicts().next().is_some() {
            return Err(Error::Conflicts {
                out: self.out.clone(),
                files: self
                    .conflicts()
                    .map(|f| format!("{}: {}", f.path, f.conflict.expect("filtered").describe()))
                    .collect(),
            });
        }
        let mut summary = Summary::default();
        if self.is_up_to_date() {
            summary.unchanged = self.files.len();
            return Ok(summary);
        }
        create_dir(&self.out)?;
        // Recorded first, so that a run that dies below leaves files the next
        // run recognises as its own.
        manifest::write_atomically(
            &self.out.join(PENDING_FILE),
            self.manifest.to_toml().as_bytes(),
        )?;
        let mut touched_dirs = BTreeSet::new();
        for change in &self.files {
            let path = self.out.join(&change.path);
            if let Some(parent) = path.parent() {
                touched_dirs.insert(parent.to_path_buf());
            }
            match change.action {
                Action::Unchanged => summary.unchanged += 1,
                Action::Create | Action::Update => {
                    if let Some(parent) = path.parent() {
                        create_dir(parent)?;
                    }
                    let content = change
                        .new
                        .as_deref()
                        .expect("created and updated files have content");
                    manifest::write_atomically(&path, content.as_bytes())?;
                    if change.action == Action::Create {
                        summary.created += 1;
                    } else {
                        summary.updated += 1;
                    }
                }
                Action::Delete => {
                    fs::remove_file(&path).map_err(|source| Error::Io {
                        action: "delete",
                        path: path.clone(),
                        source,
                    })?;
                    summary.deleted += 1;
                }
            }
        }
        for dir in &touched_dirs {
            remove_stale_temp_files(dir)?;
        }
        // Deepest first, so that a directory emptied by removing its only
        // subdirectory goes too.
        for dir in touched_dirs.iter().rev() {
            remove_empty_dirs(dir, &self.out);
        }
        manifest::write_atomically(
            &self.out.join(MANIFEST_FILE),
            self.manifest.to_toml().as_bytes(),
        )?;
        let pending = self.out.join(PENDING_FILE);
        fs::remove_file(&pending).map_err(|source| Error::Io {
            action: "delete",
            path: pending,
            source,
        })?;
        Ok(summary)
    }

    /// One line per file that would change, for `--dry-run`.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        let mut unchanged = 0;
        for change in &self.files {
            let verb = match change.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Delete => "delete",
                Action::Unchanged => {
                    unchanged += 1;
                    continue;
                }
            };
            let _ = write!(out, "{verb:<6} {}", change.path);
            if let Some(conflict) = change.conflict {
                let _ = write!(out, "  (refused without --force: {})", conflict.describe());
            }
            out.push('\n');
        }
        if !self.manifest_current && self.files.iter().all(|f| f.action == Action::Unchanged) {
            let _ = writeln!(out, "update {MANIFEST_FILE}");
        }
        let _ = writeln!(out, "{unchanged} unchanged");
        out
    }

    /// The listing, then a unified diff of every file that would be created or
    /// changed, for `--check`.
    pub fn diff(&self) -> String {
        let mut out = self.listing();
        for change in &self.files {
            if !matches!(change.action, Action::Create | Action::Update) {
                continue;
            }
            let old = change
                .current
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let new = change.new.as_deref().unwrap_or_default();
            let (from, to) = match change.action {
                Action::Create => ("/dev/null".to_string(), format!("b/{}", change.path)),
                _ => (format!("a/{}", change.path), format!("b/{}", change.path)),
            };
            out.push('\n');
            out.push_str(
                &TextDiff::from_lines(old.as_ref(), new)
                    .unified_diff()
                    .header(&from, &to)
                    .to_string(),
            );
        }
        out
    }
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    use std::io::ErrorKind::{NotADirectory, NotFound};
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        // A file where a parent directory should be: the file does not
        // exist; writing it will say what is in the way.
        Err(error) if matches!(error.kind(), NotFound | NotADirectory) => Ok(None),
        Err(source) => Err(Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn create_dir(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|source| Error::Io {
        action: "create the directory",
        path: path.to_path_buf(),
        source,
    })
}

/// Removes the temporary files an interrupted write left in `dir`.
fn remove_stale_temp_files(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
            let path = entry.path();
            fs::remove_file(&path).map_err(|source| Error::Io {
                action: "delete",
                path,
                source,
            })?;
        }
    }
    Ok(())
}

/// Removes `dir` and its parents up to (not including) `out` while they are
/// empty. A directory that still holds anything, the user's files included,
/// stays.
fn remove_empty_dirs(dir: &Path, out: &Path) {
    let mut current = dir;
    while current != out && current.starts_with(out) {
        if fs::remove_dir(current).is_err() {
            break;
        }
        match current.parent() {
            Some(parent) => current = parent,
            None => break,
        }
    }
}
