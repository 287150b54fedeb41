//! Every path of the output tree, in one place: the tree's list of files
//! (`tree.rs`) gives each file its path from here and claims it (so
//! that two spec items never write one file), render writes there, and
//! ACCESS.md and the templates name other files from here.
//!
//! ```text
//! ACCESS.md
//! policies/<workload>.trust.json (or .trust.json.tftpl), .permissions[-N].json,
//!          .chain.json, .target-trust.json; eks-cluster-*.json
//! terraform/                      layout = "single": every AWS file
//!   versions.tf providers.tf locals.tf outputs.tf variables.tf
//!   workload-<key>.tf cluster-<key>.tf access-<key>.tf
//! terraform/iam/ terraform/clusters/<key>/ terraform/network/
//!                                 layout = "per-cluster": a root each
//! terraform-kubernetes/           the kubeconfig ConfigMaps
//!   kubeconfigs-<cluster>.tf
//! kubernetes/<cluster>/           kubectl apply -k
//!   Kustomization <namespace>/<subject>.yaml cluster-scoped/<subject>.yaml
//!   kube-system/aws-auth.yaml
//! ```

/// The overview of the tree.
pub(crate) const OVERVIEW: &str = "ACCESS.md";

/// The one Terraform root of `layout = "single"`, which every layout's
/// paths start from.
pub(crate) const SINGLE_ROOT: &str = "terraform";

/// `layout = "per-cluster"`: the root of the account-wide IAM.
pub(crate) const IAM_ROOT: &str = "terraform/iam";

/// `layout = "per-cluster"`: the root of the ingress rules between
/// clusters.
pub(crate) const NETWORK_ROOT: &str = "terraform/network";

/// The second root, which writes through the clusters' Kubernetes APIs.
pub(crate) const KUBERNETES_ROOT: &str = "terraform-kubernetes";

/// `layout = "per-cluster"`: the root of one cluster. Under `clusters/`,
/// so that no cluster key meets `iam` or `network`.
pub(crate) fn cluster_root(cluster_key: &str) -> String {
    format!("terraform/clusters/{cluster_key}")
}

/// How a root at `dir` reaches the top of the output tree, for the
/// `file()` paths of the policy documents: `..` from `terraform`,
/// `../../..` from `terraform/clusters/<key>`.
pub(crate) fn up_from(dir: &str) -> String {
    vec![".."; dir.split('/').count()].join("/")
}

/// A file of the Terraform root at `dir` that every root has or may have:
/// `versions.tf`, `providers.tf`, `locals.tf`, `outputs.tf`,
/// `variables.tf`, `network.tf`.
pub(crate) fn root_file(dir: &str, name: &str) -> String {
    format!("{dir}/{name}")
}

/// A workload's IAM role and associations, in the root at `dir`.
pub(crate) fn workload_file(dir: &str, workload_key: &str) -> String {
    format!("{dir}/workload-{workload_key}.tf")
}

/// A cluster's part of a root that holds several clusters' (`layout =
/// "single"`'s `terraform`, and `terraform/iam` for created clusters' OIDC
/// providers): `cluster-<key>.tf`.
pub(crate) fn cluster_part(dir: &str, cluster_key: &str) -> String {
    format!("{dir}/cluster-{cluster_key}.tf")
}

/// The access entries of a cluster in a root that holds several clusters':
/// `access-<key>.tf`.
pub(crate) fn access_part(dir: &str, cluster_key: &str) -> String {
    format!("{dir}/{}", access_file_name(cluster_key, false))
}

/// The name of a cluster's access file in its root: `access.tf` in a root
/// of its own, `access-<key>.tf` in one shared with other clusters.
pub(crate) fn access_file_name(cluster_key: &str, own_root: bool) -> String {
    if own_root {
        "access.tf".to_string()
    } else {
        format!("access-{cluster_key}.tf")
    }
}

/// A cluster's Terraform (the cluster created or read, its key, log group,
/// add-ons): `cluster-<key>.tf` of the single root, `cluster.tf` of its own.
pub(crate) fn cluster_file(cluster_key: &str, per_cluster: bool) -> String {
    if per_cluster {
        format!("{}/cluster.tf", cluster_root(cluster_key))
    } else {
        cluster_part(SINGLE_ROOT, cluster_key)
    }
}

/// A cluster's access entries and access policy associations.
pub(crate) fn access_file(cluster_key: &str, per_cluster: bool) -> String {
    if per_cluster {
        format!(
            "{}/{}",
            cluster_root(cluster_key),
            access_file_name(cluster_key, true)
        )
    } else {
        access_part(SINGLE_ROOT, cluster_key)
    }
}

/// The values a cluster's root asks for (`terraform.tfvars`, the user's).
pub(crate) fn cluster_variables_file(cluster_key: &str) -> String {
    format!("{}/terraform.tfvars", cluster_root(cluster_key))
}

/// The kubeconfig ConfigMaps that live on a cluster.
pub(crate) fn kubeconfigs_file(cluster_key: &str) -> String {
    format!("{KUBERNETES_ROOT}/kubeconfigs-{cluster_key}.tf")
}

/// The directory `kubectl apply -k` applies for a cluster.
pub(crate) fn kubernetes_dir(cluster_key: &str) -> String {
    format!("kubernetes/{cluster_key}")
}

/// The directory, beside the namespace directories, that holds cluster-scoped
/// objects; no namespace may take this name.
pub(crate) const CLUSTER_SCOPED_DIR: &str = "cluster-scoped";

/// A subject's objects in one scope (a namespace, or [`CLUSTER_SCOPED_DIR`]),
/// relative to its cluster's directory, as its Kustomization lists it.
pub(crate) fn subject_file_in_cluster(scope: &str, subject_key: &str) -> String {
    format!("{scope}/{subject_key}.yaml")
}

/// A subject's objects in one scope of a cluster.
pub(crate) fn subject_file(cluster_key: &str, scope: &str, subject_key: &str) -> String {
    format!(
        "{}/{}",
        kubernetes_dir(cluster_key),
        subject_file_in_cluster(scope, subject_key)
    )
}

/// The aws-auth ConfigMap's path within a cluster's Kubernetes directory.
pub(crate) const AWS_AUTH_IN_CLUSTER: &str = "kube-system/aws-auth.yaml";

/// A cluster's aws-auth ConfigMap.
pub(crate) fn aws_auth_file(cluster_key: &str) -> String {
    format!("{}/{AWS_AUTH_IN_CLUSTER}", kubernetes_dir(cluster_key))
}

/// A cluster's Kustomization: `Kustomization`, the third name kustomize
/// looks for, which unlike kustomization.yaml no tool that validates every
/// .yaml file against the API schema takes for a Kubernetes object.
pub(crate) fn kustomization_file(cluster_key: &str) -> String {
    format!("{}/Kustomization", kubernetes_dir(cluster_key))
}

/// The trust policy shared by the IAM roles of all created clusters.
pub(crate) const EKS_CLUSTER_ROLE_TRUST_FILE: &str = "policies/eks-cluster-role.trust.json";

/// The trust policy shared by the node roles of all Auto Mode clusters.
pub(crate) const EKS_AUTO_NODE_ROLE_TRUST_FILE: &str = "policies/eks-auto-node-role.trust.json";

/// The policy that lets a created cluster's role use the user's own
/// Secrets key.
pub(crate) fn secrets_key_policy_file(cluster_key: &str) -> String {
    format!("policies/eks-cluster-{cluster_key}.secrets-key.json")
}

/// The trust policy file of a workload's role.
pub(crate) fn trust_policy_file(workload_key: &str) -> String {
    format!("policies/{workload_key}.trust.json")
}

/// The trust policy template of a role whose trust names an OIDC provider
/// created in the same run: Terraform fills it with `templatefile()`.
pub(crate) fn trust_policy_template(workload_key: &str) -> String {
    format!("policies/{workload_key}.trust.json.tftpl")
}

/// A workload's `index`-th permission policy (0-based): the first is
/// `.permissions.json`, the following `-2`, `-3`...
pub(crate) fn permission_policy_file(workload_key: &str, index: usize) -> String {
    match index {
        0 => format!("policies/{workload_key}.permissions.json"),
        n => format!("policies/{workload_key}.permissions-{}.json", n + 1),
    }
}

/// The policy that lets a workload's Pod Identity role become the role it
/// chains to.
pub(crate) fn chain_policy_file(workload_key: &str) -> String {
    format!("policies/{workload_key}.chain.json")
}

/// The trust policy of the role a workload chains to.
pub(crate) fn target_trust_file(workload_key: &str) -> String {
    format!("policies/{workload_key}.target-trust.json")
}

#[cfg(test)]
mod tests {

    /// No other source file makes a path of the output tree: a `format!`
    /// whose text names a directory or a kind of file eksgrant writes.
    #[test]
    fn output_paths_are_made_only_here() {
        let looks_like_a_path = |literal: &str| {
            [
                "policies/",
                "kubernetes/{",
                "terraform/",
                "terraform-kubernetes/",
            ]
            .iter()
            .any(|dir| literal.contains(dir))
                || [".tf", ".yaml", ".json", ".tftpl"]
                    .iter()
                    .any(|ext| literal.ends_with(ext))
        };
        for (path, code) in crate::layering::sources() {
            if path.ends_with("model/paths.rs") {
                continue;
            }
            for (at, _) in code.match_indices("format!(\"") {
                let rest = &code[at + "format!(\"".len()..];
                let literal = &rest[..rest.find('"').unwrap_or(rest.len())];
                assert!(
                    !looks_like_a_path(literal),
                    "src/{} makes the output path \"{literal}\": make it in src/model/paths.rs",
                    path.display()
                );
            }
        }
    }
}
