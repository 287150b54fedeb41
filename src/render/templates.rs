//! The built-in templates, embedded in the binary, and the Tera instance
//! that renders them.

use serde::Serialize;
use tera::{Context, Tera};

use super::filters;
use crate::error::{Error, Result};

/// `terraform/versions.tf`: Terraform and provider versions.
pub(super) const VERSIONS_TF: &str = "terraform/versions.tf";
/// `terraform/providers.tf` and `terraform-kubernetes/providers.tf`: the
/// AWS provider with an alias for each of `accounts`, and in the second
/// root the clusters' data sources and a Kubernetes provider per cluster
/// that holds kubeconfig ConfigMaps.
pub(super) const PROVIDERS_TF: &str = "terraform/providers.tf";
/// `terraform/locals.tf`: IAM tags.
pub(super) const LOCALS_TF: &str = "terraform/locals.tf";
/// `terraform/variables.tf`: subnets of created clusters.
pub(super) const VARIABLES_TF: &str = "terraform/variables.tf";
/// `terraform/outputs.tf`: workload role ARNs (with `iam`) and the trust
/// policies of roles outside the spec that workloads chain to (with `eks`).
pub(super) const OUTPUTS_TF: &str = "terraform/outputs.tf";
/// `terraform/cluster-<key>.tf` for an existing cluster: its data source
/// (`terraform/clusters/<key>/cluster.tf` with the per-cluster layout).
pub(super) const CLUSTER_EXISTING_TF: &str = "terraform/cluster-existing.tf";
/// `terraform/cluster-<key>.tf` for a cluster created here. Reads `iam`
/// (lay out its IAM roles) and `eks` (the cluster, its key, log group and
/// add-ons), both set in the single root, one each in
/// `terraform/iam/cluster-<key>.tf` and `terraform/clusters/<key>/cluster.tf`;
/// and `up`, the path from the root to the policy documents' directory.
pub(super) const CLUSTER_CREATED_TF: &str = "terraform/cluster-created.tf";
/// A cluster's IAM OIDC provider, created or read: part of
/// `terraform/cluster-<key>.tf`, or of `terraform/iam/cluster-<key>.tf`.
pub(super) const OIDC_PROVIDER_TF: &str = "terraform/oidc-provider.tf";
/// The ingress rules `rules` to private API endpoints: part of a created
/// cluster's file, or of `terraform/network/network.tf` (`network` set).
pub(super) const INGRESS_TF: &str = "terraform/ingress.tf";
/// `terraform/network/network.tf`: the data sources of the `clusters` its
/// ingress rules join.
pub(super) const NETWORK_TF: &str = "terraform/network.tf";
/// `terraform/workload-<key>.tf`: a workload's role, policies and
/// associations. Reads `iam` (the role and its policies), `eks` (a target
/// role written in another account) and `associations` (the Pod Identity
/// associations to lay out), and `up`, as [`CLUSTER_CREATED_TF`].
pub(super) const WORKLOAD_TF: &str = "terraform/workload.tf";
/// `terraform/access-<key>.tf`: a cluster's access entries. Besides
/// `cluster`, reads `cluster_also_reads_aws_auth`: whether the cluster is
/// `API_AND_CONFIG_MAP`.
pub(super) const ACCESS_TF: &str = "terraform/access.tf";
/// `terraform-kubernetes/kubeconfigs-<cluster>.tf`: the kubeconfig
/// ConfigMaps that live on one cluster.
pub(super) const KUBECONFIGS_TF: &str = "terraform-kubernetes/kubeconfigs.tf";
/// `kubernetes/<cluster>/<namespace or cluster-scoped>/<subject>.yaml`.
pub(super) const SUBJECT_YAML: &str = "kubernetes/subject.yaml";
/// `kubernetes/<cluster>/kube-system/aws-auth.yaml`.
pub(super) const AWS_AUTH_YAML: &str = "kubernetes/aws-auth.yaml";
/// `kubernetes/<cluster>/Kustomization`.
pub(super) const KUSTOMIZATION_YAML: &str = "kubernetes/kustomization.yaml";
/// `ACCESS.md`: the overview, whose variables are the fields of
/// [`super::overview::Overview`].
pub(super) const ACCESS_MD: &str = "ACCESS.md";

/// The rows of ACCESS.md's large tables, each rendered a few hundred rows
/// at a time with `rows` (see [`super::overview`]): workloads with an IAM
/// role, notes, a cluster's access lines, kubeconfig ConfigMaps.
pub(super) const ACCESS_MD_WORKLOADS: &str = "ACCESS.md/workloads.md";
pub(super) const ACCESS_MD_NOTES: &str = "ACCESS.md/notes.md";
pub(super) const ACCESS_MD_ACCESS_LINES: &str = "ACCESS.md/access-lines.md";
pub(super) const ACCESS_MD_KUBECONFIGS: &str = "ACCESS.md/kubeconfigs.md";

/// `.github/workflows/eksgrant.yml`, which `eksgrant init --ci github`
/// writes once for the user to own: reads `spec`, `out`, `version` and
/// `repository`.
pub(super) const GITHUB_WORKFLOW: &str = "github-workflow.yml";

/// Every built-in template: name and text.
const BUILTINS: &[(&str, &str)] = &[
    (
        VERSIONS_TF,
        include_str!("../../templates/terraform/versions.tf.tera"),
    ),
    (
        PROVIDERS_TF,
        include_str!("../../templates/terraform/providers.tf.tera"),
    ),
    (
        LOCALS_TF,
        include_str!("../../templates/terraform/locals.tf.tera"),
    ),
    (
        VARIABLES_TF,
        include_str!("../../templates/terraform/variables.tf.tera"),
    ),
    (
        OUTPUTS_TF,
        include_str!("../../templates/terraform/outputs.tf.tera"),
    ),
    (
        CLUSTER_EXISTING_TF,
        include_str!("../../templates/terraform/cluster-existing.tf.tera"),
    ),
    (
        CLUSTER_CREATED_TF,
        include_str!("../../templates/terraform/cluster-created.tf.tera"),
    ),
    (
        OIDC_PROVIDER_TF,
        include_str!("../../templates/terraform/oidc-provider.tf.tera"),
    ),
    (
        INGRESS_TF,
        include_str!("../../templates/terraform/ingress.tf.tera"),
    ),
    (
        NETWORK_TF,
        include_str!("../../templates/terraform/network.tf.tera"),
    ),
    (
        WORKLOAD_TF,
        include_str!("../../templates/terraform/workload.tf.tera"),
    ),
    (
        ACCESS_TF,
        include_str!("../../templates/terraform/access.tf.tera"),
    ),
    (
        KUBECONFIGS_TF,
        include_str!("../../templates/terraform-kubernetes/kubeconfigs.tf.tera"),
    ),
    (
        SUBJECT_YAML,
        include_str!("../../templates/kubernetes/subject.yaml.tera"),
    ),
    (
        AWS_AUTH_YAML,
        include_str!("../../templates/kubernetes/aws-auth.yaml.tera"),
    ),
    (
        KUSTOMIZATION_YAML,
        include_str!("../../templates/kubernetes/kustomization.yaml.tera"),
    ),
    (ACCESS_MD, include_str!("../../templates/ACCESS.md.tera")),
    (
        ACCESS_MD_WORKLOADS,
        include_str!("../../templates/ACCESS.md/workloads.md.tera"),
    ),
    (
        ACCESS_MD_NOTES,
        include_str!("../../templates/ACCESS.md/notes.md.tera"),
    ),
    (
        ACCESS_MD_ACCESS_LINES,
        include_str!("../../templates/ACCESS.md/access-lines.md.tera"),
    ),
    (
        ACCESS_MD_KUBECONFIGS,
        include_str!("../../templates/ACCESS.md/kubeconfigs.md.tera"),
    ),
    (
        GITHUB_WORKFLOW,
        include_str!("../../templates/github-workflow.yml.tera"),
    ),
];

/// The Tera instance with every built-in template and filter.
pub(super) struct Templates {
    tera: Tera,
}

impl Templates {
    /// Compiles the built-in templates.
    ///
    /// # Panics
    ///
    /// When a built-in template does not compile: that can only happen to
    /// someone editing `templates/`, and the unit test below catches it.
    pub(super) fn builtin() -> Self {
        let mut tera = Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        filters::register(&mut tera);
        if let Err(error) = tera.add_raw_templates(BUILTINS.iter().copied()) {
            panic!("a built-in template does not compile:\n{error}");
        }
        Self { tera }
    }

    /// Renders one template.
    pub(super) fn render(&self, name: &str, context: &Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|error| template_error(name, &error))
    }

    /// Renders one template whose variables are the fields of `fields`.
    pub(super) fn render_fields<T: Serialize>(&self, name: &str, fields: &T) -> Result<String> {
        let context =
            Context::from_serialize(fields).map_err(|error| template_error(name, &error))?;
        self.render(name, &context)
    }
}

/// The error of rendering the template `name`.
fn template_error(name: &str, error: &tera::Error) -> Error {
    Error::Template {
        name: name.to_string(),
        report: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_built_in() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Some(name) = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .strip_suffix(".tera")
                {
                    assert!(
                        BUILTINS.iter().any(|(builtin, _)| *builtin == name),
                        "{name} is not in BUILTINS"
                    );
                }
            }
        }
    }

    #[test]
    fn every_builtin_compiles_and_is_named_after_its_file() {
        let templates = Templates::builtin();
        for (name, _) in BUILTINS {
            assert!(
                templates.tera.get_template_names().any(|n| n == *name),
                "{name}"
            );
        }
    }
}
