//! `diff --base REF`: the old spec is the new one as a git revision has
//! it, read with `git show`, so that CI can compare a pull request's spec
//! with its base branch's without a second checkout.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Output};

use crate::error::{Error, Result};
use crate::source::SourceFile;

/// The name diagnostics and the diff give the spec at `reference`:
/// `origin/main:infra/eksgrant.toml`.
pub fn name(reference: &str, spec: &Path) -> String {
    format!("{reference}:{}", spec.display())
}

/// The spec at `spec` as revision `reference` of the git repository
/// holding it has it, named as [`name`] names it; `None` when the file
/// does not exist at that revision (a pull request that adds the spec).
/// Any other failure of git (no git, no repository, an unknown revision)
/// is an error that says what to do.
pub fn show(reference: &str, spec: &Path) -> Result<Option<SourceFile>> {
    let shown = name(reference, spec);
    // A revision never starts with `-`; git would read one as an option.
    if reference.is_empty() || reference.starts_with('-') {
        return Err(Error::Git {
            message: format!("`{reference}` is not a git revision"),
            help: "give a branch, tag or commit, e.g. --base origin/main".to_string(),
        });
    }
    let dir = match spec.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Some(file) = spec.file_name() else {
        return Err(Error::Git {
            message: format!("{} names no file to read from git", spec.display()),
            help: "give the spec's path, e.g. eksgrant diff --base origin/main infra/eksgrant.toml"
                .to_string(),
        });
    };
    // `./` makes the path relative to `dir`, not to the repository's root.
    let mut object = OsString::from(format!("{reference}:./"));
    object.push(file);
    let output = git(
        dir,
        &[OsString::from("show"), "--no-textconv".into(), object],
    )?;
    if output.status.success() {
        return SourceFile::from_bytes(Path::new(&shown), output.stdout).map(Some);
    }
    // git says why only in words, which may be translated: ask it again,
    // in ways whose exit status answers.
    let revision = format!("{reference}^{{commit}}");
    let verify = ["rev-parse", "--verify", "--quiet", revision.as_str()];
    if git(dir, &verify.map(OsString::from))?.status.success() {
        return Ok(None);
    }
    let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
    let in_repository = git(dir, &["rev-parse", "--git-dir"].map(OsString::from))?
        .status
        .success();
    let help = if in_repository {
        format!(
            "name a branch, tag or commit of the repository holding {}; fetch a remote branch first (git fetch origin main)",
            dir.display()
        )
    } else {
        format!(
            "--base reads the old spec from the git repository holding {}; outside one, give the old spec as a file: eksgrant diff OLD_SPEC NEW_SPEC",
            spec.display()
        )
    };
    Err(Error::Git {
        message: format!("could not read {shown} from git: {said}"),
        help,
    })
}

/// Runs git in `dir`; not finding git is an error of its own.
fn git(dir: &Path, args: &[OsString]) -> Result<Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| Error::Git {
            message: format!("could not run git: {error}"),
            help: "install git, or give the old spec as a file: eksgrant diff OLD_SPEC NEW_SPEC"
                .to_string(),
        })
}
