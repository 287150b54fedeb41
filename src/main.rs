//! The `eksgrant` binary: parses the command line, runs the library, prints
//! diagnostics and maps the outcome to an exit code (0 success, 2 any error;
//! clap's usage errors are 2 as well).

mod cli;

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use eksgrant::render::{RenderOptions, render};
use eksgrant::{Error, Loaded};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Generate { spec, out } => generate(&spec, out.as_deref()),
        Command::Validate { spec } => validate(&spec),
        Command::Schema => {
            println!("{}", eksgrant::spec::json_schema());
            Ok(())
        }
    }
}

fn generate(spec: &Path, out: Option<&Path>) -> Result<(), Error> {
    let loaded = load(spec)?;
    let out = out.map_or_else(|| spec_dir(spec), Path::to_path_buf);
    let spec_shown = relative_to(&out, spec);
    let mut regenerate = format!("eksgrant generate {}", spec_shown.display());
    if spec_dir(spec) != out {
        regenerate.push_str(" --out .");
    }
    let options = RenderOptions {
        spec: spec_shown.display().to_string(),
        regenerate,
    };
    let plan = render(&loaded.model, &options)?;
    let summary = eksgrant::write::write(&plan, &out)?;
    eprintln!(
        "eksgrant: {} files in {}: {} written, {} unchanged",
        plan.len(),
        out.display(),
        summary.written,
        summary.unchanged
    );
    Ok(())
}

fn validate(spec: &Path) -> Result<(), Error> {
    let loaded = load(spec)?;
    let model = &loaded.model;
    eprintln!(
        "eksgrant: {} is valid: {}, {}, {}",
        spec.display(),
        count(model.clusters.len(), "cluster"),
        count(model.workloads.len(), "workload"),
        count(model.principals.len(), "principal"),
    );
    Ok(())
}

/// `1 cluster`, `2 clusters`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Loads the spec and prints its warnings.
fn load(spec: &Path) -> Result<Loaded, Error> {
    let mut loaded = eksgrant::load(spec)?;
    for warning in std::mem::take(&mut loaded.warnings) {
        eprintln!("{:?}", miette::Report::new(warning));
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
