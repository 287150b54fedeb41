//! A workload role's trust policy: who may assume it.
//!
//! - Pod Identity: the `pods.eks.amazonaws.com` service, only with the session
//!   tags EKS sets for exactly the workload's clusters, namespace and
//!   ServiceAccount. Without these conditions any Pod Identity association in
//!   the account could use the role; `aws:SourceAccount` guards against a
//!   confused deputy.
//! - IRSA: one statement per cluster, trusting the cluster's IAM OIDC provider
//!   with `sts:AssumeRoleWithWebIdentity`, pinned by the token's `sub` (the
//!   ServiceAccount) and `aud` (STS).
//!
//! A workload migrating from IRSA to Pod Identity gets both, so that pods keep
//! working while they restart. A cluster created in the same run has no
//! issuer yet: its statement names `${<cluster>_oidc_issuer}` and
//! `${<cluster>_oidc_provider_arn}`, which Terraform's `templatefile()` fills.

use std::collections::BTreeMap;

use super::account::Account;
use super::checker::Checker;
use super::clusters::ClusterInfo;
use super::names;
use super::types::TemplateVariable;
use super::workloads::WorkloadInfo;
use crate::aws::arn;
use crate::aws::iam::{MAX_TRUST_POLICY, OneOrMany, PolicyDocument, Statement};
use crate::code::Code;
use crate::spec::Effect;

/// The service principal EKS Pod Identity assumes roles as.
const POD_IDENTITY_PRINCIPAL: &str = "pods.eks.amazonaws.com";

/// The audience EKS puts in IRSA tokens.
const IRSA_AUDIENCE: &str = "sts.amazonaws.com";

/// A trust policy, and what Terraform must fill into it.
pub(super) struct Trust {
    /// The document; it holds `${name}` placeholders for `variables`.
    pub document: PolicyDocument,
    /// The values of the placeholders; empty when the document is literal.
    pub variables: Vec<TemplateVariable>,
    /// OIDC providers created in this run that the document names by ARN.
    pub depends_on: Vec<String>,
    /// Each placeholder with the longest value it can take, for measuring.
    samples: Vec<(String, String)>,
}

/// The trust policy of a workload's role.
pub(super) fn trust(
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    workload: &WorkloadInfo,
) -> Trust {
    let clusters: Vec<&ClusterInfo> = workload
        .clusters
        .iter()
        .filter_map(|key| clusters.get(key))
        .collect();
    let mut trust = Trust {
        document: PolicyDocument::new(Vec::new()),
        variables: Vec::new(),
        depends_on: Vec::new(),
        samples: Vec::new(),
    };
    if workload.pod_identity {
        trust
            .document
            .statement
            .push(pod_identity_statement(account, &clusters, workload));
    }
    if workload.irsa {
        for cluster in clusters {
            let Some(mut statement) = trust.irsa_statement(account, cluster, workload) else {
                continue;
            };
            // Sids keep only letters and digits of the cluster key, so keys
            // such as `a-1` and `a1` meet; IAM wants them unique.
            let base = statement.sid.clone();
            let mut n = 2;
            while trust
                .document
                .statement
                .iter()
                .any(|s| s.sid == statement.sid)
            {
                statement.sid = format!("{base}{n}");
                n += 1;
            }
            trust.document.statement.push(statement);
        }
    }
    trust
}

fn pod_identity_statement(
    account: &Account,
    clusters: &[&ClusterInfo],
    workload: &WorkloadInfo,
) -> Statement {
    let cluster_arns = clusters.iter().map(|cluster| cluster.arn.clone()).collect();
    let source_account = (
        "aws:SourceAccount".to_string(),
        OneOrMany(vec![account.id.clone()]),
    );
    // Without session tags there is nothing to pin the workload by; the
    // spec was warned (eksgrant::session_tags).
    let conditions = if workload.disable_session_tags {
        BTreeMap::from([("StringEquals".to_string(), BTreeMap::from([source_account]))])
    } else {
        pod_identity_tag_conditions(account, cluster_arns, workload)
    };
    Statement {
        sid: "EksPodIdentity".to_string(),
        effect: Effect::Allow,
        principal: BTreeMap::from([(
            "Service",
            OneOrMany(vec![POD_IDENTITY_PRINCIPAL.to_string()]),
        )]),
        action: OneOrMany(vec![
            "sts:AssumeRole".to_string(),
            "sts:TagSession".to_string(),
        ]),
        resource: OneOrMany::default(),
        condition: conditions,
    }
}

/// The trust of the role a Pod Identity role chains to (an association's
/// `target_role_arn`), as the EKS user guide writes it ("Access AWS
/// Resources using EKS Pod Identity Target IAM Roles",
/// data/eks/pod-id-assign-target-role.adoc):
///
/// - The principal is the source account's root, narrowed by `ArnEquals
///   aws:PrincipalArn` to the workload's Pod Identity role. IAM stores a role
///   named as a principal by its unique ID, so a trust naming the role would
///   silently stop matching once the role is recreated; the condition key
///   compares the ARN at each request, and the trust can be saved before the
///   role exists.
/// - With session tags, the tags EKS sets pin the workload's clusters,
///   namespace and ServiceAccount; without them, EKS passes an external ID
///   of the documented form `region/account/cluster/namespace/service
///   account`, one per cluster, and `sts:TagSession` is a statement of its
///   own, as the guide writes it.
///
/// Every value is known when eksgrant generates, so the trust is a literal
/// document, and the role can be made before the associations that name it.
pub(super) fn target_trust(
    account: &Account,
    source_role_arn: &str,
    clusters: &[&ClusterInfo],
    workload: &WorkloadInfo,
) -> PolicyDocument {
    let root = || {
        BTreeMap::from([(
            "AWS",
            OneOrMany(vec![arn::account_root_arn(account.partition, &account.id)]),
        )])
    };
    let source_role = (
        "ArnEquals".to_string(),
        BTreeMap::from([(
            "aws:PrincipalArn".to_string(),
            OneOrMany(vec![source_role_arn.to_string()]),
        )]),
    );
    let chain = |action: Vec<String>, pinned_by: BTreeMap<String, OneOrMany>| Statement {
        sid: "EksPodIdentityChain".to_string(),
        effect: Effect::Allow,
        principal: root(),
        action: OneOrMany(action),
        resource: OneOrMany::default(),
        condition: BTreeMap::from([source_role.clone(), ("StringEquals".to_string(), pinned_by)]),
    };
    if !workload.disable_session_tags {
        let cluster_arns = clusters.iter().map(|cluster| cluster.arn.clone()).collect();
        return PolicyDocument::new(vec![chain(
            vec!["sts:AssumeRole".to_string(), "sts:TagSession".to_string()],
            session_tags(cluster_arns, workload),
        )]);
    }
    let external_ids = clusters
        .iter()
        .map(|cluster| {
            format!(
                "{}/{}/{}/{}/{}",
                account.region,
                account.id,
                cluster.name,
                workload.namespace,
                workload.service_account
            )
        })
        .collect();
    PolicyDocument::new(vec![
        chain(
            vec!["sts:AssumeRole".to_string()],
            BTreeMap::from([("sts:ExternalId".to_string(), OneOrMany(external_ids))]),
        ),
        Statement {
            sid: "EksPodIdentityTagSession".to_string(),
            effect: Effect::Allow,
            principal: root(),
            action: OneOrMany(vec!["sts:TagSession".to_string()]),
            resource: OneOrMany::default(),
            condition: BTreeMap::new(),
        },
    ])
}

/// The session tags EKS sets for the workload's pods, which a trust
/// requires: its clusters, namespace and ServiceAccount.
fn session_tags(cluster_arns: Vec<String>, workload: &WorkloadInfo) -> BTreeMap<String, OneOrMany> {
    BTreeMap::from([
        (
            "aws:RequestTag/eks-cluster-arn".to_string(),
            OneOrMany(cluster_arns),
        ),
        (
            "aws:RequestTag/kubernetes-namespace".to_string(),
            OneOrMany(vec![workload.namespace.clone()]),
        ),
        (
            "aws:RequestTag/kubernetes-service-account".to_string(),
            OneOrMany(vec![workload.service_account.clone()]),
        ),
    ])
}

fn pod_identity_tag_conditions(
    account: &Account,
    cluster_arns: Vec<String>,
    workload: &WorkloadInfo,
) -> BTreeMap<String, BTreeMap<String, OneOrMany>> {
    let mut conditions = session_tags(cluster_arns, workload);
    conditions.insert(
        "aws:SourceAccount".to_string(),
        OneOrMany(vec![account.id.clone()]),
    );
    BTreeMap::from([("StringEquals".to_string(), conditions)])
}

impl Trust {
    /// The statement trusting `cluster`'s OIDC provider for the workload's
    /// ServiceAccount; `None` for an existing cluster whose issuer the spec
    /// does not give.
    fn irsa_statement(
        &mut self,
        account: &Account,
        cluster: &ClusterInfo,
        workload: &WorkloadInfo,
    ) -> Option<Statement> {
        let key = cluster.key.get();
        let (issuer, provider_arn) = match (&cluster.created, &cluster.oidc_issuer) {
            (Some(_), _) => {
                let issuer_variable = names::oidc_issuer_variable(key);
                let provider_variable = names::oidc_provider_variable(key);
                // An issuer is `oidc.eks.<region>.amazonaws.com/id/` and a
                // 32-character ID.
                let sample_issuer = format!(
                    "oidc.eks.{}.amazonaws.com.cn/id/{}",
                    account.region,
                    "X".repeat(32)
                );
                self.samples
                    .push((issuer_variable.clone(), sample_issuer.clone()));
                self.samples.push((
                    provider_variable.clone(),
                    arn::oidc_provider_arn(account.partition, &account.id, &sample_issuer),
                ));
                self.variables.push(TemplateVariable {
                    name: issuer_variable.clone(),
                    expression: format!(
                        "trimprefix({}.identity[0].oidc[0].issuer, \"https://\")",
                        cluster.tf_ref()
                    ),
                });
                self.variables.push(TemplateVariable {
                    name: provider_variable.clone(),
                    expression: format!("aws_iam_openid_connect_provider.{}.arn", cluster.ident()),
                });
                (
                    format!("${{{issuer_variable}}}"),
                    format!("${{{provider_variable}}}"),
                )
            }
            (None, issuer) => {
                // Without an issuer there is nothing to trust; the spec has
                // been refused already (eksgrant::irsa_issuer).
                let issuer = issuer.clone()?;
                if cluster.create_oidc_provider {
                    self.depends_on.push(format!(
                        "aws_iam_openid_connect_provider.{}",
                        cluster.ident()
                    ));
                }
                let provider_arn = arn::oidc_provider_arn(account.partition, &account.id, &issuer);
                (issuer, provider_arn)
            }
        };
        let conditions = BTreeMap::from([(
            "StringEquals".to_string(),
            BTreeMap::from([
                (
                    format!("{issuer}:aud"),
                    OneOrMany(vec![IRSA_AUDIENCE.to_string()]),
                ),
                (
                    format!("{issuer}:sub"),
                    OneOrMany(vec![format!(
                        "system:serviceaccount:{}:{}",
                        workload.namespace, workload.service_account
                    )]),
                ),
            ]),
        )]);
        Some(Statement {
            sid: names::irsa_sid(key),
            effect: Effect::Allow,
            principal: BTreeMap::from([("Federated", OneOrMany(vec![provider_arn]))]),
            action: OneOrMany(vec!["sts:AssumeRoleWithWebIdentity".to_string()]),
            resource: OneOrMany::default(),
            condition: conditions,
        })
    }

    /// The size IAM will count once Terraform has filled the placeholders,
    /// with the longest values they can take.
    fn iam_size(&self) -> usize {
        let mut json =
            serde_json::to_string(&self.document).expect("policy documents always serialise");
        for (name, sample) in &self.samples {
            json = json.replace(&format!("${{{name}}}"), sample);
        }
        crate::aws::iam::iam_size_of(&json)
    }
}

/// Refuses the trust of the role a workload chains to over IAM's default
/// limit. It is literal, so its size is exact: with session tags off, each
/// cluster adds an external ID of its region, account, name, namespace and
/// ServiceAccount, which long names make long.
pub(super) fn check_target_trust_size(
    checker: &mut Checker<'_>,
    workload: &WorkloadInfo,
    trust: &PolicyDocument,
) {
    refuse_over_limit(
        checker,
        trust.iam_size(),
        workload.clusters_span.clone(),
        &format!("the role workload {} chains to", workload.key.get()),
        "a condition value per cluster",
        if workload.disable_session_tags {
            "without session tags the trust names an external ID per cluster (region/account/cluster/namespace/service account): split the workload into several with fewer clusters each, or pass session tags (one cluster ARN each)"
        } else {
            "split the workload into several with fewer clusters each; every workload gets its own roles"
        },
    );
}

/// Refuses a trust policy over IAM's default limit.
pub(super) fn check_trust_size(checker: &mut Checker<'_>, workload: &WorkloadInfo, trust: &Trust) {
    refuse_over_limit(
        checker,
        trust.iam_size(),
        workload.key.span(),
        &format!("workload {}", workload.key.get()),
        "trust policy too large",
        if workload.irsa {
            "IRSA needs a statement per cluster: use Pod Identity, whose one statement covers every cluster, or split the workload into several with fewer clusters each (each gets its own role)"
        } else {
            "split it into several workloads with fewer clusters each; every workload gets its own role"
        },
    );
}

/// Refuses, at `span`, the trust policy of `whose` when its `size` is over
/// IAM's default limit.
fn refuse_over_limit(
    checker: &mut Checker<'_>,
    size: usize,
    span: std::ops::Range<usize>,
    whose: &str,
    label: &str,
    help: &str,
) {
    if size > MAX_TRUST_POLICY {
        checker
            .error(
                Code::TrustPolicySize,
                span,
                format!(
                    "the trust policy of {whose} is {size} characters; IAM's default limit is {MAX_TRUST_POLICY}"
                ),
            )
            .label(label)
            .help(help);
    }
}
