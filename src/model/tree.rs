//! The output tree as a list: every file a model makes, once, with its path,
//! the spec item it comes from, and what it holds ([`Content`]), which says
//! what renders it. This is the one place that decides which files exist.
//!
//! Three readers walk the same list ([`each_file`]):
//! - a pass of the model ([`claim_files`]) claims each path at its spec
//!   item, so that two items never write one file;
//! - `render` matches on each file's content to pick its template and
//!   context, and writes nothing the list does not hold;
//! - the tests compare the list with the rendered tree.
//!
//! The list is walked, not held: at organisation scale it is tens of
//! thousands of files, and each reader needs one file at a time. Paths
//! themselves are made in [`super::paths`]; what one file names of another
//! (a trust policy's path in a role's Terraform, the aws-auth file in
//! ACCESS.md) comes from the same functions.

use std::ops::Range;

use super::checker::Checker;
use super::paths::{self, CLUSTER_SCOPED_DIR, KUBERNETES_ROOT};
use super::types::{
    ApiIngressRule, Association, AwsAuth, Cluster, Model, OtherAccount, RootKind, SubjectObjects,
    TemplateVariable, TerraformRoot, Workload,
};
use crate::aws::iam::{PolicyDocument, PolicyText};
use crate::error::Result;
use crate::plan::FileKind;

/// One file of the output tree.
pub(crate) struct OutputFile<'m> {
    /// Its path from the top of the tree.
    pub path: String,
    /// The spec item it comes from, where a collision is reported.
    pub owner: Owner<'m>,
    /// What it holds.
    pub content: Content<'m>,
}

impl OutputFile<'_> {
    /// What kind of text it is, as its content says: what the file is
    /// checked as once rendered.
    pub(crate) fn kind(&self) -> FileKind {
        match &self.content {
            Content::Overview => FileKind::Markdown,
            Content::Policy(_)
            | Content::Trust { .. }
            | Content::FixedPolicy(_)
            | Content::SecretsKeyPolicy(_) => FileKind::Json,
            Content::SubjectObjects(_) | Content::AwsAuth(_) | Content::Kustomization(_) => {
                FileKind::Yaml
            }
            Content::Terraform { .. } => FileKind::Terraform,
        }
    }
}

/// The spec item a file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner<'m> {
    /// None: a file of the tree whose name holds no spec key (ACCESS.md, a
    /// shared root's `versions.tf`), which no other file can meet.
    Tree,
    /// A cluster, by key.
    Cluster(&'m str),
    /// A workload or principal, by key (they share one namespace).
    Subject(&'m str),
}

/// What a file holds: each kind renders one way.
pub(crate) enum Content<'m> {
    /// ACCESS.md, made from the whole model.
    Overview,
    /// A permission or chain policy of a workload's role, or of the role it
    /// chains to, or the literal trust of that role: written as the model
    /// holds it.
    Policy(&'m PolicyText),
    /// A trust policy: plain JSON, or a template whose only placeholders
    /// are `variables`, which Terraform fills.
    Trust {
        text: &'m PolicyText,
        variables: &'m [TemplateVariable],
    },
    /// A policy every spec gets the same (the trust of created clusters'
    /// roles, of Auto Mode node roles).
    FixedPolicy(fn() -> PolicyDocument),
    /// The policy that lets a created cluster's role use the user's
    /// Secrets key.
    SecretsKeyPolicy(&'m PolicyDocument),
    /// One subject's Kubernetes objects in one namespace, or cluster-wide.
    SubjectObjects(&'m SubjectObjects),
    /// A cluster's aws-auth ConfigMap.
    AwsAuth(&'m AwsAuth),
    /// A cluster's Kustomization: its files, relative to it, sorted.
    Kustomization(Vec<String>),
    /// A file of a Terraform root.
    Terraform {
        /// The root whose context it renders in: which parts of the shared
        /// templates it holds, and the way up to the policy documents.
        root: Root<'m>,
        /// Which file of the root, with the model items it lays out.
        part: Terraform<'m>,
    },
}

/// A Terraform root.
#[derive(Clone, Copy)]
pub(crate) enum Root<'m> {
    /// A root of the AWS side, as the spec's layout makes them.
    Aws(&'m TerraformRoot),
    /// `terraform-kubernetes/`: writes through the clusters' Kubernetes
    /// APIs, once they exist.
    Kubernetes,
}

impl Root<'_> {
    /// Its directory in the tree.
    pub(crate) fn dir(&self) -> &str {
        match self {
            Root::Aws(root) => &root.dir,
            Root::Kubernetes => KUBERNETES_ROOT,
        }
    }
}

/// A file of a Terraform root, with the model items it lays out.
pub(crate) enum Terraform<'m> {
    /// `versions.tf`.
    Versions,
    /// `providers.tf` of an AWS root, with a provider alias for each of
    /// `accounts`.
    Providers { accounts: Vec<&'m OtherAccount> },
    /// `providers.tf` of the Kubernetes root: the clusters it reads, and
    /// those it writes the ConfigMaps on.
    KubernetesProviders {
        reached: Vec<&'m Cluster>,
        writes_on: Vec<&'m Cluster>,
    },
    /// `locals.tf`: the IAM tags.
    Locals,
    /// `variables.tf`: the subnets of created clusters that ask for them.
    Variables { clusters: Vec<&'m Cluster> },
    /// `outputs.tf`: the workloads' roles.
    Outputs { workloads: Vec<&'m Workload> },
    /// A cluster's part of the root, in as many as three templates.
    Cluster {
        cluster: &'m Cluster,
        /// Whether it lays out the cluster's own template (created, or
        /// read), of which the root's kind says which parts it holds: in
        /// `terraform/iam`, only a created cluster's, for its role.
        cluster_template: bool,
        /// The ingress rules to its endpoint this file holds, when it holds
        /// any part of them.
        ingress: Option<Vec<&'m ApiIngressRule>>,
        /// Whether it holds the cluster's OIDC provider.
        oidc_provider: bool,
    },
    /// A cluster's access entries and access policy associations.
    Access(&'m Cluster),
    /// A workload's role, with the Pod Identity associations this root
    /// makes.
    Workload {
        workload: &'m Workload,
        associations: Vec<&'m Association>,
    },
    /// `terraform/network/network.tf`: ingress rules from one cluster's
    /// security group to another's endpoint, with the clusters they read.
    Network {
        clusters: Vec<&'m Cluster>,
        rules: Vec<&'m ApiIngressRule>,
    },
    /// The kubeconfig ConfigMaps that live on a cluster.
    Kubeconfigs(&'m Cluster),
}

/// Hands every file of `model`'s tree to `visit`, in the order render makes
/// them: the workloads' policy documents first (the overview, one template
/// over the whole model, is made on a thread of its own meanwhile),
/// then the overview, the Terraform roots, the clusters' policy
/// documents, and each cluster's Kubernetes files. Stops at `visit`'s
/// first error.
pub(crate) fn each_file<'m>(
    model: &'m Model,
    visit: &mut dyn FnMut(OutputFile<'m>) -> Result<()>,
) -> Result<()> {
    workload_policies(model, visit)?;
    visit(OutputFile {
        path: paths::OVERVIEW.to_string(),
        owner: Owner::Tree,
        content: Content::Overview,
    })?;
    for root in &model.terraform.roots {
        let mut out = RootFiles {
            root: Root::Aws(root),
            // A cluster's root is its own; the others are every spec's.
            owner: root.cluster.as_deref().map_or(Owner::Tree, Owner::Cluster),
            visit,
        };
        match root.kind {
            RootKind::Single => single_root(model, &mut out)?,
            RootKind::Iam => iam_root(model, &mut out)?,
            RootKind::Cluster => cluster_root(model, &mut out)?,
            RootKind::Network => network_root(model, &mut out)?,
        }
    }
    kubernetes_root(
        model,
        &mut RootFiles {
            root: Root::Kubernetes,
            owner: Owner::Tree,
            visit,
        },
    )?;
    cluster_policies(model, visit)?;
    for cluster in &model.clusters {
        kubernetes_files(cluster, visit)?;
    }
    Ok(())
}

/// The model's pass after `roots`: claims every file's path at the spec
/// item it comes from, which `span_of` finds, so that two items that would
/// write one file are reported together, each at its key. A file of no
/// spec item ([`Owner::Tree`]) has a path no key changes, which no other
/// file can take: it is not claimed.
pub(super) fn claim_files(
    checker: &mut Checker<'_>,
    model: &Model,
    span_of: impl Fn(Owner<'_>) -> Option<Range<usize>>,
) {
    let claimed = each_file(model, &mut |file| {
        if let Some(span) = span_of(file.owner) {
            checker.claim("file", file.path, span);
        }
        Ok(())
    });
    claimed.expect("claiming never fails");
}

/// The trust and permission policies of every workload's role, and of the
/// role it chains to.
fn workload_policies<'m>(
    model: &'m Model,
    visit: &mut dyn FnMut(OutputFile<'m>) -> Result<()>,
) -> Result<()> {
    for workload in &model.workloads {
        let Some(role) = &workload.role else { continue };
        let owner = Owner::Subject(&workload.key);
        visit(OutputFile {
            path: role.trust_file.clone(),
            owner,
            content: Content::Trust {
                text: &role.trust,
                variables: &role.trust_variables,
            },
        })?;
        let target_policies = role
            .target
            .iter()
            .filter_map(|target| target.written.as_ref())
            .flat_map(|written| &written.policies);
        for policy in role.policies.iter().chain(target_policies) {
            visit(OutputFile {
                path: policy.file.clone(),
                owner,
                content: Content::Policy(&policy.document),
            })?;
        }
        // Literal: Terraform reads it with file(), or its owner applies it.
        if let Some(target) = &role.target {
            visit(OutputFile {
                path: target.trust_file.clone(),
                owner,
                content: Content::Policy(&target.trust),
            })?;
        }
    }
    Ok(())
}

/// The policies of created clusters: their roles' trust and that of Auto
/// Mode node roles, one file each for every cluster, and each Secrets key
/// policy. A shared file comes from the first cluster that needs it.
fn cluster_policies<'m>(
    model: &'m Model,
    visit: &mut dyn FnMut(OutputFile<'m>) -> Result<()>,
) -> Result<()> {
    let created = || {
        model
            .clusters
            .iter()
            .filter_map(|c| Some((c.key.as_str(), c.created.as_ref()?)))
    };
    if let Some((key, created)) = created().next() {
        visit(OutputFile {
            path: created.role_trust_file.clone(),
            owner: Owner::Cluster(key),
            content: Content::FixedPolicy(crate::aws::iam::eks_cluster_role_trust),
        })?;
    }
    if let Some((key, auto)) = created().find_map(|(key, c)| Some((key, c.auto_mode.as_ref()?))) {
        visit(OutputFile {
            path: auto.node_role_trust_file.clone(),
            owner: Owner::Cluster(key),
            content: Content::FixedPolicy(crate::aws::iam::eks_auto_node_role_trust),
        })?;
    }
    for (key, created) in created() {
        if let Some(policy) = &created.control_plane.secrets_key_policy {
            visit(OutputFile {
                path: policy.file.clone(),
                owner: Owner::Cluster(key),
                content: Content::SecretsKeyPolicy(&policy.document),
            })?;
        }
    }
    Ok(())
}

/// A cluster's directory for `kubectl apply -k`: a file per subject and
/// namespace (or cluster-wide), its aws-auth ConfigMap, and the
/// Kustomization that lists them, when there is anything to list.
fn kubernetes_files<'m>(
    cluster: &'m Cluster,
    visit: &mut dyn FnMut(OutputFile<'m>) -> Result<()>,
) -> Result<()> {
    let mut resources = Vec::new();
    let scoped = cluster
        .namespaces
        .iter()
        .flat_map(|ns| ns.subjects.iter().map(move |s| (ns.name.as_str(), s)))
        .chain(
            cluster
                .cluster_scoped
                .iter()
                .map(|s| (CLUSTER_SCOPED_DIR, s)),
        );
    for (scope, objects) in scoped {
        resources.push(paths::subject_file_in_cluster(scope, &objects.subject));
        visit(OutputFile {
            path: paths::subject_file(&cluster.key, scope, &objects.subject),
            owner: Owner::Subject(&objects.subject),
            content: Content::SubjectObjects(objects),
        })?;
    }
    let owner = Owner::Cluster(&cluster.key);
    if let Some(aws_auth) = &cluster.aws_auth {
        visit(OutputFile {
            path: paths::aws_auth_file(&cluster.key),
            owner,
            content: Content::AwsAuth(aws_auth),
        })?;
    }
    if !resources.is_empty() {
        resources.sort();
        visit(OutputFile {
            path: paths::kustomization_file(&cluster.key),
            owner,
            content: Content::Kustomization(resources),
        })?;
    }
    Ok(())
}

/// Hands out the files of one Terraform root.
struct RootFiles<'v, 'm> {
    root: Root<'m>,
    owner: Owner<'m>,
    visit: &'v mut dyn FnMut(OutputFile<'m>) -> Result<()>,
}

impl<'m> RootFiles<'_, 'm> {
    /// `part`, at `path`.
    fn file(&mut self, path: String, part: Terraform<'m>) -> Result<()> {
        (self.visit)(OutputFile {
            path,
            owner: self.owner,
            content: Content::Terraform {
                root: self.root,
                part,
            },
        })
    }

    /// `part`, one of the files every root may have, by name.
    fn root_file(&mut self, name: &str, part: Terraform<'m>) -> Result<()> {
        let path = paths::root_file(self.root.dir(), name);
        self.file(path, part)
    }

    /// `versions.tf` and `providers.tf` of an AWS root whose provider
    /// aliases are `accounts`.
    fn versions_and_providers(&mut self, accounts: Vec<&'m OtherAccount>) -> Result<()> {
        self.root_file("versions.tf", Terraform::Versions)?;
        self.root_file("providers.tf", Terraform::Providers { accounts })
    }

    /// `outputs.tf` of `workloads`, when there are any.
    fn outputs(&mut self, workloads: Vec<&'m Workload>) -> Result<()> {
        if workloads.is_empty() {
            return Ok(());
        }
        self.root_file("outputs.tf", Terraform::Outputs { workloads })
    }

    /// `workload-<key>.tf`, owned by the workload.
    fn workload(
        &mut self,
        workload: &'m Workload,
        associations: Vec<&'m Association>,
    ) -> Result<()> {
        let path = paths::workload_file(self.root.dir(), &workload.key);
        (self.visit)(OutputFile {
            path,
            owner: Owner::Subject(&workload.key),
            content: Content::Terraform {
                root: self.root,
                part: Terraform::Workload {
                    workload,
                    associations,
                },
            },
        })
    }

    /// A cluster's own file (`cluster-<key>.tf` of a shared root, or
    /// `cluster.tf` of its own), owned by the cluster.
    fn cluster(&mut self, path: String, part: Terraform<'m>, cluster: &'m Cluster) -> Result<()> {
        (self.visit)(OutputFile {
            path,
            owner: Owner::Cluster(&cluster.key),
            content: Content::Terraform {
                root: self.root,
                part,
            },
        })
    }
}

/// The workloads with an IAM role.
fn role_workloads(model: &Model) -> impl Iterator<Item = &Workload> {
    model.workloads.iter().filter(|w| w.role.is_some())
}

/// Whether a created cluster asks for its subnets through a variable.
fn has_subnet_variable(cluster: &Cluster) -> bool {
    cluster
        .created
        .as_ref()
        .is_some_and(|created| created.subnet_variable.is_some())
}

/// Whether the cluster's access file has anything to say: access entries
/// of IAM subjects or node roles, or the entries EKS makes to forget.
fn has_access_entries(cluster: &Cluster) -> bool {
    !cluster.access_entries.is_empty()
        || !cluster.node_access_entries.is_empty()
        || !cluster.eks_node_entries.is_empty()
}

/// `layout = "single"`: every file of the AWS side in `terraform/`, both
/// parts of each.
fn single_root<'m>(model: &'m Model, out: &mut RootFiles<'_, 'm>) -> Result<()> {
    out.versions_and_providers(model.accounts.iter().collect())?;
    if !model.iam.tags.is_empty() {
        out.root_file("locals.tf", Terraform::Locals)?;
    }
    let subnet_clusters: Vec<&Cluster> = model
        .clusters
        .iter()
        .filter(|c| has_subnet_variable(c))
        .collect();
    if !subnet_clusters.is_empty() {
        out.root_file(
            "variables.tf",
            Terraform::Variables {
                clusters: subnet_clusters,
            },
        )?;
    }
    out.outputs(role_workloads(model).collect())?;
    for cluster in &model.clusters {
        let part = Terraform::Cluster {
            cluster,
            cluster_template: true,
            ingress: Some(cluster.api_ingress.iter().collect()),
            oidc_provider: cluster.oidc_provider.is_some(),
        };
        out.cluster(
            paths::cluster_part(out.root.dir(), &cluster.key),
            part,
            cluster,
        )?;
        if has_access_entries(cluster) {
            let path = paths::access_part(out.root.dir(), &cluster.key);
            out.cluster(path, Terraform::Access(cluster), cluster)?;
        }
    }
    for workload in role_workloads(model) {
        let role = workload.role.as_ref().expect("filtered on role");
        out.workload(workload, role.associations.iter().collect())?;
    }
    Ok(())
}

/// `terraform/iam`: the IAM parts of created clusters and workloads, and
/// the OIDC providers of every cluster.
fn iam_root<'m>(model: &'m Model, out: &mut RootFiles<'_, 'm>) -> Result<()> {
    // The roles a workload chains to are in its cluster's root.
    out.versions_and_providers(Vec::new())?;
    if !model.iam.tags.is_empty() {
        out.root_file("locals.tf", Terraform::Locals)?;
    }
    out.outputs(role_workloads(model).collect())?;
    for cluster in &model.clusters {
        let cluster_template = cluster.created.is_some();
        let oidc_provider = cluster.oidc_provider.is_some();
        if cluster_template || oidc_provider {
            let part = Terraform::Cluster {
                cluster,
                cluster_template,
                ingress: None,
                oidc_provider,
            };
            out.cluster(
                paths::cluster_part(out.root.dir(), &cluster.key),
                part,
                cluster,
            )?;
        }
    }
    for workload in role_workloads(model) {
        out.workload(workload, Vec::new())?;
    }
    Ok(())
}

/// `terraform/clusters/<key>`: the cluster, created or read, with its
/// ingress rules from networks, its access entries, and the associations
/// (and roles chained to) of the workloads that run on it.
fn cluster_root<'m>(model: &'m Model, out: &mut RootFiles<'_, 'm>) -> Result<()> {
    let Some(cluster) = model
        .clusters
        .iter()
        .find(|c| out.owner == Owner::Cluster(&c.key))
    else {
        return Ok(());
    };
    let key = cluster.key.as_str();
    let here: Vec<(&Workload, Vec<&Association>)> = role_workloads(model)
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
    // The accounts of the roles chained to from here, which this root
    // writes.
    let mut accounts: Vec<&OtherAccount> = here
        .iter()
        .filter_map(|(w, _)| w.role.as_ref()?.target.as_ref()?.written.as_ref())
        .map(|written| &written.account)
        .collect();
    accounts.sort_by(|a, b| a.key.cmp(&b.key));
    accounts.dedup_by(|a, b| a.key == b.key);
    let tags_needed = !accounts.is_empty() && !model.iam.tags.is_empty();

    out.versions_and_providers(accounts)?;
    if tags_needed {
        out.root_file("locals.tf", Terraform::Locals)?;
    }
    if has_subnet_variable(cluster) {
        out.root_file(
            "variables.tf",
            Terraform::Variables {
                clusters: vec![cluster],
            },
        )?;
    }
    // Rules from another cluster's security group are in terraform/network.
    let from_networks = cluster
        .api_ingress
        .iter()
        .filter(|r| r.security_group.is_none())
        .collect();
    let part = Terraform::Cluster {
        cluster,
        cluster_template: true,
        ingress: Some(from_networks),
        oidc_provider: false,
    };
    out.cluster(paths::cluster_file(key, true), part, cluster)?;
    if has_access_entries(cluster) {
        out.cluster(
            paths::access_file(key, true),
            Terraform::Access(cluster),
            cluster,
        )?;
    }
    for (workload, associations) in here {
        out.workload(workload, associations)?;
    }
    Ok(())
}

/// `terraform/network`: the ingress rules from one cluster's security
/// group to another's private endpoint, with the data sources of both.
fn network_root<'m>(model: &'m Model, out: &mut RootFiles<'_, 'm>) -> Result<()> {
    out.versions_and_providers(Vec::new())?;
    let rules: Vec<&ApiIngressRule> = model
        .clusters
        .iter()
        .flat_map(|c| &c.api_ingress)
        .filter(|r| r.security_group.is_some())
        .collect();
    // Each cluster a rule is on, or comes from.
    let clusters: Vec<&Cluster> = model
        .clusters
        .iter()
        .filter(|c| {
            rules
                .iter()
                .any(|r| r.cluster == c.key || r.from_cluster.as_ref() == Some(&c.key))
        })
        .collect();
    out.root_file("network.tf", Terraform::Network { clusters, rules })
}

/// `terraform-kubernetes/`: the kubeconfig ConfigMaps, written through the
/// Kubernetes APIs of the clusters the reaching pods run on; only when pods
/// reach other clusters.
fn kubernetes_root<'m>(model: &'m Model, out: &mut RootFiles<'_, 'm>) -> Result<()> {
    let writes_on: Vec<&Cluster> = model
        .clusters
        .iter()
        .filter(|c| !c.kubeconfigs.is_empty())
        .collect();
    if writes_on.is_empty() {
        return Ok(());
    }
    let targets: std::collections::BTreeSet<&str> = writes_on
        .iter()
        .flat_map(|c| &c.kubeconfigs)
        .map(|k| k.target.as_str())
        .collect();
    let reached: Vec<&Cluster> = model
        .clusters
        .iter()
        .filter(|c| !c.kubeconfigs.is_empty() || targets.contains(c.key.as_str()))
        .collect();
    out.root_file("versions.tf", Terraform::Versions)?;
    let providers = Terraform::KubernetesProviders {
        reached,
        writes_on: writes_on.clone(),
    };
    out.root_file("providers.tf", providers)?;
    // A file per cluster the ConfigMaps live on: at organisation scale one
    // file would be megabytes, rendered on one core from a context as large.
    for cluster in writes_on {
        let path = paths::kubeconfigs_file(&cluster.key);
        out.cluster(path, Terraform::Kubeconfigs(cluster), cluster)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::model::Transition;
    use crate::model::paths::{IAM_ROOT, NETWORK_ROOT, SINGLE_ROOT};
    use crate::render::{RenderOptions, render};

    /// The examples and the test cases: every layout, mechanism and kind
    /// of file.
    fn specs() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut specs = Vec::new();
        for dir in ["examples", "tests/cases"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    specs.push(path);
                }
            }
        }
        specs.sort();
        assert!(specs.len() > 10, "{specs:?}");
        specs
    }

    /// The spec at `path`, loaded, and its tree rendered in memory.
    fn rendered(path: &Path) -> (crate::load::Loaded, crate::plan::Plan) {
        let loaded = crate::load::load(path).unwrap();
        let plan = render(
            &loaded.model,
            &Transition::follow(&loaded.model, None),
            &RenderOptions::new("eksgrant.toml", false),
        )
        .unwrap();
        (loaded, plan)
    }

    /// The tree's files: path, kind and owner, in the tree's order.
    fn listed(model: &Model) -> Vec<(String, FileKind, Owner<'_>)> {
        let mut files = Vec::new();
        each_file(model, &mut |file| {
            files.push((file.path.clone(), file.kind(), file.owner));
            Ok(())
        })
        .unwrap();
        files
    }

    /// Render writes exactly the files the tree lists, each the kind the
    /// tree says, and no two at one path.
    #[test]
    fn the_rendered_tree_is_the_listed_one() {
        for spec in specs() {
            let (loaded, plan) = rendered(&spec);
            let mut files = listed(&loaded.model);
            let count = files.len();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            files.dedup_by(|a, b| a.0 == b.0);
            assert_eq!(
                files.len(),
                count,
                "{}: a path listed twice",
                spec.display()
            );
            let rendered: Vec<(&str, FileKind)> =
                plan.files().map(|(path, file)| (path, file.kind)).collect();
            let listed: Vec<(&str, FileKind)> = files
                .iter()
                .map(|(path, kind, _)| (path.as_str(), *kind))
                .collect();
            assert_eq!(rendered, listed, "{}", spec.display());
        }
    }

    /// A file's name says what it is, as editors and the conformance
    /// validators, which pick files by extension, read it.
    #[test]
    fn every_file_is_named_for_its_kind() {
        for spec in specs() {
            let loaded = crate::load::load(&spec).unwrap();
            for (path, kind, _) in listed(&loaded.model) {
                let file = Path::new(&path);
                let named = match extension(file) {
                    None if file.file_name().is_some_and(|n| n == "Kustomization") => {
                        FileKind::Yaml
                    }
                    Some("yaml") => FileKind::Yaml,
                    Some("tf") => FileKind::Terraform,
                    Some("json") => FileKind::Json,
                    // A policy Terraform fills with templatefile().
                    Some("tftpl")
                        if file.file_stem().map(Path::new).and_then(extension) == Some("json") =>
                    {
                        FileKind::Json
                    }
                    Some("md") => FileKind::Markdown,
                    _ => panic!("{path}: no kind of file eksgrant writes is named so"),
                };
                assert_eq!(kind, named, "{path}");
            }
        }
    }

    /// Every file belongs to a spec item of the model, where its claim is
    /// made and a collision reported, or has a path no spec key changes,
    /// which no other file can take: none goes unclaimed by mistake.
    #[test]
    fn every_file_is_claimed_at_an_item_of_the_spec() {
        let shared_roots = [SINGLE_ROOT, IAM_ROOT, NETWORK_ROOT, KUBERNETES_ROOT];
        let root_files = [
            "versions.tf",
            "providers.tf",
            "locals.tf",
            "outputs.tf",
            "variables.tf",
            "network.tf",
        ];
        let unkeyed: BTreeSet<String> = shared_roots
            .iter()
            .flat_map(|dir| {
                root_files
                    .iter()
                    .map(move |name| paths::root_file(dir, name))
            })
            .chain([paths::OVERVIEW.to_string()])
            .collect();
        for spec in specs() {
            let loaded = crate::load::load(&spec).unwrap();
            let model = &loaded.model;
            let clusters: BTreeSet<&str> = model.clusters.iter().map(|c| c.key.as_str()).collect();
            let subjects: BTreeSet<&str> = model
                .workloads
                .iter()
                .map(|w| w.key.as_str())
                .chain(model.principals.iter().map(|p| p.key.as_str()))
                .collect();
            for (path, _, owner) in listed(model) {
                match owner {
                    Owner::Tree => assert!(
                        unkeyed.contains(&path),
                        "{path} belongs to no spec item, but its path is not one every spec may have"
                    ),
                    Owner::Cluster(key) => assert!(clusters.contains(key), "{path}: {key}"),
                    Owner::Subject(key) => assert!(subjects.contains(key), "{path}: {key}"),
                }
            }
        }
    }

    /// The paths of the tree that ACCESS.md names: in code spans, and as
    /// the directories and files of its commands (`-chdir=`, `-k`, `-f`).
    fn named_in(overview: &str) -> BTreeSet<String> {
        let tops = ["terraform", "kubernetes/", "policies/"];
        let mut named = BTreeSet::new();
        for word in overview.split(|c: char| c.is_whitespace() || c == '`') {
            let word = word
                .strip_prefix("-chdir=")
                .unwrap_or(word)
                .trim_end_matches(['.', ',', ':', ';', ')']);
            if tops.iter().any(|top| word.starts_with(top)) {
                named.insert(word.trim_end_matches('/').to_string());
            }
        }
        named
    }

    /// Every path of the tree that ACCESS.md names is a file or directory
    /// the tree lists: the overview takes them from the functions the tree
    /// does, and never points a reader at a file that is not there. The
    /// exceptions are a pattern (`<workload>`) and `terraform.tfvars`,
    /// which is the user's.
    #[test]
    fn the_overview_names_only_paths_of_the_tree() {
        for spec in specs() {
            let (loaded, plan) = rendered(&spec);
            let overview = &plan.get(paths::OVERVIEW).unwrap().contents;
            let files: Vec<String> = listed(&loaded.model).into_iter().map(|f| f.0).collect();
            let named = named_in(overview);
            assert!(!named.is_empty(), "{}", spec.display());
            for path in named {
                if path.contains('<') || path.ends_with("terraform.tfvars") {
                    continue;
                }
                let there = files
                    .iter()
                    .any(|file| *file == path || file.starts_with(&format!("{path}/")));
                assert!(
                    there,
                    "{}: ACCESS.md names {path}, which the tree does not have",
                    spec.display()
                );
            }
        }
    }

    /// A file's extension, as text.
    fn extension(file: &Path) -> Option<&str> {
        file.extension().and_then(|e| e.to_str())
    }
}
