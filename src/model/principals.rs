//! `[principals.<key>]`: IAM roles and users defined outside the spec.

use std::collections::HashMap;

use super::account::Account;
use super::arn;
use super::checker::Checker;
use super::keys::check_key;
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
}

/// Checks one `[principals.<key>]` table, except its grants. A principal
/// whose key is invalid is still returned, so that its grants are
/// checked too.
pub(super) fn resolve_principal(
    checker: &mut Checker<'_>,
    account: &Account,
    key: Spanned<String>,
    arn: &Spanned<String>,
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
    }
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
