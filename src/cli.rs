//! The command line, as clap types. Doc comments here are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Generate the Terraform, Kubernetes RBAC and IAM policies that connect EKS
/// clusters, the pods that need AWS permissions, and the IAM principals that
/// need Kubernetes permissions, from one TOML spec.
#[derive(Debug, Parser)]
#[command(name = "eksgrant", version)]
pub(crate) struct Cli {
    /// When to colour diagnostics, the diffs of --check and `eksgrant diff`,
    /// and help: auto (on a terminal only; NO_COLOR set turns it off,
    /// FORCE_COLOR or CLICOLOR_FORCE set turns it on), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Global options"
    )]
    pub(crate) color: Color,
    /// Print no success or summary line ("is valid", "3 created, ...") on
    /// stderr. Warnings and errors still print.
    #[arg(long, short, global = true, help_heading = "Global options")]
    pub(crate) quiet: bool,
    /// Print every error and warning in full. Without it, a code with more
    /// than 4 occurrences prints what it means and how to fix it once, its
    /// first 3 occurrences, and how many more there are (--format json and
    /// sarif always list every one).
    #[arg(long, global = true, help_heading = "Global options")]
    pub(crate) show_all: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Color {
    /// Colour a stream that is a terminal, as NO_COLOR, FORCE_COLOR and
    /// CLICOLOR_FORCE say.
    Auto,
    /// Colour, wherever the output goes.
    Always,
    /// Never colour.
    Never,
}

/// `init --ci`: the CI system to write a workflow for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Ci {
    /// GitHub Actions: .github/workflows/eksgrant.yml.
    Github,
}

impl From<Ci> for eksgrant::init::Ci {
    fn from(ci: Ci) -> Self {
        match ci {
            Ci::Github => eksgrant::init::Ci::Github,
        }
    }
}

/// `validate --format` and `generate --format`: how diagnostics print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiagnosticFormat {
    /// Each diagnostic with the spec's text it points at, on stderr.
    Human,
    /// One JSON document on stdout (docs/diagnostics.md).
    Json,
    /// A SARIF 2.1.0 log on stdout, for GitHub code scanning.
    Sarif,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate the spec and write the generated repository.
    ///
    /// Everything is rendered and checked in memory first; an invalid spec
    /// writes nothing. Only files eksgrant wrote before are changed or
    /// deleted (they are listed in .eksgrant-manifest.toml); files whose
    /// content did not change keep their mtime. Anything in the way (a
    /// generated file edited by hand, a file of yours where eksgrant wants to
    /// write, a symbolic link, the spec) is reported before anything is
    /// written. One run at a time: a second waits, then exits 2. A killed run
    /// is repaired by the next.
    Generate(GenerateArgs),
    /// Check the spec and report every problem, without writing anything.
    Validate {
        /// The spec file.
        #[arg(default_value = "eksgrant.toml")]
        spec: PathBuf,
        /// Fail (exit 2) when the spec has any warning that no `allow`
        /// acknowledges.
        #[arg(long)]
        deny_warnings: bool,
        /// How to print errors and warnings: human (stderr), json or sarif
        /// (one document on stdout, even when there are none;
        /// docs/diagnostics.md).
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormat,
    },
    /// Write a commented starter spec (the platform/workload pattern) to
    /// edit, and its JSON Schema beside it; never overwrites a file.
    ///
    /// The spec's first line, `#:schema ./eksgrant.schema.json`, lets
    /// editors (Taplo, Even Better TOML) check and complete it. An existing
    /// eksgrant.schema.json is kept. With `--ci github`, also writes
    /// .github/workflows/eksgrant.yml at the root of the git repository
    /// holding the spec (or beside the spec, outside git); for an existing
    /// spec, only the workflow is written.
    Init {
        /// Where to write it.
        #[arg(default_value = "eksgrant.toml")]
        path: PathBuf,
        /// Also write a CI workflow that validates the spec (its problems
        /// shown on pull requests through SARIF), puts each pull request's
        /// access changes (eksgrant diff) in its summary, checks the
        /// generated files are current, and runs terraform fmt and
        /// validate. Yours to edit: eksgrant never rewrites it.
        #[arg(long, value_enum, value_name = "SYSTEM")]
        ci: Option<Ci>,
    },
    /// Turn an existing cluster configuration into spec stanzas, printed
    /// to stdout, to start a migration.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Show who can do what: every workload and principal with its AWS
    /// identity and permissions (presets expanded) and its Kubernetes
    /// permissions per cluster and namespace, each with the path that grants
    /// it. Read from the same model the generated files come from.
    ///
    /// --who-can and --who-can-aws ask the reverse questions. Built-in
    /// ClusterRoles count with the rules Kubernetes documents, access
    /// policies with the EKS user guide's tables; a ClusterRole the spec
    /// only names, a group bound outside eksgrant and a managed policy
    /// answer `maybe`.
    Explain(ExplainArgs),
    /// Show who gains and who loses what between two specs, to review a
    /// change: AWS identities, trust, permissions and managed policies,
    /// Kubernetes grants and what they allow per cluster and namespace,
    /// authentication modes, and the Kubernetes objects no longer written.
    ///
    /// Both specs are read as explain reads them: the diff is what `eksgrant
    /// explain` shows after and not before, and the reverse. RBAC is
    /// compared verb by verb with its wildcards, so an equivalent grant
    /// changes nothing in effect; rules eksgrant cannot know (a ClusterRole
    /// the spec only names, a group bound outside eksgrant) are marked as
    /// not counted. ACCESS.md's apply order deletes the objects no longer
    /// written, which `kubectl apply` does not. With --base, the old spec is
    /// NEW_SPEC at a git revision (`git show`); where it does not exist,
    /// everything is new. Only the new spec's warnings are printed. Exit 0
    /// whether or not anything changed; 2 for an invalid spec, or a revision
    /// git cannot read.
    #[command(
        override_usage = "eksgrant diff [OPTIONS] OLD_SPEC [NEW_SPEC]\n       eksgrant diff [OPTIONS] --base GIT_REF [NEW_SPEC]"
    )]
    Diff(DiffArgs),
    /// Explain a diagnostic code: what it means and how to fix it, as
    /// docs/spec.md lists it.
    #[command(name = "explain-code")]
    ExplainCode {
        /// The code, e.g. `eksgrant::name_collision` or `name_collision`.
        #[arg(value_parser = parse_code)]
        code: eksgrant::Code,
    },
    /// List the built-in presets: what each grants, its arguments, and the
    /// upstream policy it was written from.
    Presets,
    /// Print the spec's JSON Schema (draft-07), for editors and CI.
    ///
    /// Point an editor at it with `#:schema ./eksgrant.schema.json` on the
    /// first line of the spec (Taplo / Even Better TOML).
    Schema {
        /// Print the schema of `explain --format json` instead
        /// (docs/explain.schema.json).
        #[arg(long, conflicts_with = "diagnostics")]
        explain: bool,
        /// Print the schema of `validate` and `generate --format json`
        /// instead (docs/diagnostics.schema.json).
        #[arg(long)]
        diagnostics: bool,
        /// Print the schema of `diff --format json` instead
        /// (docs/diff.schema.json).
        #[arg(long, conflicts_with_all = ["explain", "diagnostics"])]
        diff: bool,
    },
    /// Print a shell completion script to stdout.
    ///
    /// The script completes commands, options and their values; it cannot
    /// know the keys of a spec. The README's Install section says where each
    /// shell reads it from.
    Completions {
        /// The shell whose completion script to print.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff) to stdout: eksgrant(1), with a section
    /// for every command, or a command's own page.
    ///
    /// `eksgrant man generate` prints eksgrant-generate(1), `eksgrant man
    /// import aws-auth` eksgrant-import-aws-auth(1). `man -l <(eksgrant
    /// man)` reads a page without installing it.
    Man {
        /// The command whose own page to print.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// The spec file.
    #[arg(default_value = "eksgrant.toml")]
    pub(crate) spec: PathBuf,
    /// Where to write the repository [default: the directory holding the spec]
    #[arg(long, short, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Write nothing; exit 1 and print a unified diff when the directory is
    /// not what the spec generates, 0 when it is. For CI.
    #[arg(long, conflicts_with_all = ["dry_run", "force"])]
    pub(crate) check: bool,
    /// Write nothing; print which files would be created, updated or
    /// deleted.
    #[arg(long, conflicts_with = "force")]
    pub(crate) dry_run: bool,
    /// Overwrite or delete generated files edited by hand, and files of
    /// yours where the spec now generates one. Never the spec, a symbolic
    /// link, a directory, or anything outside the output directory.
    #[arg(long)]
    pub(crate) force: bool,
    /// Fail (exit 2) and write nothing when the spec has any warning that no
    /// `allow` acknowledges. For CI.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
    /// Say that the last generation's apply order (ACCESS.md's "Applying")
    /// was carried out in full. Its one-off steps (mode switches, pod
    /// restarts, revocations, log group imports, state moves), which every
    /// generation otherwise keeps listing, since eksgrant cannot know what
    /// was applied, are then no longer listed; what this generation changes
    /// is, as always.
    #[arg(long, conflicts_with = "check")]
    pub(crate) applied: bool,
    /// How to print errors and warnings: human (stderr), json or sarif (one
    /// document on stdout, even when there are none; docs/diagnostics.md).
    /// With json and sarif, --check's diff and --dry-run's listing go to
    /// stderr.
    #[arg(long, value_enum, default_value = "human")]
    pub(crate) format: DiagnosticFormat,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The spec file.
    #[arg(default_value = "eksgrant.toml")]
    pub(crate) spec: PathBuf,
    /// How to print it: a text table, JSON (docs/explain.schema.json),
    /// Markdown with a Mermaid picture per cluster and one of AWS roles, or
    /// the same pictures as Graphviz DOT digraphs.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: ExplainFormat,
    /// Only this workload or principal (its key).
    #[arg(long, value_name = "KEY")]
    pub(crate) subject: Option<String>,
    /// Who can VERB RESOURCE (`create pods`, `get pods/log`,
    /// `delete deployments.apps`, `update deployments.apps/scale`) on
    /// --cluster, in --namespace or anywhere. Resources match as the
    /// Kubernetes RBAC authorizer matches them; an access policy scoped to
    /// `dev-*` answers for every namespace starting with `dev-`.
    #[arg(long, num_args = 2, value_names = ["VERB", "RESOURCE"], requires = "cluster", conflicts_with = "who_can_aws")]
    pub(crate) who_can: Option<Vec<String>>,
    /// Only what concerns this cluster (its key): the grants on it, and
    /// the subjects granted anything there or whose pods run there; with
    /// --format mermaid or dot, its picture and the AWS picture of those
    /// subjects. The cluster of --who-can.
    #[arg(long, value_name = "KEY")]
    pub(crate) cluster: Option<String>,
    /// The namespace of --who-can.
    #[arg(long, value_name = "NS", requires = "who_can")]
    pub(crate) namespace: Option<String>,
    /// Who can do the AWS ACTION (`s3:GetObject`; IAM wildcards in the
    /// policies count), on --resource when given.
    #[arg(long, value_name = "ACTION")]
    pub(crate) who_can_aws: Option<String>,
    /// The resource ARN of --who-can-aws.
    #[arg(long, value_name = "ARN", requires = "who_can_aws")]
    pub(crate) resource: Option<String>,
}

/// `explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExplainFormat {
    /// Text, subject by subject.
    Table,
    /// JSON, as docs/explain.schema.json defines it.
    Json,
    /// Markdown: a Mermaid flowchart per picture.
    Mermaid,
    /// A Graphviz DOT digraph per picture.
    Dot,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// OLD_SPEC and NEW_SPEC, or with --base only NEW_SPEC; NEW_SPEC
    /// defaults to eksgrant.toml.
    #[arg(value_name = "SPEC", num_args = 0..=2)]
    pub(crate) specs: Vec<PathBuf>,
    /// Compare with NEW_SPEC as this git revision has it: a branch, tag or
    /// commit of the repository holding it, e.g. origin/main.
    #[arg(long, value_name = "GIT_REF")]
    pub(crate) base: Option<String>,
    /// How to print it: human (text), json (docs/diff.schema.json), or
    /// markdown (for a pull request's job summary).
    #[arg(long, value_enum, default_value = "human")]
    pub(crate) format: DiffFormat,
}

/// Where `diff` reads the old spec from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OldSpec {
    /// A spec file as it is on disk now.
    File(PathBuf),
    /// The new spec's file at a git revision.
    Base(String),
}

impl DiffArgs {
    /// The old spec and the new one, as the arguments name them; what is
    /// wrong with them, for a usage error, when they do not.
    pub(crate) fn specs(&self) -> Result<(OldSpec, PathBuf), String> {
        let default = || PathBuf::from("eksgrant.toml");
        match (&self.base, self.specs.as_slice()) {
            (Some(base), [] | [_]) => Ok((
                OldSpec::Base(base.clone()),
                self.specs.first().cloned().unwrap_or_else(default),
            )),
            (Some(_), _) => Err(
                "with --base, give at most one spec, NEW_SPEC: the old spec is NEW_SPEC at GIT_REF"
                    .to_string(),
            ),
            (None, []) => Err(
                "give the old spec (eksgrant diff OLD_SPEC [NEW_SPEC]), or --base GIT_REF to read it from git"
                    .to_string(),
            ),
            (None, [old, rest @ ..]) => Ok((
                OldSpec::File(old.clone()),
                rest.first().cloned().unwrap_or_else(default),
            )),
        }
    }
}

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    /// Text: each subject and cluster with a change, a `+` or `-` line per
    /// change.
    Human,
    /// JSON, as docs/diff.schema.json defines it.
    Json,
    /// Markdown, for a pull request's job summary ($GITHUB_STEP_SUMMARY).
    Markdown,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// Print the spec stanzas equivalent to an aws-auth ConfigMap: node
    /// roles (Linux, Windows, Fargate), account mappings, and each mapped
    /// role or user as a principal with its username and grants.
    ///
    /// The stanzas are for a cluster in authentication mode --mode: on
    /// CONFIG_MAP, system:masters becomes cluster_role = "cluster-admin" and
    /// eks: groups are kept; on API_AND_CONFIG_MAP and API it becomes the
    /// AmazonEKSClusterAdminPolicy access policy, and usernames follow the
    /// rules of access entries; API carries no mapAccounts. What the stanzas
    /// cannot carry (reserved groups, usernames EKS refuses, sso matchers,
    /// role ARNs whose path aws-auth drops) is marked with a NOTE comment
    /// that says why. Read them before merging the stanzas into your spec.
    AwsAuth {
        /// The ConfigMap as YAML, or `-` for standard input, e.g.
        /// `kubectl get configmap aws-auth -n kube-system -o yaml`.
        file: PathBuf,
        /// The spec key of the cluster it belongs to.
        #[arg(long, value_name = "KEY", value_parser = eksgrant::import::cluster_key)]
        cluster: String,
        /// The cluster's authentication_mode in the spec.
        #[arg(
            long,
            value_name = "MODE",
            value_parser = modes(),
            default_value = "API_AND_CONFIG_MAP"
        )]
        mode: eksgrant::spec::AuthenticationMode,
    },
}

/// `--mode`'s values, named, so that completions offer them and help lists
/// them (clap refuses any other, naming these).
fn modes() -> impl clap::builder::TypedValueParser<Value = eksgrant::spec::AuthenticationMode> {
    use clap::builder::TypedValueParser as _;
    use eksgrant::spec::AuthenticationMode;
    clap::builder::PossibleValuesParser::new(
        AuthenticationMode::ALL.map(AuthenticationMode::as_str),
    )
    .map(|mode| AuthenticationMode::from_name(&mode).expect("clap passes only the values it lists"))
}

/// Reads a diagnostic code for `explain`, naming the valid ones when it is
/// not one.
fn parse_code(name: &str) -> Result<eksgrant::Code, String> {
    eksgrant::Code::parse(name).ok_or_else(|| {
        let known: Vec<&str> = eksgrant::Code::ALL
            .iter()
            .map(|c| c.as_str().trim_start_matches("eksgrant::"))
            .collect();
        format!("no such code; the codes are: {}", known.join(", "))
    })
}
