//! The command line, as clap types. Doc comments here are the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Generate the Terraform, Kubernetes RBAC and IAM policies that connect EKS
/// clusters, the pods that need AWS permissions, and the IAM principals that
/// need Kubernetes permissions, from one TOML spec.
#[derive(Debug, Parser)]
#[command(name = "eksgrant", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate the spec and write the generated repository.
    ///
    /// Everything is rendered and checked in memory first; an invalid spec
    /// writes nothing. Files whose content did not change are not rewritten.
    Generate {
        /// The spec file.
        #[arg(default_value = "eksgrant.toml")]
        spec: PathBuf,
        /// Where to write the repository [default: the directory holding the spec]
        #[arg(long, short, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Check the spec and report every problem, without writing anything.
    Validate {
        /// The spec file.
        #[arg(default_value = "eksgrant.toml")]
        spec: PathBuf,
    },
    /// Print the spec's JSON Schema (draft-07), for editors and CI.
    ///
    /// Point an editor at it with `#:schema ./eksgrant.schema.json` on the
    /// first line of the spec (Taplo / Even Better TOML).
    Schema,
}
