//! The scoping arguments presets take: what each is called in the spec,
//! what its values look like, and which a preset needs.
//!
//! Every argument narrows what a preset may touch to what the user names:
//! hosted zones, buckets, keys, secrets, queues. Upstream policies often
//! say `"Resource": "*"` where the documentation then tells you to narrow
//! it; a preset with a required argument does that narrowing for you.

use crate::aws::Partition;
use crate::aws::arn::{Arn, is_account_id};

/// A scoping argument, by its spec key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PresetArg {
    /// `bucket_arns`: S3 buckets.
    BucketArns,
    /// `certificate_authority_arns`: AWS Private CA certificate authorities.
    CertificateAuthorityArns,
    /// `hosted_zone_ids`: Route 53 hosted zones.
    HostedZoneIds,
    /// `ip_family`: `ipv4` or `ipv6`.
    IpFamily,
    /// `kms_key_arns`: the KMS keys that encrypt what the workload reads
    /// or writes (volumes, buckets, secrets), which it may use.
    KmsKeyArns,
    /// `node_role_arns`: IAM roles of nodes the controller launches.
    NodeRoleArns,
    /// `parameter_arns`: SSM Parameter Store parameters.
    ParameterArns,
    /// `queue_arns`: SQS queues.
    QueueArns,
    /// `secret_arns`: Secrets Manager secrets.
    SecretArns,
    /// `workspace_arns`: Amazon Managed Service for Prometheus workspaces.
    WorkspaceArns,
}

/// Whether a preset needs an argument or merely accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// The preset cannot be scoped without it.
    Required,
    /// The preset grants more when it is given (a KMS key to use, say).
    Optional,
}

/// What the values of an ARN argument must be.
struct ArnShape {
    /// The service in the ARN (`s3`).
    service: &'static str,
    /// Whether the ARN names a region (S3 and IAM ARNs do not).
    regional: bool,
    /// The resource part's prefix (`key/`, `secret:`), `""` for any.
    resource_prefix: &'static str,
    /// An example, for help lines; `{p}` is the partition.
    example: &'static str,
}

impl PresetArg {
    /// Every argument, in the order of their spec keys.
    #[cfg(test)]
    pub(crate) const ALL: [PresetArg; 10] = [
        PresetArg::BucketArns,
        PresetArg::CertificateAuthorityArns,
        PresetArg::HostedZoneIds,
        PresetArg::IpFamily,
        PresetArg::KmsKeyArns,
        PresetArg::NodeRoleArns,
        PresetArg::ParameterArns,
        PresetArg::QueueArns,
        PresetArg::SecretArns,
        PresetArg::WorkspaceArns,
    ];

    /// The argument's key in `presets = [{ ... }]`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            PresetArg::BucketArns => "bucket_arns",
            PresetArg::CertificateAuthorityArns => "certificate_authority_arns",
            PresetArg::HostedZoneIds => "hosted_zone_ids",
            PresetArg::IpFamily => "ip_family",
            PresetArg::KmsKeyArns => "kms_key_arns",
            PresetArg::NodeRoleArns => "node_role_arns",
            PresetArg::ParameterArns => "parameter_arns",
            PresetArg::QueueArns => "queue_arns",
            PresetArg::SecretArns => "secret_arns",
            PresetArg::WorkspaceArns => "workspace_arns",
        }
    }

    fn arn_shape(self) -> Option<ArnShape> {
        let shape = |service, regional, resource_prefix, example| ArnShape {
            service,
            regional,
            resource_prefix,
            example,
        };
        Some(match self {
            PresetArg::BucketArns => shape("s3", false, "", "arn:{p}:s3:::my-bucket"),
            PresetArg::CertificateAuthorityArns => shape(
                "acm-pca",
                true,
                "certificate-authority/",
                "arn:{p}:acm-pca:REGION:ACCOUNT:certificate-authority/ID",
            ),
            PresetArg::KmsKeyArns => {
                shape("kms", true, "key/", "arn:{p}:kms:REGION:ACCOUNT:key/ID")
            }
            PresetArg::NodeRoleArns => {
                shape("iam", false, "role/", "arn:{p}:iam::ACCOUNT:role/NAME")
            }
            PresetArg::ParameterArns => shape(
                "ssm",
                true,
                "parameter/",
                "arn:{p}:ssm:REGION:ACCOUNT:parameter/NAME",
            ),
            PresetArg::QueueArns => shape("sqs", true, "", "arn:{p}:sqs:REGION:ACCOUNT:NAME"),
            PresetArg::SecretArns => shape(
                "secretsmanager",
                true,
                "secret:",
                "arn:{p}:secretsmanager:REGION:ACCOUNT:secret:NAME-*",
            ),
            PresetArg::WorkspaceArns => shape(
                "aps",
                true,
                "workspace/",
                "arn:{p}:aps:REGION:ACCOUNT:workspace/ws-ID",
            ),
            PresetArg::HostedZoneIds | PresetArg::IpFamily => return None,
        })
    }

    /// What is wrong with one value, if anything: `(message, help)`.
    pub(crate) fn check(self, value: &str, partition: Partition) -> Option<(String, String)> {
        if self == PresetArg::HostedZoneIds {
            return (!is_hosted_zone_id(value)).then(|| {
                (
                    format!("`{value}` is not a hosted zone ID"),
                    "hosted zone IDs look like \"Z0123456789ABCDEFGHIJ\" (without /hostedzone/)"
                        .to_string(),
                )
            });
        }
        let shape = self.arn_shape()?;
        let p = partition.as_str();
        let example = shape.example.replace("{p}", p);
        let wrong = |what: String| Some((what, format!("write it as {example}")));
        let Some(arn) = Arn::parse(value) else {
            return wrong(format!("`{value}` is not an ARN"));
        };
        if arn.partition != p {
            return wrong(format!("`{value}` is not in partition {p}"));
        }
        if arn.service != shape.service {
            return wrong(format!(
                "`{value}` is a {} ARN, not a {} one",
                arn.service, shape.service
            ));
        }
        if shape.regional == arn.region.is_empty() {
            return wrong(format!(
                "`{value}` {} a region",
                if shape.regional { "lacks" } else { "has" }
            ));
        }
        let account_ok = if shape.service == "s3" {
            arn.account.is_empty()
        } else {
            is_account_id(arn.account)
        };
        if !account_ok {
            return wrong(format!(
                "`{value}` does not name an account as {} ARNs do",
                shape.service
            ));
        }
        let rest = arn.resource.strip_prefix(shape.resource_prefix);
        if rest.is_none_or(|rest| rest.is_empty() || rest.contains('/') && shape.service == "s3") {
            return wrong(format!("`{value}` does not name a {}", self.noun()));
        }
        None
    }

    /// What a value looks like, for the docs.
    #[cfg(test)]
    pub(crate) fn example(self) -> String {
        match self {
            PresetArg::HostedZoneIds => "`Z0123456789ABCDEFGHIJ` (no `/hostedzone/`)".to_string(),
            PresetArg::IpFamily => "`ipv4` or `ipv6` (one value, not a list)".to_string(),
            arn => format!(
                "`{}`",
                arn.arn_shape()
                    .expect("every other argument is a list of ARNs")
                    .example
                    .replace("{p}", "aws")
            ),
        }
    }

    /// What one value names, for messages.
    fn noun(self) -> &'static str {
        match self {
            PresetArg::BucketArns => "bucket",
            PresetArg::CertificateAuthorityArns => "certificate authority",
            PresetArg::HostedZoneIds => "hosted zone",
            PresetArg::IpFamily => "IP family",
            PresetArg::KmsKeyArns => "KMS key",
            PresetArg::NodeRoleArns => "role",
            PresetArg::ParameterArns => "parameter",
            PresetArg::QueueArns => "queue",
            PresetArg::SecretArns => "secret",
            PresetArg::WorkspaceArns => "workspace",
        }
    }
}

/// Whether `id` looks like a Route 53 hosted zone ID (`Z` then up to 32
/// upper-case letters and digits).
pub(crate) fn is_hosted_zone_id(id: &str) -> bool {
    id.starts_with('Z')
        && (2..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosted_zone_ids() {
        assert!(is_hosted_zone_id("Z0123456789ABCDEFGHIJ"));
        assert!(is_hosted_zone_id("Z2FDTNDATAQYW2"));
        assert!(!is_hosted_zone_id("z0123"));
        assert!(!is_hosted_zone_id("/hostedzone/Z0123"));
        assert!(!is_hosted_zone_id("Z"));
    }

    #[test]
    fn arn_arguments_name_their_kind_of_resource() {
        let ok = |arg: PresetArg, value: &str| arg.check(value, Partition::Aws).is_none();
        assert!(ok(PresetArg::BucketArns, "arn:aws:s3:::velero-backups"));
        assert!(!ok(PresetArg::BucketArns, "arn:aws:s3:::velero-backups/*"));
        assert!(!ok(PresetArg::BucketArns, "velero-backups"));
        assert!(!ok(PresetArg::BucketArns, "arn:aws-cn:s3:::velero-backups"));
        assert!(ok(
            PresetArg::SecretArns,
            "arn:aws:secretsmanager:eu-west-2:111122223333:secret:app/db-*"
        ));
        assert!(!ok(
            PresetArg::SecretArns,
            "arn:aws:ssm:eu-west-2:111122223333:parameter/app/db"
        ));
        assert!(ok(
            PresetArg::QueueArns,
            "arn:aws:sqs:eu-west-2:111122223333:karpenter-interruptions"
        ));
        assert!(!ok(PresetArg::QueueArns, "arn:aws:sqs:eu-west-2::queue"));
        assert!(ok(
            PresetArg::NodeRoleArns,
            "arn:aws:iam::111122223333:role/KarpenterNodeRole"
        ));
        assert!(!ok(
            PresetArg::NodeRoleArns,
            "arn:aws:iam:eu-west-2:111122223333:role/KarpenterNodeRole"
        ));
        assert!(ok(
            PresetArg::KmsKeyArns,
            "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!ok(
            PresetArg::KmsKeyArns,
            "arn:aws:kms:eu-west-2:111122223333:alias/ebs"
        ));
    }
}
