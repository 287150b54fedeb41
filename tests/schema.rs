//! The JSON Schema as editors use it: what it offers, and that it agrees
//! with eksgrant.
//!
//! Each spec is converted from TOML to JSON with the `toml` crate, as
//! Taplo does, and validated with the `jsonschema` crate (draft 7, the
//! draft `eksgrant schema` writes and Taplo reads).
//!
//! Agreement goes one way for rules and both ways for shape:
//!
//! - every spec eksgrant accepts (the examples, the test cases, the specs
//!   that only warn, the starter) is valid against the schema, so an editor
//!   never flags a spec that works;
//! - every spec eksgrant refuses for its shape (`eksgrant::syntax`: a wrong
//!   type, an unknown key, a missing field, an unknown value of a fixed set)
//!   or its `version` is invalid against it too. A spec that is not TOML
//!   at all is refused by both (Taplo reports the syntax error itself).
//!
//! The other refusals may pass the schema. A snapshot lists, for each spec
//! under tests/invalid, eksgrant's codes and whether the schema refuses it
//! as well (it does for an unknown preset or an access policy of no AWS
//! shape). Those it
//! passes break rules JSON Schema cannot express, or that eksgrant keeps in
//! one place to give a better message:
//!
//! - references between tables: a grant's `cluster`, a workload's
//!   `aws.account`, `private_access_from_clusters` must name keys the spec
//!   defines;
//! - uniqueness across items: two cluster keys for one EKS cluster, one
//!   ServiceAccount or principal ARN twice, names that collide once
//!   generated, a Sid or namespace listed twice;
//! - rules that read another table: `access_policy` on a `CONFIG_MAP`
//!   cluster or for a workload on its own cluster, keys that need
//!   `create = true`, a created cluster nobody administers, IRSA on a
//!   cluster without `oidc_issuer`;
//! - sizes eksgrant computes: the policy and trust documents IAM limits,
//!   tags counted over `[aws]` and `[iam]`;
//! - one-of choices within a table (exactly one grant kind, `cluster` or
//!   `clusters`), which JSON Schema's `oneOf` could say but editors report
//!   without naming the keys;
//! - formats checked in code: ARNs in the spec's partition and region,
//!   CIDR blocks, DNS labels, Kubernetes versions, reserved names and
//!   characters.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use eksgrant::{Error, Problem};
use serde_json::Value;

use crate::support::{BASE, load, report, settings};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    serde_json::from_str(&eksgrant::spec::json_schema()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&schema()).expect("the schema is valid draft 7")
}

/// The spec as JSON, as an editor validates it; `None` if it is not TOML.
fn as_json(text: &str) -> Option<Value> {
    let table: toml::Table = toml::from_str(text).ok()?;
    Some(serde_json::to_value(table).expect("a TOML table is JSON"))
}

/// The schema's complaints about `text`, one line each; `None` if it is
/// not TOML.
fn schema_errors(validator: &jsonschema::Validator, text: &str) -> Option<Vec<String>> {
    let json = as_json(text)?;
    Some(
        validator
            .iter_errors(&json)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect(),
    )
}

/// The files matching `dir/*.toml`, sorted.
fn specs(dir: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
}

/// The codes of the errors eksgrant refuses a spec with.
fn refused_with(error: &Error) -> Vec<String> {
    let code = |diagnostic: &dyn miette::Diagnostic| diagnostic.code().unwrap().to_string();
    match error {
        Error::Invalid { problems, .. } => problems
            .iter()
            .filter(|problem| problem.is_error())
            .map(|problem: &Problem| code(problem))
            .collect(),
        error => vec![code(error)],
    }
}

#[test]
fn every_key_has_a_description() {
    fn walk(node: &Value, path: &str, missing: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (key, property) in properties {
                        if property.get("description").is_none() {
                            missing.push(format!("{path}.{key}"));
                        }
                    }
                }
                for (key, value) in map {
                    walk(value, &format!("{path}/{key}"), missing);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, path, missing)),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&schema(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "keys without a description (add a doc comment): {missing:?}"
    );
}

/// Every description of every committed schema reads as text in an
/// editor's hover: no rustdoc link (`` [`Item`] ``) that only the crate's
/// own documentation resolves.
#[test]
fn descriptions_hold_no_rustdoc_links() {
    fn walk(node: &Value, path: &str, found: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(text)) = map.get("description")
                    && text.contains("[`")
                {
                    found.push(format!("{path}: {text}"));
                }
                for (key, value) in map {
                    walk(value, &format!("{path}/{key}"), found);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, path, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for file in [
        "eksgrant.schema.json",
        "docs/explain.schema.json",
        "docs/diff.schema.json",
        "docs/diagnostics.schema.json",
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        walk(&serde_json::from_str(&text).unwrap(), file, &mut found);
    }
    assert!(
        found.is_empty(),
        "rustdoc links in schema descriptions: {found:#?}"
    );
}

#[test]
fn version_is_the_one_eksgrant_reads() {
    let schema = schema();
    assert_eq!(schema["properties"]["version"]["const"], 1);
    let validator = validator();
    let spec = |version: &str| as_json(&BASE.replace("version = 1", version)).unwrap();
    assert!(validator.is_valid(&spec("version = 1")));
    assert!(!validator.is_valid(&spec("version = 7")));
    assert!(!validator.is_valid(&spec("version = \"1\"")));
}

#[test]
fn preset_names_are_the_registrys() {
    let schema = schema();
    let offered: Vec<&str> = schema["definitions"]["Preset"]["properties"]["name"]["enum"]
        .as_array()
        .expect("preset names are an enum")
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    // `eksgrant presets` starts each preset with its name, unindented.
    let listed = eksgrant::model::describe_presets();
    let registry: Vec<&str> = listed
        .lines()
        .filter(|line| !line.starts_with(' '))
        .collect();
    assert_eq!(offered, registry);
    let documented =
        &schema["definitions"]["Preset"]["properties"]["name"]["x-taplo"]["docs"]["enumValues"];
    assert_eq!(documented.as_array().unwrap().len(), registry.len());
}

/// The access policy names an editor offers are the ones eksgrant knows,
/// and it accepts and refuses names as eksgrant does: a known one, an
/// unknown one of AWS's shape (eksgrant warns), not an ARN, a ClusterRole
/// or a near miss without `Policy`.
#[test]
fn access_policy_names_agree() {
    let schema = schema();
    let known = &schema["definitions"]["AccessPolicyName"]["anyOf"][0]["enum"];
    assert!(
        known
            .as_array()
            .unwrap()
            .contains(&Value::from("AmazonEKSClusterAdminPolicy")),
        "{known}"
    );
    let validator = validator();
    let names = [
        ("AmazonEKSViewPolicy", true),
        ("AmazonEKSFuturePolicy", true),
        ("AIDevOpsAgentAccessPolicy", true),
        ("AINewPolicy", true),
        ("AmazonPolicy", true),
        ("AIPolicy", false),
        ("AmazonEKSAdmin", false),
        ("cluster-admin", false),
        ("Amazon-EKS-Policy", false),
        (
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            false,
        ),
    ];
    for (name, valid) in names {
        let text = BASE.replace("AmazonEKSClusterAdminPolicy", name);
        let eksgrant = eksgrant::load_source(eksgrant::SourceFile::new(
            Path::new("spec.toml"),
            text.clone(),
        ));
        assert_eq!(
            eksgrant.is_ok(),
            valid,
            "eksgrant on access_policy = {name:?}"
        );
        assert_eq!(
            validator.is_valid(&as_json(&text).unwrap()),
            valid,
            "the schema on access_policy = {name:?}"
        );
    }
}

#[test]
fn specs_eksgrant_accepts_are_valid_against_the_schema() {
    let validator = validator();
    let mut paths = Vec::new();
    for dir in ["examples", "tests/cases", "tests/warnings", "tests/lints"] {
        paths.extend(specs(dir));
    }
    assert!(paths.len() > 30, "{paths:?}");
    let mut texts: Vec<(String, String)> = paths
        .iter()
        .map(|path| {
            if let Err(error) = load(path) {
                panic!("{} should be valid:\n{}", path.display(), report(&error));
            }
            (
                path.display().to_string(),
                std::fs::read_to_string(path).unwrap(),
            )
        })
        .collect();
    texts.push(("the starter spec".into(), eksgrant::STARTER_SPEC.into()));
    for (name, text) in texts {
        let errors = schema_errors(&validator, &text).expect("an accepted spec is TOML");
        assert!(errors.is_empty(), "{name} fails the schema:\n{errors:#?}");
    }
}

#[test]
fn specs_eksgrant_refuses_for_their_shape_fail_the_schema() {
    let validator = validator();
    let mut table = String::new();
    for path in specs("tests/invalid") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Err(error) = load(&path) else {
            panic!("{name} should be refused");
        };
        let mut codes = refused_with(&error);
        let text = std::fs::read_to_string(&path).unwrap();
        // The verdict only: the validator's wording is its own.
        let schema = match schema_errors(&validator, &text) {
            None => "refuses (not TOML)",
            Some(errors) if errors.is_empty() => "passes",
            Some(_) => "refuses",
        };
        let shape = codes
            .iter()
            .all(|code| code == "eksgrant::syntax" || code == "eksgrant::version");
        assert!(
            !shape || schema != "passes",
            "eksgrant refuses {name} with {codes:?}, but the schema passes it"
        );
        codes.dedup();
        let _ = writeln!(table, "{name}: {} / schema {schema}", codes.join(", "));
    }
    settings().bind(|| insta::assert_snapshot!("schema-agreement", table));
}
