//! What a generation leaves to the next one, as its manifest records it:
//! the input of the transition pass, which decides
//! what applying this generation over that one takes.
//!
//! EKS moves authentication modes one way, never changes a cluster's
//! Secrets key, and leaves a log group made before Terraform managed it;
//! `kubectl apply` never deletes an object; a pod keeps the credentials it
//! started with; Terraform state lives in the roots that wrote it. So each
//! generation records each cluster's mode, keys and the Kubernetes objects
//! it wrote, the workloads whose roles trusted IRSA, and (through its
//! files) the Terraform roots.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::objects::ObjectRef;
use super::types::SecretsKey;
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
    /// The Terraform roots of the generation's files, in apply order, as
    /// [`roots_of`](super::roots::roots_of) reads them.
    pub roots: Vec<String>,
}

/// A cluster as a generation saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRecord {
    /// The EKS cluster name: how the next generation finds the record, so
    /// that renaming a spec key keeps the history.
    pub name: String,
    /// How IAM principals were mapped.
    pub authentication_mode: AuthenticationMode,
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
    /// The Kubernetes objects the generation wrote on the cluster. Absent
    /// from the manifests of eksgrant versions that did not record them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub objects: BTreeSet<ObjectRef>,
    /// Objects an earlier generation wrote and none since has: the apply
    /// order revokes them. Kept until the spec writes them again, since
    /// eksgrant cannot know when a generation was applied, and a revocation
    /// must survive regenerating twice before applying.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub revoked: BTreeSet<ObjectRef>,
}

/// A cluster that left the spec, whose objects are still to revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeftCluster {
    /// Its spec key when it was last in the spec, for `kubectl --context`.
    pub key: String,
    /// Its authentication mode then: modes still only move forward if it
    /// comes back.
    pub authentication_mode: AuthenticationMode,
    /// The objects eksgrant wrote on it, to revoke while it exists.
    pub revoked: BTreeSet<ObjectRef>,
}

impl History {
    /// The record of the cluster whose EKS name is `name`, if the
    /// generation knew it: its mode, and the objects on it.
    pub fn record(&self, name: &str) -> Option<&ClusterRecord> {
        self.clusters.values().find(|r| r.name == name)
    }

    /// The authentication mode the generation last knew the cluster named
    /// `name` in, whether it is in the spec or left it.
    pub fn mode_of(&self, name: &str) -> Option<AuthenticationMode> {
        self.record(name)
            .map(|r| r.authentication_mode)
            .or_else(|| self.left.get(name).map(|l| l.authentication_mode))
    }

    /// Every object the generation may have left on the cluster named
    /// `name`, as sorted sets: those it wrote, and those it still had to
    /// revoke (on the cluster in the spec, or left).
    pub fn objects_on(&self, name: &str) -> impl Iterator<Item = &BTreeSet<ObjectRef>> {
        self.record(name)
            .into_iter()
            .flat_map(|r| [&r.objects, &r.revoked])
            .chain(self.left.get(name).map(|l| &l.revoked))
    }
}
