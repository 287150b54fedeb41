//! The order in which the generated repository is applied.
//!
//! An access entry takes precedence over the aws-auth mapping of the same
//! IAM principal, a RoleBinding needs someone who may create it, a cluster
//! created here has no Kubernetes API until Terraform made it, and a pod
//! keeps the credentials it started with. So the order is part of what
//! eksgrant generates, decided here once, written out in ACCESS.md and walked
//! by the tests against a model of EKS authorization:
//!
//! 1. on each cluster that exists, the Kubernetes objects: a binding to a
//!    group nobody is in yet is harmless, and a principal whose access entry
//!    Terraform is about to create or change must find the RBAC of its new
//!    group in place, or it loses access at that moment. (A cluster created
//!    here exists from the second apply on; on the first, this is skipped.)
//! 2. the restart of the pods of workloads leaving IRSA, whose ServiceAccount
//!    has just lost its annotation, before Terraform drops the IRSA trust;
//! 3. Terraform (the AWS side only, which never talks to a Kubernetes API):
//!    clusters, roles, associations, access entries;
//! 4. on each cluster created here, the Kubernetes objects, now that the
//!    cluster and its administrators' access entries exist;
//! 5. the second Terraform root, which writes the kubeconfig ConfigMaps
//!    through the Kubernetes APIs of the clusters the reaching pods run on;
//! 6. on each cluster that reads it, the aws-auth ConfigMap, last: every
//!    principal it no longer maps has its access entry and RBAC by now.

use std::collections::BTreeSet;

pub use super::types::{ApplyStep, CutOver, Place, StepKind};
use super::types::{Cluster, Workload};
use crate::spec::AuthenticationMode;

impl ApplyStep {
    /// Whether the step changes something on `cluster`: its `kubectl` and
    /// restart steps, Terraform (which creates or reads every cluster) and,
    /// on the clusters holding kubeconfig ConfigMaps, the second root.
    pub fn concerns(&self, cluster: &Cluster) -> bool {
        match self.kind {
            StepKind::Terraform => true,
            StepKind::KubernetesTerraform => !cluster.kubeconfigs.is_empty(),
            StepKind::KubernetesObjects | StepKind::RestartPods | StepKind::AwsAuth => {
                self.cluster.as_deref() == Some(cluster.key.as_str())
            }
        }
    }

    /// A few words for the step, for the overview's table by cluster.
    pub fn label(&self) -> &'static str {
        match self.kind {
            StepKind::KubernetesObjects if self.skip_on_first_apply => {
                "Kubernetes objects (not on the first apply)"
            }
            StepKind::KubernetesObjects => "Kubernetes objects",
            StepKind::RestartPods => "restart pods leaving IRSA",
            StepKind::Terraform => "Terraform",
            StepKind::KubernetesTerraform => "kubeconfigs",
            StepKind::AwsAuth => "aws-auth",
        }
    }

    fn on(cluster: &Cluster, kind: StepKind, why: &'static str) -> ApplyStep {
        ApplyStep {
            kind,
            cluster: Some(cluster.key.clone()),
            cluster_name: Some(cluster.name.clone()),
            created: cluster.created.is_some(),
            skip_on_first_apply: false,
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
            restarts: Vec::new(),
            why,
        }
    }

    fn global(kind: StepKind, namespaces: Vec<Place>, why: &'static str) -> ApplyStep {
        ApplyStep {
            kind,
            cluster: None,
            cluster_name: None,
            created: false,
            skip_on_first_apply: false,
            private_endpoint: false,
            namespaces,
            restarts: Vec::new(),
            why,
        }
    }
}

/// The steps, in order, for `clusters` (sorted by key) and `workloads`;
/// `leaving_irsa` names the workloads whose role trusted IRSA in the
/// previous generation and no longer does.
pub(super) fn apply_steps(
    clusters: &[Cluster],
    workloads: &[Workload],
    leaving_irsa: &BTreeSet<String>,
) -> Vec<ApplyStep> {
    let has_objects = |c: &&Cluster| !c.namespaces.is_empty() || !c.cluster_scoped.is_empty();

    let mut steps: Vec<ApplyStep> = clusters
        .iter()
        .filter(has_objects)
        .map(|c| {
            let why = match (&c.created, c.authentication_mode) {
                (Some(_), _) => {
                    "before Terraform, as on any cluster that exists: a principal whose grant moves from an access policy to RBAC must find its binding in place. Skip it on the first apply, before the cluster exists"
                }
                (None, AuthenticationMode::ConfigMap) => {
                    "before the aws-auth ConfigMap maps anyone into its groups: a binding to a group nobody is in yet is harmless"
                }
                (None, _) => {
                    "before Terraform: a binding to a group nobody is in yet is harmless, and a principal whose access entry Terraform is about to create (which takes precedence over its aws-auth mapping) must find its new group's RBAC in place"
                }
            };
            let mut step = ApplyStep::on(c, StepKind::KubernetesObjects, why);
            step.skip_on_first_apply = c.created.is_some();
            step
        })
        .collect();
    for cluster in clusters {
        let restarts: Vec<CutOver> = workloads
            .iter()
            .filter(|w| leaving_irsa.contains(&w.key) && w.clusters.contains(&cluster.key))
            .map(|w| CutOver {
                workload: w.key.clone(),
                namespace: w.namespace.clone(),
                service_account: w.service_account.clone(),
                annotation_by_eksgrant: w.create_service_account,
            })
            .collect();
        if !restarts.is_empty() {
            let mut step = ApplyStep::on(
                cluster,
                StepKind::RestartPods,
                "before Terraform drops the IRSA trust: the AWS SDKs try the web identity token before Pod Identity's credentials, so a pod started with the annotation uses IRSA until it restarts without it",
            );
            step.restarts = restarts;
            steps.push(step);
        }
    }
    steps.push(ApplyStep::global(
        StepKind::Terraform,
        Vec::new(),
        "it never talks to a Kubernetes API, so it needs no network path to one",
    ));
    steps.extend(clusters.iter().filter(|c| c.created.is_some()).filter(has_objects).map(|c| {
        ApplyStep::on(
            c,
            StepKind::KubernetesObjects,
            "after Terraform: on the first apply, the cluster and the access entries of its administrators exist only now (on later applies this changes nothing)",
        )
    }));
    let namespaces: Vec<Place> = clusters
        .iter()
        .flat_map(|c| {
            c.kubeconfigs.iter().map(|k| Place {
                cluster: c.key.clone(),
                namespace: k.namespace.clone(),
            })
        })
        .collect();
    if !namespaces.is_empty() {
        steps.push(ApplyStep::global(
            StepKind::KubernetesTerraform,
            namespaces,
            "after the clusters exist: it writes the kubeconfig ConfigMaps through the Kubernetes API of each cluster the reaching pods run on, configured from the clusters as they are by then",
        ));
    }
    steps.extend(clusters.iter().filter(|c| c.aws_auth.is_some()).map(|c| {
        let why = if c.authentication_mode == AuthenticationMode::ConfigMap {
            "last: the groups it maps principals into are bound by now"
        } else {
            "last: every principal it no longer maps has its access entry and RBAC by now"
        };
        ApplyStep::on(c, StepKind::AwsAuth, why)
    }));
    steps
}
