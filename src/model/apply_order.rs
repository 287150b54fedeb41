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
//!    and the switch of an existing cluster to `API_AND_CONFIG_MAP`, whose
//!    access entries EKS refuses on `CONFIG_MAP`;
//! 3. Terraform (the AWS side only, which never talks to a Kubernetes API):
//!    clusters, roles, associations, access entries. With the per-cluster
//!    layout that is several roots: `terraform/iam` first, whose roles the
//!    others name by ARN, then each cluster's root (independent of one
//!    another), then `terraform/network`, whose rules need every cluster;
//! 4. on each cluster created here, the Kubernetes objects, now that the
//!    cluster and its administrators' access entries exist;
//! 5. the second Terraform root, which writes the kubeconfig ConfigMaps
//!    through the Kubernetes APIs of the clusters the reaching pods run on;
//! 6. on each cluster that reads it, the aws-auth ConfigMap: every principal
//!    it no longer maps has its access entry and RBAC by now;
//! 7. the switch of an existing cluster to `API`, once every principal and
//!    node role has its access entry;
//! 8. last, on each cluster, the deletion of the objects an earlier
//!    generation wrote and this one does not (`kubectl apply` deletes
//!    nothing), once everything the spec grants is in place.
//!
//! When the layout changed since the previous generation, moving the state
//! of the old roots into the new ones comes before all of it
//! (`move_state_step`). The transition pass decides what the order
//! carries out (`Around`).

use std::collections::BTreeSet;

use super::paths;
pub use super::types::{ApplyStep, CutOver, ModeSwitch, Place, Revocation, StepKind};
use super::types::{Cluster, Model, RootKind, StateMove, TerraformRoots, Workload};
use crate::spec::AuthenticationMode;

impl ApplyStep {
    /// Whether the step changes something on `cluster`: its `kubectl` and
    /// restart steps, Terraform (which creates or reads every cluster) and,
    /// on the clusters holding kubeconfig ConfigMaps, the second root.
    pub fn concerns(&self, cluster: &Cluster) -> bool {
        match self.kind {
            StepKind::MoveState
            | StepKind::Terraform
            | StepKind::TerraformIam
            | StepKind::TerraformClusters => true,
            StepKind::TerraformNetwork => cluster.has_ingress_from_clusters(),
            StepKind::KubernetesTerraform => !cluster.kubeconfigs.is_empty(),
            StepKind::KubernetesObjects
            | StepKind::RestartPods
            | StepKind::AwsAuth
            | StepKind::SwitchMode => self.cluster.as_deref() == Some(cluster.key.as_str()),
            // Not a cluster that left the spec under a key now another's.
            StepKind::Revoke => {
                self.revocation.as_ref().is_some_and(Revocation::in_spec)
                    && self.cluster.as_deref() == Some(cluster.key.as_str())
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
            StepKind::MoveState => "move the Terraform state",
            StepKind::Terraform => "Terraform",
            StepKind::TerraformIam => "Terraform, IAM",
            StepKind::TerraformClusters => "Terraform, its root",
            StepKind::TerraformNetwork => "Terraform, network",
            StepKind::KubernetesTerraform => "kubeconfigs",
            StepKind::AwsAuth => "aws-auth",
            StepKind::SwitchMode => match self.switch.as_ref().map(|s| s.to) {
                Some(AuthenticationMode::Api) => "switch to API",
                _ => "switch to API_AND_CONFIG_MAP",
            },
            StepKind::Revoke => "revoke what the spec no longer grants",
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
            roots: Vec::new(),
            switch: None,
            revocation: None,
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
            roots: Vec::new(),
            switch: None,
            revocation: None,
            why,
        }
    }

    /// A step that applies the Terraform roots `roots`.
    fn terraform(kind: StepKind, roots: Vec<String>, why: &'static str) -> ApplyStep {
        ApplyStep {
            roots,
            ..ApplyStep::global(kind, Vec::new(), why)
        }
    }
}

/// The step that moves the state of the previous layout's roots into this
/// layout's, before anything else.
pub(super) fn move_state_step(moving: &StateMove) -> ApplyStep {
    ApplyStep::terraform(
        StepKind::MoveState,
        moving.to_roots.clone(),
        "before any root is planned or applied: the previous generation used another layout, so the state of what Terraform made is in roots that no longer define it. Unmoved, each new root would plan to create everything again, and each old one, with its files gone, to destroy it",
    )
}

/// What the order must carry out besides applying the files, which the
/// transition pass finds against the previous generation.
pub(super) struct Around<'a> {
    /// The workloads whose role trusted IRSA in the previous generation and
    /// no longer does.
    pub(super) leaving_irsa: &'a BTreeSet<String>,
    /// The existing clusters whose authentication mode moves.
    pub(super) switches: &'a [ModeSwitch],
    /// The objects to delete, cluster by cluster.
    pub(super) revocations: &'a [Revocation],
}

/// The steps, in order, for `model` and what the order carries out
/// `around` it.
pub(super) fn apply_steps(model: &Model, around: &Around<'_>) -> Vec<ApplyStep> {
    let (clusters, workloads) = (&model.clusters, &model.workloads);
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
    steps.extend(restarts(clusters, workloads, around.leaving_irsa));
    steps.extend(switches(
        clusters,
        around.switches,
        AuthenticationMode::ApiAndConfigMap,
    ));
    steps.extend(terraform_steps(&model.terraform));
    steps.extend(clusters.iter().filter(|c| c.created.is_some()).filter(has_objects).map(|c| {
        ApplyStep::on(
            c,
            StepKind::KubernetesObjects,
            "after Terraform: on the first apply, the cluster and the access entries of its administrators exist only now (on later applies this changes nothing)",
        )
    }));
    // Each namespace once, however many clusters its pods reach.
    let mut namespaces: Vec<Place> = Vec::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for cluster in clusters {
        for kubeconfig in &cluster.kubeconfigs {
            if seen.insert((&cluster.key, &kubeconfig.namespace)) {
                namespaces.push(Place {
                    cluster: cluster.key.clone(),
                    namespace: kubeconfig.namespace.clone(),
                });
            }
        }
    }
    if !namespaces.is_empty() {
        steps.push(ApplyStep {
            roots: vec![paths::KUBERNETES_ROOT.to_string()],
            ..ApplyStep::global(
                StepKind::KubernetesTerraform,
                namespaces,
                "after the clusters exist: it writes the kubeconfig ConfigMaps through the Kubernetes API of each cluster the reaching pods run on, configured from the clusters as they are by then",
            )
        });
    }
    steps.extend(clusters.iter().filter(|c| c.aws_auth.is_some()).map(|c| {
        let why = if c.authentication_mode == AuthenticationMode::ConfigMap {
            "after the Kubernetes objects: the groups it maps principals into are bound by now"
        } else {
            "after Terraform: every principal it no longer maps has its access entry and RBAC by now"
        };
        ApplyStep::on(c, StepKind::AwsAuth, why)
    }));
    steps.extend(switches(clusters, around.switches, AuthenticationMode::Api));
    steps.extend(around.revocations.iter().map(|revocation| {
        let in_spec = clusters
            .iter()
            .find(|c| revocation.in_spec() && c.key == revocation.cluster);
        let mut step = match in_spec {
            Some(cluster) => ApplyStep::on(
                cluster,
                StepKind::Revoke,
                "last, once everything the spec grants is in place: kubectl apply deletes nothing, so without this step each of these objects would keep granting what the spec no longer does",
            ),
            None => ApplyStep {
                cluster: Some(revocation.cluster.clone()),
                cluster_name: Some(revocation.cluster_name.clone()),
                ..ApplyStep::global(
                    StepKind::Revoke,
                    Vec::new(),
                    "the cluster has left the spec, but while it exists what eksgrant wrote on it keeps granting access (skip this step if it is gone)",
                )
            },
        };
        step.revocation = Some(revocation.clone());
        step
    }));
    steps
}

/// The restarts of the pods leaving IRSA, one step per cluster they run on.
fn restarts(
    clusters: &[Cluster],
    workloads: &[Workload],
    leaving_irsa: &BTreeSet<String>,
) -> Vec<ApplyStep> {
    let leaving: Vec<&Workload> = workloads
        .iter()
        .filter(|w| leaving_irsa.contains(&w.key))
        .collect();
    let mut steps = Vec::new();
    for cluster in clusters {
        let restarts: Vec<CutOver> = leaving
            .iter()
            .filter(|w| w.clusters.contains(&cluster.key))
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
    steps
}

/// The switches of existing clusters to `to`, one step per cluster.
fn switches(
    clusters: &[Cluster],
    switches: &[ModeSwitch],
    to: AuthenticationMode,
) -> Vec<ApplyStep> {
    let why = match to {
        AuthenticationMode::ApiAndConfigMap => {
            "before the Terraform that creates its access entries, which EKS refuses on a CONFIG_MAP cluster; nobody loses access, since the cluster still reads aws-auth"
        }
        _ => {
            "after Terraform: every principal and node role the spec maps has its access entry by now, and from here on EKS ignores aws-auth"
        }
    };
    switches
        .iter()
        .filter(|s| s.to == to)
        .filter_map(|switch| {
            let cluster = clusters.iter().find(|c| c.key == switch.cluster)?;
            let mut step = ApplyStep::on(cluster, StepKind::SwitchMode, why);
            step.switch = Some(switch.clone());
            Some(step)
        })
        .collect()
}

/// The steps that apply the AWS side: the one root, or the per-cluster
/// layout's roots in their order.
fn terraform_steps(terraform: &TerraformRoots) -> Vec<ApplyStep> {
    let dirs = |kind: RootKind| -> Vec<String> {
        terraform
            .roots
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.dir.clone())
            .collect()
    };
    let mut steps = Vec::new();
    let mut add = |kind: StepKind, roots: Vec<String>, why: &'static str| {
        if !roots.is_empty() {
            steps.push(ApplyStep::terraform(kind, roots, why));
        }
    };
    add(
        StepKind::Terraform,
        dirs(RootKind::Single),
        "it never talks to a Kubernetes API, so it needs no network path to one",
    );
    add(
        StepKind::TerraformIam,
        dirs(RootKind::Iam),
        "first of the roots: the others name the roles it writes by their ARNs, and a cluster created here needs its role before EKS creates it",
    );
    add(
        StepKind::TerraformClusters,
        dirs(RootKind::Cluster),
        "once the roles exist. The cluster roots are independent of one another: apply them in any order, or in parallel; a plan reads only its cluster's resources, and a failed apply stops only its cluster. None talks to a Kubernetes API",
    );
    add(
        StepKind::TerraformNetwork,
        dirs(RootKind::Network),
        "after every cluster root: its ingress rules join the security groups of two clusters, which exist only by now",
    );
    steps
}
