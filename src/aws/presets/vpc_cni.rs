//! Amazon VPC CNI plugin (aws/amazon-vpc-cni-k8s), the `aws-node` DaemonSet.
//!
//! Written from `docs/iam-policy.md` at v1.23.0. Its IPv4 policy is the
//! managed `AmazonEKS_CNI_Policy`, whose actions the preset grants; it scopes
//! them as the same document's "Scope-down IAM policy per EKS cluster" does:
//! network interfaces are created only tagged `cluster.k8s.amazonaws.com/name`
//! = the cluster's name (the CNI tags them so when `CLUSTER_NAME` is set),
//! changed and deleted only when they carry that tag, and attached only to
//! instances tagged `kubernetes.io/cluster/<cluster>` = `owned`. Upstream's
//! `ec2:Vpc` condition is left out: the spec does not know the cluster's VPC
//! (`Upstream::broader` says so, and `eksgrant presets` prints it).
//!
//! With `ip_family = "ipv6"` the preset grants the document's IPv6 policy
//! instead, which only assigns IPv6 prefixes to the node's network
//! interfaces.
//!
//! Beyond upstream: network interfaces and instances are pinned to the spec's
//! region and account. Subnets and security groups keep any account (they
//! can be shared from another account through AWS RAM), pinned to the region.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "vpc-cni",
    summary: "manage the network interfaces and pod IP addresses of the workload's clusters' nodes (IPv4, or IPv6 with ip_family)",
    args: &[(PresetArg::IpFamily, Need::Optional)],
    at_least_one: &[],
    deployment_note: Some(
        "for IPv4, set CLUSTER_NAME on the aws-node DaemonSet to the cluster's name (replace nodes whose network interfaces predate it), and tag nodes kubernetes.io/cluster/<cluster> = owned",
    ),
    upstream: Upstream {
        source: "aws/amazon-vpc-cni-k8s docs/iam-policy.md v1.23.0 (IPv4 mode, AmazonEKS_CNI_Policy; scoped as its per-cluster scope-down policy)",
        actions: IPV4_ACTIONS,
        dropped: &[],
        added: &[],
        narrowed: &[
            Scoping {
                statements: &[
                    "VpcCniTagNetworkInterfaces",
                    "VpcCniCreateNetworkInterfaces",
                    "VpcCniManageNetworkInterfaces",
                    "VpcCniAttachToNodes",
                    "VpcCniSetSecurityGroups",
                ],
                why: "upstream's scope-down statements and conditions, with network interfaces and instances in the spec's region and account and security groups in its region (of any account: shared through AWS RAM), where upstream allows any region and account",
            },
            Scoping {
                statements: &["VpcCniAssignIpv6Addresses"],
                why: "with ip_family = \"ipv6\": on network interfaces of the spec's region and account, where the IPv6 policy says *",
            },
        ],
        broader: &[Scoping {
            statements: &["VpcCniUseSubnetsAndSecurityGroups"],
            why: "ec2:CreateNetworkInterface on subnets and security groups: upstream's scope-down policy also requires ArnEquals ec2:Vpc = the cluster's VPC, which the spec does not know: the preset allows them in any VPC of the region, and still creates only interfaces tagged with the cluster's name",
        }],
    },
    statements,
};

/// The IPv4 policy's actions.
const IPV4_ACTIONS: &[&str] = &[
    "ec2:AssignPrivateIpAddresses",
    "ec2:AttachNetworkInterface",
    "ec2:CreateNetworkInterface",
    "ec2:CreateTags",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DetachNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
    "ec2:UnassignPrivateIpAddresses",
];

const ENI_CLUSTER_TAG: &str = "cluster.k8s.amazonaws.com/name";

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let network_interfaces = vec![ctx.arn("ec2", "network-interface/*")];
    let describe = Statement::allow(
        "VpcCniDescribe",
        &[
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeTags",
        ],
        vec!["*".into()],
    );
    // The CNI tags every network interface it manages, the node's primary
    // one included, with the cluster's name: upstream leaves this open.
    let tag = Statement::allow(
        "VpcCniTagNetworkInterfaces",
        &["ec2:CreateTags"],
        network_interfaces.clone(),
    );
    if ctx.arg(PresetArg::IpFamily) == ["ipv6"] {
        return vec![
            describe,
            tag,
            Statement::allow(
                "VpcCniAssignIpv6Addresses",
                &["ec2:AssignIpv6Addresses"],
                network_interfaces,
            ),
        ];
    }

    let any_account = |resource: &str| {
        format!(
            "arn:{}:ec2:{}:*:{resource}",
            ctx.partition.as_str(),
            ctx.region
        )
    };
    let clusters: Vec<&str> = ctx.cluster_names.iter().map(String::as_str).collect();
    let mut statements = vec![
        describe,
        tag,
        Statement::allow(
            "VpcCniCreateNetworkInterfaces",
            &["ec2:CreateNetworkInterface"],
            network_interfaces.clone(),
        )
        .when(
            "StringEquals",
            &format!("aws:RequestTag/{ENI_CLUSTER_TAG}"),
            &clusters,
        ),
        Statement::allow(
            "VpcCniUseSubnetsAndSecurityGroups",
            &["ec2:CreateNetworkInterface"],
            vec![any_account("subnet/*"), any_account("security-group/*")],
        ),
        Statement::allow(
            "VpcCniManageNetworkInterfaces",
            &[
                "ec2:AssignPrivateIpAddresses",
                "ec2:AttachNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DetachNetworkInterface",
                "ec2:ModifyNetworkInterfaceAttribute",
                "ec2:UnassignPrivateIpAddresses",
            ],
            network_interfaces,
        )
        .when(
            "StringEquals",
            &format!("aws:ResourceTag/{ENI_CLUSTER_TAG}"),
            &clusters,
        ),
        Statement::allow(
            "VpcCniSetSecurityGroups",
            &["ec2:ModifyNetworkInterfaceAttribute"],
            vec![any_account("security-group/*")],
        ),
    ];
    // Each cluster's node tag has a key of its own: a statement each.
    for (n, name) in ctx.cluster_names.iter().enumerate() {
        statements.push(
            Statement::allow(
                format!("VpcCniAttachToNodes{}", n + 1),
                &[
                    "ec2:AttachNetworkInterface",
                    "ec2:DetachNetworkInterface",
                    "ec2:ModifyNetworkInterfaceAttribute",
                ],
                vec![ctx.arn("ec2", "instance/*")],
            )
            .when(
                "StringEquals",
                &format!("aws:ResourceTag/kubernetes.io/cluster/{name}"),
                &["owned"],
            ),
        );
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::aws::Partition;

    fn statements_for(ip_family: Option<&str>) -> Vec<Statement> {
        let mut args = BTreeMap::new();
        if let Some(family) = ip_family {
            args.insert(PresetArg::IpFamily, vec![family.to_string()]);
        }
        statements(&PresetContext {
            partition: Partition::Aws,
            account_id: "111122223333",
            region: "eu-west-2",
            cluster_names: vec!["platform".into(), "batch".into()],
            args,
        })
    }

    fn actions(statements: &[Statement]) -> BTreeSet<&str> {
        statements
            .iter()
            .flat_map(|s| s.action.0.iter().map(String::as_str))
            .collect()
    }

    #[test]
    fn ipv4_is_the_default() {
        assert_eq!(
            actions(&statements_for(None)),
            IPV4_ACTIONS.iter().copied().collect()
        );
    }

    #[test]
    fn network_interfaces_are_changed_only_when_tagged_with_a_cluster() {
        let statements = statements_for(Some("ipv4"));
        let manage = statements
            .iter()
            .find(|s| s.sid == "VpcCniManageNetworkInterfaces")
            .unwrap();
        assert_eq!(
            manage.condition["StringEquals"]["aws:ResourceTag/cluster.k8s.amazonaws.com/name"].0,
            ["platform", "batch"]
        );
        assert_eq!(
            manage.resource.0,
            ["arn:aws:ec2:eu-west-2:111122223333:network-interface/*"]
        );
        let nodes: Vec<&Statement> = statements
            .iter()
            .filter(|s| s.sid.starts_with("VpcCniAttachToNodes"))
            .collect();
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            nodes[1].condition["StringEquals"]["aws:ResourceTag/kubernetes.io/cluster/batch"].0,
            ["owned"]
        );
    }

    /// The one condition of upstream's scope-down policy the preset cannot
    /// write, ec2:Vpc, is missing from the statement on subnets and
    /// security groups, and `eksgrant presets` says so.
    #[test]
    fn the_missing_vpc_condition_is_listed_as_a_broadening() {
        let statements = statements_for(None);
        let placement = statements
            .iter()
            .find(|s| {
                s.action.0 == ["ec2:CreateNetworkInterface"]
                    && s.resource.0.iter().any(|r| r.contains(":subnet/"))
            })
            .unwrap();
        assert!(
            placement
                .condition
                .values()
                .all(|keys| !keys.contains_key("ec2:Vpc"))
        );
        let described = crate::aws::presets::describe();
        let vpc_cni = &described[described.find("vpc-cni\n").unwrap()..];
        assert!(
            vpc_cni.contains("broader than upstream in VpcCniUseSubnetsAndSecurityGroups: ec2:CreateNetworkInterface on subnets and security groups: upstream's scope-down policy also requires ArnEquals ec2:Vpc"),
            "{vpc_cni}"
        );
    }
}
