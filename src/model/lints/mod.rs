//! The lints pass: warnings about what a valid spec allows, each on the
//! spec item that allows it (a grant, a custom statement, a workload), and
//! the `allow` lists that acknowledge them there.
//!
//! A lint is a warning with a [`LintScope`]: `allow = ["<lint>"]` on an item
//! of that scope keeps it from being reported for that item, and the model
//! keeps the acknowledgement ([`Acknowledgement`]) so that it can be shown.
//! An `allow` entry whose lint does not fire on its item is itself a warning
//! (`unused_allow`), so that acknowledgements do not outlive their reason;
//! one that names no lint of its item is an error.
//!
//! The rules, and why each is drawn where it is, are in docs/spec.md
//! ("Lints").

mod carried;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::checker::Checker;
use super::grants::{GrantSet, Granted, ResolvedGrant};
use super::subjects::Subjects;
use super::types::{AcknowledgedItem, Acknowledgement, Workload};
use super::workloads::WorkloadInfo;
use crate::code::{Code, LintScope};
use crate::rbac::access_policies::CLUSTER_ADMIN;
use crate::spec::{self, Effect, Spanned};
use crate::text::closest;
use crate::text::{FEW, first_few};

/// The verbs that let a subject hold more than it is granted, with what
/// each does.
const ESCALATION_VERBS: &[(&str, &str)] = &[
    ("bind", "bind roles that hold permissions it does not hold"),
    (
        "escalate",
        "write roles that hold permissions it does not hold",
    ),
    (
        "impersonate",
        "act as other users, groups or ServiceAccounts",
    ),
];

/// The verbs that read objects.
const READ_VERBS: &[&str] = &["get", "list", "watch", "*"];

/// The verbs that run a command in a pod through `pods/exec` or
/// `pods/attach`: `create`, and `get`, which WebSocket clients used before
/// Kubernetes 1.30 and API servers still accept unless told otherwise.
const EXEC_VERBS: &[&str] = &["create", "get", "*"];

/// The verbs that decide what a pod runs: creating one, or changing a
/// controller's pod template or a pod's image.
const POD_WRITE_VERBS: &[&str] = &["create", "update", "patch", "*"];

/// Pods and the controllers that make pods from a template, with their API
/// groups.
const POD_MAKERS: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

/// Actions that the Service Authorization Reference lists without a
/// resource type (its "Resource types" column is empty), so that `*` is
/// their only resource, and that only read. `Describe*` and `List*`
/// actions are accepted by their prefix.
const READS_WITHOUT_RESOURCE: &[&str] = &[
    "sts:GetCallerIdentity",
    "ecr:GetAuthorizationToken",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
];

/// A lint that fires, before its item's `allow` is read.
struct Finding {
    code: Code,
    span: Range<usize>,
    message: String,
    label: String,
    help: String,
    /// A second place to point at.
    also: Option<(Range<usize>, String)>,
}

impl Finding {
    fn new(
        code: Code,
        span: Range<usize>,
        message: String,
        label: impl Into<String>,
        help: String,
    ) -> Self {
        Finding {
            code,
            span,
            message,
            label: label.into(),
            help,
            also: None,
        }
    }
}

/// The lints pass: reports every lint that fires and is not acknowledged,
/// and returns the acknowledgements by subject key.
pub(super) fn lints(
    checker: &mut Checker<'_>,
    subjects: &Subjects,
    grants: &GrantSet,
    workloads: &[Workload],
) -> HashMap<String, Vec<Acknowledgement>> {
    let resolved: HashMap<(&str, usize), &ResolvedGrant> = grants
        .grants
        .iter()
        .map(|g| ((g.subject.as_str(), g.index), g))
        .collect();
    let with_role: HashSet<&str> = workloads
        .iter()
        .filter(|w| w.role.is_some())
        .map(|w| w.key.as_str())
        .collect();
    let identities = AwsIdentities::new(workloads);
    let mut acknowledged: HashMap<String, Vec<Acknowledgement>> = HashMap::new();
    for (info, spec_grants) in subjects.workloads.iter().zip(&subjects.workload_grants) {
        let key = info.key.get();
        let mut acks = Vec::new();
        let findings = irsa_many_clusters(info, with_role.contains(key.as_str()));
        report(
            checker,
            LintScope::Workload,
            info.allow.as_ref(),
            &AcknowledgedItem::Workload,
            Some(findings),
            &mut acks,
        );
        for (index, statement) in info.aws.statements.iter().enumerate() {
            report(
                checker,
                LintScope::Statement,
                statement.allow.as_ref(),
                &AcknowledgedItem::Statement {
                    number: index + 1,
                    sid: statement.sid.as_ref().map(|s| s.get().clone()),
                },
                Some(iam_wildcard(key, statement, index + 1)),
                &mut acks,
            );
        }
        let subject = Subject {
            key,
            what: "workload",
            is_workload: true,
        };
        grant_lints(
            checker,
            &subject,
            spec_grants,
            &resolved,
            &identities,
            &mut acks,
        );
        acknowledged.insert(key.clone(), acks);
    }
    for (info, spec_grants) in subjects.principals.iter().zip(&subjects.principal_grants) {
        let key = info.key.get();
        let mut acks = Vec::new();
        let subject = Subject {
            key,
            what: "principal",
            is_workload: false,
        };
        grant_lints(
            checker,
            &subject,
            spec_grants,
            &resolved,
            &identities,
            &mut acks,
        );
        acknowledged.entry(key.clone()).or_default().extend(acks);
    }
    acknowledged
}

/// Who a grant is for.
struct Subject<'a> {
    key: &'a str,
    /// "workload" or "principal".
    what: &'static str,
    is_workload: bool,
}

impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.what, self.key)
    }
}

/// The lints of each grant of one subject.
fn grant_lints(
    checker: &mut Checker<'_>,
    subject: &Subject<'_>,
    spec_grants: &[Spanned<spec::Grant>],
    resolved: &HashMap<(&str, usize), &ResolvedGrant>,
    identities: &AwsIdentities<'_>,
    acks: &mut Vec<Acknowledgement>,
) {
    for (index, grant) in spec_grants.iter().enumerate() {
        // A grant that did not resolve has an error of its own; its `allow`
        // is still checked, but nothing is linted or reported unused.
        let findings = resolved
            .get(&(subject.key, index))
            .map(|g| grant_findings(subject, grant, g, identities));
        report(
            checker,
            LintScope::Grant,
            grant.allow.as_ref(),
            &AcknowledgedItem::Grant {
                number: index + 1,
                cluster: grant.cluster.get().clone(),
            },
            findings,
            acks,
        );
    }
}

/// Reports an item's findings that its `allow` does not acknowledge, and
/// the `allow` entries that acknowledge nothing; records the rest.
fn report(
    checker: &mut Checker<'_>,
    scope: LintScope,
    allow: Option<&Spanned<Vec<Spanned<String>>>>,
    on: &AcknowledgedItem,
    findings: Option<Vec<Finding>>,
    acks: &mut Vec<Acknowledgement>,
) {
    let allowed = allowed_lints(checker, scope, allow);
    let Some(findings) = findings else {
        return;
    };
    let mut silenced: Vec<Vec<String>> = vec![Vec::new(); allowed.len()];
    for finding in findings {
        if let Some(at) = allowed.iter().position(|(code, _)| *code == finding.code) {
            silenced[at].push(finding.message);
            continue;
        }
        let problem = checker.warning(finding.code, finding.span, finding.message);
        problem.label(finding.label).help(finding.help);
        if let Some((span, label)) = finding.also {
            problem.also(span, label);
        }
    }
    let item = match scope {
        LintScope::Grant => "grant",
        LintScope::Statement => "statement",
        LintScope::Workload => "workload",
    };
    for ((code, span), silenced) in allowed.into_iter().zip(silenced) {
        if silenced.is_empty() {
            checker
                .warning(
                    Code::UnusedAllow,
                    span,
                    format!("{} does not fire on this {item}", code.short_name()),
                )
                .label("nothing to acknowledge")
                .help(format!(
                    "remove \"{}\" from allow, so that the lint is reported if the {item} changes",
                    code.short_name()
                ));
        }
        acks.push(Acknowledgement {
            code,
            on: on.clone(),
            silenced,
        });
    }
}

/// The lints an `allow` list names, checked: each must be a lint reported
/// on items of `scope`, written by its short name, once.
fn allowed_lints(
    checker: &mut Checker<'_>,
    scope: LintScope,
    allow: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Vec<(Code, Range<usize>)> {
    let Some(list) = allow else {
        return Vec::new();
    };
    let here: Vec<&str> = Code::LINTS
        .iter()
        .filter(|code| code.lint_scope() == Some(scope))
        .map(|code| code.short_name())
        .collect();
    let listing = format!("the lints of {} are: {}", scope.items(), here.join(", "));
    let mut allowed: Vec<(Code, Range<usize>)> = Vec::new();
    for entry in list.get() {
        let name = entry.get().as_str();
        if let Some(short) = name.strip_prefix("eksgrant::") {
            checker
                .error(
                    Code::Allow,
                    entry.span(),
                    format!("allow takes the lint's short name, not `{name}`"),
                )
                .label("with eksgrant::")
                .help(format!("write \"{short}\""));
            continue;
        }
        let Some(code) = Code::parse(name) else {
            let lints = Code::LINTS.iter().map(|code| code.short_name());
            let help = match closest(name, lints) {
                Some(near) => format!("did you mean \"{near}\"? T{}", &listing[1..]),
                None => listing.clone(),
            };
            checker
                .error(
                    Code::Allow,
                    entry.span(),
                    format!("`{name}` is not a lint eksgrant reports"),
                )
                .label("unknown lint")
                .help(help);
            continue;
        };
        match code.lint_scope() {
            None => {
                let kind = if code.explain().warning {
                    "a warning that is not a lint"
                } else {
                    "an error"
                };
                checker
                    .error(
                        Code::Allow,
                        entry.span(),
                        format!("`{name}` is not a lint, and only lints can be acknowledged"),
                    )
                    .label("not a lint")
                    .help(format!(
                        "{name} is {kind}: fix what it reports (eksgrant explain-code {name}); {listing}"
                    ));
            }
            Some(other) if other != scope => {
                checker
                    .error(
                        Code::Allow,
                        entry.span(),
                        format!(
                            "`{name}` is reported on {}, not on {}",
                            other.items(),
                            scope.items()
                        ),
                    )
                    .label("never reported here")
                    .help(format!(
                        "move it to the allow of the item it is about; {listing}"
                    ));
            }
            Some(_) if allowed.iter().any(|(seen, _)| *seen == code) => {
                checker
                    .error(
                        Code::Allow,
                        entry.span(),
                        format!("`{name}` is listed twice"),
                    )
                    .label("repeated")
                    .help("list each lint once");
            }
            Some(_) => allowed.push((code, entry.span())),
        }
    }
    allowed
}

/// The ServiceAccounts that have an AWS identity (their workload has an
/// IAM role), by cluster and namespace, so that what a grant reaches costs
/// the namespaces it names, not the workloads they hold: a namespace with a
/// thousand such ServiceAccounts and a hundred grants on it would otherwise
/// cost a hundred thousand steps, and a message each that names them all.
struct AwsIdentities<'a> {
    /// Each workload with its place in the spec, by cluster.
    by_cluster: HashMap<&'a str, Vec<(usize, &'a Workload)>>,
    /// The same, by cluster and namespace.
    by_namespace: HashMap<(&'a str, &'a str), Vec<(usize, &'a Workload)>>,
    /// The namespaces that hold them, by cluster, sorted.
    namespaces: HashMap<&'a str, Vec<&'a str>>,
}

/// What a grant reaches: how many ServiceAccounts with an AWS identity,
/// the first few of them, and the namespaces they are in.
struct Reached<'a> {
    count: usize,
    first: Vec<&'a Workload>,
    /// The first few namespaces, in order of their names.
    namespaces: Vec<String>,
    namespace_count: usize,
}

impl<'a> AwsIdentities<'a> {
    fn new(workloads: &'a [Workload]) -> Self {
        let mut by_cluster: HashMap<&str, Vec<(usize, &Workload)>> = HashMap::new();
        let mut by_namespace: HashMap<(&str, &str), Vec<(usize, &Workload)>> = HashMap::new();
        for (at, workload) in workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.role.is_some())
        {
            for cluster in &workload.clusters {
                by_cluster.entry(cluster).or_default().push((at, workload));
                by_namespace
                    .entry((cluster, &workload.namespace))
                    .or_default()
                    .push((at, workload));
            }
        }
        let mut namespaces: HashMap<&str, Vec<&str>> = HashMap::new();
        for (cluster, namespace) in by_namespace.keys() {
            namespaces.entry(cluster).or_default().push(namespace);
        }
        for list in namespaces.values_mut() {
            list.sort_unstable();
        }
        AwsIdentities {
            by_cluster,
            by_namespace,
            namespaces,
        }
    }

    /// The other workloads whose ServiceAccounts live where the grant
    /// applies: the first few in the order of the spec, and how many.
    fn reached_by(&self, grant: &ResolvedGrant) -> Reached<'a> {
        let cluster = grant.cluster.as_str();
        // The namespaces the grant names, each once, in order of name.
        let named: Option<Vec<&str>> = grant.namespaces.as_ref().map(|named| {
            let mut named: Vec<&str> = named.iter().map(String::as_str).collect();
            named.sort_unstable();
            named.dedup();
            named
        });
        let lists: Vec<&Vec<(usize, &'a Workload)>> = match &named {
            None => self.by_cluster.get(cluster).into_iter().collect(),
            Some(named) => named
                .iter()
                .filter_map(|namespace| self.by_namespace.get(&(cluster, *namespace)))
                .collect(),
        };
        let mut count = 0;
        let mut first = Vec::new();
        for list in lists {
            let subject = list.iter().any(|(_, w)| w.key == grant.subject);
            count += list.len() - usize::from(subject);
            first.extend(
                list.iter()
                    .filter(|(_, w)| w.key != grant.subject)
                    .take(FEW + 1)
                    .copied(),
            );
        }
        // The namespaces where another workload's ServiceAccount is: those
        // the grant names, or every one of the cluster, counted and the
        // first few kept.
        let others_in = |namespace: &str| {
            self.by_namespace
                .get(&(cluster, namespace))
                .is_some_and(|list| list.iter().any(|(_, w)| w.key != grant.subject))
        };
        let mut namespaces: Vec<String> = Vec::new();
        let namespace_count = match &named {
            None => {
                let all = self.namespaces.get(cluster).map_or(&[][..], Vec::as_slice);
                let mut with_others = all.iter().filter(|namespace| others_in(namespace));
                namespaces.extend(with_others.by_ref().take(FEW + 1).map(ToString::to_string));
                // Only the subject's own namespace can lack another.
                namespaces.len() + with_others.count()
            }
            Some(named) => {
                namespaces.extend(
                    named
                        .iter()
                        .filter(|n| others_in(n))
                        .map(ToString::to_string),
                );
                namespaces.len()
            }
        };
        first.sort_unstable_by_key(|(at, _)| *at);
        first.dedup_by_key(|(at, _)| *at);
        first.truncate(FEW + 1);
        Reached {
            count,
            first: first.into_iter().map(|(_, w)| w).collect(),
            namespaces,
            namespace_count,
        }
    }
}

/// Where a grant applies, as a phrase: "in namespace jobs of cluster
/// workload", "in every namespace of cluster workload".
fn place(grant: &ResolvedGrant) -> String {
    match grant.namespaces.as_deref() {
        Some([one]) => format!("in namespace {one} of cluster {}", grant.cluster),
        Some(many) => format!(
            "in namespaces {} of cluster {}",
            many.join(", "),
            grant.cluster
        ),
        None => format!("in every namespace of cluster {}", grant.cluster),
    }
}

/// Every lint of one resolved grant.
fn grant_findings(
    subject: &Subject<'_>,
    grant: &spec::Grant,
    resolved: &ResolvedGrant,
    identities: &AwsIdentities<'_>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(rules) = &grant.rules {
        for rule in rules.get() {
            rule_findings(subject, rule, resolved, identities, &mut findings);
        }
    }
    carried::findings(subject, grant, resolved, identities, &mut findings);
    if subject.is_workload && resolved.namespaces.is_none() {
        let admin = match (&resolved.granted, &grant.access_policy, &grant.cluster_role) {
            (Granted::AccessPolicy(policy), Some(value), _) if policy == CLUSTER_ADMIN => {
                Some((value.span(), format!("access policy {CLUSTER_ADMIN}")))
            }
            (Granted::ClusterRole(role), _, Some(value)) if role == "cluster-admin" => {
                Some((value.span(), "ClusterRole cluster-admin".to_string()))
            }
            _ => None,
        };
        if let Some((span, what)) = admin {
            findings.push(Finding::new(
                Code::WorkloadClusterAdmin,
                span,
                format!(
                    "{subject} is granted {what} on all of cluster {}",
                    resolved.cluster
                ),
                "a workload as cluster administrator",
                format!(
                    "whoever controls one of its pods controls cluster {}: grant it the rules it uses, or bind the role in namespaces; for a controller that administers the cluster, acknowledge it with allow = [\"workload_cluster_admin\"] on this grant",
                    resolved.cluster
                ),
            ));
        }
    }
    findings
}

/// The lints of one RBAC rule.
fn rule_findings(
    subject: &Subject<'_>,
    rule: &spec::Rule,
    grant: &ResolvedGrant,
    identities: &AwsIdentities<'_>,
    findings: &mut Vec<Finding>,
) {
    let verbs: Vec<&str> = rule.verbs.get().iter().map(|v| v.get().as_str()).collect();
    let has_verb = |wanted: &[&str]| -> Vec<&str> {
        verbs
            .iter()
            .copied()
            .filter(|v| wanted.contains(v))
            .collect()
    };
    let in_group = |group: &str| {
        rule.api_groups
            .get()
            .iter()
            .any(|g| g.get() == group || g.get() == "*")
    };
    let named = rule.resource_names.is_some();
    let resources: Vec<&str> = rule
        .resources
        .get()
        .iter()
        .map(|r| r.get().as_str())
        .collect();
    let place = place(grant);
    for verb in rule.verbs.get() {
        if verb.get() == "*" {
            findings.push(Finding::new(
                Code::RbacWildcard,
                verb.span(),
                format!(
                    "the verb `*` gives {subject} every verb on {} {place}, verbs added later included",
                    resources.join(", ")
                ),
                "every verb",
                "list the verbs it uses, such as [\"get\", \"list\", \"watch\"]; if every verb is meant, acknowledge it with allow = [\"rbac_wildcard\"] on this grant".to_string(),
            ));
        }
        if let Some((name, effect)) = ESCALATION_VERBS.iter().find(|(v, _)| v == verb.get()) {
            findings.push(Finding::new(
                Code::RbacEscalation,
                verb.span(),
                format!("the verb `{name}` lets {subject} {effect}, {place}"),
                "privilege escalation",
                "remove it; a controller that needs it should get it only on named objects (resource_names), with allow = [\"rbac_escalation\"] on this grant".to_string(),
            ));
        }
    }
    for resource in rule.resources.get() {
        let name = resource.get().as_str();
        if name.contains('*') {
            let acknowledge = "if every one is meant, acknowledge it with allow = [\"rbac_wildcard\"] on this grant";
            let (covers, label, help) = if name == "*" {
                (
                    "every resource of its API groups, secrets and pods/exec included".to_string(),
                    "every resource",
                    format!("list the resources it uses; {acknowledge}"),
                )
            } else if let Some(base) = name.strip_suffix("/*") {
                // The RBAC authorizer reads `*` alone or as `*/subresource`
                // (`ResourceMatches`, pkg/apis/rbac/v1/evaluation_helpers.go):
                // `pods/*` is the name of a subresource `*`, which nothing
                // requests.
                (
                    format!(
                        "no subresource of {base}: Kubernetes RBAC reads `*` only alone or as `*/<subresource>`, so `{name}` names a subresource called `*`"
                    ),
                    "not a wildcard",
                    format!(
                        "list the subresources it uses, such as {base}/log or {base}/exec (`*/log` names one subresource of every resource)"
                    ),
                )
            } else if let Some(subresource) = name.strip_prefix("*/") {
                (
                    format!(
                        "the subresource {subresource} of every resource of its API groups, those added later included"
                    ),
                    "every resource's subresource",
                    format!(
                        "list the resources whose {subresource} it uses, such as deployments/{subresource}; {acknowledge}"
                    ),
                )
            } else {
                (
                    format!("every resource the pattern `{name}` matches"),
                    "a wildcard",
                    format!("list the resources it uses; {acknowledge}"),
                )
            };
            findings.push(Finding::new(
                Code::RbacWildcard,
                resource.span(),
                format!("the resource `{name}` gives {subject} {covers} ({place})"),
                label,
                help,
            ));
            continue;
        }
        let core = in_group("");
        if core && name == "secrets" && !named {
            let reads = has_verb(READ_VERBS);
            if !reads.is_empty() {
                findings.push(Finding::new(
                    Code::SecretsRead,
                    resource.span(),
                    format!(
                        "{subject} may read every Secret {place} (verbs: {})",
                        reads.join(", ")
                    ),
                    "every Secret",
                    "Secrets hold credentials and tokens: name the ones it reads with resource_names = [...], or acknowledge it with allow = [\"secrets_read\"] on this grant".to_string(),
                ));
            }
        }
        if core && (name == "pods/exec" || name == "pods/attach") && !named {
            let runs = has_verb(EXEC_VERBS);
            if !runs.is_empty() {
                let does = if name == "pods/exec" {
                    "run commands in"
                } else {
                    "attach to"
                };
                findings.push(Finding::new(
                    Code::PodExec,
                    resource.span(),
                    format!(
                        "{subject} may {does} every pod {place} (verbs: {}), with the Kubernetes and AWS permissions of the pods' ServiceAccounts",
                        runs.join(", ")
                    ),
                    "interactive access to pods",
                    "remove it, or limit it to named pods with resource_names; when interactive access is meant, acknowledge it with allow = [\"pod_exec\"] on this grant".to_string(),
                ));
            }
        }
        if POD_MAKERS.iter().any(|(g, r)| *r == name && in_group(g)) {
            let writes = has_verb(POD_WRITE_VERBS);
            if writes.is_empty() {
                continue;
            }
            let reached = identities.reached_by(grant);
            if reached.count == 0 {
                continue;
            }
            findings.push(pod_create_finding(
                subject,
                resource.span(),
                &format!("{} {}", writes.join(", "), resource.get()),
                grant,
                &reached,
            ));
        }
    }
}

/// `pod_create_with_aws_identity` at `span`, for what the grant may do
/// (`may`: "create, patch deployments").
fn pod_create_finding(
    subject: &Subject<'_>,
    span: Range<usize>,
    may: &str,
    grant: &ResolvedGrant,
    reached: &Reached<'_>,
) -> Finding {
    let accounts: Vec<String> = reached
        .first
        .iter()
        .map(|w| format!("{}/{} (workload {})", w.namespace, w.service_account, w.key))
        .collect();
    let (them, have) = if reached.count == 1 {
        ("ServiceAccount", "has")
    } else {
        ("ServiceAccounts", "have")
    };
    let one_of = if reached.count == reached.first.len() && reached.count <= FEW + 1 {
        let plain: Vec<String> = reached
            .first
            .iter()
            .map(|w| format!("{}/{}", w.namespace, w.service_account))
            .collect();
        plain.join(" or ")
    } else {
        "one of those ServiceAccounts".to_string()
    };
    Finding::new(
        Code::PodCreateWithAwsIdentity,
        span,
        format!(
            "{subject} may {may} {}, where {them} {} {have} an AWS identity",
            place(grant),
            first_few(&accounts, reached.count, "and"),
        ),
        "pods where ServiceAccounts have AWS identities",
        format!(
            "a pod made there can run as {one_of} and use its AWS role, or run privileged and read the node's credentials: keep pod creation out of namespaces with AWS identities (move the grant or the ServiceAccount); where it must stay, enforce Pod Security Admission `restricted` on {} (label pod-security.kubernetes.io/enforce=restricted), which closes the privileged route, and acknowledge it with allow = [\"pod_create_with_aws_identity\"] on this grant",
            first_few(&reached.namespaces, reached.namespace_count, "and"),
        ),
    )
}

/// `iam_wildcard` on a custom statement: a whole-service (or total) action,
/// and the resource `*` unless every action is a read of metadata.
fn iam_wildcard(workload: &str, statement: &spec::Statement, number: usize) -> Vec<Finding> {
    let mut findings = Vec::new();
    if statement.effect.as_ref().map(|e| *e.get()) == Some(Effect::Deny) {
        // A Deny is wider with a wildcard, which is safer.
        return findings;
    }
    let name = statement.sid.as_ref().map_or_else(
        || format!("statement {number} of workload {workload}"),
        |sid| format!("statement {} of workload {workload}", sid.get()),
    );
    for action in statement.actions.get() {
        let text = action.get().as_str();
        let whole = match text.split_once(':') {
            None => (text == "*").then(|| "every action of every service".to_string()),
            Some((service, rest)) => rest
                .chars()
                .all(|c| c == '*' || c == '?')
                .then(|| format!("every action of {service}, those added later included")),
        };
        if let Some(covers) = whole {
            findings.push(Finding::new(
                Code::IamWildcard,
                action.span(),
                format!("`{text}` in {name} allows {covers}"),
                "every action",
                "list the actions the workload calls; if the whole service is meant, acknowledge it with allow = [\"iam_wildcard\"] on this statement".to_string(),
            ));
        }
    }
    let writes: Vec<&str> = statement
        .actions
        .get()
        .iter()
        .map(|a| a.get().as_str())
        .filter(|a| !reads_metadata(a))
        .collect();
    if writes.is_empty() {
        return findings;
    }
    for resource in statement.resources.get() {
        if resource.get() == "*" {
            findings.push(Finding::new(
                Code::IamWildcard,
                resource.span(),
                format!("{name} allows {} on every resource", writes.join(", ")),
                "every resource",
                "name the resources by ARN; `*` passes only when every action is a Describe or List action or a read without a resource type (sts:GetCallerIdentity, ecr:GetAuthorizationToken, cloudwatch:GetMetricData, cloudwatch:GetMetricStatistics); if a condition scopes it, acknowledge it with allow = [\"iam_wildcard\"] on this statement".to_string(),
            ));
        }
    }
    findings
}

/// Whether an action only reads metadata: a `Describe` or `List` action
/// (the prefix, with or without wildcards after it), or one of the reads
/// without a resource type. IAM action names are case-insensitive.
fn reads_metadata(action: &str) -> bool {
    let Some((_, name)) = action.split_once(':') else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    name.starts_with("describe")
        || name.starts_with("list")
        || READS_WITHOUT_RESOURCE
            .iter()
            .any(|known| known.eq_ignore_ascii_case(action))
}

/// `irsa_many_clusters`: a role that trusts IRSA in more than one cluster.
fn irsa_many_clusters(info: &WorkloadInfo, has_role: bool) -> Vec<Finding> {
    if !info.irsa || !has_role || info.clusters.len() < 2 {
        return Vec::new();
    }
    let key = info.key.get();
    let account = format!("{}/{}", info.namespace, info.service_account);
    let mut finding = Finding::new(
        Code::IrsaManyClusters,
        info.clusters_span.clone(),
        format!(
            "the role of workload {key} trusts the OIDC providers of clusters {}: a pod running as ServiceAccount {account} in any of them gets its AWS permissions",
            info.clusters.join(", ")
        ),
        format!("{} clusters, one role", info.clusters.len()),
        format!(
            "whoever can run pods as {account} in the least guarded of these clusters holds the role: give each cluster its own workload (and so its own role), or, if the clusters are one trust domain, acknowledge it with allow = [\"irsa_many_clusters\"] on [workloads.{key}]"
        ),
    );
    finding.also = info
        .irsa_span
        .clone()
        .map(|span| (span, "trusted through IRSA".to_string()));
    vec![finding]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_reads() {
        assert!(reads_metadata("ec2:DescribeInstances"));
        assert!(reads_metadata("ec2:Describe*"));
        assert!(reads_metadata("s3:ListAllMyBuckets"));
        assert!(reads_metadata("sts:GetCallerIdentity"));
        assert!(reads_metadata("ECR:getauthorizationtoken"));
        assert!(!reads_metadata("s3:GetObject"));
        assert!(!reads_metadata("s3:Get*"));
        assert!(!reads_metadata("ec2:D*"));
        assert!(!reads_metadata("ec2:*"));
        assert!(!reads_metadata("*"));
    }
}
