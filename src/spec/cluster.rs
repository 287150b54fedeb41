//! `[clusters.<key>]`.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Spanned;

/// An EKS cluster, existing or created by the generated Terraform.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// The EKS cluster name (1-100 characters, `[0-9A-Za-z][0-9A-Za-z_-]*`).
    /// Default: the key.
    pub name: Option<Spanned<String>>,
    /// How IAM principals are mapped to Kubernetes identities: `API`
    /// (default) or `API_AND_CONFIG_MAP`; eksgrant maps them with access
    /// entries on both. `CONFIG_MAP` is not supported yet.
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
    /// IRSA only: the cluster's OIDC issuer host and path. Not supported yet:
    /// refused with an error.
    pub oidc_issuer: Option<Spanned<String>>,
    /// Self-managed node roles. Not supported yet: refused with an error.
    pub node_role_arns: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `authentication_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
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
    /// The mode as EKS and the spec write it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthenticationMode::Api => "API",
            AuthenticationMode::ApiAndConfigMap => "API_AND_CONFIG_MAP",
            AuthenticationMode::ConfigMap => "CONFIG_MAP",
        }
    }
}
