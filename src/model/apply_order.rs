//! The order in which the generated repository is applied.
//!
//! An access entry takes precedence over the aws-auth mapping of the same
//! IAM principal, a RoleBinding needs someone who may create it, and a
//! cluster created here has no Kubernetes API until Terraform made it. So
//! the order is part of what eksgrant generates, decided here once, written
//! out in ACCESS.md and walked by the tests against a model of EKS
//! authorization:
//!
//! 1. on each existing cluster, the Kubernetes objects: a binding to a group
//!    nobody is in yet is harmless, and a principal that Terraform is about
//!    to move from aws-auth to an access entry must find the RBAC of its new
//!    group in place, or it loses access at that moment;
//! 2. Terraform (the AWS side only, which never talks to a Kubernetes API):
//!    clusters, roles, associations, access entries;
//! 3. on each cluster created here, the Kubernetes objects, now that the
//!    cluster and its administrators' access entries exist;
//! 4. the second Terraform root, which writes the kubeconfig ConfigMaps
//!    through the Kubernetes APIs of the clusters the reaching pods run on;
//! 5. on each cluster that reads it, the aws-auth ConfigMap, last: every
//!    principal it no longer maps has its access entry and RBAC by now.

use serde::Serialize;

use super::Cluster;
use crate::spec::AuthenticationMode;

/// What one step applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// `kubectl apply -k kubernetes/<cluster>`: ServiceAccounts, Roles and
    /// bindings.
    KubernetesObjects,
    /// `terraform -chdir=terraform apply`: everything on the AWS side.
    Terraform,
    /// `terraform -chdir=terraform-kubernetes apply`: the kubeconfig
    /// ConfigMaps.
    KubernetesTerraform,
    /// `kubectl apply -f kubernetes/<cluster>/kube-system/aws-auth.yaml`.
    AwsAuth,
}

/// One step of applying the repository.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyStep {
    /// What it applies (templates).
    pub kind: StepKind,
    /// The cluster (key) of a `kubectl` step (templates).
    pub cluster: Option<String>,
    /// The EKS name of that cluster (templates).
    pub cluster_name: Option<String>,
    /// Whether that cluster is created here (templates).
    pub created: bool,
    /// Whether that cluster is created here with a private API endpoint, so
    /// that `kubectl` must run from a network that reaches it (templates).
    pub private_endpoint: bool,
    /// Namespaces the step writes into, which must exist (templates).
    pub namespaces: Vec<Place>,
    /// Why the step comes where it does (templates).
    pub why: &'static str,
}

impl ApplyStep {
    /// Whether the step changes something on `cluster`: its `kubectl`
    /// steps, Terraform (which creates or reads every cluster) and, on the
    /// clusters holding kubeconfig ConfigMaps, the second root.
    pub fn concerns(&self, cluster: &Cluster) -> bool {
        match self.kind {
            StepKind::Terraform => true,
            StepKind::KubernetesTerraform => !cluster.kubeconfigs.is_empty(),
            StepKind::KubernetesObjects | StepKind::AwsAuth => {
                self.cluster.as_deref() == Some(cluster.key.as_str())
            }
        }
    }

    /// A few words for the step, for the overview's table by cluster.
    pub fn label(&self) -> &'static str {
        match self.kind {
            StepKind::KubernetesObjects => "Kubernetes objects",
            StepKind::Terraform => "Terraform",
            StepKind::KubernetesTerraform => "kubeconfigs",
            StepKind::AwsAuth => "aws-auth",
        }
    }
}

/// A namespace of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The cluster (key) (templates).
    pub cluster: String,
    /// The namespace (templates).
    pub namespace: String,
}

/// The steps, in order, for `clusters` (sorted by key).
pub(super) fn apply_steps(clusters: &[Cluster]) -> Vec<ApplyStep> {
    let kubectl = |cluster: &Cluster, kind: StepKind, why: &'static str| ApplyStep {
        kind,
        cluster: Some(cluster.key.clone()),
        cluster_name: Some(cluster.name.clone()),
        created: cluster.created.is_some(),
        private_endpoint: cluster
            .created
            .as_ref()
            .is_some_and(|c| !c.endpoint_public_access),
        namespaces: match kind {
            StepKind::KubernetesObjects => cluster
                .namespaces
                .iter()
                .map(|n| Place {
                    cluster: cluster.key.clone(),
                    namespace: n.name.clone(),
                })
                .collect(),
            _ => Vec::new(),
        },
        why,
    };
    let has_objects = |c: &&Cluster| !c.namespaces.is_empty() || !c.cluster_scoped.is_empty();

    let mut steps: Vec<ApplyStep> = clusters
        .iter()
        .filter(|c| c.created.is_none())
        .filter(has_objects)
        .map(|c| {
            let why = if c.authentication_mode == AuthenticationMode::ConfigMap {
                "before the aws-auth ConfigMap maps anyone into its groups: a binding to a group nobody is in yet is harmless"
            } else {
                "before Terraform: a binding to a group nobody is in yet is harmless, and a principal whose access entry Terraform is about to create (which takes precedence over its aws-auth mapping) must find its new group's RBAC in place"
            };
            kubectl(c, StepKind::KubernetesObjects, why)
        })
        .collect();
    steps.push(ApplyStep {
        kind: StepKind::Terraform,
        cluster: None,
        cluster_name: None,
        created: false,
        private_endpoint: false,
        namespaces: Vec::new(),
        why: "it never talks to a Kubernetes API, so it needs no network path to one",
    });
    steps.extend(
        clusters
            .iter()
            .filter(|c| c.created.is_some())
            .filter(has_objects)
            .map(|c| {
                kubectl(
                    c,
                    StepKind::KubernetesObjects,
                    "after Terraform, which creates the cluster and the access entries of its administrators",
                )
            }),
    );
    let homes: Vec<&Cluster> = clusters
        .iter()
        .filter(|c| !c.kubeconfigs.is_empty())
        .collect();
    if !homes.is_empty() {
        let mut namespaces: Vec<Place> = homes
            .iter()
            .flat_map(|c| {
                c.kubeconfigs.iter().map(|k| Place {
                    cluster: c.key.clone(),
                    namespace: k.namespace.clone(),
                })
            })
            .collect();
        namespaces.dedup();
        steps.push(ApplyStep {
            kind: StepKind::KubernetesTerraform,
            cluster: None,
            cluster_name: None,
            created: false,
            private_endpoint: false,
            namespaces,
            why: "after the clusters exist: it writes the kubeconfig ConfigMaps through the Kubernetes API of each cluster the reaching pods run on, configured from the clusters as they are by then",
        });
    }
    steps.extend(clusters.iter().filter(|c| c.aws_auth.is_some()).map(|c| {
        let why = if c.authentication_mode == AuthenticationMode::ConfigMap {
            "last: the groups it maps principals into are bound by now"
        } else {
            "last: every principal it no longer maps has its access entry and RBAC by now"
        };
        kubectl(c, StepKind::AwsAuth, why)
    }));
    steps
}
