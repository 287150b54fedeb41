//! Amazon EBS CSI driver (kubernetes-sigs/aws-ebs-csi-driver).
//!
//! The actions and conditions are those of `docs/example-iam-policy.json` at
//! v1.64.0: volumes and snapshots are created only with the driver's tags
//! (`ebs.csi.aws.com/cluster` = `true`, `CSIVolumeName`,
//! `CSIVolumeSnapshotName`), tagged only in the call that creates them, and
//! deleted only when they carry those tags (or
//! `kubernetes.io/created-for/pvc/name`). With `kms_key_arns` the preset adds
//! the statement `docs/install.md` gives for encrypted volumes, on the given
//! keys only, and lets EBS create grants on them only for itself
//! (`kms:GrantIsForAWSResource`).
//!
//! Beyond upstream: every volume and instance ARN is pinned to the spec's
//! region and account, and snapshot ARNs (which name no account) to its
//! region; upstream allows any region and account. Volumes from snapshots
//! shared by another account therefore need a statement of their own.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "ebs-csi-driver",
    summary: "create, attach, resize, snapshot and delete EBS volumes tagged by the driver, optionally encrypted with the given KMS keys",
    args: &[(PresetArg::KmsKeyArns, Need::Optional)],
    at_least_one: &[],
    deployment_note: None,
    upstream: Upstream {
        source: "kubernetes-sigs/aws-ebs-csi-driver docs/example-iam-policy.json v1.64.0",
        actions: &[
            "ec2:AttachVolume",
            "ec2:CopyVolumes",
            "ec2:CreateSnapshot",
            "ec2:CreateTags",
            "ec2:CreateVolume",
            "ec2:DeleteSnapshot",
            "ec2:DeleteTags",
            "ec2:DeleteVolume",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeInstances",
            "ec2:DescribeSnapshots",
            "ec2:DescribeTags",
            "ec2:DescribeVolumeStatus",
            "ec2:DescribeVolumes",
            "ec2:DescribeVolumesModifications",
            "ec2:DetachVolume",
            "ec2:EnableFastSnapshotRestores",
            "ec2:LockSnapshot",
            "ec2:ModifyVolume",
        ],
        dropped: &[],
        added: &[
            (
                "kms:CreateGrant",
                "docs/install.md's statement for encrypted volumes; only with kms_key_arns",
            ),
            (
                "kms:Decrypt",
                "docs/install.md's statement for encrypted volumes; only with kms_key_arns",
            ),
            (
                "kms:GenerateDataKeyWithoutPlaintext",
                "docs/install.md's statement for encrypted volumes; only with kms_key_arns",
            ),
        ],
        narrowed: &[Scoping {
            statements: &[
                "EbsCsiDriverSnapshotAndResizeVolumes",
                "EbsCsiDriverCopyVolumes",
                "EbsCsiDriverAttachVolumes",
                "EbsCsiDriverVolumesFromSnapshots",
                "EbsCsiDriverTagOnCreate",
                "EbsCsiDriverDeleteTags",
                "EbsCsiDriverCreateClusterVolumes",
                "EbsCsiDriverCreateNamedVolumes",
                "EbsCsiDriverDeleteClusterVolumes",
                "EbsCsiDriverDeleteNamedVolumes",
                "EbsCsiDriverDeletePvcVolumes",
                "EbsCsiDriverCreateNamedSnapshots",
                "EbsCsiDriverCreateClusterSnapshots",
                "EbsCsiDriverDeleteNamedSnapshots",
                "EbsCsiDriverDeleteClusterSnapshots",
            ],
            why: "upstream's statements and conditions, with volumes and instances in the spec's region and account and snapshots (whose ARNs name no account) in its region, where upstream allows any region and account",
        }],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let p = ctx.partition.as_str();
    let volumes = ctx.arn("ec2", "volume/*");
    let instances = ctx.arn("ec2", "instance/*");
    let snapshots = format!("arn:{p}:ec2:{}::snapshot/*", ctx.region);
    let volumes_and_snapshots = vec![volumes.clone(), snapshots.clone()];

    let mut statements = vec![
        Statement::allow(
            "EbsCsiDriverDescribe",
            &[
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeInstances",
                "ec2:DescribeSnapshots",
                "ec2:DescribeTags",
                "ec2:DescribeVolumeStatus",
                "ec2:DescribeVolumes",
                "ec2:DescribeVolumesModifications",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "EbsCsiDriverSnapshotAndResizeVolumes",
            &["ec2:CreateSnapshot", "ec2:ModifyVolume"],
            vec![volumes.clone()],
        ),
        Statement::allow(
            "EbsCsiDriverCopyVolumes",
            &["ec2:CopyVolumes"],
            vec![ctx.arn("ec2", "volume/vol-*")],
        ),
        Statement::allow(
            "EbsCsiDriverAttachVolumes",
            &["ec2:AttachVolume", "ec2:DetachVolume"],
            vec![volumes.clone(), instances],
        ),
        Statement::allow(
            "EbsCsiDriverVolumesFromSnapshots",
            &["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"],
            vec![snapshots.clone()],
        ),
        Statement::allow(
            "EbsCsiDriverTagOnCreate",
            &["ec2:CreateTags"],
            volumes_and_snapshots.clone(),
        )
        .when(
            "StringEquals",
            "ec2:CreateAction",
            &["CreateVolume", "CreateSnapshot", "CopyVolumes"],
        ),
        Statement::allow(
            "EbsCsiDriverDeleteTags",
            &["ec2:DeleteTags"],
            volumes_and_snapshots,
        ),
    ];
    // Upstream gives each alternative tag a statement of its own: any one
    // of them suffices.
    for (sid, tag, value) in [
        (
            "EbsCsiDriverCreateClusterVolumes",
            "ebs.csi.aws.com/cluster",
            "true",
        ),
        ("EbsCsiDriverCreateNamedVolumes", "CSIVolumeName", "*"),
    ] {
        statements.push(
            Statement::allow(
                sid,
                &["ec2:CopyVolumes", "ec2:CreateVolume"],
                vec![volumes.clone()],
            )
            .when("StringLike", &format!("aws:RequestTag/{tag}"), &[value]),
        );
    }
    for (sid, tag, value) in [
        (
            "EbsCsiDriverDeleteClusterVolumes",
            "ebs.csi.aws.com/cluster",
            "true",
        ),
        ("EbsCsiDriverDeleteNamedVolumes", "CSIVolumeName", "*"),
        (
            "EbsCsiDriverDeletePvcVolumes",
            "kubernetes.io/created-for/pvc/name",
            "*",
        ),
    ] {
        statements.push(
            Statement::allow(sid, &["ec2:DeleteVolume"], vec![volumes.clone()]).when(
                "StringLike",
                &format!("ec2:ResourceTag/{tag}"),
                &[value],
            ),
        );
    }
    for (sid, tag, value) in [
        (
            "EbsCsiDriverCreateNamedSnapshots",
            "CSIVolumeSnapshotName",
            "*",
        ),
        (
            "EbsCsiDriverCreateClusterSnapshots",
            "ebs.csi.aws.com/cluster",
            "true",
        ),
    ] {
        statements.push(
            Statement::allow(sid, &["ec2:CreateSnapshot"], vec![snapshots.clone()]).when(
                "StringLike",
                &format!("aws:RequestTag/{tag}"),
                &[value],
            ),
        );
    }
    for (sid, tag, value) in [
        (
            "EbsCsiDriverDeleteNamedSnapshots",
            "CSIVolumeSnapshotName",
            "*",
        ),
        (
            "EbsCsiDriverDeleteClusterSnapshots",
            "ebs.csi.aws.com/cluster",
            "true",
        ),
    ] {
        statements.push(
            Statement::allow(
                sid,
                &["ec2:DeleteSnapshot", "ec2:LockSnapshot"],
                vec![snapshots.clone()],
            )
            .when("StringLike", &format!("ec2:ResourceTag/{tag}"), &[value]),
        );
    }
    let keys = ctx.arg(PresetArg::KmsKeyArns);
    if !keys.is_empty() {
        statements.extend([
            Statement::allow(
                "EbsCsiDriverUseKmsKeys",
                &["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"],
                keys.to_vec(),
            ),
            // EBS creates the grants it needs to attach encrypted volumes.
            Statement::allow(
                "EbsCsiDriverGrantKmsKeys",
                &["kms:CreateGrant"],
                keys.to_vec(),
            )
            .when("Bool", "kms:GrantIsForAWSResource", &["true"]),
        ]);
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const KEY: &str = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn statements_with(keys: &[&str]) -> Vec<Statement> {
        let mut args = BTreeMap::new();
        if !keys.is_empty() {
            args.insert(
                PresetArg::KmsKeyArns,
                keys.iter().map(ToString::to_string).collect(),
            );
        }
        statements(&PresetContext::for_tests(args))
    }

    #[test]
    fn kms_only_with_kms_key_arns_and_only_on_them() {
        assert!(
            statements_with(&[])
                .iter()
                .all(|s| s.action.0.iter().all(|a| !a.starts_with("kms:")))
        );
        let statements = statements_with(&[KEY]);
        let kms: Vec<&Statement> = statements
            .iter()
            .filter(|s| s.action.0.iter().any(|a| a.starts_with("kms:")))
            .collect();
        assert_eq!(kms.len(), 2);
        assert!(kms.iter().all(|s| s.resource.0 == [KEY]));
        let grant = kms
            .iter()
            .find(|s| s.action.0 == ["kms:CreateGrant"])
            .unwrap();
        assert_eq!(
            grant.condition["Bool"]["kms:GrantIsForAWSResource"].0,
            ["true"]
        );
    }

    #[test]
    fn volumes_are_deleted_only_with_the_drivers_tags_and_only_in_the_account() {
        for statement in statements_with(&[]) {
            if statement.action.0.iter().any(|a| a == "ec2:DeleteVolume") {
                assert_eq!(
                    statement.resource.0,
                    ["arn:aws:ec2:eu-west-2:111122223333:volume/*"]
                );
                assert_eq!(statement.condition["StringLike"].len(), 1);
            }
            for resource in &statement.resource.0 {
                assert!(
                    resource == "*"
                        || resource.starts_with("arn:aws:ec2:eu-west-2:111122223333:")
                        || resource == "arn:aws:ec2:eu-west-2::snapshot/*",
                    "{resource}"
                );
            }
        }
    }
}
