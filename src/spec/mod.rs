//! The spec as the user wrote it: serde types of `eksgrant.toml`.
//!
//! Nothing here applies defaults or checks rules across fields; that is
//! [`crate::model`]'s job. These types only fix the shape: every table denies
//! unknown keys (a misspelled key that is silently ignored can lock a user out
//! of a cluster), and every value a later check may point at keeps its span.
//! No `flatten`, untagged or internally tagged enums appear, because spans do
//! not survive them.

mod characters;
mod cluster;
mod grant;
mod parts;
mod schema;
mod spanned;
mod syntax;
mod workload;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use cluster::{AuthenticationMode, Cluster, IpFamily, LogType, SupportType};
pub use grant::{Grant, Rule};
pub use schema::json_schema;
pub use spanned::Spanned;
pub use workload::{Condition, Effect, Identity, Preset, Statement, Workload, WorkloadAws};

use crate::error::{Problem, Result};
use crate::source::SourceFile;

/// The spec format this eksgrant reads (`version = 1`).
pub const SPEC_VERSION: u32 = 1;

/// An eksgrant spec: clusters, the pods that need AWS permissions, and the
/// IAM principals that need Kubernetes permissions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "eksgrant spec")]
pub struct Spec {
    /// The spec format; only `1` exists.
    #[schemars(schema_with = "schema::version")]
    pub version: Spanned<u32>,
    /// The AWS account and region everything lives in.
    pub aws: Aws,
    /// Settings for every IAM role and policy eksgrant generates.
    #[serde(default)]
    pub iam: Iam,
    /// How the generated Terraform is split into root modules.
    #[serde(default)]
    pub terraform: Terraform,
    /// Other AWS accounts eksgrant writes roles in, by key: workloads name
    /// one with `aws.account` to keep their permissions there.
    #[serde(default)]
    pub accounts: IndexMap<Spanned<String>, OtherAccount>,
    /// EKS clusters, by key. The key is how the rest of the spec names the
    /// cluster (a lowercase DNS label starting with a letter).
    pub clusters: Spanned<IndexMap<Spanned<String>, Cluster>>,
    /// Kubernetes ServiceAccounts whose pods need AWS permissions, or access
    /// to another cluster, by key.
    #[serde(default)]
    pub workloads: IndexMap<Spanned<String>, Workload>,
    /// IAM roles and users defined outside this spec (people, CI) that need
    /// Kubernetes permissions, by key.
    #[serde(default)]
    pub principals: IndexMap<Spanned<String>, Principal>,
}

/// The `[aws]` table.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Aws {
    /// The 12-digit AWS account ID.
    pub account_id: Spanned<String>,
    /// The AWS region, e.g. `eu-west-2`.
    pub region: Spanned<String>,
    /// The AWS partition: `aws` (default), `aws-cn` or `aws-us-gov`.
    pub partition: Option<Spanned<Partition>>,
    /// Tags on every AWS resource the generated Terraform creates (the AWS
    /// provider's `default_tags`; at most 50; letters, digits, spaces and
    /// `_.:/=+-@`).
    #[serde(default)]
    pub tags: IndexMap<Spanned<String>, Spanned<String>>,
}

/// An `[accounts.<key>]` table: another account of the same partition and
/// region.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherAccount {
    /// The 12-digit account ID.
    pub account_id: Spanned<String>,
    /// The IAM role in that account that Terraform assumes to write there
    /// (`arn:aws:iam::ACCOUNT:role/NAME`).
    pub assume_role_arn: Spanned<String>,
}

pub use crate::aws::Partition;

/// The `[iam]` table.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Iam {
    /// Path of every generated role and policy; starts and ends with `/`.
    /// Default `/`.
    pub path: Option<Spanned<String>>,
    /// Prepended to every generated role and policy name. Default empty.
    pub name_prefix: Option<Spanned<String>>,
    /// ARN of a managed policy set as the permissions boundary of every
    /// generated role.
    pub permissions_boundary: Option<Spanned<String>>,
    /// Tags on every generated role and policy (at most 50; letters, digits,
    /// spaces and `_.:/=+-@`).
    #[serde(default)]
    pub tags: IndexMap<Spanned<String>, Spanned<String>>,
}

/// The `[terraform]` table.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Terraform {
    /// How the AWS side is split into Terraform root modules: `single` (the
    /// default) puts everything in `terraform/`; `per-cluster` puts the
    /// account-wide IAM in `terraform/iam/` and each cluster in
    /// `terraform/clusters/<key>/`, so that a plan reads one cluster's
    /// resources and an apply can break only that cluster.
    pub layout: Option<Spanned<Layout>>,
}

/// How the generated Terraform is split into root modules
/// (`[terraform] layout`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Layout {
    /// One root, `terraform/`: every AWS resource in one state, planned and
    /// applied together. Right for a few clusters.
    #[default]
    #[serde(rename = "single")]
    Single,
    /// A root for the account-wide IAM (`terraform/iam/`) and one per
    /// cluster (`terraform/clusters/<key>/`), which refer to the IAM roles
    /// by their ARNs: each cluster is planned, applied and broken on its
    /// own.
    #[serde(rename = "per-cluster")]
    PerCluster,
}

impl Layout {
    /// The layout as the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Single => "single",
            Layout::PerCluster => "per-cluster",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IAM role or user that exists outside this spec.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    /// The IAM role or user ARN (paths allowed).
    pub arn: Spanned<String>,
    /// The Kubernetes username the principal authenticates as: its access
    /// entry's `user_name`, and its aws-auth `username` on `CONFIG_MAP`
    /// clusters. Default: EKS's own on access entries, `eksgrant:<key>`
    /// (roles: `eksgrant:<key>:{{SessionName}}`) in aws-auth. Not starting
    /// with `system:`, `eks:`, `aws:`, `amazon:`, `iam:` or `eksgrant:`;
    /// placeholders `{{SessionName}}`, `{{SessionNameRaw}}` (after a `:`),
    /// and in aws-auth also `{{AccountID}}` and `{{AccessKeyID}}`.
    pub username: Option<Spanned<String>>,
    /// Kubernetes permissions for this principal.
    #[serde(default)]
    pub grants: Vec<Spanned<Grant>>,
}

impl Spec {
    /// Parses a spec, turning TOML and shape errors into diagnostics that
    /// point at the offending text: every syntax error the parser recovers
    /// from, or the first shape error. Also returns a problem for every
    /// string holding a character no output can carry, for the caller to
    /// report with the rest.
    pub fn parse(source: &SourceFile) -> Result<(Spec, Vec<Problem>)> {
        // A spec is read in pieces when that gives exactly what reading it
        // whole gives, with nothing to report; the whole document is parsed
        // otherwise, and for every problem.
        if let Some(spec) = parts::parse(source) {
            return Ok((spec, Vec::new()));
        }
        Self::parse_whole(source)
    }

    /// [`Spec::parse`], of the whole document at once.
    fn parse_whole(source: &SourceFile) -> Result<(Spec, Vec<Problem>)> {
        let document = syntax::document(source)?;
        let refused = characters::check(source, document.get_ref());
        let spec = Spec::deserialize(toml::de::Deserializer::from(document))
            .map_err(|error| syntax::shape(source, &error))?;
        Ok((spec, refused))
    }
}
