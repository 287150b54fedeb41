//! Cluster Autoscaler on AWS (kubernetes/autoscaler).
//!
//! Written from the recommended policy in
//! `cluster-autoscaler/cloudprovider/aws/README.md` ("Full Cluster
//! Autoscaler Features Policy", at tag `cluster-autoscaler-1.36.1`), which
//! grants everything on `*` and suggests naming Auto Scaling groups or
//! conditioning on tags instead; the preset narrows the two actions that
//! change capacity to groups tagged `k8s.io/cluster-autoscaler/<cluster>` =
//! `owned` (the tag EKS managed node groups and eksctl put on their groups),
//! for each cluster the workload runs in, and `eks:DescribeNodegroup` to
//! those clusters' node groups. The describe calls take no resource, so they
//! stay on `*`.

use super::{PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "cluster-autoscaler",
    summary: "resize and scale in the Auto Scaling groups tagged k8s.io/cluster-autoscaler/<cluster> = owned",
    args: &[],
    at_least_one: &[],
    deployment_note: Some(
        "run cluster-autoscaler with --node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster>, and tag self-managed groups k8s.io/cluster-autoscaler/<cluster> = owned",
    ),
    upstream: Upstream {
        source: "kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md (Full Cluster Autoscaler Features Policy, tag cluster-autoscaler-1.36.1)",
        actions: &[
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations",
            "autoscaling:DescribeScalingActivities",
            "autoscaling:SetDesiredCapacity",
            "autoscaling:TerminateInstanceInAutoScalingGroup",
            "ec2:DescribeImages",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:GetInstanceTypesFromInstanceRequirements",
            "eks:DescribeNodegroup",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[
            Scoping {
                statements: &["ClusterAutoscalerScale"],
                why: "on Auto Scaling groups of the spec's region and account tagged k8s.io/cluster-autoscaler/<cluster> = owned (a statement per cluster), where upstream says * and suggests narrowing",
            },
            Scoping {
                statements: &["ClusterAutoscalerDescribeNodegroups"],
                why: "on the node groups of the workload's clusters, where upstream says *",
            },
        ],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let nodegroups: Vec<String> = ctx
        .cluster_names
        .iter()
        .map(|name| ctx.arn("eks", &format!("nodegroup/{name}/*/*")))
        .collect();
    let mut statements = vec![
        Statement::allow(
            "ClusterAutoscalerDescribe",
            &[
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "ClusterAutoscalerDescribeNodegroups",
            &["eks:DescribeNodegroup"],
            nodegroups,
        ),
    ];
    // Condition keys in one block must all match, so each cluster's tag
    // gets a statement of its own.
    for (n, name) in ctx.cluster_names.iter().enumerate() {
        statements.push(
            Statement::allow(
                format!("ClusterAutoscalerScale{}", n + 1),
                &[
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                vec![ctx.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*")],
            )
            .when(
                "StringEquals",
                &format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{name}"),
                &["owned"],
            ),
        );
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aws::Partition;

    #[test]
    fn only_groups_owned_by_the_workloads_clusters_are_scaled() {
        let statements = statements(&PresetContext {
            partition: Partition::Aws,
            account_id: "111122223333",
            region: "eu-west-2",
            cluster_names: vec!["platform".into(), "workload".into()],
            args: BTreeMap::new(),
        });
        let scaling: Vec<&Statement> = statements
            .iter()
            .filter(|s| {
                s.action
                    .0
                    .iter()
                    .any(|a| a == "autoscaling:SetDesiredCapacity")
            })
            .collect();
        assert_eq!(scaling.len(), 2);
        for (statement, cluster) in scaling.iter().zip(["platform", "workload"]) {
            assert_eq!(
                statement.condition["StringEquals"]
                    [&format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}")]
                    .0,
                ["owned"]
            );
        }
    }
}
