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

pub mod code;
pub mod diagnostics;
pub mod diff;
pub mod error;
pub mod explain;
pub mod freed;
pub mod generate;
pub mod import;
pub mod init;
pub mod manifest;
pub mod model;
pub mod outdir;
mod parallel;
pub mod plan;
mod rbac;
pub mod render;
pub mod source;
pub mod spec;
pub mod sync;
pub mod text;

use std::path::Path;

pub use code::Code;
pub use error::{Error, Problem, Result};
pub use generate::generate;
pub use model::Model;
pub use plan::Plan;
pub use source::SourceFile;

/// A spec that parsed and validated, with the warnings it produced.
#[derive(Debug)]
pub struct Loaded {
    /// The spec file.
    pub source: SourceFile,
    /// The resolved model.
    pub model: Model,
    /// Problems that do not stop generation.
    pub warnings: Vec<Problem>,
}

/// Reads, parses and validates a spec file.
pub fn load(path: &Path) -> Result<Loaded> {
    load_source(SourceFile::read(path)?)
}

/// The commented starter spec `eksgrant init` writes: the platform/workload
/// pattern with placeholders to replace. It validates as it is.
pub const STARTER_SPEC: &str = include_str!("../templates/eksgrant.toml");

/// Parses and validates a spec that is already in memory.
pub fn load_source(source: SourceFile) -> Result<Loaded> {
    let (spec, found) = spec::Spec::parse(&source)?;
    let (model, warnings) = Model::from_spec(spec, found, &source)?;
    Ok(Loaded {
        source,
        model,
        warnings,
    })
}
