//! Every naming rule and every derived name, in one place.
//!
//! The validator calls the `is_*` predicates; the resolver calls the
//! derivations. Keeping both here means a rule and the names that rely on it
//! cannot drift apart, and collisions between derived names are found where
//! the names are made.

use heck::ToUpperCamelCase;

/// Prefixes Kubernetes and EKS reserve for their own users and groups.
pub const RESERVED_PREFIXES: &[&str] = &["system:", "eks:", "aws:", "amazon:", "iam:"];

/// The prefix of every Kubernetes group and RBAC object eksgrant owns.
const OWNED_PREFIX: &str = "eksgrant:";

/// The directory, beside the namespace directories, that holds cluster-scoped
/// objects; no namespace may take this name.
pub const CLUSTER_SCOPED_DIR: &str = "cluster-scoped";

/// The trust policy shared by the IAM roles of all created clusters.
pub const EKS_CLUSTER_ROLE_TRUST_FILE: &str = "policies/eks-cluster-role.trust.json";

/// A spec key: a lowercase DNS-1123 label that starts with a letter, because
/// keys also become Terraform identifiers and file names.
pub fn is_key(s: &str) -> bool {
    is_dns_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// A DNS-1123 label: what Kubernetes requires of namespace names.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A namespace name with a trailing `*`, which EKS access policy scopes
/// accept as a prefix match (`dev-*`).
pub fn is_namespace_pattern(s: &str) -> bool {
    s.strip_suffix('*').is_some_and(|stem| {
        !stem.is_empty()
            && stem.len() < 63
            && stem.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && stem
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// A DNS-1123 subdomain: what Kubernetes requires of ServiceAccount names.
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// What Kubernetes accepts as the name of an RBAC object (a path segment);
/// used for `cluster_role` names such as `edit` or `system:aggregate-to-view`.
pub fn is_rbac_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '%']) && s.len() <= 253
}

/// An EKS cluster name: 1-100 characters, `[0-9A-Za-z][0-9A-Za-z_-]*`.
pub fn is_eks_cluster_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The longest IAM role name.
pub const MAX_ROLE_NAME: usize = 64;
/// The longest IAM managed policy name.
pub const MAX_POLICY_NAME: usize = 128;

/// An IAM role or policy name of at most `max` characters from `[\w+=,.@-]`.
pub fn is_iam_name(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.chars().all(is_iam_name_char)
}

/// A character IAM allows in role and policy names.
pub fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// An IAM path: `/` or `/a/b/`, at most 512 printable ASCII characters.
pub fn is_iam_path(s: &str) -> bool {
    s.starts_with('/')
        && s.ends_with('/')
        && s.len() <= 512
        && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !s.contains("//")
}

/// An IAM statement ID: letters and digits only.
pub fn is_sid(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The reserved prefix a Kubernetes user or group name starts with, if any.
pub fn reserved_prefix(name: &str) -> Option<&'static str> {
    RESERVED_PREFIXES
        .iter()
        .copied()
        .find(|prefix| name.starts_with(prefix))
}

/// The Terraform identifier for a spec key (`external-dns` -> `external_dns`).
///
/// Keys are lowercase labels starting with a letter, so the result is always
/// a valid identifier, and two keys that differ only where one has `-` and the
/// other `_` cannot exist.
pub fn tf_ident(key: &str) -> String {
    key.replace('-', "_")
}

/// The Kubernetes group eksgrant maps a subject's IAM role or user into, and
/// the name of the Role and RoleBinding it owns for that subject.
///
/// Subject keys cannot contain `:`, so names built from them cannot collide,
/// and the `eksgrant:` prefix keeps them clear of the reserved prefixes.
pub fn owned_name(subject_key: &str) -> String {
    format!("{OWNED_PREFIX}{subject_key}")
}

/// The name of the binding of a subject to an existing ClusterRole.
pub fn cluster_role_binding_name(subject_key: &str, cluster_role: &str) -> String {
    format!("{OWNED_PREFIX}{subject_key}:{cluster_role}")
}

/// The ConfigMap holding the kubeconfig for reaching `target_cluster`.
///
/// It depends only on the target, so the workloads of one namespace share it.
pub fn kubeconfig_config_map(target_cluster: &str) -> String {
    format!("eksgrant-kubeconfig-{target_cluster}")
}

/// A statement ID built from a spec key (`external-dns` -> `ExternalDns`).
pub fn sid_from_key(key: &str) -> String {
    key.to_upper_camel_case()
}

/// The short Terraform name of an EKS access policy
/// (`AmazonEKSClusterAdminPolicy` -> `cluster_admin`).
pub fn access_policy_ident(policy: &str) -> String {
    let trimmed = policy
        .strip_prefix("AmazonEKS")
        .or_else(|| policy.strip_prefix("Amazon"))
        .unwrap_or(policy);
    let trimmed = trimmed.strip_suffix("Policy").unwrap_or(trimmed);
    heck::ToSnakeCase::to_snake_case(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lowercase_labels_starting_with_a_letter() {
        for good in [
            "platform",
            "external-dns",
            "a",
            "ci-2",
            "x".repeat(63).as_str(),
        ] {
            assert!(is_key(good), "{good} should be a key");
        }
        for bad in [
            "",
            "2fast",
            "-a",
            "a-",
            "Platform",
            "ext_dns",
            "a.b",
            &"x".repeat(64),
        ] {
            assert!(!is_key(bad), "{bad:?} should not be a key");
        }
    }

    #[test]
    fn namespace_patterns_end_in_one_star() {
        assert!(is_namespace_pattern("dev-*"));
        assert!(is_namespace_pattern("team*"));
        assert!(!is_namespace_pattern("*"));
        assert!(!is_namespace_pattern("dev-*-x"));
        assert!(!is_namespace_pattern("Dev-*"));
        assert!(!is_namespace_pattern("dev"));
    }

    #[test]
    fn service_accounts_may_be_dotted_subdomains() {
        assert!(is_dns_subdomain("my.service-account"));
        assert!(!is_dns_subdomain("my..sa"));
        assert!(!is_dns_subdomain("My-SA"));
        assert!(!is_dns_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn eks_cluster_names_follow_the_provider_rule() {
        assert!(is_eks_cluster_name("Prod_eu-1"));
        assert!(is_eks_cluster_name(&"a".repeat(100)));
        assert!(!is_eks_cluster_name(&"a".repeat(101)));
        assert!(!is_eks_cluster_name("_prod"));
        assert!(!is_eks_cluster_name("prod.eu"));
    }

    #[test]
    fn iam_names_and_paths() {
        assert!(is_iam_name("acme-external-dns@eu+1=2,x.y", MAX_ROLE_NAME));
        assert!(!is_iam_name(&"r".repeat(65), MAX_ROLE_NAME));
        assert!(is_iam_name(&"p".repeat(128), MAX_POLICY_NAME));
        assert!(!is_iam_name("has space", MAX_ROLE_NAME));
        assert!(!is_iam_name("", MAX_ROLE_NAME));
        assert!(is_iam_path("/"));
        assert!(is_iam_path("/eksgrant/teams/"));
        assert!(!is_iam_path("eksgrant/"));
        assert!(!is_iam_path("/eksgrant"));
        assert!(!is_iam_path("/a//b/"));
        assert!(!is_iam_path("/with space/"));
    }

    #[test]
    fn sids_are_alphanumeric() {
        assert!(is_sid("ExternalDns2"));
        assert!(!is_sid("external-dns"));
        assert!(!is_sid(""));
    }

    #[test]
    fn owned_names_never_use_a_reserved_prefix() {
        let name = owned_name("system");
        assert_eq!(name, "eksgrant:system");
        assert_eq!(reserved_prefix(&name), None);
        assert_eq!(reserved_prefix("system:masters"), Some("system:"));
        assert_eq!(reserved_prefix("eks:admin"), Some("eks:"));
        assert_eq!(
            cluster_role_binding_name("ci-deployer", "edit"),
            "eksgrant:ci-deployer:edit"
        );
    }

    #[test]
    fn derived_identifiers() {
        assert_eq!(tf_ident("external-dns"), "external_dns");
        assert_eq!(
            sid_from_key("aws-load-balancer-controller"),
            "AwsLoadBalancerController"
        );
        assert_eq!(
            access_policy_ident("AmazonEKSClusterAdminPolicy"),
            "cluster_admin"
        );
        assert_eq!(access_policy_ident("AmazonEKSViewPolicy"), "view");
        assert_eq!(access_policy_ident("AmazonEMRJobPolicy"), "emr_job");
        assert_eq!(
            access_policy_ident("AIDevOpsAgentAccessPolicy"),
            "ai_dev_ops_agent_access"
        );
        assert_eq!(
            kubeconfig_config_map("workload"),
            "eksgrant-kubeconfig-workload"
        );
    }
}
