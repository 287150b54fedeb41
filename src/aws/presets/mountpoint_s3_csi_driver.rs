//! Mountpoint for Amazon S3 CSI driver (awslabs/mountpoint-s3-csi-driver).
//!
//! The driver's `docs/CONFIGURATION.md` (v2.7.0, "AWS Credentials") asks for
//! Mountpoint's own least-privilege policy: awslabs/mountpoint-s3
//! `doc/CONFIGURATION.md` ("IAM permissions", mountpoint-s3-1.23.0), whose
//! actions and bucket-level/object-level split this preset keeps, on the
//! given buckets only. That document's SSE-KMS paragraph asks for
//! `kms:Decrypt` and `kms:GenerateDataKey` on the keys that encrypt the
//! objects; the preset grants them only with `kms_key_arns`, on those keys.
//!
//! Directory buckets (S3 Express One Zone, `s3express:CreateSession`) are not
//! covered: `bucket_arns` names general purpose buckets.

use super::{Need, PresetArg, PresetContext, PresetDef, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "mountpoint-s3-csi-driver",
    summary: "mount the given S3 buckets read-write (list, read, write, delete objects), optionally encrypted with the given KMS keys",
    args: &[
        (PresetArg::BucketArns, Need::Required),
        (PresetArg::KmsKeyArns, Need::Optional),
    ],
    at_least_one: &[],
    deployment_note: None,
    upstream: Upstream {
        source: "awslabs/mountpoint-s3 doc/CONFIGURATION.md mountpoint-s3-1.23.0 (IAM permissions), linked from awslabs/mountpoint-s3-csi-driver docs/CONFIGURATION.md v2.7.0",
        actions: &[
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject",
        ],
        dropped: &[],
        added: &[
            (
                "kms:Decrypt",
                "the SSE-KMS paragraph of the same document; only with kms_key_arns",
            ),
            (
                "kms:GenerateDataKey",
                "the SSE-KMS paragraph of the same document; only with kms_key_arns",
            ),
        ],
        narrowed: &[],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let buckets = ctx.arg(PresetArg::BucketArns);
    let mut statements = vec![
        Statement::allow(
            "MountpointS3CsiDriverListBuckets",
            &["s3:ListBucket"],
            buckets.to_vec(),
        ),
        Statement::allow(
            "MountpointS3CsiDriverObjects",
            &[
                "s3:AbortMultipartUpload",
                "s3:DeleteObject",
                "s3:GetObject",
                "s3:PutObject",
            ],
            buckets.iter().map(|bucket| format!("{bucket}/*")).collect(),
        ),
    ];
    let keys = ctx.arg(PresetArg::KmsKeyArns);
    if !keys.is_empty() {
        statements.push(Statement::allow(
            "MountpointS3CsiDriverKmsKeys",
            &["kms:Decrypt", "kms:GenerateDataKey"],
            keys.to_vec(),
        ));
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn buckets_and_their_objects_only_and_kms_only_when_given() {
        let statements = statements(&PresetContext::for_tests(BTreeMap::from([(
            PresetArg::BucketArns,
            vec![
                "arn:aws:s3:::datasets".to_string(),
                "arn:aws:s3:::models".to_string(),
            ],
        )])));
        assert_eq!(statements.len(), 2, "no KMS statement without kms_key_arns");
        assert_eq!(
            statements[0].resource.0,
            ["arn:aws:s3:::datasets", "arn:aws:s3:::models"]
        );
        assert_eq!(
            statements[1].resource.0,
            ["arn:aws:s3:::datasets/*", "arn:aws:s3:::models/*"]
        );
    }
}
