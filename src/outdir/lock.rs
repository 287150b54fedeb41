//! One `generate` at a time per output directory.
//!
//! The lock is an advisory lock (`flock` on Unix, `LockFileEx` on Windows)
//! on `.eksgrant-lock` in the output directory, held for the whole run. The
//! operating system drops it when the process dies, however it dies, so a
//! lock file nobody holds was left by a killed run: it is removed and made
//! anew. There is no process ID to check for staleness and no way to get it
//! wrong. The file names its holder, for the message a waiting run prints;
//! eksgrant writes only into a lock file it has just created (`O_EXCL`), as
//! one it finds could be a hard link to a file anywhere.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{Entry, OutDir, io, open_options};
use crate::error::{Error, Result};

/// The lock file's name in the output directory.
pub const LOCK_FILE: &str = ".eksgrant-lock";

/// How long a run waits for another to finish before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// How often a waiting run tries again.
const RETRY: Duration = Duration::from_millis(50);

/// The held lock; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: Option<File>,
    path: PathBuf,
}

impl OutDir {
    /// Takes the output directory's lock, creating the directory when it
    /// does not exist; waits up to `wait` for another run to finish, then
    /// fails naming its process.
    pub fn lock(&self, wait: Duration) -> Result<RunLock> {
        self.check_root()?;
        fs::create_dir_all(self.root())
            .map_err(|source| io("create the directory", self.root(), source))?;
        let path = self.path(LOCK_FILE);
        let started = Instant::now();
        loop {
            match self.entry_without_content(LOCK_FILE)? {
                Entry::Missing => {
                    // A file this run creates is the only kind it writes
                    // into: one it found could be a hard link to anything.
                    let created =
                        open_options(OpenOptions::new().write(true).create_new(true)).open(&path);
                    let mut file = match created {
                        Ok(file) => file,
                        Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
                        Err(source) => return Err(io("create the lock file", &path, source)),
                    };
                    // Another run may have taken the new file for a stale
                    // one and removed it before this one locked it.
                    if file.try_lock().is_err() || !still_at(&file, &path) {
                        continue;
                    }
                    writeln!(file, "eksgrant generate, process {}", std::process::id())
                        .map_err(|source| io("write the lock file", &path, source))?;
                    return Ok(RunLock {
                        file: Some(file),
                        path,
                    });
                }
                Entry::File(_) => {
                    let file = match open_options(OpenOptions::new().read(true)).open(&path) {
                        Ok(file) => file,
                        Err(error) if error.kind() == ErrorKind::NotFound => continue,
                        Err(source) => return Err(io("open the lock file", &path, source)),
                    };
                    match file.try_lock() {
                        // Nobody holds it: the run that made it was killed.
                        // Removed while locked, so that a run waiting on it
                        // sees it gone, then made anew.
                        Ok(()) => {
                            if still_at(&file, &path) {
                                fs::remove_file(&path)
                                    .or_else(|e| match e.kind() {
                                        ErrorKind::NotFound => Ok(()),
                                        _ => Err(e),
                                    })
                                    .map_err(|source| {
                                        io("remove the stale lock file", &path, source)
                                    })?;
                            }
                        }
                        Err(fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                            std::thread::sleep(RETRY);
                        }
                        Err(fs::TryLockError::WouldBlock) => {
                            let mut holder = String::new();
                            let _ = file.take(256).read_to_string(&mut holder);
                            return Err(Error::Locked {
                                out: self.root().to_path_buf(),
                                holder: holder.trim().to_string(),
                                waited: wait,
                            });
                        }
                        Err(fs::TryLockError::Error(source)) => {
                            return Err(io("lock", &path, source));
                        }
                    }
                }
                other => return Err(self.refusal(LOCK_FILE, &other)),
            }
        }
    }
}

impl RunLock {
    /// Lets the lock go as a killed process would: the file stays and the
    /// operating system releases the lock. For tests of interrupted runs.
    pub fn abandon(mut self) {
        self.file.take();
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if self.file.is_some() {
            // Removed while still held, so no other run can lock this file
            // after it is gone; the handle closes (releasing it) right after.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn still_at(file: &File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Windows does not remove a file another process has open, so the file
/// cannot have changed under the lock.
#[cfg(not(unix))]
fn still_at(_file: &File, _path: &std::path::Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutDir::new(dir.path()).lock(LOCK_WAIT).unwrap();
        let error = OutDir::new(dir.path())
            .lock(Duration::from_millis(120))
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(!dir.path().join(LOCK_FILE).exists());
        let second = OutDir::new(dir.path()).lock(LOCK_WAIT).unwrap();
        drop(second);
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_hard_link_is_never_written_into() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        fs::write(&victim, "precious\n").unwrap();
        fs::hard_link(&victim, dir.path().join(LOCK_FILE)).unwrap();
        let lock = OutDir::new(dir.path()).lock(LOCK_WAIT).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        drop(lock);
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(!dir.path().join(LOCK_FILE).exists());
    }

    #[test]
    fn an_abandoned_lock_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        OutDir::new(dir.path()).lock(LOCK_WAIT).unwrap().abandon();
        assert!(dir.path().join(LOCK_FILE).is_file());
        let lock = OutDir::new(dir.path())
            .lock(Duration::from_millis(10))
            .unwrap();
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());
    }
}
