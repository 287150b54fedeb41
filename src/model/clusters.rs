//! `[clusters.<key>]`: existing clusters, clusters created here, and the
//! rule that a created cluster must have an administrator.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use super::CreatedCluster;
use super::account::Context;
use super::arn;
use super::grants::GrantSet;
use super::names::{self, MAX_ROLE_NAME};
use super::resolve::Resolver;
use crate::spec::{self, AuthenticationMode, Spanned};

/// The oldest Kubernetes minor version eksgrant creates clusters with.
const MIN_CREATED_MINOR: u32 = 28;

/// A cluster after its own checks, before grants are attached.
pub(super) struct ClusterInfo {
    pub key: Spanned<String>,
    pub name: String,
    pub arn: String,
    pub mode: AuthenticationMode,
    pub created: Option<CreatedCluster>,
    /// The span of `create = true`, for the lock-out rule.
    pub create_span: Option<Range<usize>>,
}

impl ClusterInfo {
    pub(super) fn ident(&self) -> String {
        names::tf_ident(&self.key)
    }

    pub(super) fn tf_ref(&self) -> String {
        if self.created.is_some() {
            format!("aws_eks_cluster.{}", self.ident())
        } else {
            format!("data.aws_eks_cluster.{}", self.ident())
        }
    }
}

impl Resolver<'_> {
    pub(super) fn cluster(
        &mut self,
        ctx: &Context,
        key: Spanned<String>,
        cluster: spec::Cluster,
    ) -> Option<ClusterInfo> {
        let key_ok = self.check_key("cluster", &key);
        let name = cluster
            .name
            .as_ref()
            .map_or(key.get().clone(), |n| n.get().clone());
        let name = name.as_str();
        if let Some(given) = &cluster.name
            && !names::is_eks_cluster_name(given.get())
        {
            self.error(
                    "eksgrant::cluster_name",
                    format!("`{}` is not a valid EKS cluster name", given.get()),
                    given.span(),
                    "not a valid cluster name",
                    "EKS cluster names are 1-100 characters: letters, digits, `-` and `_`, starting with a letter or digit",
                );
        }
        let mode = cluster
            .authentication_mode
            .as_ref()
            .map_or(AuthenticationMode::Api, |m| *m.get());
        if let Some(given) = &cluster.authentication_mode
            && *given.get() == AuthenticationMode::ConfigMap
        {
            self.error(
                    "eksgrant::not_supported",
                    "authentication_mode = \"CONFIG_MAP\" is not supported yet",
                    given.span(),
                    "the aws-auth ConfigMap is not generated yet",
                    "use \"API\" or \"API_AND_CONFIG_MAP\" (eksgrant maps principals with access entries on both)",
                );
        }
        if let Some(issuer) = &cluster.oidc_issuer {
            self.error(
                "eksgrant::not_supported",
                "oidc_issuer is not supported yet",
                issuer.span(),
                "IRSA is not generated yet",
                "remove oidc_issuer; workloads use EKS Pod Identity, which needs no OIDC provider",
            );
        }
        if let Some(nodes) = &cluster.node_role_arns {
            self.error(
                "eksgrant::not_supported",
                "node_role_arns is not supported yet",
                nodes.span(),
                "node access entries are not generated yet",
                "remove node_role_arns and keep mapping self-managed node roles where you do today",
            );
        }

        let created = match &cluster.create {
            Some(create) if *create.get() => self.created_cluster(ctx, &key, &cluster),
            _ => {
                self.refuse_without_create(
                    "kubernetes_version",
                    cluster.kubernetes_version.as_ref().map(|v| v.span()),
                );
                self.refuse_without_create(
                    "subnet_ids",
                    cluster.subnet_ids.as_ref().map(|v| v.span()),
                );
                self.refuse_without_create(
                    "endpoint_public_access",
                    cluster.endpoint_public_access.as_ref().map(|v| v.span()),
                );
                self.refuse_without_create(
                    "public_access_cidrs",
                    cluster.public_access_cidrs.as_ref().map(|v| v.span()),
                );
                None
            }
        };
        let ident = names::tf_ident(key.get());
        if created.is_some() {
            self.claim(
                "Terraform resource",
                format!("aws_iam_role.{ident}_cluster"),
                key.span(),
            );
            self.claim(
                "IAM role",
                format!("{}{}-cluster", ctx.iam.name_prefix, key.get()).to_lowercase(),
                key.span(),
            );
        }
        key_ok.then(|| ClusterInfo {
            arn: arn::cluster_arn(ctx.partition, &ctx.region, &ctx.account_id, name),
            name: name.to_string(),
            mode,
            created,
            create_span: cluster
                .create
                .as_ref()
                .filter(|c| *c.get())
                .map(|c| c.span()),
            key,
        })
    }

    pub(super) fn refuse_without_create(&mut self, field: &str, span: Option<Range<usize>>) {
        if let Some(span) = span {
            self.error(
                "eksgrant::needs_create",
                format!("{field} only applies to clusters eksgrant creates"),
                span,
                "the cluster is not created here",
                format!("add `create = true` to create the cluster, or remove {field}"),
            );
        }
    }

    pub(super) fn created_cluster(
        &mut self,
        ctx: &Context,
        key: &Spanned<String>,
        cluster: &spec::Cluster,
    ) -> Option<CreatedCluster> {
        let version = match &cluster.kubernetes_version {
            Some(version) => {
                let minor = version
                    .get()
                    .strip_prefix("1.")
                    .filter(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|minor| minor.parse::<u32>().ok());
                match minor {
                    None => self.error(
                        "eksgrant::kubernetes_version",
                        format!("`{}` is not a Kubernetes minor version", version.get()),
                        version.span(),
                        "expected 1.MINOR",
                        "write the version EKS offers, e.g. \"1.33\"",
                    ),
                    Some(minor) if minor < MIN_CREATED_MINOR => self.error(
                        "eksgrant::kubernetes_version",
                        format!("eksgrant creates clusters on Kubernetes 1.{MIN_CREATED_MINOR} or later, not {}", version.get()),
                        version.span(),
                        "too old",
                        format!("use 1.{MIN_CREATED_MINOR} or later: from there EKS envelope-encrypts all API data by default, and access entries need no platform-version check"),
                    ),
                    Some(_) => {}
                }
                version.get().clone()
            }
            None => {
                let span = cluster.create.as_ref().map_or(key.span(), |c| c.span());
                self.error(
                    "eksgrant::kubernetes_version",
                    format!(
                        "cluster {} is created here but has no kubernetes_version",
                        key.get()
                    ),
                    span,
                    "created here",
                    "add kubernetes_version = \"1.33\" (or the version you want) to the cluster",
                );
                String::new()
            }
        };
        let ident = names::tf_ident(key.get());
        let (subnet_ids, subnet_variable) = match &cluster.subnet_ids {
            Some(ids) => {
                if ids.get().len() < 2 {
                    self.error(
                        "eksgrant::subnets",
                        "EKS needs subnets in at least two availability zones",
                        ids.span(),
                        "fewer than two subnets",
                        "list at least two subnets in different availability zones",
                    );
                }
                for id in ids.get() {
                    let ok = id.get().strip_prefix("subnet-").is_some_and(|hex| {
                        (8..=17).contains(&hex.len())
                            && hex
                                .bytes()
                                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                    });
                    if !ok {
                        self.error(
                            "eksgrant::subnets",
                            format!("`{}` is not a subnet ID", id.get()),
                            id.span(),
                            "not a subnet ID",
                            "subnet IDs look like \"subnet-0123456789abcdef0\"",
                        );
                    }
                }
                (ids.get().iter().map(|id| id.get().clone()).collect(), None)
            }
            None => (Vec::new(), Some(format!("{ident}_subnet_ids"))),
        };
        let endpoint_public_access = cluster
            .endpoint_public_access
            .as_ref()
            .is_some_and(|p| *p.get());
        let public_access_cidrs: Vec<String> = cluster
            .public_access_cidrs
            .as_ref()
            .map(|cidrs| cidrs.get().iter().map(|c| c.get().clone()).collect())
            .unwrap_or_default();
        match (&cluster.endpoint_public_access, &cluster.public_access_cidrs) {
            (Some(public), None) if *public.get() => self.error(
                "eksgrant::public_endpoint",
                "a public endpoint needs public_access_cidrs",
                public.span(),
                "public without an allow-list",
                "add public_access_cidrs with the networks that may reach the API (EKS would otherwise allow 0.0.0.0/0)",
            ),
            (public, Some(cidrs)) if !public.as_ref().is_some_and(|p| *p.get()) => self.error(
                "eksgrant::public_endpoint",
                "public_access_cidrs only applies with endpoint_public_access = true",
                cidrs.span(),
                "the endpoint is private",
                "set endpoint_public_access = true, or remove public_access_cidrs",
            ),
            (_, Some(cidrs)) => {
                if cidrs.get().is_empty() {
                    self.error(
                        "eksgrant::public_endpoint",
                        "public_access_cidrs is empty",
                        cidrs.span(),
                        "empty",
                        "list the networks that may reach the API, e.g. [\"203.0.113.0/24\"]",
                    );
                }
                for cidr in cidrs.get() {
                    if !is_ipv4_cidr(cidr.get()) {
                        self.error(
                            "eksgrant::public_endpoint",
                            format!("`{}` is not an IPv4 CIDR block", cidr.get()),
                            cidr.span(),
                            "not a CIDR",
                            "write CIDR blocks as \"203.0.113.0/24\"",
                        );
                    } else if cidr.get() == "0.0.0.0/0" {
                        self.error(
                            "eksgrant::public_endpoint",
                            "0.0.0.0/0 opens the cluster API to the whole internet",
                            cidr.span(),
                            "everyone",
                            "list the networks that need the API; keep the endpoint private if nobody outside the VPC does",
                        );
                    }
                }
            }
            _ => {}
        }
        let role_name = format!("{}{}-cluster", ctx.iam.name_prefix, key.get());
        if !names::is_iam_name(&role_name, MAX_ROLE_NAME) {
            self.error(
                "eksgrant::iam_name",
                format!("the cluster role name `{role_name}` is longer than IAM's 64 characters"),
                key.span(),
                "the role is named after this key",
                "shorten the cluster key or iam.name_prefix",
            );
        }
        Some(CreatedCluster {
            kubernetes_version: version,
            role_name,
            role_ident: format!("{ident}_cluster"),
            role_trust_file: names::EKS_CLUSTER_ROLE_TRUST_FILE.to_string(),
            subnet_ids,
            subnet_variable,
            endpoint_public_access,
            public_access_cidrs,
        })
    }

    pub(super) fn check_unique_cluster_names(&mut self, clusters: &BTreeMap<String, ClusterInfo>) {
        let mut seen: HashMap<&str, &ClusterInfo> = HashMap::new();
        for info in clusters.values() {
            if let Some(first) = seen.get(info.name.as_str()) {
                let message = format!(
                    "clusters {} and {} are the same EKS cluster `{}`",
                    first.key.get(),
                    info.key.get(),
                    info.name
                );
                let first = first.key.span();
                self.duplicate(
                    "eksgrant::duplicate_cluster",
                    message,
                    info.key.span(),
                    first,
                    "key for the cluster",
                    "describe each EKS cluster once",
                );
            } else {
                seen.insert(&info.name, info);
            }
        }
    }

    /// A cluster created with `bootstrap_cluster_creator_admin_permissions =
    /// false` is reachable only through the access entries eksgrant makes.
    pub(super) fn check_lock_out(
        &mut self,
        clusters: &BTreeMap<String, ClusterInfo>,
        grants: &GrantSet,
    ) {
        for info in clusters.values() {
            let Some(span) = &info.create_span else {
                continue;
            };
            if !grants.has_iam_cluster_admin(info.key.get()) {
                self.error(
                    "eksgrant::lock_out",
                    format!("nobody could administer cluster {} after it is created", info.key.get()),
                    span.clone(),
                    "created without a cluster administrator",
                    format!(
                        "eksgrant creates clusters without the creator's implicit admin access; grant a principal \
                         access_policy = \"AmazonEKSClusterAdminPolicy\" (cluster-wide) on cluster = \"{}\"",
                        info.key.get()
                    ),
                );
            }
        }
    }
}

/// Whether `s` is an IPv4 CIDR block such as `203.0.113.0/24`.
fn is_ipv4_cidr(s: &str) -> bool {
    let Some((address, prefix)) = s.split_once('/') else {
        return false;
    };
    address.parse::<std::net::Ipv4Addr>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= 32)
}
