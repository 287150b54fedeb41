//! The `eksgrant` binary: parses the command line, runs the library, prints
//! diagnostics and maps the outcome to an exit code (0 success, 2 any error;
//! clap's usage errors are 2 as well).

mod cli;
mod reporter;
mod test_hooks;

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

use cli::{
    Cli, Command, DiagnosticFormat, ExplainArgs, ExplainFormat, GenerateArgs, ImportCommand,
};
use eksgrant::generate::{GenerateOptions, Mode, Outcome};
use eksgrant::render::shell_word;
use eksgrant::text::count;
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
    let cli = parse();
    let format = match &cli.command {
        Command::Generate(args) => args.format,
        Command::Validate { format, .. } => *format,
        _ => DiagnosticFormat::Human,
    };
    let mut reporter = Reporter::new(cli.color, cli.quiet, format);
    let code = match run(cli.command, &mut reporter) {
        Ok(Exit::Done) => 0,
        Ok(Exit::Drift) => 1,
        Err(error) => {
            reporter.error(error);
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
    Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|error| error.format(&mut command).exit())
}

fn run(command: Command, reporter: &mut Reporter) -> Result<Exit, Error> {
    match command {
        Command::Generate(args) => generate(&args, reporter),
        Command::Validate {
            spec,
            deny_warnings,
            format: _,
        } => validate(&spec, deny_warnings, reporter).map(|()| Exit::Done),
        Command::Init { path } => init(&path, reporter).map(|()| Exit::Done),
        Command::Import(ImportCommand::AwsAuth {
            file,
            cluster,
            mode,
        }) => {
            print_stdout(&eksgrant::import::aws_auth(&file, &cluster, mode)?);
            Ok(Exit::Done)
        }
        Command::Explain(args) => explain(&args, reporter).map(|()| Exit::Done),
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
        } => {
            let schema = if explain {
                eksgrant::explain::json_schema()
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
            print_stdout(&man_page(&command).unwrap_or_else(|error| error.exit()));
            Ok(Exit::Done)
        }
    }
}

/// The manual page of the command `path` names (`["import", "aws-auth"]`:
/// eksgrant-import-aws-auth(1)) or, for none, eksgrant(1), which has a
/// section for each command.
fn man_page(path: &[String]) -> Result<String, clap::Error> {
    let mut top = Cli::command().disable_help_subcommand(true);
    top.build();
    let mut page = &top;
    for word in path {
        page = match page.find_subcommand(word) {
            Some(command) if !command.is_hide_set() => command,
            _ => {
                let commands: Vec<&str> = commands(page).map(clap::Command::get_name).collect();
                let shown = page.get_bin_name().unwrap_or("eksgrant");
                return Err(Cli::command().error(
                    clap::error::ErrorKind::InvalidValue,
                    format!(
                        "`{shown}` has no command `{word}`; its commands are: {}",
                        commands.join(", ")
                    ),
                ));
            }
        };
    }
    if !path.is_empty() {
        return Ok(roff(page));
    }
    // eksgrant(1): its own sections, with the commands' after the list of
    // commands, each without the options every command has.
    let mut out = String::new();
    let mut version = String::new();
    for (heading, body) in sections(&roff(&top)) {
        match heading.as_str() {
            "" => out.push_str(&body),
            ".SH VERSION" => version = heading + "\n" + &body,
            _ => {
                let _ = writeln!(out, "{heading}");
                out.push_str(&in_one_page(&top, &body));
            }
        }
    }
    let mut stack: Vec<&clap::Command> = commands(&top).collect();
    stack.reverse();
    while let Some(command) = stack.pop() {
        out.push_str(&command_section(command, &top));
        stack.extend(commands(command).collect::<Vec<_>>().into_iter().rev());
    }
    Ok(out + &version)
}

/// The commands of `command` that have a page.
fn commands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

/// A command's page, its title first as man(7) asks (clap_mangen puts the
/// definition of the apostrophe string first, which may as well follow).
fn roff(command: &clap::Command) -> String {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command.clone())
        .source(format!("eksgrant {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .expect("rendering into memory cannot fail");
    let roff = String::from_utf8(roff).expect("the help text is UTF-8");
    let (mut title, mut rest) = (String::new(), String::new());
    for line in roff.split_inclusive('\n') {
        if title.is_empty() && line.starts_with(".TH ") {
            title.push_str(line);
        } else {
            rest.push_str(line);
        }
    }
    title + &rest
}

/// A page cut at its `.SH` lines: each heading with the lines up to the
/// next; what comes before the first has the heading "".
fn sections(roff: &str) -> Vec<(String, String)> {
    let mut sections = vec![(String::new(), String::new())];
    for line in roff.split_inclusive('\n') {
        if line.starts_with(".SH ") {
            sections.push((line.trim_end().to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
        }
    }
    sections
}

/// A command's page as a section of eksgrant(1): its synopsis, description,
/// options (but those of every command, which eksgrant(1) gives) and
/// commands.
fn command_section(command: &clap::Command, top: &clap::Command) -> String {
    let mut command = command.clone();
    for global in top
        .get_arguments()
        .filter(|a| a.is_global_set() || a.get_id() == "help")
    {
        command = command.mut_arg(global.get_id(), |arg| arg.hide(true));
    }
    let name = command.get_bin_name().unwrap_or_default().to_uppercase();
    let mut out = String::new();
    for (heading, body) in sections(&roff(&command)) {
        let heading = match heading.as_str() {
            ".SH SYNOPSIS" => format!(".SH \"{}\"", name.replace('-', "\\-")),
            ".SH DESCRIPTION" => ".PP".to_string(),
            ".SH OPTIONS" => ".SS Options".to_string(),
            ".SH SUBCOMMANDS" => ".SS Commands".to_string(),
            _ => continue,
        };
        let _ = writeln!(out, "{heading}");
        out.push_str(&in_one_page(top, &body));
    }
    out
}

/// Names each command as eksgrant(1) does, `eksgrant generate` (in bold),
/// instead of the page of its own, `eksgrant-generate(1)`.
fn in_one_page(top: &clap::Command, roff: &str) -> String {
    let mut roff = roff.to_string();
    let mut stack: Vec<&clap::Command> = commands(top).collect();
    while let Some(command) = stack.pop() {
        let page = command.get_display_name().unwrap_or_default();
        let name = command.get_bin_name().unwrap_or_default();
        roff = roff.replace(
            &format!("{}(1)\n", page.replace('-', "\\-")),
            &format!("\\fB{}\\fR\n", name.replace('-', "\\-")),
        );
        stack.extend(commands(command));
    }
    roff
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
        before_change: test_hooks::before_change(),
    };
    let report = eksgrant::generate(options, |warning| reporter.warning(warning))?;
    let (shown, spec) = (report.out.display(), args.spec.display());
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
    Ok(Exit::Done)
}

/// The JSON Schema file `init` writes beside the spec, which the starter
/// spec's `#:schema` line names (relative to the spec).
const SCHEMA_FILE: &str = "eksgrant.schema.json";

/// Writes the starter spec at `path` and, unless one exists, the JSON
/// Schema beside it; never overwrites either.
fn init(path: &Path, reporter: &Reporter) -> Result<(), Error> {
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
    reporter.success(&format!(
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
            reporter.success(&format!(
                "eksgrant: wrote {}, the JSON Schema that the spec's `#:schema` line points editors (Taplo, Even Better TOML) to; it is yours to commit, and `{refresh}` refreshes it after an upgrade\n",
                schema_path.display()
            ));
        }
        None => reporter.success(&format!(
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

/// Loads the spec and reports its warnings; returns how many there were.
fn load(spec: &Path, reporter: &mut Reporter) -> Result<(Loaded, usize), Error> {
    let mut loaded = eksgrant::load(spec)?;
    let warnings = std::mem::take(&mut loaded.warnings);
    let count = warnings.len();
    for warning in warnings {
        reporter.warning(warning);
    }
    Ok((loaded, count))
}
