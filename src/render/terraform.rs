//! Model -> the Terraform roots' files: which model item becomes which
//! file of which root, in each layout.
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
use crate::model::paths::{self, IAM_ROOT, KUBERNETES_ROOT, SINGLE_ROOT};
use crate::model::{
    ApiIngressRule, Association, Cluster, Model, OtherAccount, RootKind, TerraformRoot, Workload,
};
use crate::plan::Output;
use crate::spec::{AuthenticationMode, Layout};
use serde::Serialize;

/// Renders the Terraform files of `model` through `batch`.
pub(super) fn terraform<'a, O: Output>(
    batch: &mut Batch<'a, O>,
    model: &'a Model,
    base: &Context,
) -> Result<()> {
    let mut out = Writer { batch };
    match model.terraform.layout {
        Layout::Single => single_root(&mut out, model, base)?,
        Layout::PerCluster => {
            for root in &model.terraform.roots {
                match root.kind {
                    RootKind::Iam => iam_root(&mut out, model, base, root)?,
                    RootKind::Cluster => cluster_root(&mut out, model, base, root)?,
                    RootKind::Network => network_root(&mut out, model, base, root)?,
                    RootKind::Single => unreachable!("the per-cluster layout has no single root"),
                }
            }
        }
    }
    kubernetes_root(&mut out, model, base)
}

/// Renders templates into Terraform files, a batch at a time on every core
/// (see [`Batch`]).
struct Writer<'b, 'a, O: Output> {
    batch: &'b mut Batch<'a, O>,
}

impl<'a, O: Output> Writer<'_, 'a, O> {
    /// One template, rendered into one file, with a context made now: a
    /// root's few settings.
    fn file(&mut self, path: String, template: &'static str, context: &Context) -> Result<()> {
        self.batch.terraform(path, vec![(template, now(context))])
    }

    /// One template, rendered into one file, with the context `make`
    /// makes when the file renders.
    fn made(&mut self, path: String, template: &'static str, make: MakeContext<'a>) -> Result<()> {
        self.batch.terraform(path, vec![(template, make)])
    }

    /// `locals.tf`: the IAM tags.
    fn locals(&mut self, dir: &str, context: &Context) -> Result<()> {
        self.file(paths::root_file(dir, "locals.tf"), LOCALS_TF, context)
    }

    /// `outputs.tf` of `workloads`, when there are any.
    fn outputs(&mut self, dir: &str, context: &Context, workloads: &[&'a Workload]) -> Result<()> {
        if workloads.is_empty() {
            return Ok(());
        }
        let outputs: Vec<OutputWorkload<'_>> =
            workloads.iter().map(|w| OutputWorkload::of(w)).collect();
        self.batch.terraform_rows(
            paths::root_file(dir, "outputs.tf"),
            OUTPUTS_TF,
            context,
            "role_workloads",
            &outputs,
        )
    }

    /// `workload-<key>.tf`: the workload's role, with the Pod Identity
    /// associations this root makes.
    fn workload(
        &mut self,
        dir: &str,
        context: &Context,
        workload: &'a Workload,
        associations: Vec<&'a Association>,
    ) -> Result<()> {
        let context = context.clone();
        self.made(
            paths::workload_file(dir, &workload.key),
            WORKLOAD_TF,
            Box::new(move || {
                let mut own = with(&context, "workload", workload);
                own.insert("associations", &associations);
                own.insert(
                    "workload_iam_file",
                    &paths::workload_file(IAM_ROOT, &workload.key),
                );
                own
            }),
        )
    }

    /// Several templates, rendered one after another into one file, a blank
    /// line between each two that write anything.
    fn file_of(&mut self, path: String, parts: Vec<(&'static str, MakeContext<'a>)>) -> Result<()> {
        self.batch.terraform(path, parts)
    }
}

/// A context made now, as a [`MakeContext`] (which copies its handful of
/// entries; the values themselves are shared).
fn now<'a>(context: &Context) -> MakeContext<'a> {
    let context = context.clone();
    Box::new(move || context.clone())
}

/// A root's `context` with `cluster`, and with `rules` for the ingress
/// template (which reads them, empty or not), made when the file renders.
fn with_cluster<'a>(
    context: &Context,
    cluster: &'a Cluster,
    rules: Option<Vec<&'a ApiIngressRule>>,
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
        let own_root = context
            .get("cluster_root_only")
            .and_then(tera::Value::as_bool)
            == Some(true);
        let access = paths::access_file(&cluster.key, own_root);
        own.insert(
            "cluster_access_file_name",
            access.rsplit('/').next().unwrap_or(&access),
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
    // A cluster's own root, where its files are named without its key.
    context.insert("cluster_root_only", &(kind == RootKind::Cluster));
    context.insert("kubernetes", &false);
    context.insert("kubernetes_clusters", &Vec::<ClusterRef<'_>>::new());
    context.insert("kubeconfig_clusters", &Vec::<ClusterRef<'_>>::new());
    context
}

/// The workloads with an IAM role.
fn role_workloads(model: &Model) -> Vec<&Workload> {
    model
        .workloads
        .iter()
        .filter(|w| w.role.is_some())
        .collect()
}

/// `versions.tf` and `providers.tf` of an AWS root whose provider aliases
/// are `accounts`.
fn root_files<O: Output>(
    out: &mut Writer<'_, '_, O>,
    dir: &str,
    context: &Context,
    accounts: &[&OtherAccount],
) -> Result<()> {
    out.file(paths::root_file(dir, "versions.tf"), VERSIONS_TF, context)?;
    out.file(
        paths::root_file(dir, "providers.tf"),
        PROVIDERS_TF,
        &with(context, "accounts", accounts),
    )
}

/// `layout = "single"`: every file in `terraform/`, both parts of each.
fn single_root<'a, O: Output>(
    out: &mut Writer<'_, 'a, O>,
    model: &'a Model,
    base: &Context,
) -> Result<()> {
    let dir = SINGLE_ROOT;
    let context = root_context(base, dir, RootKind::Single);
    let accounts: Vec<&OtherAccount> = model.accounts.iter().collect();
    root_files(out, dir, &context, &accounts)?;
    if !model.iam.tags.is_empty() {
        out.locals(dir, &context)?;
    }
    let subnet_clusters: Vec<&Cluster> = model
        .clusters
        .iter()
        .filter(|c| has_subnet_variable(c))
        .collect();
    if !subnet_clusters.is_empty() {
        out.file(
            paths::root_file(dir, "variables.tf"),
            VARIABLES_TF,
            &with(&context, "subnet_clusters", &subnet_clusters),
        )?;
    }
    let role_workloads = role_workloads(model);
    out.outputs(dir, &context, &role_workloads)?;
    for cluster in &model.clusters {
        let template = if cluster.created.is_some() {
            CLUSTER_CREATED_TF
        } else {
            CLUSTER_EXISTING_TF
        };
        let rules = cluster.api_ingress.iter().collect();
        let mut parts = vec![
            (template, with_cluster(&context, cluster, None)),
            (INGRESS_TF, with_cluster(&context, cluster, Some(rules))),
        ];
        if cluster.oidc_provider.is_some() {
            parts.push((OIDC_PROVIDER_TF, with_cluster(&context, cluster, None)));
        }
        out.file_of(paths::cluster_part(dir, &cluster.key), parts)?;
        if has_access_entries(cluster) {
            out.made(
                paths::access_part(dir, &cluster.key),
                ACCESS_TF,
                access_context(&context, cluster),
            )?;
        }
    }
    for workload in role_workloads {
        let role = workload.role.as_ref().expect("filtered on role");
        let associations: Vec<&Association> = role.associations.iter().collect();
        out.workload(dir, &context, workload, associations)?;
    }
    Ok(())
}

/// `terraform/iam`: the IAM parts of created clusters and workloads, and
/// the OIDC providers of existing clusters.
fn iam_root<'a, O: Output>(
    out: &mut Writer<'_, 'a, O>,
    model: &'a Model,
    base: &Context,
    root: &TerraformRoot,
) -> Result<()> {
    let dir = root.dir.as_str();
    let context = root_context(base, dir, RootKind::Iam);
    // The roles a workload chains to are in its cluster's root.
    root_files(out, dir, &context, &[])?;
    if !model.iam.tags.is_empty() {
        out.locals(dir, &context)?;
    }
    let role_workloads = role_workloads(model);
    out.outputs(dir, &context, &role_workloads)?;
    for cluster in &model.clusters {
        let mut parts = Vec::new();
        if cluster.created.is_some() {
            parts.push((CLUSTER_CREATED_TF, with_cluster(&context, cluster, None)));
        }
        if cluster.oidc_provider.is_some() {
            parts.push((OIDC_PROVIDER_TF, with_cluster(&context, cluster, None)));
        }
        if !parts.is_empty() {
            out.file_of(paths::cluster_part(dir, &cluster.key), parts)?;
        }
    }
    for workload in role_workloads {
        out.workload(dir, &context, workload, Vec::new())?;
    }
    Ok(())
}

/// `terraform/clusters/<key>`: the cluster, created or read, with its
/// ingress rules from networks, its access entries, and the associations
/// (and roles chained to) of the workloads that run on it.
fn cluster_root<'a, O: Output>(
    out: &mut Writer<'_, 'a, O>,
    model: &'a Model,
    base: &Context,
    root: &TerraformRoot,
) -> Result<()> {
    let dir = root.dir.as_str();
    let key = root.cluster.as_deref().expect("a cluster's root names it");
    let cluster = model
        .clusters
        .iter()
        .find(|c| c.key == key)
        .expect("a root of the model's cluster");
    let context = root_context(base, dir, RootKind::Cluster);
    let here: Vec<(&Workload, Vec<&Association>)> = role_workloads(model)
        .into_iter()
        .filter_map(|workload| {
            let role = workload.role.as_ref()?;
            let associations: Vec<&Association> = role
                .associations
                .iter()
                .filter(|a| a.cluster == key)
                .collect();
            (!associations.is_empty()).then_some((workload, associations))
        })
        .collect();
    let targets: Vec<&Workload> = here
        .iter()
        .map(|(w, _)| *w)
        .filter(|w| w.role.as_ref().is_some_and(|r| r.target.is_some()))
        .collect();
    let mut accounts: Vec<&OtherAccount> = targets
        .iter()
        .filter_map(|w| w.role.as_ref()?.target.as_ref()?.written.as_ref())
        .map(|written| &written.account)
        .collect();
    accounts.sort_by(|a, b| a.key.cmp(&b.key));
    accounts.dedup_by(|a, b| a.key == b.key);

    root_files(out, dir, &context, &accounts)?;
    if !accounts.is_empty() && !model.iam.tags.is_empty() {
        out.locals(dir, &context)?;
    }
    if has_subnet_variable(cluster) {
        out.file(
            paths::root_file(dir, "variables.tf"),
            VARIABLES_TF,
            &with(&context, "subnet_clusters", &[cluster]),
        )?;
    }

    // Rules from another cluster's security group are in terraform/network.
    let from_networks: Vec<&ApiIngressRule> = cluster
        .api_ingress
        .iter()
        .filter(|r| r.security_group.is_none())
        .collect();
    let template = if cluster.created.is_some() {
        CLUSTER_CREATED_TF
    } else {
        CLUSTER_EXISTING_TF
    };
    out.file_of(
        paths::cluster_file(&cluster.key, true),
        vec![
            (template, with_cluster(&context, cluster, None)),
            (
                INGRESS_TF,
                with_cluster(&context, cluster, Some(from_networks)),
            ),
        ],
    )?;
    if has_access_entries(cluster) {
        out.made(
            paths::access_file(&cluster.key, true),
            ACCESS_TF,
            access_context(&context, cluster),
        )?;
    }
    for (workload, associations) in here {
        out.workload(dir, &context, workload, associations)?;
    }
    Ok(())
}

/// `terraform/network`: the ingress rules from one cluster's security
/// group to another's private endpoint, with the data sources of both.
fn network_root<'a, O: Output>(
    out: &mut Writer<'_, 'a, O>,
    model: &'a Model,
    base: &Context,
    root: &TerraformRoot,
) -> Result<()> {
    let dir = root.dir.as_str();
    let context = root_context(base, dir, RootKind::Network);
    root_files(out, dir, &context, &[])?;
    let rules: Vec<&ApiIngressRule> = model
        .clusters
        .iter()
        .flat_map(|c| &c.api_ingress)
        .filter(|r| r.security_group.is_some())
        .collect();
    // Each cluster a rule is on, or comes from.
    let read: Vec<&Cluster> = model
        .clusters
        .iter()
        .filter(|c| {
            rules
                .iter()
                .any(|r| r.cluster == c.key || r.from_cluster.as_ref() == Some(&c.key))
        })
        .collect();
    let mut rules_context = with(&context, "rules", &rules);
    rules_context.insert("network", &true);
    out.file_of(
        paths::root_file(dir, "network.tf"),
        vec![
            (NETWORK_TF, now(&with(&context, "clusters", &read))),
            (INGRESS_TF, now(&rules_context)),
        ],
    )
}

/// `terraform-kubernetes/`: the kubeconfig ConfigMaps, written through the
/// Kubernetes APIs of the clusters the reaching pods run on, once the
/// clusters exist; only when pods reach other clusters.
fn kubernetes_root<'a, O: Output>(
    out: &mut Writer<'_, 'a, O>,
    model: &'a Model,
    base: &Context,
) -> Result<()> {
    let kubeconfigs = || model.clusters.iter().flat_map(|c| &c.kubeconfigs);
    if kubeconfigs().next().is_none() {
        return Ok(());
    }
    let kubeconfig_clusters: Vec<ClusterRef<'_>> = model
        .clusters
        .iter()
        .filter(|c| !c.kubeconfigs.is_empty())
        .map(ClusterRef::of)
        .collect();
    let targets: std::collections::BTreeSet<&str> =
        kubeconfigs().map(|k| k.target.as_str()).collect();
    let reached: Vec<ClusterRef<'_>> = model
        .clusters
        .iter()
        .filter(|c| !c.kubeconfigs.is_empty() || targets.contains(c.key.as_str()))
        .map(ClusterRef::of)
        .collect();
    let mut context = with(base, "kubernetes", &true);
    context.insert("kubernetes_clusters", &reached);
    context.insert("kubeconfig_clusters", &kubeconfig_clusters);
    context.insert("accounts", &Vec::<&OtherAccount>::new());
    let dir = KUBERNETES_ROOT;
    out.file(paths::root_file(dir, "versions.tf"), VERSIONS_TF, &context)?;
    out.file(
        paths::root_file(dir, "providers.tf"),
        PROVIDERS_TF,
        &context,
    )?;
    // A file per cluster the ConfigMaps live on: at organisation scale one
    // file would be megabytes, rendered on one core from a context as large.
    for cluster in model.clusters.iter().filter(|c| !c.kubeconfigs.is_empty()) {
        let context = context.clone();
        out.made(
            paths::kubeconfigs_file(&cluster.key),
            KUBECONFIGS_TF,
            Box::new(move || with(&context, "kubeconfigs", &cluster.kubeconfigs)),
        )?;
    }
    Ok(())
}

/// Whether a created cluster asks for its subnets through a variable.
fn has_subnet_variable(cluster: &Cluster) -> bool {
    cluster
        .created
        .as_ref()
        .is_some_and(|created| created.subnet_variable.is_some())
}

/// Whether the cluster's `access.tf` has anything to say: access entries
/// of IAM subjects or node roles, or the entries EKS makes to forget.
fn has_access_entries(cluster: &Cluster) -> bool {
    !cluster.access_entries.is_empty()
        || !cluster.node_access_entries.is_empty()
        || !cluster.eks_node_entries.is_empty()
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
