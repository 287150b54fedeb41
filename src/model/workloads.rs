//! `[workloads.<key>]`: where a ServiceAccount lives, and the IAM role it gets
//! when it needs AWS permissions or reaches another cluster.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::account::Context;
use super::arn;
use super::clusters::ClusterInfo;
use super::grants::GrantSet;
use super::names::{self, MAX_ROLE_NAME};
use super::policies;
use super::presets;
use super::resolve::Resolver;
use super::trust;
use super::{Association, RolePolicy, Workload, WorkloadRole};
use crate::spec::{self, Identity, Spanned};

/// IAM's default limit on managed policies attached to one role.
const MAX_ATTACHED_POLICIES: usize = 10;

/// A workload after its own checks.
pub(super) struct WorkloadInfo {
    /// The spec key.
    pub key: Spanned<String>,
    /// The clusters it runs in (keys), in spec order.
    pub clusters: Vec<String>,
    /// Its namespace.
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
}

impl Resolver<'_> {
    /// Checks one `[workloads.<key>]` table, except its grants, which it
    /// hands back for [`super::grants`].
    ///
    /// A workload whose key is invalid is still returned (the error is
    /// recorded), so that its grants are checked too.
    pub(super) fn resolve_workload(
        &mut self,
        ctx: &Context,
        clusters: &BTreeMap<String, ClusterInfo>,
        key: Spanned<String>,
        workload: spec::Workload,
    ) -> (WorkloadInfo, Vec<Spanned<spec::Grant>>) {
        self.check_key("workload", &key);
        let cluster_keys = self.workload_clusters(clusters, &key, &workload);
        if names::is_dns_label(workload.namespace.get()) {
            self.check_namespace_not_reserved(&workload.namespace);
        } else {
            self.error(
                "eksgrant::namespace",
                format!(
                    "`{}` is not a Kubernetes namespace name",
                    workload.namespace.get()
                ),
                workload.namespace.span(),
                "not a DNS-1123 label",
                "namespaces are lowercase letters, digits and `-`, at most 63 characters",
            );
        }
        let service_account = match &workload.service_account {
            Some(sa) => {
                if !names::is_dns_subdomain(sa.get()) {
                    self.error(
                        "eksgrant::service_account",
                        format!("`{}` is not a ServiceAccount name", sa.get()),
                        sa.span(),
                        "not a DNS-1123 subdomain",
                        "ServiceAccount names are lowercase letters, digits, `-` and `.`",
                    );
                }
                sa.get().clone()
            }
            None => key.get().clone(),
        };
        let (pod_identity, irsa) = self.workload_identity(clusters, &key, &cluster_keys, &workload);
        let role_name = self.workload_role_name(ctx, &key, workload.role_name.as_ref());
        let aws = workload.aws.unwrap_or_default();
        for managed in &aws.managed_policy_arns {
            if !arn::is_policy_arn(managed.get(), ctx.partition) {
                self.error(
                    "eksgrant::policy_arn",
                    format!("`{}` is not an IAM policy ARN", managed.get()),
                    managed.span(),
                    "not a policy ARN",
                    format!(
                        "write arn:{p}:iam::aws:policy/NAME for AWS managed policies or arn:{p}:iam::ACCOUNT:policy/NAME for your own",
                        p = ctx.partition.as_str()
                    ),
                );
            }
        }
        let info = WorkloadInfo {
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

    /// `identity` and `migrate_from`: whether the workload uses Pod Identity,
    /// and whether its role trusts IRSA tokens, which needs each existing
    /// cluster's OIDC issuer.
    fn workload_identity(
        &mut self,
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
                self.error(
                    "eksgrant::migrate_from",
                    "migrate_from = \"irsa\" is the only migration, and it is to identity = \"pod-identity\"",
                    from.span(),
                    "nothing to migrate",
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
                    self.error(
                        "eksgrant::irsa_issuer",
                        format!("workload {} uses IRSA on cluster {}, whose OIDC issuer the spec does not give", key.get(), cluster.key.get()),
                        span.clone(),
                        "IRSA trusts the cluster's OIDC provider",
                        format!(
                            "add oidc_issuer = \"oidc.eks.<region>.amazonaws.com/id/<ID>\" to [clusters.{}] (aws eks describe-cluster --name {} --query cluster.identity.oidc.issuer)",
                            cluster.key.get(),
                            cluster.name
                        ),
                    );
                }
            }
        }
        (identity == Identity::PodIdentity, irsa)
    }

    /// Resolves `cluster` / `clusters` of a workload to cluster keys.
    fn workload_clusters(
        &mut self,
        clusters: &BTreeMap<String, ClusterInfo>,
        key: &Spanned<String>,
        workload: &spec::Workload,
    ) -> Vec<String> {
        let refs: Vec<&Spanned<String>> = match (&workload.cluster, &workload.clusters) {
            (Some(one), None) => vec![one],
            (None, Some(many)) => {
                if many.get().is_empty() {
                    self.error(
                        "eksgrant::workload_clusters",
                        "clusters is empty",
                        many.span(),
                        "no cluster",
                        "list the clusters the ServiceAccount lives in",
                    );
                }
                many.get().iter().collect()
            }
            (Some(one), Some(_)) => {
                self.error(
                    "eksgrant::workload_clusters",
                    format!("workload {} sets both cluster and clusters", key.get()),
                    one.span(),
                    "remove this or `clusters`",
                    "use `cluster = \"a\"` for one cluster or `clusters = [\"a\", \"b\"]` for several",
                );
                return Vec::new();
            }
            (None, None) => {
                self.error(
                    "eksgrant::workload_clusters",
                    format!(
                        "workload {} does not say which cluster it runs in",
                        key.get()
                    ),
                    key.span(),
                    "no cluster",
                    "add cluster = \"<cluster key>\" (or clusters = [...])",
                );
                return Vec::new();
            }
        };
        let mut resolved = Vec::new();
        for cluster in refs {
            let Some(known) = self.cluster_ref(clusters, cluster) else {
                continue;
            };
            if resolved.contains(&known) {
                self.error(
                    "eksgrant::workload_clusters",
                    format!("cluster {known} is listed twice"),
                    cluster.span(),
                    "repeated",
                    "list each cluster once",
                );
            } else {
                resolved.push(known);
            }
        }
        resolved
    }

    /// `role_name`, or the name derived from the key, checked.
    fn workload_role_name(
        &mut self,
        ctx: &Context,
        key: &Spanned<String>,
        given: Option<&Spanned<String>>,
    ) -> Spanned<String> {
        if let Some(name) = given {
            if !names::is_iam_name(name.get(), MAX_ROLE_NAME) {
                self.error(
                    "eksgrant::iam_name",
                    format!("`{}` is not a valid IAM role name", name.get()),
                    name.span(),
                    "not a valid IAM role name",
                    "IAM role names are 1-64 characters: letters, digits and `_+=,.@-`",
                );
            }
            return name.clone();
        }
        let derived = names::workload_role_name(&ctx.iam.name_prefix, key);
        if ctx.name_prefix_ok && derived.len() > MAX_ROLE_NAME {
            self.error(
                "eksgrant::iam_name",
                format!(
                    "the role name `{derived}` is longer than IAM's {MAX_ROLE_NAME} characters"
                ),
                key.span(),
                "the role is named after this key",
                "set role_name, or shorten the key or iam.name_prefix",
            );
        }
        Spanned::new(key.span(), derived)
    }

    /// EKS allows one Pod Identity association per (cluster, namespace,
    /// ServiceAccount); each pair of workloads that share one is reported once.
    pub(super) fn check_unique_service_accounts(&mut self, workloads: &[WorkloadInfo]) {
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
                self.duplicate(
                    "eksgrant::duplicate_service_account",
                    format!(
                        "workloads {} and {} are the same ServiceAccount {}/{} on cluster {}",
                        first.key.get(),
                        workload.key.get(),
                        workload.namespace,
                        workload.service_account,
                        cluster
                    ),
                    workload.key.span(),
                    first.key.span(),
                    "workload",
                    "EKS allows one Pod Identity association per ServiceAccount: merge the two workloads, or give one its own service_account",
                );
            }
        }
    }

    /// The workload with its role (when it needs one) and overview lines.
    pub(super) fn finish_workload(
        &mut self,
        ctx: &Context,
        clusters: &BTreeMap<String, ClusterInfo>,
        info: &WorkloadInfo,
        grants: &GrantSet,
    ) -> Workload {
        let key = info.key.get();
        let reaches: Vec<String> = grants.reached_by(key).into_iter().collect();
        let permissions = policies::permissions(self, ctx, clusters, info, &reaches);
        let managed: Vec<String> = info
            .aws
            .managed_policy_arns
            .iter()
            .map(|a| a.get().clone())
            .collect();
        let role = (!permissions.is_empty() || !managed.is_empty() || !reaches.is_empty())
            .then(|| self.workload_role(ctx, clusters, info, permissions, managed));
        let asked_for_anything = !info.aws.presets.is_empty()
            || !info.aws.statements.is_empty()
            || !info.aws.managed_policy_arns.is_empty()
            || info.grants_written > 0;
        if !asked_for_anything {
            let label = if info.create_service_account {
                "only its ServiceAccount is generated"
            } else {
                "nothing is generated for it"
            };
            self.warning(
                "eksgrant::idle_workload",
                format!("workload {key} has no AWS permissions and no grants"),
                info.key.span(),
                label,
                "add [workloads.<key>.aws] permissions or grants, or remove the workload",
            );
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
            role,
            reaches,
        }
    }

    /// The workload's IAM role: trust, own policies, attachments and
    /// associations, with every name it generates claimed.
    fn workload_role(
        &mut self,
        ctx: &Context,
        clusters: &BTreeMap<String, ClusterInfo>,
        info: &WorkloadInfo,
        permissions: Vec<crate::model::iam::PolicyDocument>,
        managed: Vec<String>,
    ) -> WorkloadRole {
        let key = info.key.get();
        let ident = names::tf_ident(key);
        let name = info.role_name.get().clone();
        self.claim("IAM role", name.to_lowercase(), info.role_name.span());
        self.claim(
            "Terraform resource",
            format!("aws_iam_role.{ident}"),
            info.key.span(),
        );
        if !managed.is_empty() {
            let attachments = names::managed_attachment_ident(key);
            self.claim(
                "Terraform resource",
                format!("aws_iam_role_policy_attachment.{attachments}"),
                info.key.span(),
            );
        }

        let policies: Vec<RolePolicy> = permissions
            .into_iter()
            .enumerate()
            .map(|(index, document)| {
                let names::PolicyNames {
                    ident,
                    name: policy_name,
                    file,
                } = names::permission_policy(key, &name, index);
                for kind in ["aws_iam_policy", "aws_iam_role_policy_attachment"] {
                    self.claim(
                        "Terraform resource",
                        format!("{kind}.{ident}"),
                        info.key.span(),
                    );
                }
                self.claim(
                    "IAM policy",
                    policy_name.to_lowercase(),
                    info.role_name.span(),
                );
                self.claim("file", file.clone(), info.key.span());
                RolePolicy {
                    ident,
                    name: policy_name,
                    file,
                    document,
                }
            })
            .collect();
        let attached = managed.len() + policies.len();
        if attached > MAX_ATTACHED_POLICIES {
            self.warning(
                "eksgrant::policy_count",
                format!(
                    "workload {key} attaches {attached} managed policies; IAM allows {MAX_ATTACHED_POLICIES} per role by default"
                ),
                info.key.span(),
                "too many attachments for the default quota",
                "raise the \"Managed policies per role\" quota (up to 20) before applying, or attach fewer policies",
            );
        }

        let trust = trust::trust(ctx, clusters, info);
        trust::check_trust_size(self, info, &trust);
        let trust_file = if trust.variables.is_empty() {
            names::trust_policy_file(key)
        } else {
            names::trust_policy_template(key)
        };
        self.claim("file", trust_file.clone(), info.key.span());
        let associations = if info.pod_identity {
            info.clusters
                .iter()
                .filter_map(|c| clusters.get(c))
                .map(|cluster| {
                    let ident = names::association_ident(key, cluster.key.get());
                    self.claim(
                        "Terraform resource",
                        format!("aws_eks_pod_identity_association.{ident}"),
                        info.key.span(),
                    );
                    Association {
                        ident,
                        cluster: cluster.key.get().clone(),
                        cluster_ref: cluster.tf_ref(),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        WorkloadRole {
            arn: arn::role_arn(ctx.partition, &ctx.account_id, &ctx.iam.path, &name),
            name,
            trust_file,
            trust: trust.document,
            trust_variables: trust.variables,
            depends_on: trust.depends_on,
            policies,
            managed_policy_arns: managed,
            associations,
        }
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
