//! `eksgrant diff`: the permission plan of a change to the spec, for the
//! reviewer of a pull request, who needs to know who gains and who loses
//! what where `terraform plan` shows resources.
//!
//! A [`Diff`] is worked out from the two specs' [`Explanation`]s (and, for
//! authentication modes and the Kubernetes objects a cluster gets, their
//! models), never from the spec's wording, so that it cannot disagree with
//! `eksgrant explain`: what a subject gains is what explain shows after the
//! change and not before, grant by grant, AWS action by action. Above
//! those, the Kubernetes permissions in effect are compared per cluster and
//! namespace, rule by rule, with the wildcards RBAC has, so that a grant
//! swapped for an equivalent one gains and loses nothing. [`Diff`] is the
//! stable JSON form (`docs/diff.schema.json` is its schema); [`format`](mod@format) lays
//! it out as text and Markdown, and [`base`] reads the old spec from git.

pub mod base;
pub mod format;

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use crate::explain::{
    Assumption, AwsAction, AwsPermission, Explanation, KubernetesAccess, RoleRef, Rule, Subject,
    SubjectKind,
};
use crate::model::{History, Model, ObjectRef, Revocation, Transition};
use crate::spec::AuthenticationMode;

/// The version of the JSON form; a change that is not an addition bumps it.
pub const FORMAT_VERSION: u32 = 1;

/// One side of a change: what a spec's subjects can do, and what a
/// generation of it would record.
#[derive(Debug)]
pub struct Side {
    /// The spec as named: its path, or `REF:path` for one read from git.
    pub name: String,
    /// Whether there is a spec: `false` for one that does not exist at the
    /// base revision, which has no subjects and no clusters.
    pub exists: bool,
    /// Its subjects, as `eksgrant explain` shows them.
    pub explanation: Explanation,
    /// Its clusters' authentication modes, by key.
    pub clusters: BTreeMap<String, AuthenticationMode>,
    /// What a generation of the spec records for the next one (as a first
    /// generation: the objects it writes on each cluster), which the new
    /// side follows on from to find what its apply order deletes.
    history: Option<History>,
}

impl Side {
    /// The side of a spec that loaded.
    pub fn of(name: impl Into<String>, model: &Model) -> Self {
        let transition = Transition::follow(model, None);
        Side {
            name: name.into(),
            exists: true,
            explanation: crate::explain::explain(model),
            clusters: model
                .clusters
                .iter()
                .map(|cluster| (cluster.key.clone(), cluster.authentication_mode))
                .collect(),
            history: Some(transition.history(model, std::iter::empty())),
        }
    }

    /// The side of a spec that does not exist (yet): nothing on it.
    pub fn missing(name: impl Into<String>) -> Self {
        Side {
            name: name.into(),
            exists: false,
            explanation: Explanation {
                version: crate::explain::FORMAT_VERSION,
                subjects: Vec::new(),
            },
            clusters: BTreeMap::new(),
            history: None,
        }
    }

    /// What applying `new` over a generation of this side deletes, cluster
    /// by cluster: as `generate`'s apply order decides it (the transition
    /// pass), so that the two cannot disagree on what is revoked (not a
    /// ServiceAccount now written by someone else, nor the aws-auth of a
    /// cluster that still reads it; clusters matched by EKS name).
    pub fn revoked_by(&self, new: &Model) -> Vec<Revocation> {
        Transition::follow(new, self.history.as_ref())
            .revocations()
            .cloned()
            .collect()
    }
}

/// Who gains and who loses what between two specs.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Diff {
    /// The JSON form's version: a change that is not an addition raises
    /// it.
    pub version: u32,
    /// The spec before the change: its path, or `REF:path` with `--base`.
    pub old_spec: String,
    /// Whether the old spec exists: `false` when it is not at the base
    /// revision, and then every subject and cluster is new.
    pub old_spec_exists: bool,
    /// The spec after the change.
    pub new_spec: String,
    /// The workloads and principals with a change, by key.
    pub subjects: Vec<SubjectChange>,
    /// The clusters with a change, by key.
    pub clusters: Vec<ClusterChange>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty() && self.clusters.is_empty()
    }
}

/// Whether a subject or cluster is new, gone, or on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the new spec.
    Added,
    /// Only in the old spec.
    Removed,
    /// In both, with a change.
    Changed,
}

/// A value on each side; `null` on a side without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Sides {
    /// Before the change.
    pub before: Option<String>,
    /// After the change.
    pub after: Option<String>,
}

impl Sides {
    /// Whether the value changed.
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// What a side has that the other does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(rename = "Changes_for_{T}")]
pub struct Changes<T> {
    /// Only after the change.
    pub gained: Vec<T>,
    /// Only before the change.
    pub lost: Vec<T>,
}

impl<T> Changes<T> {
    /// Whether nothing was gained or lost.
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }
}

impl<T: Ord + Clone> Changes<T> {
    /// What is in `after` and not `before`, and the reverse, each sorted.
    fn between(before: &BTreeSet<T>, after: &BTreeSet<T>) -> Self {
        Changes {
            gained: after.difference(before).cloned().collect(),
            lost: before.difference(after).cloned().collect(),
        }
    }
}

/// What changed for one workload or principal.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SubjectChange {
    /// The spec key.
    pub key: String,
    /// `workload` or `principal`; a key that changes kind is one subject
    /// removed and another added.
    pub kind: SubjectKind,
    /// Whether it is new, gone, or changed.
    pub status: Status,
    /// The IAM role or user it acts as (explain's `aws.identity`).
    pub identity: Sides,
    /// The role its pods chain to (explain's `aws.chains_to`).
    pub chains_to: Sides,
    /// Who can become its role, and how.
    pub assumed_by: Changes<Assumption>,
    /// The AWS actions of the policies eksgrant writes for it, by effect,
    /// resource and conditions: every action on every resource of every
    /// statement, compared one by one, wherever the statement is.
    pub aws_permissions: Changes<AwsPermissions>,
    /// The managed policies attached, by ARN.
    pub managed_policies: Changes<String>,
    /// Its Kubernetes grants, each compared whole (cluster, scope,
    /// mechanism, group, role, rules in any order, path), rules sorted.
    pub kubernetes_grants: Changes<KubernetesAccess>,
    /// What its grants allow, compared per cluster and namespace (or
    /// cluster-wide): only where something changed.
    pub kubernetes_permissions: Vec<ScopeChange>,
}

impl SubjectChange {
    /// Whether anything changed.
    fn is_empty(&self) -> bool {
        self.status == Status::Changed
            && !self.identity.changed()
            && !self.chains_to.changed()
            && self.assumed_by.is_empty()
            && self.aws_permissions.is_empty()
            && self.managed_policies.is_empty()
            && self.kubernetes_grants.is_empty()
            && self.kubernetes_permissions.is_empty()
    }
}

/// AWS actions of one effect on one resource, under one set of
/// conditions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct AwsPermissions {
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Operator -> condition key -> values (sorted); empty when
    /// unconditional.
    pub conditions: Conditions,
    /// The resource, as written (IAM wildcards included).
    pub resource: String,
    /// The actions, as written, sorted.
    pub actions: Vec<String>,
}

/// A statement's conditions, in one order whatever the order written.
pub type Conditions = crate::explain::Conditions;

/// Every action on every resource of a subject's statements.
fn aws_atoms(subject: &Subject) -> BTreeSet<AwsAction> {
    subject
        .aws
        .permissions
        .iter()
        .flat_map(AwsPermission::actions)
        .collect()
}

/// Atoms grouped by effect, conditions and resource, in their order.
fn group_aws(atoms: Vec<AwsAction>) -> Vec<AwsPermissions> {
    let mut groups: Vec<AwsPermissions> = Vec::new();
    for atom in atoms {
        match groups.last_mut() {
            Some(group)
                if group.effect == atom.effect
                    && group.conditions == atom.conditions
                    && group.resource == atom.resource =>
            {
                group.actions.push(atom.action);
            }
            _ => groups.push(AwsPermissions {
                effect: atom.effect.to_string(),
                conditions: atom.conditions,
                resource: atom.resource,
                actions: vec![atom.action],
            }),
        }
    }
    groups
}

/// A subject's grants, each with its rules sorted, so that grants that
/// differ only in the order of their rules are one.
fn grants(subject: &Subject) -> BTreeSet<KubernetesAccess> {
    subject
        .kubernetes
        .iter()
        .map(|access| {
            let mut access = access.clone();
            access.rules.sort();
            access
        })
        .collect()
}

/// A subject's ways in, whole.
fn assumptions(subject: &Subject) -> BTreeSet<Assumption> {
    subject.aws.assumed_by.iter().cloned().collect()
}

/// What the Kubernetes permissions in effect lost and gained in one
/// cluster, in one namespace or cluster-wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScopeChange {
    /// The cluster (key).
    pub cluster: String,
    /// The namespace; `null` for cluster-wide.
    pub namespace: Option<String>,
    /// Allowed here after the change and by no rule that applied here
    /// before (one of this namespace or cluster-wide).
    pub gained: Vec<KubernetesPermissions>,
    /// Allowed here before the change and by no rule that applies here
    /// after.
    pub lost: Vec<KubernetesPermissions>,
    /// Grants that apply here, on either side, whose rules eksgrant cannot
    /// know (a ClusterRole the spec only names, a group bound outside
    /// eksgrant): what they allow is in neither list, which may then be
    /// incomplete.
    pub unknown_rules: Vec<RoleRef>,
}

/// Verbs on one resource of one API group, perhaps only on named objects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct KubernetesPermissions {
    /// The API group (`""` is the core group, `*` any).
    pub api_group: String,
    /// The resource (`pods`, `pods/exec`, `*`).
    pub resource: String,
    /// The one object it is limited to; `null` for all.
    pub resource_name: Option<String>,
    /// The verbs, sorted.
    pub verbs: Vec<String>,
}

/// One verb on one resource (of one object, or all): what the rules in
/// effect are compared by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct KubernetesAtom {
    api_group: String,
    /// The resource, subresource included.
    resource: String,
    /// The object; `None` for all.
    resource_name: Option<String>,
    verb: String,
}

impl KubernetesAtom {
    /// Whether `rule` allows it, with RBAC's wildcards as
    /// [`Rule::allows`] has them; a rule limited to named objects allows
    /// only those.
    fn allowed_by(&self, rule: &Rule) -> bool {
        rule.allows(&self.verb, &self.resource, Some(&self.api_group))
            && (rule.resource_names.is_empty()
                || self
                    .resource_name
                    .as_ref()
                    .is_some_and(|name| rule.resource_names.contains(name)))
    }
}

/// Every verb on every resource (and object) a rule names.
fn rule_atoms(rule: &Rule) -> Vec<KubernetesAtom> {
    let names: Vec<Option<&String>> = if rule.resource_names.is_empty() {
        vec![None]
    } else {
        rule.resource_names.iter().map(Some).collect()
    };
    let mut atoms = Vec::new();
    for api_group in &rule.api_groups {
        for resource in &rule.resources {
            for name in &names {
                for verb in &rule.verbs {
                    atoms.push(KubernetesAtom {
                        api_group: api_group.clone(),
                        resource: resource.clone(),
                        resource_name: name.cloned(),
                        verb: verb.clone(),
                    });
                }
            }
        }
    }
    atoms
}

/// Atoms grouped by API group, resource and object, in their order.
fn group_kubernetes(atoms: Vec<KubernetesAtom>) -> Vec<KubernetesPermissions> {
    let mut groups: Vec<KubernetesPermissions> = Vec::new();
    for atom in atoms {
        match groups.last_mut() {
            Some(group)
                if group.api_group == atom.api_group
                    && group.resource == atom.resource
                    && group.resource_name == atom.resource_name =>
            {
                group.verbs.push(atom.verb);
            }
            _ => groups.push(KubernetesPermissions {
                api_group: atom.api_group,
                resource: atom.resource,
                resource_name: atom.resource_name,
                verbs: vec![atom.verb],
            }),
        }
    }
    groups
}

/// A cluster and a namespace in it, or `None` for cluster-wide.
type Scope = (String, Option<String>);

/// Whether a grant in `scope` allows what it allows in `place`: its own
/// scope, or anywhere in its cluster for a cluster-wide grant.
fn applies(grant: &KubernetesAccess, place: &Scope) -> bool {
    grant.cluster == place.0 && (grant.namespace.is_none() || grant.namespace == place.1)
}

fn in_scope(grant: &KubernetesAccess, scope: &Scope) -> bool {
    grant.cluster == scope.0 && grant.namespace == scope.1
}

/// The atoms the known rules of the grants in exactly `scope` allow.
fn scope_atoms(grants: &BTreeSet<KubernetesAccess>, scope: &Scope) -> BTreeSet<KubernetesAtom> {
    grants
        .iter()
        .filter(|g| g.rules_known && in_scope(g, scope))
        .flat_map(|g| g.rules.iter().flat_map(rule_atoms))
        .collect()
}

/// The known rules that apply in `scope`.
fn applying_rules<'a>(grants: &'a BTreeSet<KubernetesAccess>, scope: &Scope) -> Vec<&'a Rule> {
    grants
        .iter()
        .filter(|g| g.rules_known && applies(g, scope))
        .flat_map(|g| &g.rules)
        .collect()
}

/// What the permissions in effect gained and lost, scope by scope, for a
/// subject whose grants went from `before` to `after`.
fn permission_changes(
    before: &BTreeSet<KubernetesAccess>,
    after: &BTreeSet<KubernetesAccess>,
) -> Vec<ScopeChange> {
    let scopes: BTreeSet<Scope> = before
        .iter()
        .chain(after)
        .map(|g| (g.cluster.clone(), g.namespace.clone()))
        .collect();
    let mut changes = Vec::new();
    for scope in scopes {
        let (rules_before, rules_after) = (
            applying_rules(before, &scope),
            applying_rules(after, &scope),
        );
        let lost: Vec<KubernetesAtom> = scope_atoms(before, &scope)
            .into_iter()
            .filter(|atom| !rules_after.iter().any(|rule| atom.allowed_by(rule)))
            .collect();
        let gained: Vec<KubernetesAtom> = scope_atoms(after, &scope)
            .into_iter()
            .filter(|atom| !rules_before.iter().any(|rule| atom.allowed_by(rule)))
            .collect();
        let unknown = |g: &&KubernetesAccess| !g.rules_known && applies(g, &scope);
        let mut unknown_rules: Vec<RoleRef> = before
            .iter()
            .chain(after)
            .filter(unknown)
            .map(|g| g.role.clone())
            .collect();
        unknown_rules.sort();
        unknown_rules.dedup();
        // A grant of unknown rules gained or lost here changes what is in
        // effect here by an unknown amount.
        let unknown_changed = before
            .symmetric_difference(after)
            .any(|g| !g.rules_known && in_scope(g, &scope));
        if lost.is_empty() && gained.is_empty() && !unknown_changed {
            continue;
        }
        changes.push(ScopeChange {
            cluster: scope.0,
            namespace: scope.1,
            gained: group_kubernetes(gained),
            lost: group_kubernetes(lost),
            unknown_rules,
        });
    }
    changes
}

/// What changed for one subject; `None` on a side without it.
fn subject_change(before: Option<&Subject>, after: Option<&Subject>) -> SubjectChange {
    let either = after.or(before).expect("a subject is on one side at least");
    let status = match (before, after) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ => Status::Changed,
    };
    let sides = |value: fn(&Subject) -> Option<String>| Sides {
        before: before.and_then(value),
        after: after.and_then(value),
    };
    let grants_before = before.map(grants).unwrap_or_default();
    let grants_after = after.map(grants).unwrap_or_default();
    let managed = |s: Option<&Subject>| -> BTreeSet<String> {
        s.map(|s| s.aws.managed_policies.iter().cloned().collect())
            .unwrap_or_default()
    };
    let atoms = Changes::between(
        &before.map(aws_atoms).unwrap_or_default(),
        &after.map(aws_atoms).unwrap_or_default(),
    );
    SubjectChange {
        key: either.key.clone(),
        kind: either.kind,
        status,
        identity: sides(|s| s.aws.identity.clone()),
        chains_to: sides(|s| s.aws.chains_to.clone()),
        assumed_by: Changes::between(
            &before.map(assumptions).unwrap_or_default(),
            &after.map(assumptions).unwrap_or_default(),
        ),
        aws_permissions: Changes {
            gained: group_aws(atoms.gained),
            lost: group_aws(atoms.lost),
        },
        managed_policies: Changes::between(&managed(before), &managed(after)),
        // The same grants allow the same: most subjects of a change.
        kubernetes_permissions: if grants_before == grants_after {
            Vec::new()
        } else {
            permission_changes(&grants_before, &grants_after)
        },
        kubernetes_grants: Changes::between(&grants_before, &grants_after),
    }
}

/// What changed for one cluster.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ClusterChange {
    /// The spec key.
    pub key: String,
    /// Whether it is new, gone, or changed.
    pub status: Status,
    /// `API`, `API_AND_CONFIG_MAP` or `CONFIG_MAP` on each side.
    pub authentication_mode: Sides,
    /// The Kubernetes objects the old spec writes on the cluster and the
    /// new one does not, sorted. `kubectl apply` does not delete them;
    /// eksgrant's apply order (ACCESS.md) does.
    pub revoked: Vec<Object>,
}

/// A Kubernetes object eksgrant writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Object {
    /// `ServiceAccount`, `Role`, `RoleBinding`, `ClusterRole`,
    /// `ClusterRoleBinding` or `ConfigMap`.
    pub kind: String,
    /// The namespace; `null` for a cluster-scoped object.
    pub namespace: Option<String>,
    /// `metadata.name`, as written in the generated YAML.
    pub name: String,
}

impl From<&ObjectRef> for Object {
    fn from(object: &ObjectRef) -> Self {
        Object {
            kind: object.kind.as_str().to_string(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        }
    }
}

fn cluster_change(
    key: &str,
    before: Option<AuthenticationMode>,
    after: Option<AuthenticationMode>,
    revocations: &[Revocation],
) -> ClusterChange {
    let status = match (before, after) {
        (None, _) => Status::Added,
        (_, None) => Status::Removed,
        _ => Status::Changed,
    };
    let mode = |side: Option<AuthenticationMode>| side.map(|mode| mode.as_str().to_string());
    // The revocations of a cluster of the new spec, or of one that left it.
    let revoked = revocations
        .iter()
        .filter(|r| r.cluster == key && r.in_spec() == after.is_some())
        .flat_map(|r| &r.objects);
    ClusterChange {
        key: key.to_string(),
        status,
        authentication_mode: Sides {
            before: mode(before),
            after: mode(after),
        },
        revoked: revoked.map(Object::from).collect(),
    }
}

/// Who gains and who loses what from `old` to `new`, whose apply order
/// deletes the objects of `revocations` (see [`Side::revoked_by`]).
pub fn diff(old: &Side, new: &Side, revocations: &[Revocation]) -> Diff {
    let by_key = |side: &'_ Side| -> BTreeMap<String, usize> {
        side.explanation
            .subjects
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.clone(), i))
            .collect()
    };
    let (old_keys, new_keys) = (by_key(old), by_key(new));
    let keys: BTreeSet<&String> = old_keys.keys().chain(new_keys.keys()).collect();
    let mut subjects = Vec::new();
    for key in keys {
        let before = old_keys.get(key).map(|&i| &old.explanation.subjects[i]);
        let after = new_keys.get(key).map(|&i| &new.explanation.subjects[i]);
        let pairs = match (before, after) {
            (Some(b), Some(a)) if b.kind != a.kind => vec![(Some(b), None), (None, Some(a))],
            pair => vec![pair],
        };
        for (before, after) in pairs {
            let change = subject_change(before, after);
            if !change.is_empty() {
                subjects.push(change);
            }
        }
    }
    let keys: BTreeSet<&String> = old.clusters.keys().chain(new.clusters.keys()).collect();
    let clusters = keys
        .into_iter()
        .map(|key| {
            let (before, after) = (old.clusters.get(key), new.clusters.get(key));
            cluster_change(key, before.copied(), after.copied(), revocations)
        })
        .filter(|c| {
            c.status != Status::Changed || c.authentication_mode.changed() || !c.revoked.is_empty()
        })
        .collect();
    Diff {
        version: FORMAT_VERSION,
        old_spec: old.name.clone(),
        old_spec_exists: old.exists,
        new_spec: new.name.clone(),
        subjects,
        clusters,
    }
}

/// The JSON Schema of [`Diff`], for `docs/diff.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Diff);
    serde_json::to_string_pretty(&schema).expect("a schema serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]) -> Rule {
        let owned = |items: &[&str]| items.iter().map(ToString::to_string).collect();
        Rule {
            api_groups: owned(groups),
            resources: owned(resources),
            verbs: owned(verbs),
            resource_names: owned(names),
        }
    }

    fn atom(group: &str, resource: &str, name: Option<&str>, verb: &str) -> KubernetesAtom {
        KubernetesAtom {
            api_group: group.to_string(),
            resource: resource.to_string(),
            resource_name: name.map(ToString::to_string),
            verb: verb.to_string(),
        }
    }

    #[test]
    fn atoms_are_allowed_with_the_wildcards_rbac_has() {
        let any = rule(&["*"], &["*"], &["*"], &[]);
        assert!(atom("apps", "deployments", None, "patch").allowed_by(&any));
        assert!(atom("", "pods/exec", Some("x"), "create").allowed_by(&any));
        let pods = rule(&[""], &["pods"], &["get"], &[]);
        assert!(!atom("", "pods/log", None, "get").allowed_by(&pods));
        assert!(!atom("apps", "pods", None, "get").allowed_by(&pods));
        // All objects are more than one; one object is less than all.
        let named = rule(&[""], &["configmaps"], &["get"], &["a"]);
        assert!(atom("", "configmaps", Some("a"), "get").allowed_by(&named));
        assert!(!atom("", "configmaps", Some("b"), "get").allowed_by(&named));
        assert!(!atom("", "configmaps", None, "get").allowed_by(&named));
        let all = rule(&[""], &["configmaps"], &["get"], &[]);
        assert!(atom("", "configmaps", Some("b"), "get").allowed_by(&all));
    }

    #[test]
    fn rules_expand_into_every_verb_on_every_resource_and_object() {
        let atoms = rule_atoms(&rule(
            &["", "apps"],
            &["pods"],
            &["get", "list"],
            &["a", "b"],
        ));
        assert_eq!(atoms.len(), 8);
        let grouped = group_kubernetes(
            atoms
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        );
        assert_eq!(grouped.len(), 4);
        assert_eq!(grouped[0].verbs, ["get", "list"]);
    }
}
