//! eksgrant turns one TOML spec of EKS clusters, pods that need AWS
//! permissions and IAM principals that need Kubernetes permissions into a
//! repository of Terraform, Kubernetes RBAC YAML and IAM policy JSON.
//!
//! The pipeline has four stages; each has one input type, one output type and
//! its own errors, and none reaches back:
//!
//! ```text
//! eksgrant.toml --parse--> Spec --resolve--> Model --render--> Plan --write--> out/
//!  (SourceFile)    (as written,     (validated,       (path -> file,
//!                   spans kept)      defaults applied, all in memory,
//!                                    names derived)    verified)
//! ```
//!
//! - [`spec`]: serde types of the TOML, with spans for diagnostics;
//! - [`model`]: every rule checked (all problems reported at once) and every
//!   name derived, in [`model::names`];
//! - [`render`]: the table of which model item becomes which file through
//!   which template, plus the escaping filters;
//! - [`plan`]: the rendered tree, which tests snapshot and the CLI writes.
//!
//! The library has no stable API; it exists for the binary and the tests.

pub mod error;
pub mod model;
pub mod plan;
pub mod render;
pub mod source;
pub mod spec;
pub mod write;

use std::path::Path;

pub use error::{Error, Problem, Result};
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

/// Parses and validates a spec that is already in memory.
pub fn load_source(source: SourceFile) -> Result<Loaded> {
    let spec = spec::Spec::parse(&source)?;
    let (model, warnings) = Model::from_spec(spec, &source)?;
    Ok(Loaded {
        source,
        model,
        warnings,
    })
}
