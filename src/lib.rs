//! eksgrant turns one TOML spec of EKS clusters, pods that need AWS
//! permissions and IAM principals that need Kubernetes permissions into a
//! repository of Terraform, Kubernetes RBAC YAML and IAM policy JSON.
//!
//! [`generate()`] runs the pipeline. It has four stages; each has one input
//! type, one output type and its own errors, and none reaches back:
//!
//! ```text
//! eksgrant.toml --parse--> Spec --resolve--> Model --render--> Plan --sync--> out/
//!  (SourceFile)    (as written,     (validated,       (path -> file,   write | --check | --dry-run,
//!                   spans kept)      defaults applied, all in memory,  against the manifest
//!                                    names derived)    verified)
//! ```
//!
//! - [`spec`]: serde types of the TOML, with spans for diagnostics, and
//!   their JSON Schema for editors;
//! - [`model`]: every rule checked (all problems reported at once, each with
//!   a [`Code`]) and every name derived, in `model::names`, by passes that
//!   each take the outputs of the passes before them;
//! - [`render`]: the table of which model item becomes which file through
//!   which template, plus the escaping filters;
//! - [`plan`]: the rendered tree, which tests snapshot;
//! - [`sync`]: what writing the plan would change in the output directory,
//!   and the writing itself, recorded in a [`manifest`], through
//!   [`outdir`], which never follows a symbolic link.
//!
//! The library has no stable API; it exists for the binary and the tests.

pub(crate) mod aws;
pub mod code;
pub mod diagnostics;
pub mod diff;
pub mod error;
pub mod explain;
pub mod freed;
pub mod generate;
pub mod import;
pub mod init;
#[cfg(test)]
mod layering;
mod load;
pub mod manifest;
pub mod model;
pub mod outdir;
mod parallel;
pub mod plan;
mod rbac;
pub mod render;
pub mod sha256;
pub mod source;
pub mod spec;
pub mod sync;
pub mod text;

pub use code::Code;
pub use error::{Error, Problem, Result};
pub use generate::generate;
pub use load::{Loaded, load, load_source};
pub use model::Model;
pub use plan::Plan;
pub use source::SourceFile;

/// The commented starter spec `eksgrant init` writes: the platform/workload
/// pattern with placeholders to replace. It validates as it is.
pub const STARTER_SPEC: &str = include_str!("../templates/eksgrant.toml");
