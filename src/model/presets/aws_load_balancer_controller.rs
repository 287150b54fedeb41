//! AWS Load Balancer Controller (kubernetes-sigs/aws-load-balancer-controller).
//!
//! The actions are those of the controller's published IAM policy (v2.13,
//! with `ec2:DescribeRouteTables`),
//! grouped by purpose. The controller marks everything it creates with the
//! `elbv2.k8s.aws/cluster` tag; the conditions let it create resources only
//! with that tag and change or delete only resources that carry it.
//!
//! Where the published policy says `"Resource": "*"` for an action that IAM
//! can scope, this preset names the resource type instead, pinned to the
//! spec's region and account (the controller only ever works there), following
//! the IAM service authorization reference. Three further differences:
//!
//! - the service-linked role it may create is named;
//! - tagging a load balancer or target group at creation is allowed while the
//!   resource carries no cluster tag yet (`aws:ResourceTag` is absent while a
//!   resource is being created), instead of through the
//!   `elasticloadbalancing:CreateAction` condition key, which policy linters
//!   such as parliament do not know yet. The published policy forbids tagging
//!   an existing load balancer this way; this one allows it for load
//!   balancers no controller has tagged, which the controller could already
//!   take over through its listener and rule permissions;
//! - `elasticloadbalancing:ModifyIpPools` (IPAM pools for ALBs) is left out, for
//!   the same reason; add it as a custom statement if you use that feature.

use super::{PresetContext, PresetDef};
use crate::model::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "aws-load-balancer-controller",
    summary: "create and manage ALBs/NLBs, target groups and their security groups, limited to resources tagged elbv2.k8s.aws/cluster",
    required_args: &[],
    deployment_note: Some(
        "set the chart's region and vpcId values unless pods can reach the instance metadata service; the preset does not grant elasticloadbalancing:ModifyIpPools (IPAM pools)",
    ),
    statements,
};

const CLUSTER_TAG: &str = "elbv2.k8s.aws/cluster";

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let p = ctx.partition.as_str();
    let (region, account) = (ctx.region, ctx.account_id);
    let elb =
        |resource: &str| format!("arn:{p}:elasticloadbalancing:{region}:{account}:{resource}");
    let ec2 = |resource: &str| format!("arn:{p}:ec2:{region}:{account}:{resource}");
    let request_tag = format!("aws:RequestTag/{CLUSTER_TAG}");
    let resource_tag = format!("aws:ResourceTag/{CLUSTER_TAG}");

    let load_balancers = [elb("loadbalancer/app/*/*"), elb("loadbalancer/net/*/*")];
    let target_groups = [elb("targetgroup/*/*")];
    let listeners = [elb("listener/app/*/*/*"), elb("listener/net/*/*/*")];
    let rules = [
        elb("listener-rule/app/*/*/*/*"),
        elb("listener-rule/net/*/*/*/*"),
    ];
    let balancers_and_groups: Vec<String> = load_balancers
        .iter()
        .chain(&target_groups)
        .cloned()
        .collect();
    let security_groups = ec2("security-group/*");

    vec![
        Statement::allow(
            "LbcCreateServiceLinkedRole",
            &["iam:CreateServiceLinkedRole"],
            vec![format!(
                "arn:{p}:iam::{account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
            )],
        )
        .when("StringEquals", "iam:AWSServiceName", &["elasticloadbalancing.amazonaws.com"]),
        // Actions IAM cannot scope to a resource.
        Statement::allow(
            "LbcDescribe",
            &[
                "acm:ListCertificates",
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCoipPools",
                "ec2:DescribeInstances",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeIpamPools",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeTags",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeVpcs",
                "elasticloadbalancing:DescribeCapacityReservation",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:SetWebAcl",
                "iam:ListServerCertificates",
                "shield:CreateProtection",
                "shield:GetSubscriptionState",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "LbcReadNetwork",
            &["ec2:GetCoipPoolUsage", "ec2:GetSecurityGroupsForVpc"],
            vec![ec2("coip-pool/*"), ec2("vpc/*")],
        ),
        Statement::allow(
            "LbcReadCertificatesAndUserPools",
            &["acm:DescribeCertificate", "cognito-idp:DescribeUserPoolClient", "iam:GetServerCertificate"],
            vec![
                format!("arn:{p}:acm:{region}:{account}:certificate/*"),
                format!("arn:{p}:cognito-idp:{region}:{account}:userpool/*"),
                format!("arn:{p}:iam::{account}:server-certificate/*"),
            ],
        ),
        Statement::allow(
            "LbcWebAcls",
            &[
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
            ],
            vec![
                format!("arn:{p}:waf-regional:{region}:{account}:webacl/*"),
                format!("arn:{p}:wafv2:{region}:{account}:regional/webacl/*/*"),
                elb("loadbalancer/app/*/*"),
            ],
        ),
        // The controller looks protections up by load balancer ARN, so both
        // resource types are named.
        Statement::allow(
            "LbcShieldProtections",
            &["shield:DeleteProtection", "shield:DescribeProtection"],
            vec![format!("arn:{p}:shield::{account}:protection/*"), elb("loadbalancer/app/*/*")],
        ),
        Statement::allow(
            "LbcSecurityGroupRules",
            &[
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CreateSecurityGroup",
                "ec2:RevokeSecurityGroupIngress",
            ],
            vec![security_groups.clone(), ec2("security-group-rule/*"), ec2("vpc/*")],
        ),
        Statement::allow("LbcTagNewSecurityGroups", &["ec2:CreateTags"], vec![security_groups.clone()])
            .when("StringEquals", "ec2:CreateAction", &["CreateSecurityGroup"])
            .when("Null", &request_tag, &["false"]),
        Statement::allow(
            "LbcRetagOwnedSecurityGroups",
            &["ec2:CreateTags", "ec2:DeleteTags"],
            vec![security_groups.clone()],
        )
        .when("Null", &request_tag, &["true"])
        .when("Null", &resource_tag, &["false"]),
        Statement::allow("LbcDeleteOwnedSecurityGroups", &["ec2:DeleteSecurityGroup"], vec![security_groups])
            .when("Null", &resource_tag, &["false"]),
        Statement::allow(
            "LbcCreateTaggedLoadBalancers",
            &[
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateTargetGroup",
            ],
            balancers_and_groups.clone(),
        )
        .when("Null", &request_tag, &["false"]),
        Statement::allow(
            "LbcTagOnCreate",
            &["elasticloadbalancing:AddTags"],
            balancers_and_groups.clone(),
        )
        .when("Null", &request_tag, &["false"])
        .when("Null", &resource_tag, &["true"]),
        Statement::allow(
            "LbcRetagOwnedLoadBalancers",
            &["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            balancers_and_groups.clone(),
        )
        .when("Null", &request_tag, &["true"])
        .when("Null", &resource_tag, &["false"]),
        Statement::allow(
            "LbcTagListenersAndRules",
            &["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            listeners.iter().chain(&rules).cloned().collect(),
        ),
        Statement::allow(
            "LbcManageOwnedLoadBalancers",
            &[
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
            ],
            balancers_and_groups.iter().chain(&listeners).cloned().collect(),
        )
        .when("Null", &resource_tag, &["false"]),
        Statement::allow(
            "LbcRegisterTargets",
            &[
                "elasticloadbalancing:DeregisterTargets",
                "elasticloadbalancing:RegisterTargets",
            ],
            target_groups.to_vec(),
        ),
        Statement::allow(
            "LbcListenersAndRules",
            &[
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:SetRulePriorities",
            ],
            load_balancers.iter().chain(&listeners).chain(&rules).cloned().collect(),
        ),
    ]
}
