//! What eksgrant knows of AWS itself, below the spec and the model that
//! both use it: partitions, ARNs, IAM policy documents and names, and the
//! presets (the least-privilege policies of well-known controllers, each
//! pinned to its upstream policy).

pub(crate) mod arn;
pub(crate) mod iam;
pub(crate) mod kubernetes_versions;
pub(crate) mod presets;

use schemars::JsonSchema;
use serde::Deserialize;

/// An AWS partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Partition {
    /// Commercial regions.
    #[serde(rename = "aws")]
    Aws,
    /// China regions.
    #[serde(rename = "aws-cn")]
    AwsCn,
    /// AWS GovCloud (US).
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
}
