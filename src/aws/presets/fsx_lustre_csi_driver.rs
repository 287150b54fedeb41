//! Amazon FSx for Lustre CSI driver (kubernetes-sigs/aws-fsx-csi-driver).
//!
//! The actions are those of the instance-profile policy in `docs/install.md`
//! at v1.9.0. Upstream grants the FSx actions and `s3:ListBucket` on `*`;
//! the preset narrows them:
//!
//! - file systems are pinned to the spec's region and account; the driver
//!   tags every file system it creates `CSIVolumeName` = the volume's name
//!   (`pkg/cloud/cloud.go`), so it may create file systems only with that tag
//!   and delete or resize only file systems that carry it;
//! - `s3:ListBucket` and the service-linked role FSx needs to link a file
//!   system to S3 (a data repository, the StorageClass's `s3ImportPath`) are
//!   granted only with `bucket_arns`, and `s3:ListBucket` only on those
//!   buckets;
//! - the service-linked roles are named in the spec's account.
//!
//! `fsx:DescribeFileSystems` takes no resource and stays on `*`.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "fsx-lustre-csi-driver",
    summary: "create, resize and delete FSx for Lustre file systems tagged CSIVolumeName, optionally linked to the given S3 buckets",
    args: &[(PresetArg::BucketArns, Need::Optional)],
    at_least_one: &[],
    deployment_note: Some(
        "the driver may only resize and delete file systems tagged CSIVolumeName (those it created); an s3ImportPath or s3ExportPath must name a bucket in bucket_arns",
    ),
    upstream: Upstream {
        source: "kubernetes-sigs/aws-fsx-csi-driver docs/install.md v1.9.0 (instance profile policy)",
        actions: &[
            "fsx:CreateFileSystem",
            "fsx:DeleteFileSystem",
            "fsx:DescribeFileSystems",
            "fsx:TagResource",
            "fsx:UpdateFileSystem",
            "iam:AttachRolePolicy",
            "iam:CreateServiceLinkedRole",
            "iam:PutRolePolicy",
            "s3:ListBucket",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[
            Scoping {
                statements: &[
                    "FsxLustreCsiDriverCreateFileSystems",
                    "FsxLustreCsiDriverManageFileSystems",
                ],
                why: "on file systems of the spec's region and account, created only tagged CSIVolumeName and deleted or resized only when so tagged, where upstream says *",
            },
            Scoping {
                statements: &["FsxLustreCsiDriverListBuckets"],
                why: "on the buckets given (bucket_arns), where upstream says *",
            },
            Scoping {
                statements: &[
                    "FsxLustreCsiDriverServiceLinkedRole",
                    "FsxLustreCsiDriverDataRepositoryRole",
                ],
                why: "the service-linked roles of the spec's account, where upstream says * (fsx.amazonaws.com's, by StringEquals where upstream has StringLike of the same name) or any account",
            },
        ],
        broader: &[],
    },
    statements,
};

const VOLUME_NAME_TAG: &str = "CSIVolumeName";

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let p = ctx.partition.as_str();
    let account = ctx.account_id;
    let file_systems = vec![ctx.arn("fsx", "file-system/*")];
    let mut statements = vec![
        Statement::allow(
            "FsxLustreCsiDriverServiceLinkedRole",
            &["iam:CreateServiceLinkedRole"],
            vec![format!(
                "arn:{p}:iam::{account}:role/aws-service-role/fsx.amazonaws.com/*"
            )],
        )
        .when("StringEquals", "iam:AWSServiceName", &["fsx.amazonaws.com"]),
        Statement::allow(
            "FsxLustreCsiDriverDescribe",
            &["fsx:DescribeFileSystems"],
            vec!["*".into()],
        ),
        Statement::allow(
            "FsxLustreCsiDriverCreateFileSystems",
            &["fsx:CreateFileSystem", "fsx:TagResource"],
            file_systems.clone(),
        )
        .when(
            "Null",
            &format!("aws:RequestTag/{VOLUME_NAME_TAG}"),
            &["false"],
        ),
        Statement::allow(
            "FsxLustreCsiDriverManageFileSystems",
            &["fsx:DeleteFileSystem", "fsx:UpdateFileSystem"],
            file_systems,
        )
        .when(
            "Null",
            &format!("aws:ResourceTag/{VOLUME_NAME_TAG}"),
            &["false"],
        ),
    ];
    let buckets = ctx.arg(PresetArg::BucketArns);
    if !buckets.is_empty() {
        statements.extend([
            Statement::allow(
                "FsxLustreCsiDriverDataRepositoryRole",
                &[
                    "iam:AttachRolePolicy",
                    "iam:CreateServiceLinkedRole",
                    "iam:PutRolePolicy",
                ],
                vec![format!(
                    "arn:{p}:iam::{account}:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*"
                )],
            ),
            Statement::allow(
                "FsxLustreCsiDriverListBuckets",
                &["s3:ListBucket"],
                buckets.to_vec(),
            ),
        ]);
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn statements_with(buckets: &[&str]) -> Vec<Statement> {
        let mut args = BTreeMap::new();
        if !buckets.is_empty() {
            args.insert(
                PresetArg::BucketArns,
                buckets.iter().map(ToString::to_string).collect(),
            );
        }
        statements(&PresetContext::for_tests(args))
    }

    #[test]
    fn s3_only_with_bucket_arns_and_only_on_them() {
        let without = statements_with(&[]);
        assert!(without.iter().all(|s| {
            s.action
                .0
                .iter()
                .all(|a| a != "s3:ListBucket" && a != "iam:PutRolePolicy")
        }));
        let with = statements_with(&["arn:aws:s3:::training-data"]);
        let list = with
            .iter()
            .find(|s| s.action.0 == ["s3:ListBucket"])
            .unwrap();
        assert_eq!(list.resource.0, ["arn:aws:s3:::training-data"]);
    }

    #[test]
    fn only_file_systems_the_driver_created_are_deleted() {
        let statements = statements_with(&[]);
        let delete = statements
            .iter()
            .find(|s| s.action.0.iter().any(|a| a == "fsx:DeleteFileSystem"))
            .unwrap();
        assert_eq!(
            delete.resource.0,
            ["arn:aws:fsx:eu-west-2:111122223333:file-system/*"]
        );
        assert_eq!(
            delete.condition["Null"]["aws:ResourceTag/CSIVolumeName"].0,
            ["false"]
        );
    }
}
