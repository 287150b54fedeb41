//! A digest of what each subject may do: a generation's manifest records
//! them, so that the next `generate` can say whose access its change
//! touches without the previous spec, and point to `eksgrant diff` for
//! what.
//!
//! A subject's digest is of the facts `eksgrant diff` compares, each in one
//! canonical form and in no particular order: its identity and the role it
//! chains to, each way in, each AWS action on each resource (with its
//! effect and conditions), each managed policy, each Kubernetes grant with
//! its rules sorted. So two specs give a subject the same digest when the
//! diff finds no change in what it is granted, however the spec orders or
//! groups it. It is worked out subject by subject as explain's answers
//! come, never holding a whole explanation.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{Aws, kubernetes, workload_aws};
use crate::model::Model;
use crate::sha256::hex;

/// Each subject's digest, by key: `sha256:<hex>`. The AWS side and the
/// Kubernetes side are worked out on two threads, each a pass over the
/// model.
pub fn digests(model: &Model) -> BTreeMap<String, String> {
    let (mut facts, kubernetes) = std::thread::scope(|scope| {
        let kubernetes = scope.spawn(|| {
            let mut found: HashMap<String, Vec<[u8; 32]>> = HashMap::new();
            kubernetes::access(model, |key, mut access| {
                access.rules.sort();
                found
                    .entry(key)
                    .or_default()
                    .push(fact(&("kubernetes", &access)));
            });
            found
        });
        let mut facts: HashMap<&str, Vec<[u8; 32]>> = HashMap::new();
        for workload in &model.workloads {
            facts.insert(&workload.key, aws_facts(&workload_aws(workload)));
        }
        for principal in &model.principals {
            facts.insert(&principal.key, vec![fact(&("identity", &principal.arn))]);
        }
        let kubernetes = kubernetes
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (facts, kubernetes)
    });
    for (key, found) in kubernetes {
        if let Some(facts) = facts.get_mut(key.as_str()) {
            facts.extend(found);
        }
    }
    facts
        .into_iter()
        .map(|(key, mut found)| {
            found.sort_unstable();
            found.dedup();
            let mut hasher = Sha256::new();
            for one in &found {
                hasher.update(one);
            }
            (key.to_string(), hex(&hasher.finalize()))
        })
        .collect()
}

/// The facts of a workload's AWS side.
fn aws_facts(aws: &Aws) -> Vec<[u8; 32]> {
    let mut found = vec![
        fact(&("identity", &aws.identity)),
        fact(&("chains_to", &aws.chains_to)),
    ];
    found.extend(aws.assumed_by.iter().map(|a| fact(&("assumed_by", a))));
    found.extend(aws.managed_policies.iter().map(|p| fact(&("managed", p))));
    for permission in &aws.permissions {
        found.extend(permission.actions().iter().map(|a| fact(&("aws", a))));
    }
    found
}

/// The SHA-256 of one fact's JSON, written straight into the hash.
fn fact(value: &impl Serialize) -> [u8; 32] {
    let mut hashed = Hashed(Sha256::new());
    serde_json::to_writer(&mut hashed, value).expect("a fact serialises");
    hashed.0.finalize().into()
}

/// A hash that JSON is written into.
struct Hashed(Sha256);

impl std::io::Write for Hashed {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
