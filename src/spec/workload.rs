//! `[workloads.<key>]`.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Grant, IpFamily, Spanned};

/// One Kubernetes ServiceAccount, in one namespace, in one or more clusters.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// The cluster (key) the ServiceAccount lives in. Use `clusters` for several.
    pub cluster: Option<Spanned<String>>,
    /// The clusters (keys) the ServiceAccount lives in: one role, one
    /// association per cluster.
    pub clusters: Option<Spanned<Vec<Spanned<String>>>>,
    /// The namespace of the ServiceAccount.
    pub namespace: Spanned<String>,
    /// The ServiceAccount name. Default: the key.
    pub service_account: Option<Spanned<String>>,
    /// Whether eksgrant emits the ServiceAccount manifest. Default `true`;
    /// set `false` when a Helm chart or another tool creates it.
    pub create_service_account: Option<Spanned<bool>>,
    /// How pods get AWS credentials: `pod-identity` (default) or `irsa`.
    pub identity: Option<Spanned<Identity>>,
    /// With `identity = "pod-identity"`: `"irsa"` while moving from IRSA. The
    /// role trusts both, and the ServiceAccount keeps its IRSA annotation, so
    /// pods keep working while they restart; remove it once all have.
    pub migrate_from: Option<Spanned<Identity>>,
    /// The IAM role name. Default: `<iam.name_prefix><key>`.
    pub role_name: Option<Spanned<String>>,
    /// AWS permissions of the workload's pods.
    pub aws: Option<WorkloadAws>,
    /// Kubernetes permissions of the workload.
    #[serde(default)]
    pub grants: Vec<Spanned<Grant>>,
    /// Lints the workload itself triggers on purpose, by short name
    /// (`irsa_many_clusters`): they are not reported for it. An entry whose
    /// lint does not fire is a warning.
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
}

/// How pods get AWS credentials (`identity`, `migrate_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Identity {
    /// EKS Pod Identity.
    #[serde(rename = "pod-identity")]
    PodIdentity,
    /// IAM roles for service accounts, through the cluster's OIDC provider.
    #[serde(rename = "irsa")]
    Irsa,
}

/// `[workloads.<key>.aws]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadAws {
    /// Built-in least-privilege policies.
    #[serde(default)]
    pub presets: Vec<Spanned<Preset>>,
    /// Existing managed policies to attach.
    #[serde(default)]
    pub managed_policy_arns: Vec<Spanned<String>>,
    /// Custom IAM statements.
    #[serde(default)]
    pub statements: Vec<Spanned<Statement>>,
    /// The key of an `[accounts.<key>]` table: the permissions go on a role
    /// eksgrant writes in that account, which the pods' Pod Identity role
    /// chains to (the association's `target_role_arn`).
    pub account: Option<Spanned<String>>,
    /// A role outside the spec, in any account, that the pods' Pod Identity
    /// role chains to; its own policies are the pods' permissions.
    pub target_role_arn: Option<Spanned<String>>,
    /// `true`: EKS adds no session tags to the role sessions (the
    /// association's `disable_session_tags`). The role's trust then cannot
    /// be narrowed to the workload's ServiceAccount. Default `false`.
    pub disable_session_tags: Option<Spanned<bool>>,
}

/// A built-in policy and the arguments that scope it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// The preset's name (`eksgrant presets` and docs/spec.md list them).
    #[schemars(with = "super::schema::PresetName")]
    pub name: Spanned<String>,
    /// S3 bucket ARNs the preset may use (`arn:aws:s3:::NAME`).
    pub bucket_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// AWS Private CA certificate authority ARNs the preset may issue from.
    pub certificate_authority_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// Route 53 hosted zone IDs the preset may change.
    pub hosted_zone_ids: Option<Spanned<Vec<Spanned<String>>>>,
    /// The IP family of the pods the preset serves: `ipv4` (default) or
    /// `ipv6`.
    pub ip_family: Option<Spanned<IpFamily>>,
    /// KMS key ARNs the preset may use.
    pub kms_key_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// IAM role ARNs of the nodes the controller launches (it passes them).
    pub node_role_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// SSM Parameter Store parameter ARNs the preset may read.
    pub parameter_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// SQS queue ARNs the preset may consume.
    pub queue_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// Secrets Manager secret ARNs the preset may read (a trailing `*`
    /// matches the random suffix).
    pub secret_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// Amazon Managed Service for Prometheus workspace ARNs.
    pub workspace_arns: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A custom IAM policy statement.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Statement ID (letters and digits). Default: `Custom<n>`.
    pub sid: Option<Spanned<String>>,
    /// `Allow` (default) or `Deny`.
    pub effect: Option<Spanned<Effect>>,
    /// Actions, e.g. `s3:GetObject`.
    pub actions: Spanned<Vec<Spanned<String>>>,
    /// Resource ARNs, or `*`.
    pub resources: Spanned<Vec<Spanned<String>>>,
    /// Conditions, each `{ test, variable, values }`.
    #[serde(default)]
    pub conditions: Vec<Spanned<Condition>>,
    /// Lints this statement triggers on purpose, by short name
    /// (`iam_wildcard`): they are not reported for it. An entry whose lint
    /// does not fire is a warning.
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
}

pub use crate::aws::iam::Effect;

/// An IAM condition, in the shape of Terraform's `aws_iam_policy_document`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The condition operator, e.g. `StringEquals`.
    pub test: Spanned<String>,
    /// The condition key, e.g. `aws:ResourceTag/team`.
    pub variable: Spanned<String>,
    /// The values; any one matches.
    pub values: Spanned<Vec<Spanned<String>>>,
}
