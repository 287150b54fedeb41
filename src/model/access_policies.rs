//! EKS access policies eksgrant knows by name.
//!
//! AWS adds access policies over time and there is no way to define your own,
//! so an unknown name that has the shape of an AWS one is only a warning; the
//! list is what makes typos visible.

/// The access policies listed by `aws eks list-access-policies` as of 2026.
pub(crate) const KNOWN: &[&str] = &[
    "AIDevOpsAgentAccessPolicy",
    "AmazonAIOpsAssistantPolicy",
    "AmazonARCRegionSwitchScalingPolicy",
    "AmazonEKSACKPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSArgoCDClusterPolicy",
    "AmazonEKSArgoCDPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSEventPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSKROPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSPodIdentityPolicy",
    "AmazonEKSSecretAdminPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSpacePolicy",
    "AmazonSagemakerHyperpodSpaceTemplatePolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
];

/// The access policy that makes its holder a cluster administrator.
pub(crate) const CLUSTER_ADMIN: &str = "AmazonEKSClusterAdminPolicy";

/// The access policy that mirrors one of Kubernetes' user-facing
/// ClusterRoles, for users who write the ClusterRole's name.
pub(crate) fn for_cluster_role(cluster_role: &str) -> Option<&'static str> {
    match cluster_role {
        "cluster-admin" => Some(CLUSTER_ADMIN),
        "admin" => Some("AmazonEKSAdminPolicy"),
        "edit" => Some("AmazonEKSEditPolicy"),
        "view" => Some("AmazonEKSViewPolicy"),
        _ => None,
    }
}

/// `AI` + `Policy`: a name must have something between its prefix and suffix.
const SHORTEST_PREFIX_AND_SUFFIX: usize = "AIPolicy".len();

/// [`looks_like_access_policy`] as a regular expression, for the JSON
/// Schema (a test checks that the schema and eksgrant agree on names).
pub(crate) const SHAPE: &str = "^(Amazon[A-Za-z0-9]*|AI[A-Za-z0-9]+)Policy$";

/// Whether `name` has the shape of an AWS access policy name, known or not.
pub(crate) fn looks_like_access_policy(name: &str) -> bool {
    (name.starts_with("Amazon") || name.starts_with("AI"))
        && name.ends_with("Policy")
        && name.len() > SHORTEST_PREFIX_AND_SUFFIX
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_list_is_sorted_and_well_formed() {
        let mut sorted = KNOWN.to_vec();
        sorted.sort_unstable();
        assert_eq!(KNOWN, sorted.as_slice());
        assert!(KNOWN.iter().all(|name| looks_like_access_policy(name)));
        assert!(KNOWN.contains(&CLUSTER_ADMIN));
    }

    #[test]
    fn shape() {
        assert!(looks_like_access_policy("AmazonEKSFuturePolicy"));
        assert!(!looks_like_access_policy("cluster-admin"));
        assert!(!looks_like_access_policy("AmazonEKSAdmin"));
        assert!(!looks_like_access_policy(
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        ));
    }
}
