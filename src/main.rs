//! The `eksgrant` binary: parses the command line, runs the library, prints
//! diagnostics and maps the outcome to an exit code (0 success, 2 any error;
//! clap's usage errors are 2 as well).

mod cli;
mod test_hooks;

use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, GenerateArgs, ImportCommand};
use eksgrant::error::count;
use eksgrant::outdir::{LOCK_WAIT, OutDir};
use eksgrant::render::{RenderOptions, regenerate_command, render, shell_word};
use eksgrant::sync::{Changes, previous_generation};
use eksgrant::{Error, Loaded};

/// How a successful run ended.
enum Outcome {
    /// Done (exit 0).
    Done,
    /// `--check` found the output out of date (exit 1).
    Drift,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Drift) => ExitCode::from(1),
        Err(error) => {
            report(miette::Report::new(error));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<Outcome, Error> {
    match command {
        Command::Generate(args) => generate(&args),
        Command::Validate { spec } => validate(&spec).map(|()| Outcome::Done),
        Command::Init { path } => init(&path).map(|()| Outcome::Done),
        Command::Import(ImportCommand::AwsAuth { file, cluster }) => {
            print_stdout(&eksgrant::import::aws_auth(&file, &cluster)?);
            Ok(Outcome::Done)
        }
        Command::Explain { code } => {
            print_stdout(&code.explain().to_text());
            Ok(Outcome::Done)
        }
        Command::Schema => {
            print_stdout(&format!("{}\n", eksgrant::spec::json_schema()));
            Ok(Outcome::Done)
        }
    }
}

fn generate(args: &GenerateArgs) -> Result<Outcome, Error> {
    let spec = args.spec.as_path();
    let mut loaded = load(spec)?;
    let out = args.out.clone().unwrap_or_else(|| spec_dir(spec));
    let spec_shown = relative_to(&out, spec).display().to_string();
    let options = RenderOptions {
        regenerate: regenerate_command(&spec_shown, !same_place(&spec_dir(spec), &out)),
        spec: spec_shown.clone(),
    };
    let out_dir = OutDir::new(&out).protect(spec)?;
    test_hooks::install(&out_dir);
    // Held from before the manifest is read until the manifest is written,
    // so that no other run changes the tree this one plans against.
    let writes = !(args.check || args.dry_run);
    let _lock = if writes {
        Some(out_dir.lock(LOCK_WAIT)?)
    } else {
        None
    };
    let previous = previous_generation(&out_dir, &mut loaded)?;
    let plan = render(&loaded.model, &options)?;
    let changes = Changes::compute(
        &plan,
        &out_dir,
        &spec_shown,
        &loaded.model,
        previous.as_ref(),
    )?;
    let shown = out.display();

    if args.check {
        if changes.is_up_to_date() {
            print_stderr(&format!(
                "eksgrant: {shown} is up to date with {}\n",
                spec.display()
            ));
            return Ok(Outcome::Done);
        }
        print_stdout(&changes.diff());
        let mut command = format!(
            "eksgrant generate {}",
            shell_word(&spec.display().to_string())
        );
        if let Some(out) = &args.out {
            command.push_str(&format!(
                " --out {}",
                shell_word(&out.display().to_string())
            ));
        }
        print_stderr(&format!(
            "eksgrant: {shown} is out of date with {}; run `{command}` and commit the result\n",
            spec.display(),
        ));
        return Ok(Outcome::Drift);
    }
    if args.dry_run {
        print_stdout(&changes.listing());
        return Ok(Outcome::Done);
    }
    let summary = changes.apply(args.force)?;
    print_stderr(&format!(
        "eksgrant: {shown}: {} created, {} updated, {} deleted, {} unchanged\n",
        summary.created, summary.updated, summary.deleted, summary.unchanged
    ));
    Ok(Outcome::Done)
}

/// Prints a report. A closed pipe (`| head`) is not an error: the rest of
/// the output is dropped and the exit status stays what it would have been.
fn print_stdout(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// Prints a message to stderr, ignoring a closed stderr as
/// [`print_stdout`] ignores a closed stdout.
fn print_stderr(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Prints a diagnostic to stderr.
fn report(report: miette::Report) {
    print_stderr(&format!("{report:?}\n"));
}

fn init(path: &Path) -> Result<(), Error> {
    let io = |source| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(io)?;
    }
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::SpecExists {
                path: path.to_path_buf(),
            });
        }
        Err(error) => return Err(io(error)),
    };
    file.write_all(eksgrant::STARTER_SPEC.as_bytes())
        .map_err(io)?;
    print_stderr(&format!(
        "eksgrant: wrote {}; replace the values marked REPLACE, then run `eksgrant generate {}`\n",
        path.display(),
        shell_word(&path.display().to_string())
    ));
    Ok(())
}

fn validate(spec: &Path) -> Result<(), Error> {
    let loaded = load(spec)?;
    let model = &loaded.model;
    print_stderr(&format!(
        "eksgrant: {} is valid: {}, {}, {}\n",
        spec.display(),
        count(model.clusters.len(), "cluster"),
        count(model.workloads.len(), "workload"),
        count(model.principals.len(), "principal"),
    ));
    Ok(())
}

/// Loads the spec and prints its warnings.
fn load(spec: &Path) -> Result<Loaded, Error> {
    let mut loaded = eksgrant::load(spec)?;
    for warning in std::mem::take(&mut loaded.warnings) {
        report(miette::Report::new(warning));
    }
    Ok(loaded)
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

/// Removes `.` and resolves `..` lexically.
fn normalise(path: &Path) -> PathBuf {
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
