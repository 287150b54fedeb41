//! Every naming rule and every derived name, in one place.
//!
//! The validator calls the `is_*` predicates; the resolver calls the
//! derivations. Keeping both here means a rule and the names that rely on it
//! cannot drift apart, and collisions between derived names are found where
//! the names are made.

pub(crate) use crate::aws::iam::{is_iam_name_char, is_sid};
use heck::ToUpperCamelCase;

/// The prefix of every Kubernetes group and RBAC object eksgrant owns.
const OWNED_PREFIX: &str = "eksgrant:";

/// Prefixes EKS reserves: no Kubernetes group or username eksgrant maps a
/// principal into may start with one.
pub(crate) const RESERVED_PREFIXES: &[&str] = &["system:", "eks:", "aws:", "amazon:", "iam:"];

/// A spec key: a lowercase DNS-1123 label that starts with a letter, because
/// keys also become Terraform identifiers and file names.
pub(crate) fn is_key(s: &str) -> bool {
    is_dns_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Whether Windows reserves `name` for a device (`con`, `nul`, `com1`...,
/// in any case, with or without an extension): no file or directory may
/// have it there, so a repository holding one cannot be checked out on
/// Windows. Keys and namespaces become file and directory names.
pub(crate) fn is_windows_device_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.trim_end_matches([' ', '.']).to_ascii_lowercase();
    match stem.get(..3) {
        Some("con" | "prn" | "aux" | "nul") if stem.len() == 3 => true,
        Some("com" | "lpt") => matches!(
            &stem[3..],
            "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
        ),
        _ => matches!(stem.as_str(), "conin$" | "conout$"),
    }
}

/// A DNS-1123 label: what Kubernetes requires of namespace names.
pub(crate) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A namespace name with a trailing `*`, which EKS access policy scopes
/// accept as a prefix match (`dev-*`).
pub(crate) fn is_namespace_pattern(s: &str) -> bool {
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
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
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
pub(crate) fn is_rbac_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '%']) && s.len() <= 253
}

/// An EKS cluster name: 1-100 characters, `[0-9A-Za-z][0-9A-Za-z_-]*`.
pub(crate) fn is_eks_cluster_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The longest IAM role name.
pub(crate) const MAX_ROLE_NAME: usize = 64;

/// An IAM role or policy name of at most `max` characters from `[\w+=,.@-]`.
pub(crate) fn is_iam_name(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len()) && s.chars().all(is_iam_name_char)
}

/// An IAM path: `/` or `/a/b/`, at most 512 printable ASCII characters.
pub(crate) fn is_iam_path(s: &str) -> bool {
    s.starts_with('/')
        && s.ends_with('/')
        && s.len() <= 512
        && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !s.contains("//")
}

/// The IAM role of a workload, unless the spec sets `role_name`.
pub(crate) fn workload_role_name(name_prefix: &str, workload_key: &str) -> String {
    format!("{name_prefix}{workload_key}")
}

/// The IAM role of a cluster eksgrant creates.
pub(crate) fn cluster_role_name(name_prefix: &str, cluster_key: &str) -> String {
    format!("{name_prefix}{cluster_key}-cluster")
}

/// The node role of an Auto Mode cluster eksgrant creates.
pub(crate) fn auto_node_role_name(name_prefix: &str, cluster_key: &str) -> String {
    format!("{name_prefix}{cluster_key}-node")
}

/// The Terraform identifier of an Auto Mode cluster's node role (and of its
/// policy attachments).
pub(crate) fn auto_node_role_ident(cluster_key: &str) -> String {
    format!("{}_node", tf_ident(cluster_key))
}

/// The Terraform identifier of a created cluster's IAM role (and of its
/// policy attachment).
pub(crate) fn cluster_role_ident(cluster_key: &str) -> String {
    format!("{}_cluster", tf_ident(cluster_key))
}

/// The Terraform variable that asks for a created cluster's subnets.
pub(crate) fn subnet_variable(cluster_key: &str) -> String {
    format!("{}_subnet_ids", tf_ident(cluster_key))
}

/// The names of a workload's `index`-th permission policy (0-based): the
/// first is named like the role, the following get `-2`, `-3`... so that a
/// policy split in two keeps its first half's name.
pub(crate) struct PolicyNames {
    /// Terraform identifier of the policy and of its attachment.
    pub ident: String,
    /// IAM policy name.
    pub name: String,
    /// The document's path in the output tree.
    pub file: String,
}

/// See [`PolicyNames`].
pub(crate) fn permission_policy(workload_key: &str, role_name: &str, index: usize) -> PolicyNames {
    let ident = tf_ident(workload_key);
    match index {
        0 => PolicyNames {
            ident,
            name: role_name.to_string(),
            file: super::paths::permission_policy_file(workload_key, 0),
        },
        n => PolicyNames {
            ident: format!("{ident}_{}", n + 1),
            name: format!("{role_name}-{}", n + 1),
            file: super::paths::permission_policy_file(workload_key, n),
        },
    }
}

/// The policy that lets a workload's Pod Identity role become the role it
/// chains to.
pub(crate) fn chain_policy(workload_key: &str, role_name: &str) -> PolicyNames {
    PolicyNames {
        ident: format!("{}_chain", tf_ident(workload_key)),
        name: format!("{role_name}-chain"),
        file: super::paths::chain_policy_file(workload_key),
    }
}

/// The Terraform identifier of the role a workload chains to, in another
/// account.
pub(crate) fn target_role_ident(workload_key: &str) -> String {
    format!("{}_target", tf_ident(workload_key))
}

/// The Terraform identifier of the attachments of a workload's
/// `managed_policy_arns`.
pub(crate) fn managed_attachment_ident(workload_key: &str) -> String {
    format!("{}_managed", tf_ident(workload_key))
}

/// The Terraform identifier of a workload's Pod Identity association on a
/// cluster.
pub(crate) fn association_ident(workload_key: &str, cluster_key: &str) -> String {
    format!("{}_on_{}", tf_ident(workload_key), tf_ident(cluster_key))
}

/// The Terraform identifier of the ingress rule that lets the pods of
/// `source` (a cluster key) or a CIDR block reach `cluster`'s private API
/// endpoint.
pub(crate) fn api_ingress_ident(cluster_key: &str, source: &str) -> String {
    let source: String = source
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{}_api_from_{source}", tf_ident(cluster_key))
}

/// The Terraform identifier of a subject's access entry on a cluster.
pub(crate) fn access_entry_ident(subject_key: &str, cluster_key: &str) -> String {
    format!("{}_on_{}", tf_ident(subject_key), tf_ident(cluster_key))
}

/// The Terraform identifier of an access policy association of an entry.
pub(crate) fn access_policy_association_ident(entry_ident: &str, policy: &str) -> String {
    format!("{entry_ident}_{}", access_policy_ident(policy))
}

/// The Terraform identifier of the kubeconfig ConfigMap in `namespace` on
/// `home` for reaching `target`.
pub(crate) fn kubeconfig_ident(home_key: &str, namespace: &str, target_key: &str) -> String {
    format!(
        "{}_{}_kubeconfig_{}",
        tf_ident(home_key),
        tf_ident(namespace),
        tf_ident(target_key)
    )
}

/// The reserved prefix a Kubernetes group or username starts with, if any.
pub(crate) fn reserved_prefix(name: &str) -> Option<&'static str> {
    RESERVED_PREFIXES
        .iter()
        .copied()
        .find(|prefix| name.starts_with(prefix))
}

/// The username aws-auth maps a subject's role or user to. Roles get the
/// session name, so audit logs tell sessions apart.
pub(crate) fn aws_auth_username(subject_key: &str, is_role: bool) -> String {
    if is_role {
        format!("{}:{{{{SessionName}}}}", owned_name(subject_key))
    } else {
        owned_name(subject_key)
    }
}

/// The username aws-auth gives EC2 nodes, Linux and Windows.
pub(crate) const NODE_USERNAME: &str = "system:node:{{EC2PrivateDNSName}}";

/// The groups aws-auth puts Linux nodes in.
pub(crate) const NODE_GROUPS: [&str; 2] = ["system:bootstrappers", "system:nodes"];

/// The group aws-auth puts Windows nodes in besides [`NODE_GROUPS`], and
/// only them (EKS user guide, Windows support).
pub(crate) const WINDOWS_NODE_GROUP: &str = "eks:kube-proxy-windows";

/// The username aws-auth gives Fargate pods' nodes: the session of the pod
/// execution role.
pub(crate) const FARGATE_USERNAME: &str = "system:node:{{SessionName}}";

/// The group aws-auth puts Fargate pod execution roles in besides
/// [`NODE_GROUPS`], and only them (EKS user guide, Fargate pod execution
/// role).
pub(crate) const FARGATE_GROUP: &str = "system:node-proxier";

/// The Terraform identifier of the node access entry (`EC2_LINUX`,
/// `EC2_WINDOWS`, `FARGATE_LINUX`) of a role; `infix` tells the kinds apart
/// (`nodes`, `windows_nodes`, `fargate`).
pub(crate) fn node_access_entry_ident(cluster_key: &str, infix: &str, role_name: &str) -> String {
    let role: String = role_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{}_{infix}_{role}", tf_ident(cluster_key))
}

/// The placeholders aws-iam-authenticator fills in in an aws-auth
/// username for a role or user (`renderTemplate`, pkg/server/server.go);
/// `{{EC2PrivateDNSName}}` works only for nodes' sessions.
pub(crate) const AWS_AUTH_USERNAME_PLACEHOLDERS: &[&str] = &[
    "{{AccountID}}",
    "{{SessionName}}",
    "{{SessionNameRaw}}",
    "{{AccessKeyID}}",
];

/// The placeholders EKS documents for an access entry's username
/// (EKS user guide, "Create access entries").
pub(crate) const ACCESS_ENTRY_USERNAME_PLACEHOLDERS: &[&str] =
    &["{{SessionName}}", "{{SessionNameRaw}}"];

/// What is wrong with a custom Kubernetes username, used in aws-auth and,
/// when `access_entries`, in access entries too. `None` when nothing is.
///
/// EKS refuses access entry usernames that start with a reserved prefix,
/// and ones with `{{SessionName}}` or `{{SessionNameRaw}}` without a `:`
/// before it (EKS user guide, "Create access entries"); eksgrant applies the
/// prefixes in aws-auth too, so that a username survives the move to access
/// entries, and keeps `eksgrant:` for the names it makes.
pub(crate) fn username_problem(username: &str, access_entries: bool) -> Option<String> {
    if username.is_empty() {
        return Some("it is empty".to_string());
    }
    if let Some(prefix) = reserved_prefix(username) {
        return Some(format!("it starts with `{prefix}`, which EKS reserves"));
    }
    if is_owned_name(username) {
        return Some(format!(
            "it starts with `{OWNED_PREFIX}`, which eksgrant keeps for the names it makes"
        ));
    }
    let mut rest = username;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let placeholder = match rest[start..].find("}}") {
            Some(end) => &rest[start..start + end + 2],
            None => &rest[start..],
        };
        if !AWS_AUTH_USERNAME_PLACEHOLDERS.contains(&placeholder) {
            return Some(format!("`{placeholder}` is not a placeholder EKS fills in"));
        }
        if access_entries && !ACCESS_ENTRY_USERNAME_PLACEHOLDERS.contains(&placeholder) {
            return Some(format!(
                "EKS documents only {{{{SessionName}}}} and {{{{SessionNameRaw}}}} in access entry usernames, not `{placeholder}`"
            ));
        }
        if access_entries
            && ACCESS_ENTRY_USERNAME_PLACEHOLDERS.contains(&placeholder)
            && !username[..offset + start].contains(':')
        {
            return Some(format!(
                "an access entry username needs a `:` before `{placeholder}`"
            ));
        }
        offset += start + placeholder.len();
        rest = &rest[start + placeholder.len()..];
    }
    None
}

/// The template variable holding a created cluster's OIDC issuer (host and
/// path).
pub(crate) fn oidc_issuer_variable(cluster_key: &str) -> String {
    format!("{}_oidc_issuer", tf_ident(cluster_key))
}

/// The template variable holding a created cluster's OIDC provider ARN.
pub(crate) fn oidc_provider_variable(cluster_key: &str) -> String {
    format!("{}_oidc_provider_arn", tf_ident(cluster_key))
}

/// The Sid of the trust statement that lets a cluster's IRSA tokens in.
pub(crate) fn irsa_sid(cluster_key: &str) -> String {
    format!("Irsa{}", sid_from_key(cluster_key))
}

/// Whether `issuer` is an EKS OIDC issuer in `region`, host and path only:
/// `oidc.eks.<region>.amazonaws.com[.cn]/id/<ID>`, or the dual-stack
/// `oidc-eks.<region>.api.aws/id/<ID>` that some tools register providers
/// with (the condition keys must use the form the provider has).
pub(crate) fn is_oidc_issuer(issuer: &str, region: &str) -> bool {
    let hosts = [
        format!("oidc.eks.{region}.amazonaws.com/id/"),
        format!("oidc.eks.{region}.amazonaws.com.cn/id/"),
        format!("oidc-eks.{region}.api.aws/id/"),
    ];
    hosts
        .iter()
        .find_map(|host| issuer.strip_prefix(host.as_str()))
        .is_some_and(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// The Terraform identifier for a spec key (`external-dns` -> `external_dns`).
///
/// Keys are lowercase labels starting with a letter, so the result is always
/// a valid identifier, and two keys that differ only where one has `-` and the
/// other `_` cannot exist.
pub(crate) fn tf_ident(key: &str) -> String {
    key.replace('-', "_")
}

/// The Kubernetes group eksgrant maps a subject's IAM role or user into, and
/// the name of the Role and RoleBinding it owns for that subject.
///
/// Subject keys cannot contain `:`, so names built from them cannot collide,
/// and the `eksgrant:` prefix keeps them clear of the reserved prefixes.
pub(crate) fn owned_name(subject_key: &str) -> String {
    format!("{OWNED_PREFIX}{subject_key}")
}

/// Whether `name` is one eksgrant makes with [`owned_name`] or
/// [`cluster_role_binding_name`].
pub(crate) fn is_owned_name(name: &str) -> bool {
    name.starts_with(OWNED_PREFIX)
}

/// The name of the binding of a subject to an existing ClusterRole.
pub(crate) fn cluster_role_binding_name(subject_key: &str, cluster_role: &str) -> String {
    format!("{OWNED_PREFIX}{subject_key}:{cluster_role}")
}

/// The ConfigMap holding the kubeconfig for reaching `target_cluster`.
///
/// It depends only on the target, so the workloads of one namespace share it.
pub(crate) fn kubeconfig_config_map(target_cluster: &str) -> String {
    format!("eksgrant-kubeconfig-{target_cluster}")
}

/// A statement ID built from a spec key (`external-dns` -> `ExternalDns`).
pub(crate) fn sid_from_key(key: &str) -> String {
    key.to_upper_camel_case()
}

/// The short Terraform name of an EKS access policy
/// (`AmazonEKSClusterAdminPolicy` -> `cluster_admin`).
pub(crate) fn access_policy_ident(policy: &str) -> String {
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
    fn windows_device_names_are_recognised_with_any_extension() {
        for device in [
            "con",
            "NUL",
            "aux",
            "prn",
            "com1",
            "lpt9",
            "com0",
            "con.trust.json",
            "nul.yaml",
            "Com3.tf",
            "conin$",
            "lpt¹",
        ] {
            assert!(is_windows_device_name(device), "{device}");
        }
        for fine in [
            "console",
            "nul-1",
            "com",
            "com10",
            "lpt",
            "aux2",
            "platform",
            "my-con",
            "cons.yaml",
        ] {
            assert!(!is_windows_device_name(fine), "{fine}");
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
        // EKS refuses groups and usernames starting with these.
        let reserved = ["system:", "eks:", "aws:", "amazon:", "iam:"];
        let name = owned_name("system");
        assert_eq!(name, "eksgrant:system");
        assert!(reserved.iter().all(|prefix| !name.starts_with(prefix)));
        assert_eq!(
            cluster_role_binding_name("ci-deployer", "edit"),
            "eksgrant:ci-deployer:edit"
        );
    }

    #[test]
    fn oidc_issuers() {
        assert!(is_oidc_issuer(
            "oidc.eks.eu-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
            "eu-west-2"
        ));
        assert!(is_oidc_issuer(
            "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
            "cn-north-1"
        ));
        assert!(is_oidc_issuer(
            "oidc-eks.eu-west-2.api.aws/id/0123456789ABCDEF0123456789ABCDEF",
            "eu-west-2"
        ));
        assert!(!is_oidc_issuer(
            "https://oidc.eks.eu-west-2.amazonaws.com/id/ABC",
            "eu-west-2"
        ));
        assert!(!is_oidc_issuer(
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "eu-west-2"
        ));
        assert!(!is_oidc_issuer(
            "oidc.eks.eu-west-2.amazonaws.com/id/",
            "eu-west-2"
        ));
        assert!(!is_oidc_issuer(
            "oidc.eks.eu-west-2.amazonaws.com/id/AB/C",
            "eu-west-2"
        ));
    }

    #[test]
    fn aws_auth_names() {
        assert_eq!(aws_auth_username("ci", true), "eksgrant:ci:{{SessionName}}");
        assert_eq!(aws_auth_username("alice", false), "eksgrant:alice");
        assert_eq!(
            node_access_entry_ident("prod-eu", "nodes", "Nodes.Role@x"),
            "prod_eu_nodes_nodes_role_x"
        );
        assert_eq!(reserved_prefix("system:masters"), Some("system:"));
        // The EKS user guide's rules for access entry usernames, and
        // aws-iam-authenticator's placeholders for aws-auth ones.
        for ok in [
            "admin:{{SessionName}}",
            "alice",
            "ci:{{SessionNameRaw}}",
            "a:b{{SessionName}}",
        ] {
            assert_eq!(username_problem(ok, true), None, "{ok}");
        }
        for (username, access_entries) in [
            ("john{{SessionName}}", true),
            ("{{SessionName}}", true),
            ("team-{{AccountID}}", true),
            ("system:node:{{SessionName}}", false),
            ("eks:x", false),
            ("eksgrant:ci", false),
            ("x:{{sessionname}}", false),
            ("x:{{SessionName", false),
            ("", false),
        ] {
            assert!(
                username_problem(username, access_entries).is_some(),
                "{username}"
            );
        }
        assert_eq!(username_problem("john{{SessionName}}", false), None);
        assert_eq!(
            username_problem("team-{{AccountID}}:{{AccessKeyID}}", false),
            None
        );
        assert_eq!(reserved_prefix("eks-admins"), None);
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
