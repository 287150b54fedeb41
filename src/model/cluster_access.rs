//! What each cluster gets from the grants that target it: access entries,
//! RBAC objects (one file per subject and namespace), kubeconfig ConfigMaps for
//! the pods that reach other clusters, and the overview's lines.

use std::collections::BTreeMap;

use super::account::Context;
use super::arn::access_policy_arn;
use super::clusters::ClusterInfo;
use super::grants::{GrantSet, ResolvedGrant, Via, What};
use super::names;
use super::resolve::Resolver;
use super::workloads::WorkloadInfo;
use super::{
    AccessEntry, AccessLine, Cluster, KubeconfigMap, NamespaceObjects, ObjectRef,
    PolicyAssociation, RbacBinding, RbacRole, RbacSubject, SubjectObjects, Workload,
};

/// Everything one cluster gets.
pub(super) fn finish_cluster(
    r: &mut Resolver<'_>,
    ctx: &Context,
    info: &ClusterInfo,
    clusters: &BTreeMap<String, ClusterInfo>,
    grants: &GrantSet,
    workload_infos: &[WorkloadInfo],
    workloads: &[Workload],
) -> Cluster {
    let key = info.key.get();
    let here: Vec<&ResolvedGrant> = grants.grants.iter().filter(|g| &g.cluster == key).collect();
    let (namespaces, cluster_scoped) = rbac_objects(key, &here, workload_infos);
    Cluster {
        access_entries: access_entries(r, ctx, info, &here),
        namespaces,
        cluster_scoped,
        kubeconfigs: kubeconfig_maps(r, info, clusters, workloads),
        pod_identity_workloads: workloads
            .iter()
            .filter(|w| w.role.is_some() && w.clusters.contains(key))
            .map(|w| w.key.clone())
            .collect(),
        access_summary: here.iter().map(|grant| access_line(grant)).collect(),
        key: key.clone(),
        ident: info.ident(),
        tf_ref: info.tf_ref(),
        name: info.name.clone(),
        arn: info.arn.clone(),
        authentication_mode: info.mode.as_str(),
        created: info.created.clone(),
    }
}

/// One access entry per IAM subject granted anything on the cluster: its
/// group when it has RBAC grants, its access policy associations.
fn access_entries(
    r: &mut Resolver<'_>,
    ctx: &Context,
    info: &ClusterInfo,
    here: &[&ResolvedGrant],
) -> Vec<AccessEntry> {
    let mut entries: BTreeMap<&str, AccessEntry> = BTreeMap::new();
    for grant in here {
        let Via::Iam { arn, .. } = &grant.via else {
            continue;
        };
        let entry = entries.entry(grant.subject.as_str()).or_insert_with(|| {
            let ident = names::access_entry_ident(&grant.subject, info.key.get());
            r.claim(
                "Terraform resource",
                format!("aws_eks_access_entry.{ident}"),
                info.key.span(),
            );
            AccessEntry {
                ident,
                subject: grant.subject.clone(),
                principal_arn: arn.clone(),
                kubernetes_groups: Vec::new(),
                policy_associations: Vec::new(),
            }
        });
        match &grant.what {
            What::AccessPolicy(policy) => {
                let ident = names::access_policy_association_ident(&entry.ident, policy);
                r.claim(
                    "Terraform resource",
                    format!("aws_eks_access_policy_association.{ident}"),
                    info.key.span(),
                );
                entry.policy_associations.push(PolicyAssociation {
                    ident,
                    policy_arn: access_policy_arn(ctx.partition, policy),
                    namespaces: grant.namespaces.clone().unwrap_or_default(),
                });
            }
            What::Rules(_) | What::ClusterRole(_) => {
                let group = names::owned_name(&grant.subject);
                if !entry.kubernetes_groups.contains(&group) {
                    entry.kubernetes_groups.push(group);
                }
            }
        }
    }
    entries.into_values().collect()
}

/// The RBAC objects of the cluster, one [`SubjectObjects`] per subject and
/// namespace, and per subject cluster-wide; plus the ServiceAccounts of the
/// workloads that run here.
fn rbac_objects(
    cluster: &str,
    here: &[&ResolvedGrant],
    workloads: &[WorkloadInfo],
) -> (Vec<NamespaceObjects>, Vec<SubjectObjects>) {
    let mut scoped = Scoped::new();
    for workload in workloads
        .iter()
        .filter(|w| w.create_service_account && w.clusters.iter().any(|c| c == cluster))
    {
        scoped
            .objects(Some(&workload.namespace), workload.key.get())
            .service_account = Some(ObjectRef {
            name: workload.service_account.clone(),
            namespace: workload.namespace.clone(),
        });
    }
    for grant in here {
        let subject = match &grant.via {
            Via::ServiceAccount { namespace, name } => RbacSubject {
                kind: "ServiceAccount",
                name: name.clone(),
                namespace: Some(namespace.clone()),
            },
            Via::Iam { .. } => RbacSubject {
                kind: "Group",
                name: names::owned_name(&grant.subject),
                namespace: None,
            },
        };
        let scopes: Vec<Option<&str>> = match &grant.namespaces {
            Some(namespaces) => namespaces.iter().map(|ns| Some(ns.as_str())).collect(),
            None => vec![None],
        };
        for scope in scopes {
            let (role_kind, binding_kind) = if scope.is_some() {
                ("Role", "RoleBinding")
            } else {
                ("ClusterRole", "ClusterRoleBinding")
            };
            let namespace = scope.map(str::to_string);
            match &grant.what {
                What::Rules(rules) => {
                    let objects = scoped.objects(scope, &grant.subject);
                    let name = names::owned_name(&grant.subject);
                    // All `rules` grants of a subject in one scope share one
                    // Role and its binding, which comes first.
                    if objects.role.is_none() {
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
                    objects
                        .role
                        .get_or_insert_with(|| RbacRole {
                            kind: role_kind,
                            name,
                            namespace,
                            rules: Vec::new(),
                        })
                        .rules
                        .extend(rules.iter().cloned());
                }
                What::ClusterRole(role) => {
                    scoped
                        .objects(scope, &grant.subject)
                        .bindings
                        .push(RbacBinding {
                            kind: binding_kind,
                            name: names::cluster_role_binding_name(&grant.subject, role),
                            namespace,
                            role_kind: "ClusterRole",
                            role_name: role.clone(),
                            subject: subject.clone(),
                        })
                }
                // Access policies are associations on the access entry, not
                // Kubernetes objects.
                What::AccessPolicy(_) => {}
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
    r: &mut Resolver<'_>,
    home: &ClusterInfo,
    clusters: &BTreeMap<String, ClusterInfo>,
    workloads: &[Workload],
) -> Vec<KubeconfigMap> {
    let key = home.key.get();
    let mut maps: BTreeMap<(String, String), KubeconfigMap> = BTreeMap::new();
    for workload in workloads.iter().filter(|w| w.clusters.contains(key)) {
        for target in &workload.reaches {
            let Some(target_info) = clusters.get(target) else {
                continue;
            };
            let map = maps
                .entry((workload.namespace.clone(), target.clone()))
                .or_insert_with(|| {
                    let ident = names::kubeconfig_ident(key, &workload.namespace, target);
                    r.claim(
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
                        target_ref: target_info.tf_ref(),
                        used_by: Vec::new(),
                    }
                });
            map.used_by.push(workload.key.clone());
        }
    }
    maps.into_values().collect()
}

/// One line of the overview for a grant.
fn access_line(grant: &ResolvedGrant) -> AccessLine {
    let (identity, mapped_as) = match &grant.via {
        Via::ServiceAccount { namespace, name } => (
            format!("pods of ServiceAccount {namespace}/{name}"),
            "its ServiceAccount (no IAM)".to_string(),
        ),
        Via::Iam { identity, .. } => {
            let mapped = match grant.what {
                What::AccessPolicy(_) => "access entry".to_string(),
                _ => format!("access entry, group {}", names::owned_name(&grant.subject)),
            };
            (identity.clone(), mapped)
        }
    };
    let permissions = match &grant.what {
        What::Rules(rules) => rules
            .iter()
            .map(describe_rule)
            .collect::<Vec<_>>()
            .join("; "),
        What::ClusterRole(role) => format!("ClusterRole {role}"),
        What::AccessPolicy(policy) => format!("access policy {policy}"),
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
fn describe_rule(rule: &super::RbacRule) -> String {
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
