//! The transition pass: what applying this generation over the one before
//! it takes, given that generation's [`History`]. The last pass, and the
//! only one that reads the output directory's past; the model it reads is
//! never changed, so the same model can be followed on from two histories
//! and the results compared (see [`Transition::settles`]).
//!
//! - **Refusals** ([`check`]): EKS moves a cluster's authentication mode
//!   one way only, `CONFIG_MAP` -> `API_AND_CONFIG_MAP` -> `API`; a spec
//!   that moves a cluster back would generate Terraform that fails at apply
//!   (or a postcondition that fails every plan), and one that skips
//!   `API_AND_CONFIG_MAP` would switch off aws-auth before any access entry
//!   exists (EKS refuses the skip too). EKS cannot change the key that
//!   encrypts a cluster's Secrets, nor turn the encryption off: the AWS
//!   provider would replace the cluster for the latter, and for the former
//!   record the new key while EKS keeps the old one.
//! - **Mode switches**: an existing cluster's mode is EKS's to change, not
//!   Terraform's, so moving it is a step of the apply order, placed where it
//!   is required and safe: to `API_AND_CONFIG_MAP` before the Terraform
//!   that creates access entries (aws-auth still answers meanwhile), to
//!   `API` after it and after aws-auth, once every principal and node role
//!   has its entry. (A created cluster's mode is Terraform's.)
//! - **Revocations**: `kubectl apply` deletes nothing, so every object an
//!   earlier generation wrote and this one does not is deleted by a step of
//!   its own, last, once everything the spec still grants is in place.
//! - **IRSA cut-overs**: pods of a workload whose role trusted IRSA and no
//!   longer does restart before Terraform drops the trust.
//! - **State moves** when `[terraform] layout` changed, and the roots left
//!   behind when a cluster's root is no longer generated.
//! - **Catch-ups** of a created cluster that an earlier generation left
//!   something to EKS for: the log group EKS made, Secrets written before
//!   their encryption.
//!
//! Each of these one-off steps is carried from generation to generation
//! (the history records it), since eksgrant cannot know when one was
//! applied: regenerating before applying loses none, and the next run of
//! the same spec renders the same files. They go once the spec no longer
//! calls for them (an object written again) or the history is
//! [acknowledged](History::acknowledged) (`generate --applied`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::apply_order;
use super::history::{ClusterRecord, History, LeftCluster};
use super::objects::{ObjectKind, ObjectRef};
use super::roots;
use super::types::{
    ApplyStep, CatchUp, Cluster, ModeSwitch, Model, Revocation, SecretsKey, StateMove,
};
use crate::code::Code;
use crate::error::Problem;
use crate::source::SourceFile;
use crate::spec::AuthenticationMode;

/// What applying a generation over the previous one takes, besides its
/// files: the steps in order, and what they carry out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    /// How to apply the generated repository, in order.
    pub apply_steps: Vec<ApplyStep>,
    /// Set when the state of an earlier generation's roots, of the other
    /// layout, must move first.
    pub state_move: Option<StateMove>,
    /// Roots an earlier generation wrote and this one does not, because
    /// their cluster left the spec: their state still holds what they made.
    pub removed_roots: Vec<String>,
    /// What each created cluster an earlier generation knew needs around
    /// this apply, by key; only those that need something.
    pub catch_up: BTreeMap<String, CatchUp>,
    /// The workloads whose pods restart off IRSA.
    pub leaving_irsa: BTreeSet<String>,
    /// The clusters (keys) whose aws-auth ConfigMap an earlier generation
    /// wrote and this one leaves alone while the cluster reads it: it is
    /// revoked once the cluster is on `API`, which ignores it.
    pub aws_auth_kept: BTreeSet<String>,
}

impl Transition {
    /// The transition of `model` over the generation whose history is
    /// `previous` (`None`: over nothing, a first generation). What that
    /// generation still carried is carried on.
    pub fn follow(model: &Model, previous: Option<&History>) -> Transition {
        let empty = History::default();
        let history = previous.unwrap_or(&empty);
        let records = history.by_name();
        // The model's workloads are sorted by key.
        let leaving_irsa: BTreeSet<String> = history
            .irsa_workloads
            .iter()
            .chain(&history.irsa_leaving)
            .filter(|key| {
                model
                    .workloads
                    .binary_search_by(|w| w.key.as_str().cmp(key))
                    .is_ok_and(|at| !model.workloads[at].annotate_irsa)
            })
            .cloned()
            .collect();
        let (state_move, removed_roots) = layout_change(model, history);
        let switches: Vec<ModeSwitch> = model
            .clusters
            .iter()
            .flat_map(|cluster| mode_switches(cluster, history, &records))
            .collect();
        let (revocations, aws_auth_kept) = revocations(model, history, &records);
        let mut apply_steps = apply_order::apply_steps(
            model,
            &apply_order::Around {
                leaving_irsa: &leaving_irsa,
                switches: &switches,
                revocations: &revocations,
            },
        );
        if let Some(moving) = &state_move {
            apply_steps.insert(0, apply_order::move_state_step(moving));
        }
        Transition {
            apply_steps,
            state_move,
            removed_roots,
            catch_up: model
                .clusters
                .iter()
                .filter_map(|cluster| {
                    let catch_up = catch_up(cluster, records.get(cluster.name.as_str())?)?;
                    Some((cluster.key.clone(), catch_up))
                })
                .collect(),
            leaving_irsa,
            aws_auth_kept,
        }
    }

    /// The steps that move existing clusters' authentication modes, one
    /// mode each, in the order they are applied.
    pub fn switches(&self) -> impl Iterator<Item = &ModeSwitch> {
        self.apply_steps.iter().filter_map(|s| s.switch.as_ref())
    }

    /// The objects to delete, cluster by cluster.
    pub fn revocations(&self) -> impl Iterator<Item = &Revocation> {
        self.apply_steps
            .iter()
            .filter_map(|s| s.revocation.as_ref())
    }

    /// Whether the run after this one, following on from `next` (the
    /// history this generation leaves), would take the very transition
    /// this one takes: whether this generation is where the spec settles,
    /// so that its manifest may name the next run's inputs. Since every
    /// one-off step is carried on, it is, unless a bug in eksgrant says
    /// otherwise; `generate` asks rather than assumes.
    pub fn settles(&self, model: &Model, next: &History) -> bool {
        *self == Transition::follow(model, Some(next))
    }

    /// What a generation of `model` taking this transition, whose files
    /// are `paths`, leaves to the next one: the history its manifest
    /// records, with the one-off steps of this transition carried on.
    pub fn history<'a>(&self, model: &Model, paths: impl Iterator<Item = &'a str>) -> History {
        let revoked_on = |key: &str| -> BTreeSet<ObjectRef> {
            self.revocations()
                .filter(|r| r.in_spec() && r.cluster == key)
                .flat_map(|r| r.objects.iter().cloned())
                .collect()
        };
        History {
            clusters: model
                .clusters
                .iter()
                .map(|c| {
                    let plane = c.created.as_ref().map(|created| &created.control_plane);
                    let record = ClusterRecord {
                        name: c.name.clone(),
                        authentication_mode: c.authentication_mode,
                        switch_from: self.switches().find(|s| s.cluster == c.key).map(|s| s.from),
                        secrets_key: plane.map(|p| p.secrets_key.clone()),
                        log_group: plane.map(|p| p.logging.is_some()),
                        catch_up: self.catch_up.get(&c.key).cloned().unwrap_or_default(),
                        objects: c
                            .objects()
                            .into_iter()
                            .chain(
                                self.aws_auth_kept
                                    .contains(&c.key)
                                    .then(ObjectRef::aws_auth),
                            )
                            .collect(),
                        revoked: revoked_on(&c.key),
                    };
                    (c.key.clone(), record)
                })
                .collect(),
            left: self
                .revocations()
                .filter_map(|r| {
                    let left = LeftCluster {
                        key: r.cluster.clone(),
                        authentication_mode: r.left_in_mode?,
                        revoked: r.objects.iter().cloned().collect(),
                    };
                    Some((r.cluster_name.clone(), left))
                })
                .collect(),
            irsa_workloads: model.irsa_workloads(),
            irsa_leaving: self.leaving_irsa.clone(),
            roots: roots::roots_of(paths),
            state_move: self.state_move.clone(),
            removed_roots: self.removed_roots.clone(),
        }
    }

    /// What `generate` says about this transition beyond the files: the
    /// state to move before anything is applied.
    pub fn notices(&self, model: &Model) -> Vec<String> {
        let Some(moving) = &self.state_move else {
            return Vec::new();
        };
        vec![format!(
            "the Terraform layout changed from {} to {}: the state of {} must move to {} before any root is planned or applied; ACCESS.md's first step gives the commands",
            moving.from,
            model.terraform.layout,
            moving.from_roots.join(", "),
            moving.to_roots.join(", "),
        )]
    }
}

/// The state move when the roots of the previous generation (as
/// [`roots::roots_of`] reads them from its files) are of the other layout,
/// or one an earlier generation ordered to this layout; and the cluster
/// roots earlier generations wrote that this one does not.
fn layout_change(model: &Model, history: &History) -> (Option<StateMove>, Vec<String>) {
    let now: Vec<String> = model
        .terraform
        .roots
        .iter()
        .map(|r| r.dir.clone())
        .collect();
    let carried = history
        .state_move
        .as_ref()
        .filter(|moving| moving.from != model.terraform.layout)
        .map(|moving| StateMove {
            to_roots: now.clone(),
            ..moving.clone()
        });
    let previous = &history.roots;
    let mut removed: Vec<String> = history
        .removed_roots
        .iter()
        .filter(|dir| !now.contains(dir))
        .cloned()
        .collect();
    match roots::layout_of(previous) {
        Some(before) if before != model.terraform.layout => {
            let moving = StateMove {
                from: before,
                from_roots: previous.clone(),
                to_roots: now,
            };
            return (Some(moving), removed);
        }
        Some(_) => removed.extend(previous.iter().filter(|dir| !now.contains(dir)).cloned()),
        None => {}
    }
    removed.sort();
    removed.dedup();
    (carried, removed)
}

/// The steps that move an existing cluster from the mode it may still be
/// in (the one an earlier generation's switch started from, or the last
/// recorded) to the spec's, one mode at a time as EKS allows. (A created
/// cluster's mode is its Terraform's; a spec that moves more than one mode
/// past the last recorded is refused by [`check`].)
fn mode_switches(
    cluster: &Cluster,
    history: &History,
    records: &HashMap<&str, &ClusterRecord>,
) -> Vec<ModeSwitch> {
    if cluster.created.is_some() {
        return Vec::new();
    }
    let Some(from) = records
        .get(cluster.name.as_str())
        .and_then(|r| r.switch_from)
        .or_else(|| history.mode_of(records, &cluster.name))
    else {
        return Vec::new();
    };
    let to = cluster.authentication_mode;
    let step = |from, to: AuthenticationMode| ModeSwitch {
        cluster: cluster.key.clone(),
        cluster_name: cluster.name.clone(),
        from,
        to,
        // What the move to API, which stops reading aws-auth, checks first.
        eks_node_entries: if to == AuthenticationMode::Api {
            cluster.eks_node_entries.clone()
        } else {
            Vec::new()
        },
    };
    let mut steps = Vec::new();
    if from == AuthenticationMode::ConfigMap && to.stage() >= 1 {
        steps.push(step(from, AuthenticationMode::ApiAndConfigMap));
    }
    if from.stage() < 2 && to == AuthenticationMode::Api {
        steps.push(step(AuthenticationMode::ApiAndConfigMap, to));
    }
    steps
}

/// Every object an earlier generation left on a cluster and this one does
/// not write: on the clusters of the spec, then on those that left it.
/// Not revoked: a ServiceAccount that a workload of the spec still names
/// (eksgrant no longer writes it because whoever deploys the workload does
/// now, with `create_service_account = false`), and the aws-auth ConfigMap
/// of a cluster that still reads it (eksgrant leaves an
/// `API_AND_CONFIG_MAP` cluster's aws-auth alone when the spec lists no
/// node role or account: deleting it would drop the mappings EKS made for
/// managed node groups and Fargate profiles, and anyone else's).
fn revocations(
    model: &Model,
    history: &History,
    records: &HashMap<&str, &ClusterRecord>,
) -> (Vec<Revocation>, BTreeSet<String>) {
    let mut revocations = Vec::new();
    let mut aws_auth_kept = BTreeSet::new();
    let mut in_spec: BTreeSet<&str> = BTreeSet::new();
    // The ServiceAccounts the workloads name, by cluster: built once, so
    // that finding them stays linear in the spec.
    let mut named: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for workload in &model.workloads {
        for cluster in &workload.clusters {
            named.insert((cluster, &workload.namespace, &workload.service_account));
        }
    }
    for cluster in &model.clusters {
        in_spec.insert(&cluster.name);
        let mut before = history.objects_on(records, &cluster.name).peekable();
        if before.peek().is_none() {
            continue;
        }
        // Sorted: the history's objects are walked beside them.
        let now = cluster.objects();
        let kept = |object: &ObjectRef| match object.kind {
            ObjectKind::ServiceAccount => named.contains(&(
                cluster.key.as_str(),
                object.namespace.as_deref().unwrap_or_default(),
                object.name.as_str(),
            )),
            ObjectKind::ConfigMap => cluster.authentication_mode != AuthenticationMode::Api,
            _ => false,
        };
        let gone: Vec<&ObjectRef> = before.flat_map(|before| not_in(before, &now)).collect();
        if gone
            .iter()
            .any(|o| o.kind == ObjectKind::ConfigMap && kept(o))
        {
            aws_auth_kept.insert(cluster.key.clone());
        }
        let mut objects: Vec<ObjectRef> = gone.into_iter().filter(|o| !kept(o)).cloned().collect();
        objects.sort_unstable();
        objects.dedup();
        if !objects.is_empty() {
            revocations.push(Revocation {
                cluster: cluster.key.clone(),
                cluster_name: cluster.name.clone(),
                left_in_mode: None,
                objects,
            });
        }
    }
    let mut left: BTreeMap<&str, Revocation> = BTreeMap::new();
    let departed = history
        .clusters
        .iter()
        .map(|(key, r)| (r.name.as_str(), key.as_str(), r.authentication_mode))
        .chain(
            history
                .left
                .iter()
                .map(|(name, l)| (name.as_str(), l.key.as_str(), l.authentication_mode)),
        );
    for (name, key, mode) in departed {
        if in_spec.contains(name) || left.contains_key(name) {
            continue;
        }
        let mut objects: Vec<ObjectRef> = history
            .objects_on(records, name)
            .flatten()
            .cloned()
            .collect();
        if objects.is_empty() {
            continue;
        }
        objects.sort_unstable();
        objects.dedup();
        left.insert(
            name,
            Revocation {
                cluster: key.to_string(),
                cluster_name: name.to_string(),
                left_in_mode: Some(mode),
                objects,
            },
        );
    }
    revocations.extend(left.into_values());
    (revocations, aws_auth_kept)
}

/// The objects of `before` that `now` does not have, both sorted: one
/// walk through each, where looking each up would take a cluster's worth
/// of comparisons per object.
fn not_in<'a>(before: &'a BTreeSet<ObjectRef>, now: &[ObjectRef]) -> Vec<&'a ObjectRef> {
    let mut gone = Vec::new();
    let mut now = now.iter().peekable();
    for object in before {
        while now.next_if(|o| *o < object).is_some() {}
        if now.next_if(|o| *o == object).is_none() {
            gone.push(object);
        }
    }
    gone
}

/// What a created cluster an earlier generation knew (its `record`) needs
/// around this apply, if anything: the log group EKS made if that
/// generation left it to EKS, and the Secrets written before their
/// encryption; or what an earlier generation still had to catch up on.
fn catch_up(cluster: &Cluster, record: &ClusterRecord) -> Option<CatchUp> {
    let plane = &cluster.created.as_ref()?.control_plane;
    // A group made by EKS exists if logs were sent while the spec did not
    // manage it: `None` is an existing cluster, or an earlier eksgrant
    // that sent every log type and left the group to EKS.
    let catch_up = CatchUp {
        import_log_group: plane.logging.is_some()
            && (record.log_group.is_none() || record.catch_up.import_log_group),
        rewrite_secrets: plane.secrets_key != SecretsKey::AwsOwned
            && (matches!(record.secrets_key, None | Some(SecretsKey::AwsOwned))
                || record.catch_up.rewrite_secrets),
    };
    (!catch_up.is_empty()).then_some(catch_up)
}

/// The problems of a spec that undoes what the generation whose history is
/// `previous` recorded: an authentication mode moving backwards or more
/// than one step forwards, a created cluster's Secrets key changing or
/// going. Reported against `source`, the spec.
pub fn check(model: &Model, previous: Option<&History>, source: &SourceFile) -> Vec<Problem> {
    let Some(previous) = previous else {
        return Vec::new();
    };
    let records = previous.by_name();
    let mut problems = Vec::new();
    for cluster in &model.clusters {
        if let Some(before) = previous.mode_of(&records, &cluster.name) {
            problems.extend(authentication_mode(source, cluster, before));
        }
        if let Some(record) = records.get(cluster.name.as_str()) {
            problems.extend(secrets_key(source, cluster, record));
        }
    }
    problems
}

fn authentication_mode(
    source: &SourceFile,
    cluster: &Cluster,
    before: AuthenticationMode,
) -> Option<Problem> {
    let now = cluster.authentication_mode;
    let (message, help) = if now.stage() < before.stage() {
        (
            format!(
                "cluster {} would move from {before} back to {now}",
                cluster.key
            ),
            format!(
                "EKS only moves CONFIG_MAP -> API_AND_CONFIG_MAP -> API, never back: keep authentication_mode = \"{before}\" (or the next mode)"
            ),
        )
    } else if now.stage() > before.stage() + 1 {
        (
            format!("cluster {} would move from {before} straight to {now}", cluster.key),
            "go through API_AND_CONFIG_MAP: generate and apply it, so that access entries exist before the cluster stops reading aws-auth; then move to API (if the cluster is on API already, generate once with API_AND_CONFIG_MAP, then with API)".to_string(),
        )
    } else {
        return None;
    };
    let mut problem = Problem::error(
        source,
        Code::AuthenticationMode,
        cluster.authentication_mode_span.clone(),
        message,
    );
    problem
        .label(format!("the last generation used {before}"))
        .help(help);
    Some(problem)
}

fn secrets_key(source: &SourceFile, cluster: &Cluster, record: &ClusterRecord) -> Option<Problem> {
    let plane = &cluster.created.as_ref()?.control_plane;
    let before = record.secrets_key.as_ref()?;
    let now = &plane.secrets_key;
    if before == now || *before == SecretsKey::AwsOwned {
        return None;
    }
    let (message, help) = if *now == SecretsKey::AwsOwned {
        (
            format!(
                "cluster {} would turn off the encryption of its Secrets with {}",
                cluster.key,
                describe(before)
            ),
            format!(
                "EKS cannot turn it off, and the AWS provider would replace the cluster: keep {}",
                keep(before)
            ),
        )
    } else {
        (
            format!(
                "cluster {} would change the key of its Secrets from {} to {}",
                cluster.key,
                describe(before),
                describe(now)
            ),
            format!(
                "EKS cannot change a cluster's key, and Terraform would only record the new one while EKS keeps the old: keep {}",
                keep(before)
            ),
        )
    };
    let mut problem = Problem::error(
        source,
        Code::KmsKey,
        plane.secrets_key_span.clone(),
        message,
    );
    problem
        .label(format!("the last generation used {}", describe(before)))
        .help(help);
    Some(problem)
}

/// A key as a message names it.
fn describe(key: &SecretsKey) -> String {
    match key {
        SecretsKey::Created => "the key eksgrant created".to_string(),
        SecretsKey::Own(arn) => format!("the key {arn}"),
        SecretsKey::AwsOwned => "no key of yours".to_string(),
    }
}

/// What the spec must say to keep a key.
fn keep(key: &SecretsKey) -> String {
    match key {
        SecretsKey::Created => {
            "the created key: remove secrets_kms_key_arn and secrets_encryption".to_string()
        }
        SecretsKey::Own(arn) => format!("secrets_kms_key_arn = \"{arn}\""),
        SecretsKey::AwsOwned => "secrets_encryption = false".to_string(),
    }
}
