//! Where the binary's output goes and how it looks: colour (`--color`, the
//! environment, whether a stream is a terminal), success lines (`--quiet`)
//! and diagnostics (`--format`: miette's report on stderr, or one JSON or
//! SARIF document on stdout at the end of the run).

use std::ffi::OsString;
use std::io::{IsTerminal as _, Write as _};

use eksgrant::diagnostics::{Diagnostics, Record, human, sarif};
use eksgrant::{Error, Problem};
use miette::{Diagnostic, MietteHandler, ReportHandler as _};

use crate::cli::{Color, DiagnosticFormat};

/// Whether to colour a stream, by precedence: `--color always` or `never`;
/// then `NO_COLOR` set and not empty turns colour off; then `FORCE_COLOR` or
/// `CLICOLOR_FORCE` set, not empty and not `0` turns it on; then a terminal
/// is coloured unless `TERM` is `dumb`, and anything else is not.
pub(crate) fn colour(
    choice: Color,
    env: impl Fn(&str) -> Option<OsString>,
    is_terminal: bool,
) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => environment(&env)
            .unwrap_or_else(|| is_terminal && env("TERM").is_none_or(|term| term != "dumb")),
    }
}

/// What the environment says, if it says anything: `NO_COLOR` first, then
/// `FORCE_COLOR` and `CLICOLOR_FORCE`.
fn environment(env: &impl Fn(&str) -> Option<OsString>) -> Option<bool> {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if set("NO_COLOR").is_some() {
        return Some(false);
    }
    ["FORCE_COLOR", "CLICOLOR_FORCE"]
        .iter()
        .any(|name| set(name).is_some_and(|value| value != "0"))
        .then_some(true)
}

/// The colour choice for clap's help and usage errors, which are printed
/// before the arguments are parsed: `--color` as the raw arguments give it
/// (the last one wins; none before `--`), then the environment, then clap's
/// own terminal detection.
pub(crate) fn clap_colour(args: &[OsString]) -> clap::ColorChoice {
    use clap::ValueEnum as _;
    let mut choice = Color::Auto;
    let mut args = args.iter().skip(1).filter_map(|arg| arg.to_str());
    while let Some(arg) = args.next() {
        let value = match arg {
            "--" => break,
            "--color" => args.next(),
            _ => arg.strip_prefix("--color="),
        };
        if let Some(parsed) = value.and_then(|v| Color::from_str(v, true).ok()) {
            choice = parsed;
        }
    }
    match choice {
        Color::Always => clap::ColorChoice::Always,
        Color::Never => clap::ColorChoice::Never,
        Color::Auto => match environment(&|name| std::env::var_os(name)) {
            Some(true) => clap::ColorChoice::Always,
            Some(false) => clap::ColorChoice::Never,
            None => clap::ColorChoice::Auto,
        },
    }
}

/// The run's output settings, and the diagnostics it holds back for a JSON
/// or SARIF document.
pub(crate) struct Reporter {
    /// Whether stdout is coloured.
    stdout_colour: bool,
    /// Whether stderr is coloured (miette's reports, and the diff when it
    /// goes there).
    stderr_colour: bool,
    quiet: bool,
    /// `--show-all`: every occurrence of a code in full.
    show_all: bool,
    format: DiagnosticFormat,
    /// Draws a diagnostic with the spec's text it points at.
    handler: MietteHandler,
    /// With `--format json` or `sarif`, every diagnostic so far.
    records: Vec<Record>,
}

impl Reporter {
    /// Settles the colours, and miette's handler with them.
    pub(crate) fn new(
        choice: Color,
        quiet: bool,
        show_all: bool,
        format: DiagnosticFormat,
    ) -> Self {
        let env = |name: &str| std::env::var_os(name);
        let stdout_colour = colour(choice, env, std::io::stdout().is_terminal());
        let stderr_colour = colour(choice, env, std::io::stderr().is_terminal());
        let mut options = miette::MietteHandlerOpts::new().color(stderr_colour);
        if !stderr_colour {
            options = options.terminal_links(false);
        }
        Self {
            stdout_colour,
            stderr_colour,
            quiet,
            show_all,
            format,
            handler: options.build(),
            records: Vec::new(),
        }
    }

    /// Whether diagnostics are a document on stdout, which then holds
    /// nothing else.
    pub(crate) fn machine_readable(&self) -> bool {
        self.format != DiagnosticFormat::Human
    }

    /// The spec's warnings: printed now, grouped by code, or kept for the
    /// document.
    pub(crate) fn warnings(&mut self, warnings: &[Problem]) {
        if self.machine_readable() {
            self.records.extend(warnings.iter().map(Record::from));
        } else {
            print_stderr(&human::report(warnings, self.show_all, |diagnostic| {
                self.render(diagnostic)
            }));
        }
    }

    /// What stopped the run: printed now, or kept for the document. The
    /// problems of an invalid spec are grouped as warnings are, and the
    /// line that counts them comes last, where a terminal leaves it in
    /// view.
    pub(crate) fn error(&mut self, error: &Error) {
        if self.machine_readable() {
            self.records.extend(Record::of(error));
            return;
        }
        let text = match error {
            Error::Invalid { problems, .. } => {
                let mut text = human::report(problems, self.show_all, |diagnostic| {
                    self.render(diagnostic)
                });
                text.push_str(&self.render(&Unrelated(error)));
                text
            }
            _ => self.render(error),
        };
        print_stderr(&text);
    }

    /// A diagnostic as miette draws it, with a blank line after it.
    fn render(&self, diagnostic: &dyn Diagnostic) -> String {
        /// Lends the handler a formatter.
        struct Drawn<'a>(&'a MietteHandler, &'a dyn Diagnostic);
        impl std::fmt::Debug for Drawn<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.debug(self.1, f)
            }
        }
        format!("{:?}\n", Drawn(&self.handler, diagnostic))
    }

    /// A line saying what went well; `--quiet` drops it.
    pub(crate) fn success(&self, line: &str) {
        if !self.quiet {
            print_stderr(line);
        }
    }

    /// A command's own output (a diff, a listing) that goes to stdout, or
    /// to stderr when stdout holds the diagnostics document; `text` gets
    /// whether that stream is coloured.
    pub(crate) fn output(&self, text: impl FnOnce(bool) -> String) {
        if self.machine_readable() {
            print_stderr(&text(self.stderr_colour));
        } else {
            print_stdout(&text(self.stdout_colour));
        }
    }

    /// Prints the diagnostics document, if the format has one.
    pub(crate) fn finish(self) {
        match self.format {
            DiagnosticFormat::Human => {}
            DiagnosticFormat::Json => print_stdout(&Diagnostics::new(self.records).to_json()),
            DiagnosticFormat::Sarif => {
                let log = sarif(&self.records);
                print_stdout(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&log).expect("a SARIF log serialises")
                ));
            }
        }
    }
}

/// Prints a report. A closed pipe (`| head`) is not an error: the rest of
/// the output is dropped and the exit status stays what it would have been.
pub(crate) fn print_stdout(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

/// Prints a message to stderr, ignoring a closed stderr as
/// [`print_stdout`] ignores a closed stdout.
pub(crate) fn print_stderr(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// An error drawn without the problems it holds, which [`Reporter::error`]
/// draws itself.
#[derive(Debug)]
struct Unrelated<'a>(&'a Error);

impl std::fmt::Display for Unrelated<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Unrelated<'_> {}

impl Diagnostic for Unrelated<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    #[test]
    fn colour_follows_the_flag_then_the_environment_then_the_terminal() {
        let both = env(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]);
        assert!(colour(Color::Always, &both, false));
        assert!(!colour(Color::Never, env(&[("FORCE_COLOR", "1")]), true));
        // NO_COLOR beats FORCE_COLOR; an empty NO_COLOR is not set.
        assert!(!colour(Color::Auto, &both, true));
        assert!(colour(
            Color::Auto,
            env(&[("NO_COLOR", ""), ("FORCE_COLOR", "1")]),
            false
        ));
        assert!(colour(Color::Auto, env(&[("CLICOLOR_FORCE", "1")]), false));
        assert!(!colour(Color::Auto, env(&[("FORCE_COLOR", "0")]), false));
        assert!(colour(Color::Auto, env(&[]), true));
        assert!(!colour(Color::Auto, env(&[]), false));
        assert!(!colour(Color::Auto, env(&[("TERM", "dumb")]), true));
    }

    #[test]
    fn clap_sees_the_last_color_flag_before_a_double_dash() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            clap_colour(&args(&[
                "eksgrant",
                "--color",
                "never",
                "--color=always",
                "validate"
            ])),
            clap::ColorChoice::Always
        );
        assert_eq!(
            clap_colour(&args(&[
                "eksgrant",
                "validate",
                "--color=never",
                "--",
                "--color=always"
            ])),
            clap::ColorChoice::Never
        );
    }
}
