//! Built-in least-privilege policies for well-known controllers.
//!
//! A preset is a named list of statements plus the arguments that scope it.
//! Each lives in its own file, with the upstream policy its actions come
//! from and every decision to differ from it; this module knows the
//! registry, and `args` the arguments.

mod args;
#[cfg(test)]
mod pins;
#[cfg(test)]
mod upstream;

mod amazon_managed_prometheus;
mod aws_gateway_controller;
mod aws_load_balancer_controller;
mod aws_privateca_issuer;
mod cert_manager;
mod cloudwatch_observability;
mod cluster_autoscaler;
mod ebs_csi_driver;
mod efs_csi_driver;
mod external_dns;
mod external_secrets;
mod fsx_lustre_csi_driver;
mod karpenter;
mod mountpoint_s3_csi_driver;
mod node_termination_handler;
mod velero;
mod vpc_cni;

pub(crate) use args::{Need, PresetArg};

use std::collections::BTreeMap;

use crate::aws::Partition;
use crate::aws::arn::hosted_zone_arn;
use crate::aws::iam::Statement;

/// Where a preset's statements are built: the account and region of the
/// spec, the clusters the workload runs in, and the scoping arguments the
/// user gave.
pub(crate) struct PresetContext<'a> {
    /// The spec's partition.
    pub partition: Partition,
    /// The spec's account.
    pub account_id: &'a str,
    /// The spec's region.
    pub region: &'a str,
    /// The EKS names of the clusters the workload runs in.
    pub cluster_names: Vec<String>,
    /// The arguments given, each with its values.
    pub args: BTreeMap<PresetArg, Vec<String>>,
}

#[cfg(test)]
impl PresetContext<'static> {
    /// The context the presets' tests share: account 111122223333 in
    /// eu-west-2, one cluster named `platform`, and `args`.
    pub(super) fn for_tests(args: BTreeMap<PresetArg, Vec<String>>) -> Self {
        PresetContext {
            partition: Partition::Aws,
            account_id: "111122223333",
            region: "eu-west-2",
            cluster_names: vec!["platform".into()],
            args,
        }
    }
}

impl PresetContext<'_> {
    /// The values of an argument; empty when it was not given.
    pub(crate) fn arg(&self, arg: PresetArg) -> &[String] {
        self.args.get(&arg).map_or(&[], Vec::as_slice)
    }

    /// The ARNs of the Route 53 hosted zones the preset may change.
    pub(super) fn hosted_zone_arns(&self) -> Vec<String> {
        self.arg(PresetArg::HostedZoneIds)
            .iter()
            .map(|id| hosted_zone_arn(self.partition, id))
            .collect()
    }

    /// An ARN in the spec's partition, region and account:
    /// `arn(service, resource)`.
    pub(crate) fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition.as_str(),
            self.region,
            self.account_id
        )
    }
}

/// The upstream policy a preset was written from, and how it differs.
///
/// A test checks that the preset grants exactly `actions`, less `dropped`,
/// plus `added`: an action upstream adds or drops shows up as a failing test
/// until someone decides, here, what the preset does about it.
pub(crate) struct Upstream {
    /// Project, file and version, e.g.
    /// `kubernetes-sigs/external-dns docs/tutorials/aws.md v0.15.1`.
    pub source: &'static str,
    /// Every action the upstream policy grants.
    pub actions: &'static [&'static str],
    /// Upstream actions the preset leaves out, each with why.
    pub dropped: &'static [(&'static str, &'static str)],
    /// Actions the preset grants that upstream does not, each with why.
    pub added: &'static [(&'static str, &'static str)],
    /// Statements that grant upstream actions on fewer resources or under
    /// more conditions than upstream does, each group with why.
    pub narrowed: &'static [Scoping],
    /// Statements that grant upstream actions on resources or without
    /// conditions that upstream does not (a condition the preset cannot
    /// write), each group with why.
    pub broader: &'static [Scoping],
}

/// Statements of a preset that grant upstream's actions otherwise than
/// upstream does: on other resources, or under other conditions. A test
/// compares every statement with the vendored upstream policy
/// (`data/presets/`), so each such statement is named here and nowhere
/// else.
pub(crate) struct Scoping {
    /// The statements' Sids; a statement written once per cluster is named
    /// without its number. An upstream grant on resources that no statement
    /// names is named by its action.
    pub statements: &'static [&'static str],
    /// What differs from upstream, and why.
    pub why: &'static str,
}

/// A built-in policy.
pub(crate) struct PresetDef {
    /// The name users write in `presets = [{ name = ... }]`.
    pub name: &'static str,
    /// One line for the generated overview.
    pub summary: &'static str,
    /// The arguments the preset takes; no others are accepted.
    pub args: &'static [(PresetArg, Need)],
    /// Optional arguments of which at least one must be given, for a preset
    /// that can be scoped in several ways but not in none; empty for most.
    pub at_least_one: &'static [PresetArg],
    /// What whoever deploys the controller must configure for the policy
    /// to suffice, for the overview.
    pub deployment_note: Option<&'static str>,
    /// Where its actions come from.
    pub upstream: Upstream,
    /// Builds the statements.
    pub statements: fn(&PresetContext<'_>) -> Vec<Statement>,
}

impl PresetDef {
    /// How the preset takes `arg`, if it does.
    pub(crate) fn need(&self, arg: PresetArg) -> Option<Need> {
        self.args
            .iter()
            .find(|(taken, _)| *taken == arg)
            .map(|(_, need)| *need)
    }

    /// The preset's arguments as the overview and the docs list them: a
    /// required one by name (`quote`d), the `at_least_one` group as
    /// `a or b (at least one)`, an optional one marked so; `none` without.
    pub(crate) fn argument_list(&self, quote: impl Fn(&str) -> String) -> String {
        let mut parts = Vec::new();
        let mut group_listed = false;
        for (arg, need) in self.args {
            if self.at_least_one.contains(arg) {
                if !group_listed {
                    let group: Vec<String> =
                        self.at_least_one.iter().map(|a| quote(a.key())).collect();
                    parts.push(format!("{} (at least one)", group.join(" or ")));
                    group_listed = true;
                }
                continue;
            }
            parts.push(match need {
                Need::Required => quote(arg.key()),
                Need::Optional => format!("{} (optional)", quote(arg.key())),
            });
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Every preset, sorted by name.
pub(crate) const PRESETS: &[PresetDef] = &[
    amazon_managed_prometheus::PRESET,
    aws_gateway_controller::PRESET,
    aws_load_balancer_controller::PRESET,
    aws_privateca_issuer::PRESET,
    cert_manager::PRESET,
    cloudwatch_observability::PRESET,
    cluster_autoscaler::PRESET,
    ebs_csi_driver::PRESET,
    efs_csi_driver::PRESET,
    external_dns::PRESET,
    external_secrets::PRESET,
    fsx_lustre_csi_driver::PRESET,
    karpenter::PRESET,
    mountpoint_s3_csi_driver::PRESET,
    node_termination_handler::PRESET,
    velero::PRESET,
    vpc_cni::PRESET,
];

/// Looks a preset up by name.
pub(crate) fn find(name: &str) -> Option<&'static PresetDef> {
    PRESETS.iter().find(|preset| preset.name == name)
}

/// Every preset as `eksgrant presets` prints it: name, what it grants, its
/// arguments, and the upstream policy it was written from.
pub fn describe() -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    for preset in PRESETS {
        let upstream = &preset.upstream;
        let _ = writeln!(
            text,
            "{}\n  grants: {}\n  arguments: {}\n  written from: {} ({})",
            preset.name,
            preset.summary,
            preset.argument_list(ToString::to_string),
            upstream.source,
            crate::text::count(upstream.actions.len(), "action"),
        );
        for (action, why) in upstream.dropped {
            let _ = writeln!(text, "  leaves out {action}: {why}");
        }
        for (action, why) in upstream.added {
            let _ = writeln!(text, "  adds {action}: {why}");
        }
        for scoping in upstream.narrowed {
            let _ = writeln!(
                text,
                "  narrower than upstream in {}: {}",
                scoping.statements.join(", "),
                scoping.why
            );
        }
        for scoping in upstream.broader {
            let _ = writeln!(
                text,
                "  broader than upstream in {}: {}",
                scoping.statements.join(", "),
                scoping.why
            );
        }
    }
    text
}

/// The names of all presets, for help lines.
pub(crate) fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|preset| preset.name).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The table of every preset, as the README holds it (a test keeps the two
    /// equal): its arguments, what it grants, and the upstream policy it was
    /// written from.
    fn markdown_table() -> String {
        use std::fmt::Write as _;
        let mut table = String::from(
            "| preset | arguments (required, optional) | grants | written from |\n| --- | --- | --- | --- |\n",
        );
        for preset in PRESETS {
            let _ = writeln!(
                table,
                "| `{}` | {} | {} | {} |",
                preset.name,
                preset.argument_list(|key| format!("`{key}`")),
                preset.summary,
                preset.upstream.source
            );
        }
        table
    }

    /// Every deliberate difference from upstream, preset by preset, as the
    /// README lists it under the table of presets: what `eksgrant presets`
    /// prints, with the actions that share a reason on one line.
    fn differences_markdown() -> String {
        use std::fmt::Write as _;
        let mut text = String::new();
        for preset in PRESETS {
            let upstream = &preset.upstream;
            let _ = writeln!(text, "- `{}`:", preset.name);
            for (verb, entries) in [("leaves out", upstream.dropped), ("adds", upstream.added)] {
                for (why, actions) in by_reason(entries) {
                    let _ = writeln!(text, "  - {verb} {}: {why}", quoted(&actions));
                }
            }
            for (how, scopings) in [
                ("narrower than upstream in", upstream.narrowed),
                ("broader than upstream in", upstream.broader),
            ] {
                for scoping in scopings {
                    let _ = writeln!(
                        text,
                        "  - {how} {}: {}",
                        quoted(scoping.statements),
                        scoping.why
                    );
                }
            }
        }
        text
    }

    /// Entries grouped by their reason, in the order the reasons first come.
    fn by_reason(
        entries: &[(&'static str, &'static str)],
    ) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for (what, why) in entries {
            match groups.iter_mut().find(|(reason, _)| reason == why) {
                Some((_, whats)) => whats.push(what),
                None => groups.push((why, vec![what])),
            }
        }
        groups
    }

    /// Names as inline code, comma-separated.
    fn quoted(names: &[&str]) -> String {
        names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The table of every preset argument, as docs/spec.md holds it: what its
    /// values look like, and which presets take it.
    fn arguments_table() -> String {
        use std::fmt::Write as _;
        let mut table = String::from("| argument | values | taken by |\n| --- | --- | --- |\n");
        for arg in PresetArg::ALL {
            let takers: Vec<String> = PRESETS
                .iter()
                .filter(|preset| preset.need(arg).is_some())
                .map(|preset| format!("`{}`", preset.name))
                .collect();
            if takers.is_empty() {
                continue;
            }
            let _ = writeln!(
                table,
                "| `{}` | {} | {} |",
                arg.key(),
                arg.example(),
                takers.join(", ")
            );
        }
        table
    }

    /// A context with every argument given, so that every statement a
    /// preset can make is made.
    fn context() -> PresetContext<'static> {
        let arg = |arg: PresetArg| {
            let value = match arg {
                PresetArg::BucketArns => "arn:aws:s3:::example-bucket",
                PresetArg::CertificateAuthorityArns => {
                    "arn:aws:acm-pca:eu-west-2:111122223333:certificate-authority/ca-1"
                }
                PresetArg::HostedZoneIds => "Z0123456789ABCDEFGHIJ",
                PresetArg::IpFamily => "ipv4",
                PresetArg::KmsKeyArns => {
                    "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                }
                PresetArg::NodeRoleArns => "arn:aws:iam::111122223333:role/example-nodes",
                PresetArg::ParameterArns => {
                    "arn:aws:ssm:eu-west-2:111122223333:parameter/example/*"
                }
                PresetArg::QueueArns => "arn:aws:sqs:eu-west-2:111122223333:example-queue",
                PresetArg::SecretArns => {
                    "arn:aws:secretsmanager:eu-west-2:111122223333:secret:example-*"
                }
                PresetArg::WorkspaceArns => {
                    "arn:aws:aps:eu-west-2:111122223333:workspace/ws-example"
                }
            };
            assert!(arg.check(value, Partition::Aws).is_none(), "{value}");
            (arg, vec![value.to_string()])
        };
        PresetContext {
            partition: Partition::Aws,
            account_id: "111122223333",
            region: "eu-west-2",
            cluster_names: vec!["platform".into()],
            args: PresetArg::ALL.into_iter().map(arg).collect(),
        }
    }

    /// The actions a preset's statements grant.
    fn granted(preset: &PresetDef, context: &PresetContext<'_>) -> BTreeSet<String> {
        (preset.statements)(context)
            .iter()
            .flat_map(|s| s.action.0.iter().cloned())
            .collect()
    }

    #[test]
    fn every_preset_grants_exactly_its_upstream_actions_with_its_decisions() {
        for preset in PRESETS {
            let upstream = &preset.upstream;
            assert!(!upstream.source.is_empty(), "{}", preset.name);
            let mut expected: BTreeSet<String> =
                upstream.actions.iter().map(ToString::to_string).collect();
            for (action, why) in upstream.dropped {
                assert!(
                    !why.is_empty(),
                    "{}: say why {action} is dropped",
                    preset.name
                );
                assert!(
                    expected.remove(*action),
                    "{}: {action} is dropped but upstream does not grant it",
                    preset.name
                );
            }
            for (action, why) in upstream.added {
                assert!(
                    !why.is_empty(),
                    "{}: say why {action} is added",
                    preset.name
                );
                assert!(
                    expected.insert((*action).to_string()),
                    "{}: {action} is added but upstream grants it already",
                    preset.name
                );
            }
            assert_eq!(
                granted(preset, &context()),
                expected,
                "{} must grant its upstream actions, less the dropped, plus the added",
                preset.name
            );
        }
    }

    #[test]
    fn the_readme_lists_every_preset_as_this_registry_describes_it() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&markdown_table()),
            "README.md's table of presets differs from the registry:\n{}",
            markdown_table()
        );
    }

    #[test]
    fn the_readme_lists_every_difference_from_upstream() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&differences_markdown()),
            "README.md's list of differences from upstream differs from the registry:\n{}",
            differences_markdown()
        );
    }

    #[test]
    fn docs_spec_md_lists_every_preset_and_argument() {
        let docs = include_str!("../../../docs/spec.md");
        for table in [markdown_table(), arguments_table()] {
            assert!(
                docs.contains(&table),
                "docs/spec.md's tables of presets differ from the registry:\n{table}"
            );
        }
    }

    #[test]
    fn a_preset_takes_each_argument_once_and_grants_no_wildcard_action() {
        for preset in PRESETS {
            let mut args: Vec<PresetArg> = preset.args.iter().map(|(arg, _)| *arg).collect();
            args.sort_unstable();
            args.dedup();
            assert_eq!(args.len(), preset.args.len(), "{}", preset.name);
            for action in granted(preset, &context()) {
                assert!(
                    !action.contains('*') || action.ends_with('*') && action.contains(':'),
                    "{}: {action}",
                    preset.name
                );
                assert_ne!(action, "*", "{}", preset.name);
            }
        }
    }

    #[test]
    fn an_at_least_one_group_is_of_two_or_more_optional_arguments_of_the_preset() {
        for preset in PRESETS {
            if preset.at_least_one.is_empty() {
                continue;
            }
            assert!(
                preset.at_least_one.len() >= 2,
                "{}: make it required",
                preset.name
            );
            for arg in preset.at_least_one {
                assert_eq!(
                    preset.need(*arg),
                    Some(Need::Optional),
                    "{}: {}",
                    preset.name,
                    arg.key()
                );
            }
        }
    }

    #[test]
    fn argument_lists_name_the_group_once() {
        let preset = find("external-secrets").unwrap();
        assert_eq!(
            preset.argument_list(ToString::to_string),
            "secret_arns or parameter_arns (at least one), kms_key_arns (optional)"
        );
        assert_eq!(
            find("cluster-autoscaler")
                .unwrap()
                .argument_list(ToString::to_string),
            "none"
        );
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
                sids.iter().all(|sid| crate::aws::iam::is_sid(sid)),
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
}
