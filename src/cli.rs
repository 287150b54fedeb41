//! The command line, as clap types. Doc comments here are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Generate the Terraform, Kubernetes RBAC and IAM policies that connect EKS
/// clusters, the pods that need AWS permissions, and the IAM principals that
/// need Kubernetes permissions, from one TOML spec.
#[derive(Debug, Parser)]
#[command(name = "eksgrant", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate the spec and write the generated repository.
    ///
    /// Everything is rendered and checked in memory first; an invalid spec
    /// writes nothing. Only files eksgrant wrote before are changed or
    /// deleted (they are listed in .eksgrant-manifest.toml); files whose
    /// content did not change keep their mtime; a generated file edited by
    /// hand, or a file of yours where eksgrant wants to write, stops the run
    /// unless --force.
    Generate(GenerateArgs),
    /// Check the spec and report every problem, without writing anything.
    Validate {
        /// The spec file.
        #[arg(default_value = "eksgrant.toml")]
        spec: PathBuf,
    },
    /// Write a commented starter spec (the platform/workload pattern) to
    /// edit; refuses to overwrite an existing file.
    Init {
        /// Where to write it.
        #[arg(default_value = "eksgrant.toml")]
        path: PathBuf,
    },
    /// Print the spec's JSON Schema (draft-07), for editors and CI.
    ///
    /// Point an editor at it with `#:schema ./eksgrant.schema.json` on the
    /// first line of the spec (Taplo / Even Better TOML).
    Schema,
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
    /// yours where the spec now generates one.
    #[arg(long)]
    pub(crate) force: bool,
}
