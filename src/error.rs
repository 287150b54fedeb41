//! Every way eksgrant can fail, organised by pipeline stage.
//!
//! A user sees one of these rendered by miette. Spec problems carry the spec's
//! text and point at the offending token; everything else names the file or
//! template involved.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::PathBuf;

use miette::{Diagnostic, LabeledSpan, Severity};

use crate::code::Code;
use crate::source::SourceFile;
use crate::text::count;

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error type of the whole pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read, written or removed.
    #[error("could not {action} {}", path.display())]
    Io {
        /// What eksgrant was doing, as a verb phrase ("read the spec").
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// The spec file does not exist.
    #[error("could not read the spec {}", path.display())]
    NoSpec {
        /// The path given (or the default, `eksgrant.toml`).
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
        /// The command that writes a starter spec there.
        help: String,
    },

    /// The spec is not valid TOML, or does not have the spec's shape
    /// (unknown key, wrong type, missing field).
    #[error(transparent)]
    Syntax(Box<Problem>),

    /// The spec parsed but breaks one or more rules; all of them are listed.
    #[error("{} has {}", file.display(), count_problems(problems))]
    Invalid {
        /// The spec file.
        file: PathBuf,
        /// Each problem, with its span and a help line.
        problems: Vec<Problem>,
    },

    /// `--deny-warnings` was given and the spec has warnings (after its
    /// `allow` acknowledgements); nothing was written.
    #[error("{} has {}, and --deny-warnings makes them fail the run", file.display(), count(*warnings, "warning"))]
    DeniedWarnings {
        /// The spec file.
        file: PathBuf,
        /// How many warnings it has.
        warnings: usize,
    },

    /// A built-in template failed to render. This is a bug in eksgrant.
    #[error("template {name} failed to render:\n{report}")]
    Template {
        /// The template's name, e.g. `terraform/workload.tf`.
        name: String,
        /// Tera's own report, with the template line and column.
        report: String,
    },

    /// A generated file does not parse back as what it claims to be. This is
    /// a bug in eksgrant, caught before anything was written.
    #[error("generated file {path} is not valid {kind}: {message}")]
    Output {
        /// The output path, relative to the output directory.
        path: String,
        /// "JSON", "YAML" or "HCL".
        kind: &'static str,
        /// The parser's message.
        message: String,
    },

    /// Regenerating would overwrite or delete files that are not
    /// eksgrant's to change, or write where it never writes (through a
    /// link, over the spec); nothing was written.
    #[error("refusing to change {} in {}:{}", count(files.len(), "path"), out.display(), list(files))]
    Conflicts {
        /// The output directory.
        out: PathBuf,
        /// Each path, with why it is refused.
        files: Vec<String>,
        /// What to do about them.
        help: String,
    },

    /// A write, rename or deletion met something it must not go through:
    /// a symbolic link, the spec, a file where a directory must be. The
    /// planning step reports these before writing, so this means the
    /// directory changed while eksgrant was writing.
    #[error("refusing to write through {}: it {reason}", path.display())]
    Unsafe {
        /// What is in the way.
        path: PathBuf,
        /// What it is.
        reason: &'static str,
    },

    /// Another `generate` holds the output directory's lock.
    #[error("another run is writing {}: {}", out.display(), if holder.is_empty() { "eksgrant generate" } else { holder.as_str() })]
    Locked {
        /// The output directory.
        out: PathBuf,
        /// Who holds the lock, as its lock file says.
        holder: String,
        /// How long this run waited.
        waited: std::time::Duration,
    },

    /// A test hook stopped the run before a change, as a kill would.
    #[error("interrupted before changing {path}")]
    Interrupted {
        /// The path the run was about to change.
        path: String,
    },

    /// The manifest in the output directory cannot be read.
    #[error("the manifest {} is damaged: {message}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// `import aws-auth` could not read the ConfigMap it was given.
    #[error("cannot import {}: {message}", path.display())]
    Import {
        /// The file given on the command line.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// An `explain` question names what the spec does not have.
    #[error("{message}")]
    Query {
        /// What is not there.
        message: String,
        /// What is.
        help: String,
    },

    /// `diff --base` could not read the old spec from git.
    #[error("{message}")]
    Git {
        /// What went wrong, with git's own words.
        message: String,
        /// What to do about it.
        help: String,
    },

    /// `init` would overwrite an existing file.
    #[error("{} exists already", path.display())]
    Exists {
        /// The file that exists.
        path: PathBuf,
    },
}

impl Error {
    /// The error's code: the one place an error is tied to it.
    pub fn diagnostic_code(&self) -> Code {
        match self {
            Error::Io { .. } | Error::NoSpec { .. } => Code::Io,
            Error::Syntax(problem) => problem.diagnostic_code(),
            Error::Invalid { .. } => Code::Invalid,
            Error::DeniedWarnings { .. } => Code::DeniedWarnings,
            Error::Template { .. } => Code::Template,
            Error::Output { .. } => Code::Output,
            Error::Conflicts { .. } => Code::Conflict,
            Error::Unsafe { .. } => Code::UnsafePath,
            Error::Locked { .. } => Code::Locked,
            Error::Interrupted { .. } => Code::Interrupted,
            Error::Manifest { .. } => Code::Manifest,
            Error::Import { .. } => Code::Import,
            Error::Query { .. } => Code::Query,
            Error::Git { .. } => Code::Git,
            Error::Exists { .. } => Code::Exists,
        }
    }

    /// What to do about it, for the variants that know (a spec's own
    /// problem carries its help itself).
    fn help_line(&self) -> Option<String> {
        let line = match self {
            Error::Io { .. } | Error::Interrupted { .. } | Error::Syntax(_) => return None,
            Error::NoSpec { help, .. }
            | Error::Conflicts { help, .. }
            | Error::Query { help, .. }
            | Error::Git { help, .. } => help,
            Error::Invalid { .. } => "nothing was written; fix the spec and run the command again",
            Error::DeniedWarnings { .. } => {
                "nothing was written; fix each warning above, or, for a lint that is meant, acknowledge it with allow = [\"<lint>\"] on the item it is about"
            }
            Error::Template { .. } => {
                "this is a bug in eksgrant; please report it with the spec that triggers it"
            }
            Error::Output { .. } => {
                "this is a bug in eksgrant; nothing was written. Please report it with the spec"
            }
            Error::Unsafe { .. } => {
                "eksgrant never follows a symbolic link or replaces anything but its own regular files inside the output directory; move it away and run again"
            }
            Error::Locked { waited, .. } => {
                return Some(format!(
                    "waited {} s for it to finish; run again once it has. The lock goes with the process, so a killed run never leaves the directory locked",
                    waited.as_secs()
                ));
            }
            Error::Manifest { .. } => {
                "restore it from version control; without it, eksgrant treats every existing file as yours and refuses to overwrite it (use --force once to take the files back)"
            }
            Error::Import { .. } => {
                "pass the ConfigMap as YAML, e.g. from `kubectl get configmap aws-auth -n kube-system -o yaml`"
            }
            Error::Exists { .. } => {
                "init only writes new files and never replaces one: choose another path, or edit the existing file (move it aside to get a fresh one)"
            }
        };
        Some(line.to_string())
    }
}

/// Every error's code is its [`Code`]; a problem of the spec (`Syntax`) is
/// shown as the problem itself, and `Invalid` shows each of its problems.
impl Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic_code().as_str()))
    }

    fn severity(&self) -> Option<Severity> {
        match self {
            Error::Syntax(problem) => problem.severity(),
            _ => None,
        }
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            Error::Syntax(problem) => problem.help(),
            _ => self
                .help_line()
                .map(|help| Box::new(help) as Box<dyn std::fmt::Display>),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            Error::Syntax(problem) => problem.source_code(),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self {
            Error::Syntax(problem) => problem.labels(),
            _ => None,
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        match self {
            Error::Syntax(problem) => problem.related(),
            Error::Invalid { problems, .. } => Some(Box::new(
                problems.iter().map(|problem| problem as &dyn Diagnostic),
            )),
            _ => None,
        }
    }
}

/// "3 problems", or "1 problem (and 2 warnings)": warnings ride along with
/// the errors that stopped generation but are not counted as problems.
fn count_problems(problems: &[Problem]) -> String {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    match warnings {
        0 => count(errors, "problem"),
        _ => format!(
            "{} (and {})",
            count(errors, "problem"),
            count(warnings, "warning")
        ),
    }
}

/// The lines of a [`Error::Conflicts`] message.
fn list(files: &[String]) -> String {
    files.iter().fold(String::new(), |mut out, f| {
        let _ = write!(out, "\n  {f}");
        out
    })
}

/// Lines longer than this are not quoted in a diagnostic: miette cannot
/// draw a label past column 65,535, and a snippet that wide helps nobody.
/// The message gives the line and column instead.
const MAX_QUOTED_LINE: usize = 1_000;

/// One thing wrong (or worth a warning) in a spec, pointing at its text.
///
/// Built as `Problem::error(source, Code::UnknownCluster, span, message)`,
/// then `.label(..)` (what is wrong with the text at `span`), `.help(..)`
/// (how to fix it) and `.also(span, label)` (a second place, such as the
/// first definition of a duplicate). The builder methods work on owned and
/// borrowed problems alike, so the model's checker can hand out the problem
/// it has just recorded.
#[derive(Debug)]
pub struct Problem {
    code: Code,
    message: String,
    severity: Severity,
    labels: Vec<(Range<usize>, String)>,
    help: Option<String>,
    spec: SourceFile,
}

impl Problem {
    /// An error at `span` in `source`.
    pub fn error(
        source: &SourceFile,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            severity: Severity::Error,
            labels: vec![(span, String::new())],
            help: None,
            spec: source.clone(),
        }
    }

    /// A warning at `span`: printed, but generation goes on.
    pub fn warning(
        source: &SourceFile,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(source, code, span, message)
        }
    }

    /// Says what is wrong with the text the problem points at.
    pub fn label(&mut self, label: impl Into<String>) -> &mut Self {
        self.labels[0].1 = label.into();
        self
    }

    /// Adds the line that tells the user how to fix it.
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Points at a second place, such as the first definition of a duplicate.
    pub fn also(&mut self, span: Range<usize>, label: impl Into<String>) -> &mut Self {
        self.labels.push((span, label.into()));
        self
    }

    /// The problem's code.
    pub fn diagnostic_code(&self) -> Code {
        self.code
    }

    /// What is wrong, without the help line or the quoted text.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it, if the problem says.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The places it points at, each with its label (empty for none): the
    /// first is where the problem is, the others are related places.
    pub fn spans(&self) -> &[(Range<usize>, String)] {
        &self.labels
    }

    /// The spec the spans are in.
    pub fn spec(&self) -> &SourceFile {
        &self.spec
    }

    /// Whether this problem stops generation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether every line a label touches is short enough to quote.
    fn quotable(&self) -> bool {
        self.labels
            .iter()
            .all(|(span, _)| self.spec.longest_line(span.clone()) <= MAX_QUOTED_LINE)
    }
}

impl std::error::Error for Problem {}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if self.quotable() {
            return Ok(());
        }
        let Some((span, _)) = self.labels.first() else {
            return Ok(());
        };
        let (line, column) = self.spec.position(span.start);
        write!(
            f,
            " (at {}:{line}:{column}; the line is too long to quote)",
            self.spec.path().display()
        )
    }
}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.quotable()
            .then_some(&self.spec as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.quotable() {
            return None;
        }
        Some(Box::new(self.labels.iter().enumerate().map(
            |(i, (span, text))| {
                let label = (!text.is_empty()).then(|| text.clone());
                if i == 0 {
                    LabeledSpan::new_primary_with_span(label, span.clone())
                } else {
                    LabeledSpan::new_with_span(label, span.clone())
                }
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use miette::Diagnostic as _;

    use super::*;

    /// One of each error, as the binary can report it.
    fn every_error() -> Vec<Error> {
        let source = SourceFile::new(std::path::Path::new("spec.toml"), "version = 1\n");
        let io = || std::io::Error::other("x");
        vec![
            Error::Io {
                action: "read",
                path: PathBuf::new(),
                source: io(),
            },
            Error::NoSpec {
                path: PathBuf::new(),
                source: io(),
                help: String::new(),
            },
            Error::Syntax(Box::new(Problem::error(&source, Code::Syntax, 0..1, "x"))),
            Error::Invalid {
                file: PathBuf::new(),
                problems: Vec::new(),
            },
            Error::DeniedWarnings {
                file: PathBuf::new(),
                warnings: 1,
            },
            Error::Template {
                name: String::new(),
                report: String::new(),
            },
            Error::Output {
                path: String::new(),
                kind: "YAML",
                message: String::new(),
            },
            Error::Conflicts {
                out: PathBuf::new(),
                files: Vec::new(),
                help: String::new(),
            },
            Error::Unsafe {
                path: PathBuf::new(),
                reason: "is a symbolic link",
            },
            Error::Locked {
                out: PathBuf::new(),
                holder: String::new(),
                waited: std::time::Duration::ZERO,
            },
            Error::Interrupted {
                path: String::new(),
            },
            Error::Manifest {
                path: PathBuf::new(),
                message: String::new(),
            },
            Error::Import {
                path: PathBuf::new(),
                message: String::new(),
            },
            Error::Exists {
                path: PathBuf::new(),
            },
            Error::Query {
                message: String::new(),
                help: String::new(),
            },
            Error::Git {
                message: String::new(),
                help: String::new(),
            },
        ]
    }

    /// Every error of a run is reported under a code that stops
    /// generation, not a warning's, and says what to do, but for those
    /// whose cause is all there is to say (an I/O error, an interruption)
    /// and a spec's problem, which carries its own help.
    #[test]
    fn every_error_has_an_error_code_and_says_what_to_do() {
        for error in every_error() {
            let code = error.diagnostic_code();
            assert!(
                !code.explain().warning,
                "{error:?} reports the warning {code:?}"
            );
            let says_what_to_do = error.help().is_some();
            let cause_only = matches!(
                error,
                Error::Io { .. } | Error::Interrupted { .. } | Error::Syntax(_)
            );
            assert_eq!(says_what_to_do, !cause_only, "{error:?}");
        }
    }

    #[test]
    fn a_spec_problem_reports_its_own_code_and_help() {
        let source = SourceFile::new(std::path::Path::new("spec.toml"), "version = 2\n");
        let mut problem = Problem::error(&source, Code::Version, 10..11, "version 2");
        Problem::help(&mut problem, "write version = 1");
        let syntax = Error::Syntax(Box::new(problem));
        assert_eq!(syntax.code().unwrap().to_string(), "eksgrant::version");
        assert_eq!(syntax.help().unwrap().to_string(), "write version = 1");
        assert_eq!(syntax.labels().unwrap().count(), 1);
    }
}
