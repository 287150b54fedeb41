//! `[principals.<key>]`: IAM roles and users defined outside the spec.

use std::collections::HashMap;

use super::account::Account;
use super::checker::Checker;
use super::keys::check_key;
use super::names;
use crate::aws::arn;
use crate::code::Code;
use crate::spec::Spanned;

/// A principal after its own checks.
pub(super) struct PrincipalInfo {
    /// The spec key.
    pub key: Spanned<String>,
    /// The IAM role or user ARN.
    pub arn: String,
    /// Whether the ARN is a role (a user otherwise, or not an ARN at all when
    /// the spec is refused).
    pub is_role: bool,
    /// The custom Kubernetes username, checked by [`check_username`] once
    /// the clusters it is used on are known.
    pub username: Option<Spanned<String>>,
}

/// Checks one `[principals.<key>]` table, except its grants. A principal
/// whose key is invalid is still returned, so that its grants are
/// checked too.
pub(super) fn resolve_principal(
    checker: &mut Checker<'_>,
    account: &Account,
    key: Spanned<String>,
    arn: &Spanned<String>,
    username: Option<Spanned<String>>,
) -> PrincipalInfo {
    check_key(checker, "principal", &key);
    let parsed = arn::parse_principal_arn(arn.get());
    let is_role = matches!(&parsed, Ok(p) if p.kind == arn::PrincipalKind::Role);
    match parsed {
        Ok(parsed) => {
            if parsed.partition != account.partition.as_str() {
                checker
                    .error(
                        Code::PrincipalArn,
                        arn.span(),
                        format!(
                            "the principal is in partition {}, the spec in {}",
                            parsed.partition,
                            account.partition.as_str()
                        ),
                    )
                    .label("other partition")
                    .help("principals must be in the clusters' partition");
            }
        }
        Err(reason) => {
            checker
                .error(
                    Code::PrincipalArn,
                    arn.span(),
                    format!("`{}` is not an IAM role or user ARN", arn.get()),
                )
                .label(reason)
                .help(format!(
                    "access entries take arn:{}:iam::ACCOUNT:role/NAME or arn:{}:iam::ACCOUNT:user/NAME (paths allowed)",
                    account.partition.as_str(),
                    account.partition.as_str()
                ));
        }
    }
    PrincipalInfo {
        key,
        arn: arn.get().clone(),
        is_role,
        username,
    }
}

/// Checks a principal's custom username against the rules of where it is
/// used: aws-auth, and access entries when `access_entries` (any of its
/// clusters has them, or it is granted nothing yet).
pub(super) fn check_username(
    checker: &mut Checker<'_>,
    principal: &PrincipalInfo,
    access_entries: bool,
) {
    let Some(username) = &principal.username else {
        return;
    };
    let Some(reason) = names::username_problem(username.get(), access_entries) else {
        return;
    };
    let help = if access_entries {
        "EKS refuses access entry usernames that start with system:, eks:, aws:, amazon: or iam:, and takes {{SessionName}} or {{SessionNameRaw}} after a `:` (as `admin:{{SessionName}}`); remove username to let EKS set one"
    } else {
        "aws-auth usernames may use {{AccountID}}, {{SessionName}}, {{SessionNameRaw}} and {{AccessKeyID}}, and eksgrant refuses the prefixes EKS reserves in access entries (system:, eks:, aws:, amazon:, iam:); remove username for eksgrant's default"
    };
    checker
        .error(
            Code::Username,
            username.span(),
            format!(
                "principal {} cannot have the username `{}`: {reason}",
                principal.key.get(),
                username.get()
            ),
        )
        .label("this username")
        .help(help);
}

/// EKS allows one access entry per ARN and cluster.
pub(super) fn check_unique_principal_arns(checker: &mut Checker<'_>, principals: &[PrincipalInfo]) {
    let mut seen: HashMap<String, &PrincipalInfo> = HashMap::new();
    for principal in principals {
        // IAM names are case-insensitive, so is this comparison.
        let normalised = principal.arn.to_lowercase();
        if let Some(first) = seen.get(&normalised) {
            let message = format!(
                "principals {} and {} have the same ARN",
                first.key.get(),
                principal.key.get()
            );
            let first = first.key.span();
            checker
                .duplicate(
                    Code::DuplicatePrincipal,
                    principal.key.span(),
                    first,
                    "principal",
                    message,
                )
                .help(
                    "EKS allows one access entry per ARN and cluster: merge the grants into one principal",
                );
        } else {
            seen.insert(normalised, principal);
        }
    }
}
