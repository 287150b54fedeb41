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
    PolicyAssociation, RbacBinding, RbacRole, RbacRule, RbacSubject, SubjectObjects, Workload,
};
use crate::spec;

/// Builds a cluster's access entries, RBAC objects, kubeconfig ConfigMaps and
/// overview lines.
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
    let ident = info.ident();
    let here: Vec<&ResolvedGrant> = grants.grants.iter().filter(|g| &g.cluster == key).collect();

    // Access entries, one per IAM subject.
    let mut entries: BTreeMap<&str, AccessEntry> = BTreeMap::new();
    for grant in &here {
        let Via::Iam { arn, .. } = &grant.via else {
            continue;
        };
        let entry = entries.entry(grant.subject.as_str()).or_insert_with(|| {
            let entry_ident = format!("{}_on_{ident}", names::tf_ident(&grant.subject));
            r.claim(
                "Terraform resource",
                format!("aws_eks_access_entry.{entry_ident}"),
                info.key.span(),
            );
            AccessEntry {
                ident: entry_ident,
                subject: grant.subject.clone(),
                principal_arn: arn.clone(),
                kubernetes_groups: Vec::new(),
                policy_associations: Vec::new(),
            }
        });
        match &grant.what {
            What::AccessPolicy(policy) => {
                let assoc_ident = format!("{}_{}", entry.ident, names::access_policy_ident(policy));
                r.claim(
                    "Terraform resource",
                    format!("aws_eks_access_policy_association.{assoc_ident}"),
                    info.key.span(),
                );
                entry.policy_associations.push(PolicyAssociation {
                    ident: assoc_ident,
                    policy_name: policy.clone(),
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

    // RBAC objects, one file per (namespace or cluster-wide, subject).
    let mut scoped: BTreeMap<Option<String>, BTreeMap<String, SubjectObjects>> = BTreeMap::new();
    let empty = |subject: &str| SubjectObjects {
        subject: subject.to_string(),
        service_account: None,
        role: None,
        bindings: Vec::new(),
    };
    for workload in workload_infos
        .iter()
        .filter(|w| w.create_service_account && w.clusters.contains(key))
    {
        let subject = workload.key.get();
        scoped
            .entry(Some(workload.namespace.clone()))
            .or_default()
            .entry(subject.clone())
            .or_insert_with(|| empty(subject))
            .service_account = Some(ObjectRef {
            name: workload.service_account.clone(),
            namespace: workload.namespace.clone(),
        });
    }
    for grant in here
        .iter()
        .filter(|g| !matches!(g.what, What::AccessPolicy(_)))
    {
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
        let scopes: Vec<Option<String>> = match &grant.namespaces {
            Some(namespaces) => namespaces.iter().cloned().map(Some).collect(),
            None => vec![None],
        };
        for scope in scopes {
            let objects = scoped
                .entry(scope.clone())
                .or_default()
                .entry(grant.subject.clone())
                .or_insert_with(|| empty(&grant.subject));
            let (role_kind, binding_kind) = if scope.is_some() {
                ("Role", "RoleBinding")
            } else {
                ("ClusterRole", "ClusterRoleBinding")
            };
            match &grant.what {
                What::Rules(rules) => {
                    let role = objects.role.get_or_insert_with(|| RbacRole {
                        kind: role_kind,
                        name: names::owned_name(&grant.subject),
                        namespace: scope.clone(),
                        rules: Vec::new(),
                    });
                    role.rules.extend(rules.iter().cloned());
                    let name = names::owned_name(&grant.subject);
                    if !objects.bindings.iter().any(|b| b.name == name) {
                        objects.bindings.insert(
                            0,
                            RbacBinding {
                                kind: binding_kind,
                                name,
                                namespace: scope.clone(),
                                role_kind,
                                role_name: names::owned_name(&grant.subject),
                                subject: subject.clone(),
                            },
                        );
                    }
                }
                What::ClusterRole(role) => objects.bindings.push(RbacBinding {
                    kind: binding_kind,
                    name: names::cluster_role_binding_name(&grant.subject, role),
                    namespace: scope.clone(),
                    role_kind: "ClusterRole",
                    role_name: role.clone(),
                    subject: subject.clone(),
                }),
                What::AccessPolicy(_) => unreachable!("filtered out above"),
            }
        }
    }
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

    // Kubeconfig ConfigMaps for workloads here that reach other clusters.
    let mut kubeconfigs: BTreeMap<(String, String), KubeconfigMap> = BTreeMap::new();
    for workload in workloads.iter().filter(|w| w.clusters.contains(key)) {
        for target in &workload.reaches {
            let Some(target_info) = clusters.get(target) else {
                continue;
            };
            let map = kubeconfigs
                .entry((workload.namespace.clone(), target.clone()))
                .or_insert_with(|| {
                    let map_ident = format!(
                        "{ident}_{}_kubeconfig_{}",
                        names::tf_ident(&workload.namespace),
                        target_info.ident()
                    );
                    r.claim(
                        "Terraform resource",
                        format!("kubernetes_config_map_v1.{map_ident}"),
                        info.key.span(),
                    );
                    KubeconfigMap {
                        ident: map_ident,
                        name: names::kubeconfig_config_map(target),
                        namespace: workload.namespace.clone(),
                        home_ident: ident.clone(),
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

    let access_summary = here.iter().map(|grant| access_line(grant)).collect();
    Cluster {
        key: key.clone(),
        ident: ident.clone(),
        name: info.name.clone(),
        arn: info.arn.clone(),
        authentication_mode: match info.mode {
            spec::AuthenticationMode::Api => "API",
            spec::AuthenticationMode::ApiAndConfigMap => "API_AND_CONFIG_MAP",
            spec::AuthenticationMode::ConfigMap => "CONFIG_MAP",
        },
        created: info.created.as_ref().map(|c| super::CreatedCluster {
            kubernetes_version: c.kubernetes_version.clone(),
            role_name: c.role_name.clone(),
            role_ident: c.role_ident.clone(),
            role_trust_file: c.role_trust_file.clone(),
            subnet_ids: c.subnet_ids.clone(),
            subnet_variable: c.subnet_variable.clone(),
            endpoint_public_access: c.endpoint_public_access,
            public_access_cidrs: c.public_access_cidrs.clone(),
        }),
        tf_ref: info.tf_ref(),
        access_entries: entries.into_values().collect(),
        namespaces,
        cluster_scoped,
        kubeconfigs: kubeconfigs.into_values().collect(),
        pod_identity_workloads: workloads
            .iter()
            .filter(|w| w.role.is_some() && w.clusters.contains(key))
            .map(|w| w.key.clone())
            .collect(),
        access_summary,
    }
}

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
