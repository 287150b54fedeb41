//! The output directory: the only code that reads, writes, renames or
//! deletes anything in it.
//!
//! The output directory is a checkout people share and apply with
//! administrator credentials, so whatever it holds may be hostile: a
//! committed symbolic link must not make eksgrant write, rename or delete
//! anything outside it. Every path below the root is therefore walked one
//! component at a time with `symlink_metadata`, and any symbolic link met on
//! the way is refused, never followed. Files are opened with `O_NOFOLLOW` (on
//! Unix) and temporary files are created with `O_EXCL`, so even a link that
//! appears at a file after the walk is not written through, and files are
//! replaced by renaming, never rewritten in place, so a hard link to a file
//! elsewhere is replaced, never written through. The root itself is the
//! directory the user named and may be reached through links.
//!
//! What this does not defend against is a process racing eksgrant inside
//! the output directory while it runs, swapping a directory for a link
//! between the walk and the write: such a process can already rewrite the
//! generated Terraform, which is worse. Two eksgrant runs are kept apart by
//! [`RunLock`].
//!
//! Paths below the root are relative, `/`-separated and made only of normal
//! components (the manifest's reader refuses any other).

mod lock;

use std::collections::BTreeSet;
use std::fs::{self, Metadata, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

pub use lock::{LOCK_FILE, LOCK_WAIT, RunLock};

use crate::error::{Error, Result};

/// The suffix of every temporary file eksgrant writes.
pub const TEMP_SUFFIX: &str = ".eksgrant-tmp";

/// The start of the name of a run's staging directory (see
/// [`staging_name`]).
pub const STAGING_PREFIX: &str = ".eksgrant-staging.";

/// What a path below the root holds, seen without following any link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Nothing: neither the path nor, possibly, some directory on the way.
    Missing,
    /// A regular file, with its content.
    File(Vec<u8>),
    /// The spec eksgrant is generating from: never to be written or deleted.
    Spec,
    /// A directory, whatever it holds.
    Directory,
    /// A symbolic link, at the path itself or at a directory on the way
    /// (`at`, relative to the root).
    Symlink {
        /// Where the link is.
        at: String,
    },
    /// Something other than a directory (`at`) where a directory on the way
    /// must be.
    Blocked {
        /// What is in the way.
        at: String,
    },
    /// A FIFO, socket or device: not something eksgrant reads or replaces.
    Special,
    /// A regular file larger than [`MAX_READ`]: not one eksgrant wrote, and
    /// not read into memory.
    TooLarge,
}

/// A file written under a temporary name (beside its path, or in the run's
/// staging directory), waiting for [`OutDir::commit`] to rename it into
/// place.
#[derive(Debug)]
pub struct Staged {
    relative: String,
    temp: Temp,
}

/// Where a [`Staged`] file waits.
#[derive(Debug)]
enum Temp {
    /// Under its number in the run's staging directory: the path is made
    /// again when it is renamed, as an organisation's run stages tens of
    /// thousands of files and would otherwise hold all their paths.
    Numbered(usize),
    /// Beside its path (the records).
    Beside(PathBuf),
}

/// The largest file eksgrant reads from the output directory: far above
/// any it writes (the largest, `ACCESS.md` of thousands of workloads, is a
/// few megabytes), far below what would exhaust memory.
pub const MAX_READ: u64 = 64 << 20;

/// Called before every change eksgrant makes below the root, with the path
/// it is about to change; an error stops the run there, as a kill would.
/// Tests use it to interrupt runs at every possible point.
pub type BeforeChange = Box<dyn FnMut(&str) -> Result<()> + Send>;

/// An output directory, and this run's way of changing it.
pub struct OutDir {
    root: PathBuf,
    /// Directories below the root already seen to be real directories.
    directories: Slot<BTreeSet<String>>,
    /// Directories below the root seen not to exist (until this run makes
    /// them): a cold run looks up thousands of files below a few of them.
    absent: Slot<BTreeSet<String>>,
    /// The spec's identity, so that no write or deletion can reach it.
    spec: Option<FileId>,
    /// This run's part of temporary file names: its process ID and a random
    /// number, so that no other run, and no file of the user's, shares them.
    token: String,
    before_change: Slot<Option<BeforeChange>>,
}

impl std::fmt::Debug for OutDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutDir")
            .field("root", &self.root)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl OutDir {
    /// The output directory at `root`, which need not exist yet.
    pub fn new(root: &Path) -> OutDir {
        OutDir {
            root: root.to_path_buf(),
            directories: Slot::default(),
            absent: Slot::default(),
            spec: None,
            token: format!("{}-{:016x}", std::process::id(), random()),
            before_change: Slot::default(),
        }
    }

    /// Marks `spec` as the file eksgrant generates from: wherever it sits
    /// below the root, it is reported as [`Entry::Spec`] and never written
    /// or deleted.
    pub fn protect(mut self, spec: &Path) -> Result<OutDir> {
        let metadata = fs::metadata(spec).map_err(|source| Error::Io {
            action: "read the spec",
            path: spec.to_path_buf(),
            source,
        })?;
        self.spec = FileId::of(spec, &metadata);
        Ok(self)
    }

    /// A view of the same directory for another thread: the same root,
    /// spec and token, its own caches, and no hook. It reads, and stages and
    /// commits files for [`OutDir::stage_all`] and [`OutDir::commit_all`].
    #[must_use]
    pub fn view(&self) -> OutDir {
        OutDir {
            root: self.root.clone(),
            directories: Slot::default(),
            absent: Slot::default(),
            spec: self.spec.clone(),
            token: self.token.clone(),
            before_change: Slot::default(),
        }
    }

    /// Sets the hook called before every change (see [`BeforeChange`]).
    pub fn before_change(&self, hook: BeforeChange) {
        *self.before_change.borrow() = Some(hook);
    }

    /// The directory, as the user named it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// This run's part of temporary file names.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The full path of `relative`, for messages.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Fails when the root exists and is not a directory (it may be reached
    /// through a link: it is the directory the user named).
    pub fn check_root(&self) -> Result<()> {
        match fs::metadata(&self.root) {
            Ok(metadata) if !metadata.is_dir() => Err(Error::Unsafe {
                path: self.root.clone(),
                reason: "is not a directory",
            }),
            _ => Ok(()),
        }
    }

    /// What `relative` holds, without following a link; reads the content
    /// of a regular file.
    pub fn entry(&self, relative: &str) -> Result<Entry> {
        self.inspect(relative, true)
    }

    /// Writes `content` to `relative` through a temporary file beside it,
    /// flushed to disk and renamed into place, so that the file is either
    /// old or new, never half written; creates the directories on the way.
    /// For the records (manifest, pending record), each of which must be on
    /// disk before the run goes on; generated files go through
    /// [`OutDir::stage_all`], [`OutDir::flush`] and [`OutDir::commit_all`]
    /// instead, so that thousands of them cost one flush, not one each.
    ///
    /// Refuses to write through a link, over the spec, or over anything but
    /// a regular file; the planning step has reported those already.
    pub fn write(&self, relative: &str, content: &[u8]) -> Result<()> {
        // What is at `relative` is checked once, by the rename.
        self.make_parents(relative)?;
        let temp = Temp::Beside(self.path(&self.temp_name(relative)));
        let staged = self.create(relative, temp, content, true)?;
        self.commit(&staged)
    }

    /// Creates this run's staging directory (see [`staging_name`]), which
    /// [`OutDir::stage_all`] writes into. The caller has first recorded the
    /// run's token in the pending record, so that a run that dies from here
    /// on leaves a directory the next run knows as its own.
    pub fn open_staging(&self) -> Result<()> {
        let name = staging_name(&self.token);
        self.step(&name)?;
        let path = self.path(&name);
        fs::create_dir(&path).map_err(|source| io("create the directory", &path, source))
    }

    /// Removes the staging directory of run `token` and everything in it,
    /// when it is a real directory: a link or a file of that name is not
    /// eksgrant's. (Removing a directory never follows the links in it.)
    pub fn remove_staging(&self, token: &str) -> Result<()> {
        let name = staging_name(token);
        if !self.is_dir(&name)? {
            return Ok(());
        }
        self.step(&name)?;
        let path = self.path(&name);
        match fs::remove_dir_all(&path) {
            Ok(()) => Ok(()),
            Err(error) if is_missing(&error) => Ok(()),
            Err(source) => Err(io("delete the directory", &path, source)),
        }
    }

    /// Writes `content` into this run's staging directory under `number`,
    /// to be renamed to `relative` by [`OutDir::commit`] once
    /// [`OutDir::flush`] has put it on disk. A failure removes the staged
    /// file; an interruption leaves it, as a kill would, for the next run
    /// to remove with the directory.
    fn stage(&self, number: usize, relative: &str, content: &[u8]) -> Result<Staged> {
        // Where one flush of the whole file system is not available, each
        // file is flushed as it is written.
        self.create(
            relative,
            Temp::Numbered(number),
            content,
            !cfg!(target_os = "linux"),
        )
    }

    /// The path `temp` stands for.
    fn temp_path(&self, temp: &Temp) -> PathBuf {
        match temp {
            Temp::Numbered(number) => self
                .path(&staging_name(&self.token))
                .join(number.to_string()),
            Temp::Beside(path) => path.clone(),
        }
    }

    /// Creates `temp`, which must not exist, with `content`, on its way to
    /// `relative`.
    fn create(&self, relative: &str, temp: Temp, content: &[u8], sync: bool) -> Result<Staged> {
        self.step(relative)?;
        let path = self.temp_path(&temp);
        let mut file = open_options(OpenOptions::new().write(true).create_new(true))
            .open(&path)
            .map_err(|source| io("write", &path, source))?;
        let result = (|| {
            self.step(relative)?;
            file.write_all(content)
                .and_then(|()| if sync { file.sync_all() } else { Ok(()) })
                .map_err(|source| io("write", &path, source))
        })();
        match result {
            Ok(()) => Ok(Staged {
                relative: relative.to_string(),
                temp,
            }),
            Err(error) => {
                if !matches!(error, Error::Interrupted { .. }) {
                    let _ = fs::remove_file(&path);
                }
                Err(error)
            }
        }
    }

    /// Fails unless `relative` is missing or a regular file eksgrant may
    /// replace.
    fn check_replaceable(&self, relative: &str) -> Result<()> {
        match self.entry_without_content(relative)? {
            Entry::Missing | Entry::File(_) => Ok(()),
            other => Err(self.refusal(relative, &other)),
        }
    }

    /// Puts every file staged so far on disk: on Linux one `syncfs` of the
    /// file system holding the root (each staged file was flushed as it was
    /// written elsewhere). Also makes the renames before it durable.
    pub fn flush(&self) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let root =
                fs::File::open(&self.root).map_err(|source| io("flush", &self.root, source))?;
            // SAFETY: `syncfs` takes an open descriptor, which `root` holds
            // for the duration of the call, and touches no memory of ours.
            if unsafe { libc::syncfs(root.as_raw_fd()) } != 0 {
                return Err(io("flush", &self.root, std::io::Error::last_os_error()));
            }
        }
        Ok(())
    }

    /// Renames a staged file into place, creating the directories on the
    /// way, unless what is at its path now is not a regular file (a link,
    /// a directory) or a directory on the way is not a real one.
    pub fn commit(&self, staged: &Staged) -> Result<()> {
        let temp = self.temp_path(&staged.temp);
        let result = (|| {
            self.make_parents(&staged.relative)?;
            self.check_replaceable(&staged.relative)?;
            self.step(&staged.relative)?;
            let target = self.path(&staged.relative);
            fs::rename(&temp, &target).map_err(|source| io("write", &target, source))
        })();
        if let Err(error) = &result
            && !matches!(error, Error::Interrupted { .. })
        {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// Stages every file (its number in the staging directory, its path,
    /// its content), shared among the cores: on a tmpfs or a warm disk,
    /// writing is the kernel copying bytes, and a few hundred files keep
    /// both cores busy. Returns what was staged, and the first error in
    /// list order if any. With a hook set, the files are staged one after
    /// another on this thread, so that every step comes in order (the tests
    /// stop runs at each).
    pub fn stage_all(&self, files: &[(usize, &str, &[u8])]) -> (Vec<Staged>, Result<()>) {
        let stage = |out: &OutDir, chunk: &[(usize, &str, &[u8])]| {
            let mut staged = Vec::with_capacity(chunk.len());
            let result = chunk.iter().try_for_each(|(number, relative, content)| {
                staged.push(out.stage(*number, relative, content)?);
                Ok(())
            });
            (staged, result)
        };
        if self.before_change.borrow().is_some() {
            return stage(self, files);
        }
        let parts = crate::parallel::chunks_weighed(
            files,
            |(_, _, content)| content.len() + crate::parallel::PER_FILE,
            || self.view(),
            |view, chunk| stage(&view, chunk),
        );
        let mut staged = Vec::with_capacity(files.len());
        let mut result = Ok(());
        for (part, part_result) in parts {
            staged.extend(part);
            if result.is_ok() {
                result = part_result;
            }
        }
        (staged, result)
    }

    /// [`OutDir::commit`] of every staged file, shared among the cores as
    /// [`OutDir::stage_all`] shares them, and in order with a hook set.
    /// The error is the first in list order.
    pub fn commit_all(&self, staged: &[Staged]) -> Result<()> {
        if self.before_change.borrow().is_some() {
            return staged.iter().try_for_each(|file| self.commit(file));
        }
        crate::parallel::chunks(
            staged,
            || self.view(),
            |view, chunk| chunk.iter().try_for_each(|file| view.commit(file)),
        )
        .into_iter()
        .collect()
    }

    /// Deletes the regular file at `relative`.
    pub fn remove_file(&self, relative: &str) -> Result<()> {
        match self.entry_without_content(relative)? {
            Entry::File(_) => {}
            Entry::Missing => return Ok(()),
            other => return Err(self.refusal(relative, &other)),
        }
        self.step(relative)?;
        let path = self.path(relative);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if is_missing(&error) => Ok(()),
            Err(source) => Err(io("delete", &path, source)),
        }
    }

    /// Removes the directory at `relative` if it is empty; returns whether
    /// it did. A link, or a directory that holds anything, stays.
    pub fn remove_dir_if_empty(&self, relative: &str) -> Result<bool> {
        if self.entry_without_content(relative)? != Entry::Directory {
            return Ok(false);
        }
        let path = self.path(relative);
        let empty = fs::read_dir(&path)
            .map_err(|source| io("read the directory", &path, source))?
            .next()
            .is_none();
        if !empty {
            return Ok(false);
        }
        self.step(relative)?;
        match fs::remove_dir(&path) {
            Ok(()) => {
                self.directories.borrow().remove(relative);
                Ok(true)
            }
            Err(error) if is_missing(&error) || error.kind() == ErrorKind::DirectoryNotEmpty => {
                Ok(false)
            }
            Err(source) => Err(io("delete the directory", &path, source)),
        }
    }

    /// The names in the directory at `relative` (`""`: the root), or none
    /// when it is not a real directory.
    pub fn names_in(&self, relative: &str) -> Result<Vec<String>> {
        if !relative.is_empty() && self.entry_without_content(relative)? != Entry::Directory {
            return Ok(Vec::new());
        }
        let path = self.path(relative);
        let entries = match fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(error) if is_missing(&error) => return Ok(Vec::new()),
            Err(source) => return Err(io("read the directory", &path, source)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| io("read the directory", &path, source))?;
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Whether `relative` is a regular file (not a link, not the spec).
    pub fn is_file(&self, relative: &str) -> Result<bool> {
        Ok(matches!(
            self.entry_without_content(relative)?,
            Entry::File(_)
        ))
    }

    /// Whether `relative` is a real directory (not a link).
    pub fn is_dir(&self, relative: &str) -> Result<bool> {
        Ok(self.entry_without_content(relative)? == Entry::Directory)
    }

    /// The temporary file a write of `relative` goes through: hidden, beside
    /// it, named with this run's token.
    pub fn temp_name(&self, relative: &str) -> String {
        temp_name(relative, &self.token)
    }

    /// Like [`OutDir::entry`], without reading a file's content: a regular
    /// file comes back as an empty [`Entry::File`].
    fn entry_without_content(&self, relative: &str) -> Result<Entry> {
        self.inspect(relative, false)
    }

    fn inspect(&self, relative: &str, read: bool) -> Result<Entry> {
        debug_assert!(is_contained(relative), "{relative}");
        if let Some(stop) = self.walk(relative)? {
            return Ok(stop);
        }
        let path = self.path(relative);
        let metadata = match fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if is_missing(&error) => return Ok(Entry::Missing),
            Err(source) => return Err(io("inspect", &path, source)),
        };
        let kind = metadata.file_type();
        if kind.is_symlink() {
            return Ok(Entry::Symlink {
                at: relative.to_string(),
            });
        }
        if kind.is_dir() {
            return Ok(Entry::Directory);
        }
        if !kind.is_file() {
            return Ok(Entry::Special);
        }
        if self.is_spec(&path, &metadata) {
            return Ok(Entry::Spec);
        }
        if !read {
            return Ok(Entry::File(Vec::new()));
        }
        if metadata.len() > MAX_READ {
            return Ok(Entry::TooLarge);
        }
        let content = open_options(OpenOptions::new().read(true))
            .open(&path)
            .and_then(|mut file| read_all(&mut file, metadata.len()))
            .map_err(|source| io("read", &path, source))?;
        Ok(content.map_or(Entry::TooLarge, Entry::File))
    }

    /// Checks each directory on the way to `relative`: `None` when all are
    /// real directories, otherwise what stops the walk.
    fn walk(&self, relative: &str) -> Result<Option<Entry>> {
        for (end, _) in relative.match_indices('/') {
            let dir = &relative[..end];
            if self.directories.borrow().contains(dir) {
                continue;
            }
            if self.absent.borrow().contains(dir) {
                return Ok(Some(Entry::Missing));
            }
            let path = self.path(dir);
            let metadata = match fs::symlink_metadata(&path) {
                Ok(metadata) => metadata,
                Err(error) if is_missing(&error) => {
                    self.absent.borrow().insert(dir.to_string());
                    return Ok(Some(Entry::Missing));
                }
                Err(source) => return Err(io("inspect", &path, source)),
            };
            let kind = metadata.file_type();
            if kind.is_symlink() {
                return Ok(Some(Entry::Symlink { at: dir.into() }));
            }
            if !kind.is_dir() {
                return Ok(Some(Entry::Blocked { at: dir.into() }));
            }
            self.directories.borrow().insert(dir.to_string());
        }
        Ok(None)
    }

    /// Creates the directories on the way to `relative`, one at a time,
    /// refusing a link or a file where one must be.
    fn make_parents(&self, relative: &str) -> Result<()> {
        for (end, _) in relative.match_indices('/') {
            let dir = &relative[..end];
            if self.directories.borrow().contains(dir) {
                continue;
            }
            match self.entry_without_content(dir)? {
                Entry::Directory => {}
                Entry::Missing => {
                    self.step(dir)?;
                    self.absent.borrow().remove(dir);
                    let path = self.path(dir);
                    match fs::create_dir(&path) {
                        Ok(()) => {}
                        Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                            // Raced: whatever is there now is checked below.
                            if self.entry_without_content(dir)? != Entry::Directory {
                                return Err(Error::Unsafe {
                                    path,
                                    reason: "appeared while eksgrant was writing",
                                });
                            }
                        }
                        Err(source) => return Err(io("create the directory", &path, source)),
                    }
                }
                other => return Err(self.refusal(dir, &other)),
            }
            self.directories.borrow().insert(dir.to_string());
        }
        Ok(())
    }

    /// The error for a change refused because of what is at `relative`.
    fn refusal(&self, relative: &str, entry: &Entry) -> Error {
        let (at, reason) = match entry {
            Entry::Symlink { at } => (at.as_str(), "is a symbolic link"),
            Entry::Blocked { at } => (at.as_str(), "is not a directory"),
            Entry::Spec => (relative, "is the spec"),
            Entry::Directory => (relative, "is a directory"),
            Entry::Special | Entry::TooLarge => (relative, "is not a regular file"),
            Entry::Missing | Entry::File(_) => (relative, "changed while eksgrant was writing"),
        };
        Error::Unsafe {
            path: self.path(at),
            reason,
        }
    }

    fn is_spec(&self, path: &Path, metadata: &Metadata) -> bool {
        self.spec
            .as_ref()
            .is_some_and(|spec| Some(spec) == FileId::of(path, metadata).as_ref())
    }

    fn step(&self, relative: &str) -> Result<()> {
        match self.before_change.borrow().as_mut() {
            Some(hook) => hook(relative),
            None => Ok(()),
        }
    }
}

/// A `RefCell` that threads may share: a lock that is never contended,
/// since each thread works through a view of its own
/// ([`OutDir::view`]); it only lets a view be shared with the threads that
/// make theirs from it.
#[derive(Default)]
struct Slot<T>(Mutex<T>);

impl<T> Slot<T> {
    fn borrow(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The directory at the root that run `token` stages its generated files
/// in: hidden, and named with the token, which the run records in the
/// pending record before creating it.
pub fn staging_name(token: &str) -> String {
    format!("{STAGING_PREFIX}{token}")
}

/// The run token in a staging directory's name, if it is one.
pub fn staging_token(name: &str) -> Option<&str> {
    name.strip_prefix(STAGING_PREFIX)
        .filter(|token| !token.is_empty())
}

/// The temporary file a write of `relative` goes through in run `token`.
pub fn temp_name(relative: &str, token: &str) -> String {
    let (dir, name) = match relative.rsplit_once('/') {
        Some((dir, name)) => (format!("{dir}/"), name),
        None => (String::new(), relative),
    };
    format!("{dir}.{name}.{token}{TEMP_SUFFIX}")
}

/// The run token in a temporary file's name, if it is one.
pub fn temp_token(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let (file, token) = inner.rsplit_once('.')?;
    (!file.is_empty() && !token.is_empty()).then_some(token)
}

/// What identifies a file whatever the path to it: device and inode on
/// Unix, the canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

impl FileId {
    #[cfg(unix)]
    #[allow(clippy::unnecessary_wraps)] // the non-Unix version can fail
    fn of(_path: &Path, metadata: &Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId::Inode(metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _metadata: &Metadata) -> Option<FileId> {
        fs::canonicalize(path).ok().map(FileId::Path)
    }
}

/// `options`, never following a link at the last component (`O_NOFOLLOW`);
/// elsewhere the walk has checked it.
fn open_options(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Reads `file` to its end, expecting `len` (at most [`MAX_READ`]) bytes:
/// one read for the content and one to see the end, without the `fstat` and
/// `lseek` that `read_to_end` spends on each file to size its buffer. `None`
/// when the file has grown past [`MAX_READ`] since it was measured.
fn read_all(file: &mut fs::File, len: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut content = vec![0; len.min(MAX_READ) as usize + 1];
    let mut filled = 0;
    loop {
        match file.read(&mut content[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled as u64 > MAX_READ {
                    return Ok(None);
                }
                if filled == content.len() {
                    content.resize(content.len() * 2, 0);
                }
            }
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    content.truncate(filled);
    Ok(Some(content))
}

/// Whether an error means the path (or a directory on the way) is not there.
fn is_missing(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

fn io(action: &'static str, path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A number no other run started at the same moment will draw: std's
/// per-process random hash keys, mixed with the time.
fn random() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Whether a path (a manifest's, a generated file's) stays inside the
/// output directory: relative, no `..`, no root or drive.
pub(crate) fn is_contained(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_the_run_token() {
        assert_eq!(
            temp_name("terraform/versions.tf", "12-ab"),
            "terraform/.versions.tf.12-ab.eksgrant-tmp"
        );
        assert_eq!(temp_name("ACCESS.md", "1-f"), ".ACCESS.md.1-f.eksgrant-tmp");
        assert_eq!(temp_token(".versions.tf.12-ab.eksgrant-tmp"), Some("12-ab"));
        assert_eq!(temp_token(".versions.tf.eksgrant-tmp"), Some("tf"));
        assert_eq!(temp_token("versions.tf.12-ab.eksgrant-tmp"), None);
        assert_eq!(temp_token(".x.eksgrant-tmp"), None);
    }

    #[test]
    fn files_staged_on_every_core_land_in_place_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::new(dir.path());
        let staging = dir.path().join(staging_name(out.token()));
        out.open_staging().unwrap();
        let paths: Vec<String> = (0..64).map(|i| format!("d{}/f{i}.tf", i % 5)).collect();
        let files: Vec<(usize, &str, &[u8])> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.as_str(), p.as_bytes()))
            .collect();
        let (staged, result) = out.stage_all(&files);
        result.unwrap();
        assert_eq!(staged.len(), 64);
        assert_eq!(fs::read_dir(&staging).unwrap().count(), 64);
        assert!(!dir.path().join("d0").exists(), "nothing is in place yet");
        out.commit_all(&staged).unwrap();
        for path in &paths {
            assert_eq!(fs::read_to_string(dir.path().join(path)).unwrap(), *path);
        }
        assert_eq!(fs::read_dir(&staging).unwrap().count(), 0);

        // A path that cannot be written (its directory is a file): staging
        // does not look, the rename refuses, the error is the first in list
        // order, and what is left staged goes with the directory.
        fs::write(dir.path().join("blocked1"), "mine").unwrap();
        fs::write(dir.path().join("blocked2"), "mine").unwrap();
        // (Two chunks on two cores, each failing after one file.)
        let files: Vec<(usize, &str, &[u8])> = vec![
            (64, "ok/a", b"a"),
            (65, "blocked1/x", b"x"),
            (66, "ok/b", b"b"),
            (67, "blocked2/y", b"y"),
        ];
        let (staged, result) = out.stage_all(&files);
        result.unwrap();
        let result = out.commit_all(&staged);
        assert!(
            matches!(&result, Err(Error::Unsafe { path, .. }) if path.ends_with("blocked1")),
            "{result:?}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("blocked1")).unwrap(),
            "mine"
        );
        out.remove_staging(out.token()).unwrap();
        assert!(!staging.exists());
    }

    #[test]
    fn a_staging_directory_is_removed_only_when_it_is_a_real_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::new(dir.path());
        assert_eq!(staging_token(&staging_name("1-ab")), Some("1-ab"));
        assert_eq!(staging_token(".eksgrant-staging."), None);
        assert_eq!(staging_token("eksgrant-staging.1-ab"), None);
        // A file of the user's with a staging directory's name stays.
        fs::write(dir.path().join(staging_name("1-ab")), "mine").unwrap();
        out.remove_staging("1-ab").unwrap();
        assert!(dir.path().join(staging_name("1-ab")).is_file());
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().unwrap();
            fs::write(elsewhere.path().join("keep"), "mine").unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(staging_name("2-cd")))
                .unwrap();
            out.remove_staging("2-cd").unwrap();
            assert!(elsewhere.path().join("keep").is_file());
        }
    }

    #[test]
    fn two_runs_draw_different_tokens() {
        let dir = tempfile::tempdir().unwrap();
        assert_ne!(OutDir::new(dir.path()).token, OutDir::new(dir.path()).token);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_reported_never_followed() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("victim"), "mine").unwrap();
        let root = dir.path();
        symlink(outside.path(), root.join("link")).unwrap();
        symlink(outside.path().join("victim"), root.join("file")).unwrap();
        let out = OutDir::new(root);

        let link = Entry::Symlink { at: "link".into() };
        assert_eq!(out.entry("link/victim").unwrap(), link);
        assert_eq!(out.entry("link/new.tf").unwrap(), link);
        assert_eq!(
            out.entry("file").unwrap(),
            Entry::Symlink { at: "file".into() }
        );
        for error in [
            out.write("link/new.tf", b"x").unwrap_err(),
            out.write("file", b"x").unwrap_err(),
            out.remove_file("link/victim").unwrap_err(),
        ] {
            assert!(matches!(error, Error::Unsafe { .. }), "{error:?}");
        }
        assert!(!out.remove_dir_if_empty("link").unwrap());
        assert_eq!(
            fs::read_to_string(outside.path().join("victim")).unwrap(),
            "mine"
        );
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 1);
    }

    #[test]
    fn writes_replace_whole_files_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::new(dir.path());
        out.write("a/b/c.tf", b"one").unwrap();
        out.write("a/b/c.tf", b"two").unwrap();
        assert_eq!(out.entry("a/b/c.tf").unwrap(), Entry::File(b"two".to_vec()));
        assert_eq!(out.names_in("a/b").unwrap(), ["c.tf"]);
        out.remove_file("a/b/c.tf").unwrap();
        assert!(out.remove_dir_if_empty("a/b").unwrap());
        assert!(out.remove_dir_if_empty("a").unwrap());
        assert_eq!(out.names_in("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn the_spec_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("ACCESS.md");
        fs::write(&spec, "version = 1\n").unwrap();
        let out = OutDir::new(dir.path()).protect(&spec).unwrap();
        assert_eq!(out.entry("ACCESS.md").unwrap(), Entry::Spec);
        assert!(out.write("ACCESS.md", b"# overview").is_err());
        assert!(out.remove_file("ACCESS.md").is_err());
        assert_eq!(fs::read_to_string(&spec).unwrap(), "version = 1\n");
    }

    #[test]
    fn a_file_where_a_directory_goes_blocks_the_path() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("terraform"), "mine").unwrap();
        let out = OutDir::new(dir.path());
        assert_eq!(
            out.entry("terraform/versions.tf").unwrap(),
            Entry::Blocked {
                at: "terraform".into()
            }
        );
        assert!(out.write("terraform/versions.tf", b"x").is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("terraform")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn manifest_paths_must_stay_inside() {
        assert!(is_contained("terraform/versions.tf"));
        assert!(!is_contained("../outside.tf"));
        assert!(!is_contained("/etc/passwd"));
        assert!(!is_contained("a/../../b"));
        assert!(!is_contained(""));
    }
}
