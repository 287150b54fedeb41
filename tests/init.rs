//! `eksgrant init --ci github`: where the workflow goes, what it names, that
//! its eksgrant steps pass on the starter spec when run as GitHub would run
//! them, and that init never overwrites or leaves half its files behind.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{Run, git, run_in, tree};

/// The workflow at `path`, parsed as GitHub parses it.
fn workflow(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The steps of the workflow's one job.
fn steps(workflow: &Value) -> &Vec<Value> {
    workflow["jobs"]["eksgrant"]["steps"].as_array().unwrap()
}

/// The event a workflow runs for, as GitHub's `github` context and the
/// runner's variables give it to the steps.
enum Event<'a> {
    /// A push to the default branch.
    Push,
    /// A pull request into `base_ref`, whose job summary is `summary`.
    PullRequest {
        base_ref: &'a str,
        summary: &'a Path,
    },
}

impl Event<'_> {
    /// Whether a step with this `if` runs: only the conditions the
    /// workflow's `run` steps have are known.
    fn runs(&self, condition: Option<&str>) -> bool {
        match condition {
            None => true,
            Some("github.event_name == 'pull_request'") => {
                matches!(self, Event::PullRequest { .. })
            }
            Some(other) => panic!("a run step's `if: {other}` is not one this test knows"),
        }
    }

    /// A step's env value, with the one expression the workflow uses there
    /// filled in as GitHub fills it in.
    fn value(&self, value: &str) -> String {
        if !value.contains("${{") {
            return value.to_string();
        }
        assert_eq!(
            value, "${{ github.base_ref }}",
            "an expression this test does not know"
        );
        match self {
            Event::Push => String::new(),
            Event::PullRequest { base_ref, .. } => (*base_ref).to_string(),
        }
    }
}

/// Runs every `run` step that calls eksgrant or git as the runner would
/// (bash -e, from the repository's root, with the workflow's env and the
/// step's, for `event`, the steps whose `if` does not hold for it skipped),
/// with the binary under test as `eksgrant`; returns each step's name and
/// run.
fn run_eksgrant_steps(root: &Path, workflow: &Value, event: &Event) -> Vec<(String, Run)> {
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
        let first = script.split_whitespace().next().unwrap_or_default();
        if !["eksgrant", "git"].contains(&first) || !event.runs(step["if"].as_str()) {
            continue;
        }
        let mut command = std::process::Command::new("bash");
        command
            .args(["-e", "-c", script])
            .current_dir(root)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        for (name, value) in workflow["env"].as_object().unwrap() {
            command.env(name, value.as_str().unwrap());
        }
        if let Some(env) = step["env"].as_object() {
            for (name, value) in env {
                command.env(name, event.value(value.as_str().unwrap()));
            }
        }
        match event {
            Event::Push => command.env("GITHUB_EVENT_NAME", "push"),
            Event::PullRequest { base_ref, summary } => command
                .env("GITHUB_EVENT_NAME", "pull_request")
                .env("GITHUB_BASE_REF", base_ref)
                .env("GITHUB_STEP_SUMMARY", summary),
        };
        let name = step["name"].as_str().unwrap_or_default().to_string();
        let run = Run::new(format!("the step {name:?}"), command.output().unwrap());
        outputs.push((name, run));
    }
    outputs
}

#[test]
fn the_workflow_goes_to_the_git_root_and_its_steps_pass_on_the_starter() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    fs::create_dir(root.join("infra")).unwrap();
    let output = run_in(&root.join("infra"), &["init", "--ci", "github"]).success();
    output.stderr_has("a GitHub Actions workflow");
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
    run_in(&root.join("infra"), &["generate"]).success();
    let results = run_eksgrant_steps(root, &workflow, &Event::Push);
    assert_eq!(results.len(), 2, "validate and generate --check");
    for (name, output) in results {
        output.success();
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
    let mut results = run_eksgrant_steps(root, &workflow, &Event::Push);
    results.swap_remove(1).1.code(1);
}

/// A repository as a pull request's run sees it: `origin` a repository of
/// its own whose `main` holds what `base` commits, and the pull request's
/// branch checked out, with the base branch not fetched (actions/checkout
/// fetches only the pull request's commit). Returns the temporary
/// directory and the repository's root in it.
fn pull_request(
    base: impl Fn(&Path),
    change: impl Fn(&Path),
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("work");
    fs::create_dir(&root).unwrap();
    git(
        dir.path(),
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            "origin.git",
        ],
    );
    git(&root, &["init", "--quiet", "--initial-branch=main"]);
    base(&root);
    git(&root, &["add", "."]);
    git(&root, &["commit", "--quiet", "-m", "base"]);
    let origin = format!("file://{}", dir.path().join("origin.git").display());
    git(&root, &["remote", "add", "origin", &origin]);
    git(&root, &["push", "--quiet", "origin", "main"]);
    git(&root, &["update-ref", "-d", "refs/remotes/origin/main"]);
    git(&root, &["checkout", "--quiet", "-b", "change"]);
    change(&root);
    git(&root, &["add", "."]);
    git(&root, &["commit", "--quiet", "-m", "change"]);
    (dir, root)
}

/// Runs the workflow's eksgrant and git steps on a pull request into
/// `main`; each must pass. Returns the job summary.
fn run_on_pull_request(dir: &Path, root: &Path, spec: &str) -> String {
    let workflow = workflow(&root.join(".github/workflows/eksgrant.yml"));
    assert_eq!(workflow["env"]["EKSGRANT_SPEC"], spec);
    // What earlier steps wrote stays: the step appends.
    let summary = dir.join("summary.md");
    fs::write(&summary, "earlier\n").unwrap();
    let event = Event::PullRequest {
        base_ref: "main",
        summary: &summary,
    };
    let results = run_eksgrant_steps(root, &workflow, &event);
    let names: Vec<&str> = results.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Validate the spec",
            "Fetch the base branch",
            "Access changes",
            "The generated files are what the spec generates",
        ]
    );
    for (_, output) in results {
        output.success();
    }
    fs::read_to_string(&summary).unwrap()
}

#[test]
fn on_a_pull_request_the_summary_says_who_gains_and_loses_what() {
    let (dir, root) = pull_request(
        |root| {
            run_in(root, &["init", "--ci", "github"]).success();
            run_in(root, &["generate"]).success();
        },
        |root| {
            let spec = root.join("eksgrant.toml");
            let text = fs::read_to_string(&spec).unwrap();
            let narrowed = crate::support::with_ci_grant(&text, "cluster_role = \"view\"");
            assert_ne!(text, narrowed);
            fs::write(&spec, narrowed).unwrap();
            run_in(root, &["generate"]).success();
        },
    );
    let summary = run_on_pull_request(dir.path(), &root, "eksgrant.toml");
    assert!(
        summary.starts_with(
            "earlier\n## eksgrant: access changes\n\nCompared `origin/main:eksgrant.toml` (before) with `eksgrant.toml` (after).\n\n### `ci-deployer`\n"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("| RoleBinding | `jobs` | `eksgrant:ci-deployer` |\n"),
        "{summary}"
    );
    // A push runs neither step, and writes no summary.
    let workflow = workflow(&root.join(".github/workflows/eksgrant.yml"));
    let pushed = run_eksgrant_steps(&root, &workflow, &Event::Push);
    assert_eq!(pushed.len(), 2);
}

#[test]
fn a_pull_request_that_adds_the_spec_makes_everything_new() {
    let (dir, root) = pull_request(
        |root| fs::write(root.join("README"), "before eksgrant\n").unwrap(),
        |root| {
            run_in(root, &["init", "infra/eksgrant.toml", "--ci", "github"]).success();
            run_in(root, &["generate", "infra/eksgrant.toml"]).success();
        },
    );
    let summary = run_on_pull_request(dir.path(), &root, "infra/eksgrant.toml");
    assert!(
        summary.starts_with(
            "earlier\n## eksgrant: access changes\n\n`origin/main:infra/eksgrant.toml` does not exist: everything in `infra/eksgrant.toml` is new.\n"
        ),
        "{summary}"
    );
    for key in ["backend", "ci-deployer", "external-dns", "platform-admins"] {
        assert!(
            summary.contains(&format!("\n### `{key}`\n")),
            "{key}: {summary}"
        );
    }
}

#[test]
fn paths_with_quotes_and_dollars_reach_the_steps_intact() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    let awkward = "we\"ird $HOME 'dir'";
    fs::create_dir(root.join(awkward)).unwrap();
    let spec = format!("{awkward}/eksgrant.toml");
    run_in(root, &["init", &spec, "--ci", "github"]).success();
    let workflow = workflow(&root.join(".github/workflows/eksgrant.yml"));
    assert_eq!(workflow["env"]["EKSGRANT_SPEC"], spec.as_str());
    assert_eq!(workflow["env"]["EKSGRANT_OUT"], awkward);
    run_in(root, &["generate", &spec]).success();
    for (_, output) in run_eksgrant_steps(root, &workflow, &Event::Push) {
        output.success();
    }
}

#[test]
fn for_an_existing_spec_only_the_workflow_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("eksgrant.toml"), "# mine\n").unwrap();
    let output = run_in(root, &["init", "--ci", "github"]).success();
    output.stderr_has("kept the existing eksgrant.toml");
    // Outside git, the spec's directory is taken as the repository's root,
    // and init says so.
    output.stderr_has("no git repository holds the spec");
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
    run_in(root, &["init", "--ci", "github"])
        .code(2)
        .stderr_has("eksgrant::exists")
        .stderr_has(".github/workflows/eksgrant.yml exists already");
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
    run_in(root, &["init", "specs/eksgrant.toml", "--ci", "github"])
        .code(2)
        .stderr_has("eksgrant::io");
    assert_eq!(tree(root), before, "the spec, schema and specs/ are gone");
}

#[test]
fn the_validate_step_finds_every_terraform_root_of_either_layout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    run_in(root, &["init", "--ci", "github"]).success();
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
        run_in(root, &["generate", "-q"]).success();
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
        Run::new(format!("bash -e -c {script:?}"), output).success();
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

#[test]
fn a_pull_request_that_fixes_a_broken_spec_is_not_failed_by_the_summary() {
    let (dir, root) = pull_request(
        |root| {
            run_in(root, &["init", "--ci", "github"]).success();
            let spec = root.join("eksgrant.toml");
            let text = fs::read_to_string(&spec).unwrap();
            fs::write(&spec, format!("{text}\n[clusters.broken\n")).unwrap();
        },
        |root| {
            let spec = root.join("eksgrant.toml");
            let text = fs::read_to_string(&spec).unwrap();
            fs::write(&spec, text.replace("\n[clusters.broken\n", "")).unwrap();
            run_in(root, &["generate"]).success();
        },
    );
    let summary = run_on_pull_request(dir.path(), &root, "eksgrant.toml");
    assert_eq!(
        summary,
        "earlier\n## eksgrant: access changes\n\nNot compared: the spec on main does not validate (the log of this step says why).\n"
    );
}
