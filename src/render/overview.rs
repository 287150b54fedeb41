//! The ACCESS.md context: everything the overview shows, decided here from
//! the model so that `templates/ACCESS.md.tera` only lays it out.
//!
//! [`Overview::of`] walks the model once per section; each section is a
//! field (or a nested struct) named after the heading it fills. Values stay
//! unescaped: the template escapes each one for where it goes.

use serde::Serialize;

use super::RenderOptions;
use super::applier::Applier;
use super::holes::Holes;
use super::templates::{
    ACCESS_MD, ACCESS_MD_ACCESS_LINES, ACCESS_MD_KUBECONFIGS, ACCESS_MD_NOTES, ACCESS_MD_WORKLOADS,
    Templates,
};
use crate::error::Result;
use crate::explain::picture::{self, Picture, Pictures};
use crate::model::apply_order::{ApplyStep, CutOver, ModeSwitch, StepKind};
use crate::model::paths::{self, IAM_ROOT};
use crate::model::{
    AccessLine, Cluster, HclValue, KubeconfigMap, Logging, Model, OtherAccount, Revocation,
    SecretsKey, StateMove, Transition, Workload,
};
use crate::spec::{AuthenticationMode, Layout};

/// The context of `ACCESS.md`, section by section.
#[derive(Serialize)]
pub(super) struct Overview<'a> {
    /// The spec's path as the header shows it.
    spec: &'a str,
    /// The command that regenerates the tree.
    regenerate: &'a str,
    /// The AWS region, for `aws eks update-kubeconfig`.
    region: &'a str,
    /// Whether IAM and each cluster have a Terraform root of their own.
    per_cluster: bool,
    /// The single layout's root, and the kubeconfigs' (paths).
    single_root: &'static str,
    kubernetes_root: &'static str,
    /// The state to move from the previous generation's layout, if it had
    /// the other one.
    state_move: Option<MoveState<'a>>,
    /// Every cluster, sorted by key: the Clusters table and the Kubernetes
    /// permissions sections.
    clusters: Vec<ClusterSummary<'a>>,
    /// The picture of the workloads' AWS identities, in Markdown (see
    /// [`crate::explain::picture`]) after a blank line: a Mermaid
    /// flowchart, which GitHub draws, or why it is not drawn. Empty when no
    /// workload has a role.
    aws_picture: String,
    /// What each created cluster's control plane was given: the section a
    /// reviewer reads instead of the HCL.
    created_clusters: Vec<CreatedSettings<'a>>,
    /// The workloads with an IAM role: the table of pods with an AWS
    /// identity, as rows, then rendered (see [`Overview::render`]).
    #[serde(skip)]
    role_workload_rows: Vec<RoleWorkload<'a>>,
    role_workloads: String,
    /// Existing clusters with Pod Identity workloads, whose
    /// `eks-pod-identity-agent` add-on must already run (keys).
    existing_pod_identity_clusters: Vec<&'a str>,
    /// Notes for deploying the workloads, one per line, then rendered.
    #[serde(skip)]
    note_rows: Vec<Note<'a>>,
    notes: String,
    /// The kubeconfig ConfigMaps: the table of how pods reach other
    /// clusters, then rendered. Empty when no pod does.
    #[serde(skip)]
    kubeconfig_rows: Vec<KubeconfigRow<'a>>,
    kubeconfigs: String,
    /// The pod spec fragment shown under the kubeconfig table.
    pod_example: Option<PodExample<'a>>,
    /// The network paths to created clusters that pods or networks reach.
    network_paths: Vec<NetworkPath<'a>>,
    /// The "Before you apply" section.
    before_you_apply: BeforeYouApply<'a>,
    /// The import blocks that adopt an existing cluster, one set per
    /// cluster the spec creates.
    adoptions: Vec<Adoption<'a>>,
    /// Whether an adoption's import IDs hold the `<ISSUER-ID>` placeholder,
    /// which the reader must replace.
    adoptions_need_issuer_id: bool,
    /// The apply steps, in order, with what each shows.
    apply_steps: Vec<Step<'a>>,
    /// What `terraform apply` creates, in words.
    terraform_creates: String,
    /// What the per-cluster layout's IAM root creates, in words.
    iam_root_creates: String,
    /// What each of its cluster roots creates, in words.
    cluster_roots_create: String,
    /// Whether an access entry on an `API_AND_CONFIG_MAP` cluster has access
    /// policies, created seconds after the entry: an apply that stops in
    /// between must be run again.
    policy_associations_lag_entries: bool,
    /// Each cluster's apply steps, for the table by cluster.
    steps_by_cluster: Vec<ClusterSteps<'a>>,
    /// What the AWS identity that runs Terraform must be allowed.
    applier: Applier,
}

impl<'a> Overview<'a> {
    /// Everything the overview shows about `model`.
    pub(super) fn of(
        model: &'a Model,
        transition: &'a Transition,
        options: &'a RenderOptions,
    ) -> Self {
        let adoptions = adoptions(model);
        let pictures = crate::explain::pictures(model);
        Overview {
            spec: &options.spec,
            regenerate: &options.regenerate,
            region: &model.region,
            per_cluster: model.terraform.per_cluster,
            single_root: paths::SINGLE_ROOT,
            kubernetes_root: paths::KUBERNETES_ROOT,
            state_move: transition.state_move.as_ref().map(MoveState::of),
            clusters: model
                .clusters
                .iter()
                .map(|c| ClusterSummary::of(c, model.terraform.layout, &pictures))
                .collect(),
            aws_picture: after_blank_line(
                pictures.aws.as_ref(),
                "the table below lists every workload.",
            ),
            created_clusters: model
                .clusters
                .iter()
                .filter_map(CreatedSettings::of)
                .collect(),
            role_workload_rows: model
                .workloads
                .iter()
                .filter_map(RoleWorkload::of)
                .collect(),
            role_workloads: String::new(),
            existing_pod_identity_clusters: keys_of(&model.clusters, |c| {
                c.created.is_none() && !c.pod_identity_workloads.is_empty()
            }),
            note_rows: notes(model),
            notes: String::new(),
            kubeconfig_rows: kubeconfigs(model).map(KubeconfigRow::of).collect(),
            kubeconfigs: String::new(),
            pod_example: pod_example(model),
            network_paths: model.clusters.iter().filter_map(NetworkPath::of).collect(),
            before_you_apply: BeforeYouApply::of(model, transition),
            adoptions_need_issuer_id: adoptions
                .iter()
                .flat_map(|a| &a.groups)
                .flat_map(|g| &g.imports)
                .any(|i| i.id.contains(ISSUER_ID)),
            adoptions,
            apply_steps: transition.apply_steps.iter().map(Step::of).collect(),
            terraform_creates: terraform_creates(model),
            iam_root_creates: iam_root_creates(model),
            cluster_roots_create: cluster_roots_create(model),
            policy_associations_lag_entries: policy_associations_lag_entries(model),
            steps_by_cluster: steps_by_cluster(model, transition),
            applier: Applier::of(model),
        }
    }
}

impl Overview<'_> {
    /// The text of ACCESS.md. Its large tables (a row per workload, note,
    /// access line and kubeconfig) are rendered a few hundred rows at a
    /// time: as one template context, an organisation's rows were the
    /// largest allocation of a run's rendering (bench/README.md). They and
    /// the picture reach the document through
    /// [`Holes`], not through its context, the rows rendered straight into
    /// their place.
    pub(super) fn render(mut self, templates: &Templates) -> Result<String> {
        let mut holes = Holes::default();
        self.aws_picture = holes.hole(std::mem::take(&mut self.aws_picture));
        self.role_workloads = rows(
            &mut holes,
            templates,
            ACCESS_MD_WORKLOADS,
            std::mem::take(&mut self.role_workload_rows),
        )?;
        self.notes = rows(
            &mut holes,
            templates,
            ACCESS_MD_NOTES,
            std::mem::take(&mut self.note_rows),
        )?;
        self.kubeconfigs = rows(
            &mut holes,
            templates,
            ACCESS_MD_KUBECONFIGS,
            std::mem::take(&mut self.kubeconfig_rows),
        )?;
        for cluster in &mut self.clusters {
            cluster.picture = holes.hole(std::mem::take(&mut cluster.picture));
            cluster.access_summary = rows(
                &mut holes,
                templates,
                ACCESS_MD_ACCESS_LINES,
                cluster.access_lines,
            )?;
        }
        let rendered = templates.render_fields(ACCESS_MD, &self)?;
        drop(self);
        holes.fill(ACCESS_MD, &rendered)
    }
}

/// How many rows one context of a row template holds.
const ROWS: usize = 256;

/// The marker of `items` through the row template `name`, [`ROWS`] at a
/// time, each its own context `rows`: empty when there are none. The first
/// rows are rendered now, and size the whole for [`Holes::fill`]; the
/// others as the document reaches their place.
fn rows<'a, T: Serialize + 'a>(
    holes: &mut Holes<'a>,
    templates: &'a Templates,
    name: &'static str,
    items: impl AsRef<[T]> + 'a,
) -> Result<String> {
    #[derive(Serialize)]
    struct Rows<'r, T> {
        rows: &'r [T],
    }
    let render = move |rows: &[T]| templates.render_fields(name, &Rows { rows });
    let Some(first) = items.as_ref().chunks(ROWS).next() else {
        return Ok(String::new());
    };
    let first = render(first)?;
    let chunks = items.as_ref().len().div_ceil(ROWS);
    if chunks == 1 {
        return Ok(holes.hole(first));
    }
    Ok(holes.written(first.len() * chunks, move |text| {
        text.push_str(&first);
        drop(first);
        for rows in items.as_ref().chunks(ROWS).skip(1) {
            text.push_str(&render(rows)?);
        }
        Ok(())
    }))
}

/// The placeholder for the part of an OIDC provider's ARN that only the
/// existing cluster knows.
const ISSUER_ID: &str = "<ISSUER-ID>";

/// The keys of the clusters that match `keep`.
fn keys_of(clusters: &[Cluster], keep: impl Fn(&Cluster) -> bool) -> Vec<&str> {
    clusters
        .iter()
        .filter(|c| keep(c))
        .map(|c| c.key.as_str())
        .collect()
}

/// Every kubeconfig ConfigMap, cluster by cluster.
fn kubeconfigs(model: &Model) -> impl Iterator<Item = &KubeconfigMap> {
    model.clusters.iter().flat_map(|c| &c.kubeconfigs)
}

/// A cluster: its row of the Clusters table and its Kubernetes permissions.
#[derive(Serialize)]
struct ClusterSummary<'a> {
    /// The spec key.
    key: &'a str,
    /// The EKS name.
    name: &'a str,
    /// The Terraform file that creates or reads it.
    file: String,
    /// Whether the generated Terraform creates it.
    created: bool,
    /// The Kubernetes version of a created cluster.
    kubernetes_version: Option<&'a str>,
    /// `API`, `API_AND_CONFIG_MAP` or `CONFIG_MAP`.
    authentication_mode: &'static str,
    /// Who can do what on it; empty when nobody is granted anything.
    #[serde(skip)]
    access_lines: &'a [AccessLine],
    /// The same, rendered (see [`Overview::render`]).
    access_summary: String,
    /// Its picture in Markdown after a blank line, or why it is not drawn;
    /// empty when nobody is granted anything.
    picture: String,
}

/// A picture as ACCESS.md places it, after a blank line, `instead`
/// ending what stands for it when it is too large to draw; nothing without
/// a picture.
fn after_blank_line(picture: Option<&Picture>, instead: &str) -> String {
    picture.map_or_else(String::new, |picture| {
        format!("\n{}", picture::markdown(picture, instead))
    })
}

impl<'a> ClusterSummary<'a> {
    fn of(cluster: &'a Cluster, layout: Layout, pictures: &Pictures) -> Self {
        ClusterSummary {
            key: &cluster.key,
            name: &cluster.name,
            file: paths::cluster_file(&cluster.key, layout == Layout::PerCluster),
            created: cluster.created.is_some(),
            kubernetes_version: cluster
                .created
                .as_ref()
                .map(|c| c.kubernetes_version.as_str()),
            authentication_mode: cluster.authentication_mode.as_str(),
            access_lines: &cluster.access_summary,
            access_summary: String::new(),
            picture: after_blank_line(
                pictures.cluster(&cluster.key),
                "the table below lists every grant.",
            ),
        }
    }
}

/// A created cluster's control-plane settings, as the overview lists them.
#[derive(Serialize)]
struct CreatedSettings<'a> {
    /// The spec key.
    key: &'a str,
    /// The alias of the KMS key created for the cluster, if one is.
    key_alias: Option<&'a str>,
    /// Whether Secrets are left to EKS's encryption with a key AWS owns.
    secrets_aws_owned_key: bool,
    /// The user's own Secrets key, when the spec names one.
    secrets_own_key: Option<&'a str>,
    /// The control-plane logs sent; empty for none.
    log_types: &'a [&'static str],
    /// Their log group.
    log_group: Option<&'a str>,
    /// How long the logs are kept, in words.
    log_retention: String,
    /// The user's own log key, when the spec names one.
    log_key_arn: Option<&'a str>,
    /// What happens at the end of standard support.
    support_type: crate::spec::SupportType,
    /// Whether that is `EXTENDED`.
    extended_support: bool,
    /// Whether EKS refuses to delete the cluster.
    deletion_protection: bool,
    /// CIDRs that reach the public endpoint; empty for a private one.
    public_access_cidrs: &'a [String],
    /// The IP family, when set.
    ip_family: Option<crate::spec::IpFamily>,
    /// The Services' IPv4 block, when set.
    service_ipv4_cidr: Option<&'a str>,
    /// The add-ons eksgrant installs.
    addons: &'a [crate::model::Addon],
}

impl<'a> CreatedSettings<'a> {
    /// The settings of `cluster`, when it is created here.
    fn of(cluster: &'a Cluster) -> Option<Self> {
        let created = cluster.created.as_ref()?;
        let plane = &created.control_plane;
        let literal = |value: Option<&'a HclValue>| match value {
            Some(HclValue::Literal(arn)) => Some(arn.as_str()),
            _ => None,
        };
        let logging = plane.logging.as_ref();
        Some(CreatedSettings {
            key: &cluster.key,
            key_alias: plane.kms_key.as_ref().map(|k| k.alias.as_str()),
            secrets_aws_owned_key: plane.secrets_key == SecretsKey::AwsOwned,
            secrets_own_key: match &plane.secrets_key {
                SecretsKey::Own(arn) => Some(arn),
                SecretsKey::Created | SecretsKey::AwsOwned => None,
            },
            log_types: logging.map_or(&[], |l| l.types.as_slice()),
            log_group: logging.map(|l| l.log_group_name.as_str()),
            log_retention: match logging.map(|l| l.retention_days) {
                Some(0) => "kept for ever".to_string(),
                Some(days) => format!("kept {days} days"),
                None => String::new(),
            },
            log_key_arn: literal(logging.map(|l| &l.kms_key_arn)),
            support_type: plane.support_type,
            extended_support: plane.extended_support,
            deletion_protection: plane.deletion_protection,
            public_access_cidrs: &created.public_access_cidrs,
            ip_family: plane.ip_family,
            service_ipv4_cidr: plane.service_ipv4_cidr.as_deref(),
            addons: &plane.addons,
        })
    }
}

/// A workload with an IAM role: one row of the table of pods with an AWS
/// identity.
#[derive(Serialize)]
struct RoleWorkload<'a> {
    /// The spec key.
    key: &'a str,
    /// The ServiceAccount's namespace.
    namespace: &'a str,
    /// The ServiceAccount.
    service_account: &'a str,
    /// The clusters it runs in (keys).
    clusters: &'a [String],
    /// How its pods get credentials, in words.
    identity_summary: &'a str,
    /// The role its pods chain to, in words, when they do.
    chains_to: Option<String>,
    /// The IAM role's name.
    role_name: &'a str,
    /// One line per AWS permission source; empty for none.
    aws_permissions: &'a [String],
}

impl<'a> RoleWorkload<'a> {
    /// The row of `workload`, when it has an IAM role.
    fn of(workload: &'a Workload) -> Option<Self> {
        let role = workload.role.as_ref()?;
        Some(RoleWorkload {
            key: &workload.key,
            namespace: &workload.namespace,
            service_account: &workload.service_account,
            clusters: &workload.clusters,
            identity_summary: workload.identity_summary,
            chains_to: role.target.as_ref().map(|target| match &target.written {
                Some(written) => format!(
                    "{} in account {} ({})",
                    written.name, written.account.key, written.account.id
                ),
                None => format!("{} (yours)", target.arn),
            }),
            role_name: &role.name,
            aws_permissions: &workload.aws_permissions,
        })
    }
}

/// A note for whoever deploys a workload.
#[derive(Serialize)]
struct Note<'a> {
    /// The workload's key.
    workload: &'a str,
    /// The note.
    text: &'a str,
}

/// Every workload's notes, workload by workload.
fn notes(model: &Model) -> Vec<Note<'_>> {
    model
        .workloads
        .iter()
        .flat_map(|w| {
            w.notes.iter().map(move |text| Note {
                workload: &w.key,
                text,
            })
        })
        .collect()
}

/// One row of the table of kubeconfig ConfigMaps.
#[derive(Serialize)]
struct KubeconfigRow<'a> {
    /// The ConfigMap's namespace.
    namespace: &'a str,
    /// The ConfigMap's name.
    name: &'a str,
    /// The cluster it lives on (key).
    home: &'a str,
    /// The cluster it reaches (key).
    target: &'a str,
    /// The workloads that mount it (keys).
    used_by: &'a [String],
}

impl<'a> KubeconfigRow<'a> {
    fn of(map: &'a KubeconfigMap) -> Self {
        KubeconfigRow {
            namespace: &map.namespace,
            name: &map.name,
            home: &map.home,
            target: &map.target,
            used_by: &map.used_by,
        }
    }
}

/// The pod spec fragment the overview shows: the first workload that reaches
/// another cluster, mounting its first kubeconfig.
#[derive(Serialize)]
struct PodExample<'a> {
    /// The workload's key.
    workload: &'a str,
    /// Its ServiceAccount.
    service_account: &'a str,
    /// The kubeconfig ConfigMap it mounts.
    config_map: &'a str,
    /// Where the ConfigMap is mounted.
    mount_path: String,
    /// The kubeconfig's path, `KUBECONFIG`.
    kubeconfig: String,
}

fn pod_example(model: &Model) -> Option<PodExample<'_>> {
    let map = kubeconfigs(model).next()?;
    let workload = model
        .workloads
        .iter()
        .find(|w| map.used_by.first() == Some(&w.key))?;
    let mount_path = format!("/etc/eksgrant/{}", map.target);
    Some(PodExample {
        workload: &workload.key,
        service_account: &workload.service_account,
        config_map: &map.name,
        kubeconfig: format!("{mount_path}/config"),
        mount_path,
    })
}

/// How pods or networks reach the API endpoint of a cluster created here.
#[derive(Serialize)]
struct NetworkPath<'a> {
    /// The cluster (key).
    cluster: &'a str,
    /// The clusters whose pods reach it (keys); empty when only ingress
    /// rules for networks lead to it.
    reached_from: &'a [String],
    /// Whether its API endpoint is public.
    public_endpoint: bool,
    /// The CIDRs a public endpoint is open to.
    public_access_cidrs: &'a [String],
    /// Who the ingress rules to a private endpoint admit, in words.
    ingress_sources: Vec<&'a str>,
}

impl<'a> NetworkPath<'a> {
    /// The path to `cluster`, when it is created here and reached.
    fn of(cluster: &'a Cluster) -> Option<Self> {
        let created = cluster.created.as_ref()?;
        if cluster.reached_from.is_empty() && cluster.api_ingress.is_empty() {
            return None;
        }
        Some(NetworkPath {
            cluster: &cluster.key,
            reached_from: &cluster.reached_from,
            public_endpoint: created.endpoint_public_access,
            public_access_cidrs: &created.public_access_cidrs,
            ingress_sources: cluster
                .api_ingress
                .iter()
                .map(|rule| rule.source.as_str())
                .collect(),
        })
    }
}

/// What to know or do before the first apply.
#[derive(Serialize)]
struct BeforeYouApply<'a> {
    /// Whether the section has anything to say.
    has_items: bool,
    /// Import blocks for the access entries that may exist already.
    access_entry_imports: Vec<ImportGroup>,
    /// The aws-auth ConfigMaps eksgrant writes, which replace the clusters'.
    aws_auth_files: Vec<AwsAuthFile<'a>>,
    /// Existing `API_AND_CONFIG_MAP` clusters whose aws-auth ConfigMap
    /// eksgrant does not write (keys).
    unmanaged_aws_auth_clusters: Vec<&'a str>,
    /// Whether the spec creates a cluster.
    creates_clusters: bool,
    /// Created clusters without compute: no Auto Mode (keys).
    clusters_without_compute: Vec<&'a str>,
    /// The Terraform variables that ask for subnets, as `var.<name>`.
    subnet_variables: Vec<String>,
    /// With the per-cluster layout, the same variables, each with the
    /// `terraform.tfvars` of its root.
    subnet_variables_in_roots: Vec<RootVariable>,
    /// The control-plane log groups an earlier generation left to EKS, to
    /// import before the apply.
    log_group_imports: Vec<ImportGroup>,
    /// With the per-cluster layout, every root of the AWS side, each of
    /// which needs a backend of its own.
    roots: Vec<&'a str>,
    /// Cluster roots the previous generation wrote and this one does not.
    removed_roots: &'a [String],
    /// Created clusters whose Secrets become encrypted with this apply
    /// (keys): the Secrets written before must be rewritten.
    secrets_to_rewrite: Vec<&'a str>,
    /// Whether the IAM roles carry a permissions boundary.
    has_permissions_boundary: bool,
    /// Whether pods reach other clusters through kubeconfig ConfigMaps.
    pods_reach_other_clusters: bool,
    /// The other accounts Terraform writes in.
    other_accounts: &'a [OtherAccount],
    /// Roles of the user's that workloads chain to: their trust is an
    /// output to copy.
    external_targets: Vec<ExternalTarget<'a>>,
}

/// A Terraform variable and the file of its root that sets it.
#[derive(Serialize)]
struct RootVariable {
    /// `var.<name>`.
    name: String,
    /// The root's `terraform.tfvars`.
    file: String,
}

/// A role outside the spec that a workload chains to.
#[derive(Serialize)]
struct ExternalTarget<'a> {
    /// The workload (key).
    workload: &'a str,
    /// The role's ARN.
    arn: &'a str,
    /// The trust policy it needs, as a path in the output tree.
    trust_file: &'a str,
}

impl<'a> BeforeYouApply<'a> {
    fn of(model: &'a Model, transition: &'a Transition) -> Self {
        let catch_up = |cluster: &Cluster| transition.catch_up.get(&cluster.key);
        let access_entry_imports = access_entry_imports(model);
        let aws_auth_files: Vec<_> = model.clusters.iter().filter_map(AwsAuthFile::of).collect();
        let unmanaged_aws_auth_clusters = keys_of(&model.clusters, |c| {
            c.authentication_mode == AuthenticationMode::ApiAndConfigMap
                && c.aws_auth.is_none()
                && c.created.is_none()
        });
        let creates_clusters = model.clusters.iter().any(|c| c.created.is_some());
        let pods_reach_other_clusters = kubeconfigs(model).next().is_some();
        let external_targets: Vec<ExternalTarget<'_>> = model
            .workloads
            .iter()
            .filter_map(|w| {
                let target = w.role.as_ref()?.target.as_ref()?;
                target.written.is_none().then(|| ExternalTarget {
                    workload: &w.key,
                    arn: &target.arn,
                    trust_file: &target.trust_file,
                })
            })
            .collect();
        BeforeYouApply {
            has_items: !access_entry_imports.is_empty()
                || model.terraform.per_cluster
                || creates_clusters
                || !model.accounts.is_empty()
                || !external_targets.is_empty()
                || pods_reach_other_clusters
                || !aws_auth_files.is_empty()
                || !unmanaged_aws_auth_clusters.is_empty(),
            access_entry_imports,
            aws_auth_files,
            unmanaged_aws_auth_clusters,
            creates_clusters,
            clusters_without_compute: keys_of(&model.clusters, |c| {
                c.created.as_ref().is_some_and(|c| c.auto_mode.is_none())
            }),
            subnet_variables: model
                .clusters
                .iter()
                .filter_map(|c| c.created.as_ref()?.subnet_variable.as_deref())
                .map(|variable| format!("var.{variable}"))
                .collect(),
            subnet_variables_in_roots: model
                .clusters
                .iter()
                .filter(|_| model.terraform.per_cluster)
                .filter_map(|c| {
                    let variable = c.created.as_ref()?.subnet_variable.as_deref()?;
                    Some(RootVariable {
                        name: format!("var.{variable}"),
                        file: paths::cluster_variables_file(&c.key),
                    })
                })
                .collect(),
            log_group_imports: in_roots_of_clusters(model, |cluster| {
                cluster
                    .created
                    .as_ref()
                    .filter(|_| catch_up(cluster).is_some_and(|c| c.import_log_group))
                    .and_then(|c| c.control_plane.logging.as_ref())
                    .map(log_group_import)
                    .into_iter()
                    .collect()
            }),
            roots: model
                .terraform
                .roots
                .iter()
                .filter(|_| model.terraform.per_cluster)
                .map(|r| r.dir.as_str())
                .collect(),
            removed_roots: &transition.removed_roots,
            secrets_to_rewrite: keys_of(&model.clusters, |c| {
                c.created.is_some() && catch_up(c).is_some_and(|c| c.rewrite_secrets)
            }),
            has_permissions_boundary: model.iam.permissions_boundary.is_some(),
            pods_reach_other_clusters,
            other_accounts: &model.accounts,
            external_targets,
        }
    }
}

/// An aws-auth ConfigMap eksgrant writes for a cluster.
#[derive(Serialize)]
struct AwsAuthFile<'a> {
    /// The cluster (key).
    cluster: &'a str,
    /// The file.
    path: String,
    /// Whether the cluster reads only the ConfigMap (`CONFIG_MAP`), so that
    /// it is applied once the groups it maps principals into are bound;
    /// otherwise once the principals it no longer maps have access entries.
    config_map_only: bool,
}

impl<'a> AwsAuthFile<'a> {
    /// The file of `cluster`, when eksgrant writes its aws-auth ConfigMap.
    fn of(cluster: &'a Cluster) -> Option<Self> {
        cluster.aws_auth.as_ref()?;
        Some(AwsAuthFile {
            cluster: &cluster.key,
            path: paths::aws_auth_file(&cluster.key),
            config_map_only: cluster.authentication_mode == AuthenticationMode::ConfigMap,
        })
    }
}

/// An `import` block.
#[derive(Serialize)]
struct Import {
    /// The Terraform address.
    address: String,
    /// The import ID.
    id: String,
    /// When the block applies, for a comment above it.
    note: Option<&'static str>,
}

impl Import {
    fn new(address: String, id: String) -> Self {
        Import {
            address,
            id,
            note: None,
        }
    }

    fn note(self, note: &'static str) -> Self {
        Import {
            note: Some(note),
            ..self
        }
    }
}

/// Import blocks that go into one Terraform root.
#[derive(Serialize)]
struct ImportGroup {
    /// The root, with the per-cluster layout; `None` in the single root.
    root: Option<String>,
    /// The blocks.
    imports: Vec<Import>,
}

/// `imports` of `cluster`'s resources, in the roots that hold them: one
/// group in the single root; with the per-cluster layout, the IAM ones in
/// `terraform/iam` and the others in the cluster's root.
fn in_roots(model: &Model, cluster: &str, imports: Vec<Import>) -> Vec<ImportGroup> {
    if imports.is_empty() {
        return Vec::new();
    }
    if !model.terraform.per_cluster {
        return vec![ImportGroup {
            root: None,
            imports,
        }];
    }
    let (iam, own): (Vec<Import>, Vec<Import>) = imports
        .into_iter()
        .partition(|i| i.address.starts_with("aws_iam_"));
    [
        (IAM_ROOT.to_string(), iam),
        (paths::cluster_root(cluster), own),
    ]
    .into_iter()
    .filter(|(_, imports)| !imports.is_empty())
    .map(|(root, imports)| ImportGroup {
        root: Some(root),
        imports,
    })
    .collect()
}

/// The imports `of` each cluster gives, in the roots that hold them: one
/// group in the single root, one per root with the per-cluster layout.
fn in_roots_of_clusters(model: &Model, of: impl Fn(&Cluster) -> Vec<Import>) -> Vec<ImportGroup> {
    if model.terraform.per_cluster {
        model
            .clusters
            .iter()
            .flat_map(|c| in_roots(model, &c.key, of(c)))
            .collect()
    } else {
        let imports = model.clusters.iter().flat_map(&of).collect();
        in_roots(model, "", imports)
    }
}

/// The import of a created cluster's control-plane log group.
fn log_group_import(logging: &Logging) -> Import {
    Import::new(
        format!("aws_cloudwatch_log_group.{}", logging.ident),
        logging.log_group_name.clone(),
    )
}

/// The access entries of IAM principals and node roles on existing
/// clusters: the ones that can collide with an entry made outside this
/// repository. (The roles of workloads are new, so their entries are too.)
fn access_entry_imports(model: &Model) -> Vec<ImportGroup> {
    in_roots_of_clusters(model, |cluster| {
        if cluster.created.is_some() {
            return Vec::new();
        }
        let mut imports = Vec::new();
        let import = |ident: &str, arn: &str| {
            Import::new(
                format!("aws_eks_access_entry.{ident}"),
                format!("{}:{arn}", cluster.name),
            )
        };
        // Principals only: a workload's role is new, and so is its entry.
        let workload_roles: std::collections::BTreeSet<&str> = model
            .workloads
            .iter()
            .filter_map(|w| w.role.as_ref().map(|r| r.arn.as_str()))
            .collect();
        for entry in &cluster.access_entries {
            if let HclValue::Literal(arn) = &entry.principal_arn
                && !workload_roles.contains(&arn.as_str())
            {
                imports.push(import(&entry.ident, arn));
            }
        }
        // Self-managed nodes' entries may have been made by hand or by
        // another tool. (EKS makes and keeps those of managed node groups
        // and Fargate profiles, which eksgrant does not write.)
        for entry in &cluster.node_access_entries {
            imports.push(import(&entry.ident, &entry.role_arn));
        }
        imports
    })
}

/// The import blocks that adopt an existing cluster at the address of one
/// the spec creates.
#[derive(Serialize)]
struct Adoption<'a> {
    /// The cluster (key).
    cluster: &'a str,
    /// Its import blocks, in the order the overview lists them, in the
    /// roots that hold their resources.
    groups: Vec<ImportGroup>,
}

/// For each created cluster: its role and the role's attachments, the
/// cluster, its add-ons (or the Auto Mode node role), its log group, its
/// access entries and access policies, and the OIDC provider, as import
/// blocks. A cluster with an access entry whose ARN is unknown has none.
fn adoptions(model: &Model) -> Vec<Adoption<'_>> {
    model
        .clusters
        .iter()
        .filter_map(|cluster| {
            let mut imports = cluster_imports(cluster)?;
            imports.extend(access_entry_adoptions(model, cluster)?);
            imports.extend(oidc_provider_import(model, cluster));
            Some(Adoption {
                cluster: &cluster.key,
                groups: in_roots(model, &cluster.key, imports),
            })
        })
        .collect()
}

/// The imports of a created cluster's role, its attachments, the cluster,
/// the Auto Mode node role, the add-ons, and the log group EKS makes once the
/// cluster sends logs. (A KMS key eksgrant creates is new, so it has none.)
fn cluster_imports(cluster: &Cluster) -> Option<Vec<Import>> {
    let created = cluster.created.as_ref()?;
    let role = &created.role_name;
    let mut imports = vec![
        Import::new(format!("aws_iam_role.{}", created.role_ident), role.clone()),
        Import::new(
            format!("aws_iam_role_policy_attachment.{}", created.role_ident),
            format!("{role}/{}", created.role_policy_arn),
        ),
        Import::new(
            format!("aws_eks_cluster.{}", cluster.ident),
            cluster.name.clone(),
        ),
    ];
    if let Some(auto) = &created.auto_mode {
        for arn in &auto.cluster_policy_arns {
            imports.push(Import::new(
                format!(
                    "aws_iam_role_policy_attachment.{}_auto_mode[\"{arn}\"]",
                    created.role_ident
                ),
                format!("{role}/{arn}"),
            ));
        }
        // A different node role would replace the cluster.
        imports.push(Import::new(
            format!("aws_iam_role.{}", auto.node_role_ident),
            auto.node_role_name.clone(),
        ));
        for arn in &auto.node_policy_arns {
            imports.push(Import::new(
                format!(
                    "aws_iam_role_policy_attachment.{}[\"{arn}\"]",
                    auto.node_role_ident
                ),
                format!("{}/{arn}", auto.node_role_name),
            ));
        }
    }
    for addon in &created.control_plane.addons {
        imports.push(Import::new(
            format!("aws_eks_addon.{}", addon.ident),
            format!("{}:{}", cluster.name, addon.name),
        ));
    }
    if let Some(logging) = &created.control_plane.logging {
        imports.push(
            log_group_import(logging)
                .note("only if the cluster has sent logs already, so that EKS made this group"),
        );
    }
    Some(imports)
}

/// The imports of a cluster's access entries, which an existing cluster
/// often has already (for its administrators), and their policies; `None`
/// when the ARN of an entry's workload role is unknown.
fn access_entry_adoptions(model: &Model, cluster: &Cluster) -> Option<Vec<Import>> {
    let mut imports = Vec::new();
    for entry in &cluster.access_entries {
        let arn = match &entry.principal_arn {
            HclValue::Literal(arn) => arn.clone(),
            HclValue::Reference(_) => model
                .workloads
                .iter()
                .find(|w| w.key == entry.subject)
                .and_then(|w| w.role.as_ref())
                .map(|role| role.arn.clone())?,
        };
        imports.push(Import::new(
            format!("aws_eks_access_entry.{}", entry.ident),
            format!("{}:{arn}", cluster.name),
        ));
        for association in &entry.policy_associations {
            imports.push(Import::new(
                format!("aws_eks_access_policy_association.{}", association.ident),
                format!("{}#{arn}#{}", cluster.name, association.policy_arn),
            ));
        }
    }
    // The entries of the self-managed nodes of the cluster being adopted,
    // made by whoever ran it before.
    for entry in &cluster.node_access_entries {
        imports.push(Import::new(
            format!("aws_eks_access_entry.{}", entry.ident),
            format!("{}:{}", cluster.name, entry.role_arn),
        ));
    }
    Some(imports)
}

/// The import of a cluster's OIDC provider. The provider's ARN holds the
/// issuer ID, which only the existing cluster knows: [`ISSUER_ID`] marks it.
fn oidc_provider_import(model: &Model, cluster: &Cluster) -> Option<Import> {
    let provider = cluster.oidc_provider.as_ref()?;
    let partition = cluster.arn.split(':').nth(1).unwrap_or("aws");
    let suffix = if partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some(Import::new(
        format!("aws_iam_openid_connect_provider.{}", provider.ident),
        format!(
            "arn:{partition}:iam::{}:oidc-provider/oidc.eks.{}.{suffix}/id/{ISSUER_ID}",
            model.account_id, model.region
        ),
    ))
}

/// One apply step as the overview shows it: its kind, and what each kind
/// names (the roots, the cluster and its files, the objects revoked).
#[derive(Serialize)]
struct Step<'a> {
    /// What the step applies, which decides how ACCESS.md lays it out.
    kind: StepKind,
    /// The directory `kubectl apply -k` applies, for a cluster's objects.
    objects_dir: Option<String>,
    /// The aws-auth ConfigMap's file, for its step.
    aws_auth_file: Option<String>,
    /// The cluster (key) of a `kubectl` step.
    cluster: Option<&'a str>,
    /// The kubeconfig context its commands use: the cluster's key, or for
    /// a cluster that left the spec (whose key may be another's now) one
    /// named after its EKS name.
    context: Option<String>,
    /// The EKS name of that cluster.
    cluster_name: Option<&'a str>,
    /// Whether that cluster is created here.
    created: bool,
    /// Whether the step is skipped on the first apply.
    skip_on_first_apply: bool,
    /// Whether `kubectl` must run from a network that reaches a private
    /// endpoint.
    private_endpoint: bool,
    /// The namespaces the step writes into, which must exist.
    namespaces: Vec<&'a str>,
    /// The same namespaces with their cluster, as `[namespace, cluster]`,
    /// for the step that writes on several clusters.
    namespaces_on_clusters: Vec<[&'a str; 2]>,
    /// The workloads whose pods restart.
    restarts: &'a [CutOver],
    /// The Terraform roots a Terraform step applies.
    roots: &'a [String],
    /// The mode a switch moves its cluster from and to.
    switch: Option<&'a ModeSwitch>,
    /// Whether the cluster of a revocation is still in the spec.
    in_spec: bool,
    /// The objects a revocation deletes.
    revoked: Vec<Revoked<'a>>,
    /// Why the step comes where it does.
    why: &'static str,
}

/// The state move of a layout change, as ACCESS.md's first step words it.
#[derive(Serialize)]
struct MoveState<'a> {
    /// The previous layout.
    from: Layout,
    /// Which way the state moves.
    direction: MoveDirection,
    /// The roots the state is in now.
    from_roots: &'a [String],
    /// "the root" or "the roots", for `from_roots`.
    from_roots_noun: &'static str,
    /// The roots it moves to.
    to_roots: &'a [String],
}

/// Which way a layout change moves the state.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum MoveDirection {
    /// From the single root into one per cluster (and `terraform/iam`,
    /// `terraform/network`).
    Split,
    /// From the per-cluster roots back into one.
    Join,
}

impl<'a> MoveState<'a> {
    fn of(moving: &'a StateMove) -> Self {
        MoveState {
            from: moving.from,
            direction: match moving.from {
                Layout::Single => MoveDirection::Split,
                Layout::PerCluster => MoveDirection::Join,
            },
            from_roots: &moving.from_roots,
            from_roots_noun: if moving.from_roots.len() == 1 {
                "the root"
            } else {
                "the roots"
            },
            to_roots: &moving.to_roots,
        }
    }
}

/// An object to delete, as `kubectl delete` names it.
#[derive(Serialize)]
struct Revoked<'a> {
    /// Its kind, as the object writes it.
    kind: &'static str,
    /// The resource `kubectl` names the kind by, with its API group.
    resource: &'static str,
    /// Its namespace, for a namespaced object.
    namespace: Option<&'a str>,
    name: &'a str,
}

impl<'a> Step<'a> {
    fn of(step: &'a ApplyStep) -> Self {
        Step {
            kind: step.kind,
            objects_dir: step.cluster.as_deref().map(paths::kubernetes_dir),
            aws_auth_file: step.cluster.as_deref().map(paths::aws_auth_file),
            cluster: step.cluster.as_deref(),
            context: match &step.revocation {
                Some(revocation) if !revocation.in_spec() => {
                    Some(format!("eksgrant-left-{}", revocation.cluster_name))
                }
                _ => step.cluster.clone(),
            },
            cluster_name: step.cluster_name.as_deref(),
            created: step.created,
            skip_on_first_apply: step.skip_on_first_apply,
            private_endpoint: step.private_endpoint,
            namespaces: step
                .namespaces
                .iter()
                .map(|place| place.namespace.as_str())
                .collect(),
            namespaces_on_clusters: step
                .namespaces
                .iter()
                .map(|place| [place.namespace.as_str(), place.cluster.as_str()])
                .collect(),
            restarts: &step.restarts,
            roots: &step.roots,
            switch: step.switch.as_ref(),
            in_spec: step.revocation.as_ref().is_none_or(Revocation::in_spec),
            revoked: step
                .revocation
                .iter()
                .flat_map(|r| &r.objects)
                .map(|object| Revoked {
                    kind: object.kind.as_str(),
                    resource: object.kind.resource(),
                    namespace: object.namespace.as_deref(),
                    name: &object.name,
                })
                .collect(),
            why: step.why,
        }
    }
}

/// What `terraform apply` creates, in words, for the overview's "Applying"
/// steps.
fn terraform_creates(model: &Model) -> String {
    let clusters = &model.clusters;
    let mut parts: Vec<&str> = Vec::new();
    if clusters.iter().any(|c| c.created.is_some()) {
        parts.push(
            "the clusters marked `create = true`, with their KMS keys, log groups and add-ons",
        );
    }
    if clusters
        .iter()
        .any(|c| c.oidc_provider.as_ref().is_some_and(|p| p.create))
    {
        parts.push("the IAM OIDC providers");
    }
    if model.workloads.iter().any(|w| w.role.is_some()) {
        parts.push("the workloads' IAM roles and policies");
    }
    if clusters
        .iter()
        .any(|c| !c.pod_identity_workloads.is_empty())
    {
        parts.push("the Pod Identity associations");
    }
    if clusters
        .iter()
        .any(|c| !c.access_entries.is_empty() || !c.node_access_entries.is_empty())
    {
        parts.push("the access entries");
    }
    in_words(&parts, "nothing: it only reads the clusters")
}

/// What the per-cluster layout's `terraform/iam` creates, in words.
fn iam_root_creates(model: &Model) -> String {
    let clusters = &model.clusters;
    let mut parts: Vec<&str> = Vec::new();
    if model.workloads.iter().any(|w| w.role.is_some()) {
        parts.push("the workloads' IAM roles and policies");
    }
    if clusters.iter().any(|c| c.created.is_some()) {
        parts.push("the IAM roles of the clusters marked `create = true`");
    }
    if clusters
        .iter()
        .any(|c| c.oidc_provider.as_ref().is_some_and(|p| p.create))
    {
        parts.push("the IAM OIDC providers");
    }
    in_words(&parts, "nothing: it only reads the OIDC providers")
}

/// What each of the per-cluster layout's cluster roots creates, in words.
fn cluster_roots_create(model: &Model) -> String {
    let clusters = &model.clusters;
    let mut parts: Vec<&str> = Vec::new();
    if clusters.iter().any(|c| c.created.is_some()) {
        parts.push(
            "its cluster if it is marked `create = true`, with its KMS key, log group and add-ons",
        );
    }
    if clusters
        .iter()
        .any(|c| !c.pod_identity_workloads.is_empty())
    {
        parts.push("the Pod Identity associations of the workloads that run on it");
    }
    if clusters
        .iter()
        .any(|c| !c.access_entries.is_empty() || !c.node_access_entries.is_empty())
    {
        parts.push("its access entries");
    }
    in_words(&parts, "nothing: it only reads its cluster")
}

/// `a`, `a and b`, `a, b and c`; `none` for no part.
fn in_words(parts: &[&str], none: &str) -> String {
    match parts.split_last() {
        None => none.to_string(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Whether an `API_AND_CONFIG_MAP` cluster has an access entry with access
/// policies: a principal mapped by aws-auth has only the entry's groups
/// between the entry's creation and its policies'.
fn policy_associations_lag_entries(model: &Model) -> bool {
    model.clusters.iter().any(|c| {
        c.authentication_mode == AuthenticationMode::ApiAndConfigMap
            && c.access_entries
                .iter()
                .any(|e| !e.policy_associations.is_empty())
    })
}

/// One row of the overview's table of apply steps by cluster.
#[derive(Serialize)]
struct ClusterSteps<'a> {
    /// The cluster (key).
    cluster: &'a str,
    /// Its steps, numbered, in a few words each.
    steps: String,
}

/// Each cluster's key and the apply steps that concern it, numbered, for
/// the overview's table by cluster.
fn steps_by_cluster<'a>(model: &'a Model, transition: &Transition) -> Vec<ClusterSteps<'a>> {
    model
        .clusters
        .iter()
        .map(|cluster| {
            let steps: Vec<String> = transition
                .apply_steps
                .iter()
                .enumerate()
                .filter(|(_, step)| step.concerns(cluster))
                .map(|(i, step)| match step.kind {
                    StepKind::Terraform | StepKind::TerraformClusters
                        if cluster.created.is_some() =>
                    {
                        format!("{}. {} (creates it)", i + 1, step.label())
                    }
                    _ => format!("{}. {}", i + 1, step.label()),
                })
                .collect();
            ClusterSteps {
                cluster: &cluster.key,
                steps: steps.join(", "),
            }
        })
        .collect()
}
