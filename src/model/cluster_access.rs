//! What each cluster gets from the grants that target it: access entries,
//! RBAC objects (one file per subject and namespace), kubeconfig ConfigMaps for
//! the pods that reach other clusters, and the overview's lines.

use std::collections::{BTreeMap, HashMap};

use super::account::Account;
use super::checker::Checker;
use super::clusters::{ClusterInfo, NodeRole};
use super::grants::{Authentication, GrantSet, Granted, ResolvedGrant};
use super::names;
use super::types::{
    AccessEntry, AccessLine, ApiIngressRule, AwsAuth, AwsAuthMapping, Cluster, HclValue,
    KubeconfigMap, NamespaceObjects, NodeAccessEntry, OidcProvider, PolicyAssociation, RbacBinding,
    RbacRole, RbacRule, RbacSubject, ServiceAccount, SubjectObjects, Workload,
};
use super::workloads::WorkloadInfo;
use crate::aws::arn::{self, access_policy_arn};
use crate::code::Code;
use crate::spec::AuthenticationMode;

/// The cluster access pass: what each cluster gets from the grants that
/// target it, in key order.
pub(super) fn cluster_access(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    grants: &GrantSet,
    workload_infos: &[WorkloadInfo],
    workloads: &[Workload],
) -> Vec<Cluster> {
    let index = Index::new(grants, workload_infos, workloads);
    let infos: Vec<&ClusterInfo> = clusters.values().collect();
    checker.each_on_every_core(
        &infos,
        |info| 1 + index.grants(info.key.get()).len() + index.workloads(info.key.get()).len(),
        |checker, info| finish_cluster(checker, account, info, clusters, &index),
    )
}

/// The grants and workloads by cluster, and workloads by key, built once so
/// that finishing every cluster stays linear in the size of the spec.
struct Index<'a> {
    grants: HashMap<&'a str, Vec<&'a ResolvedGrant>>,
    workload_infos: HashMap<&'a str, Vec<&'a WorkloadInfo>>,
    workloads: HashMap<&'a str, Vec<&'a Workload>>,
    info_by_key: HashMap<&'a str, &'a WorkloadInfo>,
}

impl<'a> Index<'a> {
    fn new(
        grants: &'a GrantSet,
        workload_infos: &'a [WorkloadInfo],
        workloads: &'a [Workload],
    ) -> Self {
        let mut index = Index {
            grants: grants.by_cluster(),
            workload_infos: HashMap::new(),
            workloads: HashMap::new(),
            info_by_key: HashMap::new(),
        };
        for info in workload_infos {
            index.info_by_key.insert(info.key.get().as_str(), info);
            for cluster in &info.clusters {
                index
                    .workload_infos
                    .entry(cluster.as_str())
                    .or_default()
                    .push(info);
            }
        }
        for workload in workloads {
            for cluster in &workload.clusters {
                index
                    .workloads
                    .entry(cluster.as_str())
                    .or_default()
                    .push(workload);
            }
        }
        index
    }

    /// The grants on `cluster`, in spec order.
    fn grants(&self, cluster: &str) -> &[&'a ResolvedGrant] {
        self.grants.get(cluster).map_or(&[], Vec::as_slice)
    }

    /// The workloads (as the workloads pass saw them) running on `cluster`,
    /// in spec order.
    fn workload_infos(&self, cluster: &str) -> &[&'a WorkloadInfo] {
        self.workload_infos.get(cluster).map_or(&[], Vec::as_slice)
    }

    /// The finished workloads running on `cluster`, in spec order.
    fn workloads(&self, cluster: &str) -> &[&'a Workload] {
        self.workloads.get(cluster).map_or(&[], Vec::as_slice)
    }
}

/// Everything one cluster gets.
fn finish_cluster(
    checker: &mut Checker<'_>,
    account: &Account,
    info: &ClusterInfo,
    clusters: &BTreeMap<String, ClusterInfo>,
    index: &Index<'_>,
) -> Cluster {
    let key = info.key.get();
    let here = index.grants(key);
    let workloads = index.workloads(key);
    let (namespaces, cluster_scoped) = rbac_objects(here, workloads);
    let mappings = iam_mappings(here);
    check_node_roles_are_not_principals(checker, info, &mappings);
    let (access_entries, aws_auth_subjects) = if info.mode == AuthenticationMode::ConfigMap {
        (Vec::new(), mappings)
    } else {
        (
            access_entries(checker, account, info, mappings),
            BTreeMap::new(),
        )
    };
    // Also on API_AND_CONFIG_MAP, beside the aws-auth mapping (the entry wins
    // there), so that nodes keep joining the moment the cluster moves to API.
    let (node_access_entries, eks_node_entries) = if info.mode == AuthenticationMode::ConfigMap {
        (Vec::new(), Vec::new())
    } else {
        node_access_entries(checker, info)
    };
    let reached_from = reached_from(info, index);
    check_reachable(checker, info, &reached_from);
    Cluster {
        access_entries,
        node_access_entries,
        eks_node_entries,
        aws_auth: aws_auth(checker, info, &aws_auth_subjects),
        oidc_provider: oidc_provider(checker, info, index.workload_infos(key)),
        namespaces,
        cluster_scoped,
        kubeconfigs: kubeconfig_maps(checker, info, clusters, workloads),
        api_ingress: api_ingress(checker, account, info, clusters),
        reached_from,
        pod_identity_workloads: index
            .workload_infos(key)
            .iter()
            .filter(|w| w.pod_identity)
            .map(|w| w.key.get().clone())
            .collect(),
        access_summary: here
            .iter()
            .map(|grant| access_line(info.mode, grant))
            .collect(),
        key: key.clone(),
        ident: info.ident(),
        tf_ref: info.tf_ref(),
        name: info.name.clone(),
        arn: info.arn.clone(),
        authentication_mode: info.mode,
        authentication_mode_span: info.mode_span.clone(),
        created: info.created.clone(),
    }
}

/// How one IAM subject is mapped into the cluster, whatever the mechanism.
struct IamMapping {
    /// The ARN as Terraform writes it.
    arn: HclValue,
    /// The ARN itself.
    literal_arn: String,
    /// Whether it is a role.
    is_role: bool,
    /// The principal's custom username, if it has one.
    username: Option<String>,
    /// Groups: its own `eksgrant:<key>` when it has RBAC grants, then the
    /// existing groups it is mapped into.
    groups: Vec<String>,
    /// Access policies, each with its namespaces (empty: cluster-wide).
    policies: Vec<(String, Vec<String>)>,
}

/// Every IAM subject granted anything on the cluster, by key.
fn iam_mappings(here: &[&ResolvedGrant]) -> BTreeMap<String, IamMapping> {
    let mut mappings: BTreeMap<String, IamMapping> = BTreeMap::new();
    for grant in here {
        let Authentication::Iam {
            arn,
            literal_arn,
            is_role,
            username,
            ..
        } = &grant.authentication
        else {
            continue;
        };
        let mapping = mappings
            .entry(grant.subject.clone())
            .or_insert_with(|| IamMapping {
                arn: arn.clone(),
                literal_arn: literal_arn.clone(),
                is_role: *is_role,
                username: username.clone(),
                groups: Vec::new(),
                policies: Vec::new(),
            });
        let mut add_group = |group: &str| {
            if !mapping.groups.iter().any(|g| g == group) {
                mapping.groups.push(group.to_string());
            }
        };
        match &grant.granted {
            Granted::Rules(_) | Granted::ClusterRole(_) => {
                add_group(&names::owned_name(&grant.subject));
            }
            Granted::Groups(groups) => groups.iter().for_each(|g| add_group(g)),
            Granted::AccessPolicy(policy) => {
                mapping
                    .policies
                    .push((policy.clone(), grant.namespaces.clone().unwrap_or_default()));
            }
        }
    }
    for mapping in mappings.values_mut() {
        // The subject's own group first, the existing ones sorted after it.
        mapping
            .groups
            .sort_by_key(|g| (!names::is_owned_name(g), g.clone()));
    }
    mappings
}

/// One access entry per IAM subject, with its groups and access policy
/// associations.
fn access_entries(
    checker: &mut Checker<'_>,
    account: &Account,
    info: &ClusterInfo,
    mappings: BTreeMap<String, IamMapping>,
) -> Vec<AccessEntry> {
    mappings
        .into_iter()
        .map(|(subject, mapping)| {
            let ident = names::access_entry_ident(&subject, info.key.get());
            checker.claim(
                "Terraform resource",
                format!("aws_eks_access_entry.{ident}"),
                info.key.span(),
            );
            let policy_associations = mapping
                .policies
                .into_iter()
                .map(|(policy, namespaces)| {
                    let association = names::access_policy_association_ident(&ident, &policy);
                    checker.claim(
                        "Terraform resource",
                        format!("aws_eks_access_policy_association.{association}"),
                        info.key.span(),
                    );
                    PolicyAssociation {
                        ident: association,
                        policy_arn: access_policy_arn(account.partition, &policy),
                        namespaces,
                    }
                })
                .collect();
            // A workload's role is in terraform/iam with the per-cluster
            // layout: this root names it by its ARN.
            let principal_arn = if account.per_cluster() {
                HclValue::Literal(mapping.literal_arn)
            } else {
                mapping.arn
            };
            AccessEntry {
                ident,
                subject,
                principal_arn,
                kubernetes_groups: mapping.groups,
                user_name: mapping.username,
                policy_associations,
            }
        })
        .collect()
}

/// The access entries of the node roles of an `API` or
/// `API_AND_CONFIG_MAP` cluster: `EC2_LINUX` and `EC2_WINDOWS` ones for
/// self-managed nodes, which eksgrant writes; then the entries EKS makes
/// for managed node groups and Fargate profiles, at the addresses eksgrant
/// would give them, for access.tf to forget.
fn node_access_entries(
    checker: &mut Checker<'_>,
    info: &ClusterInfo,
) -> (Vec<NodeAccessEntry>, Vec<NodeAccessEntry>) {
    let (eks, own): (Vec<&NodeRole>, Vec<&NodeRole>) = info
        .node_roles
        .iter()
        .partition(|role| role.kind.entry_made_by_eks());
    let entry = |role: &NodeRole| {
        let role_name = role.arn.rsplit('/').next().unwrap_or(&role.arn);
        NodeAccessEntry {
            ident: names::node_access_entry_ident(
                info.key.get(),
                role.kind.ident_infix(),
                role_name,
            ),
            role_arn: role.arn.clone(),
            kind: role.kind,
            entry_type: role.kind.access_entry_type(),
        }
    };
    let own: Vec<NodeAccessEntry> = own.into_iter().map(entry).collect();
    let eks: Vec<NodeAccessEntry> = eks.into_iter().map(entry).collect();
    for node in own.iter().chain(&eks) {
        let span = info
            .node_roles
            .iter()
            .find(|r| r.arn == node.role_arn)
            .map_or_else(|| info.key.span(), |r| r.span.clone());
        checker.claim(
            "Terraform resource",
            format!("aws_eks_access_entry.{}", node.ident),
            span,
        );
    }
    (own, eks)
}

/// A node role mapped also as a subject would be two entries for one ARN.
fn check_node_roles_are_not_principals(
    checker: &mut Checker<'_>,
    info: &ClusterInfo,
    mappings: &BTreeMap<String, IamMapping>,
) {
    for (subject, mapping) in mappings {
        let same = |node: &&NodeRole| {
            arn::without_role_path(&node.arn)
                .eq_ignore_ascii_case(&arn::without_role_path(&mapping.literal_arn))
        };
        if let Some(node) = info.node_roles.iter().find(same) {
            checker
                .error(
                    Code::NodeRole,
                    node.span.clone(),
                    format!("{} is both a {} of cluster {} and subject {subject}", node.arn, node.kind.describe(), info.key.get()),
                )
                .label(format!("also subject {subject}"))
                .help(
                    "EKS maps an IAM role once per cluster: give the nodes and the subject different roles",
                );
        }
    }
}

/// The aws-auth ConfigMap: on `CONFIG_MAP` clusters always (it is their only
/// mapping), on `API_AND_CONFIG_MAP` clusters when the spec gives it node
/// roles or accounts (principals have access entries there). Without them
/// eksgrant leaves an `API_AND_CONFIG_MAP` cluster's aws-auth alone rather
/// than write one that would drop the node mappings someone else keeps there;
/// the overview says so. Never on `API` clusters, which ignore it.
fn aws_auth(
    checker: &mut Checker<'_>,
    info: &ClusterInfo,
    subjects: &BTreeMap<String, IamMapping>,
) -> Option<AwsAuth> {
    let wanted = match info.mode {
        AuthenticationMode::ConfigMap => true,
        AuthenticationMode::ApiAndConfigMap => {
            !info.node_roles.is_empty() || !info.aws_auth_accounts.is_empty()
        }
        AuthenticationMode::Api => false,
    };
    if !wanted {
        return None;
    }
    let mut map_roles: Vec<AwsAuthMapping> = info
        .node_roles
        .iter()
        .map(|role| AwsAuthMapping {
            subject: None,
            arn: arn::without_role_path(&role.arn),
            username: role.kind.aws_auth_username().to_string(),
            groups: role
                .kind
                .aws_auth_groups()
                .into_iter()
                .map(ToString::to_string)
                .collect(),
        })
        .collect();
    let mut map_users = Vec::new();
    for (subject, mapping) in subjects {
        let entry = AwsAuthMapping {
            subject: Some(subject.clone()),
            arn: if mapping.is_role {
                arn::without_role_path(&mapping.literal_arn)
            } else {
                mapping.literal_arn.clone()
            },
            username: mapping
                .username
                .clone()
                .unwrap_or_else(|| names::aws_auth_username(subject, mapping.is_role)),
            groups: mapping.groups.clone(),
        };
        if mapping.is_role {
            map_roles.push(entry);
        } else {
            map_users.push(entry);
        }
    }
    // A created cluster has no nodes in aws-auth to lose (and a created
    // CONFIG_MAP cluster is refused anyway).
    if info.node_roles.is_empty() && info.created.is_none() {
        checker
            .warning(
                Code::AwsAuthWithoutNodes,
                info.key.span(),
                format!("the aws-auth ConfigMap eksgrant writes for cluster {} maps no node role", info.key.get()),
            )
            .label("no node roles")
            .help(
                "applying it replaces mapRoles: list every node group role that aws-auth maps today in node_role_arns (self-managed Linux nodes), managed_node_role_arns (managed node groups) or windows_node_role_arns, and every Fargate profile's pod execution role in fargate_pod_execution_role_arns (`kubectl diff` on the generated file shows them), or nodes and Fargate pods stop joining",
            );
    }
    Some(AwsAuth {
        map_roles,
        map_users,
        map_accounts: info.aws_auth_accounts.clone(),
    })
}

/// The cluster's IAM OIDC provider, when a workload's role trusts IRSA tokens
/// from it or the spec asks to create it.
fn oidc_provider(
    checker: &mut Checker<'_>,
    info: &ClusterInfo,
    here: &[&WorkloadInfo],
) -> Option<OidcProvider> {
    let trusted = here.iter().any(|w| w.irsa);
    if !trusted && !info.create_oidc_provider {
        return None;
    }
    let ident = info.ident();
    let create = info.created.is_some() || info.create_oidc_provider;
    let kind = if create {
        "aws_iam_openid_connect_provider"
    } else {
        "data.aws_iam_openid_connect_provider"
    };
    checker.claim(
        "Terraform resource",
        format!("{kind}.{ident}"),
        info.key.span(),
    );
    let url = match &info.oidc_issuer {
        Some(issuer) if info.created.is_none() => HclValue::Literal(format!("https://{issuer}")),
        _ => HclValue::Reference(format!("{}.identity[0].oidc[0].issuer", info.tf_ref())),
    };
    Some(OidcProvider { ident, create, url })
}

/// The RBAC objects of the cluster, one [`SubjectObjects`] per subject and
/// namespace, and per subject cluster-wide; plus the ServiceAccounts of the
/// workloads that run here.
fn rbac_objects(
    here: &[&ResolvedGrant],
    workloads: &[&Workload],
) -> (Vec<NamespaceObjects>, Vec<SubjectObjects>) {
    let mut scoped = Scoped::new();
    for workload in workloads {
        if !workload.create_service_account {
            continue;
        }
        let irsa_role_arn = workload
            .role
            .as_ref()
            .filter(|_| workload.annotate_irsa)
            .map(|role| role.arn.clone());
        scoped
            .objects(Some(&workload.namespace), &workload.key)
            .service_account = Some(ServiceAccount {
            name: workload.service_account.clone(),
            namespace: workload.namespace.clone(),
            irsa_role_arn,
        });
    }
    for grant in here {
        let subject = match &grant.authentication {
            Authentication::ServiceAccount { namespace, name } => RbacSubject {
                kind: "ServiceAccount",
                name: name.clone(),
                namespace: Some(namespace.clone()),
            },
            Authentication::Iam { .. } => RbacSubject {
                kind: "Group",
                name: names::owned_name(&grant.subject),
                namespace: None,
            },
        };
        let targets: Vec<Option<&str>> = match &grant.namespaces {
            Some(namespaces) => namespaces.iter().map(|ns| Some(ns.as_str())).collect(),
            None => vec![None],
        };
        for scope in targets {
            let (role_kind, binding_kind) = if scope.is_some() {
                ("Role", "RoleBinding")
            } else {
                ("ClusterRole", "ClusterRoleBinding")
            };
            let namespace = scope.map(str::to_string);
            match &grant.granted {
                Granted::Rules(rules) => {
                    let objects = scoped.objects(scope, &grant.subject);
                    let name = names::owned_name(&grant.subject);
                    // All `rules` grants of a subject in one scope share one
                    // Role and its binding, which comes first. The vectors
                    // are grown exactly: most hold one binding and one
                    // grant's rules, where growing by pushing keeps room for
                    // four.
                    if objects.role.is_none() {
                        objects.bindings.reserve_exact(1);
                        objects.bindings.insert(
                            0,
                            RbacBinding {
                                kind: binding_kind,
                                name: name.clone(),
                                namespace: namespace.clone(),
                                role_kind,
                                role_name: name.clone(),
                                subject: subject.clone(),
                            },
                        );
                    }
                    let role = &mut objects
                        .role
                        .get_or_insert_with(|| RbacRole {
                            kind: role_kind,
                            name,
                            namespace,
                            rules: Vec::new(),
                        })
                        .rules;
                    role.reserve_exact(rules.len());
                    role.extend(rules.iter().cloned());
                }
                Granted::ClusterRole(role) => {
                    let bindings = &mut scoped.objects(scope, &grant.subject).bindings;
                    bindings.reserve_exact(1);
                    bindings.push(RbacBinding {
                        kind: binding_kind,
                        name: names::cluster_role_binding_name(&grant.subject, role),
                        namespace,
                        role_kind: "ClusterRole",
                        role_name: role.clone(),
                        subject: subject.clone(),
                    });
                }
                // Access policies are associations on the access entry, and
                // groups are bound by RBAC managed elsewhere: no objects here.
                Granted::AccessPolicy(_) | Granted::Groups(_) => {}
            }
        }
    }
    let mut scoped = scoped.0;
    let cluster_scoped = scoped
        .remove(&None)
        .map(|m| m.into_values().collect())
        .unwrap_or_default();
    let namespaces = scoped
        .into_iter()
        .filter_map(|(ns, subjects)| {
            ns.map(|name| NamespaceObjects {
                name,
                subjects: subjects.into_values().collect(),
            })
        })
        .collect();
    (namespaces, cluster_scoped)
}

/// The objects of each subject, by namespace (`None`: cluster-wide).
struct Scoped(BTreeMap<Option<String>, BTreeMap<String, SubjectObjects>>);

impl Scoped {
    fn new() -> Self {
        Self(BTreeMap::new())
    }

    /// The objects of `subject` in `scope`, empty at first.
    fn objects(&mut self, scope: Option<&str>, subject: &str) -> &mut SubjectObjects {
        self.0
            .entry(scope.map(str::to_string))
            .or_default()
            .entry(subject.to_string())
            .or_insert_with(|| SubjectObjects {
                subject: subject.to_string(),
                service_account: None,
                role: None,
                bindings: Vec::new(),
            })
    }
}

/// One kubeconfig ConfigMap per (namespace, cluster reached) for the
/// workloads here that reach other clusters; workloads of one namespace
/// reaching the same cluster share it.
fn kubeconfig_maps(
    checker: &mut Checker<'_>,
    home: &ClusterInfo,
    clusters: &BTreeMap<String, ClusterInfo>,
    workloads: &[&Workload],
) -> Vec<KubeconfigMap> {
    let key = home.key.get();
    let mut maps: BTreeMap<(String, String), KubeconfigMap> = BTreeMap::new();
    for workload in workloads {
        for target in &workload.reaches {
            let Some(target_info) = clusters.get(target) else {
                continue;
            };
            let map = maps
                .entry((workload.namespace.clone(), target.clone()))
                .or_insert_with(|| {
                    let ident = names::kubeconfig_ident(key, &workload.namespace, target);
                    checker.claim(
                        "Terraform resource",
                        format!("kubernetes_config_map_v1.{ident}"),
                        home.key.span(),
                    );
                    KubeconfigMap {
                        ident,
                        name: names::kubeconfig_config_map(target),
                        namespace: workload.namespace.clone(),
                        home_ident: home.ident(),
                        home: key.clone(),
                        target: target.clone(),
                        target_name: target_info.name.clone(),
                        target_ident: target_info.ident(),
                        used_by: Vec::new(),
                    }
                });
            map.used_by.push(workload.key.clone());
        }
    }
    maps.into_values().collect()
}

/// The ingress rules of a created cluster's private endpoint: one per
/// cluster in `private_access_from_clusters`, one per CIDR block.
///
/// In the single root a rule names the clusters' resources or data
/// sources. With the per-cluster layout, a rule from a CIDR block stays in
/// the cluster's root, beside the cluster; a rule from another cluster's
/// security group, which only exists once that cluster does, goes to
/// `terraform/network`, applied after every cluster's root, which reads
/// both clusters with data sources of its own.
fn api_ingress(
    checker: &mut Checker<'_>,
    account: &Account,
    info: &ClusterInfo,
    clusters: &BTreeMap<String, ClusterInfo>,
) -> Vec<ApiIngressRule> {
    let key = info.key.get();
    let own_group = |in_network_root: bool| {
        let cluster = if in_network_root {
            format!("data.aws_eks_cluster.{}", info.ident())
        } else {
            info.tf_ref()
        };
        format!("{cluster}.vpc_config[0].cluster_security_group_id")
    };
    let from_clusters = info
        .private_access_from
        .iter()
        .filter_map(|from| clusters.get(from.get()))
        .filter(|source| source.key.get() != key)
        .map(|source| ApiIngressRule {
            ident: names::api_ingress_ident(key, source.key.get()),
            cluster: key.clone(),
            from: format!(
                "Kubernetes API from the pods of cluster {}",
                source.key.get()
            ),
            source: format!("the cluster security group of {}", source.key.get()),
            security_group_id: own_group(account.per_cluster()),
            security_group: Some(format!(
                "{}.vpc_config[0].cluster_security_group_id",
                if account.per_cluster() {
                    format!("data.aws_eks_cluster.{}", source.ident())
                } else {
                    source.tf_ref()
                }
            )),
            from_cluster: Some(source.key.get().clone()),
            cidr: None,
        });
    let from_cidrs = info.private_access_cidrs.iter().map(|cidr| ApiIngressRule {
        ident: names::api_ingress_ident(key, cidr),
        cluster: key.clone(),
        from: format!("Kubernetes API from {cidr}"),
        source: cidr.clone(),
        security_group_id: own_group(false),
        security_group: None,
        from_cluster: None,
        cidr: Some(cidr.clone()),
    });
    let rules: Vec<ApiIngressRule> = from_clusters.chain(from_cidrs).collect();
    for rule in &rules {
        checker.claim(
            "Terraform resource",
            format!("aws_vpc_security_group_ingress_rule.{}", rule.ident),
            info.key.span(),
        );
    }
    rules
}

/// The other clusters whose pods reach this one through their IAM role.
fn reached_from(info: &ClusterInfo, index: &Index<'_>) -> Vec<String> {
    let key = info.key.get();
    let mut sources: Vec<String> = index
        .grants(key)
        .iter()
        .filter(|g| {
            matches!(
                g.authentication,
                Authentication::Iam {
                    is_workload: true,
                    ..
                }
            )
        })
        .filter_map(|g| index.info_by_key.get(g.subject.as_str()))
        .flat_map(|w| w.clusters.iter().filter(|c| *c != key).cloned())
        .collect();
    sources.sort();
    sources.dedup();
    sources
}

/// Warns when pods of other clusters are granted access to a created
/// cluster whose private endpoint nothing generated lets them reach.
fn check_reachable(checker: &mut Checker<'_>, info: &ClusterInfo, reached_from: &[String]) {
    let Some(created) = &info.created else {
        return;
    };
    if created.endpoint_public_access || !info.private_access_cidrs.is_empty() {
        return;
    }
    let unreached: Vec<&str> = reached_from
        .iter()
        .map(String::as_str)
        .filter(|source| !info.private_access_from.iter().any(|f| f.get() == source))
        .collect();
    if unreached.is_empty() {
        return;
    }
    let list = unreached
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    checker
        .warning(
            Code::Unreachable,
            info.key.span(),
            format!(
                "pods of {} are granted access to cluster {}, but nothing lets them reach its private API endpoint",
                unreached.join(", "),
                info.key.get()
            ),
        )
        .label("private endpoint, no ingress for them")
        .help(format!(
            "add private_access_from_clusters = [{list}] (clusters in the same VPC, or peered VPCs that allow security group references), or private_access_cidrs with their networks; or make the endpoint public with public_access_cidrs that include their NAT addresses"
        ));
}

/// One line of the overview for a grant.
fn access_line(mode: AuthenticationMode, grant: &ResolvedGrant) -> AccessLine {
    let mechanism = if mode == AuthenticationMode::ConfigMap {
        "aws-auth"
    } else {
        "access entry"
    };
    let (identity, mapped_as) = match &grant.authentication {
        Authentication::ServiceAccount { namespace, name } => (
            format!("pods of ServiceAccount {namespace}/{name}"),
            "its ServiceAccount (no IAM)".to_string(),
        ),
        Authentication::Iam {
            identity, username, ..
        } => {
            let mechanism = match username {
                Some(username) => format!("{mechanism} (username {username})"),
                None => mechanism.to_string(),
            };
            let mapped = match &grant.granted {
                Granted::AccessPolicy(_) => mechanism,
                Granted::Groups(groups) => format!("{mechanism}, groups {}", groups.join(", ")),
                Granted::Rules(_) | Granted::ClusterRole(_) => {
                    format!("{mechanism}, group {}", names::owned_name(&grant.subject))
                }
            };
            (identity.clone(), mapped)
        }
    };
    let permissions = match &grant.granted {
        Granted::Rules(rules) => rules
            .iter()
            .map(describe_rule)
            .collect::<Vec<_>>()
            .join("; "),
        Granted::ClusterRole(role) => format!("ClusterRole {role}"),
        Granted::AccessPolicy(policy) => format!("access policy {policy}"),
        Granted::Groups(_) => {
            "whatever the RBAC binding these groups grants (managed outside eksgrant)".to_string()
        }
    };
    let scope = match &grant.namespaces {
        Some(namespaces) => format!("namespaces {}", namespaces.join(", ")),
        None => "cluster-wide".to_string(),
    };
    AccessLine {
        who: grant.subject.clone(),
        identity,
        mapped_as,
        permissions,
        scope,
    }
}

/// `pods, pods/log: get, list` or `deployments.apps: get`.
fn describe_rule(rule: &RbacRule) -> String {
    let resources: Vec<String> = rule
        .resources
        .iter()
        .flat_map(|resource| {
            rule.api_groups.iter().map(move |group| {
                // kubectl's notation: deployments.apps, deployments.apps/scale.
                let (name, subresource) = resource
                    .split_once('/')
                    .map_or((resource.as_str(), None), |(n, s)| (n, Some(s)));
                let group = if group.is_empty() {
                    String::new()
                } else {
                    format!(".{group}")
                };
                match subresource {
                    Some(sub) => format!("{name}{group}/{sub}"),
                    None => format!("{name}{group}"),
                }
            })
        })
        .collect();
    let names = if rule.resource_names.is_empty() {
        String::new()
    } else {
        format!(" (only {})", rule.resource_names.join(", "))
    };
    format!("{}{names}: {}", resources.join(", "), rule.verbs.join(", "))
}
