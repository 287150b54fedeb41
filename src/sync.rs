//! Bringing an output directory in line with a generation, without ever
//! losing a user's work.
//!
//! [`Incoming`] takes each file as it is rendered and decides its fate:
//! create, update, leave it, or refuse. When the run writes, a new or
//! changed file is staged at once in the run's staging directory, so the
//! tree is never in memory whole; before the first, the run's token goes
//! into the pending record, so that a run killed from there on leaves a
//! directory the next run removes as its own. [`Incoming::finish`] adds
//! the files to delete, which the previous generations wrote and this one
//! does not.
//!
//! Some refusals `--force` overrides (a generated file edited by hand, a
//! file of the user's where the spec now generates one); others nothing
//! does (a symbolic link on the way, the spec itself, a file where a
//! directory must be, a directory where a file must be). All of them are
//! found before anything in the tree changes and reported at once, and the
//! run takes back what it staged and its token.
//!
//! [`Changes::apply`] then records what the run may touch (merged into the
//! pending record of any interrupted run), deletes what it drops, flushes
//! the staged files, renames each into place, removes what interrupted
//! runs left and the directories left empty, and records the manifest
//! last. `--check` and `--dry-run` stage nothing, and only report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use similar::TextDiff;

use crate::error::{Error, Result};
use crate::manifest::{History, MANIFEST_FILE, Manifest, PENDING_FILE, Pending};
use crate::outdir::{Entry, OutDir, Staged, staging_token, temp_token};
use crate::plan::{GeneratedFile, Output};
use crate::text::{count, style};

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

/// Why eksgrant refuses to touch a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// eksgrant wrote it, and it was edited since. `--force` overwrites it.
    EditedByHand,
    /// eksgrant never wrote it, and the plan wants to write there. `--force`
    /// overwrites it.
    NotGenerated,
    /// eksgrant wrote it, it was edited since, and the plan drops it.
    /// `--force` deletes it.
    EditedAndDropped,
    /// It is the spec being generated from.
    IsTheSpec,
    /// A symbolic link at the path or on the way to it (`at`).
    Symlink {
        /// Where the link is.
        at: String,
    },
    /// Something other than a directory where a directory on the way must
    /// be (`at`).
    FileInTheWay {
        /// What is in the way.
        at: String,
    },
    /// A directory where the plan writes a file.
    DirectoryInTheWay,
    /// A FIFO, socket or device where the plan writes a file.
    NotAFile,
}

impl Conflict {
    /// Whether `--force` overrides it: only for regular files at paths
    /// eksgrant generates or recorded, never the spec, a link or a
    /// directory.
    pub fn forceable(&self) -> bool {
        matches!(
            self,
            Conflict::EditedByHand | Conflict::NotGenerated | Conflict::EditedAndDropped
        )
    }

    fn describe(&self, path: &str) -> String {
        match self {
            Conflict::EditedByHand => "edited by hand since eksgrant wrote it".into(),
            Conflict::NotGenerated => {
                "not written by eksgrant, and the spec now generates a file there".into()
            }
            Conflict::EditedAndDropped => {
                "edited by hand, and the spec no longer generates it".into()
            }
            Conflict::IsTheSpec => {
                "this is the spec itself, where the spec generates a file".into()
            }
            Conflict::Symlink { at } if at == path => {
                "a symbolic link, which eksgrant never writes, renames or deletes through".into()
            }
            Conflict::Symlink { at } => format!(
                "`{at}` is a symbolic link, which eksgrant never writes, renames or deletes through"
            ),
            Conflict::FileInTheWay { at } => {
                format!("`{at}` is a file of yours where eksgrant needs a directory")
            }
            Conflict::DirectoryInTheWay => "a directory where the spec generates a file".into(),
            Conflict::NotAFile => "not a regular file, where the spec generates one".into(),
        }
    }

    /// The path a report names: where the link or blocking file is, so
    /// that one link above a hundred files is reported once.
    fn culprit<'a>(&'a self, path: &'a str) -> &'a str {
        match self {
            Conflict::Symlink { at } | Conflict::FileInTheWay { at } => at,
            _ => path,
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
    /// Set when the path is not eksgrant's to change as it is.
    pub conflict: Option<Conflict>,
    /// What the diff shows of it, for `--check`: boxed, as most runs keep
    /// none, and a run keeps one `FileChange` per file it generates.
    shown: Option<Box<Shown>>,
}

/// The contents of a file that `--check` shows in its diff.
#[derive(Debug)]
struct Shown {
    /// Its content on disk, when it is a regular file that is updated.
    current: Option<Vec<u8>>,
    /// Its new content.
    new: String,
}

/// What a run keeps of each file it renders, besides its path, hash and
/// fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Writes: each new or changed file is staged on disk as it comes.
    Stage,
    /// `--check`: the old and new content of each file that changes, for
    /// the diff.
    Diff,
    /// `--dry-run`: nothing more.
    Nothing,
}

/// The files of a generation as they are rendered (an [`Output`]): each is
/// compared with what is on disk as it comes and, when the run writes,
/// staged in the run's staging directory (see [`OutDir::open_staging`]).
/// Only its path, hash and fate stay in memory, so a tree of any size is
/// never held whole. [`Incoming::finish`] then adds what the previous
/// generations wrote and this one does not.
#[derive(Debug)]
pub struct Incoming<'a> {
    out: &'a OutDir,
    /// The last complete generation's manifest.
    recorded: Option<&'a Manifest>,
    /// The record of interrupted runs, if any, as this run found it.
    pending: Option<Pending>,
    keep: Keep,
    /// Every generated file, in the order it came.
    files: Vec<FileChange>,
    /// The SHA-256 of each, in the same order, for the manifest: made its
    /// text (paths and `sha256:<hex>`) once rendering is over, so that
    /// rendering does not hold it.
    digests: Vec<[u8; 32]>,
    /// What is staged, waiting to be renamed into place.
    staged: Vec<Staged>,
    /// Whether the pending record names this run's token and its staging
    /// directory may exist: what [`Incoming::fail`] takes back.
    claimed: bool,
}

/// One file handed over to an [`Incoming`] by a thread.
pub struct Arrived {
    change: FileChange,
    digest: [u8; 32],
    /// The content to stage, when the run writes and the file changes.
    stage: Option<String>,
}

impl<'a> Incoming<'a> {
    /// Ready to take the files of a generation into `out`, whose manifest
    /// the caller has read as `recorded`. Reads only.
    pub fn new(out: &'a OutDir, recorded: Option<&'a Manifest>, keep: Keep) -> Result<Self> {
        out.check_root()?;
        Ok(Incoming {
            out,
            recorded,
            pending: Pending::read(out)?,
            keep,
            files: Vec::new(),
            digests: Vec::new(),
            staged: Vec::new(),
            claimed: false,
        })
    }

    /// The paths of the generated files so far, in the order they came.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|change| change.path.as_str())
    }

    /// Whether `hash` is the content a generation recorded for `path`: the
    /// last finished one, or any interrupted since. Such a file is
    /// eksgrant's, unmodified.
    fn ours(&self, path: &str, hash: &str) -> bool {
        ours(self.recorded, self.pending.as_ref(), path, hash)
    }

    /// Whether a generation recorded `path` at all.
    fn listed(&self, path: &str) -> bool {
        self.recorded.is_some_and(|m| m.files.contains_key(path))
            || self
                .pending
                .as_ref()
                .is_some_and(|p| p.files.contains_key(path))
    }

    /// Records this run's token in the pending record, then creates its
    /// staging directory: from here on, a run that dies leaves a directory
    /// the next run removes as its own.
    fn claim(&mut self) -> Result<()> {
        if self.claimed {
            return Ok(());
        }
        let record =
            Pending::merged_toml(self.pending.as_ref(), self.out.token(), &BTreeMap::new());
        self.out.write(PENDING_FILE, record.as_bytes())?;
        self.claimed = true;
        self.out.open_staging()
    }

    /// Takes back what the run staged, and its token from the pending
    /// record, when `error` ends it before the tree changed; an
    /// interruption leaves them, as a kill would. Returns `error`.
    pub fn fail(&self, error: Error) -> Error {
        taken_back(self.out, self.pending.as_ref(), self.claimed, error)
    }

    /// Adds what the previous generations wrote and this one does not, the
    /// interrupted runs' leftovers and the directories to remove; the new
    /// manifest is what `manifest` makes of the generated files' hashes.
    /// Reads only.
    pub fn finish(
        self,
        manifest: impl FnOnce(BTreeMap<String, String>) -> Manifest,
    ) -> Result<Changes<'a>> {
        let hashes = self.hashes();
        match self.dropped(&hashes) {
            Ok(dropped) => Ok(self.into_changes(dropped, manifest(hashes))),
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Each generated file's `sha256:<hex>`, by path: the manifest's list.
    fn hashes(&self) -> BTreeMap<String, String> {
        let mut hashes = BTreeMap::new();
        for (change, digest) in self.files.iter().zip(&self.digests) {
            let twice = hashes
                .insert(change.path.clone(), crate::sha256::hex(digest))
                .is_some();
            // The model gives every file a unique path: a second one is a
            // bug in eksgrant.
            assert!(!twice, "two generated files share the path {}", change.path);
        }
        hashes
    }

    /// What [`Incoming::finish`] adds, read from the directory: the deleted
    /// files, the leftovers of interrupted runs, and the directories left
    /// empty, deepest first.
    fn dropped(
        &self,
        hashes: &BTreeMap<String, String>,
    ) -> Result<(Vec<FileChange>, Leftovers, Vec<String>)> {
        let previous: BTreeSet<&String> = self
            .recorded
            .into_iter()
            .flat_map(|m| m.files.keys())
            .chain(self.pending.iter().flat_map(|p| p.files.keys()))
            .collect();
        let mut deleted = Vec::new();
        for path in &previous {
            if hashes.contains_key(path.as_str()) {
                continue;
            }
            let conflict = match self.out.entry(path)? {
                // Nothing of eksgrant's is there any more.
                Entry::Missing | Entry::Blocked { .. } | Entry::Directory | Entry::Special => {
                    continue;
                }
                Entry::File(bytes) => (!self.ours(path, &crate::sha256::hash(&bytes)))
                    .then_some(Conflict::EditedAndDropped),
                Entry::TooLarge => Some(Conflict::EditedAndDropped),
                other => Some(unusable(other)),
            };
            deleted.push(FileChange {
                path: (*path).clone(),
                action: Action::Delete,
                conflict,
                shown: None,
            });
        }
        let leftovers = leftovers(self.out, self.pending.as_ref())?;
        let kept_dirs: BTreeSet<&str> = hashes.keys().flat_map(|path| parents(path)).collect();
        let dropped_dirs = previous
            .iter()
            .flat_map(|path| parents(path))
            .filter(|dir| !kept_dirs.contains(dir))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .rev()
            .map(String::from)
            .collect();
        Ok((deleted, leftovers, dropped_dirs))
    }

    fn into_changes(
        self,
        (deleted, leftovers, dropped_dirs): (Vec<FileChange>, Leftovers, Vec<String>),
        manifest: Manifest,
    ) -> Changes<'a> {
        let Incoming {
            out,
            recorded,
            pending,
            mut files,
            staged,
            claimed,
            ..
        } = self;
        files.extend(deleted);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest_current =
            recorded.is_some_and(|r| r.same_generation(&manifest)) && pending.is_none();
        let inputs_current = recorded.is_some_and(|r| r.inputs == manifest.inputs);
        Changes {
            out,
            files,
            manifest,
            manifest_current,
            inputs_current,
            pending,
            leftovers,
            dropped_dirs,
            staged,
            claimed,
        }
    }
}

impl Output for Incoming<'_> {
    /// A view of the directory for the thread, and what it handed over.
    type Share = (OutDir, Vec<Arrived>);

    fn share(&self) -> Self::Share {
        (self.out.view(), Vec::new())
    }

    fn accept(
        &self,
        (view, arrived): &mut Self::Share,
        path: String,
        file: GeneratedFile,
    ) -> Result<()> {
        let new = file.contents;
        let (action, conflict, current) = fate(
            view.entry(&path)?,
            new.as_bytes(),
            |hash| self.ours(&path, hash),
            || self.listed(&path),
        );
        let digest = crate::sha256::digest(new.as_bytes());
        let changes = matches!(action, Action::Create | Action::Update);
        let (shown, stage) = match self.keep {
            Keep::Stage => (None, changes.then_some(new)),
            Keep::Diff => (changes.then(|| Box::new(Shown { current, new })), None),
            Keep::Nothing => (None, None),
        };
        arrived.push(Arrived {
            change: FileChange {
                path,
                action,
                conflict,
                shown,
            },
            digest,
            stage,
        });
        Ok(())
    }

    /// Keeps each file's fate and hash, and stages those that change, on
    /// every core.
    fn gather(&mut self, shares: Vec<Self::Share>) -> Result<()> {
        // Sorted, so that the files are staged and renamed in the same order
        // whichever thread took which.
        let mut round: Vec<Arrived> = shares
            .into_iter()
            .flat_map(|(_, arrived)| arrived)
            .collect();
        round.sort_unstable_by(|a, b| a.change.path.cmp(&b.change.path));
        let mut writes: Vec<(usize, String)> = Vec::new();
        for arrived in round {
            if let Some(content) = arrived.stage {
                writes.push((self.files.len(), content));
            }
            self.digests.push(arrived.digest);
            self.files.push(arrived.change);
        }
        if writes.is_empty() {
            return Ok(());
        }
        self.claim()?;
        let first = self.staged.len();
        let list: Vec<(usize, &str, &[u8])> = writes
            .iter()
            .enumerate()
            .map(|(i, (index, content))| {
                (
                    first + i,
                    self.files[*index].path.as_str(),
                    content.as_bytes(),
                )
            })
            .collect();
        let (staged, result) = self.out.stage_all(&list);
        self.staged.extend(staged);
        result
    }
}

/// Everything a generation would do to an output directory.
#[derive(Debug)]
pub struct Changes<'a> {
    out: &'a OutDir,
    files: Vec<FileChange>,
    manifest: Manifest,
    /// Whether the recorded manifest is this generation's (whatever inputs
    /// it names).
    manifest_current: bool,
    /// Whether it also names this generation's inputs.
    inputs_current: bool,
    /// The record of interrupted runs, if any.
    pending: Option<Pending>,
    /// What interrupted runs left.
    leftovers: Leftovers,
    /// Directories earlier generations wrote into that this one does not,
    /// deepest first: removed when the run leaves them empty.
    dropped_dirs: Vec<String>,
    /// The new and changed files, staged.
    staged: Vec<Staged>,
    /// Whether the pending record names this run (see [`Incoming`]).
    claimed: bool,
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

impl Changes<'_> {
    /// Every file and its fate, sorted by path.
    pub fn files(&self) -> &[FileChange] {
        &self.files
    }

    /// Whether the directory already holds exactly this generation.
    pub fn is_up_to_date(&self) -> bool {
        self.manifest_current
            && self.leftovers.is_empty()
            && self.files.iter().all(|f| f.action == Action::Unchanged)
    }

    /// The paths eksgrant will not touch as they are.
    pub fn conflicts(&self) -> impl Iterator<Item = &FileChange> {
        self.files.iter().filter(|f| f.conflict.is_some())
    }

    /// Writes the generation. Refuses, before writing anything, when a path
    /// is not eksgrant's to change: `force` overrides that for generated
    /// files edited by hand and for the user's files where the spec now
    /// generates one, never for anything else.
    pub fn apply(&self, force: bool) -> Result<Summary> {
        let out = self.out;
        let taken_back = |error| taken_back(out, self.pending.as_ref(), self.claimed, error);
        self.check_conflicts(force).map_err(taken_back)?;
        let mut summary = Summary::default();
        if self.is_up_to_date() {
            summary.unchanged = self.files.len();
            // The files are this generation's, made from other inputs (a
            // comment edited in the spec): the manifest takes the new ones,
            // so that the next run can skip rendering.
            if !self.inputs_current {
                out.write(MANIFEST_FILE, self.manifest.to_toml().as_bytes())
                    .map_err(taken_back)?;
            }
            return Ok(summary);
        }
        // Recorded first, so that a run that dies below leaves files the next
        // run recognises as its own.
        let pending =
            Pending::merged_toml(self.pending.as_ref(), out.token(), &self.manifest.files);
        out.write(PENDING_FILE, pending.as_bytes())
            .map_err(taken_back)?;
        drop(pending);
        let written = self.change_the_tree(&mut summary);
        if let Err(error) = written {
            // The tree may have changed: the pending record stays for the
            // next run. A failure takes back what is still staged; an
            // interruption leaves it, as a kill would.
            if !matches!(error, Error::Interrupted { .. }) {
                let _ = out.remove_staging(out.token());
            }
            return Err(error);
        }
        // The renames and deletions are on disk before the manifest says
        // they happened.
        out.flush()?;
        out.write(MANIFEST_FILE, self.manifest.to_toml().as_bytes())?;
        out.remove_file(PENDING_FILE)?;
        Ok(summary)
    }

    /// Deletes what this generation drops, puts every staged file on disk
    /// with one flush and only then renames it into place, and clears what
    /// interrupted runs left: a crash at any point leaves each path old or
    /// new, as one flush per file did, at the cost of one flush for the
    /// whole tree.
    fn change_the_tree(&self, summary: &mut Summary) -> Result<()> {
        let out = self.out;
        for change in &self.files {
            match change.action {
                Action::Unchanged => summary.unchanged += 1,
                Action::Delete => {
                    out.remove_file(&change.path)?;
                    summary.deleted += 1;
                }
                Action::Create => summary.created += 1,
                Action::Update => summary.updated += 1,
            }
        }
        out.flush()?;
        out.commit_all(&self.staged)?;
        if self.claimed {
            out.remove_staging(out.token())?;
        }
        for token in &self.leftovers.staging {
            out.remove_staging(token)?;
        }
        for leftover in &self.leftovers.files {
            out.remove_file(leftover)?;
        }
        for dir in &self.dropped_dirs {
            out.remove_dir_if_empty(dir)?;
        }
        Ok(())
    }

    /// Fails with every conflict `force` does not override.
    fn check_conflicts(&self, force: bool) -> Result<()> {
        let refused: Vec<&FileChange> = self
            .conflicts()
            .filter(|f| !force || !f.conflict.as_ref().is_some_and(Conflict::forceable))
            .collect();
        if refused.is_empty() {
            return Ok(());
        }
        // One line per culprit: a link above a hundred files is one problem.
        let mut lines: BTreeMap<&str, (String, usize)> = BTreeMap::new();
        for change in &refused {
            let conflict = change.conflict.as_ref().expect("filtered");
            let culprit = conflict.culprit(&change.path);
            lines
                .entry(culprit)
                .and_modify(|(_, n)| *n += 1)
                .or_insert_with(|| (conflict.describe(culprit), 1));
        }
        let files = lines
            .into_iter()
            .map(|(culprit, (reason, n))| match n {
                1 => format!("{culprit}: {reason}"),
                _ => format!(
                    "{culprit}: {reason} ({} below it)",
                    count(n, "generated path")
                ),
            })
            .collect();
        let forceable = refused
            .iter()
            .filter(|f| f.conflict.as_ref().is_some_and(Conflict::forceable))
            .count();
        let mut help = String::from("nothing was written. ");
        if forceable < refused.len() {
            help.push_str(
                "eksgrant never writes through a symbolic link, over the spec, or over anything but a regular file, even with --force: move those out of the way (keep the spec where no generated file goes) and run again",
            );
            if forceable > 0 {
                help.push_str(". For the files edited by hand or yours, ");
            }
        }
        if forceable > 0 {
            help.push_str(if forceable < refused.len() {
                "move your changes into the spec (or into a file of your own, such as backend.tf), or run with --force to overwrite them"
            } else {
                "Move your changes into the spec (or into a file of your own, such as backend.tf), or run again with --force to overwrite them"
            });
        }
        Err(Error::Conflicts {
            out: self.out.root().to_path_buf(),
            files,
            help,
        })
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
            if let Some(conflict) = &change.conflict {
                let refused = if conflict.forceable() {
                    "refused without --force"
                } else {
                    "refused"
                };
                let _ = write!(out, "  ({refused}: {})", conflict.describe(&change.path));
            }
            out.push('\n');
        }
        if !(self.manifest_current && self.inputs_current)
            && self.files.iter().all(|f| f.action == Action::Unchanged)
        {
            let _ = writeln!(out, "update {MANIFEST_FILE}");
        }
        let _ = writeln!(out, "{unchanged} unchanged");
        out
    }

    /// The listing, then a unified diff of every file that would be created or
    /// changed, for `--check`.
    pub fn diff(&self) -> Diff {
        let mut files = Vec::new();
        for change in &self.files {
            if !matches!(change.action, Action::Create | Action::Update) {
                continue;
            }
            let shown = change.shown.as_deref();
            let old = shown
                .and_then(|shown| shown.current.as_deref())
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let new = shown.map(|shown| shown.new.as_str()).unwrap_or_default();
            let (from, to) = match change.action {
                Action::Create => ("/dev/null".to_string(), format!("b/{}", change.path)),
                _ => (format!("a/{}", change.path), format!("b/{}", change.path)),
            };
            files.push(
                TextDiff::from_lines(old.as_ref(), new)
                    .unified_diff()
                    .header(&from, &to)
                    .to_string(),
            );
        }
        Diff {
            listing: self.listing(),
            files,
        }
    }
}

/// What `--check` prints when the directory is out of date: the listing,
/// then a unified diff of each file that would be created or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    listing: String,
    files: Vec<String>,
}

impl Diff {
    /// The text, coloured for a terminal or plain.
    pub fn to_text(&self, colour: bool) -> String {
        let mut out = self.listing.clone();
        for file in &self.files {
            out.push('\n');
            if !colour {
                out.push_str(file);
                continue;
            }
            // Each file's diff is two header lines, then hunks whose lines
            // each start with `@`, ` `, `+`, `-` or `\`: the first character
            // says what a line is.
            for (i, line) in file.split_inclusive('\n').enumerate() {
                let (text, newline) = match line.strip_suffix('\n') {
                    Some(text) => (text, "\n"),
                    None => (line, ""),
                };
                let style = match text.as_bytes().first() {
                    _ if i < 2 => Some(style::HEADER),
                    Some(b'@') => Some(style::HUNK),
                    Some(b'+') => Some(style::GAIN),
                    Some(b'-') => Some(style::LOSS),
                    _ => None,
                };
                match style {
                    Some(style) => {
                        let _ = write!(out, "{style}{text}{style:#}{newline}");
                    }
                    None => out.push_str(line),
                }
            }
        }
        out
    }
}

impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text(false))
    }
}

/// Whether `out` holds exactly the generation `manifest` records, found
/// without rendering anything: no interrupted run's record or temporary
/// file, and every recorded file a regular file (reached without a link)
/// with its recorded hash. For a run whose inputs are the ones the manifest
/// names, this is the whole answer to "is anything to do?".
pub fn holds(out: &OutDir, manifest: &Manifest) -> Result<bool> {
    out.check_root()?;
    if Pending::read(out)?.is_some() || !leftovers(out, None)?.is_empty() {
        return Ok(false);
    }
    // Reading and hashing every file is the whole cost of a run with
    // nothing to do: it is shared among the cores, each thread reading
    // through its own view of the directory.
    let files: Vec<(&String, &String)> = manifest.files.iter().collect();
    let parts = crate::parallel::chunks(
        &files,
        || out.view(),
        |reader, chunk| {
            for (path, hash) in chunk {
                match reader.entry(path)? {
                    Entry::File(bytes) if crate::sha256::hash(&bytes) == **hash => {}
                    _ => return Ok(false),
                }
            }
            Ok(true)
        },
    );
    let mut holds = true;
    for part in parts {
        holds &= part?;
    }
    Ok(holds)
}

/// Reads the previous generation's manifest in `out`, with the history it
/// records: what the transition of this generation follows on from. Call
/// it with the lock held when the changes are to be applied, and before
/// rendering.
pub fn previous_generation(out: &OutDir) -> Result<Option<(Manifest, History)>> {
    let Some(manifest) = Manifest::read(out)? else {
        return Ok(None);
    };
    let mut history = manifest.history();
    objects_from_files(out, &manifest, &mut history)?;
    Ok(Some((manifest, history)))
}

/// Fills in the objects of a generation whose manifest predates their
/// record (an eksgrant that did not record them), so that the first
/// generation of this one still revokes what the spec no longer grants:
/// read back from the Kubernetes files it wrote on each cluster, each as
/// long as it holds the content the manifest records (a file edited since
/// says nothing of what was applied). A cluster with files and no objects
/// recorded is such a generation's: one that records them lists every
/// object of every file.
fn objects_from_files(out: &OutDir, manifest: &Manifest, history: &mut History) -> Result<()> {
    /// The part of an object that names it.
    #[derive(serde::Deserialize)]
    struct Object {
        kind: String,
        metadata: Metadata,
    }
    #[derive(serde::Deserialize)]
    struct Metadata {
        name: String,
        namespace: Option<String>,
    }
    for (key, record) in &mut history.clusters {
        if !record.objects.is_empty() {
            continue;
        }
        let dir = format!("{}/", crate::model::paths::kubernetes_dir(key));
        for (path, hash) in manifest.files.range(dir.clone()..) {
            if !path.starts_with(&dir) {
                break;
            }
            // The objects' files; the Kustomization names them.
            if std::path::Path::new(path)
                .extension()
                .is_none_or(|e| e != "yaml")
            {
                continue;
            }
            let Entry::File(bytes) = out.entry(path)? else {
                continue;
            };
            if crate::sha256::hash(&bytes) != *hash {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            // Document by document: one that does not read as an object
            // (none of eksgrant's) keeps none of the others from being.
            let documents = text.split("\n---\n");
            let objects = documents.filter_map(|doc| serde_saphyr::from_str::<Object>(doc).ok());
            for object in objects {
                let text = match &object.metadata.namespace {
                    Some(namespace) => {
                        format!("{} {namespace}/{}", object.kind, object.metadata.name)
                    }
                    None => format!("{} {}", object.kind, object.metadata.name),
                };
                if let Ok(object) = text.parse() {
                    record.objects.insert(object);
                }
            }
        }
    }
    Ok(())
}

/// Whether `hash` is the content the manifest `recorded` or an interrupted
/// run since (`pending`) gave `path`: a file eksgrant wrote, unmodified.
fn ours(recorded: Option<&Manifest>, pending: Option<&Pending>, path: &str, hash: &str) -> bool {
    recorded.is_some_and(|m| m.files.get(path).is_some_and(|h| h == hash))
        || pending.is_some_and(|p| p.files.get(path).is_some_and(|h| h.contains(hash)))
}

/// Undoes what a run did before its first change to the tree, when `error`
/// ends it there: removes its staging directory and puts back the pending
/// record as the run found it (`pending`), when the run had `claimed` them.
/// An interruption leaves them, as a kill would. Best effort: the run is
/// failing already, and what stays is what a kill would leave, which the
/// next run clears. Returns `error`.
fn taken_back(out: &OutDir, pending: Option<&Pending>, claimed: bool, error: Error) -> Error {
    if claimed && !matches!(error, Error::Interrupted { .. }) {
        let _ = out.remove_staging(out.token());
        let _ = match pending {
            Some(pending) => out.write(PENDING_FILE, pending.to_toml().as_bytes()),
            None => out.remove_file(PENDING_FILE),
        };
    }
    error
}

/// What writing `new` does to a path that holds `entry`: the action, the
/// conflict if the path is not eksgrant's to change, and the content on disk
/// when the diff shows it. `ours` says whether a content hash is one a
/// generation recorded for the path, `listed` whether one recorded it at all.
fn fate(
    entry: Entry,
    new: &[u8],
    ours: impl FnOnce(&str) -> bool,
    listed: impl FnOnce() -> bool,
) -> (Action, Option<Conflict>, Option<Vec<u8>>) {
    match entry {
        Entry::Missing => (Action::Create, None, None),
        Entry::File(bytes) if bytes == new => (Action::Unchanged, None, None),
        Entry::File(bytes) => {
            let conflict = if ours(&crate::sha256::hash(&bytes)) {
                None
            } else if listed() {
                Some(Conflict::EditedByHand)
            } else {
                Some(Conflict::NotGenerated)
            };
            (Action::Update, conflict, Some(bytes))
        }
        // Larger than anything eksgrant writes: not its own.
        Entry::TooLarge if listed() => (Action::Update, Some(Conflict::EditedByHand), None),
        Entry::TooLarge => (Action::Update, Some(Conflict::NotGenerated), None),
        Entry::Blocked { at } => (Action::Create, Some(Conflict::FileInTheWay { at }), None),
        other => (Action::Update, Some(unusable(other)), None),
    }
}

/// The conflict for something at a path that eksgrant can neither read as
/// its own file nor replace.
fn unusable(entry: Entry) -> Conflict {
    match entry {
        Entry::Spec => Conflict::IsTheSpec,
        Entry::Symlink { at } => Conflict::Symlink { at },
        Entry::Blocked { at } => Conflict::FileInTheWay { at },
        Entry::Directory => Conflict::DirectoryInTheWay,
        Entry::Special | Entry::Missing | Entry::File(_) | Entry::TooLarge => Conflict::NotAFile,
    }
}

/// The directories on the way to `path`, deepest last: `a`, `a/b` for
/// `a/b/c`.
fn parents(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(|(end, _)| &path[..end])
}

/// What interrupted runs left in the output directory.
#[derive(Debug, Default)]
struct Leftovers {
    /// Their staging directories, by token.
    staging: Vec<String>,
    /// Their temporary files beside their paths (the records', and those of
    /// runs of eksgrant before staging directories).
    files: Vec<String>,
}

impl Leftovers {
    fn is_empty(&self) -> bool {
        self.staging.is_empty() && self.files.is_empty()
    }
}

/// What interrupted runs left: the staging directories named with a token
/// in the pending record; its temporary files named with such a token in
/// the directories its files are in; and the temporary files of the records
/// themselves at the root (written before a token is recorded). Only real
/// directories and regular files: a link with such a name is not
/// eksgrant's.
fn leftovers(out: &OutDir, pending: Option<&Pending>) -> Result<Leftovers> {
    let is_record_temp = |name: &str| {
        temp_token(name).is_some()
            && [MANIFEST_FILE, PENDING_FILE]
                .iter()
                .any(|record| name.starts_with(&format!(".{record}.")))
    };
    let mut dirs = BTreeSet::from([""]);
    if let Some(pending) = pending {
        dirs.extend(
            pending
                .files
                .keys()
                .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d)),
        );
    }
    let from_a_run = |token: &str| pending.is_some_and(|p| p.runs.contains(token));
    let mut found = Leftovers::default();
    for name in out.names_in("")? {
        if let Some(token) = staging_token(&name)
            && from_a_run(token)
            && out.is_dir(&name)?
        {
            found.staging.push(token.to_string());
        }
    }
    for dir in dirs {
        for name in out.names_in(dir)? {
            let of_a_run = temp_token(&name).is_some_and(from_a_run);
            if !(of_a_run || dir.is_empty() && is_record_temp(&name)) {
                continue;
            }
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if out.is_file(&path)? {
                found.files.push(path);
            }
        }
    }
    Ok(found)
}
