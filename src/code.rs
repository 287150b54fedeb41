//! Every diagnostic code eksgrant reports, in one place.
//!
//! A code is what a user searches for, what `eksgrant explain-code CODE` prints,
//! and what the table in docs/spec.md lists (a test keeps the two equal).
//! Adding a diagnostic means adding one entry to the `codes!` list below
//! (variant, name, kind, meaning, fix) and, for a warning, placing it in
//! [`Code::WARNINGS_BY_DANGER`]; tests then hold docs/spec.md's table and
//! docs/diagnostics.md's order to it.

use std::fmt;
use std::fmt::Write as _;

/// Declares every code once: its variant, its name (without `eksgrant::`),
/// its kind (`error`, `warning`, or `lint(<scope>)`: a warning that
/// `allow` on an item of that scope acknowledges), what it means and how to
/// fix it. The enum, [`Code::ALL`] (in declaration order, which is
/// docs/spec.md's), each code's name and explanation and its lint scope are
/// made from that one list.
macro_rules! codes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal, $kind:ident $(($scope:ident))?,
            $meaning:literal,
            $fix:literal;
    )*) => {
        /// A diagnostic code: `eksgrant::<name>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in the order of docs/spec.md.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code's row: its name with `eksgrant::`, whether it is a
            /// warning, what it means, how to fix it.
            fn explanation_row(self) -> (&'static str, bool, &'static str, &'static str) {
                match self {
                    $( Code::$variant => (
                        concat!("eksgrant::", $name),
                        codes!(@warning $kind),
                        $meaning,
                        $fix,
                    ), )*
                }
            }

            /// Where the code is reported, if it is a lint: a warning about
            /// what a spec item allows, which `allow = ["<code>"]` on that
            /// item acknowledges. Other warnings and errors cannot be
            /// acknowledged.
            pub fn lint_scope(self) -> Option<LintScope> {
                match self {
                    $( Code::$variant => codes!(@scope $($scope)?), )*
                }
            }
        }
    };
    (@warning error) => { false };
    (@warning warning) => { true };
    (@warning lint) => { true };
    (@scope) => { None };
    (@scope $scope:ident) => { Some(LintScope::$scope) };
}

codes! {
    // The spec's rules, in the order docs/spec.md lists them.
    /// `access_policy` names no EKS access policy, or names it by ARN.
    AccessPolicy = "access_policy", error,
        "`access_policy` is not the name of an EKS access policy (an ARN, or a ClusterRole name, is given instead).",
        "Write the policy's name, such as `AmazonEKSViewPolicy`; for a ClusterRole use `cluster_role`.";
    /// `access_policy` on a `CONFIG_MAP` cluster.
    AccessPolicyConfigMap = "access_policy_config_map", error,
        "An `access_policy` grant on a `CONFIG_MAP` cluster, which has no access entries to associate it with.",
        "Use `cluster_role` or `rules` there, or move the cluster to `API_AND_CONFIG_MAP`.";
    /// `access_policy` for a workload on its own cluster.
    AccessPolicySameCluster = "access_policy_same_cluster", error,
        "An `access_policy` grant to a workload on a cluster it runs in, where it is its ServiceAccount, not an IAM principal.",
        "Grant `rules` or `cluster_role` instead: they bind the ServiceAccount.";
    /// `aws.account_id` is not 12 digits.
    AccountId = "account_id", error,
        "`aws.account_id` is not 12 digits.",
        "Write the account ID as a quoted string of 12 digits.";
    /// An invalid `[accounts.<key>]` table.
    Accounts = "accounts", error,
        "An `[accounts.<key>]` table with an invalid key or account ID, the spec's own account, an account listed twice, or an `assume_role_arn` that is not a role in that account.",
        "Give each other account once, with its 12-digit ID and the role Terraform assumes there.";
    /// An invalid `addon_versions` entry.
    AddonVersion = "addon_version", error,
        "`addon_versions` names an add-on eksgrant does not install on the cluster, or a version that is not an EKS add-on version.",
        "Pin only the add-ons the cluster gets (`eks-pod-identity-agent` without Auto Mode), with versions from `aws eks describe-addon-versions`, such as `v1.3.8-eksbuild.2`.";
    /// An `allow` entry that is no lint of the item it is on.
    Allow = "allow", error,
        "An `allow` entry is no lint of the item it is on: an unknown code, a code written with `eksgrant::`, a code that is not a lint (errors and other warnings cannot be acknowledged), a lint reported on another kind of item, or a code listed twice.",
        "List short names of lints reported on that item: on grants `rbac_wildcard`, `rbac_escalation`, `secrets_read`, `pod_exec`, `pod_create_with_aws_identity`, `workload_cluster_admin`; on custom statements `iam_wildcard`; on workloads `irsa_many_clusters`.";
    /// An authentication mode that moves back, or skips a step.
    AuthenticationMode = "authentication_mode", error,
        "A cluster's authentication mode moves back, or skips `API_AND_CONFIG_MAP`, compared with the last generation in the output directory.",
        "Keep the recorded mode or move one step forward: `CONFIG_MAP` -> `API_AND_CONFIG_MAP` -> `API`.";
    /// `aws_auth_accounts` where aws-auth is ignored, or not account IDs.
    AwsAuthAccounts = "aws_auth_accounts", error,
        "`aws_auth_accounts` on an `API` cluster, which ignores aws-auth, or an entry that is not a 12-digit account ID.",
        "Map each role or user as a principal instead, or fix the account IDs.";
    /// An aws-auth that maps no node role (warning).
    AwsAuthWithoutNodes = "aws_auth_without_nodes", warning,
        "The aws-auth ConfigMap eksgrant writes for an existing cluster maps no node role, and applying it replaces the whole list.",
        "List every node group's role in `node_role_arns` (self-managed Linux nodes), `managed_node_role_arns` (managed node groups) or `windows_node_role_arns`, and every Fargate profile's pod execution role in `fargate_pod_execution_role_arns`.";
    /// A control character or Unicode non-character in the spec.
    Character = "character", error,
        "A key or string holds a control character or a Unicode non-character, which generated YAML cannot hold or no real value has.",
        "Remove the character.";
    /// An invalid EKS cluster name.
    ClusterName = "cluster_name", error,
        "A cluster's `name` is not a valid EKS cluster name.",
        "Use 1-100 letters, digits, `-` and `_`, starting with a letter or digit.";
    /// Invalid `ip_family` / `service_ipv4_cidr`.
    ClusterNetwork = "cluster_network", error,
        "`service_ipv4_cidr` is not a private IPv4 block from /12 to /24, or is given with `ip_family = \"ipv6\"`.",
        "Pick a block in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 that no VPC of yours uses, or omit it.";
    /// An invalid ClusterRole name.
    ClusterRole = "cluster_role", error,
        "`cluster_role` is not a name Kubernetes accepts for a ClusterRole.",
        "Write the ClusterRole's name, such as `view` or `edit`.";
    /// An invalid IAM condition.
    Condition = "condition", error,
        "A statement's condition has an unknown operator, an empty key or no values.",
        "Use an IAM condition operator such as `StringEquals`, a condition key, and at least one value.";
    /// `authentication_mode = "CONFIG_MAP"` on a created cluster.
    ConfigMapCreate = "config_map_create", error,
        "A cluster created here with `authentication_mode = \"CONFIG_MAP\"`.",
        "Create it with `API` (or `API_AND_CONFIG_MAP` while tools still need aws-auth).";
    /// Two cluster keys for one EKS cluster.
    DuplicateCluster = "duplicate_cluster", error,
        "Two cluster keys name the same EKS cluster.",
        "Describe each EKS cluster once.";
    /// A grant that repeats an earlier one.
    DuplicateGrant = "duplicate_grant", error,
        "A grant gives again what an earlier grant of the same subject gave (an access policy on a cluster, or a ClusterRole in a namespace).",
        "Merge the grants.";
    /// A preset listed twice.
    DuplicatePreset = "duplicate_preset", error,
        "A workload lists a preset twice.",
        "List each preset once.";
    /// Two principals with one ARN, or a principal that is a generated role.
    DuplicatePrincipal = "duplicate_principal", error,
        "Two principals have one ARN, or a principal's ARN is a role eksgrant generates; EKS allows one access entry per ARN and cluster.",
        "Merge the principals' grants, or grant through the workload.";
    /// Two workloads with one ServiceAccount.
    DuplicateServiceAccount = "duplicate_service_account", error,
        "Two workloads use one ServiceAccount on one cluster; EKS allows one Pod Identity association per ServiceAccount.",
        "Give each workload its own ServiceAccount or namespace.";
    /// Two statements with one Sid.
    DuplicateSid = "duplicate_sid", error,
        "Two statements of one role have the same Sid.",
        "Give each statement its own `sid`.";
    /// A key that is both a workload and a principal.
    DuplicateSubject = "duplicate_subject", error,
        "A key is both a workload and a principal: both name the Kubernetes group `eksgrant:<key>`.",
        "Rename one of them.";
    /// A spec that is not UTF-8.
    Encoding = "encoding", error,
        "The spec is not UTF-8.",
        "Save it as UTF-8.";
    /// A grant that sets none, or more than one, of its kinds.
    GrantKind = "grant_kind", error,
        "A grant sets none, or more than one, of `rules`, `cluster_role`, `access_policy` and `groups`.",
        "Set exactly one; split it into several grants for more.";
    /// Invalid `groups`.
    Groups = "groups", error,
        "`groups` is empty, or names a group that is not a valid Kubernetes group or is eksgrant's own.",
        "List existing groups, without spaces and without the `eksgrant:` prefix.";
    /// `groups` for a workload on its own cluster.
    GroupsSameCluster = "groups_same_cluster", error,
        "`groups` for a workload on a cluster it runs in, where it is its ServiceAccount, not an IAM principal.",
        "Bind its ServiceAccount with `rules` or `cluster_role`.";
    /// An invalid IAM name or name prefix.
    IamName = "iam_name", error,
        "A role name, policy name or `iam.name_prefix` has characters IAM does not allow, or is too long.",
        "Use letters, digits and `_+=,.@-`, at most 64 characters for roles (128 for policies).";
    /// An invalid IAM path.
    IamPath = "iam_path", error,
        "`iam.path` is not an IAM path.",
        "Start and end it with `/`, as `/eksgrant/`.";
    /// `*` as an action or resource of a custom statement (lint).
    IamWildcard = "iam_wildcard", lint(Statement),
        "An `Allow` custom statement (`aws.statements`) has an action that is a whole service or everything (`s3:*`, `*`), or the resource `*` while one of its actions is not a `Describe` or `List` action or one of the reads the Service Authorization Reference lists without a resource type (`sts:GetCallerIdentity`, `ecr:GetAuthorizationToken`, `cloudwatch:GetMetricData`, `cloudwatch:GetMetricStatistics`).",
        "Name the actions, and the ARNs of the resources, the workload uses; where `*` is meant (a condition scopes it, or the actions take no resource), acknowledge it with `allow = [\"iam_wildcard\"]` on the statement.";
    /// A workload with nothing to generate (warning).
    IdleWorkload = "idle_workload", warning,
        "A workload has no AWS permissions and no grants: eksgrant generates nothing for it.",
        "Give it `aws` permissions or grants, or remove it.";
    /// IRSA on a cluster whose OIDC issuer the spec lacks.
    IrsaIssuer = "irsa_issuer", error,
        "An IRSA workload runs on an existing cluster whose `oidc_issuer` the spec does not give.",
        "Add the cluster's `oidc_issuer`, or use Pod Identity.";
    /// An IRSA role trusted by several clusters (lint).
    IrsaManyClusters = "irsa_many_clusters", lint(Workload),
        "A workload whose role trusts IRSA (`identity = \"irsa\"` or `migrate_from = \"irsa\"`) runs in several clusters: the role trusts each cluster's OIDC provider, so a pod running as its ServiceAccount in any of them gets the role's permissions.",
        "Give each cluster its own workload, and so its own role; if the clusters are one trust domain, acknowledge it with `allow = [\"irsa_many_clusters\"]` on the workload.";
    /// An invalid spec key.
    Key = "key", error,
        "A key of `clusters`, `workloads` or `principals` is not a lowercase DNS label starting with a letter, or is a Windows device name.",
        "Use lowercase letters, digits and `-`, start with a letter, at most 63 characters, and not `con`, `nul`, `com1`...";
    /// An invalid KMS key setting of a created cluster.
    KmsKey = "kms_key", error,
        "A KMS key of a created cluster is not a key ARN in the spec's partition and region, or `secrets_kms_key_arn` is given with `secrets_encryption = false`.",
        "Give the key's ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`, not an alias), or omit it and let eksgrant create the cluster's key.";
    /// A missing or invalid `kubernetes_version`.
    KubernetesVersion = "kubernetes_version", error,
        "A created cluster has no `kubernetes_version`, or one that is not `1.MINOR`, older than 1.28, retired by EKS (its extended support ended by the date of data/eks/kubernetes-versions.toml), or newer than any EKS could have released since then.",
        "Write a version EKS offers, as `\"1.35\"`; `aws eks describe-cluster-versions` lists today's.";
    /// What `layout = "per-cluster"` cannot split between roots.
    Layout = "layout", error,
        "With `[terraform] layout = \"per-cluster\"`, the spec needs something across roots that one root makes before another: an IRSA role trusting a cluster created here (its OIDC issuer, known once the cluster's root made it), or a role eksgrant writes that pods of several clusters chain to (made before the associations that name it, which are in each cluster's root).",
        "Use Pod Identity on the clusters created here, and give each cluster its own chaining workload; or keep `layout = \"single\"`.";
    /// A created cluster nobody could administer.
    LockOut = "lock_out", error,
        "A cluster created here has no principal with a cluster-wide `AmazonEKSClusterAdminPolicy` grant, so nobody could ever reach it.",
        "Grant one principal `access_policy = \"AmazonEKSClusterAdminPolicy\"` on the cluster.";
    /// Invalid control-plane logging settings.
    Logging = "logging", error,
        "`log_types` repeats a type, or `log_retention_days` is not a retention CloudWatch Logs accepts, or a log setting is given with `log_types = []`.",
        "List each log type once, and use a retention such as 90, 365 or 731 days.";
    /// An invalid `migrate_from`.
    MigrateFrom = "migrate_from", error,
        "`migrate_from` is not `\"irsa\"`, or the workload is not moving to Pod Identity.",
        "Use `migrate_from = \"irsa\"` with `identity = \"pod-identity\"` (the default).";
    /// Two spec items that generate one name.
    NameCollision = "name_collision", error,
        "Two spec items generate one name (a file, a Terraform resource, an IAM role or policy).",
        "Rename one of the keys, or set `role_name`.";
    /// An invalid or reserved namespace.
    Namespace = "namespace", error,
        "A namespace is not a DNS-1123 label, is listed twice, is reserved (`cluster-scoped`) or is a Windows device name.",
        "Use a valid namespace name, once.";
    /// Invalid `namespaces`.
    Namespaces = "namespaces", error,
        "`namespaces = []`, or `namespaces` with `groups`, which apply cluster-wide.",
        "List the namespaces, or remove `namespaces` to grant cluster-wide.";
    /// A key that only applies to clusters eksgrant creates.
    NeedsCreate = "needs_create", error,
        "A key that only applies to clusters eksgrant creates, on an existing cluster.",
        "Add `create = true`, or remove the key.";
    /// An existing cluster without an administrator in the spec (warning).
    NoAdmin = "no_admin", warning,
        "An existing cluster whose mappings the spec changes has no principal with a cluster-wide `AmazonEKSClusterAdminPolicy` grant (`cluster-admin` on `CONFIG_MAP` clusters).",
        "Grant the principals who administer the cluster today that access in the spec.";
    /// A spec without clusters.
    NoClusters = "no_clusters", error,
        "The spec defines no cluster.",
        "Add a `[clusters.<key>]` table.";
    /// An invalid or repeated node role.
    NodeRole = "node_role", error,
        "A role in `node_role_arns`, `managed_node_role_arns`, `windows_node_role_arns` or `fargate_pod_execution_role_arns` is not an IAM role ARN in the spec's partition, is listed twice (in one list or two), or is also a subject's role on the cluster.",
        "List each node role ARN once, in the list of its nodes.";
    /// An invalid `oidc_issuer` or `create_oidc_provider`.
    OidcIssuer = "oidc_issuer", error,
        "`oidc_issuer` is not an EKS OIDC issuer in the region, or `oidc_issuer` / `create_oidc_provider` is set where it does not apply.",
        "Copy the issuer from `aws eks describe-cluster` without `https://`; on created clusters, remove both.";
    /// A partition that does not match the region.
    Partition = "partition", error,
        "`aws.partition` does not match the region.",
        "Set the region's partition (`aws`, `aws-cn`, `aws-us-gov`).";
    /// A statement too large for a managed policy.
    PermissionPolicySize = "permission_policy_size", error,
        "One statement is larger than an IAM managed policy (6,144 characters) on its own.",
        "Split the statement.";
    /// Creating pods where a ServiceAccount has an AWS identity (lint).
    PodCreateWithAwsIdentity = "pod_create_with_aws_identity", lint(Grant),
        "A grant's `rules`, or the built-in ClusterRole or access policy it names, allow `create`, `update`, `patch` or `*` on pods or workload controllers (deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs, replicationcontrollers) in a namespace where another workload's ServiceAccount has an AWS identity: a pod made there can run as that ServiceAccount and get its AWS permissions, or run privileged and read the node's credentials.",
        "Grant it in namespaces where no ServiceAccount has an AWS identity; otherwise enforce Pod Security Admission `restricted` on the namespace and acknowledge it with `allow = [\"pod_create_with_aws_identity\"]` on the grant.";
    /// `pods/exec` or `pods/attach` (lint).
    PodExec = "pod_exec", lint(Grant),
        "A grant's `rules`, or the built-in ClusterRole or access policy it names, allow `create`, `get` or `*` on `pods/exec` or `pods/attach`: running commands in any pod of the namespace, with its ServiceAccount's Kubernetes and AWS permissions.",
        "Remove it, or limit it with `resource_names`; acknowledge it with `allow = [\"pod_exec\"]` on the grant when interactive access is meant.";
    /// An invalid policy ARN.
    PolicyArn = "policy_arn", error,
        "A managed policy or permissions boundary is not an IAM policy ARN.",
        "Write `arn:<partition>:iam::<account or aws>:policy/<name>`.";
    /// More managed policies than a role takes by default (warning).
    PolicyCount = "policy_count", warning,
        "A workload's role attaches more managed policies than IAM's default quota of 10.",
        "Merge statements, or raise the quota.";
    /// A preset argument missing, unexpected or invalid.
    PresetArgument = "preset_argument", error,
        "A preset misses a required argument (or all of those it needs one of), gets one it does not take, or one that is not valid.",
        "Give the preset exactly its arguments (docs/spec.md lists them).";
    /// A preset whose controller does not fit a cluster it runs on
    /// (warning).
    PresetCluster = "preset_cluster", warning,
        "A preset whose controller cannot work, or is not needed, on a cluster of its workload: Karpenter with a node role the cluster does not map (its nodes cannot join), or a self-managed Karpenter, AWS Load Balancer Controller, EBS CSI driver or VPC CNI on a cluster whose EKS Auto Mode does that job itself.",
        "Add Karpenter's node roles to the cluster's `node_role_arns`; on an Auto Mode cluster, drop the preset and use what Auto Mode provides.";
    /// An invalid principal ARN.
    PrincipalArn = "principal_arn", error,
        "A principal's ARN is not an IAM role or user ARN in the spec's partition.",
        "Write `arn:<partition>:iam::<account>:role/<name>` or `...:user/<name>`.";
    /// Invalid private endpoint access.
    PrivateAccess = "private_access", error,
        "`private_access_from_clusters` or `private_access_cidrs` names the cluster itself, a cluster twice, or a CIDR that is invalid, repeated or `0.0.0.0/0`.",
        "List other clusters and the networks that need the API, once each.";
    /// Invalid public endpoint access.
    PublicEndpoint = "public_endpoint", error,
        "A public endpoint without `public_access_cidrs`, those without a public endpoint, or a CIDR that is invalid or `0.0.0.0/0`.",
        "Set both, with the networks that need the API.";
    /// `bind`, `escalate` or `impersonate` (lint).
    RbacEscalation = "rbac_escalation", lint(Grant),
        "A grant's `rules`, or the built-in ClusterRole or access policy it names, grant `bind`, `escalate` or `impersonate`, which let the subject grant itself, or act with, permissions it does not hold.",
        "Remove the verb; for a controller that must bind roles, limit it with `resource_names` and acknowledge it with `allow = [\"rbac_escalation\"]` on the grant.";
    /// `*` in RBAC verbs or resources (lint).
    RbacWildcard = "rbac_wildcard", lint(Grant),
        "`rules` list `*` as a verb, or a resource with `*`: `*` and `*/scale` cover every resource (or that subresource of every resource), those added later included: Secrets, `pods/exec`, `escalate`; `pods/*` covers nothing, as Kubernetes RBAC reads `*` only alone or before `/`.",
        "List the verbs and resources the subject uses; acknowledge it with `allow = [\"rbac_wildcard\"]` on the grant when everything is meant.";
    /// An invalid region.
    Region = "region", error,
        "`aws.region` is not an AWS region name.",
        "Use a region such as `eu-west-2`.";
    /// A group with a prefix EKS reserves.
    ReservedGroup = "reserved_group", error,
        "A group uses a reserved prefix: `system:` (Kubernetes'), or `eks:`, `aws:`, `amazon:`, `iam:` (EKS's) on a cluster with access entries; aws-auth maps into the latter on `CONFIG_MAP` clusters.",
        "For `system:masters` grant `AmazonEKSClusterAdminPolicy` (`cluster_role = \"cluster-admin\"` on `CONFIG_MAP`); otherwise choose another group.";
    /// Invalid RBAC rules.
    Rules = "rules", error,
        "`rules` is empty, or a rule has an empty `api_groups`, `resources` or `verbs`.",
        "Fill in every field of every rule.";
    /// Reading Secrets (lint).
    SecretsRead = "secrets_read", lint(Grant),
        "A grant's `rules`, or the built-in ClusterRole or access policy it names, allow `get`, `list`, `watch` or `*` on `secrets` of the core group without `resource_names`: every Secret of the namespace (cluster-wide: of the cluster), credentials and tokens included.",
        "Name the Secrets with `resource_names` (in rules of the grant's own, for a ClusterRole or access policy), or acknowledge it with `allow = [\"secrets_read\"]` on the grant.";
    /// An invalid ServiceAccount name.
    ServiceAccount = "service_account", error,
        "`service_account` is not a DNS-1123 subdomain.",
        "Use lowercase letters, digits, `-` and `.`.";
    /// A role whose trust cannot name the workload (warning).
    SessionTags = "session_tags", warning,
        "`aws.disable_session_tags = true`: without session tags, the role's trust cannot require the workload's clusters, namespace and ServiceAccount, so any Pod Identity association in the account may use the role.",
        "Keep session tags unless a target role's account refuses them, and give the role only what any pod in the account may have.";
    /// An invalid statement ID.
    Sid = "sid", error,
        "A statement's `sid` has characters other than letters and digits.",
        "Use letters and digits only.";
    /// An invalid statement.
    Statement = "statement", error,
        "A statement has no actions or resources, or an action or resource that is not valid.",
        "Write actions as `service:Action` and resources as ARNs or `*`.";
    /// Too many, or invalid, subnets.
    Subnets = "subnets", error,
        "A created cluster has fewer than two subnets, or an ID that is not a subnet ID.",
        "List at least two subnets in different availability zones.";
    /// Not TOML, or not the spec's shape.
    Syntax = "syntax", error,
        "The spec is not valid TOML, or not the spec's shape (an unknown key, a wrong type, a missing field).",
        "Fix the text at the position shown; `eksgrant schema` prints every key.";
    /// Invalid tags.
    Tags = "tags", error,
        "More than 50 tags, or a tag key or value IAM does not accept.",
        "Keep at most 50 tags of letters, digits, spaces and `_.:/=+-@`.";
    /// An invalid `aws.account` or `aws.target_role_arn`.
    TargetRole = "target_role", error,
        "`aws.account` names no `[accounts]` table, or is given with `aws.target_role_arn`; either is used by a workload that is not on Pod Identity alone, or that reaches another cluster; `target_role_arn` is not a role, or comes with permissions of the workload's own; `disable_session_tags` is set without Pod Identity.",
        "Name an account of `[accounts]`, or a role ARN, for a Pod Identity workload; put the permissions on the target role.";
    /// A trust policy over IAM's size limit.
    TrustPolicySize = "trust_policy_size", error,
        "A role's trust policy exceeds IAM's default 2,048 characters (many IRSA clusters).",
        "Use Pod Identity, or fewer clusters per workload.";
    /// An access policy eksgrant does not know (warning).
    UnknownAccessPolicy = "unknown_access_policy", warning,
        "An access policy name eksgrant does not know (it may be newer than eksgrant).",
        "Check the name against `aws eks list-access-policies`.";
    /// A reference to a cluster the spec does not define.
    UnknownCluster = "unknown_cluster", error,
        "A reference to a cluster key the spec does not define.",
        "Use a key under `[clusters]` (the message suggests the closest).";
    /// A preset that does not exist.
    UnknownPreset = "unknown_preset", error,
        "A preset name that does not exist.",
        "Use one of the presets docs/spec.md lists.";
    /// A Kubernetes verb that does not exist (warning).
    UnknownVerb = "unknown_verb", warning,
        "A verb Kubernetes does not know, which would grant nothing.",
        "Correct the verb (the message suggests the closest).";
    /// Granted pods without a network path (warning).
    Unreachable = "unreachable", warning,
        "Pods of another cluster are granted access to a created cluster whose private endpoint nothing generated lets them reach.",
        "Add `private_access_from_clusters` or `private_access_cidrs`, or a public endpoint with `public_access_cidrs`.";
    /// An `allow` entry whose lint does not fire there (warning).
    UnusedAllow = "unused_allow", warning,
        "An `allow` entry acknowledges a lint that does not fire on its item.",
        "Remove the entry, so that the lint is reported again if the item changes.";
    /// A principal's username that EKS or aws-auth would not take.
    Username = "username", error,
        "A principal's `username` starts with a reserved prefix (`system:`, `eks:`, `aws:`, `amazon:`, `iam:`, `eksgrant:`), is empty, or uses a placeholder EKS does not fill in there (access entries take only `{{SessionName}}` and `{{SessionNameRaw}}`, after a `:`).",
        "Write a username such as `admin:{{SessionName}}`, or remove `username` to keep the default.";
    /// An unsupported spec version.
    Version = "version", error,
        "The spec's `version` is not one this eksgrant reads.",
        "Write `version = 1`.";
    /// A cluster-wide administrator grant to a workload (lint).
    WorkloadClusterAdmin = "workload_cluster_admin", lint(Grant),
        "A workload is granted `AmazonEKSClusterAdminPolicy` or `cluster_role = \"cluster-admin\"` cluster-wide: whoever controls one of its pods controls the cluster.",
        "Grant the workload the rules or namespaces it uses; acknowledge it with `allow = [\"workload_cluster_admin\"]` on the grant for a controller that administers the cluster.";
    /// Invalid `cluster` / `clusters` of a workload.
    WorkloadClusters = "workload_clusters", error,
        "A workload sets both `cluster` and `clusters`, neither, an empty list, or a cluster twice.",
        "Set `cluster`, or `clusters` with each cluster once.";
    // Everything that is not about the spec's content.
    /// A path in the output directory eksgrant will not change.
    Conflict = "conflict", error,
        "`generate` would change a path that is not eksgrant's as it is (edited by hand, a file of yours, a link, the spec); nothing was written.",
        "Move your change into the spec or your own file (or use `--force` where it says so); move links and the spec out of the way.";
    /// `--deny-warnings` and the spec has warnings.
    DeniedWarnings = "denied_warnings", error,
        "`--deny-warnings` was given and the spec has warnings that no `allow` acknowledges; nothing was written.",
        "Fix each warning, or acknowledge a lint with `allow`; without `--deny-warnings` the warnings do not stop the run.";
    /// `init` would overwrite a file.
    Exists = "exists", error,
        "`init` would overwrite an existing file: the spec, or the CI workflow.",
        "Choose another path, or edit the existing file; move it aside to get a fresh one.";
    /// `diff --base` could not read the old spec from git.
    Git = "git", error,
        "`diff --base` could not read the old spec from git: git is not installed, the spec is in no git repository, or the revision is not one of the repository's.",
        "Give a branch, tag or commit the repository has (fetch a remote branch first: `git fetch origin main`), or compare two files: `eksgrant diff OLD_SPEC NEW_SPEC`.";
    /// An aws-auth ConfigMap that cannot be imported.
    Import = "import", error,
        "`import aws-auth` was given something that is not the aws-auth ConfigMap as YAML.",
        "Pass `kubectl get configmap aws-auth -n kube-system -o yaml`.";
    /// A test hook stopped the run.
    Interrupted = "interrupted", error,
        "A test hook stopped a run, as a kill would.",
        "Nothing to fix: only tests set the hook.";
    /// The spec has problems (the summary above them).
    Invalid = "invalid", error,
        "The spec breaks one or more rules; each is listed below it, and nothing was written.",
        "Fix each problem and run the command again.";
    /// A file could not be read or written.
    Io = "io", error,
        "A file could not be read, written or removed, or the spec does not exist.",
        "Check the path and its permissions; for a missing spec, `eksgrant init` writes a starter one.";
    /// Another run holds the output directory.
    Locked = "locked", error,
        "Another `generate` holds the output directory's lock.",
        "Wait for it to finish and run again.";
    /// A damaged manifest.
    Manifest = "manifest", error,
        "The manifest or pending record in the output directory cannot be read, or names paths it must not.",
        "Restore it from version control.";
    /// A generated file that does not parse (a bug).
    Output = "output", error,
        "A generated file does not parse back as what it claims to be; nothing was written.",
        "This is a bug in eksgrant: report it with the spec.";
    /// An explain question about something the spec does not have.
    Query = "query", error,
        "`explain` was asked about a subject or cluster the spec does not define.",
        "Use a key of the spec's workloads, principals or clusters (the help line lists them).";
    /// A template that does not render (a bug).
    Template = "template", error,
        "A built-in template failed to render.",
        "This is a bug in eksgrant: report it with the spec.";
    /// Something eksgrant never writes through.
    UnsafePath = "unsafe_path", error,
        "A write, rename or deletion met a link, the spec, or something else eksgrant never writes through.",
        "Move it out of the way and run again.";
}

/// What a code means and how to fix it, for `eksgrant explain-code` and the
/// table in docs/spec.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    /// The code explained, whose name `explain-code` takes.
    pub code: Code,
    /// Whether it stops generation (an error) or not (a warning).
    pub warning: bool,
    /// What it means.
    pub meaning: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

impl Code {
    /// The code as diagnostics print it: `eksgrant::name_collision`.
    pub fn as_str(self) -> &'static str {
        self.explanation_row().0
    }

    /// The code with the name a user typed (`name_collision` or
    /// `eksgrant::name_collision`), if there is one.
    pub fn parse(name: &str) -> Option<Code> {
        let name = name.strip_prefix("eksgrant::").unwrap_or(name);
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().strip_prefix("eksgrant::") == Some(name))
    }

    /// The code without `eksgrant::`, as `allow = [...]` writes it.
    pub fn short_name(self) -> &'static str {
        self.as_str().trim_start_matches("eksgrant::")
    }

    /// Every lint, in the order docs/spec.md describes them.
    pub const LINTS: &'static [Code] = &[
        Code::IamWildcard,
        Code::RbacWildcard,
        Code::RbacEscalation,
        Code::SecretsRead,
        Code::PodExec,
        Code::PodCreateWithAwsIdentity,
        Code::WorkloadClusterAdmin,
        Code::IrsaManyClusters,
    ];

    /// Every warning, the most dangerous first: the order the human report
    /// lists them in, so that the one that matters is not under a thousand
    /// that matter less. First what gives away a cluster or its nodes, then
    /// what breaks one when applied, what lets a subject become another
    /// identity, what reads credentials, what is broader than it says, what
    /// does not work as written, and last housekeeping.
    pub const WARNINGS_BY_DANGER: &'static [Code] = &[
        Code::WorkloadClusterAdmin,
        Code::RbacEscalation,
        Code::AwsAuthWithoutNodes,
        Code::NoAdmin,
        Code::PodCreateWithAwsIdentity,
        Code::PodExec,
        Code::SessionTags,
        Code::SecretsRead,
        Code::RbacWildcard,
        Code::IamWildcard,
        Code::IrsaManyClusters,
        Code::Unreachable,
        Code::PresetCluster,
        Code::UnknownAccessPolicy,
        Code::UnknownVerb,
        Code::PolicyCount,
        Code::UnusedAllow,
        Code::IdleWorkload,
    ];

    /// What the code means and how to fix it.
    pub fn explain(self) -> Explanation {
        let (_, warning, meaning, fix) = self.explanation_row();
        Explanation {
            code: self,
            warning,
            meaning,
            fix,
        }
    }
}

/// The kind of spec item a lint is reported on, and so the table whose
/// `allow` acknowledges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintScope {
    /// A grant: `[[workloads.<key>.grants]]` or `[[principals.<key>.grants]]`.
    Grant,
    /// A custom statement: `[[workloads.<key>.aws.statements]]`.
    Statement,
    /// A workload: `[workloads.<key>]`.
    Workload,
}

impl LintScope {
    /// The items, in a sentence: "grants".
    pub fn items(self) -> &'static str {
        match self {
            LintScope::Grant => "grants",
            LintScope::Statement => "custom statements (aws.statements)",
            LintScope::Workload => "workloads",
        }
    }
}

/// A code is written as its name (`"eksgrant::iam_wildcard"`), so that
/// the model's acknowledgements serialize as a user reads them.
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// In a JSON Schema, a code is one of the names [`Code::ALL`] lists.
impl schemars::JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        schemars::json_schema!({
            "description": "A diagnostic code, as docs/spec.md lists it and `eksgrant explain-code` explains it.",
            "type": "string",
            "enum": names,
        })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Explanation {
    /// The entry as `eksgrant explain-code` prints it.
    pub fn to_text(&self) -> String {
        let kind = if self.warning { "warning" } else { "error" };
        format!(
            "{} ({kind})\n\n{}\n\nFix: {}\n",
            self.code, self.meaning, self.fix
        )
    }
}

/// The table of every code, as docs/spec.md holds it.
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| code | kind | what it means | how to fix it |\n| --- | --- | --- | --- |\n",
    );
    for code in Code::ALL {
        let e = code.explain();
        let kind = if e.warning { "warning" } else { "error" };
        let _ = writeln!(
            table,
            "| `{}` | {kind} | {} | {} |",
            e.code,
            e.meaning.replace('|', "\\|"),
            e.fix.replace('|', "\\|")
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_spec_md_lists_every_code_as_this_module_explains_it() {
        let docs = include_str!("../docs/spec.md");
        let table = markdown_table();
        let at = docs.find(&table).unwrap_or_else(|| {
            panic!("docs/spec.md's table of diagnostic codes differs from src/code.rs:\n{table}")
        });
        // The table ends its section: the file, or the next heading, follows.
        let rest = &docs[at + table.len()..];
        assert!(
            rest.is_empty() || rest.starts_with("\n## "),
            "docs/spec.md has text after the table of diagnostic codes: {:?}",
            rest.lines().find(|l| !l.is_empty())
        );
    }

    #[test]
    fn every_code_is_listed_once_and_parses_back() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            assert!(code.as_str().starts_with("eksgrant::"));
            let name = code.as_str().trim_start_matches("eksgrant::");
            assert_eq!(Code::parse(name), Some(*code));
        }
        assert_eq!(Code::parse("nope"), None);
    }

    #[test]
    fn lints_are_the_warnings_with_a_scope() {
        for code in Code::ALL {
            assert_eq!(
                code.lint_scope().is_some(),
                Code::LINTS.contains(code),
                "{code}: LINTS and lint_scope disagree"
            );
            if code.lint_scope().is_some() {
                assert!(code.explain().warning, "{code} is a lint, so a warning");
                assert!(
                    code.explain()
                        .fix
                        .contains(&format!("allow = [\"{}\"]", code.short_name())),
                    "{code}'s fix says how to acknowledge it"
                );
            }
        }
    }

    /// docs/diagnostics.md names the order the human report lists warnings
    /// in: the same as the code's.
    #[test]
    fn the_docs_list_warnings_by_danger_in_the_same_order() {
        let docs = include_str!("../docs/diagnostics.md");
        let start = docs
            .find("(`Code::WARNINGS_BY_DANGER`:")
            .expect("docs/diagnostics.md names the order");
        let list = &docs[start..start + docs[start..].find(')').unwrap()];
        let named: Vec<&str> = list.split('`').skip(3).step_by(2).collect();
        let ours: Vec<&str> = Code::WARNINGS_BY_DANGER
            .iter()
            .map(|code| code.short_name())
            .collect();
        assert_eq!(named, ours);
    }

    #[test]
    fn warnings_by_danger_lists_every_warning_once() {
        let warnings: Vec<Code> = Code::ALL
            .iter()
            .copied()
            .filter(|code| code.explain().warning)
            .collect();
        let mut ranked = Code::WARNINGS_BY_DANGER.to_vec();
        ranked.sort_by_key(|code| code.as_str());
        ranked.dedup();
        assert_eq!(ranked.len(), Code::WARNINGS_BY_DANGER.len(), "listed twice");
        let mut warnings_sorted = warnings.clone();
        warnings_sorted.sort_by_key(|code| code.as_str());
        assert_eq!(ranked, warnings_sorted);
    }
}
