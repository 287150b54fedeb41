//! The `eksgrant` binary: parses the command line, runs the library, prints
//! diagnostics and maps the outcome to an exit code (0 success, 2 any error;
//! clap's usage errors are 2 as well).

mod allocator;
mod cli;
mod man;
mod reporter;
mod test_hooks;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use cli::{
    Cli, Command, DiagnosticFormat, DiffArgs, DiffFormat, ExplainArgs, ExplainFormat, GenerateArgs,
    ImportCommand, OldSpec,
};
use eksgrant::generate::{GenerateOptions, Mode, Outcome};

use eksgrant::text::count;
use eksgrant::text::shell_word;
use eksgrant::{Error, Loaded};
use reporter::{Reporter, print_stdout};

/// How a successful run ended.
enum Exit {
    /// Done (exit 0).
    Done,
    /// `--check` found the output out of date (exit 1).
    Drift,
}

fn main() -> ExitCode {
    allocator::configure();
    let cli = parse();
    let format = match &cli.command {
        Command::Generate(args) => args.format,
        Command::Validate { format, .. } => *format,
        _ => DiagnosticFormat::Human,
    };
    let mut reporter = Reporter::new(cli.color, cli.quiet, cli.show_all, format);
    let code = match run(cli.command, &mut reporter) {
        Ok(Exit::Done) => 0,
        Ok(Exit::Drift) => 1,
        Err(error) => {
            reporter.error(&error);
            2
        }
    };
    reporter.finish();
    ExitCode::from(code)
}

/// Parses the command line as `Cli::parse` does, with `--color` applied to
/// clap's own help and usage errors too.
fn parse() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = Cli::command().color(reporter::clap_colour(&args));
    let mut matches = command.clone().get_matches_from(args);
    let cli = Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|error| error.format(&mut command).exit());
    // How many specs `diff` takes depends on --base, which clap cannot say.
    if let Command::Diff(args) = &cli.command
        && let Err(message) = args.specs()
    {
        command.build();
        let diff = command
            .find_subcommand_mut("diff")
            .expect("diff is a command");
        diff.error(clap::error::ErrorKind::WrongNumberOfValues, message)
            .exit();
    }
    cli
}

fn run(command: Command, reporter: &mut Reporter) -> Result<Exit, Error> {
    match command {
        Command::Generate(args) => generate(&args, reporter),
        Command::Validate {
            spec,
            deny_warnings,
            format: _,
        } => validate(&spec, deny_warnings, reporter).map(|()| Exit::Done),
        Command::Init { path, ci } => {
            init(&path, ci.map(Into::into), reporter).map(|()| Exit::Done)
        }
        Command::Import(ImportCommand::AwsAuth {
            file,
            cluster,
            mode,
        }) => {
            print_stdout(&eksgrant::import::aws_auth(&file, &cluster, mode)?);
            Ok(Exit::Done)
        }
        Command::Explain(args) => explain(&args, reporter).map(|()| Exit::Done),
        Command::Diff(args) => diff(&args, reporter).map(|()| Exit::Done),
        Command::ExplainCode { code } => {
            print_stdout(&code.explain().to_text());
            Ok(Exit::Done)
        }
        Command::Presets => {
            print_stdout(&eksgrant::model::describe_presets());
            Ok(Exit::Done)
        }
        Command::Schema {
            explain,
            diagnostics,
            diff,
        } => {
            let schema = if explain {
                eksgrant::explain::json_schema()
            } else if diff {
                eksgrant::diff::json_schema()
            } else if diagnostics {
                eksgrant::diagnostics::json_schema()
            } else {
                eksgrant::spec::json_schema()
            };
            print_stdout(&format!("{schema}\n"));
            Ok(Exit::Done)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "eksgrant", &mut script);
            let _ = std::io::stdout().write_all(&script);
            Ok(Exit::Done)
        }
        Command::Man { command } => {
            print_stdout(&man::page(&command).unwrap_or_else(|error| error.exit()));
            Ok(Exit::Done)
        }
    }
}

fn generate(args: &GenerateArgs, reporter: &mut Reporter) -> Result<Exit, Error> {
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
        applied: args.applied,
        before_change: test_hooks::before_change(),
    };
    let report = eksgrant::generate(options, |warnings| reporter.warnings(&warnings))?;
    let (shown, spec) = (report.out.display(), args.spec.display());
    // Not a success line: --quiet keeps it.
    for notice in &report.notices {
        reporter::print_stderr(&format!("eksgrant: {notice}\n"));
    }
    match report.outcome {
        Outcome::UpToDate => {
            reporter.success(&format!("eksgrant: {shown} is up to date with {spec}\n"));
        }
        Outcome::OutOfDate(diff) => {
            reporter.output(|colour| diff.to_text(colour));
            let mut command = format!("eksgrant generate {}", shell_word(&spec.to_string()));
            if let Some(out) = &args.out {
                let _ = write!(command, " --out {}", shell_word(&out.display().to_string()));
            }
            reporter::print_stderr(&format!(
                "eksgrant: {shown} is out of date with {spec}; run `{command}` and commit the result\n"
            ));
            return Ok(Exit::Drift);
        }
        Outcome::Listing(listing) => reporter.output(|_| listing),
        Outcome::Written(summary) => reporter.success(&format!(
            "eksgrant: {shown}: {} created, {} updated, {} deleted, {} unchanged\n",
            summary.created, summary.updated, summary.deleted, summary.unchanged
        )),
    }
    // What the change does to who may do what: like the notices, not a
    // success line, since it says what applying must carry out.
    if let Some(access) = &report.access {
        reporter::print_stderr(&format!("eksgrant: {access}\n"));
    }
    Ok(Exit::Done)
}

/// Writes the starter files and says what each is for.
fn init(path: &Path, ci: Option<eksgrant::init::Ci>, reporter: &Reporter) -> Result<(), Error> {
    use eksgrant::init::Starter;
    let report = eksgrant::init::init(path, ci)?;
    let shown = |path: &Path| shell_word(&path.display().to_string());
    let schema = path
        .parent()
        .unwrap_or(Path::new(""))
        .join(eksgrant::init::SCHEMA_FILE);
    let refresh = format!("eksgrant schema > {}", shown(&schema));
    for (written, what) in &report.written {
        let file = written.display();
        reporter.success(&match what {
            Starter::Spec => format!(
                "eksgrant: wrote {file}; replace the values marked REPLACE, then run `eksgrant generate {}`\n",
                shown(path)
            ),
            Starter::Schema => format!(
                "eksgrant: wrote {file}, the JSON Schema that the spec's `#:schema` line points editors (Taplo, Even Better TOML) to; it is yours to commit, and `{refresh}` refreshes it after an upgrade\n"
            ),
            Starter::Workflow { in_git_root } => format!(
                "eksgrant: wrote {file}, a GitHub Actions workflow that validates {}, checks the generated files are current and runs terraform fmt and validate on every pull request, and shows its access changes; {}it is yours to edit and commit\n",
                path.display(),
                if *in_git_root {
                    ""
                } else {
                    "no git repository holds the spec, so it went beside it: move .github to the repository's root and fix the paths in its env if the spec is not there; "
                }
            ),
        });
    }
    for (kept, what) in &report.kept {
        let file = kept.display();
        reporter.success(&match what {
            Starter::Spec | Starter::Workflow { .. } => {
                format!("eksgrant: kept the existing {file}\n")
            }
            Starter::Schema => format!(
                "eksgrant: kept the existing {file}, which the spec's `#:schema` line names; `{refresh}` refreshes it if it is older than this eksgrant\n"
            ),
        });
    }
    Ok(())
}

fn validate(spec: &Path, deny_warnings: bool, reporter: &mut Reporter) -> Result<(), Error> {
    let (loaded, warnings) = load(spec, reporter)?;
    if deny_warnings && warnings > 0 {
        return Err(Error::DeniedWarnings {
            file: spec.to_path_buf(),
            warnings,
        });
    }
    let model = &loaded.model;
    reporter.success(&format!(
        "eksgrant: {} is valid: {}, {}, {}\n",
        spec.display(),
        count(model.clusters.len(), "cluster"),
        count(model.workloads.len(), "workload"),
        count(model.principals.len(), "principal"),
    ));
    Ok(())
}

fn explain(args: &ExplainArgs, reporter: &mut Reporter) -> Result<(), Error> {
    use eksgrant::explain::picture::{self, Pictures};
    use eksgrant::explain::{format, who_can};
    let (loaded, _) = load(&args.spec, reporter)?;
    let mut explanation = eksgrant::explain::explain(&loaded.model);
    if let Some(key) = &args.subject {
        let keys: Vec<String> = explanation.subjects.iter().map(|s| s.key.clone()).collect();
        explanation = explanation.only(key).ok_or_else(|| Error::Query {
            message: format!("the spec has no workload or principal `{key}`"),
            help: format!("the subjects are: {}", keys.join(", ")),
        })?;
    }
    if let Some(cluster) = &args.cluster {
        if !loaded.model.clusters.iter().any(|c| c.key == *cluster) {
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
        explanation = explanation.on_cluster(cluster);
    }
    let answers = if let Some(question) = &args.who_can {
        let cluster = args.cluster.as_deref().expect("clap requires --cluster");
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
        (None, ExplainFormat::Mermaid) => picture::markdown_document(
            &Pictures::of(&explanation),
            &args.spec.display().to_string(),
        ),
        (None, ExplainFormat::Dot) => picture::dot_document(
            &Pictures::of(&explanation),
            &args.spec.display().to_string(),
        ),
    };
    print_stdout(&text);
    Ok(())
}

/// Compares two specs: the new one's warnings are reported, the old one's
/// are not the change's.
fn diff(args: &DiffArgs, reporter: &mut Reporter) -> Result<(), Error> {
    use eksgrant::diff::{Side, base, format};
    let (old, new) = args
        .specs()
        .expect("checked when the arguments were parsed");
    let (loaded, _) = load(&new, reporter)?;
    let after = Side::of(new.display().to_string(), &loaded.model);
    let before = match old {
        OldSpec::File(path) => Side::of(path.display().to_string(), &eksgrant::load(&path)?.model),
        OldSpec::Base(reference) => match base::show(&reference, &new)? {
            Some(source) => Side::of(
                base::name(&reference, &new),
                &eksgrant::load_source(source)?.model,
            ),
            None => Side::missing(base::name(&reference, &new)),
        },
    };
    let revocations = before.revoked_by(&loaded.model);
    drop(loaded);
    let diff = eksgrant::diff::diff(&before, &after, &revocations);
    match args.format {
        DiffFormat::Human => reporter.output(|colour| format::human(&diff, colour)),
        DiffFormat::Json => print_stdout(&format::json(&diff)),
        DiffFormat::Markdown => print_stdout(&format::markdown(&diff)),
    }
    Ok(())
}

/// Loads the spec and reports its warnings; returns how many there were.
fn load(spec: &Path, reporter: &mut Reporter) -> Result<(Loaded, usize), Error> {
    let mut loaded = eksgrant::load(spec)?;
    let warnings = std::mem::take(&mut loaded.warnings);
    reporter.warnings(&warnings);
    Ok((loaded, warnings.len()))
}
