//! A workload's permission policies, built from presets, custom statements
//! and the `eks:DescribeCluster` that reaching another cluster needs. (Its
//! trust policy is [`super::trust`]'s.)

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use super::account::Account;
use super::checker::Checker;
use super::clusters::ClusterInfo;
use super::names;
use super::workloads::WorkloadInfo;
use crate::aws::iam::{MAX_MANAGED_POLICY, OneOrMany, PolicyDocument, Statement};
use crate::aws::presets::{self, Need, PresetArg, PresetContext};
use crate::code::Code;
use crate::spec::{self, Effect, IpFamily, Spanned};
use crate::text::closest;

/// IAM condition operators, without the `ForAllValues:`/`ForAnyValue:`
/// prefixes and the `IfExists` suffix.
const CONDITION_OPERATORS: &[&str] = &[
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "BinaryEquals",
    "Bool",
    "DateEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateNotEquals",
    "IpAddress",
    "NotIpAddress",
    "Null",
    "NumericEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericNotEquals",
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
];

/// The workload's own permission policies: none when it needs none, and as
/// many as it takes to keep each within IAM's size limit.
///
/// Statements are packed in order, so the documents read like one policy cut
/// in pages; the AWS Load Balancer Controller preset alone needs two.
pub(super) fn permissions(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    workload: &WorkloadInfo,
    reaches: &[String],
) -> Vec<PolicyDocument> {
    // Every statement, with where its Sid comes from: a user's `sid` (with
    // its span), a preset, or eksgrant itself.
    let mut statements: Vec<(Statement, SidSource)> = Vec::new();
    let mut seen_presets: HashMap<&str, Range<usize>> = HashMap::new();
    let cluster_names: Vec<String> = workload
        .clusters
        .iter()
        .filter_map(|key| clusters.get(key))
        .map(|c| c.name.clone())
        .collect();
    for preset in &workload.aws.presets {
        if let Some(first) = seen_presets.get(preset.name.get().as_str()) {
            checker
                .duplicate(
                    Code::DuplicatePreset,
                    preset.name.span(),
                    first.clone(),
                    "listing",
                    format!("preset {} is listed twice", preset.name.get()),
                )
                .help("list each preset once; put all its hosted zones in one list");
            continue;
        }
        seen_presets.insert(preset.name.get(), preset.name.span());
        let source = SidSource::Preset(preset.name.get().clone());
        statements.extend(
            preset_statements(checker, account, &cluster_names, preset)
                .into_iter()
                .map(|s| (s, source.clone())),
        );
    }
    // eksgrant's own statement comes last; its Sid is reserved from the start.
    let describe = (!reaches.is_empty()).then(|| {
        let arns = reaches
            .iter()
            .filter_map(|key| clusters.get(key))
            .map(|c| c.arn.clone())
            .collect();
        Statement::allow("DescribeReachedClusters", &["eks:DescribeCluster"], arns)
    });
    let explicit: HashSet<String> = workload
        .aws
        .statements
        .iter()
        .filter_map(|s| s.sid.as_ref().map(|sid| sid.get().clone()))
        .chain(statements.iter().map(|(s, _)| s.sid.clone()))
        .chain(describe.iter().map(|s| s.sid.clone()))
        .collect();
    let mut defaults_given = HashSet::new();
    for (index, statement) in workload.aws.statements.iter().enumerate() {
        let (sid, source) = match &statement.sid {
            Some(sid) => (sid.get().clone(), SidSource::User(sid.span())),
            None => {
                // `Custom<n>` for the n-th statement, or the next free number
                // if the user took that one.
                #[allow(clippy::maybe_infinite_iter)] // stops at the first free number
                let sid = (index + 1..)
                    .map(|n| format!("Custom{n}"))
                    .find(|sid| !explicit.contains(sid) && !defaults_given.contains(sid))
                    .expect("an unbounded range has a free number");
                defaults_given.insert(sid.clone());
                (sid, SidSource::Eksgrant)
            }
        };
        if let Some(resolved) = custom_statement(checker, sid, statement) {
            statements.push((resolved, source));
        }
    }
    statements.extend(describe.map(|statement| (statement, SidSource::Eksgrant)));
    check_unique_sids(checker, workload, &statements);

    let mut documents: Vec<PolicyDocument> = Vec::new();
    for (statement, source) in statements {
        let alone = PolicyDocument::new(vec![statement.clone()]);
        if alone.iam_size() > MAX_MANAGED_POLICY {
            checker
                .error(
                    Code::PermissionPolicySize,
                    match source {
                        SidSource::User(span) => span,
                        _ => workload.key.span(),
                    },
                    format!(
                        "statement {} of workload {} is {} characters on its own; IAM allows {MAX_MANAGED_POLICY} per policy",
                        statement.sid,
                        workload.key.get(),
                        alone.iam_size()
                    ),
                )
                .label("statement too large")
                .help(
                    "split the statement into several, or use wildcards in its actions and resources",
                );
            continue;
        }
        let fits_in_last = documents.last().is_some_and(|last| {
            let mut candidate = last.clone();
            candidate.statement.push(statement.clone());
            candidate.iam_size() <= MAX_MANAGED_POLICY
        });
        match documents.last_mut() {
            Some(last) if fits_in_last => last.statement.push(statement),
            _ => documents.push(alone),
        }
    }
    documents
}

/// Where a statement's Sid comes from.
#[derive(Clone)]
enum SidSource {
    /// The user's `sid`, at this span.
    User(Range<usize>),
    /// A preset, by name.
    Preset(String),
    /// eksgrant: `DescribeReachedClusters`, or a default `Custom<n>`.
    Eksgrant,
}

/// A user's Sid that repeats another user's Sid, or one a preset or eksgrant
/// uses; IAM requires Sids to be unique within a policy.
fn check_unique_sids(
    checker: &mut Checker<'_>,
    workload: &WorkloadInfo,
    statements: &[(Statement, SidSource)],
) {
    let mut first_use: HashMap<&str, &SidSource> = HashMap::new();
    for (statement, source) in statements {
        let Some(first) = first_use.get(statement.sid.as_str()).copied() else {
            first_use.insert(&statement.sid, source);
            continue;
        };
        let message = format!(
            "statement ID {} is used twice in workload {}'s policy",
            statement.sid,
            workload.key.get()
        );
        match (first, source) {
            (SidSource::User(first), SidSource::User(second)) => {
                checker
                    .duplicate(
                        Code::DuplicateSid,
                        second.clone(),
                        first.clone(),
                        "use",
                        message,
                    )
                    .help("give each statement its own sid");
            }
            (other, SidSource::User(span)) | (SidSource::User(span), other) => {
                let owner = match other {
                    SidSource::Preset(name) => format!("preset {name}"),
                    _ => "eksgrant".to_string(),
                };
                checker
                    .error(Code::DuplicateSid, span.clone(), message)
                    .label(format!("also used by {owner}"))
                    .help("choose another sid");
            }
            // Presets and eksgrant use distinct Sids (a unit test checks the
            // presets); two presets are never listed twice.
            _ => {}
        }
    }
}

fn preset_statements(
    checker: &mut Checker<'_>,
    account: &Account,
    cluster_names: &[String],
    preset: &Spanned<spec::Preset>,
) -> Vec<Statement> {
    let Some(def) = presets::find(preset.name.get()) else {
        let help = match closest(preset.name.get(), presets::names()) {
            Some(near) => format!("did you mean \"{near}\"?"),
            None => format!("the presets are: {}", presets::names().join(", ")),
        };
        checker
            .error(
                Code::UnknownPreset,
                preset.name.span(),
                format!("there is no preset named `{}`", preset.name.get()),
            )
            .label("unknown preset")
            .help(help);
        return Vec::new();
    };
    let mut ok = true;
    let mut args = BTreeMap::new();
    for given in given(preset.get()) {
        let key = given.arg.key();
        if def.need(given.arg).is_none() {
            let takes: Vec<&str> = def.args.iter().map(|(arg, _)| arg.key()).collect();
            checker
                .error(
                    Code::PresetArgument,
                    given.span.clone(),
                    format!("preset {} does not take {key}", def.name),
                )
                .label("not an argument of this preset")
                .help(if takes.is_empty() {
                    format!("remove {key}: preset {} takes no arguments", def.name)
                } else {
                    format!(
                        "remove {key}; preset {} takes {}",
                        def.name,
                        takes.join(", ")
                    )
                });
            ok = false;
            continue;
        }
        if given.values.is_empty() {
            checker
                .error(
                    Code::PresetArgument,
                    given.span.clone(),
                    format!("{key} is empty"),
                )
                .label("nothing listed")
                .help(format!("list what the preset may use, or remove {key}"));
            ok = false;
        }
        for (value, span) in &given.values {
            if let Some((message, help)) = given.arg.check(value, account.partition) {
                checker
                    .error(Code::PresetArgument, span.clone(), message)
                    .label(format!("not a valid {key} value"))
                    .help(help);
                ok = false;
            }
        }
        args.insert(
            given.arg,
            given.values.into_iter().map(|(value, _)| value).collect(),
        );
    }
    for (arg, need) in def.args {
        if *need == Need::Required && !args.contains_key(arg) {
            checker
                .error(
                    Code::PresetArgument,
                    preset.name.span(),
                    format!("preset {} needs {}", def.name, arg.key()),
                )
                .label(format!("missing {}", arg.key()))
                .help(format!(
                    "add {} to {{ name = \"{}\", ... }}: the preset may only use what it lists",
                    arg.key(),
                    def.name
                ));
            ok = false;
        }
    }
    if !def.at_least_one.is_empty() && !def.at_least_one.iter().any(|arg| args.contains_key(arg)) {
        let choices: Vec<&str> = def.at_least_one.iter().map(|arg| arg.key()).collect();
        checker
            .error(
                Code::PresetArgument,
                preset.name.span(),
                format!(
                    "preset {} needs at least one of {}",
                    def.name,
                    choices.join(", ")
                ),
            )
            .label(format!("missing {}", choices.join(" or ")))
            .help(format!(
                "add {} to {{ name = \"{}\", ... }}: the preset may only use what they list",
                choices.join(" or "),
                def.name
            ));
        ok = false;
    }
    if !ok {
        return Vec::new();
    }
    let context = PresetContext {
        partition: account.partition,
        account_id: &account.id,
        region: &account.region,
        cluster_names: cluster_names.to_vec(),
        args,
    };
    (def.statements)(&context)
}

fn custom_statement(
    checker: &mut Checker<'_>,
    sid: String,
    statement: &Spanned<spec::Statement>,
) -> Option<Statement> {
    let mut ok = true;
    if let Some(given) = &statement.sid
        && !names::is_sid(given.get())
    {
        let suggestion = names::sid_from_key(
            &given
                .get()
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
        );
        checker
            .error(
                Code::Sid,
                given.span(),
                format!("`{}` is not a valid statement ID", given.get()),
            )
            .label("IAM Sids are letters and digits only")
            .help(format!("use e.g. \"{suggestion}\""));
        ok = false;
    }
    if statement.actions.get().is_empty() {
        checker
            .error(
                Code::Statement,
                statement.actions.span(),
                "actions is empty",
            )
            .label("no actions")
            .help("list the actions, e.g. [\"s3:GetObject\"]");
        ok = false;
    }
    for action in statement.actions.get() {
        if !is_action(action.get()) {
            checker
                .error(
                    Code::Statement,
                    action.span(),
                    format!("`{}` is not an IAM action", action.get()),
                )
                .label("not service:Action")
                .help(
                    "write actions as service:Action, e.g. \"s3:GetObject\" (wildcards allowed: \"s3:Get*\")",
                );
            ok = false;
        }
    }
    if statement.resources.get().is_empty() {
        checker
            .error(Code::Statement, statement.resources.span(), "resources is empty")
            .label("no resources")
            .help(
                "list resource ARNs, or [\"*\"] for actions that have no resource-level permissions",
            );
        ok = false;
    }
    for resource in statement.resources.get() {
        if resource.get() != "*" && !resource.get().starts_with("arn:") {
            checker
                .error(
                    Code::Statement,
                    resource.span(),
                    format!("`{}` is not a resource ARN", resource.get()),
                )
                .label("not an ARN")
                .help("resources are ARNs (arn:aws:s3:::bucket/*) or \"*\"");
            ok = false;
        }
    }
    let mut condition: BTreeMap<String, BTreeMap<String, OneOrMany>> = BTreeMap::new();
    for c in &statement.conditions {
        if !is_condition_operator(c.test.get()) {
            let base = c
                .test
                .get()
                .trim_start_matches("ForAllValues:")
                .trim_start_matches("ForAnyValue:");
            let help = match closest(base, CONDITION_OPERATORS.iter().copied()) {
                Some(near) => format!("did you mean \"{near}\"?"),
                None => "use an IAM condition operator such as StringEquals, StringLike, ArnLike or Bool".to_string(),
            };
            checker
                .error(
                    Code::Condition,
                    c.test.span(),
                    format!("`{}` is not an IAM condition operator", c.test.get()),
                )
                .label("unknown operator")
                .help(help);
            ok = false;
        }
        if c.variable.get().is_empty() || c.variable.get().contains(char::is_whitespace) {
            checker
                .error(
                    Code::Condition,
                    c.variable.span(),
                    "the condition key is empty or has spaces",
                )
                .label("not a condition key")
                .help("use a condition key such as \"aws:ResourceTag/team\"");
            ok = false;
        }
        if c.values.get().is_empty() {
            checker
                .error(Code::Condition, c.values.span(), "values is empty")
                .label("no values")
                .help("give at least one value");
            ok = false;
        }
        condition
            .entry(c.test.get().clone())
            .or_default()
            .entry(c.variable.get().clone())
            .or_default()
            .0
            .extend(c.values.get().iter().map(|v| v.get().clone()));
    }
    ok.then(|| Statement {
        sid,
        effect: statement
            .effect
            .as_ref()
            .map_or(Effect::Allow, |e| *e.get()),
        principal: BTreeMap::new(),
        action: OneOrMany(
            statement
                .actions
                .get()
                .iter()
                .map(|a| a.get().clone())
                .collect(),
        ),
        resource: OneOrMany(
            statement
                .resources
                .get()
                .iter()
                .map(|r| r.get().clone())
                .collect(),
        ),
        condition,
    })
}

/// `service:Action`, with `*` and `?` wildcards, or `*` alone.
fn is_action(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}

fn is_condition_operator(test: &str) -> bool {
    let base = test
        .strip_prefix("ForAllValues:")
        .or_else(|| test.strip_prefix("ForAnyValue:"))
        .unwrap_or(test);
    match base.strip_suffix("IfExists") {
        // Null tests for absence itself; it has no IfExists form.
        Some(stripped) => stripped != "Null" && CONDITION_OPERATORS.contains(&stripped),
        None => CONDITION_OPERATORS.contains(&base),
    }
}

/// An argument as the spec gives it.
pub(crate) struct Given {
    /// Which argument.
    pub arg: PresetArg,
    /// Where it is written.
    pub span: Range<usize>,
    /// Its values, each with its span (one for `ip_family`).
    pub values: Vec<(String, Range<usize>)>,
}

/// The arguments a spec preset gives, in [`PresetArg::ALL`]'s order.
pub(crate) fn given(preset: &spec::Preset) -> Vec<Given> {
    let list = |arg, field: &Option<Spanned<Vec<Spanned<String>>>>| {
        field.as_ref().map(|values| Given {
            arg,
            span: values.span(),
            values: values
                .get()
                .iter()
                .map(|v| (v.get().clone(), v.span()))
                .collect(),
        })
    };
    let ip_family = preset.ip_family.as_ref().map(|family| Given {
        arg: PresetArg::IpFamily,
        span: family.span(),
        values: vec![(
            match family.get() {
                IpFamily::Ipv4 => "ipv4",
                IpFamily::Ipv6 => "ipv6",
            }
            .to_string(),
            family.span(),
        )],
    });
    [
        list(PresetArg::BucketArns, &preset.bucket_arns),
        list(
            PresetArg::CertificateAuthorityArns,
            &preset.certificate_authority_arns,
        ),
        list(PresetArg::HostedZoneIds, &preset.hosted_zone_ids),
        ip_family,
        list(PresetArg::KmsKeyArns, &preset.kms_key_arns),
        list(PresetArg::NodeRoleArns, &preset.node_role_arns),
        list(PresetArg::ParameterArns, &preset.parameter_arns),
        list(PresetArg::QueueArns, &preset.queue_arns),
        list(PresetArg::SecretArns, &preset.secret_arns),
        list(PresetArg::WorkspaceArns, &preset.workspace_arns),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        assert!(is_action("s3:GetObject"));
        assert!(is_action("s3:Get*"));
        assert!(is_action("cognito-idp:DescribeUserPoolClient"));
        assert!(is_action("*"));
        assert!(!is_action("GetObject"));
        assert!(!is_action("s3:"));
        assert!(!is_action("S3:GetObject"));
        assert!(!is_action("s3:Get Object"));
    }

    #[test]
    fn condition_operators() {
        assert!(is_condition_operator("StringEquals"));
        assert!(is_condition_operator("StringLikeIfExists"));
        assert!(is_condition_operator("ForAllValues:StringLike"));
        assert!(is_condition_operator("Null"));
        assert!(!is_condition_operator("NullIfExists"));
        assert!(!is_condition_operator("StringEqual"));
    }
}
