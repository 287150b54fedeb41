//! The apply order ACCESS.md gives, walked step by step against a small
//! model of EKS authorization: aws-auth mappings, access entries, access
//! policies and RBAC bindings, the authentication mode (which EKS moves one
//! way, and in which it refuses or ignores some of them), and (for the IRSA
//! cut-over) which credentials a pod starts with. `kubectl apply` creates
//! and replaces objects but never deletes one; Terraform destroys what it
//! made and no longer has, and cannot create an access entry that EKS (or
//! anyone) made already. After every step, each principal of the spec keeps
//! whatever it had before and should still have at the end; once every
//! step is done, each has exactly what the spec says, and nothing more.
//! Each scenario also walks a wrong order, to show the model would catch
//! it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use eksgrant::model::apply_order::{ApplyStep, StepKind};
use eksgrant::model::{Cluster, HclValue, History, Model, ObjectKind, Transition};
use eksgrant::spec::AuthenticationMode;
use eksgrant::{Loaded, SourceFile};

use crate::support::{CLUSTER_ADMIN_ACCESS_POLICY, CLUSTER_ADMIN_ROLE, day_two as migrating};

/// What a principal may do on a cluster, coarsely: enough to tell a
/// lock-out from a working grant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Can {
    /// Anything (system:masters, AmazonEKSClusterAdminPolicy, cluster-admin).
    Admin,
    /// What a ClusterRole gives, in a namespace (`*`: cluster-wide).
    ClusterRole(String, String),
    /// What one of eksgrant's own Roles gives, in a namespace.
    Rules(String, String),
    /// What another access policy gives, in a scope.
    Policy(String, String),
    /// Joining the cluster as a node (`system:nodes`).
    Node,
}

impl Can {
    /// Whether having `self` gives what `needed` gives.
    fn covers(&self, needed: &Can) -> bool {
        *self == Can::Admin || self == needed
    }
}

const CLUSTER_ADMIN_POLICY: &str = "AmazonEKSClusterAdminPolicy";

/// A binding made by eksgrant or elsewhere: a group gets a role somewhere.
#[derive(Debug, Clone)]
struct Binding {
    group: String,
    can: Can,
}

/// An access entry: its Kubernetes groups, and its access policies with
/// their scopes (`*`: cluster-wide).
#[derive(Debug, Clone, Default)]
struct Entry {
    groups: Vec<String>,
    policies: Vec<(String, String)>,
}

/// One cluster as EKS would authorize against it.
#[derive(Debug, Clone, Default)]
struct ClusterState {
    exists: bool,
    mode: Option<AuthenticationMode>,
    /// aws-auth `mapRoles`: role ARN without its path -> groups.
    aws_auth: BTreeMap<String, Vec<String>>,
    /// The roles of managed node groups and Fargate profiles, whose
    /// aws-auth mappings EKS made and turns into access entries of its own
    /// when the cluster moves to `API_AND_CONFIG_MAP`.
    eks_managed: BTreeSet<String>,
    /// Access entries, by principal ARN.
    entries: BTreeMap<String, Entry>,
    /// The entries Terraform made, in its state: it destroys those the
    /// generated files no longer have, and only those.
    terraform_entries: BTreeSet<String>,
    /// Bindings, by object (`RoleBinding apps/name`): `kubectl apply`
    /// replaces one of the same name, and only a delete removes one.
    bindings: BTreeMap<String, Binding>,
}

impl ClusterState {
    /// An existing cluster in `mode`, with `aws_auth`'s mappings.
    fn existing(mode: AuthenticationMode, aws_auth: &[(&str, &str)]) -> Self {
        ClusterState {
            exists: true,
            mode: Some(mode),
            aws_auth: aws_auth
                .iter()
                .map(|(arn, group)| ((*arn).to_string(), vec![(*group).to_string()]))
                .collect(),
            ..ClusterState::default()
        }
    }

    /// A binding made outside eksgrant, named `name` in `namespace`.
    fn bind(&mut self, namespace: &str, name: &str, group: &str, can: Can) {
        self.bindings.insert(
            format!("RoleBinding {namespace}/{name}"),
            Binding {
                group: group.into(),
                can,
            },
        );
    }
}

/// Every cluster, by key.
#[derive(Debug, Clone, Default)]
struct World {
    clusters: BTreeMap<String, ClusterState>,
    /// The IAM roles eksgrant writes that exist (ARNs): a cluster, an
    /// access entry or an association naming one that does not fails.
    roles: BTreeSet<String>,
}

/// An ARN as aws-auth matches it: without the role's path.
fn without_path(arn: &str) -> String {
    match arn.split_once(":role/") {
        Some((head, tail)) => format!("{head}:role/{}", tail.rsplit('/').next().unwrap()),
        None => arn.to_string(),
    }
}

impl World {
    /// A world of one cluster, `key`.
    fn of(key: &str, state: ClusterState) -> World {
        World {
            clusters: BTreeMap::from([(key.to_string(), state)]),
            roles: BTreeSet::new(),
        }
    }

    /// What `arn` may do on `cluster` now.
    fn access(&self, cluster: &str, arn: &str) -> BTreeSet<Can> {
        let Some(state) = self.clusters.get(cluster).filter(|c| c.exists) else {
            return BTreeSet::new();
        };
        let mode = state.mode.expect("an existing cluster has a mode");
        let (groups, policies) = match state.entries.get(arn) {
            // An access entry takes precedence over the aws-auth mapping.
            Some(entry) if mode != AuthenticationMode::ConfigMap => {
                (entry.groups.clone(), entry.policies.clone())
            }
            _ if mode != AuthenticationMode::Api => (
                state
                    .aws_auth
                    .get(&without_path(arn))
                    .cloned()
                    .unwrap_or_default(),
                Vec::new(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        let mut can = BTreeSet::new();
        if groups.iter().any(|g| g == "system:masters") {
            can.insert(Can::Admin);
        }
        if groups.iter().any(|g| g == "system:nodes") {
            can.insert(Can::Node);
        }
        for (policy, scope) in policies {
            // What the EKS user guide's table says each policy carries.
            can.insert(match policy.as_str() {
                CLUSTER_ADMIN_POLICY if scope == "*" => Can::Admin,
                "AmazonEKSAdminPolicy" => Can::ClusterRole("admin".into(), scope),
                "AmazonEKSEditPolicy" => Can::ClusterRole("edit".into(), scope),
                "AmazonEKSViewPolicy" => Can::ClusterRole("view".into(), scope),
                _ => Can::Policy(policy, scope),
            });
        }
        for binding in state.bindings.values() {
            if groups.contains(&binding.group) {
                can.insert(binding.can.clone());
            }
        }
        can
    }

    /// Whether one of `operators` (ARNs) may do anything on `cluster`.
    fn administered(&self, cluster: &str, operators: &[&str]) -> bool {
        operators
            .iter()
            .any(|arn| self.access(cluster, arn).contains(&Can::Admin))
    }

    /// Applies one step of `model`'s order, as one of `operators` (ARNs)
    /// runs it: fails when none of them could, or EKS would refuse it.
    fn apply(&mut self, model: &Model, step: &ApplyStep, operators: &[&str]) -> Result<(), String> {
        let cluster_of = |key: &str| model.clusters.iter().find(|c| c.key == key).unwrap();
        match step.kind {
            // The roles, which the clusters, access entries and
            // associations name.
            StepKind::TerraformIam => {
                self.roles.extend(generated_roles(model));
                Ok(())
            }
            // Rules between security groups, the state's bookkeeping, and
            // pods, not authorization (see `walk_identity`).
            StepKind::TerraformNetwork | StepKind::MoveState | StepKind::RestartPods => Ok(()),
            // The single root, or every cluster's own: the clusters and
            // their access entries.
            StepKind::Terraform | StepKind::TerraformClusters => {
                if step.kind == StepKind::Terraform {
                    self.roles.extend(generated_roles(model));
                }
                for role in roles_named_by_clusters(model) {
                    if !self.roles.contains(&role) {
                        return Err(format!(
                            "a cluster's root names role {role}, which does not exist yet"
                        ));
                    }
                }
                for cluster in &model.clusters {
                    self.terraform(model, cluster)?;
                }
                Ok(())
            }
            StepKind::KubernetesObjects => {
                let key = step.cluster.as_deref().unwrap();
                let exists = self.clusters.get(key).is_some_and(|c| c.exists);
                if step.skip_on_first_apply && !exists {
                    return Ok(());
                }
                if !self.administered(key, operators) {
                    return Err(format!("no operator can apply RBAC on {key}"));
                }
                // Created or replaced, never deleted.
                let bindings = bindings(cluster_of(key));
                self.clusters
                    .get_mut(key)
                    .unwrap()
                    .bindings
                    .extend(bindings);
                Ok(())
            }
            StepKind::KubernetesTerraform => {
                for cluster in model.clusters.iter().filter(|c| !c.kubeconfigs.is_empty()) {
                    if !self.administered(&cluster.key, operators) {
                        return Err(format!(
                            "no operator can write ConfigMaps on {}",
                            cluster.key
                        ));
                    }
                }
                Ok(())
            }
            StepKind::AwsAuth => {
                let key = step.cluster.as_deref().unwrap();
                if !self.administered(key, operators) {
                    return Err(format!("no operator can apply aws-auth on {key}"));
                }
                let aws_auth = cluster_of(key).aws_auth.as_ref().unwrap();
                self.clusters.get_mut(key).unwrap().aws_auth = aws_auth
                    .map_roles
                    .iter()
                    .chain(&aws_auth.map_users)
                    .map(|m| (m.arn.clone(), m.groups.clone()))
                    .collect();
                Ok(())
            }
            StepKind::SwitchMode => {
                let switch = step.switch.as_ref().unwrap();
                let state = self.clusters.get_mut(&switch.cluster).unwrap();
                // A switch run before (a generation carries it on until it
                // is said to be applied): EKS refuses it, and the step says
                // to go on.
                if state.mode == Some(switch.to) {
                    return Ok(());
                }
                // EKS refuses any move but the next one.
                if state.mode != Some(switch.from) {
                    return Err(format!(
                        "EKS refuses to move {} from {:?} to {}",
                        switch.cluster, state.mode, switch.to
                    ));
                }
                state.mode = Some(switch.to);
                // EKS turns the mappings it made for managed node groups
                // and Fargate profiles into node entries of its own.
                if switch.from == AuthenticationMode::ConfigMap {
                    for role in state.eks_managed.clone() {
                        state.entries.entry(role).or_insert_with(|| Entry {
                            groups: vec!["system:nodes".into()],
                            policies: Vec::new(),
                        });
                    }
                }
                Ok(())
            }
            StepKind::Revoke => {
                let revocation = step.revocation.as_ref().unwrap();
                // The world knows clusters by the keys of the spec walked;
                // one that left it is not modelled, and its key may be
                // another cluster's now.
                assert!(revocation.in_spec(), "a cluster that left the spec");
                let key = revocation.cluster.as_str();
                if !self.administered(key, operators) {
                    return Err(format!("no operator can delete objects on {key}"));
                }
                let state = self.clusters.get_mut(key).unwrap();
                for object in &revocation.objects {
                    state.bindings.remove(&object.to_string());
                    if object.kind == ObjectKind::ConfigMap && object.name == "aws-auth" {
                        state.aws_auth.clear();
                    }
                }
                Ok(())
            }
        }
    }

    /// Terraform's part of `cluster`: a created cluster is made (in the
    /// spec's mode); an existing one is read, and its data source's
    /// postcondition accepts only the modes the generated file lists; its
    /// access entries become the generated ones, those it made before and
    /// no longer has destroyed.
    fn terraform(&mut self, model: &Model, cluster: &Cluster) -> Result<(), String> {
        let state = self.clusters.entry(cluster.key.clone()).or_default();
        if cluster.created.is_some() {
            state.exists = true;
            state.mode = Some(cluster.authentication_mode);
        } else if !state.exists {
            return Err(format!("existing cluster {} does not exist", cluster.key));
        } else {
            let accepted: &[AuthenticationMode] = match cluster.authentication_mode {
                AuthenticationMode::ConfigMap => &[AuthenticationMode::ConfigMap],
                AuthenticationMode::ApiAndConfigMap => &[AuthenticationMode::ApiAndConfigMap],
                AuthenticationMode::Api => {
                    &[AuthenticationMode::ApiAndConfigMap, AuthenticationMode::Api]
                }
            };
            if !accepted.contains(&state.mode.unwrap()) {
                return Err(format!(
                    "the postcondition of {} stops the plan: EKS reports {:?}",
                    cluster.key, state.mode
                ));
            }
        }
        let mut wanted: BTreeMap<String, Entry> = BTreeMap::new();
        for entry in &cluster.access_entries {
            let arn = principal_arn(model, &entry.principal_arn, &entry.subject);
            let policies = entry
                .policy_associations
                .iter()
                .map(|p| {
                    let name = p.policy_arn.rsplit('/').next().unwrap().to_string();
                    let scope = if p.namespaces.is_empty() {
                        "*".to_string()
                    } else {
                        p.namespaces.join(",")
                    };
                    (name, scope)
                })
                .collect();
            let groups = entry.kubernetes_groups.clone();
            wanted.insert(arn, Entry { groups, policies });
        }
        // An EC2_LINUX entry puts the node role in system:nodes.
        for node in &cluster.node_access_entries {
            let groups = vec!["system:nodes".to_string()];
            wanted.insert(
                node.role_arn.clone(),
                Entry {
                    groups,
                    policies: Vec::new(),
                },
            );
        }
        if !wanted.is_empty() && state.mode == Some(AuthenticationMode::ConfigMap) {
            return Err(format!(
                "EKS refuses access entries on {}, which is on CONFIG_MAP",
                cluster.key
            ));
        }
        for gone in state.terraform_entries.clone() {
            if !wanted.contains_key(&gone) {
                state.entries.remove(&gone);
                state.terraform_entries.remove(&gone);
            }
        }
        for (arn, entry) in wanted {
            if state.entries.contains_key(&arn) && !state.terraform_entries.contains(&arn) {
                return Err(format!(
                    "ResourceInUseException: {arn} has an access entry on {} already",
                    cluster.key
                ));
            }
            state.terraform_entries.insert(arn.clone());
            state.entries.insert(arn, entry);
        }
        Ok(())
    }
}

/// Every IAM role eksgrant writes: the workloads', and the created
/// clusters' (with their Auto Mode node roles).
fn generated_roles(model: &Model) -> Vec<String> {
    let mut roles: Vec<String> = model
        .workloads
        .iter()
        .filter_map(|w| w.role.as_ref().map(|r| r.arn.clone()))
        .collect();
    for cluster in &model.clusters {
        let Some(created) = &cluster.created else {
            continue;
        };
        roles.push(role_arn(model, &created.role_name));
        if let Some(auto) = &created.auto_mode {
            roles.push(role_arn(model, &auto.node_role_name));
        }
    }
    roles
}

/// The ARN of a role eksgrant writes in the spec's account, with the
/// spec's IAM path.
fn role_arn(model: &Model, name: &str) -> String {
    format!(
        "arn:aws:iam::{}:role{}{name}",
        model.account_id, model.iam.path
    )
}

/// The generated roles a cluster's resources name: a created cluster's
/// role, the roles of the workloads mapped into it and associated on it.
fn roles_named_by_clusters(model: &Model) -> Vec<String> {
    let mut roles = Vec::new();
    for cluster in &model.clusters {
        if let Some(created) = &cluster.created {
            roles.push(role_arn(model, &created.role_name));
        }
        for entry in &cluster.access_entries {
            if let Some(role) = model
                .workloads
                .iter()
                .find(|w| w.key == entry.subject)
                .and_then(|w| w.role.as_ref())
            {
                roles.push(role.arn.clone());
            }
        }
    }
    for workload in &model.workloads {
        if let Some(role) = workload
            .role
            .as_ref()
            .filter(|r| !r.associations.is_empty())
        {
            roles.push(role.arn.clone());
        }
    }
    roles
}

/// The ARN of an access entry's principal: a literal, or a workload's
/// generated role.
fn principal_arn(model: &Model, value: &HclValue, subject: &str) -> String {
    match value {
        HclValue::Literal(arn) => arn.clone(),
        HclValue::Reference(_) => model
            .workloads
            .iter()
            .find(|w| w.key == subject)
            .and_then(|w| w.role.as_ref())
            .map(|r| r.arn.clone())
            .unwrap(),
    }
}

/// The group bindings eksgrant applies on a cluster, by object.
fn bindings(cluster: &Cluster) -> Vec<(String, Binding)> {
    let objects = cluster
        .namespaces
        .iter()
        .flat_map(|n| &n.subjects)
        .chain(&cluster.cluster_scoped);
    let mut bindings = Vec::new();
    for subject in objects {
        for binding in subject
            .bindings
            .iter()
            .filter(|b| b.subject.kind == "Group")
        {
            let scope = binding.namespace.clone().unwrap_or_else(|| "*".into());
            let can = match (binding.role_kind, binding.role_name.as_str()) {
                ("ClusterRole", "cluster-admin") if scope == "*" => Can::Admin,
                ("ClusterRole", name) if !name.starts_with("eksgrant:") => {
                    Can::ClusterRole(name.to_string(), scope)
                }
                (_, name) => Can::Rules(name.to_string(), scope),
            };
            let object = match &binding.namespace {
                Some(namespace) => format!("{} {namespace}/{}", binding.kind, binding.name),
                None => format!("{} {}", binding.kind, binding.name),
            };
            let group = binding.subject.name.clone();
            bindings.push((object, Binding { group, can }));
        }
    }
    bindings
}

/// The apply steps of `model` as a first generation.
fn steps(model: &Model) -> Vec<ApplyStep> {
    Transition::follow(model, None).apply_steps
}

/// The generations of one output directory, each following on from the
/// history the one before recorded, as `generate` makes them.
#[derive(Default, Clone)]
struct Directory {
    history: Option<History>,
}

impl Directory {
    /// Generates `text` over the last generation: its model and apply
    /// steps. A spec the last generation's history refuses panics.
    fn generate(&mut self, text: &str) -> (Model, Vec<ApplyStep>) {
        let source = SourceFile::new(Path::new("spec.toml"), text);
        let model = eksgrant::load_source(source.clone())
            .unwrap_or_else(|e| panic!("{e:?}"))
            .model;
        let refused = eksgrant::model::transition::check(&model, self.history.as_ref(), &source);
        assert!(refused.is_empty(), "{refused:?}");
        let transition = Transition::follow(&model, self.history.as_ref());
        let plan = render_plan(&model, &transition);
        self.history = Some(transition.history(&model, plan.files().map(|(path, _)| path)));
        (model, transition.apply_steps)
    }

    /// Says the last generation was applied in full (`generate --applied`):
    /// the next one carries none of its one-off steps on.
    fn applied(&mut self) {
        self.history = self.history.take().map(History::acknowledged);
    }
}

fn load(text: &str) -> Model {
    let loaded: Loaded = eksgrant::load_source(SourceFile::new(Path::new("spec.toml"), text))
        .unwrap_or_else(|e| panic!("{e:?}"));
    loaded.model
}

/// Walks `steps` from `world`, each run by whichever of `operators` may;
/// after each, every `(cluster, arn)` keeps what it had and still needs; at
/// the end each has exactly `expected`.
fn walk(
    model: &Model,
    steps: &[ApplyStep],
    mut world: World,
    operators: &[&str],
    expected: &BTreeMap<(&str, &str), BTreeSet<Can>>,
) -> Result<World, String> {
    let before: BTreeMap<_, _> = expected
        .keys()
        .map(|&(cluster, arn)| ((cluster, arn), world.access(cluster, arn)))
        .collect();
    for (i, step) in steps.iter().enumerate() {
        world.apply(model, step, operators)?;
        for (&(cluster, arn), needed) in expected {
            let now = world.access(cluster, arn);
            for need in needed {
                let had = before[&(cluster, arn)].iter().any(|c| c.covers(need));
                let has = now.iter().any(|c| c.covers(need));
                if had && !has {
                    return Err(format!(
                        "after step {} ({:?} {:?}), {arn} has lost {need:?} on {cluster}: {now:?}",
                        i + 1,
                        step.kind,
                        step.cluster
                    ));
                }
            }
        }
    }
    for (&(cluster, arn), needed) in expected {
        let now = world.access(cluster, arn);
        if &now != needed {
            return Err(format!(
                "{arn} ends with {now:?} on {cluster}, not {needed:?}"
            ));
        }
    }
    Ok(world)
}

/// The steps in another order: `order` lists indices into `steps`.
fn reordered(steps: &[ApplyStep], order: &[usize]) -> Vec<ApplyStep> {
    order.iter().map(|&i| steps[i].clone()).collect()
}

const ACCOUNT: &str = "arn:aws:iam::111122223333";

#[test]
fn an_existing_cluster_moves_its_aws_auth_admins_to_access_entries_without_a_lock_out() {
    let spec = format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.prod]
authentication_mode = "API_AND_CONFIG_MAP"
node_role_arns = ["{ACCOUNT}:role/prod-nodes"]

[principals.platform-admins]
arn = "{ACCOUNT}:role/platform-admins"

[[principals.platform-admins.grants]]
cluster = "prod"
access_policy = "AmazonEKSClusterAdminPolicy"

[principals.ops]
arn = "{ACCOUNT}:role/ops"

[[principals.ops.grants]]
cluster = "prod"
cluster_role = "cluster-admin"

[principals.ci]
arn = "{ACCOUNT}:role/ci/ci-deployer"

[[principals.ci.grants]]
cluster = "prod"
namespaces = ["apps"]
cluster_role = "edit"
"#
    );
    let model = load(&spec);
    let kinds: Vec<StepKind> = steps(&model).iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::KubernetesObjects,
            StepKind::Terraform,
            StepKind::AwsAuth
        ]
    );

    // Today everyone is in aws-auth: the admins in system:masters, CI in a
    // group that a RoleBinding made by hand binds to `edit` in apps.
    let mut prod = ClusterState {
        exists: true,
        mode: Some(AuthenticationMode::ApiAndConfigMap),
        ..ClusterState::default()
    };
    for (arn, group) in [
        (format!("{ACCOUNT}:role/platform-admins"), "system:masters"),
        (format!("{ACCOUNT}:role/ops"), "system:masters"),
        (format!("{ACCOUNT}:role/ci-deployer"), "ci-legacy"),
        (format!("{ACCOUNT}:role/prod-nodes"), "system:nodes"),
    ] {
        prod.aws_auth.insert(arn, vec![group.to_string()]);
    }
    prod.bind(
        "apps",
        "ci-legacy",
        "ci-legacy",
        Can::ClusterRole("edit".into(), "apps".into()),
    );
    let world = World {
        clusters: BTreeMap::from([("prod".to_string(), prod)]),
        roles: BTreeSet::new(),
    };
    let admins = format!("{ACCOUNT}:role/platform-admins");
    let ops = format!("{ACCOUNT}:role/ops");
    let ci = format!("{ACCOUNT}:role/ci/ci-deployer");
    let nodes = format!("{ACCOUNT}:role/prod-nodes");
    let expected = BTreeMap::from([
        (("prod", nodes.as_str()), BTreeSet::from([Can::Node])),
        (("prod", admins.as_str()), BTreeSet::from([Can::Admin])),
        (("prod", ops.as_str()), BTreeSet::from([Can::Admin])),
        (
            ("prod", ci.as_str()),
            BTreeSet::from([Can::ClusterRole("edit".into(), "apps".into())]),
        ),
    ]);

    walk(
        &model,
        &steps(&model),
        world.clone(),
        &[admins.as_str()],
        &expected,
    )
    .unwrap();

    // Terraform first: the access entries of ops and CI take precedence
    // over their aws-auth mappings before the bindings of their new groups
    // exist.
    let terraform_first = reordered(&steps(&model), &[1, 0, 2]);
    let error = walk(
        &model,
        &terraform_first,
        world.clone(),
        &[admins.as_str()],
        &expected,
    )
    .unwrap_err();
    assert!(
        error.starts_with("after step 1 (Terraform") && error.contains("has lost"),
        "{error}"
    );
    // aws-auth before Terraform: ops and CI leave aws-auth before they have
    // access entries.
    let aws_auth_first = reordered(&steps(&model), &[0, 2, 1]);
    let error = walk(
        &model,
        &aws_auth_first,
        world,
        &[admins.as_str()],
        &expected,
    )
    .unwrap_err();
    assert!(
        error.starts_with("after step 2 (AwsAuth") && error.contains("has lost"),
        "{error}"
    );
}

#[test]
fn a_spec_that_creates_both_clusters_applies_in_one_pass() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bootstrap.toml"),
    )
    .unwrap();
    let model = load(&text);
    let order = steps(&model);
    let kinds: Vec<(StepKind, Option<&str>)> = order
        .iter()
        .map(|s| (s.kind, s.cluster.as_deref()))
        .collect();
    // The objects before Terraform are skipped on the first apply: the
    // clusters do not exist yet.
    assert_eq!(
        kinds,
        [
            (StepKind::KubernetesObjects, Some("platform")),
            (StepKind::KubernetesObjects, Some("workload")),
            (StepKind::Terraform, None),
            (StepKind::KubernetesObjects, Some("platform")),
            (StepKind::KubernetesObjects, Some("workload")),
            (StepKind::KubernetesTerraform, None),
        ]
    );
    assert!(steps(&model)[..2].iter().all(|s| s.skip_on_first_apply));
    let admins = format!("{ACCOUNT}:role/platform-admins");
    let ci = format!("{ACCOUNT}:role/ci/ci-deployer");
    let backend = model
        .workloads
        .iter()
        .find(|w| w.key == "backend")
        .unwrap()
        .role
        .as_ref()
        .unwrap()
        .arn
        .clone();
    let expected = BTreeMap::from([
        (("platform", admins.as_str()), BTreeSet::from([Can::Admin])),
        (("workload", admins.as_str()), BTreeSet::from([Can::Admin])),
        (
            ("workload", ci.as_str()),
            BTreeSet::from([Can::Rules("eksgrant:ci-deployer".into(), "jobs".into())]),
        ),
        (
            ("workload", backend.as_str()),
            BTreeSet::from([Can::Rules("eksgrant:backend".into(), "jobs".into())]),
        ),
    ]);
    walk(
        &model,
        &steps(&model),
        World::default(),
        &[admins.as_str()],
        &expected,
    )
    .unwrap();

    // Kubernetes objects before the cluster exists cannot be applied.
    let kubectl_first = reordered(&steps(&model), &[4, 0, 1, 2, 3, 5]);
    let error = walk(
        &model,
        &kubectl_first,
        World::default(),
        &[admins.as_str()],
        &expected,
    )
    .unwrap_err();
    assert!(
        error.contains("no operator can apply RBAC on workload"),
        "{error}"
    );
}

#[test]
fn a_config_map_cluster_binds_before_aws_auth_maps_and_keeps_its_nodes() {
    let spec = format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.legacy]
authentication_mode = "CONFIG_MAP"
node_role_arns = ["{ACCOUNT}:role/legacy-nodes"]

[principals.ops]
arn = "{ACCOUNT}:role/ops"

[[principals.ops.grants]]
cluster = "legacy"
cluster_role = "cluster-admin"

[principals.dev]
arn = "{ACCOUNT}:role/dev"

[[principals.dev.grants]]
cluster = "legacy"
namespaces = ["apps"]
cluster_role = "view"
"#
    );
    let model = load(&spec);
    let mut legacy = ClusterState {
        exists: true,
        mode: Some(AuthenticationMode::ConfigMap),
        ..ClusterState::default()
    };
    for (role, group) in [
        ("ops", "system:masters"),
        ("dev", "devs"),
        ("legacy-nodes", "system:nodes"),
    ] {
        legacy
            .aws_auth
            .insert(format!("{ACCOUNT}:role/{role}"), vec![group.to_string()]);
    }
    legacy.bind(
        "apps",
        "devs",
        "devs",
        Can::ClusterRole("view".into(), "apps".into()),
    );
    let world = World {
        clusters: BTreeMap::from([("legacy".to_string(), legacy)]),
        roles: BTreeSet::new(),
    };
    let ops = format!("{ACCOUNT}:role/ops");
    let dev = format!("{ACCOUNT}:role/dev");
    let nodes = format!("{ACCOUNT}:role/legacy-nodes");
    let expected = BTreeMap::from([
        (("legacy", ops.as_str()), BTreeSet::from([Can::Admin])),
        (
            ("legacy", dev.as_str()),
            BTreeSet::from([Can::ClusterRole("view".into(), "apps".into())]),
        ),
        (("legacy", nodes.as_str()), BTreeSet::from([Can::Node])),
    ]);
    let operators = [ops.as_str()];
    walk(&model, &steps(&model), world.clone(), &operators, &expected).unwrap();

    // aws-auth first: ops moves into its new group before the binding exists.
    let aws_auth_first = reordered_kinds(&steps(&model), StepKind::AwsAuth);
    let error = walk(&model, &aws_auth_first, world, &operators, &expected).unwrap_err();
    assert!(error.starts_with("after step 1 (AwsAuth"), "{error}");
}

#[test]
fn every_kind_of_node_keeps_joining_from_config_map_to_api() {
    // One cluster through the three modes, each generation following on
    // from the last, the switches the generated steps: self-managed Linux
    // and Windows nodes, whose entries eksgrant writes, and a managed node
    // group and a Fargate profile, whose entries EKS makes when the cluster
    // moves to API_AND_CONFIG_MAP. All must join throughout.
    // `managed_as_own`: the managed node group's role listed with the
    // self-managed ones, as eksgrant once had to.
    let spec = |mode: &str, managed_as_own: bool, fargate: bool| {
        let fargate = if fargate {
            format!("fargate_pod_execution_role_arns = [\"{ACCOUNT}:role/fargate-pods\"]")
        } else {
            String::new()
        };
        let nodes = if managed_as_own {
            format!(
                "node_role_arns = [\"{ACCOUNT}:role/linux-nodes\", \"{ACCOUNT}:role/managed-nodes\"]"
            )
        } else {
            format!(
                "node_role_arns = [\"{ACCOUNT}:role/linux-nodes\"]\nmanaged_node_role_arns = [\"{ACCOUNT}:role/managed-nodes\"]"
            )
        };
        format!(
            r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.shop]
authentication_mode = "{mode}"
{nodes}
windows_node_role_arns = ["{ACCOUNT}:role/windows-nodes"]
{fargate}

[principals.ops]
arn = "{ACCOUNT}:role/ops"

[[principals.ops.grants]]
cluster = "shop"
access_policy = "AmazonEKSClusterAdminPolicy"
"#
        )
        .replace(
            "access_policy = \"AmazonEKSClusterAdminPolicy\"",
            if mode == "CONFIG_MAP" {
                CLUSTER_ADMIN_ROLE
            } else {
                CLUSTER_ADMIN_ACCESS_POLICY
            },
        )
    };
    let ops = format!("{ACCOUNT}:role/ops");
    let roles = [
        "linux-nodes",
        "managed-nodes",
        "windows-nodes",
        "fargate-pods",
    ]
    .map(|r| format!("{ACCOUNT}:role/{r}"));
    let today = || {
        let mut shop = ClusterState::existing(
            AuthenticationMode::ConfigMap,
            &[(ops.as_str(), "system:masters")],
        );
        for role in &roles {
            shop.aws_auth
                .insert(role.clone(), vec!["system:nodes".to_string()]);
        }
        shop.eks_managed = BTreeSet::from([roles[1].clone(), roles[3].clone()]);
        World::of("shop", shop)
    };
    let mut expected = BTreeMap::from([(("shop", ops.clone()), BTreeSet::from([Can::Admin]))]);
    for role in &roles {
        expected.insert(("shop", role.clone()), BTreeSet::from([Can::Node]));
    }
    let operators = [ops.as_str()];
    let mut directory = Directory::default();
    let mut world = today();
    let mut eks_entries = Vec::new();
    for mode in ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"] {
        let (model, steps) = directory.generate(&spec(mode, false, true));
        // eksgrant writes the self-managed nodes' entries, and forgets at
        // the addresses it once used the entries EKS keeps.
        let shop = &model.clusters[0];
        if mode != "CONFIG_MAP" {
            let own: Vec<&str> = shop
                .node_access_entries
                .iter()
                .map(|e| e.entry_type)
                .collect();
            assert_eq!(own, ["EC2_LINUX", "EC2_WINDOWS"]);
            let forgotten: Vec<&str> = shop
                .eks_node_entries
                .iter()
                .map(|e| e.role_arn.as_str())
                .collect();
            assert_eq!(forgotten, [roles[1].as_str(), roles[3].as_str()]);
        }
        eks_entries.extend(
            steps
                .iter()
                .filter_map(|s| s.switch.as_ref())
                .filter(|s| s.to == AuthenticationMode::Api)
                .flat_map(|s| s.eks_node_entries.iter().map(|e| e.role_arn.clone())),
        );
        world = walk_owned(&model, &steps, world, &operators, &expected)
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
    }
    assert_eq!(world.clusters["shop"].mode, Some(AuthenticationMode::Api));
    // The switch to API checks the entries EKS made first.
    assert_eq!(eks_entries, [roles[1].clone(), roles[3].clone()]);

    // The managed node group's role listed with the self-managed ones, as
    // eksgrant once had it: EKS made its entry at the switch, and
    // Terraform's collides with it.
    let mut directory = Directory::default();
    let (model, steps) = directory.generate(&spec("CONFIG_MAP", true, true));
    let world = walk_owned(&model, &steps, today(), &operators, &expected).unwrap();
    let (model, steps) = directory.generate(&spec("API_AND_CONFIG_MAP", true, true));
    let error = walk_owned(&model, &steps, world, &operators, &expected).unwrap_err();
    assert!(
        error.contains("ResourceInUseException") && error.contains("managed-nodes"),
        "{error}"
    );

    // A spec that leaves the Fargate role out, as eksgrant once had to, loses
    // the Fargate pods when the aws-auth it writes replaces the one EKS made.
    let mut directory = Directory::default();
    let (model, steps) = directory.generate(&spec("CONFIG_MAP", false, false));
    let error = walk_owned(&model, &steps, today(), &operators, &expected).unwrap_err();
    assert!(
        error.contains("fargate-pods has lost Node") && error.contains("AwsAuth"),
        "{error}"
    );
}

#[test]
fn a_created_cluster_binds_before_terraform_from_the_second_apply_on() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bootstrap.toml");
    let example = std::fs::read_to_string(path).unwrap();
    // The first generation gave CI an access policy; the second moves it to
    // a binding of `edit`, which Terraform must not remove the policy for
    // before the binding exists.
    let first = crate::support::with_ci_grant(&example, "access_policy = \"AmazonEKSEditPolicy\"");
    let second = crate::support::with_ci_grant(&example, "cluster_role = \"edit\"");
    assert_ne!(first, second);
    let (first, second) = (load(&first), load(&second));
    let admins = format!("{ACCOUNT}:role/platform-admins");
    let ci = format!("{ACCOUNT}:role/ci/ci-deployer");
    let operators = [admins.as_str()];
    let expected = BTreeMap::from([
        (("workload", admins.as_str()), BTreeSet::from([Can::Admin])),
        (
            ("workload", ci.as_str()),
            BTreeSet::from([Can::ClusterRole("edit".into(), "jobs".into())]),
        ),
    ]);
    let applied = walk(
        &first,
        &steps(&first),
        World::default(),
        &operators,
        &expected,
    )
    .unwrap();
    walk(
        &second,
        &steps(&second),
        applied.clone(),
        &operators,
        &expected,
    )
    .unwrap();

    // Without the objects step before Terraform, CI's policy goes first.
    let after_only: Vec<ApplyStep> = steps(&second)
        .iter()
        .filter(|s| !s.skip_on_first_apply)
        .cloned()
        .collect();
    let error = walk(&second, &after_only, applied, &operators, &expected).unwrap_err();
    assert!(
        error.contains("ci-deployer has lost ClusterRole(\"edit\", \"jobs\")"),
        "{error}"
    );
}

#[test]
fn the_platform_workload_example_keeps_its_operator_and_ends_as_the_spec_says() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform-workload.toml"),
    )
    .unwrap();
    let model = load(&text);
    // The existing platform cluster is administered today through an access
    // entry its creator got; the spec adds platform-admins.
    let operator = format!("{ACCOUNT}:role/cluster-creator");
    let mut platform = ClusterState {
        exists: true,
        mode: Some(AuthenticationMode::Api),
        ..ClusterState::default()
    };
    platform.entries.insert(
        operator.clone(),
        Entry {
            groups: Vec::new(),
            policies: vec![(CLUSTER_ADMIN_POLICY.into(), "*".into())],
        },
    );
    let world = World {
        clusters: BTreeMap::from([("platform".to_string(), platform)]),
        roles: BTreeSet::new(),
    };
    let admins = format!("{ACCOUNT}:role/platform-admins");
    let ci = format!("{ACCOUNT}:role/ci/ci-deployer");
    let backend = model
        .workloads
        .iter()
        .find(|w| w.key == "backend")
        .unwrap()
        .role
        .as_ref()
        .unwrap()
        .arn
        .clone();
    let expected = BTreeMap::from([
        (
            ("platform", operator.as_str()),
            BTreeSet::from([Can::Admin]),
        ),
        (("platform", admins.as_str()), BTreeSet::from([Can::Admin])),
        (("workload", admins.as_str()), BTreeSet::from([Can::Admin])),
        (
            ("workload", ci.as_str()),
            BTreeSet::from([Can::Rules("eksgrant:ci-deployer".into(), "jobs".into())]),
        ),
        (
            ("workload", backend.as_str()),
            BTreeSet::from([Can::Rules("eksgrant:backend".into(), "jobs".into())]),
        ),
    ]);
    let operators = [operator.as_str(), admins.as_str()];
    walk(&model, &steps(&model), world, &operators, &expected).unwrap();
}

/// A workload's pods, as the IRSA webhook and the Pod Setup agent set
/// them up when they start.
#[derive(Debug, Clone, Copy)]
struct Pods {
    /// Started with `AWS_WEB_IDENTITY_TOKEN_FILE` (the ServiceAccount was
    /// annotated).
    web_identity: bool,
    /// Started with the container credentials of Pod Setup (an
    /// association existed).
    pod_identity: bool,
}

/// How one workload is set up: its ServiceAccount and the AWS side.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Setup {
    annotated: bool,
    associated: bool,
    trusts_irsa: bool,
    trusts_pod_identity: bool,
}

impl Setup {
    fn of(model: &Model, plan: &eksgrant::Plan, workload: &str) -> Setup {
        let w = model.workloads.iter().find(|w| w.key == workload).unwrap();
        let role = w.role.as_ref().unwrap();
        let trust = &plan.get(&role.trust_file).unwrap().contents;
        Setup {
            annotated: w.annotate_irsa,
            associated: !role.associations.is_empty(),
            trusts_irsa: trust.contains("sts:AssumeRoleWithWebIdentity"),
            trusts_pod_identity: trust.contains("pods.eks.amazonaws.com"),
        }
    }

    /// Pods started now.
    fn start(self) -> Pods {
        Pods {
            web_identity: self.annotated,
            pod_identity: self.associated,
        }
    }

    /// Whether `pods` get credentials: the SDKs' default chains try the web
    /// identity token before the container credentials.
    fn works_for(self, pods: Pods) -> bool {
        if pods.web_identity {
            self.trusts_irsa
        } else {
            pods.pod_identity && self.trusts_pod_identity
        }
    }
}

fn plan_of(model_text: &str) -> (Model, eksgrant::Plan) {
    let loaded = eksgrant::load_source(SourceFile::new(Path::new("spec.toml"), model_text))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let options = eksgrant::render::RenderOptions::new("spec.toml", false);
    let transition = Transition::follow(&loaded.model, None);
    let plan = eksgrant::render::render(&loaded.model, &transition, &options).unwrap();
    (loaded.model, plan)
}

/// Walks one regeneration's steps for a workload on an existing cluster.
/// Its ServiceAccount changes with the Kubernetes objects (when eksgrant
/// writes it; otherwise whoever does changes it at the restart step), the
/// role and association with Terraform; pods restart at the restart step,
/// and a pod started at any other moment must get credentials too.
fn walk_identity(
    steps: &[ApplyStep],
    from: Setup,
    to: Setup,
    pods: &mut Pods,
    eksgrant_writes_service_account: bool,
) -> Result<(), String> {
    let mut now = from;
    for step in steps {
        match step.kind {
            StepKind::KubernetesObjects if eksgrant_writes_service_account => {
                now.annotated = to.annotated;
            }
            StepKind::RestartPods => {
                now.annotated = to.annotated;
                *pods = now.start();
            }
            StepKind::Terraform => {
                now.associated = to.associated;
                now.trusts_irsa = to.trusts_irsa;
                now.trusts_pod_identity = to.trusts_pod_identity;
            }
            // The per-cluster layout: the role's trust in terraform/iam,
            // the association in the cluster's root, applied after it.
            StepKind::TerraformIam => {
                now.trusts_irsa = to.trusts_irsa;
                now.trusts_pod_identity = to.trusts_pod_identity;
            }
            StepKind::TerraformClusters => now.associated = to.associated,
            _ => {}
        }
        if !now.works_for(*pods) {
            return Err(format!(
                "running pods lose their credentials after {:?}",
                step.kind
            ));
        }
        if !now.works_for(now.start()) {
            return Err(format!(
                "a pod started after {:?} gets no credentials",
                step.kind
            ));
        }
    }
    Ok(())
}

/// A spec with one workload, `reports`, on an existing cluster, with
/// `settings` in its table.
fn identity_spec(settings: &str) -> String {
    format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.prod]
oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"

[principals.admins]
arn = "{ACCOUNT}:role/admins"

[[principals.admins.grants]]
cluster = "prod"
access_policy = "AmazonEKSClusterAdminPolicy"

[workloads.reports]
cluster = "prod"
namespace = "analytics"
{settings}
aws.managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
"#
    )
}

/// [`identity_spec`] with `layout = "per-cluster"`.
fn per_cluster(spec: &str) -> String {
    spec.replacen(
        "[clusters.prod]",
        "[terraform]\nlayout = \"per-cluster\"\n\n[clusters.prod]",
        1,
    )
}

/// Walks IRSA -> migrating -> Pod Setup, each generation following the
/// one before as `generate` does, for a ServiceAccount eksgrant writes or
/// not, with the single root or (`split`) the per-cluster layout.
fn cut_over(extra: &str, eksgrant_writes_service_account: bool, split: bool) {
    let spec = |settings: String| {
        let spec = identity_spec(&settings);
        if split { per_cluster(&spec) } else { spec }
    };
    let (irsa_model, irsa_plan) = plan_of(&spec(format!("identity = \"irsa\"\n{extra}")));
    let irsa_transition = Transition::follow(&irsa_model, None);
    let (both_model, _) = plan_of(&spec(format!("migrate_from = \"irsa\"\n{extra}")));
    let both_transition = Transition::follow(
        &both_model,
        Some(&irsa_transition.history(&irsa_model, irsa_plan.files().map(|(path, _)| path))),
    );
    let both_plan = render_plan(&both_model, &both_transition);
    let (pod_model, _) = plan_of(&spec(extra.to_string()));
    let unfollowed = steps(&pod_model);
    let pod_transition = Transition::follow(
        &pod_model,
        Some(&both_transition.history(&both_model, both_plan.files().map(|(path, _)| path))),
    );
    let pod_plan = render_plan(&pod_model, &pod_transition);
    let irsa = Setup::of(&irsa_model, &irsa_plan, "reports");
    let both = Setup::of(&both_model, &both_plan, "reports");
    let pod_identity = Setup::of(&pod_model, &pod_plan, "reports");
    assert_eq!(
        (
            irsa.annotated,
            irsa.associated,
            irsa.trusts_irsa,
            irsa.trusts_pod_identity
        ),
        (true, false, true, false)
    );
    assert_eq!(
        (
            both.annotated,
            both.associated,
            both.trusts_irsa,
            both.trusts_pod_identity
        ),
        (true, true, true, true)
    );
    assert_eq!(
        (
            pod_identity.annotated,
            pod_identity.associated,
            pod_identity.trusts_irsa,
            pod_identity.trusts_pod_identity
        ),
        (false, true, false, true)
    );
    assert!(
        !both_transition
            .apply_steps
            .iter()
            .any(|s| s.kind == StepKind::RestartPods),
        "nobody leaves IRSA yet"
    );
    let restart = pod_transition
        .apply_steps
        .iter()
        .find(|s| s.kind == StepKind::RestartPods)
        .expect("reports leaves IRSA");
    assert_eq!(restart.restarts[0].workload, "reports");
    assert_eq!(
        restart.restarts[0].annotation_by_eksgrant,
        eksgrant_writes_service_account
    );
    let overview = &pod_plan.get("ACCESS.md").unwrap().contents;
    assert!(
        overview.contains("restart the pods leaving IRSA"),
        "{overview}"
    );

    let w = eksgrant_writes_service_account;
    let mut pods = irsa.start();
    walk_identity(&both_transition.apply_steps, irsa, both, &mut pods, w).unwrap();
    assert!(
        pods.web_identity,
        "pods keep using IRSA while the annotation is there"
    );
    walk_identity(
        &pod_transition.apply_steps,
        both,
        pod_identity,
        &mut pods,
        w,
    )
    .unwrap();
    assert!(!pods.web_identity && pods.pod_identity);

    // Without the history (no restart step), or with Terraform (the root
    // that holds the role) first, the IRSA trust goes while pods still use
    // it.
    let role_root = if split {
        StepKind::TerraformIam
    } else {
        StepKind::Terraform
    };
    for steps in [
        unfollowed,
        reordered_kinds(&pod_transition.apply_steps, role_root),
    ] {
        let mut pods = irsa.start();
        walk_identity(&both_transition.apply_steps, irsa, both, &mut pods, w).unwrap();
        let error = walk_identity(&steps, both, pod_identity, &mut pods, w).unwrap_err();
        assert!(error.contains("lose their credentials"), "{error}");
    }
}

/// `steps` with the first step of `kind` moved to the front.
fn reordered_kinds(steps: &[ApplyStep], kind: StepKind) -> Vec<ApplyStep> {
    let mut steps = steps.to_vec();
    let at = steps.iter().position(|s| s.kind == kind).unwrap();
    let step = steps.remove(at);
    steps.insert(0, step);
    steps
}

fn render_plan(model: &Model, transition: &Transition) -> eksgrant::Plan {
    let options = eksgrant::render::RenderOptions::new("spec.toml", false);
    eksgrant::render::render(model, transition, &options).unwrap()
}

#[test]
fn irsa_to_pod_identity_cuts_over_without_a_pod_losing_credentials() {
    cut_over("", true, false);
}

#[test]
fn irsa_to_pod_identity_cuts_over_when_something_else_writes_the_service_account() {
    cut_over("create_service_account = false", false, false);
}

#[test]
fn irsa_to_pod_identity_cuts_over_across_the_per_cluster_roots() {
    // The trust is in terraform/iam, the association in the cluster's root.
    cut_over("", true, true);
    cut_over("create_service_account = false", false, true);
}

#[test]
fn the_per_cluster_roots_apply_iam_first_then_the_clusters_then_the_network() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/per-cluster.toml"),
    )
    .unwrap();
    let model = load(&text);
    let order = steps(&model);
    let kinds: Vec<(StepKind, Option<&str>, Vec<&str>)> = order
        .iter()
        .map(|s| {
            let roots = s.roots.iter().map(String::as_str).collect();
            (s.kind, s.cluster.as_deref(), roots)
        })
        .collect();
    let objects = |cluster| (StepKind::KubernetesObjects, Some(cluster), vec![]);
    assert_eq!(
        kinds,
        [
            objects("apps"),
            objects("edge"),
            objects("hub"),
            objects("legacy"),
            (StepKind::TerraformIam, None, vec!["terraform/iam"]),
            (
                StepKind::TerraformClusters,
                None,
                vec![
                    "terraform/clusters/apps",
                    "terraform/clusters/edge",
                    "terraform/clusters/hub",
                    "terraform/clusters/legacy"
                ]
            ),
            (StepKind::TerraformNetwork, None, vec!["terraform/network"]),
            objects("apps"),
            objects("hub"),
            (
                StepKind::KubernetesTerraform,
                None,
                vec!["terraform-kubernetes"]
            ),
            (StepKind::AwsAuth, Some("legacy"), vec![]),
        ]
    );

    // The existing clusters are administered today by their creator; the
    // legacy cluster's nodes join through aws-auth.
    let operator = format!("{ACCOUNT}:role/cluster-creator");
    let nodes = format!("{ACCOUNT}:role/legacy-nodes");
    let existing = |mode| {
        let mut state = ClusterState {
            exists: true,
            mode: Some(mode),
            ..ClusterState::default()
        };
        state.entries.insert(
            operator.clone(),
            Entry {
                groups: Vec::new(),
                policies: vec![(CLUSTER_ADMIN_POLICY.into(), "*".into())],
            },
        );
        state
    };
    let mut legacy = existing(AuthenticationMode::ApiAndConfigMap);
    legacy.aws_auth.insert(
        nodes.clone(),
        vec!["system:bootstrappers".into(), "system:nodes".into()],
    );
    let world = World {
        clusters: BTreeMap::from([
            ("legacy".to_string(), legacy),
            ("edge".to_string(), existing(AuthenticationMode::Api)),
        ]),
        roles: BTreeSet::new(),
    };
    let admins = format!("{ACCOUNT}:role/platform/admins");
    let alice = format!("{ACCOUNT}:user/engineers/alice");
    let controller = generated_roles(&model)
        .into_iter()
        .find(|arn| arn.ends_with(":role/eks/acme-controller"))
        .unwrap();
    let mut expected = BTreeMap::from([
        (("legacy", operator.as_str()), BTreeSet::from([Can::Admin])),
        (("edge", operator.as_str()), BTreeSet::from([Can::Admin])),
        (("legacy", nodes.as_str()), BTreeSet::from([Can::Node])),
        (
            ("apps", alice.as_str()),
            BTreeSet::from([Can::ClusterRole("edit".into(), "team-*".into())]),
        ),
        (
            ("legacy", alice.as_str()),
            BTreeSet::from([Can::ClusterRole("view".into(), "reports".into())]),
        ),
        (
            ("apps", controller.as_str()),
            BTreeSet::from([Can::Rules("eksgrant:controller".into(), "jobs".into())]),
        ),
    ]);
    for cluster in ["apps", "edge", "hub", "legacy"] {
        expected.insert((cluster, admins.as_str()), BTreeSet::from([Can::Admin]));
    }
    let operators = [operator.as_str(), admins.as_str()];
    walk(&model, &steps(&model), world.clone(), &operators, &expected).unwrap();

    // The cluster roots before terraform/iam name roles that do not exist.
    let clusters_first = reordered_kinds(&steps(&model), StepKind::TerraformClusters);
    let error = walk(&model, &clusters_first, world, &operators, &expected).unwrap_err();
    assert!(error.contains("which does not exist yet"), "{error}");
}

/// Today's `prod`, before eksgrant: on `CONFIG_MAP`, with everyone in the
/// aws-auth ConfigMap someone wrote by hand, and bindings made by hand.
fn prod_before_eksgrant() -> World {
    let mut prod = ClusterState::existing(
        AuthenticationMode::ConfigMap,
        &[
            (&format!("{ACCOUNT}:role/ops"), "system:masters"),
            (&format!("{ACCOUNT}:role/ci-deployer"), "ci-legacy"),
            (&format!("{ACCOUNT}:role/dev"), "devs"),
            (&format!("{ACCOUNT}:role/prod-nodes"), "system:nodes"),
            (
                &format!("{ACCOUNT}:role/prod-managed-nodes"),
                "system:nodes",
            ),
        ],
    );
    // EKS made the managed node group's mapping.
    prod.eks_managed
        .insert(format!("{ACCOUNT}:role/prod-managed-nodes"));
    prod.bind(
        "apps",
        "ci-legacy",
        "ci-legacy",
        Can::ClusterRole("edit".into(), "apps".into()),
    );
    prod.bind(
        "apps",
        "devs",
        "devs",
        Can::ClusterRole("view".into(), "apps".into()),
    );
    World::of("prod", prod)
}

/// What each principal of the migration ends with on `prod`: ops
/// administers, CI has `ci_role` in `apps`, the developer `dev_view` or
/// nothing, the nodes join.
fn migration_expected(
    ci_role: &str,
    dev_view: bool,
) -> BTreeMap<(&'static str, String), BTreeSet<Can>> {
    let role = |name: &str| format!("{ACCOUNT}:role/{name}");
    let mut expected = BTreeMap::from([
        (("prod", role("ops")), BTreeSet::from([Can::Admin])),
        (
            ("prod", role("ci/ci-deployer")),
            BTreeSet::from([Can::ClusterRole(ci_role.into(), "apps".into())]),
        ),
        (("prod", role("prod-nodes")), BTreeSet::from([Can::Node])),
        (
            ("prod", role("prod-managed-nodes")),
            BTreeSet::from([Can::Node]),
        ),
        (("prod", role("dev")), BTreeSet::new()),
    ]);
    if dev_view {
        expected.insert(
            ("prod", role("dev")),
            BTreeSet::from([Can::ClusterRole("view".into(), "apps".into())]),
        );
    }
    expected
}

/// [`walk`] with owned ARNs.
fn walk_owned(
    model: &Model,
    steps: &[ApplyStep],
    world: World,
    operators: &[&str],
    expected: &BTreeMap<(&'static str, String), BTreeSet<Can>>,
) -> Result<World, String> {
    let expected: BTreeMap<(&str, &str), BTreeSet<Can>> = expected
        .iter()
        .map(|((cluster, arn), can)| ((*cluster, arn.as_str()), can.clone()))
        .collect();
    walk(model, steps, world, operators, &expected)
}

/// Every object the revocations of `steps` delete, as the manifest names
/// them.
fn revoked_by(steps: &[ApplyStep]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| s.revocation.as_ref())
        .flat_map(|r| &r.objects)
        .map(ToString::to_string)
        .collect()
}

/// The kinds of `steps`, for assertions on their order.
fn kinds(steps: &[ApplyStep]) -> Vec<StepKind> {
    steps.iter().map(|s| s.kind).collect()
}

#[test]
fn an_existing_cluster_migrates_from_config_map_to_api_with_a_narrowing_a_removal_and_an_admin_moving_to_an_access_policy()
 {
    let ops = format!("{ACCOUNT}:role/ops");
    let operators = [ops.as_str()];
    let mut directory = Directory::default();

    // 1. On CONFIG_MAP, as the cluster is today.
    let (model, steps) =
        directory.generate(&migrating("CONFIG_MAP", CLUSTER_ADMIN_ROLE, "edit", true));
    assert_eq!(
        kinds(&steps),
        [
            StepKind::KubernetesObjects,
            StepKind::Terraform,
            StepKind::AwsAuth
        ]
    );
    let world = walk_owned(
        &model,
        &steps,
        prod_before_eksgrant(),
        &operators,
        &migration_expected("edit", true),
    )
    .unwrap();
    directory.applied();

    // 2. To API_AND_CONFIG_MAP; CI narrowed from edit to view, the
    // developer removed. The switch comes before the Terraform that creates
    // the access entries; the old bindings go last.
    let (model, steps) = directory.generate(&migrating(
        "API_AND_CONFIG_MAP",
        CLUSTER_ADMIN_ROLE,
        "view",
        false,
    ));
    assert_eq!(
        kinds(&steps),
        [
            StepKind::KubernetesObjects,
            StepKind::SwitchMode,
            StepKind::Terraform,
            StepKind::AwsAuth,
            StepKind::Revoke
        ]
    );
    assert_eq!(steps[4].kind, StepKind::Revoke);
    let revoked = revoked_by(&steps);
    assert_eq!(
        revoked,
        [
            "RoleBinding apps/eksgrant:ci:edit",
            "RoleBinding apps/eksgrant:dev:view"
        ]
    );
    let expected = migration_expected("view", false);
    let after_two = walk_owned(&model, &steps, world.clone(), &operators, &expected).unwrap();
    // Regenerated before anyone says it was applied, it carries its steps on.
    let mut unacknowledged = directory.clone();
    directory.applied();
    // Without the switch, the plan stops at the postcondition (and EKS
    // would refuse the entries); without the revocation, CI keeps edit and
    // the developer keeps view, since `kubectl apply` deletes nothing.
    let unswitched: Vec<ApplyStep> = steps
        .iter()
        .filter(|s| s.kind != StepKind::SwitchMode)
        .cloned()
        .collect();
    let error = walk_owned(&model, &unswitched, world.clone(), &operators, &expected).unwrap_err();
    assert!(error.contains("postcondition of prod"), "{error}");
    let unrevoked = &steps[..4];
    let error = walk_owned(&model, unrevoked, world.clone(), &operators, &expected).unwrap_err();
    assert!(
        error.contains("ci-deployer ends with") && error.contains("\"edit\""),
        "{error}"
    );

    // 3. To API; ops moves from its cluster-admin binding to the access
    // policy. The binding goes only once the policy exists, and the switch
    // comes after the Terraform that creates it.
    let (model, steps) = directory.generate(&migrating(
        "API",
        CLUSTER_ADMIN_ACCESS_POLICY,
        "view",
        false,
    ));
    assert_eq!(
        kinds(&steps),
        [
            StepKind::KubernetesObjects,
            StepKind::Terraform,
            StepKind::SwitchMode,
            StepKind::Revoke
        ]
    );
    assert_eq!(steps[3].kind, StepKind::Revoke);
    assert_eq!(
        revoked_by(&steps),
        [
            "ClusterRoleBinding eksgrant:ops:cluster-admin",
            "ConfigMap kube-system/aws-auth"
        ]
    );
    let after_three = walk_owned(&model, &steps, after_two.clone(), &operators, &expected).unwrap();
    assert_eq!(
        after_three.clusters["prod"].mode,
        Some(AuthenticationMode::Api)
    );
    // Over generation 2 not said to be applied: its switch and its
    // revocations come again, and running them again changes nothing.
    let third = migrating("API", CLUSTER_ADMIN_ACCESS_POLICY, "view", false);
    let (carried_model, carried) = unacknowledged.generate(&third);
    assert_eq!(
        kinds(&carried),
        [
            StepKind::KubernetesObjects,
            StepKind::SwitchMode,
            StepKind::Terraform,
            StepKind::SwitchMode,
            StepKind::Revoke
        ]
    );
    assert_eq!(
        revoked_by(&carried),
        [
            "RoleBinding apps/eksgrant:ci:edit",
            "RoleBinding apps/eksgrant:dev:view",
            "ClusterRoleBinding eksgrant:ops:cluster-admin",
            "ConfigMap kube-system/aws-auth"
        ]
    );
    walk_owned(
        &carried_model,
        &carried,
        after_two.clone(),
        &operators,
        &expected,
    )
    .unwrap();
    // Nor has generation 2 to have been applied: its steps, carried on,
    // take the cluster from CONFIG_MAP to API in one go.
    walk_owned(
        &carried_model,
        &carried,
        world.clone(),
        &operators,
        &expected,
    )
    .unwrap();
    // The revocation first: ops loses its binding before its access policy
    // exists.
    let revoke_first = reordered_kinds(&steps, StepKind::Revoke);
    let error = walk_owned(&model, &revoke_first, after_two, &operators, &expected).unwrap_err();
    assert!(
        error.contains("ops has lost Admin") && error.contains("Revoke"),
        "{error}"
    );
}

#[test]
fn a_revocation_survives_regenerating_twice_before_applying() {
    let ops = format!("{ACCOUNT}:role/ops");
    let operators = [ops.as_str()];
    let mut directory = Directory::default();
    let first = migrating(
        "API_AND_CONFIG_MAP",
        CLUSTER_ADMIN_ACCESS_POLICY,
        "edit",
        true,
    );
    let (model, steps) = directory.generate(&first);
    let mut prod = ClusterState::existing(
        AuthenticationMode::ApiAndConfigMap,
        &[
            (&format!("{ACCOUNT}:role/prod-nodes"), "system:nodes"),
            (
                &format!("{ACCOUNT}:role/prod-managed-nodes"),
                "system:nodes",
            ),
        ],
    );
    // EKS's entry of the managed node group.
    prod.entries.insert(
        format!("{ACCOUNT}:role/prod-managed-nodes"),
        Entry {
            groups: vec!["system:nodes".into()],
            policies: Vec::new(),
        },
    );
    prod.entries.insert(
        ops.clone(),
        Entry {
            groups: Vec::new(),
            policies: vec![(CLUSTER_ADMIN_POLICY.into(), "*".into())],
        },
    );
    prod.terraform_entries.insert(ops.clone());
    let applied = walk_owned(
        &model,
        &steps,
        World::of("prod", prod),
        &operators,
        &migration_expected("edit", true),
    )
    .unwrap();

    // CI narrowed and the developer removed, generated and committed; then
    // another change regenerates before anyone applied the first.
    let narrowed = migrating(
        "API_AND_CONFIG_MAP",
        CLUSTER_ADMIN_ACCESS_POLICY,
        "view",
        false,
    );
    directory.generate(&narrowed);
    let again = narrowed.replace("[principals.ci]", "[principals.auditor]\narn = \"arn:aws:iam::111122223333:role/auditor\"\n\n[[principals.auditor.grants]]\ncluster = \"prod\"\naccess_policy = \"AmazonEKSViewPolicy\"\n\n[principals.ci]");
    let (model, steps) = directory.generate(&again);
    let revoked = revoked_by(&steps);
    assert_eq!(
        revoked,
        [
            "RoleBinding apps/eksgrant:ci:edit",
            "RoleBinding apps/eksgrant:dev:view"
        ]
    );
    let auditor = format!("{ACCOUNT}:role/auditor");
    let mut expected = migration_expected("view", false);
    expected.insert(
        ("prod", auditor),
        BTreeSet::from([Can::ClusterRole("view".into(), "*".into())]),
    );
    walk_owned(&model, &steps, applied, &operators, &expected).unwrap();

    // Once the spec writes an object again, it is no longer revoked (and
    // what it wrote instead is).
    let (_, steps) = directory.generate(&first);
    let revoked = revoked_by(&steps);
    assert_eq!(revoked, ["RoleBinding apps/eksgrant:ci:view"]);
}

#[test]
fn a_cluster_that_leaves_the_spec_has_its_objects_revoked_until_it_comes_back() {
    let two = |edge: bool| {
        let mut spec = migrating("API", CLUSTER_ADMIN_ACCESS_POLICY, "edit", false);
        if edge {
            spec.push_str(
                "\n[clusters.edge]\n\n[[principals.ci.grants]]\ncluster = \"edge\"\nnamespaces = [\"apps\"]\ncluster_role = \"view\"\n",
            );
        }
        spec
    };
    let mut directory = Directory::default();
    directory.generate(&two(true));
    let revoked_on_edge = |steps: &[ApplyStep]| -> Option<(bool, Vec<String>)> {
        steps
            .iter()
            .filter_map(|s| s.revocation.as_ref())
            .find(|r| r.cluster == "edge")
            .map(|r| {
                (
                    r.in_spec(),
                    r.objects.iter().map(ToString::to_string).collect(),
                )
            })
    };
    let (_, steps) = directory.generate(&two(false));
    assert_eq!(
        revoked_on_edge(&steps),
        Some((false, vec!["RoleBinding apps/eksgrant:ci:view".to_string()]))
    );
    // Still there a generation later: it may not have been applied.
    let (_, steps) = directory.generate(&two(false));
    assert_eq!(
        revoked_on_edge(&steps).map(|(in_spec, _)| in_spec),
        Some(false)
    );
    // Back in the spec with the same grant: nothing of it to revoke.
    let (_, steps) = directory.generate(&two(true));
    assert_eq!(revoked_on_edge(&steps), None);
}

#[test]
fn aws_auth_is_revoked_only_once_the_cluster_no_longer_reads_it() {
    // On API_AND_CONFIG_MAP without node roles or accounts, eksgrant leaves
    // aws-auth alone: deleting it would drop the mappings EKS made for
    // managed node groups and Fargate profiles. On API, it goes.
    let spec = |mode: &str, nodes: bool| {
        let nodes = if nodes {
            format!("node_role_arns = [\"{ACCOUNT}:role/prod-nodes\"]\n")
        } else {
            String::new()
        };
        format!(
            "version = 1\n\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-2\"\n\n[clusters.prod]\nauthentication_mode = \"{mode}\"\n{nodes}\n[principals.ops]\narn = \"{ACCOUNT}:role/ops\"\n\n[[principals.ops.grants]]\ncluster = \"prod\"\n{CLUSTER_ADMIN_ROLE}\n"
        )
    };
    let mut directory = Directory::default();
    directory.generate(&spec("CONFIG_MAP", true));
    directory.applied();
    let (_, steps) = directory.generate(&spec("API_AND_CONFIG_MAP", false));
    assert!(
        !revoked_by(&steps).contains(&"ConfigMap kube-system/aws-auth".to_string()),
        "{:?}",
        revoked_by(&steps)
    );
    directory.applied();
    let (_, steps) = directory.generate(&spec("API", false));
    assert!(
        revoked_by(&steps).contains(&"ConfigMap kube-system/aws-auth".to_string()),
        "{:?}",
        revoked_by(&steps)
    );
}
