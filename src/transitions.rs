//! What may not change between two generations of the same output
//! directory.
//!
//! EKS moves a cluster's authentication mode one way only: `CONFIG_MAP` ->
//! `API_AND_CONFIG_MAP` -> `API`. A spec that moves a cluster back would
//! generate Terraform that fails at apply (or, for an existing cluster, a
//! postcondition that fails every plan). One that skips `API_AND_CONFIG_MAP`
//! would switch off aws-auth before any access entry exists, locking nodes
//! and people out until Terraform catches up. Both are refused before
//! anything is written, against the modes the previous generation recorded
//! in its manifest.

use crate::Loaded;
use crate::code::Code;
use crate::error::{Error, Problem, Result};
use crate::manifest::Manifest;

/// Refuses a spec that moves a cluster's authentication mode backwards, or
/// more than one step forwards, compared with the generation recorded in
/// `previous`.
pub fn check(loaded: &Loaded, previous: Option<&Manifest>) -> Result<()> {
    let Some(previous) = previous else {
        return Ok(());
    };
    let mut problems = Vec::new();
    for cluster in &loaded.model.clusters {
        // By EKS name, so that renaming a spec key keeps the history.
        let Some(record) = previous.clusters.values().find(|r| r.name == cluster.name) else {
            continue;
        };
        let (before, now) = (record.authentication_mode, cluster.authentication_mode);
        let problem = |message: String, help: String| {
            let mut problem = Problem::error(
                &loaded.source,
                Code::AuthenticationMode,
                cluster.authentication_mode_span.clone(),
                message,
            );
            problem
                .label(format!("the last generation used {before}"))
                .help(help);
            problem
        };
        if now.stage() < before.stage() {
            problems.push(problem(
                format!("cluster {} would move from {before} back to {now}", cluster.key),
                format!(
                    "EKS only moves CONFIG_MAP -> API_AND_CONFIG_MAP -> API, never back: keep authentication_mode = \"{before}\" (or the next mode)"
                ),
            ));
        } else if now.stage() > before.stage() + 1 {
            problems.push(problem(
                format!("cluster {} would move from {before} straight to {now}", cluster.key),
                "go through API_AND_CONFIG_MAP: generate and apply it, so that access entries exist before the cluster stops reading aws-auth; then move to API (if the cluster is on API already, generate once with API_AND_CONFIG_MAP, then with API)".to_string(),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid {
            file: loaded.source.path().to_path_buf(),
            problems,
        })
    }
}
