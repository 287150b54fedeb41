//! Built-in least-privilege policies for well-known controllers.
//!
//! A preset is a named list of statements plus the arguments that scope it.
//! Each lives in its own file with the sources its actions come from; this
//! module only knows the registry and the arguments.

mod aws_load_balancer_controller;
mod cert_manager;
mod external_dns;

use crate::model::arn::hosted_zone_arn;
use crate::model::iam::Statement;
use crate::spec::Partition;

/// Where a preset's statements are built: the account and region of the spec,
/// and the scoping arguments the user gave.
pub(crate) struct PresetContext<'a> {
    /// The spec's partition.
    pub partition: Partition,
    /// The spec's account.
    pub account_id: &'a str,
    /// The spec's region.
    pub region: &'a str,
    /// `hosted_zone_ids`, empty when not given.
    pub hosted_zone_ids: Vec<String>,
}

impl PresetContext<'_> {
    /// The ARNs of the Route 53 hosted zones the preset may change.
    pub(super) fn hosted_zone_arns(&self) -> Vec<String> {
        self.hosted_zone_ids
            .iter()
            .map(|id| hosted_zone_arn(self.partition, id))
            .collect()
    }
}

/// A scoping argument a preset may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PresetArg {
    /// `hosted_zone_ids`: Route 53 zones the preset may change.
    HostedZoneIds,
}

/// A built-in policy.
pub(crate) struct PresetDef {
    /// The name users write in `presets = [{ name = ... }]`.
    pub name: &'static str,
    /// One line for the generated overview.
    pub summary: &'static str,
    /// Arguments the preset requires; no others are accepted.
    pub required_args: &'static [PresetArg],
    /// What whoever deploys the controller must configure for the policy
    /// to suffice, for the overview.
    pub deployment_note: Option<&'static str>,
    /// Builds the statements.
    pub statements: fn(&PresetContext<'_>) -> Vec<Statement>,
}

/// Every preset, sorted by name.
pub(crate) const PRESETS: &[PresetDef] = &[
    aws_load_balancer_controller::PRESET,
    cert_manager::PRESET,
    external_dns::PRESET,
];

/// Looks a preset up by name.
pub(crate) fn find(name: &str) -> Option<&'static PresetDef> {
    PRESETS.iter().find(|preset| preset.name == name)
}

/// The names of all presets, for help lines.
pub(crate) fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|preset| preset.name).collect()
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

    fn context() -> PresetContext<'static> {
        PresetContext {
            partition: Partition::Aws,
            account_id: "111122223333",
            region: "eu-west-2",
            hosted_zone_ids: vec!["Z0123456789ABCDEFGHIJ".into()],
        }
    }

    #[test]
    fn registry_is_sorted_and_sids_are_unique_and_alphanumeric() {
        let names = names();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for preset in PRESETS {
            let statements = (preset.statements)(&context());
            assert!(!statements.is_empty(), "{}", preset.name);
            let mut sids: Vec<_> = statements.iter().map(|s| s.sid.as_str()).collect();
            assert!(
                sids.iter().all(|sid| crate::model::names::is_sid(sid)),
                "{sids:?}"
            );
            sids.sort_unstable();
            sids.dedup();
            assert_eq!(
                sids.len(),
                statements.len(),
                "{} repeats a Sid",
                preset.name
            );
        }
    }

    #[test]
    fn hosted_zone_presets_change_only_the_given_zones() {
        for name in ["external-dns", "cert-manager"] {
            let statements = (find(name).unwrap().statements)(&context());
            let change = statements
                .iter()
                .find(|s| {
                    s.action
                        .0
                        .iter()
                        .any(|a| a == "route53:ChangeResourceRecordSets")
                })
                .unwrap();
            assert_eq!(
                change.resource.0,
                vec!["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ".to_string()],
                "{name}"
            );
        }
    }

    #[test]
    fn hosted_zone_ids() {
        assert!(is_hosted_zone_id("Z0123456789ABCDEFGHIJ"));
        assert!(is_hosted_zone_id("Z2FDTNDATAQYW2"));
        assert!(!is_hosted_zone_id("z0123"));
        assert!(!is_hosted_zone_id("/hostedzone/Z0123"));
        assert!(!is_hosted_zone_id("Z"));
    }
}
