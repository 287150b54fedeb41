//! Shared helpers: loading a spec, rendering it and its diagnostics the way
//! the snapshots record them; running the binary ([`eksgrant`], [`run_in`],
//! [`Repo::run`]) into a [`Run`] whose chainable assertions show stdout and
//! stderr when they fail, as just's `Test` harness does; a repository on a
//! temporary directory to run the binary in, and a way to stop that binary
//! part-way and kill it.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, SystemTime};

use eksgrant::model::Transition;
use eksgrant::render::{RenderOptions, render};
use eksgrant::{Error, Loaded, Plan, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme};

/// insta settings shared by every snapshot: flat names under tests/snapshots.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// eksgrant to run, without colour: add arguments, a directory, environment
/// or standard input, then [`Eksgrant::run`] it.
///
/// ```ignore
/// eksgrant().args(["validate", &spec]).run().success().stderr_has("is valid");
/// ```
pub(crate) fn eksgrant() -> Eksgrant {
    let mut command = assert_cmd::Command::cargo_bin("eksgrant").unwrap();
    command
        .env("NO_COLOR", "1")
        .env_remove("EKSGRANT_TEST_STALL_AFTER");
    Eksgrant {
        command,
        shown: vec!["eksgrant".to_string()],
    }
}

/// Runs eksgrant in `dir` with `args`, without colour, and waits for it.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Run {
    eksgrant().current_dir(dir).args(args).run()
}

/// An eksgrant command line being built; see [`eksgrant`].
pub(crate) struct Eksgrant {
    command: assert_cmd::Command,
    /// The command line as a failure shows it.
    shown: Vec<String>,
}

impl Eksgrant {
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Eksgrant {
        self.shown.push(shown(arg.as_ref()));
        self.command.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(self, args: I) -> Eksgrant
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Eksgrant::arg)
    }

    pub(crate) fn current_dir(mut self, dir: impl AsRef<Path>) -> Eksgrant {
        self.command.current_dir(dir);
        self
    }

    pub(crate) fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Eksgrant {
        self.shown
            .insert(0, format!("{name}={}", shown(value.as_ref())));
        self.command.env(name, value);
        self
    }

    pub(crate) fn envs<'a>(self, vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Eksgrant {
        vars.into_iter()
            .fold(self, |eksgrant, (name, value)| eksgrant.env(name, value))
    }

    pub(crate) fn env_remove(mut self, name: &str) -> Eksgrant {
        self.command.env_remove(name);
        self
    }

    /// What the run reads on standard input (otherwise nothing).
    pub(crate) fn stdin(mut self, input: impl Into<Vec<u8>>) -> Eksgrant {
        self.command.write_stdin(input);
        self
    }

    /// Runs it and waits for it.
    pub(crate) fn run(mut self) -> Run {
        let output = self.command.output().unwrap();
        Run::new(self.shown.join(" "), output)
    }
}

/// An argument as a failure shows it: as a POSIX shell would read it back.
fn shown(arg: &OsStr) -> String {
    eksgrant::text::shell_word(&arg.to_string_lossy())
}

/// A finished run of eksgrant, with assertions on its exit code and its
/// output. Each failed assertion panics, at the test's line, with the
/// command line, the exit status, stdout and stderr. The `_has`, `_lacks`,
/// `_starts_with` and `_ends_with` assertions read the output lossily
/// decoded; the accessors [`Run::stdout`] and [`Run::stderr`] insist on
/// UTF-8. The exit-code assertions take and give back
/// the run (`let run = repo.run(..).code(1);`); the others borrow it, so a
/// test can chain them and still read the text after.
pub(crate) struct Run {
    command: String,
    output: Output,
    stdout: String,
    stderr: String,
}

impl Run {
    /// A run made some other way (spawned, say), for its assertions.
    pub(crate) fn new(command: impl Into<String>, output: Output) -> Run {
        Run {
            command: command.into(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            output,
        }
    }

    #[track_caller]
    fn fail(&self, what: std::fmt::Arguments) -> ! {
        panic!(
            "`{}`: {what}\n--- exit: {}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.command, self.output.status, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code is `code`.
    #[track_caller]
    pub(crate) fn code(self, code: i32) -> Run {
        if self.output.status.code() != Some(code) {
            self.fail(format_args!("expected exit code {code}"));
        }
        self
    }

    /// Asserts the exit code is 0.
    #[track_caller]
    pub(crate) fn success(self) -> Run {
        self.code(0)
    }

    #[track_caller]
    pub(crate) fn stdout_has(&self, expected: &str) -> &Run {
        if !self.stdout.contains(expected) {
            self.fail(format_args!("stdout lacks {expected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stdout_lacks(&self, unexpected: &str) -> &Run {
        if self.stdout.contains(unexpected) {
            self.fail(format_args!("stdout has {unexpected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stderr_has(&self, expected: &str) -> &Run {
        if !self.stderr.contains(expected) {
            self.fail(format_args!("stderr lacks {expected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stderr_lacks(&self, unexpected: &str) -> &Run {
        if self.stderr.contains(unexpected) {
            self.fail(format_args!("stderr has {unexpected:?}"));
        }
        self
    }

    /// Asserts [`Run::unwrapped`] stderr has `expected`: a sentence miette
    /// may have broken across lines.
    #[track_caller]
    pub(crate) fn unwrapped_has(&self, expected: &str) -> &Run {
        if !self.unwrapped().contains(expected) {
            self.fail(format_args!("stderr, unwrapped, lacks {expected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn unwrapped_lacks(&self, unexpected: &str) -> &Run {
        if self.unwrapped().contains(unexpected) {
            self.fail(format_args!("stderr, unwrapped, has {unexpected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stdout_starts_with(&self, expected: &str) -> &Run {
        if !self.stdout.starts_with(expected) {
            self.fail(format_args!("stdout does not start with {expected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stdout_ends_with(&self, expected: &str) -> &Run {
        if !self.stdout.ends_with(expected) {
            self.fail(format_args!("stdout does not end with {expected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stderr_starts_with(&self, expected: &str) -> &Run {
        if !self.stderr.starts_with(expected) {
            self.fail(format_args!("stderr does not start with {expected:?}"));
        }
        self
    }

    /// Asserts stdout is exactly `expected`.
    #[track_caller]
    pub(crate) fn stdout_is(&self, expected: &str) -> &Run {
        if self.stdout != expected {
            self.fail(format_args!("stdout is not {expected:?}"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stdout_empty(&self) -> &Run {
        if !self.output.stdout.is_empty() {
            self.fail(format_args!("stdout is not empty"));
        }
        self
    }

    #[track_caller]
    pub(crate) fn stderr_empty(&self) -> &Run {
        if !self.output.stderr.is_empty() {
            self.fail(format_args!("stderr is not empty"));
        }
        self
    }

    /// stdout; a panic showing the run if it is not UTF-8.
    #[track_caller]
    pub(crate) fn stdout(&self) -> &str {
        std::str::from_utf8(&self.output.stdout)
            .unwrap_or_else(|error| self.fail(format_args!("stdout is not UTF-8: {error}")))
    }

    /// stderr; a panic showing the run if it is not UTF-8.
    #[track_caller]
    pub(crate) fn stderr(&self) -> &str {
        std::str::from_utf8(&self.output.stderr)
            .unwrap_or_else(|error| self.fail(format_args!("stderr is not UTF-8: {error}")))
    }

    /// stderr with miette's line wrapping undone: every line break, with
    /// the indentation and `│` gutter that follow it, becomes one space, so
    /// that a test can look for a sentence wherever the terminal width
    /// broke it.
    pub(crate) fn unwrapped(&self) -> String {
        self.stderr
            .lines()
            .map(|line| line.trim_start().trim_start_matches('│').trim())
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// stdout parsed as JSON; a panic showing the run if it is not.
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|error| self.fail(format_args!("stdout is not JSON: {error}")))
    }

    /// The process's output as it was, bytes and all.
    pub(crate) fn output(&self) -> &Output {
        &self.output
    }
}

/// Loads a spec file, naming it in diagnostics by its path relative to the
/// crate root, as a user running from there would see it.
pub(crate) fn load(path: &Path) -> Result<Loaded, Error> {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let shown = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path);
    eksgrant::load_source(SourceFile::new(shown, text))
}

/// Renders a valid spec as if its output directory were the spec's own.
pub(crate) fn plan(path: &Path) -> Plan {
    let loaded = load(path)
        .unwrap_or_else(|error| panic!("{} should be valid:\n{}", path.display(), report(&error)));
    rendered(&loaded, &path.file_name().unwrap().to_string_lossy())
}

/// Renders a valid spec given as text, named `spec.toml`.
pub(crate) fn plan_text(text: &str) -> Plan {
    let loaded = eksgrant::load_source(SourceFile::new(Path::new("spec.toml"), text))
        .unwrap_or_else(|error| panic!("the spec should be valid:\n{}", report(&error)));
    rendered(&loaded, "spec.toml")
}

fn rendered(loaded: &Loaded, spec_name: &str) -> Plan {
    let options = RenderOptions::new(spec_name, false);
    render(
        &loaded.model,
        &Transition::follow(&loaded.model, None),
        &options,
    )
    .expect("a valid spec renders")
}

/// A diagnostic as the CLI prints it, without colour.
pub(crate) fn report(error: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false)
        .render_report(&mut out, error)
        .expect("rendering into a String cannot fail");
    out
}

/// A spec with one existing cluster and an admin: the smallest that
/// generates.
pub(crate) const BASE: &str = r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.platform]

[principals.admins]
arn = "arn:aws:iam::111122223333:role/admins"

[[principals.admins.grants]]
cluster = "platform"
access_policy = "AmazonEKSClusterAdminPolicy"
"#;

/// A grant of cluster-admin through RBAC, for [`day_two`].
pub(crate) const CLUSTER_ADMIN_ROLE: &str = "cluster_role = \"cluster-admin\"";
/// A grant of cluster-admin through the access policy, for [`day_two`].
pub(crate) const CLUSTER_ADMIN_ACCESS_POLICY: &str =
    "access_policy = \"AmazonEKSClusterAdminPolicy\"";

/// An existing cluster `prod` in `mode`, with self-managed nodes and a
/// managed node group, administered by `ops` through `ops_grant`, with
/// CI's `ci_role` in `apps` and, when `dev`, a developer who views `apps`:
/// a spec through its day-two changes (modes, a narrowing, a removal, an
/// admin moving from RBAC to an access policy).
pub(crate) fn day_two(mode: &str, ops_grant: &str, ci_role: &str, dev: bool) -> String {
    let mut spec = format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.prod]
authentication_mode = "{mode}"
node_role_arns = ["arn:aws:iam::111122223333:role/prod-nodes"]
managed_node_role_arns = ["arn:aws:iam::111122223333:role/prod-managed-nodes"]

[principals.ops]
arn = "arn:aws:iam::111122223333:role/ops"

[[principals.ops.grants]]
cluster = "prod"
{ops_grant}

[principals.ci]
arn = "arn:aws:iam::111122223333:role/ci/ci-deployer"

[[principals.ci.grants]]
cluster = "prod"
namespaces = ["apps"]
cluster_role = "{ci_role}"
"#
    );
    if dev {
        spec.push_str(
            "\n[principals.dev]\narn = \"arn:aws:iam::111122223333:role/dev\"\n\n[[principals.dev.grants]]\ncluster = \"prod\"\nnamespaces = [\"apps\"]\ncluster_role = \"view\"\n",
        );
    }
    spec
}

/// A workload to add to [`BASE`]: six more files, two new directories.
pub(crate) const REPORTS: &str = r#"
[workloads.reports]
cluster = "platform"
namespace = "analytics"

[[workloads.reports.aws.statements]]
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::acme-reports/*"]
"#;

/// What a path in a [`Repo`] holds, as [`Repo::tree`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A file's content and mtime.
    File(Vec<u8>, SystemTime),
    /// A directory (listed so that a leftover empty one shows).
    Dir,
    /// A symbolic link, by its target; never followed.
    Link(PathBuf),
}

/// A repository with a spec in it, as `eksgrant init` leaves one, inside a
/// temporary directory that also holds `outside/`, a place eksgrant must
/// never touch.
pub(crate) struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    pub(crate) fn new(spec: &str) -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(repo.root()).unwrap();
        fs::create_dir_all(repo.outside()).unwrap();
        fs::write(repo.outside().join("victim"), "the user's own\n").unwrap();
        repo.write_spec(spec);
        repo
    }

    /// The repository (the spec's directory, and the output directory).
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// A directory beside the repository that links may point into.
    pub(crate) fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    /// Asserts that `outside/` holds only its victim file, unchanged.
    pub(crate) fn assert_outside_untouched(&self) {
        let outside = tree(&self.outside());
        assert_eq!(outside.len(), 1, "{outside:?}");
        assert_eq!(
            fs::read_to_string(self.outside().join("victim")).unwrap(),
            "the user's own\n"
        );
    }

    pub(crate) fn write_spec(&self, spec: &str) {
        fs::write(self.path("eksgrant.toml"), spec).unwrap();
    }

    /// Runs eksgrant in the repository with `args` and waits for it.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.eksgrant().args(args).run()
    }

    /// eksgrant in the repository, for a run that needs more than
    /// arguments.
    pub(crate) fn eksgrant(&self) -> Eksgrant {
        eksgrant().current_dir(self.root())
    }

    /// eksgrant in the repository, ready to run.
    pub(crate) fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("eksgrant"));
        command
            .env("NO_COLOR", "1")
            .env_remove("EKSGRANT_TEST_STALL_AFTER")
            .current_dir(self.root())
            .args(args);
        command
    }

    /// Starts `eksgrant generate` and waits until it has made `changes`
    /// changes to the output directory and stalled before the next, so that
    /// the caller can kill it exactly there.
    pub(crate) fn stalled_generate(&self, changes: usize) -> Stalled {
        self.try_stalled_generate(changes)
            .unwrap_or_else(|(status, seen)| {
                panic!("generate ended ({status}) before making {changes} changes:\n{seen}")
            })
    }

    /// [`Repo::stalled_generate`], or, when the run makes fewer than
    /// `changes` changes, how it ended and what it printed.
    pub(crate) fn try_stalled_generate(
        &self,
        changes: usize,
    ) -> Result<Stalled, (std::process::ExitStatus, String)> {
        let mut child = self
            .command(&["generate"])
            .env("EKSGRANT_TEST_STALL_AFTER", changes.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(path) = line.split("stalled before changing ").nth(1) {
                return Ok(Stalled {
                    child,
                    before: path.to_string(),
                });
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        Err((child.wait().unwrap(), seen))
    }

    /// Every path below the temporary directory (the repository, its spec
    /// and `outside/`), without following links.
    pub(crate) fn tree(&self) -> BTreeMap<PathBuf, Node> {
        tree(self.dir.path())
    }

    /// The repository's tree without mtimes: what a fresh generation must
    /// match.
    pub(crate) fn contents(&self) -> BTreeMap<PathBuf, Node> {
        self.tree()
            .into_iter()
            .map(|(path, node)| match node {
                Node::File(bytes, _) => (path, Node::File(bytes, SystemTime::UNIX_EPOCH)),
                other => (path, other),
            })
            .collect()
    }

    /// Sets every file's mtime back a day, so a rewrite cannot go unnoticed
    /// within the file system's timestamp resolution.
    pub(crate) fn age_files(&self) {
        let old = SystemTime::now() - Duration::from_secs(86_400);
        for (path, node) in self.tree() {
            if let Node::File(..) = node {
                fs::File::options()
                    .write(true)
                    .open(self.dir.path().join(path))
                    .unwrap()
                    .set_modified(old)
                    .unwrap();
            }
        }
    }
}

/// A generate stopped part-way by the test hook; killed when dropped.
pub(crate) struct Stalled {
    child: Child,
    /// The path it was about to change.
    pub(crate) before: String,
}

impl Stalled {
    /// The process ID, as a lock file names it.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills it (SIGKILL on Unix) and waits for it to be gone.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Stalled {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every path below `root`, without following links.
pub(crate) fn tree(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut nodes = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            let kind = entry.file_type().unwrap();
            let node = if kind.is_symlink() {
                Node::Link(fs::read_link(&path).unwrap())
            } else if kind.is_dir() {
                dirs.push(path);
                Node::Dir
            } else {
                let modified = entry.metadata().unwrap().modified().unwrap();
                Node::File(fs::read(&path).unwrap(), modified)
            };
            nodes.insert(relative, node);
        }
    }
    nodes
}

/// Runs git in `dir` as a test needs it: no configuration of the machine's
/// or the user's, a fixed author, and a failure a panic with git's words.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "eksgrant tests")
        .env("GIT_AUTHOR_EMAIL", "tests@eksgrant.invalid")
        .env("GIT_COMMITTER_NAME", "eksgrant tests")
        .env("GIT_COMMITTER_EMAIL", "tests@eksgrant.invalid")
        .output()
        .expect("git is installed");
    assert!(
        output.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The CI deployer's rules as the starter spec and the examples write them
/// (a deploy's reads and writes, no Secrets, no exec): what tests replace to
/// give CI other permissions.
pub(crate) const CI_DEPLOYER_RULES: &str = r#"rules = [
  { api_groups = ["apps"], resources = ["deployments"], verbs = ["get", "list", "watch", "create", "update", "patch"] },
  { api_groups = [""], resources = ["services", "configmaps"], verbs = ["get", "list", "watch", "create", "update", "patch"] },
  { api_groups = [""], resources = ["pods"], verbs = ["get", "list", "watch"] },
]"#;

/// `spec` with the CI deployer's rules replaced by `grant` (`cluster_role =
/// "view"`, other rules); panics when the rules are not there.
pub(crate) fn with_ci_grant(spec: &str, grant: &str) -> String {
    assert!(
        spec.contains(CI_DEPLOYER_RULES),
        "the spec has no CI deployer rules to replace"
    );
    spec.replacen(CI_DEPLOYER_RULES, grant, 1)
}
