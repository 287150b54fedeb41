//! `[workloads.<key>]`: where a ServiceAccount lives, and the IAM role it gets
//! when it needs AWS permissions or reaches another cluster.

use std::collections::{BTreeMap, HashMap};

use super::account::Context;
use super::arn;
use super::clusters::ClusterInfo;
use super::grants::GrantSet;
use super::names::{self, MAX_ROLE_NAME};
use super::policies;
use super::resolve::Resolver;
use super::{Association, RolePolicy, Workload, WorkloadRole};
use crate::spec::{self, Identity, Spanned};

/// A workload after its own checks.
pub(super) struct WorkloadInfo {
    pub key: Spanned<String>,
    pub clusters: Vec<String>,
    pub namespace: String,
    pub service_account: String,
    pub create_service_account: bool,
    pub role_name: Spanned<String>,
    pub aws: spec::WorkloadAws,
}

impl Resolver<'_> {
    /// Resolves `cluster` / `clusters` of a workload to cluster keys.
    pub(super) fn workload_clusters(
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
            if let Some(known) = self.cluster_ref(clusters, cluster) {
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
        }
        resolved
    }

    pub(super) fn workload(
        &mut self,
        ctx: &Context,
        clusters: &BTreeMap<String, ClusterInfo>,
        key: Spanned<String>,
        workload: spec::Workload,
    ) -> Option<WorkloadInfo> {
        let key_ok = self.check_key("workload", &key);
        let cluster_keys = self.workload_clusters(clusters, &key, &workload);
        if !names::is_dns_label(workload.namespace.get()) {
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
        } else {
            self.check_namespace_not_reserved(&workload.namespace);
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
        if let Some(identity) = &workload.identity
            && *identity.get() == Identity::Irsa
        {
            self.error(
                    "eksgrant::not_supported",
                    "identity = \"irsa\" is not supported yet",
                    identity.span(),
                    "IRSA roles are not generated yet",
                    "use identity = \"pod-identity\" (the default): it needs no OIDC provider and scopes the role to this ServiceAccount",
                );
        }
        let role_name = match &workload.role_name {
            Some(name) => name.clone(),
            None => Spanned::new(key.span(), format!("{}{}", ctx.iam.name_prefix, key.get())),
        };
        if !names::is_iam_name(role_name.get(), MAX_ROLE_NAME) {
            let (label, help) = if workload.role_name.is_some() {
                (
                    "not a valid IAM role name",
                    "IAM role names are 1-64 characters: letters, digits and `_+=,.@-`".to_string(),
                )
            } else {
                (
                    "the role is named after this key",
                    format!(
                        "the role name `{}` is longer than 64 characters; set role_name or shorten the key or iam.name_prefix",
                        role_name.get()
                    ),
                )
            };
            self.error(
                "eksgrant::iam_name",
                format!("`{}` is not a valid IAM role name", role_name.get()),
                role_name.span(),
                label,
                help,
            );
        }
        key_ok.then(|| WorkloadInfo {
            key,
            clusters: cluster_keys,
            namespace: workload.namespace.get().clone(),
            service_account,
            create_service_account: workload
                .create_service_account
                .as_ref()
                .is_none_or(|c| *c.get()),
            role_name,
            aws: workload.aws.unwrap_or_default(),
        })
    }

    pub(super) fn check_unique_service_accounts(&mut self, workloads: &[WorkloadInfo]) {
        let mut seen: HashMap<(&str, &str, &str), &WorkloadInfo> = HashMap::new();
        for workload in workloads {
            for cluster in &workload.clusters {
                let key = (
                    cluster.as_str(),
                    workload.namespace.as_str(),
                    workload.service_account.as_str(),
                );
                if let Some(first) = seen.get(&key) {
                    let message = format!(
                        "workloads {} and {} are the same ServiceAccount {}/{} on cluster {}",
                        first.key.get(),
                        workload.key.get(),
                        workload.namespace,
                        workload.service_account,
                        cluster
                    );
                    let first = first.key.span();
                    self.duplicate(
                        "eksgrant::duplicate_service_account",
                        message,
                        workload.key.span(),
                        first,
                        "workload",
                        "EKS allows one Pod Identity association per ServiceAccount: merge the two workloads, or give one its own service_account",
                    );
                } else {
                    seen.insert(key, workload);
                }
            }
        }
    }

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
        let needs_role = !permissions.is_empty() || !managed.is_empty() || !reaches.is_empty();
        let ident = names::tf_ident(key);
        let mut aws_permissions = Vec::new();
        for preset in &info.aws.presets {
            if let Some(def) = super::presets::find(preset.name.get()) {
                aws_permissions.push(format!("preset {}: {}", def.name, def.summary));
            }
        }
        aws_permissions.extend(managed.iter().map(|arn| format!("managed policy {arn}")));
        if !info.aws.statements.is_empty() {
            let n = info.aws.statements.len();
            aws_permissions.push(format!(
                "{n} custom statement{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        if !reaches.is_empty() {
            aws_permissions.push(format!("eks:DescribeCluster on {}", reaches.join(", ")));
        }
        let mut notes = Vec::new();
        if info
            .aws
            .presets
            .iter()
            .any(|p| p.name.get() == "external-dns")
        {
            notes.push("run external-dns with --zone-id-filter set to the preset's hosted zones, the only zones it may read and change".to_string());
        }
        if !info.create_service_account {
            notes.push(format!(
                "its ServiceAccount {}/{} is not generated (create_service_account = false); whatever installs the workload creates it",
                info.namespace, info.service_account
            ));
        }
        let role = needs_role.then(|| {
            let name = info.role_name.get().clone();
            self.claim("IAM role", name.to_lowercase(), info.role_name.span());
            self.claim("Terraform resource", format!("aws_iam_role.{ident}"), info.key.span());
            if !managed.is_empty() {
                self.claim("Terraform resource", format!("aws_iam_role_policy_attachment.{ident}_managed"), info.key.span());
            }
            self.claim("file", format!("policies/{key}.trust.json"), info.key.span());
            let role_policies: Vec<RolePolicy> = permissions
                .into_iter()
                .enumerate()
                .map(|(index, document)| {
                    let (ident, name, file) = match index {
                        0 => (ident.clone(), name.clone(), format!("policies/{key}.permissions.json")),
                        n => (
                            format!("{ident}_{}", n + 1),
                            format!("{name}-{}", n + 1),
                            format!("policies/{key}.permissions-{}.json", n + 1),
                        ),
                    };
                    for kind in ["aws_iam_policy", "aws_iam_role_policy_attachment"] {
                        self.claim("Terraform resource", format!("{kind}.{ident}"), info.key.span());
                    }
                    self.claim("IAM policy", name.to_lowercase(), info.role_name.span());
                    self.claim("file", file.clone(), info.key.span());
                    RolePolicy { ident, name, file, document }
                })
                .collect();
            let trust = policies::pod_identity_trust(ctx, clusters, info);
            policies::check_trust_size(self, info, &trust);
            let attached = managed.len() + role_policies.len();
            if attached > 10 {
                self.warning(
                    "eksgrant::policy_count",
                    format!("workload {key} attaches {attached} managed policies; IAM allows 10 per role by default"),
                    info.key.span(),
                    "too many attachments for the default quota",
                    "raise the \"Managed policies per role\" quota (up to 20) before applying, or attach fewer policies",
                );
            }
            let associations = info
                .clusters
                .iter()
                .filter_map(|c| clusters.get(c))
                .map(|cluster| {
                    let assoc_ident = format!("{ident}_on_{}", cluster.ident());
                    self.claim("Terraform resource", format!("aws_eks_pod_identity_association.{assoc_ident}"), info.key.span());
                    Association { ident: assoc_ident, cluster: cluster.key.get().clone(), cluster_ref: cluster.tf_ref() }
                })
                .collect();
            WorkloadRole {
                arn: arn::role_arn(ctx.partition, &ctx.account_id, &ctx.iam.path, &name),
                name: name.clone(),
                trust_file: format!("policies/{key}.trust.json"),
                trust,
                policies: role_policies,
                managed_policy_arns: managed,
                associations,
            }
        });
        let asked_for_aws = !info.aws.presets.is_empty()
            || !info.aws.statements.is_empty()
            || !info.aws.managed_policy_arns.is_empty();
        if !asked_for_aws && reaches.is_empty() && grants.grant_count(key) == 0 {
            self.warning(
                "eksgrant::idle_workload",
                format!("workload {key} has no AWS permissions and no grants"),
                info.key.span(),
                "only its ServiceAccount is generated",
                "add [workloads.<key>.aws] permissions or grants, or remove the workload",
            );
        }
        Workload {
            key: key.clone(),
            ident,
            namespace: info.namespace.clone(),
            service_account: info.service_account.clone(),
            clusters: info.clusters.clone(),
            create_service_account: info.create_service_account,
            role,
            reaches,
            aws_permissions,
            notes,
        }
    }
}
