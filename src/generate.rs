//! The whole of `eksgrant generate`, as a library call: load the spec,
//! take the output directory's lock, follow on from the previous
//! generation, render, and write, check or list the changes.
//!
//! The binary parses arguments, calls [`generate`], prints the [`Report`]
//! and maps it to an exit status; the tests call it the same way.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Problem, Result};
use crate::manifest::{self, History, Manifest, RecordedWarning};
use crate::model::Transition;
use crate::model::transition::check;
use crate::outdir::{BeforeChange, LOCK_WAIT, OutDir, RunLock};
use crate::render::{RenderOptions, render_into};
use crate::source::SourceFile;
use crate::spec::AuthenticationMode;
use crate::sync::{Diff, Incoming, Keep, Summary, holds, previous_generation};
use crate::text::count;

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
    /// output directory is locked or written (its manifest may have been
    /// read, to find that the spec has not changed since a generation
    /// without warnings).
    pub deny_warnings: bool,
    /// Whether the last generation's apply order was carried out in full:
    /// its one-off steps (mode switches, pod restarts, revocations,
    /// imports, state moves), which each generation otherwise carries on,
    /// are done ([`History::acknowledged`]).
    pub applied: bool,
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
    /// Written, found current or stale (`--check`), or listed (`--dry-run`).
    pub outcome: Outcome,
    /// What the user must do that the spec's change implies beyond the
    /// files, such as moving Terraform state to a new layout's roots.
    pub notices: Vec<String>,
    /// Whose access the change touches, against the generation the output
    /// directory held, when it touches anyone's (not for `--check`).
    pub access: Option<AccessChanges>,
}

/// A generation's change to who may do what, against the one before it,
/// in brief: the subjects whose access changed (by the digests the
/// manifests record), the clusters whose mode moves, and the objects to
/// revoke. `eksgrant diff` says what changed; ACCESS.md how to apply it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AccessChanges {
    /// Subjects new to the spec.
    pub added: Vec<String>,
    /// Subjects gone from it.
    pub removed: Vec<String>,
    /// Subjects whose access changed.
    pub changed: Vec<String>,
    /// Existing clusters whose authentication mode moves: key, from, to.
    pub switches: Vec<(String, AuthenticationMode, AuthenticationMode)>,
    /// Per cluster (key): the objects to revoke that the previous
    /// generation wrote, and how many more of earlier generations'
    /// ACCESS.md still lists.
    pub revocations: Vec<(String, Vec<String>, usize)>,
}

impl AccessChanges {
    /// The change from the generation `manifest` records (with its
    /// `history`) to one whose subjects' digests are `access`, applied as
    /// `transition` says.
    fn between(
        manifest: &Manifest,
        history: &History,
        access: &BTreeMap<String, String>,
        transition: &Transition,
    ) -> Self {
        let before = &manifest.access;
        let records = history.by_name();
        // A manifest of an eksgrant that recorded no digests says nothing
        // of the subjects.
        let known = !before.is_empty();
        let keys = |from: &BTreeMap<String, String>, pick: &dyn Fn(&String) -> bool| {
            from.keys()
                .filter(|k| known && pick(k))
                .cloned()
                .collect::<Vec<String>>()
        };
        AccessChanges {
            added: keys(access, &|k| !before.contains_key(k)),
            removed: keys(before, &|k| !access.contains_key(k)),
            changed: keys(access, &|k| {
                before.get(k).is_some_and(|d| Some(d) != access.get(k))
            }),
            switches: moves(transition)
                .into_iter()
                .filter(|(_, name, _, to)| {
                    records
                        .get(name)
                        .is_none_or(|r| r.authentication_mode != *to)
                })
                .map(|(key, _, from, to)| (key.to_string(), from, to))
                .collect(),
            revocations: transition
                .revocations()
                .map(|r| {
                    let written = records
                        .get(r.cluster_name.as_str())
                        .map(|record| &record.objects);
                    let new: Vec<String> = r
                        .objects
                        .iter()
                        .filter(|o| written.is_some_and(|w| w.contains(*o)))
                        .map(ToString::to_string)
                        .collect();
                    let earlier = r.objects.len() - new.len();
                    (r.cluster.clone(), new, earlier)
                })
                .collect(),
        }
    }

    /// Whether the change touches nobody's access: no subject's, no mode,
    /// and no object the previous generation wrote to revoke.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.switches.is_empty()
            && self.revocations.iter().all(|(_, new, _)| new.is_empty())
    }
}

impl std::fmt::Display for AccessChanges {
    /// In one line: `access of ci, ops changed; dev removed; cluster prod
    /// moves from API_AND_CONFIG_MAP to API; 1 Kubernetes object on prod to
    /// revoke (RoleBinding apps/eksgrant:ci:edit)`, and where to read more.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let subjects: Vec<String> = [
            (&self.changed, "changed"),
            (&self.added, "added"),
            (&self.removed, "removed"),
        ]
        .into_iter()
        .filter(|(keys, _)| !keys.is_empty())
        .map(|(keys, what)| format!("{} {what}", a_few(keys)))
        .collect();
        if !subjects.is_empty() {
            parts.push(format!("access of {}", subjects.join("; ")));
        }
        for (cluster, from, to) in &self.switches {
            parts.push(format!("cluster {cluster} moves from {from} to {to}"));
        }
        for (cluster, new, earlier) in self
            .revocations
            .iter()
            .filter(|(_, new, _)| !new.is_empty())
        {
            let also = match earlier {
                0 => String::new(),
                n => format!(", with {n} more still listed from earlier generations"),
            };
            parts.push(format!(
                "{} on {cluster} to revoke ({}){also}",
                count(new.len(), "Kubernetes object"),
                a_few(new)
            ));
        }
        write!(
            f,
            "{}. ACCESS.md's \"Applying\" carries it out; `eksgrant diff` shows who gains and loses what",
            parts.join("; ")
        )
    }
}

/// Each existing cluster's move, from the mode it may be in to the spec's,
/// by key: its EKS name, and the first step's mode and the last's.
fn moves(transition: &Transition) -> Vec<(&str, &str, AuthenticationMode, AuthenticationMode)> {
    let mut moves: BTreeMap<&str, (&str, AuthenticationMode, AuthenticationMode)> = BTreeMap::new();
    for step in transition.switches() {
        moves
            .entry(&step.cluster)
            .and_modify(|(_, _, to)| *to = step.to)
            .or_insert((&step.cluster_name, step.from, step.to));
    }
    moves
        .into_iter()
        .map(|(key, (name, from, to))| (key, name, from, to))
        .collect()
}

/// Up to five keys, then how many more.
fn a_few(keys: &[String]) -> String {
    const SHOWN: usize = 5;
    if keys.len() <= SHOWN {
        return keys.join(", ");
    }
    format!(
        "{} and {} more",
        keys[..SHOWN].join(", "),
        keys.len() - SHOWN
    )
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

/// Runs a generation; `warn` receives the spec's warnings, all at once so
/// that they can be grouped, as soon as the spec is loaded, before anything
/// else can fail. A spec whose bytes have not changed since a generation
/// that is intact is not loaded at all: its warnings are the ones that
/// generation recorded (see `settled_run`).
pub fn generate(options: GenerateOptions, warn: impl FnOnce(Vec<Problem>)) -> Result<Report> {
    let spec = options.spec.as_path();
    let source = SourceFile::read(spec)?;
    let out = options.out.clone().unwrap_or_else(|| spec_dir(spec));
    let spec_shown = relative_to(&out, spec).display().to_string();
    let render_options = RenderOptions::new(&spec_shown, !same_place(&spec_dir(spec), &out));
    if let Some(settled) = settled_run(&options, &source, &out, &render_options) {
        warn(settled.warnings);
        return Ok(Report {
            out,
            outcome: settled.outcome?,
            notices: Vec::new(),
            access: None,
        });
    }
    let mut loaded = crate::load::load_source(source)?;
    // What resolving freed, before rendering allocates anew: a large run's
    // memory peaks where one ends and the other begins.
    crate::freed::much_was_freed();
    let warnings = std::mem::take(&mut loaded.warnings);
    let count = warnings.len();
    let as_recorded: Vec<RecordedWarning> = warnings.iter().map(RecordedWarning::from).collect();
    warn(warnings);
    if options.deny_warnings && count > 0 {
        return Err(Error::DeniedWarnings {
            file: spec.to_path_buf(),
            warnings: count,
        });
    }
    let out_dir = OutDir::new(&out).protect(spec)?;
    if let Some(hook) = options.before_change {
        out_dir.before_change(hook);
    }
    // Held from before the manifest is read until the manifest is written,
    // so that no other run changes the tree this one plans against.
    let lock = lock_to_write(options.mode, &out_dir)?;
    let outcome = (move || {
        let previous = previous_generation(&out_dir)?
            .map(|(manifest, history)| (manifest, followed(history, options.applied)));
        let history = previous.as_ref().map(|(_, history)| history);
        let refused = check(&loaded.model, history, &loaded.source);
        if !refused.is_empty() {
            return Err(Error::Invalid {
                file: loaded.source.path().to_path_buf(),
                problems: refused,
            });
        }
        let transition = Transition::follow(&loaded.model, history);
        let notices = transition.notices(&loaded.model);
        let inputs = |history: &History| {
            manifest::inputs(
                loaded.source.text(),
                &render_options.spec,
                &render_options.regenerate,
                &as_recorded,
                history,
            )
        };
        // The manifest names the inputs of a run that has nothing to render:
        // when they are this run's, and the tree holds what it records, there
        // is nothing to do.
        if let Some((manifest, history)) = &previous
            && manifest.inputs.as_deref() == Some(inputs(history).as_str())
            && holds(&out_dir, manifest)?
        {
            free_in_background(loaded);
            return Ok((unchanged(options.mode, manifest), notices, None));
        }
        let recorded = previous.as_ref().map(|(manifest, _)| manifest);
        let mut incoming = Incoming::new(&out_dir, recorded, keep(options.mode))?;
        // Each file is compared with what is on disk, and staged when it
        // changes, as soon as it is rendered: the tree is never in memory
        // whole.
        if let Err(error) = render_into(&loaded.model, &transition, &render_options, &mut incoming)
        {
            return Err(incoming.fail(error));
        }
        // The subjects' digests, once rendering is over, and before the
        // history's objects are made: each takes a few MB of an
        // organisation's run while it is made.
        let access = crate::explain::digests(&loaded.model);
        let next = transition.history(&loaded.model, incoming.paths());
        let next_inputs =
            (notices.is_empty() && transition.settles(&loaded.model, &next)).then(|| inputs(&next));
        let summary = previous
            .as_ref()
            .filter(|_| options.mode != Mode::Check)
            .map(|(manifest, history)| {
                AccessChanges::between(manifest, history, &access, &transition)
            })
            .filter(|changes| !changes.is_empty());
        // Everything the model had to say is rendered: its memory goes back
        // while the files are renamed into place.
        free_in_background(loaded);
        let changes = incoming.finish(|files| {
            Manifest::new(
                &spec_shown,
                next_inputs.map(|inputs| (inputs, as_recorded)),
                files,
                next,
                access,
            )
        })?;
        let outcome = match options.mode {
            Mode::Check if changes.is_up_to_date() => Outcome::UpToDate,
            Mode::Check => Outcome::OutOfDate(changes.diff()),
            Mode::DryRun => Outcome::Listing(changes.listing()),
            Mode::Write { force } => Outcome::Written(changes.apply(force)?),
        };
        Ok((outcome, notices, summary))
    })();
    // An interruption leaves the lock file behind, as a kill would.
    if let (Err(Error::Interrupted { .. }), Some(lock)) = (&outcome, lock) {
        lock.abandon();
    }
    let (outcome, notices, access) = outcome?;
    Ok(Report {
        out,
        outcome,
        notices,
        access,
    })
}

/// Frees a loaded spec on a thread of its own: an organisation's model is
/// hundreds of thousands of small allocations, and freeing them is a
/// visible share of a run that has nothing to do. The caller goes on, and a process that
/// exits first hands the memory back whole. (Where no thread can be
/// started, it is freed here.)
fn free_in_background(loaded: crate::load::Loaded) {
    let _ = std::thread::Builder::new().spawn(move || drop(loaded));
}

/// What a run in `mode` keeps of each file it renders.
fn keep(mode: Mode) -> Keep {
    match mode {
        Mode::Write { .. } => Keep::Stage,
        Mode::Check => Keep::Diff,
        Mode::DryRun => Keep::Nothing,
    }
}

/// The run lock, when `mode` writes; checking and listing read without it.
fn lock_to_write(mode: Mode, out_dir: &OutDir) -> Result<Option<RunLock>> {
    match mode {
        Mode::Write { .. } => out_dir.lock(LOCK_WAIT).map(Some),
        Mode::Check | Mode::DryRun => Ok(None),
    }
}

/// The outcome of a run that finds the tree as `manifest` records it, with
/// nothing to render.
fn unchanged(mode: Mode, manifest: &Manifest) -> Outcome {
    let unchanged = manifest.files.len();
    match mode {
        Mode::Check => Outcome::UpToDate,
        Mode::DryRun => Outcome::Listing(format!("{unchanged} unchanged\n")),
        Mode::Write { .. } => Outcome::Written(Summary {
            unchanged,
            ..Summary::default()
        }),
    }
}

/// A run of a spec whose bytes have not changed since the generation the
/// output directory holds, when that generation is where the spec settled
/// (its manifest names this run's inputs, its warnings among them) and the
/// tree still holds it: the outcome and the warnings the manifest
/// recorded, found from the spec's bytes, the manifest and the hashes of
/// the files, without parsing the spec (a second of an organisation's run
/// that has nothing to do). `None` sends the run the whole way, which
/// reports whatever made it so (a spec that changed, a damaged manifest, a
/// file edited by hand) in its usual order; so does `--deny-warnings` with
/// warnings, which then fails before it locks anything.
fn settled_run(
    options: &GenerateOptions,
    spec: &SourceFile,
    out: &Path,
    render_options: &RenderOptions,
) -> Option<Settled> {
    let out_dir = OutDir::new(out).protect(&options.spec).ok()?;
    let Ok(Some(manifest)) = Manifest::read(&out_dir) else {
        return None;
    };
    if options.deny_warnings && !manifest.warnings.is_empty() {
        return None;
    }
    let inputs = manifest::inputs(
        spec.text(),
        &render_options.spec,
        &render_options.regenerate,
        &manifest.warnings,
        &followed(manifest.history(), options.applied),
    );
    if manifest.inputs.as_deref() != Some(inputs.as_str()) {
        return None;
    }
    let warnings = manifest
        .warnings
        .iter()
        .map(|warning| warning.to_problem(spec))
        .collect::<Option<Vec<Problem>>>()?;
    // The spec generated this tree: waiting for the lock is what the whole
    // run would do next. Another run may have written before it was taken.
    // A lock that cannot be had stops the run, as it would the whole way,
    // after the spec's warnings, as there.
    let _lock = match lock_to_write(options.mode, &out_dir) {
        Ok(lock) => lock,
        Err(error) => {
            return Some(Settled {
                warnings,
                outcome: Err(error),
            });
        }
    };
    let still = matches!(Manifest::read(&out_dir), Ok(Some(now)) if now == manifest);
    if !(still && holds(&out_dir, &manifest).unwrap_or(false)) {
        return None;
    }
    Some(Settled {
        warnings,
        outcome: Ok(unchanged(options.mode, &manifest)),
    })
}

/// What [`settled_run`] found: the warnings the manifest recorded, and the
/// outcome, or the error that stopped the run (the lock).
struct Settled {
    warnings: Vec<Problem>,
    outcome: Result<Outcome>,
}

/// The history a run follows on from: the manifest's, or with `applied`,
/// what it is once its generation's apply order was carried out.
fn followed(history: History, applied: bool) -> History {
    if applied {
        history.acknowledged()
    } else {
        history
    }
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
