//! `[clusters.<key>]`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Spanned;

/// An EKS cluster, existing or created by the generated Terraform.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// The EKS cluster name (1-100 characters, `[0-9A-Za-z][0-9A-Za-z_-]*`).
    /// Default: the key.
    pub name: Option<Spanned<String>>,
    /// How IAM principals are mapped to Kubernetes identities: `API`
    /// (default, access entries), `API_AND_CONFIG_MAP` (access entries, and
    /// node roles and accounts in the aws-auth ConfigMap) or `CONFIG_MAP` (the
    /// aws-auth ConfigMap only).
    pub authentication_mode: Option<Spanned<AuthenticationMode>>,
    /// `true`: the generated Terraform creates the cluster. Default `false`:
    /// the cluster exists and is read with a data source.
    pub create: Option<Spanned<bool>>,
    /// Kubernetes version (`1.33`); required with `create = true`.
    pub kubernetes_version: Option<Spanned<String>>,
    /// Subnets of a created cluster (at least two, in different availability
    /// zones). Omitted: a Terraform variable asks for them.
    pub subnet_ids: Option<Spanned<Vec<Spanned<String>>>>,
    /// Whether a created cluster's API endpoint is reachable from the
    /// internet. Default `false` (private endpoint only).
    pub endpoint_public_access: Option<Spanned<bool>>,
    /// With `endpoint_public_access = true`: the CIDR blocks allowed to reach
    /// the public endpoint. Required then, because the EKS default is
    /// `0.0.0.0/0`.
    pub public_access_cidrs: Option<Spanned<Vec<Spanned<String>>>>,
    /// Clusters (keys) whose pods reach this created cluster's private API
    /// endpoint: each gets an ingress rule on port 443 of this cluster's
    /// security group from its own cluster security group (clusters in the
    /// same VPC, or in peered VPCs that allow security group references).
    pub private_access_from_clusters: Option<Spanned<Vec<Spanned<String>>>>,
    /// IPv4 CIDR blocks allowed to reach this created cluster's private API
    /// endpoint on port 443 (networks connected to its VPC).
    pub private_access_cidrs: Option<Spanned<Vec<Spanned<String>>>>,
    /// Whether a created cluster's public endpoint may be reached from
    /// anywhere: `true` acknowledges that `public_access_cidrs` holds
    /// `0.0.0.0/0`, which is refused otherwise. Default `false`.
    pub public_access_from_anywhere: Option<Spanned<bool>>,
    /// `true`: create the cluster with EKS Auto Mode, which runs its compute,
    /// block storage and load balancing (and the Pod Identity agent) itself.
    /// Default `false`: you add node groups or Karpenter.
    pub auto_mode: Option<Spanned<bool>>,
    /// Whether a created cluster encrypts Kubernetes Secrets with a
    /// customer-managed KMS key (envelope encryption). Default `true`.
    pub secrets_encryption: Option<Spanned<bool>>,
    /// The KMS key (ARN, in the spec's region) that encrypts a created
    /// cluster's Secrets. Omitted: eksgrant creates one for the cluster.
    pub secrets_kms_key_arn: Option<Spanned<String>>,
    /// The control-plane logs a created cluster sends to CloudWatch Logs.
    /// Default: all five.
    pub log_types: Option<Spanned<Vec<Spanned<LogType>>>>,
    /// How many days CloudWatch Logs keeps a created cluster's control-plane
    /// logs: one of the values CloudWatch Logs accepts. Default `365`.
    pub log_retention_days: Option<Spanned<u32>>,
    /// The KMS key (ARN, in the spec's region) that encrypts a created
    /// cluster's control-plane log group. Omitted: the key eksgrant creates
    /// for the cluster.
    pub log_kms_key_arn: Option<Spanned<String>>,
    /// A created cluster's support policy once its Kubernetes version leaves
    /// standard support. Default `STANDARD`.
    pub support_type: Option<Spanned<SupportType>>,
    /// Whether EKS refuses to delete a created cluster until this is turned
    /// off. Default `true`.
    pub deletion_protection: Option<Spanned<bool>>,
    /// The IP family of a created cluster's pods and services. Default
    /// `ipv4`. Set only when the cluster is created.
    pub ip_family: Option<Spanned<IpFamily>>,
    /// The IPv4 block a created cluster's Services get addresses from
    /// (`/12` to `/24`, in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16).
    /// Omitted: EKS picks 10.100.0.0/16 or 172.20.0.0/16.
    pub service_ipv4_cidr: Option<Spanned<String>>,
    /// Versions of the add-ons eksgrant installs on a created cluster, by
    /// add-on name (`eks-pod-identity-agent = "v1.3.8-eksbuild.2"`).
    /// Omitted: the most recent version for the cluster's Kubernetes
    /// version when Terraform plans.
    pub addon_versions: Option<Spanned<IndexMap<Spanned<String>, Spanned<String>>>>,
    /// The cluster's OIDC issuer, host and path without `https://`
    /// (`oidc.eks.eu-west-2.amazonaws.com/id/ABC...`): required on an
    /// existing cluster that has IRSA workloads.
    pub oidc_issuer: Option<Spanned<String>>,
    /// On an existing cluster with IRSA workloads: create the IAM OIDC
    /// provider here. Default `false`: the provider exists already and
    /// Terraform only reads it. (A created cluster always gets one.)
    pub create_oidc_provider: Option<Spanned<bool>>,
    /// IAM roles of the cluster's self-managed Linux nodes (node groups of
    /// your own, Karpenter): mapped in the aws-auth ConfigMap
    /// (`system:bootstrappers`, `system:nodes`) on `CONFIG_MAP` and
    /// `API_AND_CONFIG_MAP` clusters, and given `EC2_LINUX` access entries on
    /// `API_AND_CONFIG_MAP` and `API` clusters.
    pub node_role_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// IAM roles of the cluster's EKS managed node groups: mapped in the
    /// aws-auth ConfigMap as `node_role_arns` on `CONFIG_MAP` and
    /// `API_AND_CONFIG_MAP` clusters; EKS makes and keeps their `EC2_LINUX`
    /// access entries, so eksgrant generates none.
    pub managed_node_role_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// IAM roles of the cluster's Windows nodes: mapped in the aws-auth
    /// ConfigMap (`system:bootstrappers`, `system:nodes`,
    /// `eks:kube-proxy-windows`) on `CONFIG_MAP` and `API_AND_CONFIG_MAP`
    /// clusters, and given `EC2_WINDOWS` access entries on
    /// `API_AND_CONFIG_MAP` and `API` clusters.
    pub windows_node_role_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// Pod execution roles of the cluster's Fargate profiles: mapped in the
    /// aws-auth ConfigMap (`system:node:{{SessionName}}` in
    /// `system:bootstrappers`, `system:nodes`, `system:node-proxier`) on
    /// `CONFIG_MAP` and `API_AND_CONFIG_MAP` clusters; EKS makes and keeps
    /// their `FARGATE_LINUX` access entries, so eksgrant generates none.
    pub fargate_pod_execution_role_arns: Option<Spanned<Vec<Spanned<String>>>>,
    /// Accounts whose every IAM principal the aws-auth ConfigMap maps
    /// (`mapAccounts`); only on `CONFIG_MAP` and `API_AND_CONFIG_MAP`
    /// clusters: access entries have no equivalent.
    pub aws_auth_accounts: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A control-plane log type (`log_types`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum LogType {
    /// The Kubernetes API server.
    #[serde(rename = "api")]
    Api,
    /// Kubernetes audit logs: who did what through the API.
    #[serde(rename = "audit")]
    Audit,
    /// The IAM authenticator: which IAM principal became which user.
    #[serde(rename = "authenticator")]
    Authenticator,
    /// kube-controller-manager: what the controllers that run the cluster
    /// (Deployments, nodes, ServiceAccount tokens) did.
    #[serde(rename = "controllerManager")]
    ControllerManager,
    /// kube-scheduler: which node each pod was placed on, and why not.
    #[serde(rename = "scheduler")]
    Scheduler,
}

impl LogType {
    /// Every log type, in the order EKS documents them.
    pub const ALL: [LogType; 5] = [
        LogType::Api,
        LogType::Audit,
        LogType::Authenticator,
        LogType::ControllerManager,
        LogType::Scheduler,
    ];

    /// The log type as EKS and the spec write it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Api => "api",
            LogType::Audit => "audit",
            LogType::Authenticator => "authenticator",
            LogType::ControllerManager => "controllerManager",
            LogType::Scheduler => "scheduler",
        }
    }
}

/// A created cluster's support policy (`support_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SupportType {
    /// Standard support only: EKS upgrades the cluster when its version's
    /// standard support ends.
    #[serde(rename = "STANDARD")]
    Standard,
    /// Extended support: the version runs 12 more months, at the extended
    /// support price.
    #[serde(rename = "EXTENDED")]
    Extended,
}

/// The IP family of a created cluster's pods and Services (`ip_family`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum IpFamily {
    /// IPv4 addresses for pods and services.
    #[serde(rename = "ipv4")]
    Ipv4,
    /// IPv6 addresses for pods and services (the VPC and subnets need IPv6).
    #[serde(rename = "ipv6")]
    Ipv6,
}

/// How IAM principals are mapped to Kubernetes identities
/// (`authentication_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AuthenticationMode {
    /// Access entries only.
    #[serde(rename = "API")]
    Api,
    /// Access entries and the aws-auth ConfigMap.
    #[serde(rename = "API_AND_CONFIG_MAP")]
    ApiAndConfigMap,
    /// The aws-auth ConfigMap only.
    #[serde(rename = "CONFIG_MAP")]
    ConfigMap,
}

impl AuthenticationMode {
    /// Every mode, in the order EKS moves a cluster through them backwards
    /// (as `--mode` lists them).
    pub const ALL: [AuthenticationMode; 3] = [
        AuthenticationMode::Api,
        AuthenticationMode::ApiAndConfigMap,
        AuthenticationMode::ConfigMap,
    ];

    /// The mode EKS and the spec write as `text`.
    pub fn from_name(text: &str) -> Option<AuthenticationMode> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == text)
    }

    /// The mode as EKS and the spec write it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthenticationMode::Api => "API",
            AuthenticationMode::ApiAndConfigMap => "API_AND_CONFIG_MAP",
            AuthenticationMode::ConfigMap => "CONFIG_MAP",
        }
    }

    /// Where the mode stands in the only order EKS moves a cluster through:
    /// `CONFIG_MAP` (0) -> `API_AND_CONFIG_MAP` (1) -> `API` (2).
    pub fn stage(self) -> u8 {
        match self {
            AuthenticationMode::ConfigMap => 0,
            AuthenticationMode::ApiAndConfigMap => 1,
            AuthenticationMode::Api => 2,
        }
    }
}

impl std::fmt::Display for AuthenticationMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
