//! What may not change between two generations of the same output
//! directory, and what a change between them requires.
//!
//! EKS moves a cluster's authentication mode one way only: `CONFIG_MAP` ->
//! `API_AND_CONFIG_MAP` -> `API`. A spec that moves a cluster back would
//! generate Terraform that fails at apply (or, for an existing cluster, a
//! postcondition that fails every plan). One that skips `API_AND_CONFIG_MAP`
//! would switch off aws-auth before any access entry exists, locking nodes
//! and people out until Terraform catches up.
//!
//! EKS cannot change the key that encrypts a cluster's Secrets, nor turn the
//! encryption off. The AWS provider replaces the cluster for the latter, and
//! for the former records the new key while EKS keeps using the old one, so
//! that deleting the "unused" old key would make every Secret unreadable.
//!
//! All of these are refused before anything is written, against what the
//! previous generation recorded in its manifest.
//!
//! A change of `[terraform] layout` is allowed, but not a no-op: every
//! resource moves to a root with another state. The manifest's list of files
//! says which roots the previous generation wrote, so the overview can give
//! the state moves as the first step, and `generate` can say so.
//!
//! What a generation takes from the one before (its [`History`]) is also
//! what decides whether the next run has anything to do: once a spec has
//! settled (following on from this generation's history renders what
//! following on from the previous one did), the same spec renders the same
//! files, and the manifest can say so (see [`settled`]).

use std::collections::BTreeSet;

use crate::Loaded;
use crate::code::Code;
use crate::error::{Error, Problem, Result};
use crate::manifest::{ClusterRecord, History};
use crate::model::{CatchUp, Cluster, Model, SecretsKey};

/// Refuses a spec that moves a cluster's authentication mode backwards, or
/// more than one step forwards, or changes the key of a created cluster's
/// Secrets, compared with the generation whose history is `previous`.
pub fn check(loaded: &Loaded, previous: Option<&History>) -> Result<()> {
    let Some(previous) = previous else {
        return Ok(());
    };
    let mut problems = Vec::new();
    for cluster in &loaded.model.clusters {
        let Some(record) = record_of(previous, cluster) else {
            continue;
        };
        problems.extend(authentication_mode(loaded, cluster, record));
        problems.extend(secrets_key(loaded, cluster, record));
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

/// Makes the model follow on from the generation whose history is
/// `previous` (`None`: from nothing), replacing whatever it followed on
/// from before:
/// - the apply steps restart the pods of workloads leaving IRSA before
///   Terraform drops their trust (see
///   [`Model::follow`](crate::model::Model::follow));
/// - each created cluster the previous generation knew catches up on the
///   log group EKS made, if that generation left it to EKS, and on the
///   Secrets written before their encryption;
/// - the Terraform roots, when they are not the previous generation's, get
///   the state moves or the roots left behind (see
///   [`Model::follow_roots`](crate::model::Model::follow_roots)).
pub fn follow(model: &mut Model, previous: Option<&History>) {
    model.terraform.state_move = None;
    model.terraform.removed_roots.clear();
    model.follow(previous.map_or(&BTreeSet::new(), |p| &p.irsa_workloads));
    if let Some(previous) = previous {
        model.follow_roots(&previous.roots);
    }
    for cluster in &mut model.clusters {
        let record = previous.and_then(|p| record_of(p, cluster)).cloned();
        let Some(created) = &mut cluster.created else {
            continue;
        };
        let plane = &mut created.control_plane;
        plane.catch_up = CatchUp::default();
        let Some(record) = record else {
            continue;
        };
        // A group made by EKS exists if logs were sent while the spec did not
        // manage it: `None` is an existing cluster, or an earlier eksgrant
        // that sent every log type and left the group to EKS.
        plane.catch_up.import_log_group = plane.logging.is_some() && record.log_group.is_none();
        plane.catch_up.rewrite_secrets = plane.secrets_key != SecretsKey::AwsOwned
            && matches!(record.secrets_key, None | Some(SecretsKey::AwsOwned));
    }
}

/// Whether the run after this one, following on from `next` (the history
/// this generation leaves), would render the very files this one renders
/// following on from `previous`: whether this generation is where the spec
/// settles, so that its manifest may name the next run's inputs. It is not
/// when this generation carries a step the next one drops: pods to restart
/// after IRSA, state to move to a new layout, a root left behind, a log
/// group to import. The model is left following on from `previous`.
pub fn settled(model: &mut Model, previous: Option<&History>, next: &History) -> bool {
    let now = followed(model);
    follow(model, Some(next));
    let then = followed(model);
    follow(model, previous);
    now == then
}

/// Everything [`follow`] sets, as one value to compare.
fn followed(model: &Model) -> String {
    let catch_up: Vec<_> = model
        .clusters
        .iter()
        .filter_map(|c| Some((&c.key, &c.created.as_ref()?.control_plane.catch_up)))
        .collect();
    serde_json::to_string(&(&model.apply_steps, catch_up, &model.terraform))
        .expect("the model serialises")
}

/// The previous generation's record of a cluster: by EKS name, so that
/// renaming a spec key keeps the history.
fn record_of<'a>(previous: &'a History, cluster: &Cluster) -> Option<&'a ClusterRecord> {
    previous.clusters.values().find(|r| r.name == cluster.name)
}

fn authentication_mode(
    loaded: &Loaded,
    cluster: &Cluster,
    record: &ClusterRecord,
) -> Option<Problem> {
    let (before, now) = (record.authentication_mode, cluster.authentication_mode);
    let (message, help) = if now.stage() < before.stage() {
        (
            format!(
                "cluster {} would move from {before} back to {now}",
                cluster.key
            ),
            format!(
                "EKS only moves CONFIG_MAP -> API_AND_CONFIG_MAP -> API, never back: keep authentication_mode = \"{before}\" (or the next mode)"
            ),
        )
    } else if now.stage() > before.stage() + 1 {
        (
            format!("cluster {} would move from {before} straight to {now}", cluster.key),
            "go through API_AND_CONFIG_MAP: generate and apply it, so that access entries exist before the cluster stops reading aws-auth; then move to API (if the cluster is on API already, generate once with API_AND_CONFIG_MAP, then with API)".to_string(),
        )
    } else {
        return None;
    };
    let mut problem = Problem::error(
        &loaded.source,
        Code::AuthenticationMode,
        cluster.authentication_mode_span.clone(),
        message,
    );
    problem
        .label(format!("the last generation used {before}"))
        .help(help);
    Some(problem)
}

fn secrets_key(loaded: &Loaded, cluster: &Cluster, record: &ClusterRecord) -> Option<Problem> {
    let plane = &cluster.created.as_ref()?.control_plane;
    let before = record.secrets_key.as_ref()?;
    let now = &plane.secrets_key;
    if before == now || *before == SecretsKey::AwsOwned {
        return None;
    }
    let (message, help) = if *now == SecretsKey::AwsOwned {
        (
            format!(
                "cluster {} would turn off the encryption of its Secrets with {}",
                cluster.key,
                describe(before)
            ),
            format!(
                "EKS cannot turn it off, and the AWS provider would replace the cluster: keep {}",
                keep(before)
            ),
        )
    } else {
        (
            format!(
                "cluster {} would change the key of its Secrets from {} to {}",
                cluster.key,
                describe(before),
                describe(now)
            ),
            format!(
                "EKS cannot change a cluster's key, and Terraform would only record the new one while EKS keeps the old: keep {}",
                keep(before)
            ),
        )
    };
    let mut problem = Problem::error(
        &loaded.source,
        Code::KmsKey,
        plane.secrets_key_span.clone(),
        message,
    );
    problem
        .label(format!("the last generation used {}", describe(before)))
        .help(help);
    Some(problem)
}

/// A key as a message names it.
fn describe(key: &SecretsKey) -> String {
    match key {
        SecretsKey::Created => "the key eksgrant created".to_string(),
        SecretsKey::Own(arn) => format!("the key {arn}"),
        SecretsKey::AwsOwned => "no key of yours".to_string(),
    }
}

/// What the spec must say to keep a key.
fn keep(key: &SecretsKey) -> String {
    match key {
        SecretsKey::Created => {
            "the created key: remove secrets_kms_key_arn and secrets_encryption".to_string()
        }
        SecretsKey::Own(arn) => format!("secrets_kms_key_arn = \"{arn}\""),
        SecretsKey::AwsOwned => "secrets_encryption = false".to_string(),
    }
}

/// What `generate` says about the change of layout it found, if any: the
/// state must move before anything is applied.
pub fn notices(model: &Model) -> Vec<String> {
    let Some(moving) = &model.terraform.state_move else {
        return Vec::new();
    };
    vec![format!(
        "the Terraform layout changed from {} to {}: the state of {} must move to {} before any root is planned or applied; ACCESS.md's first step gives the commands",
        moving.from,
        model.terraform.layout,
        moving.from_roots.join(", "),
        moving.to_roots.join(", "),
    )]
}
