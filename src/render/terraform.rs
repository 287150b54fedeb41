//! The Terraform files of the tree: which templates lay out each
//! [`Terraform`] part of [`crate::model::tree`], and with what context.
//!
//! - `single`: everything on the AWS side in `terraform/`.
//! - `per-cluster`: `terraform/iam/` (roles, policies, attachments, OIDC
//!   providers), `terraform/clusters/<key>/` (the cluster, its key, log
//!   group and add-ons, access entries, Pod Identity associations) and
//!   `terraform/network/` (ingress rules between clusters).
//!
//! Both lay out the same templates: a file of a created cluster or a
//! workload reads `iam` and `eks`, which say which of its parts this root
//! holds (both, in the single root), and `up`, the way from the root to the
//! policy documents. What one root names of another's was resolved in the
//! model to a literal (a role's ARN) or a data source of its own, so every
//! root is self-contained. `terraform-kubernetes/`, which writes through the
//! Kubernetes APIs, is the same in both.

use tera::Context;

use super::batch::{Batch, MakeContext};
use super::templates::{
    ACCESS_TF, CLUSTER_CREATED_TF, CLUSTER_EXISTING_TF, INGRESS_TF, KUBECONFIGS_TF, LOCALS_TF,
    NETWORK_TF, OIDC_PROVIDER_TF, OUTPUTS_TF, PROVIDERS_TF, VARIABLES_TF, VERSIONS_TF, WORKLOAD_TF,
};
use super::with;
use crate::error::Result;
use crate::model::paths::{self, IAM_ROOT};
use crate::model::tree::{Root, Terraform};
use crate::model::{ApiIngressRule, Cluster, OtherAccount, RootKind, Workload};
use crate::plan::Output;
use crate::spec::AuthenticationMode;
use serde::Serialize;

/// Renders the Terraform file at `path`, `part` of `root`, through `batch`.
pub(super) fn file<'a, O: Output>(
    batch: &mut Batch<'a, O>,
    contexts: &mut RootContexts<'_>,
    path: String,
    root: Root<'a>,
    part: Terraform<'a>,
) -> Result<()> {
    let context = contexts.of(root);
    let one = |template, context| vec![(template, context)];
    match part {
        Terraform::Versions => batch.terraform(path, one(VERSIONS_TF, now(context))),
        Terraform::Providers { accounts } => batch.terraform(
            path,
            one(PROVIDERS_TF, now(&with(context, "accounts", &accounts))),
        ),
        Terraform::KubernetesProviders { reached, writes_on } => {
            let mut context = context.clone();
            let refs = |clusters: Vec<&'a Cluster>| -> Vec<ClusterRef<'a>> {
                clusters.into_iter().map(ClusterRef::of).collect()
            };
            context.insert("kubernetes_clusters", &refs(reached));
            context.insert("kubeconfig_clusters", &refs(writes_on));
            batch.terraform(path, one(PROVIDERS_TF, now(&context)))
        }
        Terraform::Locals => batch.terraform(path, one(LOCALS_TF, now(context))),
        Terraform::Variables { clusters } => batch.terraform(
            path,
            one(
                VARIABLES_TF,
                now(&with(context, "subnet_clusters", &clusters)),
            ),
        ),
        Terraform::Outputs { workloads } => {
            let outputs: Vec<OutputWorkload<'_>> =
                workloads.iter().map(|w| OutputWorkload::of(w)).collect();
            batch.terraform_rows(path, OUTPUTS_TF, context, "role_workloads", &outputs)
        }
        Terraform::Cluster {
            cluster,
            cluster_template,
            ingress,
            oidc_provider,
        } => {
            let own_root = matches!(root, Root::Aws(root) if root.kind == RootKind::Cluster);
            let mut parts = Vec::new();
            if cluster_template {
                let template = if cluster.created.is_some() {
                    CLUSTER_CREATED_TF
                } else {
                    CLUSTER_EXISTING_TF
                };
                parts.push((template, with_cluster(context, cluster, None, own_root)));
            }
            if let Some(rules) = ingress {
                parts.push((
                    INGRESS_TF,
                    with_cluster(context, cluster, Some(rules), own_root),
                ));
            }
            if oidc_provider {
                parts.push((
                    OIDC_PROVIDER_TF,
                    with_cluster(context, cluster, None, own_root),
                ));
            }
            batch.terraform(path, parts)
        }
        Terraform::Access(cluster) => {
            batch.terraform(path, one(ACCESS_TF, access_context(context, cluster)))
        }
        Terraform::Workload {
            workload,
            associations,
        } => {
            let context = context.clone();
            let make: MakeContext<'a> = Box::new(move || {
                let mut own = with(&context, "workload", workload);
                own.insert("associations", &associations);
                own.insert(
                    "workload_iam_file",
                    &paths::workload_file(IAM_ROOT, &workload.key),
                );
                own
            });
            batch.terraform(path, one(WORKLOAD_TF, make))
        }
        Terraform::Network { clusters, rules } => {
            let mut rules_context = with(context, "rules", &rules);
            rules_context.insert("network", &true);
            batch.terraform(
                path,
                vec![
                    (NETWORK_TF, now(&with(context, "clusters", &clusters))),
                    (INGRESS_TF, now(&rules_context)),
                ],
            )
        }
        Terraform::Kubeconfigs(cluster) => {
            let context = context.clone();
            let make: MakeContext<'a> =
                Box::new(move || with(&context, "kubeconfigs", &cluster.kubeconfigs));
            batch.terraform(path, one(KUBECONFIGS_TF, make))
        }
    }
}

/// The context of the root whose files are being rendered, made once for
/// all of them: the tree lists a root's files together.
pub(super) struct RootContexts<'b> {
    base: &'b Context,
    current: Option<(String, Context)>,
}

impl<'b> RootContexts<'b> {
    /// Contexts that start from `base`, every template's.
    pub(super) fn new(base: &'b Context) -> Self {
        RootContexts {
            base,
            current: None,
        }
    }

    /// The context of `root`'s files.
    fn of(&mut self, root: Root<'_>) -> &Context {
        let dir = root.dir();
        if self
            .current
            .as_ref()
            .is_none_or(|(current, _)| current != dir)
        {
            let context = match root {
                Root::Aws(root) => root_context(self.base, dir, root.kind),
                Root::Kubernetes => kubernetes_context(self.base),
            };
            self.current = Some((dir.to_string(), context));
        }
        &self.current.as_ref().expect("just made").1
    }
}

/// A context made now, as a [`MakeContext`] (which copies its handful of
/// entries; the values themselves are shared).
fn now<'a>(context: &Context) -> MakeContext<'a> {
    let context = context.clone();
    Box::new(move || context.clone())
}

/// A root's `context` with `cluster`, and with `rules` for the ingress
/// template (which reads them, empty or not), made when the file renders;
/// `own_root` says whether the root is the cluster's own, where its files
/// are named without its key.
fn with_cluster<'a>(
    context: &Context,
    cluster: &'a Cluster,
    rules: Option<Vec<&'a ApiIngressRule>>,
    own_root: bool,
) -> MakeContext<'a> {
    let context = context.clone();
    Box::new(move || {
        let mut own = with(&context, "cluster", cluster);
        // Where the cluster's other parts are, for the comments that point
        // there.
        own.insert(
            "cluster_iam_file",
            &paths::cluster_part(IAM_ROOT, &cluster.key),
        );
        own.insert("cluster_root", &paths::cluster_root(&cluster.key));
        own.insert(
            "cluster_access_file_name",
            &paths::access_file_name(&cluster.key, own_root),
        );
        if let Some(rules) = &rules {
            own.insert("rules", rules);
        }
        own
    })
}

/// The context of a cluster's `access.tf`: its access entries, which no
/// other template given the cluster reads; made when the file renders.
fn access_context<'a>(context: &Context, cluster: &'a Cluster) -> MakeContext<'a> {
    let context = context.clone();
    Box::new(move || {
        let mut own = with(&context, "cluster", cluster);
        own.insert(
            "cluster_also_reads_aws_auth",
            &(cluster.authentication_mode == AuthenticationMode::ApiAndConfigMap),
        );
        own.insert("access_entries", &cluster.access_entries);
        own.insert("node_access_entries", &cluster.node_access_entries);
        own.insert("eks_node_entries", &cluster.eks_node_entries);
        own
    })
}

/// The context of a root of `kind` at `dir`: which parts of the shared
/// templates it holds (`iam`: roles and policies; `eks`: clusters, access
/// entries, associations, ingress rules), and the way up to the policy
/// documents.
fn root_context(base: &Context, dir: &str, kind: RootKind) -> Context {
    let (iam, eks) = match kind {
        RootKind::Single => (true, true),
        RootKind::Iam => (true, false),
        RootKind::Cluster | RootKind::Network => (false, true),
    };
    let mut context = base.clone();
    context.insert("up", &paths::up_from(dir));
    context.insert("iam", &iam);
    context.insert("eks", &eks);
    context.insert("kubernetes", &false);
    context.insert("kubernetes_clusters", &Vec::<ClusterRef<'_>>::new());
    context.insert("kubeconfig_clusters", &Vec::<ClusterRef<'_>>::new());
    context
}

/// The context of `terraform-kubernetes/`'s files: the Kubernetes
/// providers' root, with no provider aliases of other accounts.
fn kubernetes_context(base: &Context) -> Context {
    let mut context = with(base, "kubernetes", &true);
    context.insert("kubernetes_clusters", &Vec::<ClusterRef<'_>>::new());
    context.insert("kubeconfig_clusters", &Vec::<ClusterRef<'_>>::new());
    context.insert("accounts", &Vec::<&OtherAccount>::new());
    context
}

/// A cluster as the kubeconfig root's providers name it: a list of these
/// is all those templates read of the clusters.
#[derive(Serialize)]
struct ClusterRef<'a> {
    key: &'a str,
    ident: &'a str,
    name: &'a str,
}

impl<'a> ClusterRef<'a> {
    fn of(cluster: &'a Cluster) -> Self {
        ClusterRef {
            key: &cluster.key,
            ident: &cluster.ident,
            name: &cluster.name,
        }
    }
}

/// A workload as outputs.tf reads it: what names its role. Not its
/// policies, which the whole workload would copy into the context.
#[derive(Serialize)]
struct OutputWorkload<'a> {
    key: &'a str,
    ident: &'a str,
    namespace: &'a str,
    service_account: &'a str,
}

impl<'a> OutputWorkload<'a> {
    fn of(workload: &'a Workload) -> Self {
        OutputWorkload {
            key: &workload.key,
            ident: &workload.ident,
            namespace: &workload.namespace,
            service_account: &workload.service_account,
        }
    }
}
