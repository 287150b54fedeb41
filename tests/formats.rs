//! `validate` and `generate --format json|sarif`: the exact fields of each
//! form, and each form against its schema (docs/diagnostics.schema.json, and
//! the published SARIF 2.1.0 schema vendored in tests/sarif).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use eksgrant::diagnostics::{Diagnostics, Record, sarif};
use serde_json::{Value, json};

use crate::support::{BASE, Run, load, run_in};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

static DIAGNOSTICS_SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&read_json("docs/diagnostics.schema.json"))
        .expect("docs/diagnostics.schema.json is a schema")
});

static SARIF_SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&read_json("tests/sarif/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema is a schema")
});

/// Panics with every error the schema finds in `instance`.
fn assert_valid(schema: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = schema
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}\n{instance:#}",
        errors.join("\n")
    );
}

/// A repository with a spec named `eksgrant.toml`, run from its directory
/// so that diagnostics name the spec as a user in the repository would.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(spec: &str) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("eksgrant.toml"), spec).unwrap();
        Repo { dir }
    }

    fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args)
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }
}

/// Two errors: a principal with the ARN of another (two labels), and a
/// grant to a cluster that does not exist, whose name has a character of
/// two bytes (so columns, in characters, and spans, in bytes, differ).
fn two_problems() -> String {
    format!(
        "{BASE}\n[principals.ops]\narn = \"arn:aws:iam::111122223333:role/admins\"\n\n\
         [[principals.ops.grants]]\ncluster = \"plätform\"\ncluster_role = \"view\"\n"
    )
}

/// Two warnings, on one line: a verb Kubernetes does not have, and a shell
/// in pods (the `pod_exec` lint).
fn two_warnings() -> String {
    format!(
        "{BASE}\n[[principals.admins.grants]]\ncluster = \"platform\"\nnamespaces = [\"web\"]\n\
         rules = [{{ api_groups = [\"\"], resources = [\"pods/exec\"], verbs = [\"create\", \"lsit\"] }}]\n"
    )
}

/// The records `two_problems` has, exactly.
fn two_problems_records() -> Value {
    let base_lines = BASE.lines().count();
    let ops = BASE.len() + "\n[principals.".len();
    let first_admins = BASE.find("[principals.admins]").unwrap() + "[principals.".len();
    let admins_line = BASE[..first_admins].lines().count();
    let cluster_line = base_lines + 6;
    let cluster = two_problems().find("\"plätform\"").unwrap();
    json!([
        {
            "code": "eksgrant::duplicate_principal",
            "severity": "error",
            "message": "principals admins and ops have the same ARN",
            "file": "eksgrant.toml",
            "line": base_lines + 2,
            "column": 13,
            "end_line": base_lines + 2,
            "end_column": 16,
            "span": { "offset": ops, "length": 3 },
            "labels": [
                {
                    "message": "second principal",
                    "line": base_lines + 2,
                    "column": 13,
                    "end_line": base_lines + 2,
                    "end_column": 16,
                    "span": { "offset": ops, "length": 3 },
                },
                {
                    "message": "first principal",
                    "line": admins_line,
                    "column": 13,
                    "end_line": admins_line,
                    "end_column": 19,
                    "span": { "offset": first_admins, "length": 6 },
                },
            ],
            "help": "EKS allows one access entry per ARN and cluster: merge the grants into one principal",
        },
        {
            "code": "eksgrant::unknown_cluster",
            "severity": "error",
            "message": "cluster `plätform` is not defined",
            "file": "eksgrant.toml",
            "line": cluster_line,
            "column": 11,
            "end_line": cluster_line,
            "end_column": 21,
            "span": { "offset": cluster, "length": 11 },
            "labels": [
                {
                    "message": "no cluster with this key",
                    "line": cluster_line,
                    "column": 11,
                    "end_line": cluster_line,
                    "end_column": 21,
                    "span": { "offset": cluster, "length": 11 },
                },
            ],
            "help": "did you mean `platform`? Clusters are named by their key under [clusters]",
        },
    ])
}

#[test]
fn json_lists_each_problem_of_an_invalid_spec_with_its_place() {
    let repo = Repo::new(&two_problems());
    for command in ["validate", "generate"] {
        let output = repo.run(&[command, "--format", "json"]).code(2);
        // Nothing else: the problems are on stdout, nothing was written.
        output.stderr_empty();
        assert!(!repo.path("ACCESS.md").exists());
        let document = output.json();
        assert_valid(&DIAGNOSTICS_SCHEMA, &document, "the JSON form");
        assert_eq!(
            document,
            json!({ "version": 1, "problems": two_problems_records() }),
            "{command}"
        );
    }
}

#[test]
fn json_lists_warnings_and_generate_still_writes() {
    let repo = Repo::new(&two_warnings());
    let validate = repo.run(&["validate", "--format", "json"]).success();
    validate.stderr_starts_with("eksgrant: eksgrant.toml is valid: 1 cluster");
    let document = validate.json();
    assert_valid(&DIAGNOSTICS_SCHEMA, &document, "the JSON form");
    let line = BASE.lines().count() + 5;
    let rules = two_warnings().find("rules = ").unwrap();
    let exec = two_warnings().find("\"pods/exec\"").unwrap();
    let lsit = two_warnings().find("\"lsit\"").unwrap();
    let column = |offset: usize| offset - rules + 1;
    let problems = document["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{document:#}");
    assert_eq!(
        problems[0],
        json!({
            "code": "eksgrant::unknown_verb",
            "severity": "warning",
            "message": "`lsit` is not a Kubernetes verb",
            "file": "eksgrant.toml",
            "line": line,
            "column": column(lsit),
            "end_line": line,
            "end_column": column(lsit) + 6,
            "span": { "offset": lsit, "length": 6 },
            "labels": [{
                "message": "unknown verb",
                "line": line,
                "column": column(lsit),
                "end_line": line,
                "end_column": column(lsit) + 6,
                "span": { "offset": lsit, "length": 6 },
            }],
            "help": problems[0]["help"],
        })
    );
    assert!(
        problems[0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean \"list\"?"),
        "{document:#}"
    );
    assert_eq!(problems[1]["code"], "eksgrant::pod_exec");
    assert_eq!(problems[1]["severity"], "warning");
    assert_eq!(problems[1]["line"], line);
    assert_eq!(problems[1]["column"], column(exec));
    assert_eq!(problems[1]["span"], json!({ "offset": exec, "length": 11 }));

    // generate writes as usual; the summary stays on stderr.
    let generate = repo.run(&["generate", "--format", "json"]).success();
    assert_eq!(generate.json(), document);
    assert!(repo.path("ACCESS.md").is_file());
    generate.stderr_has(" created, 0 updated, 0 deleted, 0 unchanged");
    generate.stderr_lacks("eksgrant::");

    // With --deny-warnings, what stopped the run follows the warnings.
    let denied = repo
        .run(&["validate", "--deny-warnings", "--format=json"])
        .code(2)
        .json();
    assert_valid(&DIAGNOSTICS_SCHEMA, &denied, "the JSON form");
    let denied_problems = denied["problems"].as_array().unwrap();
    assert_eq!(denied_problems[..2], problems[..]);
    assert_eq!(
        denied_problems[2],
        json!({
            "code": "eksgrant::denied_warnings",
            "severity": "error",
            "message": "eksgrant.toml has 2 warnings, and --deny-warnings makes them fail the run",
            "file": null,
            "line": null,
            "column": null,
            "end_line": null,
            "end_column": null,
            "span": null,
            "labels": [],
            "help": "nothing was written; fix each warning above, or, for a lint that is meant, acknowledge it with allow = [\"<lint>\"] on the item it is about",
        })
    );
}

#[test]
fn json_of_a_clean_spec_and_of_an_error_without_a_place() {
    let repo = Repo::new(BASE);
    let clean = repo.run(&["validate", "--format", "json"]).success();
    assert_eq!(clean.json(), json!({ "version": 1, "problems": [] }));

    let missing = repo
        .run(&["validate", "missing.toml", "--format", "json"])
        .code(2);
    let document = missing.json();
    assert_valid(&DIAGNOSTICS_SCHEMA, &document, "the JSON form");
    let problem = &document["problems"][0];
    assert_eq!(problem["code"], "eksgrant::io");
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .starts_with("could not read the spec missing.toml: "),
        "{problem}"
    );
    for field in ["file", "line", "column", "end_line", "end_column", "span"] {
        assert_eq!(problem[field], Value::Null, "{field}");
    }
    assert_eq!(
        problem["help"],
        "run `eksgrant init missing.toml` to write a starter spec there, or give the path of an existing spec"
    );
}

#[test]
fn with_a_document_on_stdout_the_diff_and_the_listing_go_to_stderr() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    repo.run(&["generate"]);
    fs::write(
        repo.path("eksgrant.toml"),
        BASE.replace(
            "[clusters.platform]",
            "[clusters.platform]\nname = \"platform-eu\"",
        ),
    )
    .unwrap();
    let check = repo
        .run(&["generate", "--check", "--format", "sarif"])
        .code(1);
    assert_valid(&SARIF_SCHEMA, &check.json(), "the SARIF log");
    check.stderr_has("\n--- a/ACCESS.md\n");
    check.stderr_has("is out of date");
    let dry_run = repo
        .run(&["generate", "--dry-run", "--format", "json"])
        .success();
    assert_eq!(dry_run.json(), json!({ "version": 1, "problems": [] }));
    dry_run.stderr_starts_with("update ACCESS.md\n");
}

/// The location SARIF gives a label of the JSON form.
fn location(label: &Value) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": "eksgrant.toml" },
            "region": {
                "startLine": label["line"],
                "startColumn": label["column"],
                "endLine": label["end_line"],
                "endColumn": label["end_column"],
            },
        },
        "message": { "text": label["message"] },
    })
}

/// The related location SARIF gives another label.
fn related(label: &Value, id: usize) -> Value {
    let mut related = location(label);
    related["id"] = json!(id);
    related
}

fn rule_index(code: &str) -> usize {
    eksgrant::Code::ALL
        .iter()
        .position(|c| c.as_str() == code)
        .unwrap()
}

#[test]
fn sarif_has_every_code_as_a_rule_and_each_problem_as_a_result() {
    let repo = Repo::new(&two_problems());
    let output = repo.run(&["validate", "--format", "sarif"]).code(2);
    output.stderr_empty();
    let log = output.json();
    assert_valid(&SARIF_SCHEMA, &log, "the SARIF log");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "eksgrant");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), eksgrant::Code::ALL.len());
    for (rule, code) in rules.iter().zip(eksgrant::Code::ALL) {
        let explanation = code.explain();
        assert_eq!(
            *rule,
            json!({
                "id": code.as_str(),
                "name": code.short_name(),
                "shortDescription": { "text": explanation.meaning },
                "help": { "text": explanation.fix, "markdown": explanation.fix },
                "defaultConfiguration": {
                    "level": if explanation.warning { "warning" } else { "error" },
                },
            })
        );
    }
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"], json!([{ "executionSuccessful": true }]));

    let records = two_problems_records();
    let (duplicate, unknown) = (&records[0], &records[1]);
    assert_eq!(
        run["results"],
        json!([
            {
                "ruleId": "eksgrant::duplicate_principal",
                "ruleIndex": rule_index("eksgrant::duplicate_principal"),
                "level": "error",
                "message": { "text": duplicate["message"] },
                "locations": [location(&duplicate["labels"][0])],
                "relatedLocations": [related(&duplicate["labels"][1], 1)],
                "properties": { "help": duplicate["help"] },
            },
            {
                "ruleId": "eksgrant::unknown_cluster",
                "ruleIndex": rule_index("eksgrant::unknown_cluster"),
                "level": "error",
                "message": { "text": unknown["message"] },
                "locations": [location(&unknown["labels"][0])],
                "properties": { "help": unknown["help"] },
            },
        ])
    );
}

#[test]
fn sarif_of_warnings_and_of_a_run_that_failed() {
    let repo = Repo::new(&two_warnings());
    let json_form = repo.run(&["validate", "--format", "json"]).json();
    let output = repo.run(&["generate", "--format", "sarif"]).success();
    assert!(repo.path("ACCESS.md").is_file());
    let log = output.json();
    assert_valid(&SARIF_SCHEMA, &log, "the SARIF log");
    let run = &log["runs"][0];
    assert_eq!(run["invocations"], json!([{ "executionSuccessful": true }]));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (result, record) in results
        .iter()
        .zip(json_form["problems"].as_array().unwrap())
    {
        assert_eq!(
            *result,
            json!({
                "ruleId": record["code"],
                "ruleIndex": rule_index(record["code"].as_str().unwrap()),
                "level": "warning",
                "message": { "text": record["message"] },
                "locations": [location(&record["labels"][0])],
                "properties": { "help": record["help"] },
            })
        );
    }

    // What stops a run without being about a place in the spec is no
    // result (GitHub refuses a result without a location) but a
    // notification of the invocation, which did not succeed.
    let missing = repo
        .run(&["validate", "missing.toml", "--format", "sarif"])
        .code(2);
    let log = missing.json();
    assert_valid(&SARIF_SCHEMA, &log, "the SARIF log");
    let run = &log["runs"][0];
    assert_eq!(run["results"], json!([]));
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(
        notification["associatedRule"],
        json!({ "id": "eksgrant::io", "index": rule_index("eksgrant::io") })
    );
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("could not read the spec missing.toml: "),
        "{notification}"
    );
}

/// Every diagnostic of the fixtures (each invalid spec's problems, each
/// spec's warnings) in both forms matches its schema.
#[test]
fn every_fixture_s_diagnostics_match_both_schemas() {
    let mut records = Vec::new();
    for dir in ["tests/invalid", "tests/warnings"] {
        let mut specs: Vec<PathBuf> = fs::read_dir(root().join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "toml"))
            .collect();
        specs.sort();
        for spec in specs {
            match load(&spec) {
                Ok(loaded) => records.extend(loaded.warnings.iter().map(Record::from)),
                Err(error) => records.extend(Record::of(&error)),
            }
        }
    }
    assert!(records.len() > 100, "{}", records.len());
    for record in &records {
        assert!(record.line.is_some(), "{record:?}");
        assert_eq!(record.labels.first().map(|l| l.line), record.line);
    }
    let document = serde_json::to_value(Diagnostics::new(records.clone())).unwrap();
    assert_valid(&DIAGNOSTICS_SCHEMA, &document, "the JSON form");
    let log = sarif(&records);
    assert_valid(&SARIF_SCHEMA, &log, "the SARIF log");
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        records.len()
    );
}

#[test]
fn the_committed_json_schema_is_current() {
    let committed = fs::read_to_string(root().join("docs/diagnostics.schema.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        eksgrant::diagnostics::json_schema(),
        "docs/diagnostics.schema.json is stale: run `cargo run -- schema --diagnostics > docs/diagnostics.schema.json`"
    );
}
