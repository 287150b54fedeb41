//! The roles pass: each workload's IAM role (its trust, its permission
//! policies, its attachments and Pod Identity associations) and the lines
//! the overview shows for it, now that the grants say which clusters it
//! reaches.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::account::Account;
use super::checker::Checker;
use super::clusters::ClusterInfo;
use super::grants::GrantSet;
use super::names;
use super::paths;
use super::policies;
use super::principals::PrincipalInfo;
use super::trust;
use super::types::{
    Association, RolePolicy, TargetRole, Workload, WorkloadRole, WrittenTargetRole,
};
use super::workloads::{Target, WorkloadInfo};
use crate::aws::arn;
use crate::aws::iam::{PolicyDocument, PolicyText, Statement};
use crate::aws::presets;
use crate::code::Code;

/// IAM's default limit on managed policies attached to one role.
const MAX_ATTACHED_POLICIES: usize = 10;

/// Every workload, finished, in spec order; and the check that no
/// principal is one of the roles generated for them.
pub(super) fn roles(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    workloads: &[WorkloadInfo],
    principals: &[PrincipalInfo],
    grants: &GrantSet,
) -> Vec<Workload> {
    let reached_by_workload = grants.reached_by_workload();
    let none = BTreeSet::new();
    // At organisation scale, half of resolving the spec.
    let finished = checker.each_on_every_core(
        workloads,
        |_| 1,
        |checker, info| {
            let reaches = reached_by_workload
                .get(info.key.get().as_str())
                .unwrap_or(&none);
            finish_workload(checker, account, clusters, info, reaches)
        },
    );
    check_generated_role_arns(checker, principals, &finished);
    finished
}

/// The workload with its role (when it needs one) and overview lines.
fn finish_workload(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    info: &WorkloadInfo,
    reaches: &BTreeSet<String>,
) -> Workload {
    let key = info.key.get();
    let reaches: Vec<String> = reaches.iter().cloned().collect();
    if let (Some(_), false) = (&info.target, reaches.is_empty()) {
        checker
            .error(
                Code::TargetRole,
                info.key.span(),
                format!(
                    "workload {key} reaches {} through its role, but its pods act as the role it chains to",
                    reaches.join(", ")
                ),
            )
            .label("a workload with a target role")
            .help("give another workload the grants on other clusters, or keep this one's permissions in the spec's account");
    }
    let permissions = policies::permissions(checker, account, clusters, info, &reaches);
    let managed: Vec<String> = info
        .aws
        .managed_policy_arns
        .iter()
        .map(|a| a.get().clone())
        .collect();
    let role = (!permissions.is_empty()
        || !managed.is_empty()
        || !reaches.is_empty()
        || info.target.is_some())
    .then(|| workload_role(checker, account, clusters, info, permissions, managed));
    let asked_for_anything = info.aws.account.is_some()
        || info.aws.target_role_arn.is_some()
        || !info.aws.presets.is_empty()
        || !info.aws.statements.is_empty()
        || !info.aws.managed_policy_arns.is_empty()
        || info.grants_written > 0;
    if !asked_for_anything {
        let label = if info.create_service_account {
            "only its ServiceAccount is generated"
        } else {
            "nothing is generated for it"
        };
        checker
            .warning(
                Code::IdleWorkload,
                info.key.span(),
                format!("workload {key} has no AWS permissions and no grants"),
            )
            .label(label)
            .help("add [workloads.<key>.aws] permissions or grants, or remove the workload");
    }
    Workload {
        key: key.clone(),
        ident: names::tf_ident(key),
        namespace: info.namespace.clone(),
        service_account: info.service_account.clone(),
        clusters: info.clusters.clone(),
        create_service_account: info.create_service_account,
        identity: if info.pod_identity {
            "pod-identity"
        } else {
            "irsa"
        },
        identity_summary: match (info.pod_identity, info.irsa) {
            (true, true) => "Pod Identity, migrating from IRSA",
            (true, false) => "Pod Identity",
            (false, _) => "IRSA",
        },
        annotate_irsa: info.irsa,
        aws_permissions: aws_permission_lines(info, &reaches),
        notes: deployment_notes(info, role.as_ref().map(|r| r.arn.as_str())),
        // Filled in by the lints pass.
        acknowledged: Vec::new(),
        role,
        reaches,
    }
}

/// The workload's IAM role: trust, own policies, attachments and
/// associations, with every name it generates claimed.
fn workload_role(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    info: &WorkloadInfo,
    permissions: Vec<PolicyDocument>,
    managed: Vec<String>,
) -> WorkloadRole {
    let key = info.key.get();
    let ident = names::tf_ident(key);
    let name = info.role_name.get().clone();
    checker.claim("IAM role", name.to_lowercase(), info.role_name.span());
    checker.claim(
        "Terraform resource",
        format!("aws_iam_role.{ident}"),
        info.key.span(),
    );
    if !managed.is_empty() {
        let attachments = names::managed_attachment_ident(key);
        checker.claim(
            "Terraform resource",
            format!("aws_iam_role_policy_attachment.{attachments}"),
            info.key.span(),
        );
    }

    // The IAM namespace the policies live in: the spec's account, or the
    // target role's.
    let policy_account = match &info.target {
        Some(Target::Written(other)) => format!("{}:", other.id),
        _ => String::new(),
    };
    let permission_policies: Vec<RolePolicy> = permissions
        .into_iter()
        .enumerate()
        .map(|(index, document)| {
            let names::PolicyNames {
                ident,
                name: policy_name,
                file,
            } = names::permission_policy(key, &name, index);
            for kind in ["aws_iam_policy", "aws_iam_role_policy_attachment"] {
                checker.claim(
                    "Terraform resource",
                    format!("{kind}.{ident}"),
                    info.key.span(),
                );
            }
            checker.claim(
                "IAM policy",
                format!("{policy_account}{}", policy_name.to_lowercase()),
                info.role_name.span(),
            );
            RolePolicy {
                ident,
                name: policy_name,
                file,
                document: PolicyText::from(&document),
            }
        })
        .collect();
    let attached = managed.len() + permission_policies.len();
    if attached > MAX_ATTACHED_POLICIES {
        checker
            .warning(
                Code::PolicyCount,
                info.key.span(),
                format!(
                    "workload {key} attaches {attached} managed policies; IAM allows {MAX_ATTACHED_POLICIES} per role by default"
                ),
            )
            .label("too many attachments for the default quota")
            .help(
                "raise the \"Managed policies per role\" quota (up to 20) before applying, or attach fewer policies",
            );
    }

    let trust = trust::trust(account, clusters, info);
    trust::check_trust_size(checker, info, &trust);
    let trust_file = if trust.variables.is_empty() {
        paths::trust_policy_file(key)
    } else {
        paths::trust_policy_template(key)
    };
    let arn = arn::role_arn(account.partition, &account.id, &account.iam.path, &name);
    let role_arn = account.role_arn_ref(&ident, &arn);
    let associations = if info.pod_identity {
        info.clusters
            .iter()
            .filter_map(|c| clusters.get(c))
            .map(|cluster| {
                let ident = names::association_ident(key, cluster.key.get());
                checker.claim(
                    "Terraform resource",
                    format!("aws_eks_pod_identity_association.{ident}"),
                    info.key.span(),
                );
                Association {
                    ident,
                    cluster: cluster.key.get().clone(),
                    cluster_ref: cluster.tf_ref(),
                    role_arn: role_arn.clone(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let (policies, managed_policy_arns, target) = match &info.target {
        None => (permission_policies, managed, None),
        Some(target) => {
            let target = target_role(
                checker,
                account,
                info,
                (&arn, &name),
                &info
                    .clusters
                    .iter()
                    .filter_map(|c| clusters.get(c))
                    .collect::<Vec<_>>(),
                target,
                (permission_policies, managed),
            );
            let chain = chain_policy(checker, info, &name, &target.arn);
            (vec![chain], Vec::new(), Some(Box::new(target)))
        }
    };
    WorkloadRole {
        arn,
        name,
        trust_file,
        trust: PolicyText::from(&trust.document),
        trust_variables: trust.variables,
        depends_on: trust.depends_on,
        policies,
        managed_policy_arns,
        associations,
        target,
        disable_session_tags: info.disable_session_tags,
    }
}

/// The role the workload's pods chain to, with the trust it needs; written
/// in the other account when the spec names one, with the workload's
/// permissions.
fn target_role(
    checker: &mut Checker<'_>,
    account: &Account,
    info: &WorkloadInfo,
    (source_arn, name): (&str, &str),
    clusters: &[&ClusterInfo],
    target: &Target,
    (policies, managed_policy_arns): (Vec<RolePolicy>, Vec<String>),
) -> TargetRole {
    let key = info.key.get();
    let trust = trust::target_trust(account, source_arn, clusters, info);
    trust::check_target_trust_size(checker, info, &trust);
    let trust_file = paths::target_trust_file(key);
    let (arn, written) = match target {
        Target::External(arn) => (arn.clone(), None),
        Target::Written(other) => {
            let ident = names::target_role_ident(key);
            checker.claim(
                "Terraform resource",
                format!("aws_iam_role.{ident}"),
                info.key.span(),
            );
            checker.claim(
                "IAM role",
                format!("{}:{}", other.id, name.to_lowercase()),
                info.role_name.span(),
            );
            let written = WrittenTargetRole {
                ident,
                name: name.to_string(),
                account: other.clone(),
                policies,
                managed_policy_arns,
            };
            (
                arn::role_arn(account.partition, &other.id, &account.iam.path, name),
                Some(written),
            )
        }
    };
    TargetRole {
        arn,
        trust_file,
        trust: PolicyText::from(&trust),
        written,
    }
}

/// The Pod Identity role's one permission: becoming the target role.
fn chain_policy(
    checker: &mut Checker<'_>,
    info: &WorkloadInfo,
    role_name: &str,
    target_arn: &str,
) -> RolePolicy {
    let key = info.key.get();
    let names::PolicyNames { ident, name, file } = names::chain_policy(key, role_name);
    for kind in ["aws_iam_policy", "aws_iam_role_policy_attachment"] {
        checker.claim(
            "Terraform resource",
            format!("{kind}.{ident}"),
            info.key.span(),
        );
    }
    checker.claim("IAM policy", name.to_lowercase(), info.role_name.span());
    // Both, with session tags or without, as the EKS user guide's policy
    // for the Pod Identity role has it: without them, the target's trust
    // still takes `sts:TagSession` (see `trust::target_trust`).
    let actions = ["sts:AssumeRole", "sts:TagSession"];
    RolePolicy {
        ident,
        name,
        file,
        document: PolicyText::from(&PolicyDocument::new(vec![Statement::allow(
            "ChainToTargetRole",
            &actions,
            vec![target_arn.to_string()],
        )])),
    }
}

/// One line per source of AWS permissions, for the overview.
fn aws_permission_lines(info: &WorkloadInfo, reaches: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = info
        .aws
        .presets
        .iter()
        .filter_map(|preset| presets::find(preset.name.get()))
        .map(|def| format!("preset {}: {}", def.name, def.summary))
        .collect();
    lines.extend(
        info.aws
            .managed_policy_arns
            .iter()
            .map(|arn| format!("managed policy {}", arn.get())),
    );
    match info.aws.statements.len() {
        0 => {}
        1 => lines.push("1 custom statement".to_string()),
        n => lines.push(format!("{n} custom statements")),
    }
    if !reaches.is_empty() {
        lines.push(format!("eks:DescribeCluster on {}", reaches.join(", ")));
    }
    lines
}

/// What whoever deploys the workload must know.
fn deployment_notes(info: &WorkloadInfo, role_arn: Option<&str>) -> Vec<String> {
    let mut notes: Vec<String> = info
        .aws
        .presets
        .iter()
        .filter_map(|preset| presets::find(preset.name.get()))
        .filter_map(|def| def.deployment_note)
        .map(str::to_string)
        .collect();
    if !info.create_service_account {
        let annotation = match role_arn {
            Some(arn) if info.irsa => format!(", annotated eks.amazonaws.com/role-arn: {arn}"),
            _ => String::new(),
        };
        notes.push(format!(
            "its ServiceAccount {}/{} is not generated (create_service_account = false); whatever installs the workload creates it{annotation}",
            info.namespace, info.service_account
        ));
    }
    if info.pod_identity && info.irsa {
        let annotation = if info.create_service_account {
            "apply the Kubernetes files (the annotation goes)"
        } else {
            "remove the eks.amazonaws.com/role-arn annotation where the ServiceAccount is defined (eksgrant does not write it)"
        };
        notes.push(format!(
            "migrating from IRSA: its role trusts both and its ServiceAccount keeps the IRSA annotation. The AWS SDKs' and CLI's default credential chains try the web identity token before the container credentials Pod Identity provides, so pods keep using IRSA for as long as they start with the annotation. To cut over, remove migrate_from and regenerate; the next ACCESS.md orders the steps: {annotation}, restart the pods, check that none still has AWS_WEB_IDENTITY_TOKEN_FILE in its environment, and only then apply Terraform, which drops the IRSA trust"
        ));
    }
    notes
}

/// A principal whose ARN is a role eksgrant generates would get two
/// access entries for one ARN.
fn check_generated_role_arns(
    checker: &mut Checker<'_>,
    principals: &[PrincipalInfo],
    workloads: &[Workload],
) {
    let generated: HashMap<String, &Workload> = workloads
        .iter()
        .filter_map(|w| w.role.as_ref().map(|role| (role.arn.to_lowercase(), w)))
        .collect();
    for principal in principals {
        if let Some(workload) = generated.get(&principal.arn.to_lowercase()) {
            checker
                .error(
                    Code::DuplicatePrincipal,
                    principal.key.span(),
                    format!(
                        "principal {} is the role eksgrant generates for workload {}",
                        principal.key.get(),
                        workload.key
                    ),
                )
                .label("generated role")
                .help(format!(
                    "move these grants to [[workloads.{}.grants]]",
                    workload.key
                ));
        }
    }
}
