//! The `eksgrant` binary: parses the command line, runs the library, prints
//! diagnostics and maps the outcome to an exit code (0 success, 2 any error;
//! clap's usage errors are 2 as well).

mod cli;
mod test_hooks;

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, ExplainArgs, ExplainFormat, GenerateArgs, ImportCommand};
use eksgrant::generate::{GenerateOptions, Mode, Outcome};
use eksgrant::render::shell_word;
use eksgrant::text::count;
use eksgrant::{Error, Loaded};

/// How a successful run ended.
enum Exit {
    /// Done (exit 0).
    Done,
    /// `--check` found the output out of date (exit 1).
    Drift,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(Exit::Done) => ExitCode::SUCCESS,
        Ok(Exit::Drift) => ExitCode::from(1),
        Err(error) => {
            report(&miette::Report::new(error));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<Exit, Error> {
    match command {
        Command::Generate(args) => generate(&args),
        Command::Validate {
            spec,
            deny_warnings,
        } => validate(&spec, deny_warnings).map(|()| Exit::Done),
        Command::Init { path } => init(&path).map(|()| Exit::Done),
        Command::Import(ImportCommand::AwsAuth {
            file,
            cluster,
            mode,
        }) => {
            print_stdout(&eksgrant::import::aws_auth(&file, &cluster, mode)?);
            Ok(Exit::Done)
        }
        Command::Explain(args) => explain(&args).map(|()| Exit::Done),
        Command::ExplainCode { code } => {
            print_stdout(&code.explain().to_text());
            Ok(Exit::Done)
        }
        Command::Presets => {
            print_stdout(&eksgrant::model::describe_presets());
            Ok(Exit::Done)
        }
        Command::Schema { explain } => {
            let schema = if explain {
                eksgrant::explain::json_schema()
            } else {
                eksgrant::spec::json_schema()
            };
            print_stdout(&format!("{schema}\n"));
            Ok(Exit::Done)
        }
    }
}

fn generate(args: &GenerateArgs) -> Result<Exit, Error> {
    let mode = if args.check {
        Mode::Check
    } else if args.dry_run {
        Mode::DryRun
    } else {
        Mode::Write { force: args.force }
    };
    let options = GenerateOptions {
        spec: args.spec.clone(),
        out: args.out.clone(),
        mode,
        deny_warnings: args.deny_warnings,
        before_change: test_hooks::before_change(),
    };
    let report = eksgrant::generate(options, |warning| {
        self::report(&miette::Report::new(warning));
    })?;
    let (shown, spec) = (report.out.display(), args.spec.display());
    match report.outcome {
        Outcome::UpToDate => {
            print_stderr(&format!("eksgrant: {shown} is up to date with {spec}\n"));
        }
        Outcome::OutOfDate(diff) => {
            print_stdout(&diff);
            let mut command = format!("eksgrant generate {}", shell_word(&spec.to_string()));
            if let Some(out) = &args.out {
                let _ = write!(command, " --out {}", shell_word(&out.display().to_string()));
            }
            print_stderr(&format!(
                "eksgrant: {shown} is out of date with {spec}; run `{command}` and commit the result\n"
            ));
            return Ok(Exit::Drift);
        }
        Outcome::Listing(listing) => print_stdout(&listing),
        Outcome::Written(summary) => print_stderr(&format!(
            "eksgrant: {shown}: {} created, {} updated, {} deleted, {} unchanged\n",
            summary.created, summary.updated, summary.deleted, summary.unchanged
        )),
    }
    Ok(Exit::Done)
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
fn report(report: &miette::Report) {
    print_stderr(&format!("{report:?}\n"));
}

/// The JSON Schema file `init` writes beside the spec, which the starter
/// spec's `#:schema` line names (relative to the spec).
const SCHEMA_FILE: &str = "eksgrant.schema.json";

/// Writes the starter spec at `path` and, unless one exists, the JSON
/// Schema beside it; never overwrites either.
fn init(path: &Path) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action: "write",
            path,
            source,
        }
    };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let Some(mut spec) = create_new(path).map_err(io(path))? else {
        return Err(Error::SpecExists {
            path: path.to_path_buf(),
        });
    };
    let schema_path = parent.map_or_else(|| SCHEMA_FILE.into(), |parent| parent.join(SCHEMA_FILE));
    let schema = match create_new(&schema_path) {
        Ok(schema) => schema,
        Err(error) => {
            // Nothing is written yet: leave nothing behind either.
            drop(spec);
            let _ = fs::remove_file(path);
            return Err(io(&schema_path)(error));
        }
    };
    spec.write_all(eksgrant::STARTER_SPEC.as_bytes())
        .map_err(io(path))?;
    let shown = |path: &Path| shell_word(&path.display().to_string());
    print_stderr(&format!(
        "eksgrant: wrote {}; replace the values marked REPLACE, then run `eksgrant generate {}`\n",
        path.display(),
        shown(path)
    ));
    let refresh = format!("eksgrant schema > {}", shown(&schema_path));
    match schema {
        Some(mut schema) => {
            schema
                .write_all(format!("{}\n", eksgrant::spec::json_schema()).as_bytes())
                .map_err(io(&schema_path))?;
            print_stderr(&format!(
                "eksgrant: wrote {}, the JSON Schema that the spec's `#:schema` line points editors (Taplo, Even Better TOML) to; it is yours to commit, and `{refresh}` refreshes it after an upgrade\n",
                schema_path.display()
            ));
        }
        None => print_stderr(&format!(
            "eksgrant: kept the existing {}, which the spec's `#:schema` line names; `{refresh}` refreshes it if it is older than this eksgrant\n",
            schema_path.display()
        )),
    }
    Ok(())
}

/// Creates `path` for writing; `None` if something is there already.
fn create_new(path: &Path) -> std::io::Result<Option<fs::File>> {
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => Ok(Some(file)),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(error) => Err(error),
    }
}

fn validate(spec: &Path, deny_warnings: bool) -> Result<(), Error> {
    let (loaded, warnings) = load(spec)?;
    if deny_warnings && warnings > 0 {
        return Err(Error::DeniedWarnings {
            file: spec.to_path_buf(),
            warnings,
        });
    }
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

fn explain(args: &ExplainArgs) -> Result<(), Error> {
    use eksgrant::explain::{format, who_can};
    let (loaded, _) = load(&args.spec)?;
    let mut explanation = eksgrant::explain::explain(&loaded.model);
    if let Some(key) = &args.subject {
        let keys: Vec<String> = explanation.subjects.iter().map(|s| s.key.clone()).collect();
        explanation = explanation.only(key).ok_or_else(|| Error::Query {
            message: format!("the spec has no workload or principal `{key}`"),
            help: format!("the subjects are: {}", keys.join(", ")),
        })?;
    }
    let answers = if let Some(question) = &args.who_can {
        let cluster = args.cluster.as_deref().expect("clap requires --cluster");
        if !loaded.model.clusters.iter().any(|c| c.key == cluster) {
            let keys: Vec<&str> = loaded
                .model
                .clusters
                .iter()
                .map(|c| c.key.as_str())
                .collect();
            return Err(Error::Query {
                message: format!("the spec has no cluster `{cluster}`"),
                help: format!("the clusters are: {}", keys.join(", ")),
            });
        }
        Some(who_can::kubernetes(
            &explanation,
            &question[0],
            &question[1],
            cluster,
            args.namespace.as_deref(),
        ))
    } else {
        args.who_can_aws
            .as_ref()
            .map(|action| who_can::aws(&explanation, action, args.resource.as_deref()))
    };
    let text = match (answers, args.format) {
        (Some(answers), ExplainFormat::Json) => {
            format!(
                "{}\n",
                serde_json::to_string_pretty(&answers).expect("answers serialise")
            )
        }
        (Some(answers), _) => format::answers(&answers),
        (None, ExplainFormat::Table) => format::table(&explanation),
        (None, ExplainFormat::Json) => format::json(&explanation),
        (None, ExplainFormat::Mermaid) => format::mermaid(&explanation),
        (None, ExplainFormat::Dot) => format::dot(&explanation),
    };
    print_stdout(&text);
    Ok(())
}

/// Loads the spec and prints its warnings; returns how many there were.
fn load(spec: &Path) -> Result<(Loaded, usize), Error> {
    let mut loaded = eksgrant::load(spec)?;
    let warnings = std::mem::take(&mut loaded.warnings);
    let count = warnings.len();
    for warning in warnings {
        report(&miette::Report::new(warning));
    }
    Ok((loaded, count))
}
