//! `[principals.<key>]`: IAM roles and users defined outside the spec.

use std::collections::HashMap;

use super::Workload;
use super::account::Context;
use super::arn;
use super::resolve::Resolver;
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

impl Resolver<'_> {
    /// Checks one `[principals.<key>]` table, except its grants. A principal
    /// whose key is invalid is still returned, so that its grants are
    /// checked too.
    pub(super) fn resolve_principal(
        &mut self,
        ctx: &Context,
        key: Spanned<String>,
        arn: &Spanned<String>,
    ) -> PrincipalInfo {
        self.check_key("principal", &key);
        let parsed = arn::parse_principal_arn(arn.get());
        let is_role = matches!(&parsed, Ok(p) if p.kind == arn::PrincipalKind::Role);
        match parsed {
            Ok(parsed) => {
                if parsed.partition != ctx.partition.as_str() {
                    self.error(
                        "eksgrant::principal_arn",
                        format!("the principal is in partition {}, the spec in {}", parsed.partition, ctx.partition.as_str()),
                        arn.span(),
                        "other partition",
                        "principals must be in the clusters' partition",
                    );
                }
            }
            Err(reason) => self.error(
                "eksgrant::principal_arn",
                format!("`{}` is not an IAM role or user ARN", arn.get()),
                arn.span(),
                reason,
                format!(
                    "access entries take arn:{}:iam::ACCOUNT:role/NAME or arn:{}:iam::ACCOUNT:user/NAME (paths allowed)",
                    ctx.partition.as_str(),
                    ctx.partition.as_str()
                ),
            ),
        }
        PrincipalInfo {
            key,
            arn: arn.get().clone(),
            is_role,
        }
    }

    /// EKS allows one access entry per ARN and cluster.
    pub(super) fn check_unique_principal_arns(&mut self, principals: &[PrincipalInfo]) {
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
                self.duplicate(
                    "eksgrant::duplicate_principal",
                    message,
                    principal.key.span(),
                    first,
                    "principal",
                    "EKS allows one access entry per ARN and cluster: merge the grants into one principal",
                );
            } else {
                seen.insert(normalised, principal);
            }
        }
    }

    /// A principal whose ARN is a role eksgrant generates would get two
    /// access entries for one ARN.
    pub(super) fn check_generated_role_arns(
        &mut self,
        principals: &[PrincipalInfo],
        workloads: &[Workload],
    ) {
        let generated: HashMap<String, &Workload> = workloads
            .iter()
            .filter_map(|w| w.role.as_ref().map(|role| (role.arn.to_lowercase(), w)))
            .collect();
        for principal in principals {
            if let Some(workload) = generated.get(&principal.arn.to_lowercase()) {
                self.error(
                    "eksgrant::duplicate_principal",
                    format!(
                        "principal {} is the role eksgrant generates for workload {}",
                        principal.key.get(),
                        workload.key
                    ),
                    principal.key.span(),
                    "generated role",
                    format!("move these grants to [[workloads.{}.grants]]", workload.key),
                );
            }
        }
    }
}
