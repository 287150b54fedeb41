//! What the AWS identity that runs the generated Terraform must be allowed,
//! for `ACCESS.md`'s "Applying": one group of actions per kind of resource
//! the spec's roots hold, with the resources they act on, so that a
//! platform team can write that identity's policy instead of reaching for
//! `AdministratorAccess`.
//!
//! The actions are those the AWS provider calls to create, read, update and
//! delete each resource (its `aws_*` resources' CRUD functions), and those
//! EKS calls as the caller: `iam:PassRole` for the roles a cluster or a Pod
//! Identity association is given (the EKS user guide's target-role page:
//! "EKS Pod Identity uses PassRole to connect a role to a Kubernetes
//! service account"), and `kms:CreateGrant` on the key that encrypts a
//! cluster's Secrets.

use serde::Serialize;

use crate::aws::arn;
use crate::model::{Model, OtherAccount};
use crate::spec::Partition;

/// Roles, their policies and attachments.
const IAM_ROLES: &[&str] = &[
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:DeleteRole",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
];

/// Customer managed policies.
const IAM_POLICIES: &[&str] = &[
    "iam:CreatePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
    "iam:DeletePolicy",
];

/// The inline policy of a created cluster's role, for a Secrets key of the
/// user's.
const IAM_INLINE_POLICIES: &[&str] = &[
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
];

/// IAM OIDC providers, for IRSA.
const OIDC_PROVIDERS: &[&str] = &[
    "iam:CreateOpenIDConnectProvider",
    "iam:GetOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:DeleteOpenIDConnectProvider",
];

/// Creating clusters, which EKS checks the subnets of as the caller:
/// calls on no resource eksgrant can name beforehand.
const EKS_CLUSTER_CREATION: &[&str] = &[
    "eks:CreateCluster",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeSecurityGroups",
];

/// The created clusters themselves.
const EKS_CLUSTERS: &[&str] = &[
    "eks:DescribeCluster",
    "eks:DescribeUpdate",
    "eks:UpdateClusterConfig",
    "eks:UpdateClusterVersion",
    "eks:TagResource",
    "eks:UntagResource",
    "eks:DeleteCluster",
];

/// Add-ons, and the data source that finds their versions.
const EKS_ADDONS: &[&str] = &[
    "eks:CreateAddon",
    "eks:DescribeAddon",
    "eks:UpdateAddon",
    "eks:DeleteAddon",
];

/// Access entries and their access policies.
const EKS_ACCESS_ENTRIES: &[&str] = &[
    "eks:CreateAccessEntry",
    "eks:DescribeAccessEntry",
    "eks:UpdateAccessEntry",
    "eks:DeleteAccessEntry",
    "eks:AssociateAccessPolicy",
    "eks:ListAssociatedAccessPolicies",
    "eks:DisassociateAccessPolicy",
];

/// Pod Identity associations.
const EKS_POD_IDENTITY: &[&str] = &[
    "eks:CreatePodIdentityAssociation",
    "eks:DescribePodIdentityAssociation",
    "eks:UpdatePodIdentityAssociation",
    "eks:DeletePodIdentityAssociation",
];

/// Creating a KMS key, and finding aliases: calls on no resource.
const KMS_KEY_CREATION: &[&str] = &["kms:CreateKey", "kms:ListAliases"];

/// The KMS key of a created cluster, and its alias.
const KMS_KEYS: &[&str] = &[
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
];

/// A created cluster's control-plane log group.
const LOG_GROUPS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:PutRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:ListTagsForResource",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:DeleteLogGroup",
];

/// Ingress rules to a created cluster's private endpoint.
const INGRESS_RULES: &[&str] = &[
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:DescribeSecurityGroupRules",
    "ec2:ModifySecurityGroupRules",
    "ec2:CreateTags",
    "ec2:RevokeSecurityGroupIngress",
];

/// One group of actions, on what.
#[derive(Debug, Serialize)]
pub(super) struct Grant {
    /// What the actions are for, in words.
    what: &'static str,
    actions: &'static [&'static str],
    /// The resources they act on, as ARN patterns; `*` where the API takes
    /// no resource or the resource's ID is made by AWS.
    resources: Vec<String>,
}

/// The identity that applies the roots, and what it needs.
#[derive(Debug, Serialize)]
pub(super) struct Applier {
    /// The spec's account.
    account_id: String,
    /// In that account.
    grants: Vec<Grant>,
    /// The roles it passes to EKS (cluster, node and Pod Identity roles),
    /// as an ARN pattern.
    passes_roles: String,
    /// Whether the spec creates clusters, whose roles EKS is given.
    creates_clusters: bool,
    /// Whether one of them runs EKS Auto Mode, which is given its nodes'
    /// role too.
    auto_mode: bool,
    /// Whether the spec makes Pod Identity associations, each given its
    /// role.
    pod_identity: bool,
    /// Whether a created cluster's Secrets are encrypted with a KMS key,
    /// on which EKS creates a grant as the caller.
    secrets_keys: bool,
    /// The accounts Terraform writes in through a role it assumes.
    other_accounts: Vec<OtherAccountGrant>,
}

/// What the applier needs for another account of the spec.
#[derive(Debug, Serialize)]
pub(super) struct OtherAccountGrant {
    /// The provider that writes there, `aws.<alias>`.
    provider: String,
    id: String,
    /// The role Terraform assumes there, which itself needs the roles'
    /// and policies' groups, on its account's ARNs.
    assume_role_arn: String,
    /// The ARN patterns of the roles and policies eksgrant writes there.
    resources: Vec<String>,
}

impl Applier {
    /// What applying `model`'s roots calls, and on what.
    pub(super) fn of(model: &Model) -> Self {
        let partition = Partition::of_region(&model.region);
        let roles = |account: &str| arn::role_arn(partition, account, &model.iam.path, "*");
        let policies = |account: &str| {
            format!(
                "arn:{}:iam::{account}:policy{}*",
                partition.as_str(),
                model.iam.path
            )
        };
        let created: Vec<_> = model
            .clusters
            .iter()
            .filter_map(|c| c.created.as_ref())
            .collect();
        let clusters: Vec<String> = model.clusters.iter().map(|c| c.arn.clone()).collect();
        let mut grants = vec![
            Grant {
                what: "the spec's clusters, which every root reads",
                actions: &["eks:DescribeCluster"],
                resources: clusters.clone(),
            },
            Grant {
                what: "the IAM roles eksgrant writes, and their attachments",
                actions: IAM_ROLES,
                resources: vec![roles(&model.account_id)],
            },
            Grant {
                what: "the customer managed policies eksgrant writes",
                actions: IAM_POLICIES,
                resources: vec![policies(&model.account_id)],
            },
        ];
        if created
            .iter()
            .any(|c| c.control_plane.secrets_key_policy.is_some())
        {
            grants.push(Grant {
                what: "the inline policy that lets a cluster role use your Secrets key",
                actions: IAM_INLINE_POLICIES,
                resources: vec![roles(&model.account_id)],
            });
        }
        let oidc_providers = vec![arn::oidc_provider_arn(partition, &model.account_id, "*")];
        let providers = model
            .clusters
            .iter()
            .filter_map(|c| c.oidc_provider.as_ref());
        if providers.clone().any(|p| p.create) {
            grants.push(Grant {
                what: "the IAM OIDC providers eksgrant creates, which IRSA roles trust",
                actions: OIDC_PROVIDERS,
                resources: oidc_providers,
            });
        } else if providers.clone().next().is_some() {
            grants.push(Grant {
                what: "the clusters' IAM OIDC providers, which IRSA roles trust and a data source reads",
                actions: &["iam:GetOpenIDConnectProvider"],
                resources: oidc_providers,
            });
        }
        let created_arns: Vec<String> = model
            .clusters
            .iter()
            .filter(|c| c.created.is_some())
            .map(|c| c.arn.clone())
            .collect();
        if !created.is_empty() {
            grants.push(Grant {
                what: "creating clusters (EKS checks their subnets)",
                actions: EKS_CLUSTER_CREATION,
                resources: vec!["*".into()],
            });
            grants.push(Grant {
                what: "EKS's service-linked role, which EKS makes as the caller with the account's first cluster",
                actions: &["iam:CreateServiceLinkedRole"],
                resources: vec![format!(
                    "arn:{}:iam::{}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS",
                    partition.as_str(),
                    model.account_id
                )],
            });
            grants.push(Grant {
                what: "the clusters the spec creates",
                actions: EKS_CLUSTERS,
                resources: created_arns.clone(),
            });
        }
        if created.iter().any(|c| !c.control_plane.addons.is_empty()) {
            grants.push(Grant {
                what: "the add-ons eksgrant installs on the clusters it creates",
                actions: EKS_ADDONS,
                resources: with_subresources(
                    &model
                        .clusters
                        .iter()
                        .filter(|c| {
                            c.created
                                .as_ref()
                                .is_some_and(|c| !c.control_plane.addons.is_empty())
                        })
                        .map(|c| c.arn.clone())
                        .collect::<Vec<_>>(),
                    "addon",
                ),
            });
            grants.push(Grant {
                what: "the add-on versions EKS offers, which a data source finds",
                actions: &["eks:DescribeAddonVersions"],
                resources: vec!["*".into()],
            });
        }
        if model
            .clusters
            .iter()
            .any(|c| !c.access_entries.is_empty() || !c.node_access_entries.is_empty())
        {
            grants.push(Grant {
                what: "access entries and their access policies",
                actions: EKS_ACCESS_ENTRIES,
                resources: with_subresources(&clusters, "access-entry"),
            });
        }
        if model
            .clusters
            .iter()
            .any(|c| !c.pod_identity_workloads.is_empty())
        {
            grants.push(Grant {
                what: "Pod Identity associations",
                actions: EKS_POD_IDENTITY,
                resources: with_subresources(&clusters, "podidentityassociation"),
            });
        }
        if created.iter().any(|c| c.control_plane.kms_key.is_some()) {
            let kms = |resource: &str| {
                format!(
                    "arn:{}:kms:{}:{}:{resource}",
                    partition.as_str(),
                    model.region,
                    model.account_id
                )
            };
            grants.push(Grant {
                what: "creating the clusters' KMS keys",
                actions: KMS_KEY_CREATION,
                resources: vec!["*".into()],
            });
            grants.push(Grant {
                what: "the KMS keys eksgrant creates for clusters (their IDs AWS makes), and their aliases",
                actions: KMS_KEYS,
                resources: vec![kms("key/*"), kms("alias/eksgrant/*")],
            });
        }
        if created.iter().any(|c| c.control_plane.logging.is_some()) {
            grants.push(Grant {
                what: "finding the log groups, a call on no resource",
                actions: &["logs:DescribeLogGroups"],
                resources: vec!["*".into()],
            });
            grants.push(Grant {
                what: "the clusters' control-plane log groups",
                actions: LOG_GROUPS,
                resources: vec![format!(
                    "arn:{}:logs:{}:{}:log-group:/aws/eks/*",
                    partition.as_str(),
                    model.region,
                    model.account_id
                )],
            });
        }
        if model.clusters.iter().any(|c| !c.api_ingress.is_empty()) {
            grants.push(Grant {
                what: "ingress rules to the created clusters' private endpoints",
                actions: INGRESS_RULES,
                resources: vec!["*".into()],
            });
        }
        Applier {
            account_id: model.account_id.clone(),
            grants,
            passes_roles: roles(&model.account_id),
            auto_mode: created.iter().any(|c| c.auto_mode.is_some()),
            pod_identity: model
                .clusters
                .iter()
                .any(|c| !c.pod_identity_workloads.is_empty()),
            creates_clusters: !created.is_empty(),
            secrets_keys: created
                .iter()
                .any(|c| c.control_plane.secrets_key_arn.is_some()),
            other_accounts: model
                .accounts
                .iter()
                .map(|other: &OtherAccount| OtherAccountGrant {
                    provider: other.provider.clone(),
                    id: other.id.clone(),
                    assume_role_arn: other.assume_role_arn.clone(),
                    resources: vec![roles(&other.id), policies(&other.id)],
                })
                .collect(),
        }
    }
}

/// Each cluster's ARN, and the ARNs of its `kind` sub-resources (their IDs
/// are made by EKS): what an access entry or association call acts on.
fn with_subresources(clusters: &[String], kind: &str) -> Vec<String> {
    clusters
        .iter()
        .flat_map(|cluster| {
            let sub = cluster.replacen(":cluster/", &format!(":{kind}/"), 1);
            [cluster.clone(), format!("{sub}/*")]
        })
        .collect()
}
