//! Karpenter's controller (aws/karpenter-provider-aws).
//!
//! Written from the controller policies of the getting-started CloudFormation
//! template, `website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml`
//! at v1.14.1: `KarpenterControllerNodeLifecyclePolicy`, `…IAMIntegrationPolicy`,
//! `…EKSIntegrationPolicy`, `…InterruptionPolicy`, `…ZonalShiftPolicy` and
//! `…ResourceDiscoveryPolicy`, with their statements and conditions. Upstream
//! scopes everything to one cluster by its tags (`kubernetes.io/cluster/<name>`
//! = `owned`, `eks:eks-cluster-name`, `karpenter.sh/nodepool`,
//! `karpenter.k8s.aws/ec2nodeclass`); the preset writes those statements once
//! for each cluster the workload runs in, since condition keys in one block
//! must all match.
//!
//! Beyond upstream: the instances, volumes, network interfaces, fleets, spot
//! requests and launch templates Karpenter creates are pinned to the spec's
//! account as well as its region (upstream allows any account). Subnets,
//! security groups, capacity reservations and placement groups keep upstream's
//! any-account ARNs: another account can share them through AWS RAM (a shared
//! VPC). `iam:PassRole` names only the given node roles, and the SQS
//! statement, only the given interruption queues, is left out without
//! `queue_arns`.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "karpenter",
    summary: "launch and terminate nodes tagged for the workload's clusters, pass the given node roles, and read the given interruption queues",
    args: &[
        (PresetArg::NodeRoleArns, Need::Required),
        (PresetArg::QueueArns, Need::Optional),
    ],
    at_least_one: &[],
    deployment_note: Some(
        "set Karpenter's settings.clusterName to the cluster's name, give every EC2NodeClass one of the preset's node_role_arns, and set settings.interruptionQueue to the queue in queue_arns (leave it unset without queue_arns)",
    ),
    upstream: Upstream {
        source: "aws/karpenter-provider-aws website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml v1.14.1 (the KarpenterController*Policy documents)",
        actions: &[
            "arc-zonal-shift:GetManagedResource",
            "ec2:CreateFleet",
            "ec2:CreateLaunchTemplate",
            "ec2:CreateTags",
            "ec2:DeleteLaunchTemplate",
            "ec2:DescribeCapacityReservations",
            "ec2:DescribeImages",
            "ec2:DescribeInstanceStatus",
            "ec2:DescribeInstanceTypeOfferings",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeInstances",
            "ec2:DescribeLaunchTemplates",
            "ec2:DescribePlacementGroups",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSpotPriceHistory",
            "ec2:DescribeSubnets",
            "ec2:RunInstances",
            "ec2:TerminateInstances",
            "eks:DescribeCluster",
            "iam:AddRoleToInstanceProfile",
            "iam:CreateInstanceProfile",
            "iam:DeleteInstanceProfile",
            "iam:GetInstanceProfile",
            "iam:ListInstanceProfiles",
            "iam:PassRole",
            "iam:RemoveRoleFromInstanceProfile",
            "iam:TagInstanceProfile",
            "pricing:GetProducts",
            "sqs:DeleteMessage",
            "sqs:GetQueueUrl",
            "sqs:ReceiveMessage",
            "ssm:GetParameter",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &[
                "KarpenterLaunchFromOwnedTemplates",
                "KarpenterCreateTaggedNodes",
                "KarpenterTagOnCreate",
                "KarpenterTagOwnedInstances",
                "KarpenterDeleteOwnedNodes",
            ],
            why: "upstream's statements and conditions, once per cluster, with the instances, volumes, network interfaces, fleets, spot requests and launch templates Karpenter creates in the spec's account as well as its region, where upstream allows any account",
        }],
        broader: &[],
    },
    statements,
};

const NODEPOOL_TAG: &str = "karpenter.sh/nodepool";
const NODECLASS_TAG: &str = "karpenter.k8s.aws/ec2nodeclass";
const CLUSTER_NAME_TAG: &str = "eks:eks-cluster-name";
const REGION_TAG: &str = "topology.kubernetes.io/region";

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let p = ctx.partition.as_str();
    let region = ctx.region;
    // What Karpenter creates lives in the spec's account; what it launches
    // into may be shared from another.
    let own = |resource: &str| ctx.arn("ec2", resource);
    let any_account = |resource: &str| format!("arn:{p}:ec2:{region}:*:{resource}");
    let created: Vec<String> = [
        "fleet/*",
        "instance/*",
        "volume/*",
        "network-interface/*",
        "launch-template/*",
        "spot-instances-request/*",
    ]
    .into_iter()
    .map(own)
    .collect();
    let instance_profiles = vec![format!(
        "arn:{p}:iam::{}:instance-profile/*",
        ctx.account_id
    )];
    let clusters: Vec<String> = ctx
        .cluster_names
        .iter()
        .map(|name| ctx.arn("eks", &format!("cluster/{name}")))
        .collect();

    let mut statements = vec![Statement::allow(
        "KarpenterLaunchFromImagesAndNetworks",
        &["ec2:CreateFleet", "ec2:RunInstances"],
        vec![
            format!("arn:{p}:ec2:{region}::image/*"),
            format!("arn:{p}:ec2:{region}::snapshot/*"),
            any_account("security-group/*"),
            any_account("subnet/*"),
            any_account("capacity-reservation/*"),
            any_account("placement-group/*"),
        ],
    )];
    for (n, name) in ctx.cluster_names.iter().enumerate() {
        let n = n + 1;
        let owned = format!("kubernetes.io/cluster/{name}");
        let request_owned = format!("aws:RequestTag/{owned}");
        let resource_owned = format!("aws:ResourceTag/{owned}");
        let request_nodepool = format!("aws:RequestTag/{NODEPOOL_TAG}");
        let resource_nodepool = format!("aws:ResourceTag/{NODEPOOL_TAG}");
        let request_cluster_name = format!("aws:RequestTag/{CLUSTER_NAME_TAG}");
        statements.extend([
            Statement::allow(
                format!("KarpenterLaunchFromOwnedTemplates{n}"),
                &["ec2:CreateFleet", "ec2:RunInstances"],
                vec![own("launch-template/*")],
            )
            .when("StringEquals", &resource_owned, &["owned"])
            .when("StringLike", &resource_nodepool, &["*"]),
            Statement::allow(
                format!("KarpenterCreateTaggedNodes{n}"),
                &[
                    "ec2:CreateFleet",
                    "ec2:CreateLaunchTemplate",
                    "ec2:RunInstances",
                ],
                created.clone(),
            )
            .when("StringEquals", &request_owned, &["owned"])
            .when("StringEquals", &request_cluster_name, &[name])
            .when("StringLike", &request_nodepool, &["*"]),
            // Tags only in the call that creates the resource.
            Statement::allow(
                format!("KarpenterTagOnCreate{n}"),
                &["ec2:CreateTags"],
                created.clone(),
            )
            .when("StringEquals", &request_owned, &["owned"])
            .when("StringEquals", &request_cluster_name, &[name])
            .when(
                "StringEquals",
                "ec2:CreateAction",
                &["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
            )
            .when("StringLike", &request_nodepool, &["*"]),
            Statement::allow(
                format!("KarpenterTagOwnedInstances{n}"),
                &["ec2:CreateTags"],
                vec![own("instance/*")],
            )
            .when("StringEquals", &resource_owned, &["owned"])
            .when("StringLike", &resource_nodepool, &["*"])
            .when("StringEqualsIfExists", &request_cluster_name, &[name])
            .when(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &[CLUSTER_NAME_TAG, "karpenter.sh/nodeclaim", "Name"],
            ),
            Statement::allow(
                format!("KarpenterDeleteOwnedNodes{n}"),
                &["ec2:DeleteLaunchTemplate", "ec2:TerminateInstances"],
                vec![own("instance/*"), own("launch-template/*")],
            )
            .when("StringEquals", &resource_owned, &["owned"])
            .when("StringLike", &resource_nodepool, &["*"]),
            Statement::allow(
                format!("KarpenterCreateInstanceProfiles{n}"),
                &["iam:CreateInstanceProfile"],
                instance_profiles.clone(),
            )
            .when("StringEquals", &request_owned, &["owned"])
            .when("StringEquals", &request_cluster_name, &[name])
            .when(
                "StringEquals",
                &format!("aws:RequestTag/{REGION_TAG}"),
                &[region],
            )
            .when(
                "StringLike",
                &format!("aws:RequestTag/{NODECLASS_TAG}"),
                &["*"],
            ),
            Statement::allow(
                format!("KarpenterTagOwnedInstanceProfiles{n}"),
                &["iam:TagInstanceProfile"],
                instance_profiles.clone(),
            )
            .when("StringEquals", &resource_owned, &["owned"])
            .when(
                "StringEquals",
                &format!("aws:ResourceTag/{REGION_TAG}"),
                &[region],
            )
            .when("StringEquals", &request_owned, &["owned"])
            .when("StringEquals", &request_cluster_name, &[name])
            .when(
                "StringEquals",
                &format!("aws:RequestTag/{REGION_TAG}"),
                &[region],
            )
            .when(
                "StringLike",
                &format!("aws:ResourceTag/{NODECLASS_TAG}"),
                &["*"],
            )
            .when(
                "StringLike",
                &format!("aws:RequestTag/{NODECLASS_TAG}"),
                &["*"],
            ),
            Statement::allow(
                format!("KarpenterManageOwnedInstanceProfiles{n}"),
                &[
                    "iam:AddRoleToInstanceProfile",
                    "iam:DeleteInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile",
                ],
                instance_profiles.clone(),
            )
            .when("StringEquals", &resource_owned, &["owned"])
            .when(
                "StringEquals",
                &format!("aws:ResourceTag/{REGION_TAG}"),
                &[region],
            )
            .when(
                "StringLike",
                &format!("aws:ResourceTag/{NODECLASS_TAG}"),
                &["*"],
            ),
        ]);
    }
    statements.extend([
        Statement::allow(
            "KarpenterPassNodeRole",
            &["iam:PassRole"],
            ctx.arg(PresetArg::NodeRoleArns).to_vec(),
        )
        .when(
            "StringEquals",
            "iam:PassedToService",
            &["ec2.amazonaws.com", "ec2.amazonaws.com.cn"],
        ),
        Statement::allow(
            "KarpenterReadInstanceProfiles",
            &["iam:GetInstanceProfile"],
            instance_profiles,
        ),
        Statement::allow(
            "KarpenterListInstanceProfiles",
            &["iam:ListInstanceProfiles"],
            vec!["*".into()],
        ),
        Statement::allow(
            "KarpenterDescribeCluster",
            &["eks:DescribeCluster"],
            clusters.clone(),
        ),
        Statement::allow(
            "KarpenterZonalShiftStatus",
            &["arc-zonal-shift:GetManagedResource"],
            vec!["*".into()],
        )
        .when(
            "StringEquals",
            "arc-zonal-shift:ResourceIdentifier",
            &clusters.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
        Statement::allow(
            "KarpenterDescribeRegion",
            &[
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeInstances",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            vec!["*".into()],
        )
        .when("StringEquals", "aws:RequestedRegion", &[region]),
        Statement::allow(
            "KarpenterReadPublicParameters",
            &["ssm:GetParameter"],
            // AWS's public parameters name no account: upstream's ARN
            // leaves it empty, where `*` would also match every account's
            // parameters under that path.
            vec![format!("arn:{p}:ssm:{region}::parameter/aws/service/*")],
        ),
        Statement::allow(
            "KarpenterReadPrices",
            &["pricing:GetProducts"],
            vec!["*".into()],
        ),
    ]);
    let queues = ctx.arg(PresetArg::QueueArns);
    if !queues.is_empty() {
        statements.push(Statement::allow(
            "KarpenterInterruptionQueue",
            &["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            queues.to_vec(),
        ));
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aws::Partition;

    fn statements_with(args: &[(PresetArg, &str)]) -> Vec<Statement> {
        let mut given: BTreeMap<PresetArg, Vec<String>> = BTreeMap::new();
        for (arg, value) in args {
            given.entry(*arg).or_default().push((*value).to_string());
        }
        statements(&PresetContext {
            partition: Partition::Aws,
            account_id: "111122223333",
            region: "eu-west-2",
            cluster_names: vec!["platform".into(), "batch".into()],
            args: given,
        })
    }

    const NODE_ROLE: &str = "arn:aws:iam::111122223333:role/KarpenterNodeRole-platform";
    const QUEUE: &str = "arn:aws:sqs:eu-west-2:111122223333:platform-interruptions";

    fn granting<'a>(statements: &'a [Statement], action: &str) -> Vec<&'a Statement> {
        statements
            .iter()
            .filter(|s| s.action.0.iter().any(|a| a == action))
            .collect()
    }

    #[test]
    fn only_the_given_node_roles_are_passed_and_only_to_ec2() {
        let statements = statements_with(&[(PresetArg::NodeRoleArns, NODE_ROLE)]);
        let pass = granting(&statements, "iam:PassRole");
        assert_eq!(pass.len(), 1);
        assert_eq!(pass[0].resource.0, [NODE_ROLE]);
        assert_eq!(
            pass[0].condition["StringEquals"]["iam:PassedToService"].0,
            ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]
        );
    }

    #[test]
    fn queue_actions_only_with_queue_arns_and_only_on_them() {
        let without = statements_with(&[(PresetArg::NodeRoleArns, NODE_ROLE)]);
        assert!(
            without
                .iter()
                .all(|s| s.action.0.iter().all(|a| !a.starts_with("sqs:")))
        );
        let with = statements_with(&[
            (PresetArg::NodeRoleArns, NODE_ROLE),
            (PresetArg::QueueArns, QUEUE),
        ]);
        let receive = granting(&with, "sqs:ReceiveMessage");
        assert_eq!(receive.len(), 1);
        assert_eq!(receive[0].resource.0, [QUEUE]);
    }

    /// Upstream's resource at v1.14.1 (`AllowSSMReadActions`): the public
    /// parameters, which name no account.
    #[test]
    fn public_parameters_are_read_as_upstream_names_them() {
        let statements = statements_with(&[(PresetArg::NodeRoleArns, NODE_ROLE)]);
        let read = granting(&statements, "ssm:GetParameter");
        assert_eq!(read.len(), 1);
        assert_eq!(
            read[0].resource.0,
            ["arn:aws:ssm:eu-west-2::parameter/aws/service/*"]
        );
    }

    #[test]
    fn nodes_are_launched_and_terminated_only_with_each_clusters_tags() {
        let statements = statements_with(&[(PresetArg::NodeRoleArns, NODE_ROLE)]);
        let terminate = granting(&statements, "ec2:TerminateInstances");
        assert_eq!(terminate.len(), 2);
        for (statement, cluster) in terminate.iter().zip(["platform", "batch"]) {
            assert_eq!(
                statement.condition["StringEquals"]
                    [&format!("aws:ResourceTag/kubernetes.io/cluster/{cluster}")]
                    .0,
                ["owned"]
            );
        }
        for statement in granting(&statements, "ec2:CreateLaunchTemplate") {
            let cluster =
                &statement.condition["StringEquals"]["aws:RequestTag/eks:eks-cluster-name"].0;
            assert_eq!(
                statement.condition["StringEquals"]
                    [&format!("aws:RequestTag/kubernetes.io/cluster/{}", cluster[0])]
                    .0,
                ["owned"]
            );
            assert!(
                statement
                    .resource
                    .0
                    .iter()
                    .all(|r| r.starts_with("arn:aws:ec2:eu-west-2:111122223333:"))
            );
        }
        let describe = granting(&statements, "eks:DescribeCluster");
        assert_eq!(
            describe[0].resource.0,
            [
                "arn:aws:eks:eu-west-2:111122223333:cluster/platform",
                "arn:aws:eks:eu-west-2:111122223333:cluster/batch"
            ]
        );
    }
}
