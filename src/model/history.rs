//! What a generation leaves to the next one, as its manifest records it:
//! the input of the transition pass, which decides what applying this
//! generation over that one takes.
//!
//! EKS moves authentication modes one way, never changes a cluster's
//! Secrets key, and leaves a log group made before Terraform managed it;
//! `kubectl apply` never deletes an object; a pod keeps the credentials it
//! started with; Terraform state lives in the roots that wrote it. So each
//! generation records each cluster's mode, keys and the Kubernetes objects
//! it wrote, the workloads whose roles trusted IRSA, and (through its
//! files) the Terraform roots.
//!
//! It also records the one-off steps its apply order carries (a mode
//! switch, pods to restart, objects to revoke, a log group to import,
//! Secrets to rewrite, state to move, a root left behind), which the next
//! generation carries on: eksgrant cannot know when a generation was
//! applied, and a step must survive regenerating before applying (and a
//! regeneration of the same spec must render the same files, or `generate
//! --check` would fail right after it). They go when the user says the
//! last generation was applied ([`History::acknowledged`], `generate
//! --applied`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::objects::ObjectRef;
use super::types::{CatchUp, SecretsKey, StateMove};
use crate::spec::AuthenticationMode;

/// The history of the generation in an output directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct History {
    /// Each cluster of the spec, by key.
    pub clusters: BTreeMap<String, ClusterRecord>,
    /// Clusters an earlier generation wrote objects on that have left the
    /// spec, by EKS name: their objects are still to revoke.
    pub left: BTreeMap<String, LeftCluster>,
    /// The workloads whose role trusted IRSA (or was migrating from it).
    pub irsa_workloads: BTreeSet<String>,
    /// The workloads whose pods are still to restart off IRSA.
    pub irsa_leaving: BTreeSet<String>,
    /// The Terraform roots of the generation's files, in apply order, as
    /// [`roots_of`](super::roots::roots_of) reads them.
    pub roots: Vec<String>,
    /// The state still to move from the roots of another layout.
    pub state_move: Option<StateMove>,
    /// Roots an earlier generation wrote and none since has, whose state
    /// still holds what they made.
    pub removed_roots: Vec<String>,
}

/// A cluster as a generation saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRecord {
    /// The EKS cluster name: how the next generation finds the record, so
    /// that renaming a spec key keeps the history.
    pub name: String,
    /// How IAM principals were mapped, as the spec said.
    pub authentication_mode: AuthenticationMode,
    /// The mode an existing cluster may still be in, when the apply order
    /// switches it from there to `authentication_mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_from: Option<AuthenticationMode>,
    /// The key that encrypted a created cluster's Secrets, which EKS cannot
    /// change; absent for an existing cluster, and from eksgrant versions
    /// that did not encrypt them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_key: Option<SecretsKey>,
    /// For a created cluster, whether the generated Terraform managed its
    /// control-plane log group; absent for an existing cluster, and from
    /// eksgrant versions that left the group to EKS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<bool>,
    /// What a created cluster still needs around an apply: the log group
    /// to import, the Secrets to rewrite.
    #[serde(default, skip_serializing_if = "CatchUp::is_empty")]
    pub catch_up: CatchUp,
    /// The Kubernetes objects the generation wrote on the cluster. Absent
    /// from the manifests of eksgrant versions that did not record them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub objects: BTreeSet<ObjectRef>,
    /// Objects an earlier generation wrote and none since has: the apply
    /// order revokes them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub revoked: BTreeSet<ObjectRef>,
}

/// A cluster that left the spec, whose objects are still to revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeftCluster {
    /// Its spec key when it was last in the spec.
    pub key: String,
    /// Its authentication mode then: modes still only move forward if it
    /// comes back.
    pub authentication_mode: AuthenticationMode,
    /// The objects eksgrant wrote on it, to revoke while it exists.
    pub revoked: BTreeSet<ObjectRef>,
}

impl History {
    /// The history as it is once the generation it records has been
    /// applied: its one-off steps done, nothing carried on.
    #[must_use]
    pub fn acknowledged(mut self) -> History {
        for record in self.clusters.values_mut() {
            record.switch_from = None;
            record.catch_up = CatchUp::default();
            record.revoked.clear();
        }
        self.left.clear();
        self.irsa_leaving.clear();
        self.state_move = None;
        self.removed_roots.clear();
        self
    }

    /// The records by EKS name, for lookups that stay linear in the spec.
    pub fn by_name(&self) -> HashMap<&str, &ClusterRecord> {
        self.clusters
            .values()
            .map(|record| (record.name.as_str(), record))
            .collect()
    }

    /// The authentication mode the generation last knew the cluster named
    /// `name` in, as the spec said, whether it is in the spec or left it.
    pub fn mode_of(
        &self,
        records: &HashMap<&str, &ClusterRecord>,
        name: &str,
    ) -> Option<AuthenticationMode> {
        records
            .get(name)
            .map(|r| r.authentication_mode)
            .or_else(|| self.left.get(name).map(|l| l.authentication_mode))
    }

    /// Every object the generation may have left on the cluster named
    /// `name`, as sorted sets: those it wrote, and those it still had to
    /// revoke (on the cluster in the spec, or left).
    pub fn objects_on<'a>(
        &'a self,
        records: &HashMap<&str, &'a ClusterRecord>,
        name: &str,
    ) -> impl Iterator<Item = &'a BTreeSet<ObjectRef>> {
        records
            .get(name)
            .into_iter()
            .flat_map(|r| [&r.objects, &r.revoked])
            .chain(self.left.get(name).map(|l| &l.revoked))
    }
}
