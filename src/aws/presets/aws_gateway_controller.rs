//! AWS Gateway API Controller for Amazon VPC Lattice
//! (aws/aws-application-networking-k8s).
//!
//! Written from `files/controller-installation/recommended-inline-policy.json`
//! at v2.1.3, which grants everything but the two service-linked roles on
//! `*`, VPC Lattice as `vpc-lattice:*`. The preset differs in three ways:
//!
//! - Instead of the whole service, it names the VPC Lattice actions the
//!   controller calls: the methods of its `Lattice` interface and their
//!   paginators in `pkg/aws/services/vpclattice.go` at v2.1.3 (`BatchUpdateRule`
//!   is authorized as `UpdateRule`). The list calls take no resource and stay
//!   on `*`; every other one is granted on VPC Lattice resources of the
//!   spec's region only, of any account, because service networks shared
//!   through AWS RAM carry their owner's account.
//! - It leaves out `s3:PutBucketPolicy`: on any bucket it lets the controller
//!   grant itself the bucket's objects. Log delivery needs it only to add its
//!   own statement to a bucket policy that lacks it, which the bucket's owner
//!   can do instead. `s3:GetBucketPolicy` stays, on buckets of the spec's
//!   account (`s3:ResourceAccount`).
//! - `firehose:TagDeliveryStream` names delivery streams of the spec's region
//!   and account, and the service-linked roles of VPC Lattice and log
//!   delivery are those of the spec's partition and account, with upstream's
//!   conditions.
//!
//! The EC2, ACM, tagging and log delivery calls take no resource and stay
//! on `*`.

use super::{PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "aws-gateway-controller",
    summary: "manage VPC Lattice services, service networks, target groups and access logs for Gateway API resources",
    args: &[],
    at_least_one: &[],
    deployment_note: Some(
        "run the controller in the spec's region (set REGION unless pods can reach the instance metadata service); S3 buckets for access logs must be the spec's account's and already allow delivery.logs.amazonaws.com to write (the preset leaves out s3:PutBucketPolicy)",
    ),
    upstream: Upstream {
        source: "aws/aws-application-networking-k8s files/controller-installation/recommended-inline-policy.json v2.1.3",
        actions: &[
            "acm:ListCertificates",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeTags",
            "ec2:DescribeVpcs",
            "firehose:TagDeliveryStream",
            "iam:CreateServiceLinkedRole",
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies",
            "logs:GetLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:UpdateLogDelivery",
            "s3:GetBucketPolicy",
            "s3:PutBucketPolicy",
            "tag:GetResources",
            "tag:TagResources",
            "tag:UntagResources",
            "vpc-lattice:*",
        ],
        dropped: &[
            (
                "vpc-lattice:*",
                "the whole service: the preset names the actions of it the controller calls",
            ),
            (
                "s3:PutBucketPolicy",
                "lets the controller give itself any bucket's objects. What breaks: access logs to an S3 bucket whose policy does not yet let delivery.logs.amazonaws.com write (its owner adds that statement once). For upstream's form, grant it on the log buckets in the workload's aws.statements",
            ),
        ],
        added: ADDED,
        narrowed: &[
            Scoping {
                statements: &["AwsGatewayControllerLattice"],
                why: "the VPC Lattice actions the controller calls on VPC Lattice resources of the spec's region, of any account (service networks shared through AWS RAM carry their owner's), where upstream's vpc-lattice:* is on *",
            },
            Scoping {
                statements: &["AwsGatewayControllerTagFirehose"],
                why: "on delivery streams of the spec's region and account, where upstream says *",
            },
            Scoping {
                statements: &["AwsGatewayControllerReadBucketPolicy"],
                why: "on buckets of the spec's account (s3:ResourceAccount), where upstream says *",
            },
            Scoping {
                statements: &[
                    "AwsGatewayControllerLatticeRole",
                    "AwsGatewayControllerLogDeliveryRole",
                ],
                why: "the service-linked roles of the spec's account, where upstream names them in any account; upstream's iam:AWSServiceName conditions kept",
            },
        ],
        broader: &[],
    },
    statements,
};

/// Why each VPC Lattice action is granted.
const CALLED: &str = "within upstream's vpc-lattice:*; the controller calls it (pkg/aws/services/vpclattice.go v2.1.3)";

/// The VPC Lattice list calls the controller makes that take no resource.
const LATTICE_LISTS: &[&str] = &[
    "vpc-lattice:ListAccessLogSubscriptions",
    "vpc-lattice:ListListeners",
    "vpc-lattice:ListRules",
    "vpc-lattice:ListServiceNetworkServiceAssociations",
    "vpc-lattice:ListServiceNetworkVpcAssociations",
    "vpc-lattice:ListServiceNetworks",
    "vpc-lattice:ListServices",
    "vpc-lattice:ListTagsForResource",
    "vpc-lattice:ListTargetGroups",
];

/// The other VPC Lattice calls the controller makes, each on a resource.
const LATTICE_RESOURCES: &[&str] = &[
    "vpc-lattice:CreateAccessLogSubscription",
    "vpc-lattice:CreateListener",
    "vpc-lattice:CreateRule",
    "vpc-lattice:CreateService",
    "vpc-lattice:CreateServiceNetwork",
    "vpc-lattice:CreateServiceNetworkServiceAssociation",
    "vpc-lattice:CreateServiceNetworkVpcAssociation",
    "vpc-lattice:CreateTargetGroup",
    "vpc-lattice:DeleteAccessLogSubscription",
    "vpc-lattice:DeleteAuthPolicy",
    "vpc-lattice:DeleteListener",
    "vpc-lattice:DeleteRule",
    "vpc-lattice:DeleteService",
    "vpc-lattice:DeleteServiceNetwork",
    "vpc-lattice:DeleteServiceNetworkServiceAssociation",
    "vpc-lattice:DeleteServiceNetworkVpcAssociation",
    "vpc-lattice:DeleteTargetGroup",
    "vpc-lattice:DeregisterTargets",
    "vpc-lattice:GetAccessLogSubscription",
    "vpc-lattice:GetAuthPolicy",
    "vpc-lattice:GetListener",
    "vpc-lattice:GetRule",
    "vpc-lattice:GetService",
    "vpc-lattice:GetServiceNetwork",
    "vpc-lattice:GetServiceNetworkServiceAssociation",
    "vpc-lattice:GetServiceNetworkVpcAssociation",
    "vpc-lattice:GetTargetGroup",
    "vpc-lattice:ListTargets",
    "vpc-lattice:PutAuthPolicy",
    "vpc-lattice:RegisterTargets",
    "vpc-lattice:TagResource",
    "vpc-lattice:UntagResource",
    "vpc-lattice:UpdateAccessLogSubscription",
    "vpc-lattice:UpdateListener",
    "vpc-lattice:UpdateRule",
    "vpc-lattice:UpdateService",
    "vpc-lattice:UpdateServiceNetwork",
    "vpc-lattice:UpdateServiceNetworkVpcAssociation",
    "vpc-lattice:UpdateTargetGroup",
];

/// Every VPC Lattice action granted, each with [`CALLED`].
const ADDED: &[(&str, &str)] = &[
    ("vpc-lattice:CreateAccessLogSubscription", CALLED),
    ("vpc-lattice:CreateListener", CALLED),
    ("vpc-lattice:CreateRule", CALLED),
    ("vpc-lattice:CreateService", CALLED),
    ("vpc-lattice:CreateServiceNetwork", CALLED),
    ("vpc-lattice:CreateServiceNetworkServiceAssociation", CALLED),
    ("vpc-lattice:CreateServiceNetworkVpcAssociation", CALLED),
    ("vpc-lattice:CreateTargetGroup", CALLED),
    ("vpc-lattice:DeleteAccessLogSubscription", CALLED),
    ("vpc-lattice:DeleteAuthPolicy", CALLED),
    ("vpc-lattice:DeleteListener", CALLED),
    ("vpc-lattice:DeleteRule", CALLED),
    ("vpc-lattice:DeleteService", CALLED),
    ("vpc-lattice:DeleteServiceNetwork", CALLED),
    ("vpc-lattice:DeleteServiceNetworkServiceAssociation", CALLED),
    ("vpc-lattice:DeleteServiceNetworkVpcAssociation", CALLED),
    ("vpc-lattice:DeleteTargetGroup", CALLED),
    ("vpc-lattice:DeregisterTargets", CALLED),
    ("vpc-lattice:GetAccessLogSubscription", CALLED),
    ("vpc-lattice:GetAuthPolicy", CALLED),
    ("vpc-lattice:GetListener", CALLED),
    ("vpc-lattice:GetRule", CALLED),
    ("vpc-lattice:GetService", CALLED),
    ("vpc-lattice:GetServiceNetwork", CALLED),
    ("vpc-lattice:GetServiceNetworkServiceAssociation", CALLED),
    ("vpc-lattice:GetServiceNetworkVpcAssociation", CALLED),
    ("vpc-lattice:GetTargetGroup", CALLED),
    ("vpc-lattice:ListAccessLogSubscriptions", CALLED),
    ("vpc-lattice:ListListeners", CALLED),
    ("vpc-lattice:ListRules", CALLED),
    ("vpc-lattice:ListServiceNetworkServiceAssociations", CALLED),
    ("vpc-lattice:ListServiceNetworkVpcAssociations", CALLED),
    ("vpc-lattice:ListServiceNetworks", CALLED),
    ("vpc-lattice:ListServices", CALLED),
    ("vpc-lattice:ListTagsForResource", CALLED),
    ("vpc-lattice:ListTargetGroups", CALLED),
    ("vpc-lattice:ListTargets", CALLED),
    ("vpc-lattice:PutAuthPolicy", CALLED),
    ("vpc-lattice:RegisterTargets", CALLED),
    ("vpc-lattice:TagResource", CALLED),
    ("vpc-lattice:UntagResource", CALLED),
    ("vpc-lattice:UpdateAccessLogSubscription", CALLED),
    ("vpc-lattice:UpdateListener", CALLED),
    (
        "vpc-lattice:UpdateRule",
        "within upstream's vpc-lattice:*; the controller calls it, and BatchUpdateRule, which IAM authorizes as UpdateRule (pkg/aws/services/vpclattice.go v2.1.3)",
    ),
    ("vpc-lattice:UpdateService", CALLED),
    ("vpc-lattice:UpdateServiceNetwork", CALLED),
    ("vpc-lattice:UpdateServiceNetworkVpcAssociation", CALLED),
    ("vpc-lattice:UpdateTargetGroup", CALLED),
];

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let p = ctx.partition.as_str();
    let service_linked_role = |sid: &str, service: &str, role: &str| {
        Statement::allow(
            sid,
            &["iam:CreateServiceLinkedRole"],
            vec![format!(
                "arn:{p}:iam::{}:role/aws-service-role/{service}/{role}",
                ctx.account_id
            )],
        )
        .when("StringLike", "iam:AWSServiceName", &[service])
    };
    vec![
        Statement::allow(
            "AwsGatewayControllerLattice",
            LATTICE_RESOURCES,
            vec![format!("arn:{p}:vpc-lattice:{}:*:*", ctx.region)],
        ),
        Statement::allow(
            "AwsGatewayControllerListLattice",
            LATTICE_LISTS,
            vec!["*".into()],
        ),
        Statement::allow(
            "AwsGatewayControllerDescribe",
            &[
                "acm:ListCertificates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeTags",
                "ec2:DescribeVpcs",
                "tag:GetResources",
                "tag:TagResources",
                "tag:UntagResources",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "AwsGatewayControllerLogDelivery",
            &[
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "AwsGatewayControllerTagFirehose",
            &["firehose:TagDeliveryStream"],
            vec![ctx.arn("firehose", "deliverystream/*")],
        ),
        Statement::allow(
            "AwsGatewayControllerReadBucketPolicy",
            &["s3:GetBucketPolicy"],
            vec![format!("arn:{p}:s3:::*")],
        )
        .when("StringEquals", "s3:ResourceAccount", &[ctx.account_id]),
        service_linked_role(
            "AwsGatewayControllerLatticeRole",
            "vpc-lattice.amazonaws.com",
            "AWSServiceRoleForVpcLattice",
        ),
        service_linked_role(
            "AwsGatewayControllerLogDeliveryRole",
            "delivery.logs.amazonaws.com",
            "AWSServiceRoleForLogDelivery",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn lattice_is_pinned_to_the_region_and_bucket_policies_are_only_read() {
        let statements = statements(&PresetContext::for_tests(BTreeMap::new()));
        let by_sid = |sid: &str| statements.iter().find(|s| s.sid == sid).unwrap();
        assert_eq!(
            by_sid("AwsGatewayControllerLattice").resource.0,
            ["arn:aws:vpc-lattice:eu-west-2:*:*"]
        );
        assert_eq!(by_sid("AwsGatewayControllerListLattice").resource.0, ["*"]);
        let buckets = by_sid("AwsGatewayControllerReadBucketPolicy");
        assert_eq!(buckets.action.0, ["s3:GetBucketPolicy"]);
        assert_eq!(
            buckets.condition["StringEquals"]["s3:ResourceAccount"].0,
            ["111122223333"]
        );
        assert_eq!(
            by_sid("AwsGatewayControllerLatticeRole").resource.0,
            [
                "arn:aws:iam::111122223333:role/aws-service-role/vpc-lattice.amazonaws.com/AWSServiceRoleForVpcLattice"
            ]
        );
    }

    #[test]
    fn every_lattice_action_granted_is_one_the_controller_calls() {
        let mut granted: Vec<&str> = LATTICE_LISTS
            .iter()
            .chain(LATTICE_RESOURCES)
            .copied()
            .collect();
        granted.sort_unstable();
        let added: Vec<&str> = ADDED.iter().map(|(action, _)| *action).collect();
        assert_eq!(granted, added);
        assert!(LATTICE_LISTS.iter().all(|a| a.contains(":List")));
    }
}
