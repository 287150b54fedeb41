//! Velero with its AWS plugin (vmware-tanzu/velero-plugin-for-aws).
//!
//! The actions are those of the policy in the plugin's `README.md` at
//! v1.13.2 ("Set permissions for Velero"): objects in the backup buckets, and
//! EBS snapshots of persistent volumes. Upstream puts the bucket's name in
//! the S3 statements and everything else on `*`; the preset takes the
//! buckets as `bucket_arns` and narrows the EC2 statements:
//!
//! - volumes are pinned to the spec's region and account, snapshots (whose
//!   ARNs name no account) to its region;
//! - Velero tags every snapshot it takes `velero.io/backup` (Velero's
//!   `takePVSnapshot`) in the call that takes it, and a volume it restores in
//!   the call that creates it (the plugin's `CreateVolumeFromSnapshot`): so
//!   tags are written only on creation, and only snapshots tagged
//!   `velero.io/backup` may be deleted.
//!
//! `ec2:DescribeVolumes` and `ec2:DescribeSnapshots` take no resource and stay
//! on `*`.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "velero",
    summary: "read and write backups in the given S3 buckets, snapshot and restore EBS volumes, and delete only snapshots tagged velero.io/backup",
    args: &[(PresetArg::BucketArns, Need::Required)],
    at_least_one: &[],
    deployment_note: Some(
        "point Velero's BackupStorageLocations at the buckets in bucket_arns and its VolumeSnapshotLocations at the spec's region",
    ),
    upstream: Upstream {
        source: "vmware-tanzu/velero-plugin-for-aws README.md v1.13.2 (Set permissions for Velero)",
        actions: &[
            "ec2:CreateSnapshot",
            "ec2:CreateTags",
            "ec2:CreateVolume",
            "ec2:DeleteSnapshot",
            "ec2:DescribeSnapshots",
            "ec2:DescribeVolumes",
            "s3:AbortMultipartUpload",
            "s3:DeleteObject",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
            "s3:PutObjectTagging",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &[
                "VeleroSnapshotAndRestoreVolumes",
                "VeleroTagOnCreate",
                "VeleroDeleteBackupSnapshots",
            ],
            why: "volumes in the spec's region and account and snapshots in its region, tags written only as they are created (ec2:CreateAction), and only snapshots tagged velero.io/backup deleted, where upstream says *",
        }],
        broader: &[],
    },
    statements,
};

const BACKUP_TAG: &str = "velero.io/backup";

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let volumes = ctx.arn("ec2", "volume/*");
    let snapshots = format!(
        "arn:{}:ec2:{}::snapshot/*",
        ctx.partition.as_str(),
        ctx.region
    );
    let resource_tag = format!("aws:ResourceTag/{BACKUP_TAG}");
    let buckets = ctx.arg(PresetArg::BucketArns);
    vec![
        Statement::allow("VeleroListBuckets", &["s3:ListBucket"], buckets.to_vec()),
        Statement::allow(
            "VeleroBackupObjects",
            &[
                "s3:AbortMultipartUpload",
                "s3:DeleteObject",
                "s3:GetObject",
                "s3:ListMultipartUploadParts",
                "s3:PutObject",
                "s3:PutObjectTagging",
            ],
            buckets.iter().map(|bucket| format!("{bucket}/*")).collect(),
        ),
        Statement::allow(
            "VeleroDescribe",
            &["ec2:DescribeSnapshots", "ec2:DescribeVolumes"],
            vec!["*".into()],
        ),
        // Taking a snapshot and restoring one each touch a volume and a
        // snapshot: one statement names both.
        Statement::allow(
            "VeleroSnapshotAndRestoreVolumes",
            &["ec2:CreateSnapshot", "ec2:CreateVolume"],
            vec![volumes.clone(), snapshots.clone()],
        ),
        Statement::allow(
            "VeleroTagOnCreate",
            &["ec2:CreateTags"],
            vec![volumes, snapshots.clone()],
        )
        .when(
            "StringEquals",
            "ec2:CreateAction",
            &["CreateSnapshot", "CreateVolume"],
        ),
        Statement::allow(
            "VeleroDeleteBackupSnapshots",
            &["ec2:DeleteSnapshot"],
            vec![snapshots],
        )
        .when("Null", &resource_tag, &["false"]),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn objects_only_in_the_given_buckets_and_only_velero_snapshots_are_deleted() {
        let statements = statements(&PresetContext::for_tests(BTreeMap::from([(
            PresetArg::BucketArns,
            vec!["arn:aws:s3:::velero-backups".to_string()],
        )])));
        let find = |sid: &str| statements.iter().find(|s| s.sid == sid).unwrap();
        assert_eq!(
            find("VeleroListBuckets").resource.0,
            ["arn:aws:s3:::velero-backups"]
        );
        assert_eq!(
            find("VeleroBackupObjects").resource.0,
            ["arn:aws:s3:::velero-backups/*"]
        );
        let delete = find("VeleroDeleteBackupSnapshots");
        assert_eq!(delete.resource.0, ["arn:aws:ec2:eu-west-2::snapshot/*"]);
        assert_eq!(
            delete.condition["Null"]["aws:ResourceTag/velero.io/backup"].0,
            ["false"]
        );
    }
}
