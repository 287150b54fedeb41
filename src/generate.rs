//! The whole of `eksgrant generate`, as a library call: load the spec,
//! take the output directory's lock, follow on from the previous
//! generation, render, and write, check or list the changes.
//!
//! The binary parses arguments, calls [`generate`], prints the [`Report`]
//! and maps it to an exit status; the tests call it the same way.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Problem, Result};
use crate::manifest;
use crate::outdir::{BeforeChange, LOCK_WAIT, OutDir};
use crate::render::{RenderOptions, render};
use crate::sync::{Changes, Diff, Summary, holds, previous_generation};

/// What to generate, from where, into where, and how.
pub struct GenerateOptions {
    /// The spec file.
    pub spec: PathBuf,
    /// The output directory; `None`: the directory holding the spec.
    pub out: Option<PathBuf>,
    /// Write, check or list.
    pub mode: Mode,
    /// Whether any warning of the spec (one its `allow` lists do not
    /// acknowledge) fails the run with [`Error::DeniedWarnings`] before the
    /// output directory is read, locked or written.
    pub deny_warnings: bool,
    /// Called before every change to the output directory; tests use it to
    /// stop a run part-way, as a kill would.
    pub before_change: Option<BeforeChange>,
}

/// What `generate` does with the changes it computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bring the output directory up to date; `force` overwrites generated
    /// files edited by hand and the user's files at generated paths.
    Write {
        /// Whether to override the conflicts `--force` overrides.
        force: bool,
    },
    /// Write nothing; report whether the directory is up to date, and the
    /// diff when it is not.
    Check,
    /// Write nothing; list what would change.
    DryRun,
}

/// What a generation did or found.
#[derive(Debug)]
pub struct Report {
    /// The output directory, as the options named it (or defaulted it).
    pub out: PathBuf,
    /// The outcome.
    pub outcome: Outcome,
    /// What the user must do that the spec's change implies beyond the
    /// files, such as moving Terraform state to a new layout's roots.
    pub notices: Vec<String>,
}

/// The outcome of [`generate`].
#[derive(Debug)]
pub enum Outcome {
    /// [`Mode::Write`]: what was written.
    Written(Summary),
    /// [`Mode::Check`]: the directory holds exactly this generation.
    UpToDate,
    /// [`Mode::Check`]: it does not; the listing and unified diff.
    OutOfDate(Diff),
    /// [`Mode::DryRun`]: what would change.
    Listing(String),
}

/// Runs a generation; `warn` receives the spec's warnings as soon as the
/// spec is loaded, before anything else can fail.
pub fn generate(options: GenerateOptions, mut warn: impl FnMut(Problem)) -> Result<Report> {
    let spec = options.spec.as_path();
    let mut loaded = crate::load(spec)?;
    let warnings = std::mem::take(&mut loaded.warnings);
    let count = warnings.len();
    for warning in warnings {
        warn(warning);
    }
    if options.deny_warnings && count > 0 {
        return Err(Error::DeniedWarnings {
            file: spec.to_path_buf(),
            warnings: count,
        });
    }
    let out = options.out.clone().unwrap_or_else(|| spec_dir(spec));
    let spec_shown = relative_to(&out, spec).display().to_string();
    let render_options = RenderOptions::new(&spec_shown, !same_place(&spec_dir(spec), &out));
    let out_dir = OutDir::new(&out).protect(spec)?;
    if let Some(hook) = options.before_change {
        out_dir.before_change(hook);
    }
    // Held from before the manifest is read until the manifest is written,
    // so that no other run changes the tree this one plans against.
    let lock = match options.mode {
        Mode::Write { .. } => Some(out_dir.lock(LOCK_WAIT)?),
        Mode::Check | Mode::DryRun => None,
    };
    let outcome = (|| {
        let previous = previous_generation(&out_dir, &mut loaded)?;
        let inputs = manifest::inputs(
            loaded.source.text(),
            &render_options.spec,
            &render_options.regenerate,
            &loaded.model,
        );
        // The same inputs render the same files: when the manifest names
        // them and the tree holds what it records, there is nothing to do.
        if let Some(previous) = &previous
            && previous.inputs.as_deref() == Some(inputs.as_str())
            && holds(&out_dir, previous)?
        {
            let unchanged = previous.files.len();
            return Ok(match options.mode {
                Mode::Check => Outcome::UpToDate,
                Mode::DryRun => Outcome::Listing(format!("{unchanged} unchanged\n")),
                Mode::Write { .. } => Outcome::Written(Summary {
                    unchanged,
                    ..Summary::default()
                }),
            });
        }
        let plan = render(&loaded.model, &render_options)?;
        let changes = Changes::compute(
            &plan,
            &out_dir,
            &spec_shown,
            &inputs,
            &loaded.model,
            previous.as_ref(),
        )?;
        Ok(match options.mode {
            Mode::Check if changes.is_up_to_date() => Outcome::UpToDate,
            Mode::Check => Outcome::OutOfDate(changes.diff()),
            Mode::DryRun => Outcome::Listing(changes.listing()),
            Mode::Write { force } => Outcome::Written(changes.apply(force)?),
        })
    })();
    // An interruption leaves the lock file behind, as a kill would.
    if let (Err(Error::Interrupted { .. }), Some(lock)) = (&outcome, lock) {
        lock.abandon();
    }
    let notices = crate::transitions::notices(&loaded.model);
    // Freeing an organisation's model (hundreds of thousands of small
    // allocations) is a tenth of a run that has nothing to do. Nothing reads
    // it any more: a thread of its own frees it while the caller goes on,
    // and a process that exits first hands the memory back whole. (Where no
    // thread can be started, the model is freed here.)
    let _ = std::thread::Builder::new().spawn(move || drop(loaded));
    Ok(Report {
        out,
        outcome: outcome?,
        notices,
    })
}

/// The directory holding the spec (`.` for a bare file name).
fn spec_dir(spec: &Path) -> PathBuf {
    match spec.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether two paths name the same place, however spelled (`out`, `./out`,
/// `out/`).
fn same_place(a: &Path, b: &Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => normalise(&a) == normalise(&b),
        _ => a == b,
    }
}

/// `file` as seen from `dir`, e.g. `../examples/x.toml`; both are made
/// absolute first, and `file` is returned as given when that fails.
fn relative_to(dir: &Path, file: &Path) -> PathBuf {
    let (Ok(dir), Ok(file)) = (std::path::absolute(dir), std::path::absolute(file)) else {
        return file.to_path_buf();
    };
    let dir = normalise(&dir);
    let file = normalise(&file);
    let common = dir
        .components()
        .zip(file.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in dir.components().skip(common) {
        relative.push("..");
    }
    for component in file.components().skip(common) {
        relative.push(component);
    }
    relative
}

/// Removes `.` and resolves `..` lexically (`init` names paths in its
/// workflow this way too, as git sees them).
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_named_from_the_output_directory() {
        assert_eq!(
            relative_to(Path::new("/a/out"), Path::new("/a/specs/x.toml")),
            Path::new("../specs/x.toml")
        );
        assert_eq!(
            relative_to(Path::new("/a"), Path::new("/a/./x.toml")),
            Path::new("x.toml")
        );
        assert!(same_place(Path::new("/a/out/"), Path::new("/a/./out")));
        assert_eq!(spec_dir(Path::new("x.toml")), Path::new("."));
    }
}
