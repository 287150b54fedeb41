//! `eksgrant init --ci github`: where the workflow goes, what it names, that
//! its eksgrant steps pass on the starter spec when run as GitHub would run
//! them, and that init never overwrites or leaves half its files behind.

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use crate::support::{assert_exit, stderr, tree};

fn eksgrant(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("eksgrant")
        .unwrap()
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The workflow at `path`, parsed as GitHub parses it.
fn workflow(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The steps of the workflow's one job.
fn steps(workflow: &Value) -> &Vec<Value> {
    workflow["jobs"]["eksgrant"]["steps"].as_array().unwrap()
}

/// Runs every `run` step that calls eksgrant as the runner would (bash -e,
/// from the repository's root, with the workflow's env), with the binary
/// under test as `eksgrant`; returns each step's name and output.
fn run_eksgrant_steps(root: &Path, workflow: &Value) -> Vec<(String, Output)> {
    let binary = assert_cmd::cargo::cargo_bin("eksgrant");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outputs = Vec::new();
    for step in steps(workflow) {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        if !script.trim_start().starts_with("eksgrant ") {
            continue;
        }
        let mut command = std::process::Command::new("bash");
        command
            .args(["-e", "-c", script])
            .current_dir(root)
            .env("PATH", &path)
            .env("NO_COLOR", "1");
        for (name, value) in workflow["env"].as_object().unwrap() {
            command.env(name, value.as_str().unwrap());
        }
        let name = step["name"].as_str().unwrap_or_default().to_string();
        outputs.push((name, command.output().unwrap()));
    }
    outputs
}

#[test]
fn the_workflow_goes_to_the_git_root_and_its_steps_pass_on_the_starter() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    fs::create_dir(root.join("infra")).unwrap();
    let output = eksgrant(&root.join("infra"), &["init", "--ci", "github"]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("a GitHub Actions workflow"),
        "{}",
        stderr(&output)
    );
    let path = root.join(".github/workflows/eksgrant.yml");
    let workflow = workflow(&path);
    assert_eq!(workflow["env"]["EKSGRANT_SPEC"], "infra/eksgrant.toml");
    assert_eq!(workflow["env"]["EKSGRANT_OUT"], "infra");
    assert_eq!(
        workflow["env"]["EKSGRANT_VERSION"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        workflow["env"]["EKSGRANT_REPOSITORY"],
        env!("CARGO_PKG_REPOSITORY")
    );
    // Uploading SARIF needs security-events: write; nothing else is written.
    assert_eq!(
        workflow["permissions"],
        serde_json::json!({ "contents": "read" })
    );
    assert_eq!(
        workflow["jobs"]["eksgrant"]["permissions"]["security-events"],
        "write"
    );
    let uses: Vec<&str> = steps(&workflow)
        .iter()
        .filter_map(|step| step["uses"].as_str())
        .collect();
    assert_eq!(
        uses,
        [
            "actions/checkout@v5",
            "actions/cache@v5",
            "github/codeql-action/upload-sarif@v4",
            "hashicorp/setup-terraform@v4",
        ]
    );
    let runs: Vec<&str> = steps(&workflow)
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect();
    assert!(runs[0].starts_with(
        "cargo install --locked --git \"$EKSGRANT_REPOSITORY\" --tag \"v$EKSGRANT_VERSION\""
    ));
    assert!(runs.iter().any(|run| run.contains("fmt -check")));
    assert!(runs.iter().any(|run| run.contains(" validate\n")));

    // The user generates and commits; then every eksgrant step passes.
    assert_exit(&eksgrant(&root.join("infra"), &["generate"]), 0);
    let results = run_eksgrant_steps(root, &workflow);
    assert_eq!(results.len(), 2, "validate and generate --check");
    for (name, output) in &results {
        assert_exit(output, 0);
        assert!(!name.is_empty());
    }
    // The SARIF names the spec from the repository's root, where GitHub
    // looks for it, and has nothing to report.
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(root.join("eksgrant.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));

    // A spec edited without regenerating fails the check step.
    let spec = root.join("infra/eksgrant.toml");
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replace("namespace = \"web\"", "namespace = \"api\""),
    )
    .unwrap();
    let results = run_eksgrant_steps(root, &workflow);
    assert_exit(&results[1].1, 1);
}

#[test]
fn paths_with_quotes_and_dollars_reach_the_steps_intact() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    let awkward = "we\"ird $HOME 'dir'";
    fs::create_dir(root.join(awkward)).unwrap();
    let spec = format!("{awkward}/eksgrant.toml");
    assert_exit(&eksgrant(root, &["init", &spec, "--ci", "github"]), 0);
    let workflow = workflow(&root.join(".github/workflows/eksgrant.yml"));
    assert_eq!(workflow["env"]["EKSGRANT_SPEC"], spec.as_str());
    assert_eq!(workflow["env"]["EKSGRANT_OUT"], awkward);
    assert_exit(&eksgrant(root, &["generate", &spec]), 0);
    for (name, output) in run_eksgrant_steps(root, &workflow) {
        assert!(output.status.success(), "{name}: {}", stderr(&output));
    }
}

#[test]
fn for_an_existing_spec_only_the_workflow_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("eksgrant.toml"), "# mine\n").unwrap();
    let output = eksgrant(root, &["init", "--ci", "github"]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("kept the existing eksgrant.toml"),
        "{}",
        stderr(&output)
    );
    // Outside git, the spec's directory is taken as the repository's root,
    // and init says so.
    assert!(stderr(&output).contains("no git repository holds the spec"));
    assert_eq!(
        fs::read_to_string(root.join("eksgrant.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!root.join("eksgrant.schema.json").exists());
    let workflow = workflow(&root.join(".github/workflows/eksgrant.yml"));
    assert_eq!(workflow["env"]["EKSGRANT_SPEC"], "eksgrant.toml");
    assert_eq!(workflow["env"]["EKSGRANT_OUT"], ".");
}

#[test]
fn init_never_overwrites_the_workflow_and_then_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join(".github/workflows")).unwrap();
    fs::write(root.join(".github/workflows/eksgrant.yml"), "mine\n").unwrap();
    let before = tree(root);
    let output = eksgrant(root, &["init", "--ci", "github"]);
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(message.contains("eksgrant::exists"), "{message}");
    assert!(
        message.contains(".github/workflows/eksgrant.yml exists already"),
        "{message}"
    );
    // Not even the spec: init writes all its files or none.
    assert_eq!(tree(root), before);
}

#[test]
fn a_failure_part_way_removes_what_the_run_created() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // `.github` is a file: the workflow's directory cannot be made, after
    // the spec and the schema were written.
    fs::create_dir(root.join(".git")).unwrap();
    fs::write(root.join(".github"), "").unwrap();
    let before = tree(root);
    let output = eksgrant(root, &["init", "specs/eksgrant.toml", "--ci", "github"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("eksgrant::io"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(root), before, "the spec, schema and specs/ are gone");
}

#[test]
fn the_validate_step_finds_every_terraform_root_of_either_layout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    assert_exit(&eksgrant(root, &["init", "--ci", "github"]), 0);
    let workflow = workflow(&root.join(".github/workflows/eksgrant.yml"));
    let script = steps(&workflow)
        .iter()
        .find(|step| step["name"] == "terraform validate")
        .and_then(|step| step["run"].as_str())
        .unwrap()
        .to_string();
    // A terraform that only says where it was asked to run.
    let bin = root.join("bin");
    fs::create_dir(&bin).unwrap();
    let log = root.join("terraform.log");
    let fake = bin.join("terraform");
    fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |spec: &str| -> Vec<String> {
        fs::write(root.join("eksgrant.toml"), spec).unwrap();
        assert_exit(&eksgrant(root, &["generate", "-q"]), 0);
        // A module Terraform fetched into .terraform is not a root.
        fs::create_dir_all(root.join("terraform-kubernetes/.terraform/modules/m")).unwrap();
        fs::write(
            root.join("terraform-kubernetes/.terraform/modules/m/versions.tf"),
            "",
        )
        .unwrap();
        let _ = fs::remove_file(&log);
        let output = std::process::Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(root)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("EKSGRANT_OUT", ".")
            .output()
            .unwrap();
        assert_exit(&output, 0);
        fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let spec = fs::read_to_string(root.join("eksgrant.toml")).unwrap();
    let validated = |calls: &[String]| -> Vec<String> {
        let mut roots: Vec<String> = calls
            .iter()
            .filter_map(|c| c.strip_suffix(" validate"))
            .map(|c| c.trim_start_matches("-chdir=").to_string())
            .collect();
        roots.sort();
        roots
    };
    assert_eq!(
        validated(&run(&spec)),
        ["terraform", "terraform-kubernetes"]
    );
    let per_cluster = spec.replacen(
        "\n[clusters.",
        "\n[terraform]\nlayout = \"per-cluster\"\n\n[clusters.",
        1,
    );
    assert_eq!(
        validated(&run(&per_cluster)),
        [
            "terraform-kubernetes",
            "terraform/clusters/platform",
            "terraform/clusters/workload",
            "terraform/iam",
            "terraform/network",
        ]
    );
}
