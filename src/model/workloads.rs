//! `[workloads.<key>]`: where a ServiceAccount lives, and the IAM role it gets
//! when it needs AWS permissions or reaches another cluster.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use super::account::Account;
use super::checker::Checker;
use super::clusters::{ClusterInfo, cluster_ref};
use super::keys::{check_key, check_namespace_not_reserved};
use super::names::{self, MAX_ROLE_NAME};
use super::types::OtherAccount;
use crate::aws::arn;
use crate::code::Code;
use crate::spec::{self, Identity, Spanned};
use crate::text::closest;

/// A workload after its own checks.
pub(super) struct WorkloadInfo {
    /// The spec key.
    pub key: Spanned<String>,
    /// The clusters it runs in (keys), in spec order.
    pub clusters: Vec<String>,
    /// Where they are written: `cluster` or `clusters`.
    pub clusters_span: Range<usize>,
    /// Its ServiceAccount's namespace, the same in every cluster.
    pub namespace: String,
    /// Its ServiceAccount.
    pub service_account: String,
    /// Whether eksgrant emits the ServiceAccount.
    pub create_service_account: bool,
    /// The IAM role name (given, or derived from the key).
    pub role_name: Spanned<String>,
    /// `[workloads.<key>.aws]` as written.
    pub aws: spec::WorkloadAws,
    /// How many grants the spec gives it (valid or not).
    pub grants_written: usize,
    /// Whether its pods get credentials through EKS Pod Identity.
    pub pod_identity: bool,
    /// Whether its role trusts the clusters' OIDC providers (IRSA, or while
    /// migrating from IRSA), and its ServiceAccount carries the role
    /// annotation.
    pub irsa: bool,
    /// The role its pods' credentials chain to, in another account.
    pub target: Option<Target>,
    /// Whether its associations pass no session tags.
    pub disable_session_tags: bool,
    /// Where the spec makes its role trust IRSA: `identity = "irsa"` or
    /// `migrate_from = "irsa"`.
    pub irsa_span: Option<Range<usize>>,
    /// `allow`: the lints the workload itself acknowledges, as written.
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A role that a Pod Identity workload's role chains to: the pods act as
/// it, with its permissions.
#[derive(Debug, Clone)]
pub(super) enum Target {
    /// A role eksgrant writes in another account of the spec.
    Written(OtherAccount),
    /// A role outside the spec, by ARN.
    External(String),
}

/// Checks one `[workloads.<key>]` table, except its grants, which it
/// hands back for the grants pass.
///
/// A workload whose key is invalid is still returned (the error is
/// recorded), so that its grants are checked too.
pub(super) fn resolve_workload(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    key: Spanned<String>,
    workload: spec::Workload,
) -> (WorkloadInfo, Vec<Spanned<spec::Grant>>) {
    check_key(checker, "workload", &key);
    let cluster_keys = workload_clusters(checker, clusters, &key, &workload);
    if names::is_dns_label(workload.namespace.get()) {
        check_namespace_not_reserved(checker, &workload.namespace);
    } else {
        checker
            .error(
                Code::Namespace,
                workload.namespace.span(),
                format!(
                    "`{}` is not a Kubernetes namespace name",
                    workload.namespace.get()
                ),
            )
            .label("not a DNS-1123 label")
            .help("namespaces are lowercase letters, digits and `-`, at most 63 characters");
    }
    let service_account = match &workload.service_account {
        Some(sa) => {
            if !names::is_dns_subdomain(sa.get()) {
                checker
                    .error(
                        Code::ServiceAccount,
                        sa.span(),
                        format!("`{}` is not a ServiceAccount name", sa.get()),
                    )
                    .label("not a DNS-1123 subdomain")
                    .help("ServiceAccount names are lowercase letters, digits, `-` and `.`");
            }
            sa.get().clone()
        }
        None => key.get().clone(),
    };
    let (pod_identity, irsa) = workload_identity(checker, clusters, &key, &cluster_keys, &workload);
    let role_name = workload_role_name(checker, account, &key, workload.role_name.as_ref());
    let aws = workload.aws.unwrap_or_default();
    for managed in &aws.managed_policy_arns {
        if !arn::is_policy_arn(managed.get(), account.partition) {
            checker
                .error(
                    Code::PolicyArn,
                    managed.span(),
                    format!("`{}` is not an IAM policy ARN", managed.get()),
                )
                .label("not a policy ARN")
                .help(format!(
                    "write arn:{p}:iam::aws:policy/NAME for AWS managed policies or arn:{p}:iam::ACCOUNT:policy/NAME for your own",
                    p = account.partition.as_str()
                ));
        }
    }
    let target = workload_target(checker, account, &key, &aws, pod_identity && !irsa);
    let disable_session_tags = aws.disable_session_tags.as_ref().is_some_and(|d| *d.get());
    if let Some(flag) = aws.disable_session_tags.as_ref().filter(|d| *d.get()) {
        if pod_identity {
            checker
                .warning(
                    Code::SessionTags,
                    flag.span(),
                    format!("the role of workload {} can be used by any Pod Identity association in the account", key.get()),
                )
                .label("no session tags to check")
                .help("without session tags the trust cannot require this workload's clusters, namespace and ServiceAccount; keep them unless an account you chain to refuses them");
        } else {
            checker
                .error(
                    Code::TargetRole,
                    flag.span(),
                    "disable_session_tags applies to Pod Identity associations, and this workload uses IRSA",
                )
                .label("no association to set it on")
                .help("remove disable_session_tags");
        }
    }
    let clusters_span = match (&workload.cluster, &workload.clusters) {
        (_, Some(many)) => many.span(),
        (Some(one), None) => one.span(),
        (None, None) => key.span(),
    };
    let irsa_span = match (&workload.identity, &workload.migrate_from) {
        (_, Some(from)) if irsa && pod_identity => Some(from.span()),
        (Some(identity), _) if irsa && !pod_identity => Some(identity.span()),
        _ => None,
    };
    let info = WorkloadInfo {
        clusters_span,
        irsa_span,
        allow: workload.allow,
        target,
        disable_session_tags,
        key,
        clusters: cluster_keys,
        namespace: workload.namespace.get().clone(),
        service_account,
        create_service_account: workload
            .create_service_account
            .as_ref()
            .is_none_or(|c| *c.get()),
        role_name,
        aws,
        grants_written: workload.grants.len(),
        pod_identity,
        irsa,
    };
    (info, workload.grants)
}

/// `aws.account` or `aws.target_role_arn`: the role the workload's pods
/// chain to, which only Pod Identity can do.
fn workload_target(
    checker: &mut Checker<'_>,
    account: &Account,
    key: &Spanned<String>,
    aws: &spec::WorkloadAws,
    pod_identity_only: bool,
) -> Option<Target> {
    let (span, target) = match (&aws.account, &aws.target_role_arn) {
        (None, None) => return None,
        (Some(other), Some(arn)) => {
            checker
                .error(
                    Code::TargetRole,
                    arn.span(),
                    "aws.account and aws.target_role_arn both name the role the pods chain to",
                )
                .label("a second target")
                .also(other.span(), "the first")
                .help("keep aws.account to have eksgrant write the role, or target_role_arn for a role of yours");
            return None;
        }
        (Some(other), None) => {
            let Some(written) = account.others.get(other.get()) else {
                let help = match closest(other.get(), account.others.keys().map(String::as_str)) {
                    Some(near) => format!("did you mean \"{near}\"?"),
                    None if account.others.is_empty() => {
                        "add an [accounts.<key>] table with the account's ID and the role Terraform assumes there".to_string()
                    }
                    None => format!(
                        "the accounts are: {}",
                        account.others.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                };
                checker
                    .error(
                        Code::TargetRole,
                        other.span(),
                        format!("there is no [accounts.{}]", other.get()),
                    )
                    .label("unknown account")
                    .help(help);
                return None;
            };
            (other.span(), Target::Written(written.clone()))
        }
        (None, Some(arn)) => {
            let is_role = arn::parse_principal_arn(arn.get()).is_ok_and(|r| {
                r.kind == arn::PrincipalKind::Role && r.partition == account.partition.as_str()
            });
            if !is_role {
                checker
                    .error(
                        Code::TargetRole,
                        arn.span(),
                        format!("`{}` is not an IAM role ARN", arn.get()),
                    )
                    .label("not a role")
                    .help(format!(
                        "write the target role as arn:{}:iam::ACCOUNT:role/NAME",
                        account.partition.as_str()
                    ));
            }
            let own = [
                (!aws.presets.is_empty()).then_some("presets"),
                (!aws.statements.is_empty()).then_some("statements"),
                (!aws.managed_policy_arns.is_empty()).then_some("managed_policy_arns"),
            ];
            for field in own.into_iter().flatten() {
                checker
                    .error(
                        Code::TargetRole,
                        arn.span(),
                        format!("workload {} chains to a role of yours, and also has aws.{field}", key.get()),
                    )
                    .label("its pods act as this role")
                    .help(format!(
                        "give the permissions to the target role itself and remove aws.{field}, or use aws.account to have eksgrant write the role"
                    ));
            }
            (arn.span(), Target::External(arn.get().clone()))
        }
    };
    if !pod_identity_only {
        checker
            .error(
                Code::TargetRole,
                span,
                format!(
                    "workload {} chains to another role, which only Pod Identity does",
                    key.get()
                ),
            )
            .label("needs identity = \"pod-identity\"")
            .help(
                "use Pod Identity (and finish any migration from IRSA first), or remove the target",
            );
        return None;
    }
    Some(target)
}

/// `identity` and `migrate_from`: whether the workload uses Pod Identity,
/// and whether its role trusts IRSA tokens, which needs each existing
/// cluster's OIDC issuer.
fn workload_identity(
    checker: &mut Checker<'_>,
    clusters: &BTreeMap<String, ClusterInfo>,
    key: &Spanned<String>,
    cluster_keys: &[String],
    workload: &spec::Workload,
) -> (bool, bool) {
    let identity = workload
        .identity
        .as_ref()
        .map_or(Identity::PodIdentity, |i| *i.get());
    let migrating = match (&workload.migrate_from, identity) {
        (None, _) => false,
        (Some(from), Identity::PodIdentity) if *from.get() == Identity::Irsa => true,
        (Some(from), _) => {
            checker
                .error(
                    Code::MigrateFrom,
                    from.span(),
                    "migrate_from = \"irsa\" is the only migration, and it is to identity = \"pod-identity\"",
                )
                .label("nothing to migrate")
                .help(
                    "remove migrate_from, or set identity = \"pod-identity\" and migrate_from = \"irsa\"",
                );
            false
        }
    };
    let irsa = identity == Identity::Irsa || migrating;
    if irsa {
        let span = match (&workload.identity, &workload.migrate_from) {
            (_, Some(from)) if migrating => from.span(),
            (Some(identity), _) => identity.span(),
            _ => key.span(),
        };
        for cluster in cluster_keys.iter().filter_map(|c| clusters.get(c)) {
            if cluster.created.is_none() && cluster.oidc_issuer.is_none() {
                checker
                    .error(
                        Code::IrsaIssuer,
                        span.clone(),
                        format!("workload {} uses IRSA on cluster {}, whose OIDC issuer the spec does not give", key.get(), cluster.key.get()),
                    )
                    .label("IRSA trusts the cluster's OIDC provider")
                    .help(format!(
                        "add oidc_issuer = \"oidc.eks.<region>.amazonaws.com/id/<ID>\" to [clusters.{}] (aws eks describe-cluster --name {} --query cluster.identity.oidc.issuer)",
                        cluster.key.get(),
                        cluster.name
                    ));
            }
        }
    }
    (identity == Identity::PodIdentity, irsa)
}

/// Resolves `cluster` / `clusters` of a workload to cluster keys.
fn workload_clusters(
    checker: &mut Checker<'_>,
    clusters: &BTreeMap<String, ClusterInfo>,
    key: &Spanned<String>,
    workload: &spec::Workload,
) -> Vec<String> {
    let refs: Vec<&Spanned<String>> = match (&workload.cluster, &workload.clusters) {
        (Some(one), None) => vec![one],
        (None, Some(many)) => {
            if many.get().is_empty() {
                checker
                    .error(Code::WorkloadClusters, many.span(), "clusters is empty")
                    .label("no cluster")
                    .help("list the clusters the ServiceAccount lives in");
            }
            many.get().iter().collect()
        }
        (Some(one), Some(_)) => {
            checker
                .error(
                    Code::WorkloadClusters,
                    one.span(),
                    format!("workload {} sets both cluster and clusters", key.get()),
                )
                .label("remove this or `clusters`")
                .help(
                    "use `cluster = \"a\"` for one cluster or `clusters = [\"a\", \"b\"]` for several",
                );
            return Vec::new();
        }
        (None, None) => {
            checker
                .error(
                    Code::WorkloadClusters,
                    key.span(),
                    format!(
                        "workload {} does not say which cluster it runs in",
                        key.get()
                    ),
                )
                .label("no cluster")
                .help("add cluster = \"<cluster key>\" (or clusters = [...])");
            return Vec::new();
        }
    };
    let mut resolved = Vec::new();
    for cluster in refs {
        let Some(known) = cluster_ref(checker, clusters, cluster) else {
            continue;
        };
        if resolved.contains(&known) {
            checker
                .error(
                    Code::WorkloadClusters,
                    cluster.span(),
                    format!("cluster {known} is listed twice"),
                )
                .label("repeated")
                .help("list each cluster once");
        } else {
            resolved.push(known);
        }
    }
    resolved
}

/// `role_name`, or the name derived from the key, checked.
fn workload_role_name(
    checker: &mut Checker<'_>,
    account: &Account,
    key: &Spanned<String>,
    given: Option<&Spanned<String>>,
) -> Spanned<String> {
    if let Some(name) = given {
        if !names::is_iam_name(name.get(), MAX_ROLE_NAME) {
            checker
                .error(
                    Code::IamName,
                    name.span(),
                    format!("`{}` is not a valid IAM role name", name.get()),
                )
                .label("not a valid IAM role name")
                .help("IAM role names are 1-64 characters: letters, digits and `_+=,.@-`");
        }
        return name.clone();
    }
    let derived = names::workload_role_name(&account.iam.name_prefix, key);
    if account.name_prefix_ok && derived.len() > MAX_ROLE_NAME {
        checker
            .error(
                Code::IamName,
                key.span(),
                format!(
                    "the role name `{derived}` is longer than IAM's {MAX_ROLE_NAME} characters"
                ),
            )
            .label("the role is named after this key")
            .help("set role_name, or shorten the key or iam.name_prefix");
    }
    Spanned::new(key.span(), derived)
}

/// EKS allows one Pod Identity association per (cluster, namespace,
/// ServiceAccount); each pair of workloads that share one is reported once.
pub(super) fn check_unique_service_accounts(checker: &mut Checker<'_>, workloads: &[WorkloadInfo]) {
    let mut seen: HashMap<(&str, &str, &str), &WorkloadInfo> = HashMap::new();
    let mut reported: HashSet<(&str, &str)> = HashSet::new();
    for workload in workloads {
        for cluster in &workload.clusters {
            let key = (
                cluster.as_str(),
                workload.namespace.as_str(),
                workload.service_account.as_str(),
            );
            let Some(first) = seen.get(&key).copied() else {
                seen.insert(key, workload);
                continue;
            };
            if !reported.insert((first.key.get(), workload.key.get())) {
                continue;
            }
            checker
                .duplicate(
                    Code::DuplicateServiceAccount,
                    workload.key.span(),
                    first.key.span(),
                    "workload",
                    format!(
                        "workloads {} and {} are the same ServiceAccount {}/{} on cluster {}",
                        first.key.get(),
                        workload.key.get(),
                        workload.namespace,
                        workload.service_account,
                        cluster
                    ),
                )
                .help(
                    "EKS allows one Pod Identity association per ServiceAccount: merge the two workloads, or give one its own service_account",
                );
        }
    }
}
