//! The model's output: what the templates and the overview read, with
//! every default applied and every name derived. The passes build these;
//! nothing here checks anything.
//!
//! Fields that templates read are marked "(templates)", so that a rename is
//! not made lightly.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::objects::{ObjectKind, ObjectRef};
use crate::aws::iam::{PolicyDocument, PolicyText};
use crate::code::Code;
use crate::spec::{AuthenticationMode, IpFamily, Layout, SupportType};

/// A valid spec, resolved.
#[derive(Debug, Serialize)]
pub struct Model {
    /// The AWS account (templates).
    pub account_id: String,
    /// The AWS region (templates).
    pub region: String,
    /// `[aws] tags`, which the AWS provider puts on every resource it
    /// creates (`default_tags`) (templates).
    pub default_tags: BTreeMap<String, String>,
    /// Settings for generated IAM roles and policies (templates).
    pub iam: IamSettings,
    /// The other accounts eksgrant writes roles in, sorted by key
    /// (templates).
    pub accounts: Vec<OtherAccount>,
    /// Clusters, sorted by key (templates).
    pub clusters: Vec<Cluster>,
    /// Workloads, sorted by key (templates).
    pub workloads: Vec<Workload>,
    /// Principals, sorted by key (templates).
    pub principals: Vec<Principal>,
    /// How the Terraform is split into root modules (templates).
    pub terraform: TerraformRoots,
}

/// The Terraform root modules of the AWS side, as `[terraform] layout`
/// splits it. Every root is self-contained: it refers to what another root
/// makes only by a value known when eksgrant generates it (a role's ARN, a
/// cluster's name), never by a Terraform address, so no root reads another's
/// state.
#[derive(Debug, Serialize)]
pub struct TerraformRoots {
    /// `single` or `per-cluster` (templates).
    pub layout: Layout,
    /// Whether the layout is `per-cluster` (templates).
    pub per_cluster: bool,
    /// The roots, in the order they are applied: `terraform` alone; or
    /// `terraform/iam` (when it holds anything), then one per cluster,
    /// then `terraform/network` (when clusters reach one another's private
    /// endpoints).
    pub roots: Vec<TerraformRoot>,
}

/// One Terraform root module of the AWS side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerraformRoot {
    /// Its directory in the output tree, e.g. `terraform/clusters/prod`
    /// (templates).
    pub dir: String,
    /// What it holds (templates).
    pub kind: RootKind,
    /// The cluster (key) of a cluster's root (templates).
    pub cluster: Option<String>,
}

/// What a Terraform root holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootKind {
    /// `layout = "single"`: everything on the AWS side.
    Single,
    /// The account-wide IAM: roles, policies, attachments, OIDC providers.
    Iam,
    /// One cluster: the cluster (created or read), its KMS key, log group
    /// and add-ons, access entries and Pod Identity associations.
    Cluster,
    /// The ingress rules that let the pods of one cluster reach another's
    /// private endpoint, which need both clusters to exist.
    Network,
}

/// The state to move when the layout changed since the previous generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateMove {
    /// The previous layout (templates).
    pub from: Layout,
    /// The roots the state is in now, as the previous generation wrote
    /// them (templates).
    pub from_roots: Vec<String>,
    /// The roots it moves to (templates).
    pub to_roots: Vec<String>,
}

/// Another account of the spec, written through a provider alias.
#[derive(Debug, Clone, Serialize)]
pub struct OtherAccount {
    /// The spec key (templates: the provider alias).
    pub key: String,
    /// The 12-digit account ID (templates).
    pub id: String,
    /// The role Terraform assumes there (templates).
    pub assume_role_arn: String,
    /// The provider alias (templates).
    pub alias: String,
    /// The provider reference, `aws.<alias>` (templates).
    pub provider: String,
}

/// The `[iam]` settings with defaults applied.
#[derive(Debug, Serialize)]
pub struct IamSettings {
    /// Path of every generated role and policy (templates).
    pub path: String,
    /// Name prefix of every generated role and policy.
    pub name_prefix: String,
    /// Permissions boundary ARN of every generated role (templates).
    pub permissions_boundary: Option<String>,
    /// Tags of every generated role and policy (templates).
    pub tags: BTreeMap<String, String>,
}

/// A resolved cluster.
#[derive(Debug, Serialize)]
pub struct Cluster {
    /// The spec key (templates: file names).
    pub key: String,
    /// The Terraform identifier made from the key (templates).
    pub ident: String,
    /// The EKS cluster name (templates).
    pub name: String,
    /// The cluster ARN.
    pub arn: String,
    /// `API`, `API_AND_CONFIG_MAP` or `CONFIG_MAP` (templates).
    pub authentication_mode: AuthenticationMode,
    /// Where `authentication_mode` is written (the cluster's key when it is
    /// not), for the check against the previous generation's mode.
    #[serde(skip)]
    pub authentication_mode_span: std::ops::Range<usize>,
    /// Set when the generated Terraform creates the cluster (templates).
    pub created: Option<CreatedCluster>,
    /// The Terraform address other resources read the cluster from:
    /// `aws_eks_cluster.x` or `data.aws_eks_cluster.x` (templates).
    pub tf_ref: String,
    /// IAM principals mapped into this cluster by access entries, sorted by
    /// subject (access.tf's own context: every other template given the
    /// cluster would copy a hundred entries it does not read).
    #[serde(skip)]
    pub access_entries: Vec<AccessEntry>,
    /// Self-managed node roles mapped by `EC2_LINUX` and `EC2_WINDOWS`
    /// access entries, on `API` and `API_AND_CONFIG_MAP` clusters
    /// (access.tf's own context).
    #[serde(skip)]
    pub node_access_entries: Vec<NodeAccessEntry>,
    /// The roles of managed node groups and Fargate profiles, whose access
    /// entries EKS makes, on `API` and `API_AND_CONFIG_MAP` clusters: each
    /// at the address an eksgrant that made the entry itself used, which
    /// access.tf forgets instead of destroying (access.tf's own context).
    #[serde(skip)]
    pub eks_node_entries: Vec<NodeAccessEntry>,
    /// The aws-auth ConfigMap eksgrant writes, on `CONFIG_MAP` clusters and on
    /// `API_AND_CONFIG_MAP` clusters with node roles or accounts (its own
    /// template's context, as each field skipped here: a template given the
    /// cluster reads its Terraform, and at organisation scale these are most
    /// of its size).
    #[serde(skip)]
    pub aws_auth: Option<AwsAuth>,
    /// The cluster's IAM OIDC provider, when IRSA roles trust it (templates).
    pub oidc_provider: Option<OidcProvider>,
    /// Kubernetes objects in namespaces, by namespace then subject (each
    /// subject's file's context).
    #[serde(skip)]
    pub namespaces: Vec<NamespaceObjects>,
    /// Cluster-scoped Kubernetes objects, by subject (each subject's file's
    /// context).
    #[serde(skip)]
    pub cluster_scoped: Vec<SubjectObjects>,
    /// Kubeconfig ConfigMaps that live on this cluster (their file's
    /// context).
    #[serde(skip)]
    pub kubeconfigs: Vec<KubeconfigMap>,
    /// Ingress rules to a created cluster's private API endpoint (templates).
    pub api_ingress: Vec<ApiIngressRule>,
    /// Clusters whose pods reach this one through their IAM role (keys).
    #[serde(skip)]
    pub reached_from: Vec<String>,
    /// Workloads on this cluster that use Pod Identity.
    #[serde(skip)]
    pub pod_identity_workloads: Vec<String>,
    /// Who can do what on this cluster (the overview's context).
    #[serde(skip)]
    pub access_summary: Vec<AccessLine>,
}

/// What the generated Terraform needs to create a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedCluster {
    /// `1.33` (templates).
    pub kubernetes_version: String,
    /// The cluster's IAM role (templates).
    pub role_name: String,
    /// The Terraform identifier of the cluster's IAM role (templates).
    pub role_ident: String,
    /// The role's ARN where the cluster reads it: its resource's attribute,
    /// or the ARN itself when the role is in another root (templates).
    pub role_arn: HclValue,
    /// What the cluster waits for in its own root: the role's attachments
    /// and inline policy when they are there, the log group (templates).
    pub depends_on: Vec<String>,
    /// The path of the role's trust policy in the output tree (templates).
    pub role_trust_file: String,
    /// `AmazonEKSClusterPolicy` in the spec's partition (templates).
    pub role_policy_arn: String,
    /// Subnets written in the spec; empty when a variable asks for them (templates).
    pub subnet_ids: Vec<String>,
    /// The Terraform variable that asks for subnets, when the spec has none (templates).
    pub subnet_variable: Option<String>,
    /// Whether the API endpoint is public (templates).
    pub endpoint_public_access: bool,
    /// CIDRs allowed to reach a public endpoint (templates).
    pub public_access_cidrs: Vec<String>,
    /// Whether the spec acknowledges that they include `0.0.0.0/0`
    /// (templates).
    pub public_access_from_anywhere: bool,
    /// Set when EKS Auto Mode runs the cluster's compute (templates).
    pub auto_mode: Option<AutoMode>,
    /// How the control plane is configured: encryption, logging, support
    /// and protection, networking, add-ons (templates).
    pub control_plane: ControlPlane,
}

/// The production settings of a created cluster's control plane, each with
/// a safe default and a spec key (see the README's "Created clusters").
#[derive(Debug, Clone, Serialize)]
pub struct ControlPlane {
    /// Which key encrypts Kubernetes Secrets, as the manifest records it.
    #[serde(skip)]
    pub secrets_key: SecretsKey,
    /// Where the spec decides it (`secrets_kms_key_arn`,
    /// `secrets_encryption`, or else `create`).
    #[serde(skip)]
    pub secrets_key_span: Range<usize>,
    /// The ARN of the key that encrypts Kubernetes Secrets, as HCL; `None`
    /// when the spec leaves them to a key AWS owns (templates).
    pub secrets_key_arn: Option<HclValue>,
    /// The KMS key eksgrant creates for the cluster, when anything uses it
    /// (templates).
    pub kms_key: Option<ClusterKey>,
    /// The IAM policy that lets the cluster role use the user's own Secrets
    /// key, whose key policy eksgrant does not write (templates).
    pub secrets_key_policy: Option<SecretsKeyPolicy>,
    /// Control-plane logging; `None` with `log_types = []` (templates).
    pub logging: Option<Logging>,
    /// What happens at the end of standard support (templates).
    pub support_type: SupportType,
    /// Whether that is `EXTENDED` (templates).
    pub extended_support: bool,
    /// Whether EKS refuses to delete the cluster, and Terraform to plan its
    /// destruction (templates).
    pub deletion_protection: bool,
    /// The IP family, when the spec sets it (templates).
    pub ip_family: Option<IpFamily>,
    /// The Services' IPv4 block, when the spec sets it (templates).
    pub service_ipv4_cidr: Option<String>,
    /// Add-ons eksgrant installs, sorted by name (templates).
    pub addons: Vec<Addon>,
}

/// The key that encrypts a created cluster's Secrets. EKS cannot change it
/// or turn the encryption off, so the manifest records it and the next
/// generation refuses a spec that would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretsKey {
    /// The key eksgrant creates for the cluster.
    Created,
    /// The user's key, by ARN.
    Own(String),
    /// No key of the user's: EKS's default encryption, with a key AWS owns.
    AwsOwned,
}

impl Cluster {
    /// Every object eksgrant writes on the cluster, sorted: each subject's
    /// ServiceAccount, Role or ClusterRole and bindings, and the aws-auth
    /// ConfigMap.
    pub fn objects(&self) -> Vec<ObjectRef> {
        let mut objects: Vec<ObjectRef> = self
            .namespaces
            .iter()
            .flat_map(|ns| &ns.subjects)
            .chain(&self.cluster_scoped)
            .flat_map(subject_objects)
            .collect();
        if self.aws_auth.is_some() {
            objects.push(ObjectRef::aws_auth());
        }
        objects.sort();
        objects.dedup();
        objects
    }
}

/// The objects of one subject's file.
fn subject_objects(objects: &SubjectObjects) -> Vec<ObjectRef> {
    let mut found = Vec::new();
    if let Some(account) = &objects.service_account {
        found.push(ObjectRef {
            kind: ObjectKind::ServiceAccount,
            namespace: Some(account.namespace.clone()),
            name: account.name.clone(),
        });
    }
    if let Some(role) = &objects.role {
        found.push(ObjectRef {
            kind: if role.namespace.is_some() {
                ObjectKind::Role
            } else {
                ObjectKind::ClusterRole
            },
            namespace: role.namespace.clone(),
            name: role.name.clone(),
        });
    }
    for binding in &objects.bindings {
        found.push(ObjectRef {
            kind: if binding.namespace.is_some() {
                ObjectKind::RoleBinding
            } else {
                ObjectKind::ClusterRoleBinding
            },
            namespace: binding.namespace.clone(),
            name: binding.name.clone(),
        });
    }
    found
}

/// What a created cluster that an earlier generation knew needs around this
/// apply, because that generation left something to EKS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatchUp {
    /// EKS made the control-plane log group: import it before the apply.
    pub import_log_group: bool,
    /// Secrets become encrypted with a key of the user's: rewrite the
    /// existing ones after the apply, which EKS does not do.
    pub rewrite_secrets: bool,
}

impl CatchUp {
    /// Whether there is nothing to catch up on.
    pub fn is_empty(&self) -> bool {
        !self.import_log_group && !self.rewrite_secrets
    }
}

/// The KMS key eksgrant creates for a cluster, and who its key policy lets
/// use it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterKey {
    /// The Terraform identifier of the key and its alias (templates).
    pub ident: String,
    /// `alias/eksgrant/<cluster name>` (templates).
    pub alias: String,
    /// What the key is for, as the KMS console shows it (templates).
    pub description: String,
    /// The account's root principal, which administers the key through IAM
    /// policies, as in KMS's default key policy (templates).
    pub account_root_arn: String,
    /// The cluster role, as the key policy names it (templates).
    pub cluster_role_arn: HclValue,
    /// Whether the cluster role encrypts Secrets with it (templates).
    pub encrypts_secrets: bool,
    /// What the key policy lets the cluster role do (templates).
    pub secrets_actions: &'static [&'static str],
    /// Set when the control-plane log group is encrypted with it (templates).
    pub encrypts_logs: Option<LogsKeyUse>,
}

/// CloudWatch Logs' use of a cluster key, limited to one log group.
#[derive(Debug, Clone, Serialize)]
pub struct LogsKeyUse {
    /// CloudWatch Logs' regional service principal,
    /// `logs.<region>.<partition's DNS suffix>` (templates).
    pub service: String,
    /// The ARN of the log group, in the key policy's encryption-context
    /// condition (templates).
    pub log_group_arn: String,
}

/// The inline policy that lets a cluster role use a Secrets key of the
/// user's.
#[derive(Debug, Clone, Serialize)]
pub struct SecretsKeyPolicy {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The inline policy's name on the role (templates).
    pub name: String,
    /// Its path in the output tree (templates).
    pub file: String,
    /// Its statements, which render writes to `file` as JSON.
    #[serde(skip)]
    pub document: PolicyDocument,
}

/// Control-plane logging and its log group.
#[derive(Debug, Clone, Serialize)]
pub struct Logging {
    /// The Terraform identifier of the log group (templates).
    pub ident: String,
    /// `/aws/eks/<cluster name>/cluster`, the group EKS writes to (templates).
    pub log_group_name: String,
    /// The log types, in the order EKS documents them (templates).
    pub types: Vec<&'static str>,
    /// Days kept; `0` keeps them forever (templates).
    pub retention_days: u32,
    /// The key that encrypts the log group (templates).
    pub kms_key_arn: HclValue,
}

/// An EKS add-on eksgrant installs.
#[derive(Debug, Clone, Serialize)]
pub struct Addon {
    /// The Terraform identifier of the add-on, and of the data source that
    /// finds its version (templates).
    pub ident: String,
    /// `eks-pod-identity-agent` (templates).
    pub name: String,
    /// What it does, as a sentence for a comment (templates).
    pub purpose: &'static str,
    /// The version the spec pins; `None`: the most recent one for the
    /// cluster's Kubernetes version (templates).
    pub version: Option<String>,
}

/// What an EKS Auto Mode cluster needs besides the cluster itself.
#[derive(Debug, Clone, Serialize)]
pub struct AutoMode {
    /// Managed policies the cluster role needs for Auto Mode, besides
    /// `AmazonEKSClusterPolicy` (templates).
    pub cluster_policy_arns: Vec<String>,
    /// The role of the nodes Auto Mode launches (templates).
    pub node_role_name: String,
    /// Its Terraform identifier (templates).
    pub node_role_ident: String,
    /// Its ARN where the cluster reads it (templates).
    pub node_role_arn: HclValue,
    /// Its trust policy's path in the output tree (templates).
    pub node_role_trust_file: String,
    /// Its managed policies (templates).
    pub node_policy_arns: Vec<String>,
}

/// An ingress rule on port 443 of a created cluster's security group, so
/// that pods elsewhere reach its private API endpoint.
#[derive(Debug, Serialize)]
pub struct ApiIngressRule {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The cluster (key) whose private endpoint it opens (templates).
    pub cluster: String,
    /// Who comes in, in words: the rule's description (templates).
    pub from: String,
    /// The source, in words, for the overview (templates).
    pub source: String,
    /// The security group the rule is on, the cluster's own, as an HCL
    /// expression in the root that holds the rule (templates).
    pub security_group_id: String,
    /// The source: another cluster's security group, as an HCL expression
    /// (templates).
    pub security_group: Option<String>,
    /// That other cluster (key).
    pub from_cluster: Option<String>,
    /// The source: an IPv4 CIDR block (templates).
    pub cidr: Option<String>,
}

/// An access entry: an IAM role or user mapped into a cluster.
#[derive(Debug, Serialize)]
pub struct AccessEntry {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The subject's key.
    pub subject: String,
    /// The principal ARN as an HCL expression (templates).
    pub principal_arn: HclValue,
    /// Groups the principal is mapped into (templates).
    pub kubernetes_groups: Vec<String>,
    /// The principal's custom username; `None`: EKS's default (templates).
    pub user_name: Option<String>,
    /// Access policies associated with the entry (templates).
    pub policy_associations: Vec<PolicyAssociation>,
}

/// A value written into HCL: a reference to another resource, or a literal
/// string that the template escapes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HclValue {
    /// A Terraform expression made by eksgrant, e.g. `aws_iam_role.x.arn`.
    Reference(String),
    /// A string from the spec; quoted and escaped when rendered.
    Literal(String),
}

/// The access entry of a node role: `EC2_LINUX`, `EC2_WINDOWS` or
/// `FARGATE_LINUX`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeAccessEntry {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The node role's ARN (templates).
    pub role_arn: String,
    /// Which nodes the role is for.
    pub kind: NodeKind,
    /// The access entry's type, `EC2_LINUX`... (templates).
    pub entry_type: &'static str,
}

/// The nodes a role joins a cluster for, each with its spec key, its access
/// entry type and its aws-auth mapping (EKS user guide: "Create access
/// entries", Windows support, Fargate pod execution role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Self-managed Linux (and Bottlerocket) EC2 nodes: `node_role_arns`.
    Linux,
    /// The Linux nodes of EKS managed node groups:
    /// `managed_node_role_arns`.
    ManagedLinux,
    /// Windows EC2 nodes: `windows_node_role_arns`.
    Windows,
    /// Fargate pods: `fargate_pod_execution_role_arns`.
    Fargate,
}

impl NodeKind {
    /// Every kind, in the order the spec's keys are listed.
    pub const ALL: [NodeKind; 4] = [
        NodeKind::Linux,
        NodeKind::ManagedLinux,
        NodeKind::Windows,
        NodeKind::Fargate,
    ];

    /// The cluster key that lists these roles.
    pub fn spec_key(self) -> &'static str {
        match self {
            NodeKind::Linux => "node_role_arns",
            NodeKind::ManagedLinux => "managed_node_role_arns",
            NodeKind::Windows => "windows_node_role_arns",
            NodeKind::Fargate => "fargate_pod_execution_role_arns",
        }
    }

    /// What such a role is, in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            NodeKind::Linux => "Linux node role",
            NodeKind::ManagedLinux => "managed node group role",
            NodeKind::Windows => "Windows node role",
            NodeKind::Fargate => "Fargate pod execution role",
        }
    }

    /// The `type` EKS gives its access entry: `EC2_LINUX`, `EC2_WINDOWS`
    /// or `FARGATE_LINUX`.
    pub fn access_entry_type(self) -> &'static str {
        match self {
            NodeKind::Linux | NodeKind::ManagedLinux => "EC2_LINUX",
            NodeKind::Windows => "EC2_WINDOWS",
            NodeKind::Fargate => "FARGATE_LINUX",
        }
    }

    /// Whether EKS makes and keeps the role's access entry itself: for
    /// managed node groups and Fargate profiles it does, when they are
    /// created on a cluster with access entries and when an existing
    /// cluster moves to `API_AND_CONFIG_MAP` (aws/containers-roadmap#185,
    /// the EKS product manager's "More details on the feature"; terraform-
    /// aws-eks v21 creates entries only for self-managed nodes). An entry
    /// eksgrant made too would collide with EKS's (`ResourceInUseException`).
    pub fn entry_made_by_eks(self) -> bool {
        matches!(self, NodeKind::ManagedLinux | NodeKind::Fargate)
    }

    /// The username of its aws-auth mapping.
    pub fn aws_auth_username(self) -> &'static str {
        match self {
            NodeKind::Linux | NodeKind::ManagedLinux | NodeKind::Windows => {
                super::names::NODE_USERNAME
            }
            NodeKind::Fargate => super::names::FARGATE_USERNAME,
        }
    }

    /// The groups of its aws-auth mapping.
    pub fn aws_auth_groups(self) -> Vec<&'static str> {
        let mut groups = super::names::NODE_GROUPS.to_vec();
        match self {
            NodeKind::Linux | NodeKind::ManagedLinux => {}
            NodeKind::Windows => groups.push(super::names::WINDOWS_NODE_GROUP),
            NodeKind::Fargate => groups.push(super::names::FARGATE_GROUP),
        }
        groups
    }

    /// What tells its access entries' Terraform identifiers apart. A
    /// managed node group's role has the infix of `node_role_arns`, where
    /// earlier versions of eksgrant listed it, so that the entry they wrote
    /// is the one its `removed` block forgets.
    pub(crate) fn ident_infix(self) -> &'static str {
        match self {
            NodeKind::Linux | NodeKind::ManagedLinux => "nodes",
            NodeKind::Windows => "windows_nodes",
            NodeKind::Fargate => "fargate",
        }
    }
}

/// The aws-auth ConfigMap: every mapping in it, since applying it replaces
/// the ConfigMap's lists.
#[derive(Debug, Serialize)]
pub struct AwsAuth {
    /// `mapRoles` (templates).
    pub map_roles: Vec<AwsAuthMapping>,
    /// `mapUsers` (templates).
    pub map_users: Vec<AwsAuthMapping>,
    /// `mapAccounts` (templates).
    pub map_accounts: Vec<String>,
}

/// One `mapRoles` or `mapUsers` entry.
#[derive(Debug, Serialize)]
pub struct AwsAuthMapping {
    /// The subject (key) it maps; `None` for nodes.
    #[serde(skip)]
    pub subject: Option<String>,
    /// The role ARN without its path (as aws-auth requires), or the user ARN
    /// (templates).
    pub arn: String,
    /// The Kubernetes username (templates).
    pub username: String,
    /// The Kubernetes groups (templates).
    pub groups: Vec<String>,
}

/// A cluster's IAM OIDC provider, which IRSA roles trust.
#[derive(Debug, Serialize)]
pub struct OidcProvider {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// Whether the generated Terraform creates it; otherwise it reads the one
    /// that exists (templates).
    pub create: bool,
    /// The provider URL: a literal for existing clusters, the created
    /// cluster's issuer attribute otherwise (templates).
    pub url: HclValue,
}

/// An EKS access policy associated with an access entry.
#[derive(Debug, Serialize)]
pub struct PolicyAssociation {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The policy's ARN (templates).
    pub policy_arn: String,
    /// Namespaces of a namespace-scoped association; empty for cluster scope (templates).
    pub namespaces: Vec<String>,
}

/// The Kubernetes objects eksgrant owns in one namespace of one cluster.
#[derive(Debug, Serialize)]
pub struct NamespaceObjects {
    /// The namespace (templates).
    pub name: String,
    /// One file per subject (templates).
    pub subjects: Vec<SubjectObjects>,
}

/// The objects one subject gets in one namespace (or cluster-wide): one file.
#[derive(Debug, Serialize)]
pub struct SubjectObjects {
    /// The subject's key; also the file name (templates).
    pub subject: String,
    /// The workload's ServiceAccount, in its own namespace and cluster (templates).
    pub service_account: Option<ServiceAccount>,
    /// The Role or ClusterRole holding the subject's `rules` (templates).
    pub role: Option<RbacRole>,
    /// Bindings, the subject's own role first (templates).
    pub bindings: Vec<RbacBinding>,
}

/// A workload's ServiceAccount.
#[derive(Debug, Serialize)]
pub struct ServiceAccount {
    /// Name (templates).
    pub name: String,
    /// Namespace (templates).
    pub namespace: String,
    /// The role ARN of the `eks.amazonaws.com/role-arn` annotation, for IRSA
    /// (and while migrating from it) (templates).
    pub irsa_role_arn: Option<String>,
}

/// A Role or ClusterRole.
#[derive(Debug, Serialize)]
pub struct RbacRole {
    /// `Role` or `ClusterRole` (templates).
    pub kind: &'static str,
    /// Name (templates).
    pub name: String,
    /// Namespace of a Role (templates).
    pub namespace: Option<String>,
    /// The rules (templates).
    pub rules: Vec<RbacRule>,
}

/// One rule of a Role or ClusterRole eksgrant writes, as its YAML lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RbacRule {
    /// API groups (templates).
    pub api_groups: Vec<String>,
    /// Resources (templates).
    pub resources: Vec<String>,
    /// Verbs (templates).
    pub verbs: Vec<String>,
    /// Object names; empty for all (templates).
    pub resource_names: Vec<String>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Serialize)]
pub struct RbacBinding {
    /// `RoleBinding` or `ClusterRoleBinding` (templates).
    pub kind: &'static str,
    /// Name (templates).
    pub name: String,
    /// Namespace of a RoleBinding (templates).
    pub namespace: Option<String>,
    /// `Role` or `ClusterRole` (templates).
    pub role_kind: &'static str,
    /// The bound role's name (templates).
    pub role_name: String,
    /// Who is bound (templates).
    pub subject: RbacSubject,
}

/// The subject of a binding.
#[derive(Debug, Clone, Serialize)]
pub struct RbacSubject {
    /// `ServiceAccount` or `Group` (templates).
    pub kind: &'static str,
    /// Name (templates).
    pub name: String,
    /// The ServiceAccount's namespace (templates).
    pub namespace: Option<String>,
}

/// A ConfigMap holding a kubeconfig for reaching another cluster, written by
/// the second Terraform root because only Terraform knows the endpoint and
/// CA.
#[derive(Debug, Serialize)]
pub struct KubeconfigMap {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The ConfigMap's name (templates).
    pub name: String,
    /// Its namespace (templates).
    pub namespace: String,
    /// The cluster it lives on, as the Terraform provider alias (templates).
    pub home_ident: String,
    /// The cluster it lives on (key).
    pub home: String,
    /// The cluster it reaches (key) (templates).
    pub target: String,
    /// The EKS name of the cluster it reaches (templates).
    pub target_name: String,
    /// The Terraform identifier of the cluster it reaches, whose data source
    /// the second Terraform root reads (templates).
    pub target_ident: String,
    /// The workloads that mount it (templates).
    pub used_by: Vec<String>,
}

/// One line of the overview: who can do what, where.
#[derive(Debug, Serialize)]
pub struct AccessLine {
    /// The subject's key (templates).
    pub who: String,
    /// What the subject is: an ARN, or the pods of a ServiceAccount (templates).
    pub identity: String,
    /// How the subject is recognised on the cluster (templates).
    pub mapped_as: String,
    /// The permissions (templates).
    pub permissions: String,
    /// `cluster-wide` or the namespaces (templates).
    pub scope: String,
}

/// A resolved workload.
#[derive(Debug, Serialize)]
pub struct Workload {
    /// The spec key (templates).
    pub key: String,
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The namespace (templates).
    pub namespace: String,
    /// The ServiceAccount (templates).
    pub service_account: String,
    /// Clusters it runs in (keys) (templates).
    pub clusters: Vec<String>,
    /// Whether eksgrant emits its ServiceAccount.
    pub create_service_account: bool,
    /// `pod-identity` or `irsa` (templates).
    pub identity: &'static str,
    /// How its pods get credentials, in words, for the overview (templates).
    pub identity_summary: &'static str,
    /// Whether its ServiceAccount carries the IRSA role annotation.
    pub annotate_irsa: bool,
    /// Its IAM role, when it has AWS permissions or reaches another cluster (templates).
    pub role: Option<WorkloadRole>,
    /// Other clusters it reaches (keys).
    pub reaches: Vec<String>,
    /// One line per AWS permission source, for the overview (templates).
    pub aws_permissions: Vec<String>,
    /// Notes for whoever deploys the workload, for the overview.
    pub notes: Vec<String>,
    /// The lints its `allow` lists acknowledge, on the workload, its
    /// custom statements and its grants, in spec order: what `explain`
    /// shows as accepted on purpose.
    pub acknowledged: Vec<Acknowledgement>,
}

/// A workload's IAM role.
#[derive(Debug, Serialize)]
pub struct WorkloadRole {
    /// The role name (templates).
    pub name: String,
    /// The role ARN.
    pub arn: String,
    /// The trust policy's path in the output tree: `.json`, or `.json.tftpl`
    /// when it names an OIDC provider created in the same run (templates).
    pub trust_file: String,
    /// The values `templatefile()` fills into a `.json.tftpl` trust policy;
    /// empty for a plain `.json` (templates).
    pub trust_variables: Vec<TemplateVariable>,
    /// Resources the role must wait for: OIDC providers its trust names by a
    /// literal ARN but this run creates (templates).
    pub depends_on: Vec<String>,
    /// Who may assume it: the text of `trust_file` (or of the template
    /// that renders it, with `trust_variables`).
    #[serde(skip)]
    pub trust: PolicyText,
    /// The role's own permission policies: one, or several when the
    /// statements do not fit IAM's size limit in one (templates).
    pub policies: Vec<RolePolicy>,
    /// Existing policies to attach (templates).
    pub managed_policy_arns: Vec<String>,
    /// One Pod Identity association per cluster; none for IRSA (templates).
    pub associations: Vec<Association>,
    /// The role the pods' credentials chain to, when their permissions are
    /// another account's (templates). Boxed: few workloads have one, and
    /// inline it would grow every workload by a large share of its size.
    pub target: Option<Box<TargetRole>>,
    /// Whether the associations pass no session tags (templates).
    pub disable_session_tags: bool,
}

/// The role a Pod Identity role chains to (an association's
/// `target_role_arn`): the pods act as it.
#[derive(Debug, Serialize)]
pub struct TargetRole {
    /// Its ARN (templates).
    pub arn: String,
    /// The trust it needs, as a path in the output tree (templates).
    pub trust_file: String,
    /// Who may assume it: the text of `trust_file`.
    #[serde(skip)]
    pub trust: PolicyText,
    /// Set when eksgrant writes the role, in another account of the spec;
    /// otherwise the trust is an output for whoever owns the role
    /// (templates).
    pub written: Option<WrittenTargetRole>,
}

/// A target role eksgrant writes in another account.
#[derive(Debug, Serialize)]
pub struct WrittenTargetRole {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The role name (templates).
    pub name: String,
    /// The account, as `[accounts]` names it (templates).
    pub account: OtherAccount,
    /// Its permission policies: the workload's (templates).
    pub policies: Vec<RolePolicy>,
    /// Existing policies to attach (templates).
    pub managed_policy_arns: Vec<String>,
}

/// A value Terraform fills into a trust policy template.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateVariable {
    /// The placeholder's name, `${name}` in the template (templates).
    pub name: String,
    /// The Terraform expression of its value (templates).
    pub expression: String,
}

/// A customer managed policy eksgrant writes for a role.
#[derive(Debug, Serialize)]
pub struct RolePolicy {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The policy name (templates).
    pub name: String,
    /// The policy document's path in the output tree (templates).
    pub file: String,
    /// Its text, as written to `file`.
    #[serde(skip)]
    pub document: PolicyText,
}

/// A Pod Identity association.
#[derive(Debug, Serialize)]
pub struct Association {
    /// The Terraform identifier (templates).
    pub ident: String,
    /// The cluster (key).
    pub cluster: String,
    /// The cluster's Terraform address (templates).
    pub cluster_ref: String,
    /// The workload's role, as the association names it (templates).
    pub role_arn: HclValue,
}

/// A resolved principal.
#[derive(Debug, Serialize)]
pub struct Principal {
    /// The spec key (templates).
    pub key: String,
    /// The IAM role or user ARN (templates).
    pub arn: String,
    /// The lints the `allow` lists of its grants acknowledge, in spec
    /// order: what `explain` shows as accepted on purpose.
    pub acknowledged: Vec<Acknowledgement>,
}

/// A lint that `allow = ["<lint>"]` acknowledges on one spec item: it is
/// not reported there, and the model keeps it so that it can be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    /// The lint, such as `Code::RbacWildcard`.
    pub code: Code,
    /// The item whose `allow` lists it.
    pub on: AcknowledgedItem,
    /// The warnings it keeps from being reported, each as its message
    /// would have read. Empty when the lint does not fire on the item,
    /// which is reported as `unused_allow`.
    pub silenced: Vec<String>,
}

/// The spec item an `allow` is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "item")]
pub enum AcknowledgedItem {
    /// The workload's table, `[workloads.<key>]`.
    Workload,
    /// One of the subject's grants: the `number`-th (from 1) of its
    /// `grants`, in spec order, which is on `cluster`.
    Grant {
        /// Its place among the subject's grants, from 1.
        number: usize,
        /// The cluster (key) it is on.
        cluster: String,
    },
    /// One of the workload's custom statements: the `number`-th (from 1)
    /// of its `aws.statements`.
    Statement {
        /// Its place among the statements, from 1.
        number: usize,
        /// Its `sid`, when the spec gives one.
        sid: Option<String>,
    },
}

/// What one step applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// `kubectl apply -k kubernetes/<cluster>`: ServiceAccounts, Roles and
    /// bindings.
    KubernetesObjects,
    /// Restarting the pods of workloads that leave IRSA.
    RestartPods,
    /// Moving the Terraform state of the previous layout's roots into this
    /// one's, before any root is applied.
    MoveState,
    /// `terraform -chdir=terraform apply`: everything on the AWS side.
    Terraform,
    /// `layout = "per-cluster"`: `terraform -chdir=terraform/iam apply`,
    /// the roles every other root names by ARN.
    TerraformIam,
    /// `layout = "per-cluster"`: each cluster's root, independent of one
    /// another.
    TerraformClusters,
    /// `layout = "per-cluster"`: the ingress rules between clusters, once
    /// they all exist.
    TerraformNetwork,
    /// `terraform -chdir=terraform-kubernetes apply`: the kubeconfig
    /// ConfigMaps.
    KubernetesTerraform,
    /// `kubectl apply -f kubernetes/<cluster>/kube-system/aws-auth.yaml`.
    AwsAuth,
    /// `aws eks update-cluster-config`: an existing cluster's move to the
    /// spec's authentication mode.
    SwitchMode,
    /// `kubectl delete`: the objects an earlier generation wrote on a
    /// cluster and this one does not.
    Revoke,
}

/// One step of applying the repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyStep {
    /// What it applies (templates).
    pub kind: StepKind,
    /// The cluster (key) of a `kubectl` step (templates).
    pub cluster: Option<String>,
    /// The EKS name of that cluster (templates).
    pub cluster_name: Option<String>,
    /// Whether that cluster is created here (templates).
    pub created: bool,
    /// Whether the step is skipped on the first apply, before the cluster
    /// created here exists (templates).
    pub skip_on_first_apply: bool,
    /// Whether that cluster is created here with a private API endpoint, so
    /// that `kubectl` must run from a network that reaches it (templates).
    pub private_endpoint: bool,
    /// Namespaces the step writes into, which must exist (templates).
    pub namespaces: Vec<Place>,
    /// The workloads whose pods restart (templates).
    pub restarts: Vec<CutOver>,
    /// The Terraform roots a Terraform step applies, in order (templates).
    pub roots: Vec<String>,
    /// The mode a [`StepKind::SwitchMode`] step moves its cluster to, and
    /// from (templates).
    pub switch: Option<ModeSwitch>,
    /// The objects a [`StepKind::Revoke`] step deletes (templates).
    pub revocation: Option<Revocation>,
    /// Why the step comes where it does (templates).
    pub why: &'static str,
}

/// One step of an existing cluster's move towards the authentication mode
/// the spec gives it: to the next mode, from the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModeSwitch {
    /// The cluster (key) (templates).
    pub cluster: String,
    /// Its EKS name (templates).
    pub cluster_name: String,
    /// The mode it is in (templates).
    pub from: AuthenticationMode,
    /// The mode it moves to (templates).
    pub to: AuthenticationMode,
    /// On the move to `API`, which stops reading their aws-auth mappings,
    /// the access entries EKS made for the cluster's managed node groups and
    /// Fargate profiles, each of which must exist; empty on the move to
    /// `API_AND_CONFIG_MAP` (templates).
    pub eks_node_entries: Vec<NodeAccessEntry>,
}

/// The objects an earlier generation wrote on one cluster and this one
/// does not, to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revocation {
    /// The cluster (key; for a cluster that left the spec, its key when it
    /// was in it) (templates).
    pub cluster: String,
    /// Its EKS name (templates).
    pub cluster_name: String,
    /// For a cluster that left the spec, its last authentication mode,
    /// which its record keeps; `None` for a cluster of the spec.
    pub left_in_mode: Option<AuthenticationMode>,
    /// The objects, sorted (templates).
    pub objects: Vec<ObjectRef>,
}

impl Revocation {
    /// Whether the cluster is still in the spec.
    pub fn in_spec(&self) -> bool {
        self.left_in_mode.is_none()
    }
}

/// A namespace of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The cluster (key) (templates).
    pub cluster: String,
    /// The namespace (templates).
    pub namespace: String,
}

/// A workload whose pods move from IRSA to Pod Identity in this generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CutOver {
    /// The workload's key (templates).
    pub workload: String,
    /// Its namespace (templates).
    pub namespace: String,
    /// Its ServiceAccount (templates).
    pub service_account: String,
    /// Whether eksgrant writes the ServiceAccount, and so drops the
    /// annotation itself; otherwise whoever writes it must (templates).
    pub annotation_by_eksgrant: bool,
}
