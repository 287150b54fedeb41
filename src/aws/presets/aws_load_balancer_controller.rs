//! AWS Load Balancer Controller (kubernetes-sigs/aws-load-balancer-controller).
//!
//! The actions and conditions are those of the controller's published IAM
//! policy, `docs/install/iam_policy.json` at v3.5.0, grouped by purpose. The
//! controller marks everything it creates with the `elbv2.k8s.aws/cluster`
//! tag; the conditions let it create resources only with that tag, tag a load
//! balancer or target group only in the call that creates it
//! (`elasticloadbalancing:CreateAction`), and change or delete only resources
//! that carry the tag.
//!
//! Where the published policy says `"Resource": "*"` for an action that IAM
//! can scope, this preset names the resource type instead, pinned to the
//! spec's region and account (the controller only ever works there), following
//! the IAM service authorization reference; and the service-linked role it may
//! create is named.

use super::{PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "aws-load-balancer-controller",
    summary: "create and manage ALBs/NLBs, target groups and their security groups, limited to resources tagged elbv2.k8s.aws/cluster",
    args: &[],
    at_least_one: &[],
    deployment_note: Some(
        "set the chart's region and vpcId values unless pods can reach the instance metadata service",
    ),
    upstream: Upstream {
        source: "kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json v3.5.0",
        actions: UPSTREAM_ACTIONS,
        dropped: &[],
        added: &[],
        narrowed: &[
            Scoping {
                statements: &[
                    "LbcReadNetwork",
                    "LbcReadCertificatesAndUserPools",
                    "LbcWebAcls",
                    "LbcShieldProtections",
                    "LbcSecurityGroupRules",
                    "LbcListenersAndRules",
                    "LbcRegisterTargets",
                ],
                why: "on the resource types IAM scopes these actions to (the service authorization reference), in the spec's region and account, where upstream says * or any region and account",
            },
            Scoping {
                statements: &[
                    "LbcCreateTaggedLoadBalancers",
                    "LbcTagOnCreate",
                    "LbcRetagOwnedLoadBalancers",
                    "LbcTagListenersAndRules",
                    "LbcManageOwnedLoadBalancers",
                    "LbcTagNewSecurityGroups",
                    "LbcRetagOwnedSecurityGroups",
                    "LbcDeleteOwnedSecurityGroups",
                ],
                why: "upstream's conditions on the elbv2.k8s.aws/cluster tag, on load balancers, target groups, listeners, rules and security groups of the spec's region and account, where upstream says * or any region and account",
            },
            Scoping {
                statements: &["LbcCreateServiceLinkedRole"],
                why: "the Elastic Load Balancing service-linked role of the spec's account, where upstream says *; upstream's iam:AWSServiceName condition kept",
            },
        ],
        broader: &[],
    },
    statements,
};

/// Every action of the upstream policy.
const UPSTREAM_ACTIONS: &[&str] = &[
    "acm:DescribeCertificate",
    "acm:ListCertificates",
    "cognito-idp:DescribeUserPoolClient",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateSecurityGroup",
    "ec2:CreateTags",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteTags",
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
    "ec2:GetCoipPoolUsage",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:RevokeSecurityGroupIngress",
    "elasticloadbalancing:AddListenerCertificates",
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:DeregisterTargets",
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
    "elasticloadbalancing:ModifyCapacityReservation",
    "elasticloadbalancing:ModifyIpPools",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:RemoveTags",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetRulePriorities",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:SetWebAcl",
    "iam:CreateServiceLinkedRole",
    "iam:GetServerCertificate",
    "iam:ListServerCertificates",
    "shield:CreateProtection",
    "shield:DeleteProtection",
    "shield:DescribeProtection",
    "shield:GetSubscriptionState",
    "waf-regional:AssociateWebACL",
    "waf-regional:DisassociateWebACL",
    "waf-regional:GetWebACL",
    "waf-regional:GetWebACLForResource",
    "wafv2:AssociateWebACL",
    "wafv2:DisassociateWebACL",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
];

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
        // Only within the call that creates the resource: an existing load
        // balancer without the tag cannot be claimed by tagging it.
        Statement::allow(
            "LbcTagOnCreate",
            &["elasticloadbalancing:AddTags"],
            balancers_and_groups.clone(),
        )
        .when(
            "StringEquals",
            "elasticloadbalancing:CreateAction",
            &["CreateLoadBalancer", "CreateTargetGroup"],
        )
        .when("Null", &request_tag, &["false"]),
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
                "elasticloadbalancing:ModifyIpPools",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn statements() -> Vec<Statement> {
        super::statements(&PresetContext::for_tests(std::collections::BTreeMap::new()))
    }

    #[test]
    fn load_balancers_are_tagged_only_as_they_are_created() {
        let statements = statements();
        let tag_on_create = statements
            .iter()
            .find(|s| s.sid == "LbcTagOnCreate")
            .unwrap();
        assert_eq!(
            tag_on_create.condition["StringEquals"]["elasticloadbalancing:CreateAction"].0,
            ["CreateLoadBalancer", "CreateTargetGroup"]
        );
        // No other statement lets it add the cluster tag to a load balancer
        // or target group that lacks it.
        for statement in &statements {
            let adds_tags = statement
                .action
                .0
                .iter()
                .any(|a| a == "elasticloadbalancing:AddTags");
            let on_balancers = statement
                .resource
                .0
                .iter()
                .any(|r| r.contains(":loadbalancer/") || r.contains(":targetgroup/"));
            if adds_tags && on_balancers && statement.sid != "LbcTagOnCreate" {
                assert_eq!(
                    statement.condition["Null"]["aws:ResourceTag/elbv2.k8s.aws/cluster"].0,
                    ["false"],
                    "{}",
                    statement.sid
                );
            }
        }
    }
}
