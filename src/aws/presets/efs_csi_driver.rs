//! Amazon EFS CSI driver (kubernetes-sigs/aws-efs-csi-driver), for EFS and
//! Amazon S3 Files file systems.
//!
//! The actions and conditions are those of `docs/iam-policy-example.json` at
//! v3.4.1: the driver creates access points only with its
//! `efs.csi.aws.com/cluster` = `true` tag (which it adds unless a
//! StorageClass sets `enableTagging: false`), and tags and deletes only access
//! points that carry it.
//!
//! Beyond upstream (which says `"Resource": "*"` throughout): every action
//! IAM scopes is pinned to file systems and access points in the spec's
//! region and account, and tagging to access points, the only resources the
//! driver tags. `ec2:DescribeAvailabilityZones` takes no resource, and
//! `s3files:ListFileSystems`, which the driver calls without naming a file
//! system, stays on `*`.

use super::{PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "efs-csi-driver",
    summary: "create and delete EFS and S3 Files access points tagged efs.csi.aws.com/cluster, and read file systems",
    args: &[],
    at_least_one: &[],
    deployment_note: Some(
        "keep access point tagging on (no StorageClass may set enableTagging: false): the driver may only delete access points tagged efs.csi.aws.com/cluster = true",
    ),
    upstream: Upstream {
        source: "kubernetes-sigs/aws-efs-csi-driver docs/iam-policy-example.json v3.4.1",
        actions: &[
            "ec2:DescribeAvailabilityZones",
            "elasticfilesystem:CreateAccessPoint",
            "elasticfilesystem:DeleteAccessPoint",
            "elasticfilesystem:DescribeAccessPoints",
            "elasticfilesystem:DescribeFileSystems",
            "elasticfilesystem:DescribeMountTargets",
            "elasticfilesystem:TagResource",
            "s3files:CreateAccessPoint",
            "s3files:DeleteAccessPoint",
            "s3files:ListAccessPoints",
            "s3files:ListFileSystems",
            "s3files:TagResource",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &[
                "EfsCsiDriverReadFileSystems",
                "EfsCsiDriverCreateAccessPoints",
                "EfsCsiDriverTagAccessPoints",
                "EfsCsiDriverDeleteAccessPoints",
            ],
            why: "upstream's conditions, on file systems and access points of the spec's region and account (tagging on access points only), where upstream says *",
        }],
        broader: &[],
    },
    statements,
};

const CLUSTER_TAG: &str = "efs.csi.aws.com/cluster";

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let efs_file_systems = ctx.arn("elasticfilesystem", "file-system/*");
    let efs_access_points = ctx.arn("elasticfilesystem", "access-point/*");
    // S3 Files access points are named under their file system.
    let s3files_file_systems = ctx.arn("s3files", "file-system/*");
    let s3files_access_points = ctx.arn("s3files", "file-system/*/access-point/*");
    let access_points = vec![efs_access_points.clone(), s3files_access_points];

    vec![
        Statement::allow(
            "EfsCsiDriverDescribe",
            &["ec2:DescribeAvailabilityZones", "s3files:ListFileSystems"],
            vec!["*".into()],
        ),
        Statement::allow(
            "EfsCsiDriverReadFileSystems",
            &[
                "elasticfilesystem:DescribeAccessPoints",
                "elasticfilesystem:DescribeFileSystems",
                "elasticfilesystem:DescribeMountTargets",
                "s3files:ListAccessPoints",
            ],
            vec![
                efs_file_systems.clone(),
                efs_access_points,
                s3files_file_systems.clone(),
            ],
        ),
        Statement::allow(
            "EfsCsiDriverCreateAccessPoints",
            &[
                "elasticfilesystem:CreateAccessPoint",
                "s3files:CreateAccessPoint",
            ],
            vec![efs_file_systems, s3files_file_systems],
        )
        .when(
            "StringLike",
            &format!("aws:RequestTag/{CLUSTER_TAG}"),
            &["true"],
        ),
        Statement::allow(
            "EfsCsiDriverTagAccessPoints",
            &["elasticfilesystem:TagResource", "s3files:TagResource"],
            access_points.clone(),
        )
        .when(
            "StringLike",
            &format!("aws:ResourceTag/{CLUSTER_TAG}"),
            &["true"],
        ),
        Statement::allow(
            "EfsCsiDriverDeleteAccessPoints",
            &[
                "elasticfilesystem:DeleteAccessPoint",
                "s3files:DeleteAccessPoint",
            ],
            access_points,
        )
        .when(
            "StringEquals",
            &format!("aws:ResourceTag/{CLUSTER_TAG}"),
            &["true"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_points_are_deleted_only_when_tagged_and_only_in_the_account() {
        let statements = statements(&PresetContext::for_tests(std::collections::BTreeMap::new()));
        let delete = statements
            .iter()
            .find(|s| s.sid == "EfsCsiDriverDeleteAccessPoints")
            .unwrap();
        assert_eq!(
            delete.condition["StringEquals"]["aws:ResourceTag/efs.csi.aws.com/cluster"].0,
            ["true"]
        );
        assert_eq!(
            delete.resource.0,
            [
                "arn:aws:elasticfilesystem:eu-west-2:111122223333:access-point/*",
                "arn:aws:s3files:eu-west-2:111122223333:file-system/*/access-point/*"
            ]
        );
        let create = statements
            .iter()
            .find(|s| s.sid == "EfsCsiDriverCreateAccessPoints")
            .unwrap();
        assert_eq!(
            create.condition["StringLike"]["aws:RequestTag/efs.csi.aws.com/cluster"].0,
            ["true"]
        );
    }
}
