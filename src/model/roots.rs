//! `[terraform] layout`: the Terraform root modules the AWS side is split
//! into, and what a spec cannot do once each cluster has a root of its own.
//!
//! With `layout = "per-cluster"`, every root is self-contained: a cluster's
//! root names the IAM roles of `terraform/iam` by their ARNs, which the
//! model knows now (account, partition, IAM path, role name), and reads
//! other clusters through data sources of its own. So no root reads another
//! one's state. Two things have no such value, and are refused:
//!
//! - the OIDC issuer of a cluster created here, which EKS gives it when
//!   Terraform creates it in the cluster's root, while an IRSA role that
//!   trusts it is written in `terraform/iam`, applied before;
//! - a role that pods chain to which eksgrant writes (`aws.account`): it is
//!   made before the associations that name it, beside them in the root of
//!   the workload's cluster, so the workload runs in that one cluster (a
//!   role of the user's, `aws.target_role_arn`, may serve several).

use std::collections::BTreeMap;

use super::account::Account;
use super::checker::Checker;
use super::clusters::ClusterInfo;
use super::paths;
use super::types::{Cluster, RootKind, TerraformRoot, TerraformRoots, Workload};
use super::workloads::{Target, WorkloadInfo};
use crate::code::Code;
use crate::spec::Layout;

/// The roots pass: the layout's roots and, with `per-cluster`, the check
/// that nothing crosses them.
pub(super) fn roots(
    checker: &mut Checker<'_>,
    account: &Account,
    infos: (&BTreeMap<String, ClusterInfo>, &[WorkloadInfo]),
    clusters: &[Cluster],
    workloads: &[Workload],
) -> TerraformRoots {
    if account.per_cluster() {
        check_irsa_on_created_clusters(checker, account, infos.0, infos.1);
        check_chains_stay_in_one_cluster(checker, account, infos.1);
    }
    TerraformRoots {
        layout: account.layout,
        per_cluster: account.per_cluster(),
        roots: layout_roots(account.layout, clusters, workloads),
    }
}

/// The roots of `layout`, in apply order.
fn layout_roots(
    layout: Layout,
    clusters: &[Cluster],
    workloads: &[Workload],
) -> Vec<TerraformRoot> {
    let root = |dir: String, kind: RootKind, cluster: Option<&Cluster>| TerraformRoot {
        dir,
        kind,
        cluster: cluster.map(|c| c.key.clone()),
    };
    if layout == Layout::Single {
        return vec![root(paths::SINGLE_ROOT.to_string(), RootKind::Single, None)];
    }
    let mut roots = Vec::new();
    let has_iam = clusters
        .iter()
        .any(|c| c.created.is_some() || c.oidc_provider.is_some())
        || workloads.iter().any(|w| w.role.is_some());
    if has_iam {
        roots.push(root(paths::IAM_ROOT.to_string(), RootKind::Iam, None));
    }
    roots.extend(
        clusters
            .iter()
            .map(|c| root(paths::cluster_root(&c.key), RootKind::Cluster, Some(c))),
    );
    if clusters.iter().any(Cluster::has_ingress_from_clusters) {
        roots.push(root(
            paths::NETWORK_ROOT.to_string(),
            RootKind::Network,
            None,
        ));
    }
    roots
}

impl Cluster {
    /// Whether the pods of other clusters reach this cluster's private
    /// endpoint through an ingress rule from their security group.
    pub fn has_ingress_from_clusters(&self) -> bool {
        self.api_ingress.iter().any(|r| r.security_group.is_some())
    }
}

/// The roots a generation wrote, from the paths of its files: the
/// directories of its `versions.tf`, but `terraform-kubernetes`, which is
/// the same in every layout. Sorted in apply order.
pub fn roots_of<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut roots: Vec<String> = paths
        .filter_map(|path| path.strip_suffix("/versions.tf"))
        .filter(|dir| {
            *dir == paths::SINGLE_ROOT || dir.starts_with(&format!("{}/", paths::SINGLE_ROOT))
        })
        .map(str::to_string)
        .collect();
    roots.sort_by_key(|dir| (apply_rank(dir), dir.clone()));
    roots.dedup();
    roots
}

/// Where a root comes in the apply order: IAM, the clusters, the network.
fn apply_rank(dir: &str) -> u8 {
    match dir {
        paths::SINGLE_ROOT | paths::IAM_ROOT => 0,
        paths::NETWORK_ROOT => 2,
        _ => 1,
    }
}

/// The layout whose roots are `roots`, as [`roots_of`] gives them; `None`
/// for a generation that wrote no Terraform.
pub fn layout_of(roots: &[String]) -> Option<Layout> {
    if roots.iter().any(|r| r == paths::SINGLE_ROOT) {
        Some(Layout::Single)
    } else if roots.is_empty() {
        None
    } else {
        Some(Layout::PerCluster)
    }
}

/// An IRSA role is written in `terraform/iam`, before the cluster roots;
/// the issuer of a cluster created in its own root is not known then.
fn check_irsa_on_created_clusters(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    workloads: &[WorkloadInfo],
) {
    for workload in workloads.iter().filter(|w| w.irsa) {
        let created: Vec<&str> = workload
            .clusters
            .iter()
            .filter(|key| clusters.get(*key).is_some_and(|c| c.created.is_some()))
            .map(String::as_str)
            .collect();
        if created.is_empty() {
            continue;
        }
        let span = workload
            .irsa_span
            .clone()
            .unwrap_or_else(|| workload.key.span());
        let problem = checker
            .error(
                Code::Layout,
                span,
                format!(
                    "the role of workload {} trusts the OIDC provider of {}, created here: with layout = \"per-cluster\" the role is written in {} before {} exists, and its issuer is known only once it does",
                    workload.key.get(),
                    plural_clusters(&created),
                    paths::IAM_ROOT,
                    if created.len() == 1 { "the cluster" } else { "the clusters" },
                ),
            )
            .label("IRSA on a cluster created here")
            .help("use Pod Identity there (identity = \"pod-identity\" without migrate_from): eksgrant installs its agent on the clusters it creates; or keep [terraform] layout = \"single\", where one apply creates the cluster, then its OIDC provider, then the role");
        if let Some(layout) = &account.layout_span {
            problem.also(layout.clone(), "one root per cluster");
        }
    }
}

/// A role that pods chain to and eksgrant writes is made beside the
/// associations that name it, before them, which with `per-cluster` are in
/// the root of each cluster: one role, one cluster.
fn check_chains_stay_in_one_cluster(
    checker: &mut Checker<'_>,
    account: &Account,
    workloads: &[WorkloadInfo],
) {
    for workload in workloads
        .iter()
        .filter(|w| matches!(w.target, Some(Target::Written(_))) && w.clusters.len() > 1)
    {
        let problem = checker
            .error(
                Code::Layout,
                workload.clusters_span.clone(),
                format!(
                    "workload {} chains to a role eksgrant writes from {} clusters: the role is made before the Pod Identity associations that name it, beside them, and with layout = \"per-cluster\" each cluster's associations are in a root of their own",
                    workload.key.get(),
                    workload.clusters.len()
                ),
            )
            .label("several clusters, one target role")
            .help("give each cluster its own workload (each gets its own roles, written beside its association in the cluster's root), or keep [terraform] layout = \"single\"");
        if let Some(layout) = &account.layout_span {
            problem.also(layout.clone(), "one root per cluster");
        }
    }
}

/// `cluster a` or `clusters a, b`.
fn plural_clusters(keys: &[&str]) -> String {
    match keys {
        [one] => format!("cluster {one}"),
        many => format!("clusters {}", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_read_back_from_the_files_of_a_generation() {
        let files = [
            "ACCESS.md",
            "terraform/network/versions.tf",
            "terraform/clusters/b/versions.tf",
            "terraform/clusters/a/versions.tf",
            "terraform/clusters/a/cluster.tf",
            "terraform/iam/versions.tf",
            "terraform-kubernetes/versions.tf",
        ];
        let roots = roots_of(files.into_iter());
        assert_eq!(
            roots,
            [
                "terraform/iam",
                "terraform/clusters/a",
                "terraform/clusters/b",
                "terraform/network"
            ]
        );
        assert_eq!(layout_of(&roots), Some(Layout::PerCluster));
        let single = roots_of(["terraform/versions.tf", "terraform/cluster-a.tf"].into_iter());
        assert_eq!(single, ["terraform"]);
        assert_eq!(layout_of(&single), Some(Layout::Single));
        assert_eq!(layout_of(&roots_of(["ACCESS.md"].into_iter())), None);
    }

    #[test]
    fn policy_paths_climb_out_of_each_root() {
        assert_eq!(paths::up_from(paths::SINGLE_ROOT), "..");
        assert_eq!(paths::up_from(paths::IAM_ROOT), "../..");
        assert_eq!(paths::up_from(&paths::cluster_root("prod")), "../../..");
    }
}
