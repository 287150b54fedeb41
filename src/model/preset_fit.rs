//! Presets checked against the clusters their workload runs in: a policy
//! can be right and the controller still not work there.
//!
//! - Karpenter launches nodes with the roles of its `node_role_arns`; a
//!   node joins only when the cluster maps its role (an `EC2_LINUX` access
//!   entry, or aws-auth's `system:nodes`), which eksgrant writes for the
//!   cluster's `node_role_arns`, and EKS for its managed node groups'.
//! - EKS Auto Mode runs compute autoscaling (Karpenter), load balancing,
//!   block storage and pod networking itself (the EKS user guide's
//!   "Automate cluster infrastructure with EKS Auto Mode"): a preset for a
//!   self-managed Karpenter, AWS Load Balancer Controller, EBS CSI driver
//!   or VPC CNI on such a cluster gives AWS permissions to a second
//!   controller doing the same job.

use std::collections::BTreeMap;

use super::checker::Checker;
use super::clusters::ClusterInfo;
use super::workloads::WorkloadInfo;
use crate::aws::arn::without_role_path;
use crate::code::Code;
use crate::model::types::NodeKind;

/// The presets whose controller EKS Auto Mode runs itself, with what it
/// calls its own.
const AUTO_MODE_RUNS: &[(&str, &str)] = &[
    ("karpenter", "compute autoscaling"),
    ("aws-load-balancer-controller", "load balancing"),
    (
        "ebs-csi-driver",
        "block storage (the ebs.csi.eks.amazonaws.com provisioner)",
    ),
    ("vpc-cni", "pod networking"),
];

/// Warns of every preset that does not fit a cluster of its workload.
pub(super) fn check(
    checker: &mut Checker<'_>,
    clusters: &BTreeMap<String, ClusterInfo>,
    workloads: &[WorkloadInfo],
) {
    for workload in workloads {
        let on: Vec<&ClusterInfo> = workload
            .clusters
            .iter()
            .filter_map(|key| clusters.get(key))
            .collect();
        for preset in &workload.aws.presets {
            let name = preset.get().name.get().as_str();
            let span = preset.get().name.span();
            if let Some((_, job)) = AUTO_MODE_RUNS.iter().find(|(runs, _)| *runs == name) {
                for cluster in on.iter().filter(|c| runs_auto_mode(c)) {
                    checker
                        .warning(
                            Code::PresetCluster,
                            span.clone(),
                            format!(
                                "workload {} runs the {name} preset on cluster {}, whose EKS Auto Mode runs {job} itself",
                                workload.key.get(),
                                cluster.key.get()
                            ),
                        )
                        .label("a second controller for what Auto Mode does")
                        .help(format!(
                            "remove the preset from the workloads on {} and use what Auto Mode provides; keep it only for a cluster without auto_mode",
                            cluster.key.get()
                        ));
                }
            }
            if name == "karpenter" {
                let roles = preset
                    .get()
                    .node_role_arns
                    .as_ref()
                    .map_or(&[][..], |roles| roles.get().as_slice());
                for cluster in on.iter().filter(|c| !runs_auto_mode(c)) {
                    for role in roles.iter().filter(|role| !maps(cluster, role.get())) {
                        checker
                            .warning(
                                Code::PresetCluster,
                                role.span(),
                                format!(
                                    "Karpenter's node role {} is not a node role of cluster {}: the nodes it launches with it cannot join",
                                    role.get(),
                                    cluster.key.get()
                                ),
                            )
                            .label("no access entry or aws-auth mapping for it")
                            .help(format!(
                                "add it to node_role_arns of [clusters.{}], so that eksgrant maps it for the nodes",
                                cluster.key.get()
                            ));
                    }
                }
            }
        }
    }
}

/// Whether EKS Auto Mode runs the cluster's compute (and with it the
/// controllers of [`AUTO_MODE_RUNS`]).
fn runs_auto_mode(cluster: &ClusterInfo) -> bool {
    cluster
        .created
        .as_ref()
        .is_some_and(|created| created.auto_mode.is_some())
}

/// Whether `cluster` lets nodes with `role` join: a role of its
/// self-managed Linux nodes, which eksgrant maps, or of its managed node
/// groups, which EKS maps. Compared without the role's path, as aws-auth
/// does.
fn maps(cluster: &ClusterInfo, role: &str) -> bool {
    let role = without_role_path(role);
    cluster.node_roles.iter().any(|node| {
        matches!(node.kind, NodeKind::Linux | NodeKind::ManagedLinux)
            && without_role_path(&node.arn) == role
    })
}
