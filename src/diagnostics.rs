//! Diagnostics as data, for `validate` and `generate --format json|sarif`.
//!
//! [`Diagnostics`] is the JSON form: a stable shape, documented in
//! docs/diagnostics.md, whose schema (docs/diagnostics.schema.json) is
//! [`json_schema`]. [`sarif`] turns the same records into a SARIF 2.1.0 log
//! that GitHub code scanning accepts.
//!
//! Every [`Problem`] (an error or a warning in the spec) becomes one
//! [`Record`] that points at the spec: file, line and column, byte span, and
//! every label. Every other [`Error`] (a file that cannot be read, a
//! conflict in the output directory, a lock) becomes a record whose location
//! is null. [`Error::Invalid`] is not a record of its own: its problems are.

pub mod human;

use std::borrow::Cow;
use std::fmt::Write as _;

use miette::Diagnostic as _;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use crate::code::Code;
use crate::error::{Error, Problem};

/// The version of the JSON form; a change that is not an addition bumps it.
pub const FORMAT_VERSION: u32 = 1;

/// Everything `validate` or `generate` reported, in the order it was found:
/// the spec's warnings, then what stopped the run, if anything did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "Diagnostics")]
pub struct Diagnostics {
    /// The JSON form's version: a change that is not an addition raises
    /// it.
    pub version: u32,
    /// Each error and warning.
    pub problems: Vec<Record>,
}

impl Diagnostics {
    /// The document of these records.
    pub fn new(problems: Vec<Record>) -> Self {
        Self {
            version: FORMAT_VERSION,
            problems,
        }
    }

    /// The document as `--format json` prints it: pretty, with a final
    /// newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("diagnostics serialise");
        text.push('\n');
        text
    }
}

/// Whether a problem stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Nothing is written; the exit status is 2.
    Error,
    /// Reported; generation goes on (unless `--deny-warnings`).
    Warning,
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Record {
    /// The diagnostic code, e.g. `eksgrant::unknown_cluster`.
    pub code: Code,
    /// `error` or `warning`.
    pub severity: Severity,
    /// What is wrong, in one sentence (an error about a file names it here).
    pub message: String,
    /// The spec, as the command line named it; null when the problem is
    /// not at a place in the spec (like all the location fields below).
    pub file: Option<String>,
    /// The line where the problem starts, from 1.
    #[schemars(range(min = 1))]
    pub line: Option<usize>,
    /// The column where it starts, from 1, in characters (Unicode scalar
    /// values).
    #[schemars(range(min = 1))]
    pub column: Option<usize>,
    /// The line where it ends.
    #[schemars(range(min = 1))]
    pub end_line: Option<usize>,
    /// The column just after its last character (as SARIF's `endColumn`).
    #[schemars(range(min = 1))]
    pub end_column: Option<usize>,
    /// The same place in bytes from the start of the file.
    pub span: Option<Span>,
    /// Every place the problem points at: the first is the problem's own
    /// (the location above), the others related places, such as the first
    /// definition of a duplicate. Empty when the location is null.
    pub labels: Vec<Label>,
    /// How to fix it; null when there is nothing to add to the message.
    pub help: Option<String>,
}

/// A place in the spec, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Span {
    /// Bytes before it.
    pub offset: usize,
    /// Its length in bytes (0: a point between two characters).
    pub length: usize,
}

/// A place in the spec a problem points at, with what it says there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Label {
    /// What it says about the text there; null when it says nothing.
    pub message: Option<String>,
    /// The line where the text starts, from 1.
    #[schemars(range(min = 1))]
    pub line: usize,
    /// The column where it starts, from 1, in characters.
    #[schemars(range(min = 1))]
    pub column: usize,
    /// The line where it ends.
    #[schemars(range(min = 1))]
    pub end_line: usize,
    /// The column just after its last character.
    #[schemars(range(min = 1))]
    pub end_column: usize,
    /// The same place in bytes.
    pub span: Span,
}

impl From<&Problem> for Record {
    fn from(problem: &Problem) -> Self {
        let spec = problem.spec();
        let labels: Vec<Label> = problem
            .spans()
            .iter()
            .map(|(range, text)| {
                let length = text_len(spec.text(), range);
                let (line, column) = spec.position(range.start);
                let (end_line, end_column) = spec.position(range.start + length);
                Label {
                    message: (!text.is_empty()).then(|| text.clone()),
                    line,
                    column,
                    end_line,
                    end_column,
                    span: Span {
                        offset: range.start.min(spec.text().len()),
                        length,
                    },
                }
            })
            .collect();
        let primary = labels.first();
        Record {
            code: problem.diagnostic_code(),
            severity: if problem.is_error() {
                Severity::Error
            } else {
                Severity::Warning
            },
            message: problem.message().to_string(),
            file: Some(spec.path().display().to_string()),
            line: primary.map(|l| l.line),
            column: primary.map(|l| l.column),
            end_line: primary.map(|l| l.end_line),
            end_column: primary.map(|l| l.end_column),
            span: primary.map(|l| l.span),
            help: problem.help_text().map(str::to_string),
            labels,
        }
    }
}

/// The length of `range` within `text` (0 for a range past its end).
fn text_len(text: &str, range: &std::ops::Range<usize>) -> usize {
    let start = range.start.min(text.len());
    range.end.clamp(start, text.len()) - start
}

impl Record {
    /// The records of an error: its problems when it is about the spec's
    /// content, or one record without a location.
    pub fn of(error: &Error) -> Vec<Record> {
        match error {
            Error::Syntax(problem) => vec![Record::from(problem.as_ref())],
            Error::Invalid { problems, .. } => problems.iter().map(Record::from).collect(),
            other => {
                let code = other
                    .code()
                    .and_then(|code| Code::parse(&code.to_string()))
                    .expect("every error has a code src/code.rs lists");
                let mut message = other.to_string();
                let mut source = std::error::Error::source(other);
                while let Some(cause) = source {
                    message.push_str(": ");
                    message.push_str(&cause.to_string());
                    source = cause.source();
                }
                vec![Record {
                    code,
                    severity: Severity::Error,
                    message,
                    file: None,
                    line: None,
                    column: None,
                    end_line: None,
                    end_column: None,
                    span: None,
                    labels: Vec::new(),
                    help: other.help().map(|help| help.to_string()),
                }]
            }
        }
    }
}

/// The JSON Schema of [`Diagnostics`], for docs/diagnostics.schema.json:
/// of what eksgrant writes, so every field is required, null or not.
pub fn json_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<Diagnostics>();
    serde_json::to_string_pretty(&schema).expect("a schema serialises")
}

/// The SARIF version [`sarif`] writes.
pub const SARIF_VERSION: &str = "2.1.0";

/// The published schema of that version.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The records as a SARIF 2.1.0 log of one run, for GitHub code scanning.
///
/// The tool's rules are every [`Code`], each with what it means, how to fix
/// it and whether it is an error or a warning. A record with a location is a
/// result at its place in the spec (its other labels are related
/// locations). A record without one is not a finding about the spec but
/// a reason the run failed (the spec cannot be read, the output directory
/// is locked): GitHub rejects a result without a location, so these are the
/// invocation's tool execution notifications, and the invocation did not
/// succeed.
pub fn sarif(records: &[Record]) -> Value {
    let rule_index = |code: Code| {
        Code::ALL
            .iter()
            .position(|c| *c == code)
            .expect("Code::ALL lists every code")
    };
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            let explanation = code.explain();
            json!({
                "id": code.as_str(),
                "name": code.short_name(),
                "shortDescription": { "text": explanation.meaning },
                "help": { "text": explanation.fix, "markdown": explanation.fix },
                "defaultConfiguration": {
                    "level": if explanation.warning { "warning" } else { "error" },
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for record in records {
        let level = match record.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let (Some(file), Some(primary)) = (&record.file, record.labels.first()) else {
            notifications.push(json!({
                "level": level,
                "message": { "text": record.message },
                "associatedRule": { "id": record.code.as_str(), "index": rule_index(record.code) },
            }));
            continue;
        };
        let uri = uri(file);
        let location = |label: &Label| {
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": {
                        "startLine": label.line,
                        "startColumn": label.column,
                        "endLine": label.end_line,
                        "endColumn": label.end_column,
                    },
                },
            });
            if let Some(message) = &label.message {
                location["message"] = json!({ "text": message });
            }
            location
        };
        let mut result = json!({
            "ruleId": record.code.as_str(),
            "ruleIndex": rule_index(record.code),
            "level": level,
            "message": { "text": record.message },
            "locations": [location(primary)],
        });
        let related: Vec<Value> = record.labels[1..]
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let mut related = location(label);
                related["id"] = json!(i + 1);
                related
            })
            .collect();
        if !related.is_empty() {
            result["relatedLocations"] = Value::Array(related);
        }
        if let Some(help) = &record.help {
            result["properties"] = json!({ "help": help });
        }
        results.push(result);
    }
    let mut invocation = json!({ "executionSuccessful": notifications.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "eksgrant",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// A path as a URI reference: a relative path stays relative (GitHub
/// resolves it against the repository's root, so name the spec from there),
/// an absolute one becomes a `file:` URI. Bytes other than unreserved
/// characters and `/` are percent-encoded.
fn uri(path: &str) -> String {
    let mut path: Cow<'_, str> = Cow::Borrowed(path);
    if cfg!(windows) {
        path = Cow::Owned(path.replace('\\', "/"));
    }
    let mut relative = path.as_ref();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    let absolute = std::path::Path::new(path.as_ref()).is_absolute();
    let mut out = String::new();
    if absolute {
        out.push_str("file://");
        if !relative.starts_with('/') {
            out.push('/');
        }
    }
    for byte in relative.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) || (absolute && byte == b':') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("eksgrant.toml"), "eksgrant.toml");
        assert_eq!(uri("./specs/a b.toml"), "specs/a%20b.toml");
        assert_eq!(uri("../x/é.toml"), "../x/%C3%A9.toml");
        if cfg!(unix) {
            assert_eq!(uri("/tmp/x.toml"), "file:///tmp/x.toml");
        }
    }
}
