//! Reading a spec into a model: parse, then resolve, with the warnings
//! that do not stop generation.

use std::path::Path;

use crate::error::{Problem, Result};
use crate::model::Model;
use crate::source::SourceFile;
use crate::spec;

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
    let (spec, found) = spec::Spec::parse(&source)?;
    let (model, warnings) = Model::from_spec(spec, found, &source)?;
    Ok(Loaded {
        source,
        model,
        warnings,
    })
}
