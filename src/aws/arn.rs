//! Building and reading the ARNs eksgrant writes into policies and Terraform.

use crate::aws::Partition;

impl Partition {
    /// The partition as it appears in ARNs.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The DNS suffix of the partition's service endpoints and regional
    /// service principals (`logs.cn-north-1.amazonaws.com.cn`).
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
        }
    }

    /// The partition a region belongs to, judged by its name.
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::AwsCn
        } else if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        }
    }
}

/// Whether `s` looks like an AWS region name (`eu-west-2`, `us-gov-west-1`).
pub(crate) fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Whether `s` is a 12-digit account ID.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The ARN of an EKS cluster.
pub(crate) fn cluster_arn(partition: Partition, region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{}:eks:{region}:{account}:cluster/{name}",
        partition.as_str()
    )
}

/// The ARN of an account's root: as a principal, every IAM identity of the
/// account whose own policies allow the action.
pub(crate) fn account_root_arn(partition: Partition, account: &str) -> String {
    format!("arn:{}:iam::{account}:root", partition.as_str())
}

/// The ARN of an IAM role.
pub(crate) fn role_arn(partition: Partition, account: &str, path: &str, name: &str) -> String {
    format!("arn:{}:iam::{account}:role{path}{name}", partition.as_str())
}

/// The ARN of the IAM OIDC provider for an issuer (host and path).
pub(crate) fn oidc_provider_arn(partition: Partition, account: &str, issuer: &str) -> String {
    format!(
        "arn:{}:iam::{account}:oidc-provider/{issuer}",
        partition.as_str()
    )
}

/// A role ARN without its path, as the aws-auth ConfigMap requires
/// (`role/teams/ci/deployer` becomes `role/deployer`); other ARNs unchanged.
pub(crate) fn without_role_path(arn: &str) -> String {
    match arn.split_once(":role/") {
        Some((head, rest)) => format!("{head}:role/{}", rest.rsplit('/').next().unwrap_or(rest)),
        None => arn.to_string(),
    }
}

/// The ARN of an EKS access policy.
pub(crate) fn access_policy_arn(partition: Partition, name: &str) -> String {
    format!(
        "arn:{}:eks::aws:cluster-access-policy/{name}",
        partition.as_str()
    )
}

/// The ARN of an AWS managed IAM policy.
pub(crate) fn aws_managed_policy_arn(partition: Partition, name: &str) -> String {
    format!("arn:{}:iam::aws:policy/{name}", partition.as_str())
}

/// The ARN of a Route 53 hosted zone.
pub(crate) fn hosted_zone_arn(partition: Partition, zone_id: &str) -> String {
    format!("arn:{}:route53:::hostedzone/{zone_id}", partition.as_str())
}

/// Any ARN, split into its six fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: &'a str,
    /// The service (`s3`, `kms`).
    pub service: &'a str,
    /// The region; empty for global services.
    pub region: &'a str,
    /// The account; empty for S3 buckets.
    pub account: &'a str,
    /// Everything after the account (`key/ID`, `secret:NAME`).
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`; `None` when
    /// it has fewer fields or does not start with `arn:`.
    pub(crate) fn parse(arn: &'a str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

/// Whether an IAM principal ARN names a role or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalKind {
    /// `:role/`
    Role,
    /// `:user/`
    User,
}

/// An IAM role or user ARN, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalArn<'a> {
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: &'a str,
    /// The 12-digit account.
    pub account: &'a str,
    /// Role or user.
    pub kind: PrincipalKind,
    /// The name, without the path.
    pub name: &'a str,
}

/// Reads an IAM role or user ARN, or says in a few words why it is not one.
///
/// Access entries accept only roles and users: not assumed-role sessions,
/// not account roots, not service-linked roles.
pub(crate) fn parse_principal_arn(arn: &str) -> Result<PrincipalArn<'_>, &'static str> {
    let Some(Arn {
        partition,
        service,
        region,
        account,
        resource,
    }) = Arn::parse(arn)
    else {
        return Err("not an ARN (expected arn:PARTITION:iam::ACCOUNT:role/NAME)");
    };
    if service == "sts" && resource.starts_with("assumed-role/") {
        return Err(
            "an assumed-role session, not the role itself; use arn:...:iam::ACCOUNT:role/NAME",
        );
    }
    if service != "iam" {
        return Err("not an IAM ARN");
    }
    if !region.is_empty() {
        return Err("IAM ARNs have an empty region field");
    }
    if !is_account_id(account) {
        return Err("the account must be 12 digits");
    }
    let (kind, rest) = if let Some(rest) = resource.strip_prefix("role/") {
        (PrincipalKind::Role, rest)
    } else if let Some(rest) = resource.strip_prefix("user/") {
        (PrincipalKind::User, rest)
    } else if resource == "root" {
        return Err("an account root; access entries need a role or a user");
    } else {
        return Err("neither a role nor a user");
    };
    if kind == PrincipalKind::Role && rest.starts_with("aws-service-role/") {
        return Err("a service-linked role, which EKS does not accept in access entries");
    }
    let name = rest.rsplit('/').next().unwrap_or(rest);
    if name.is_empty() || !name.chars().all(crate::aws::iam::is_iam_name_char) {
        return Err("the role or user name is empty or has characters IAM does not allow");
    }
    Ok(PrincipalArn {
        partition,
        account,
        kind,
        name,
    })
}

/// Whether `arn` names an IAM managed policy (customer or AWS managed) in
/// `partition`.
pub(crate) fn is_policy_arn(arn: &str, partition: Partition) -> bool {
    let prefix = format!("arn:{}:iam::", partition.as_str());
    let Some(rest) = arn.strip_prefix(&prefix) else {
        return false;
    };
    let Some((account, resource)) = rest.split_once(':') else {
        return false;
    };
    (account == "aws" || is_account_id(account))
        && resource
            .strip_prefix("policy/")
            .and_then(|r| r.rsplit('/').next())
            .is_some_and(|name| {
                !name.is_empty() && name.chars().all(crate::aws::iam::is_iam_name_char)
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_arns() {
        let arn =
            parse_principal_arn("arn:aws:iam::111122223333:role/teams/platform/admins").unwrap();
        assert_eq!(arn.kind, PrincipalKind::Role);
        assert_eq!(arn.name, "admins");
        assert_eq!(arn.account, "111122223333");
        let user = parse_principal_arn("arn:aws-cn:iam::111122223333:user/alice").unwrap();
        assert_eq!((user.kind, user.partition), (PrincipalKind::User, "aws-cn"));
        for bad in [
            "arn:aws:sts::111122223333:assumed-role/admins/alice",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS",
            "arn:aws:iam::1111:role/x",
            "arn:aws:iam::111122223333:group/admins",
            "arn:aws:s3:::bucket",
            "admins",
        ] {
            assert!(parse_principal_arn(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn policy_arns() {
        assert!(is_policy_arn(
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            Partition::Aws
        ));
        assert!(is_policy_arn(
            "arn:aws:iam::111122223333:policy/team/boundary",
            Partition::Aws
        ));
        assert!(!is_policy_arn(
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            Partition::AwsCn
        ));
        assert!(!is_policy_arn("arn:aws:iam::aws:role/x", Partition::Aws));
    }

    #[test]
    fn regions() {
        assert!(is_region("eu-west-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(is_region("ap-southeast-7"));
        assert!(!is_region("eu-west"));
        assert!(!is_region("EU-west-2"));
        assert_eq!(Partition::of_region("cn-north-1"), Partition::AwsCn);
        assert_eq!(Partition::of_region("us-gov-east-1"), Partition::AwsUsGov);
        assert_eq!(Partition::of_region("eu-west-2"), Partition::Aws);
    }

    #[test]
    fn aws_auth_strips_role_paths_only() {
        assert_eq!(
            without_role_path("arn:aws:iam::111122223333:role/teams/ci/deployer"),
            "arn:aws:iam::111122223333:role/deployer"
        );
        assert_eq!(
            without_role_path("arn:aws:iam::111122223333:role/admins"),
            "arn:aws:iam::111122223333:role/admins"
        );
        assert_eq!(
            without_role_path("arn:aws:iam::111122223333:user/people/alice"),
            "arn:aws:iam::111122223333:user/people/alice"
        );
    }

    #[test]
    fn arns_are_built_with_the_partition() {
        assert_eq!(
            cluster_arn(Partition::AwsCn, "cn-north-1", "111122223333", "prod"),
            "arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod"
        );
        assert_eq!(
            role_arn(Partition::Aws, "111122223333", "/eksgrant/", "acme-backend"),
            "arn:aws:iam::111122223333:role/eksgrant/acme-backend"
        );
        assert_eq!(
            access_policy_arn(Partition::Aws, "AmazonEKSViewPolicy"),
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        );
    }
}
