//! `eksgrant explain`: who can do what, read from the same model the
//! generated files are rendered from.
//!
//! Every answer is derived from the objects eksgrant writes (the IAM policy
//! documents, the access entries and their policy associations, the
//! aws-auth mappings, the Roles and bindings), never from the spec's wording,
//! so that explain cannot disagree with what is applied; a test parses the
//! generated files back and compares. [`Explanation`] is the stable JSON
//! form (`docs/explain.schema.json` is its schema); [`format`](mod@format) lays it out as
//! a table or JSON, [`picture`] draws it (Mermaid, Graphviz), and [`who_can`] answers the reverse
//! questions.

mod digest;
pub mod format;
mod kubernetes;
pub mod picture;
pub mod who_can;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::iam::{PolicyText, WrittenStatement};
use crate::model::{AcknowledgedItem, Acknowledgement, Model, RolePolicy, Workload, WorkloadRole};
use crate::spec::Effect;

pub use digest::digests;
pub use kubernetes::{Mechanism, RoleRef, Rule};

/// The version of the JSON form; a change that is not an addition bumps it.
pub const FORMAT_VERSION: u32 = 1;

/// Every subject of a spec with what it can do, on AWS and in each cluster.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Explanation {
    /// The JSON form's version: a change that is not an addition raises
    /// it.
    pub version: u32,
    /// Workloads and principals, by key.
    pub subjects: Vec<Subject>,
}

/// A workload (a ServiceAccount's pods) or a principal (an IAM role or user
/// defined outside the spec).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Subject {
    /// The spec key.
    pub key: String,
    /// `workload` or `principal`.
    pub kind: SubjectKind,
    /// The subject's AWS side.
    pub aws: Aws,
    /// What it may do in each cluster, one entry per way it is granted.
    pub kubernetes: Vec<KubernetesAccess>,
    /// The lints the spec acknowledges on the subject's items (`allow`),
    /// with what each holds back.
    pub acknowledged: Vec<Acknowledged>,
}

/// A lint the spec acknowledges with `allow`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Acknowledged {
    /// The lint (`pod_exec`).
    pub lint: String,
    /// The item whose `allow` lists it, in words: `grant 2 (on workload)`,
    /// `statement 1 (ReadReports)`, `the workload`.
    pub on: String,
    /// The warnings it holds back; empty when the lint does not fire there.
    pub silenced: Vec<String>,
}

fn acknowledged(acknowledgements: &[Acknowledgement]) -> Vec<Acknowledged> {
    acknowledgements
        .iter()
        .map(|a| Acknowledged {
            lint: a.code.as_str().trim_start_matches("eksgrant::").to_string(),
            on: match &a.on {
                AcknowledgedItem::Workload => "the workload".to_string(),
                AcknowledgedItem::Grant { number, cluster } => {
                    format!("grant {number} (on {cluster})")
                }
                AcknowledgedItem::Statement { number, sid } => match sid {
                    Some(sid) => format!("statement {number} ({sid})"),
                    None => format!("statement {number}"),
                },
            },
            silenced: a.silenced.clone(),
        })
        .collect()
}

/// What a subject is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A ServiceAccount's pods.
    Workload,
    /// An IAM role or user from outside the spec.
    Principal,
}

/// A subject's AWS identity and permissions.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Aws {
    /// The IAM role or user the subject acts as: a principal's ARN, or a
    /// workload's role; `None` for a workload without one.
    pub identity: Option<String>,
    /// Who can become the workload's role, and how.
    pub assumed_by: Vec<Assumption>,
    /// The role the workload's role chains to, whose permissions its pods
    /// have instead (Pod Identity `target_role_arn`).
    pub chains_to: Option<String>,
    /// Every statement of the policies eksgrant writes for the subject (on
    /// the role the pods act as). Principals' own permissions are not the
    /// spec's and are not listed.
    pub permissions: Vec<AwsPermission>,
    /// Managed policies attached as well, by ARN; eksgrant does not know
    /// their contents.
    pub managed_policies: Vec<String>,
}

/// A way pods become a workload's role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Assumption {
    /// `pod-identity` or `irsa`.
    pub mechanism: &'static str,
    /// The cluster (key).
    pub cluster: String,
    /// The ServiceAccount's namespace.
    pub namespace: String,
    /// The ServiceAccount.
    pub service_account: String,
}

/// One statement of a policy eksgrant writes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AwsPermission {
    /// The policy document's path in the generated tree.
    pub policy_file: String,
    /// The statement's Sid.
    pub sid: String,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// The actions, as written (IAM wildcards included).
    pub actions: Vec<String>,
    /// The resources, as written.
    pub resources: Vec<String>,
    /// Operator -> condition key -> values; empty when unconditional.
    pub conditions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// A statement's conditions: operator -> condition key -> values, the
/// values sorted, so that one order stands for any order written.
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// One AWS action on one resource, with its statement's effect and
/// conditions: what `eksgrant diff` compares statements by and a subject's
/// digest is made of, so that statements split, merged or reordered are
/// the same.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AwsAction {
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// The statement's conditions, values sorted.
    pub conditions: Conditions,
    /// The resource, as written.
    pub resource: String,
    /// The action, as written.
    pub action: String,
}

impl AwsPermission {
    /// Each action of the statement on each of its resources.
    pub fn actions(&self) -> Vec<AwsAction> {
        let conditions: Conditions = self
            .conditions
            .iter()
            .map(|(operator, keys)| {
                let keys = keys
                    .iter()
                    .map(|(key, values)| {
                        let mut values = values.clone();
                        values.sort();
                        values.dedup();
                        (key.clone(), values)
                    })
                    .collect();
                (operator.clone(), keys)
            })
            .collect();
        let mut actions = Vec::new();
        for resource in &self.resources {
            for action in &self.actions {
                actions.push(AwsAction {
                    effect: self.effect,
                    conditions: conditions.clone(),
                    resource: resource.clone(),
                    action: action.clone(),
                });
            }
        }
        actions
    }
}

/// One way a subject is granted something in a cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct KubernetesAccess {
    /// The cluster (key).
    pub cluster: String,
    /// The namespace; `None` for cluster-wide.
    pub namespace: Option<String>,
    /// How the grant reaches the subject.
    pub mechanism: Mechanism,
    /// The Kubernetes group the subject is mapped into, when the grant
    /// goes through one.
    pub group: Option<String>,
    /// The Role, ClusterRole or access policy granted.
    pub role: RoleRef,
    /// The rules it carries. For a built-in ClusterRole these are
    /// Kubernetes' bootstrap policy's, for an access policy the EKS user
    /// guide's table; empty when eksgrant cannot know them
    /// (a ClusterRole the spec only names, or a group bound outside
    /// eksgrant).
    pub rules: Vec<Rule>,
    /// Whether `rules` is everything the grant allows.
    pub rules_known: bool,
    /// The path, in words: `access entry -> group eksgrant:backend ->
    /// RoleBinding eksgrant:backend -> Role eksgrant:backend`.
    pub path: String,
}

/// Everything a spec's subjects can do, from its model.
pub fn explain(model: &Model) -> Explanation {
    let mut subjects: Vec<Subject> = model
        .workloads
        .iter()
        .map(|w| Subject {
            key: w.key.clone(),
            kind: SubjectKind::Workload,
            aws: workload_aws(w),
            kubernetes: Vec::new(),
            acknowledged: acknowledged(&w.acknowledged),
        })
        .chain(model.principals.iter().map(|p| Subject {
            key: p.key.clone(),
            kind: SubjectKind::Principal,
            aws: Aws {
                identity: Some(p.arn.clone()),
                ..Aws::default()
            },
            kubernetes: Vec::new(),
            acknowledged: acknowledged(&p.acknowledged),
        }))
        .collect();
    let by_key: std::collections::HashMap<String, usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.clone(), i))
        .collect();
    kubernetes::access(model, |key, access| {
        if let Some(&i) = by_key.get(&key) {
            subjects[i].kubernetes.push(access);
        }
    });
    subjects.sort_by(|a, b| a.key.cmp(&b.key));
    Explanation {
        version: FORMAT_VERSION,
        subjects,
    }
}

/// The pictures of [`explain`]'s answer, drawn straight from the model:
/// what [`picture::Pictures::of`] draws from the explanation (a test
/// compares them), without the statements a picture does not show, which
/// building a whole explanation for ACCESS.md held at the peak of
/// rendering. One difference: past the AWS picture's limit in workloads
/// alone (each has a role of its own, as names are unique), their
/// policies are not read, and the picture not drawn says "at least".
pub fn pictures(model: &Model) -> picture::Pictures {
    let role_workloads = model.workloads.iter().filter(|w| w.role.is_some()).count();
    let read_policies = 2 * role_workloads <= picture::AWS_LIMITS.nodes;
    let mut subjects: Vec<picture::Drawn> = model
        .workloads
        .iter()
        .map(|w| {
            let aws = w.role.as_ref().map(|role| {
                let (policies, managed) = acting_policies(role);
                let statements: Option<Vec<WrittenStatement>> = read_policies.then(|| {
                    policies
                        .iter()
                        .flat_map(|p| p.document.read_statements())
                        .filter(|s| s.effect == Effect::Allow)
                        .collect()
                });
                picture::AwsIdentity::new(
                    (!w.clusters.is_empty()).then_some(w.identity),
                    &role.arn,
                    role.target.as_ref().map(|t| t.arn.as_str()),
                    statements
                        .as_ref()
                        .map(|s| s.iter().flat_map(|s| &s.action.0).map(String::as_str)),
                    managed,
                )
            });
            picture::Drawn::new(w.key.clone(), SubjectKind::Workload, aws)
        })
        .chain(
            model
                .principals
                .iter()
                .map(|p| picture::Drawn::new(p.key.clone(), SubjectKind::Principal, None)),
        )
        .collect();
    let by_key: std::collections::HashMap<&str, usize> = model
        .workloads
        .iter()
        .map(|w| w.key.as_str())
        .chain(model.principals.iter().map(|p| p.key.as_str()))
        .enumerate()
        .map(|(i, key)| (key, i))
        .collect();
    kubernetes::access(model, |key, access| {
        if let Some(&i) = by_key.get(key.as_str()) {
            subjects[i].grant(access);
        }
    });
    picture::Pictures::new(subjects)
}

impl Explanation {
    /// Only what concerns cluster `key`: the grants on it, and the subjects
    /// granted anything there or whose pods run there (their AWS side
    /// whole).
    #[must_use]
    pub fn on_cluster(mut self, key: &str) -> Self {
        for subject in &mut self.subjects {
            subject.kubernetes.retain(|access| access.cluster == key);
        }
        self.subjects.retain(|s| {
            !s.kubernetes.is_empty() || s.aws.assumed_by.iter().any(|a| a.cluster == key)
        });
        self
    }

    /// Only the subject `key`, if there is one.
    pub fn only(mut self, key: &str) -> Option<Self> {
        self.subjects.retain(|s| s.key == key);
        (!self.subjects.is_empty()).then_some(self)
    }
}

/// A workload's role: who assumes it, what it chains to, and the statements
/// of the policies on the role its pods act as.
fn workload_aws(workload: &Workload) -> Aws {
    let Some(role) = &workload.role else {
        return Aws::default();
    };
    let assumed_by = workload
        .clusters
        .iter()
        .map(|cluster| Assumption {
            mechanism: workload.identity,
            cluster: cluster.clone(),
            namespace: workload.namespace.clone(),
            service_account: workload.service_account.clone(),
        })
        .collect();
    let (policies, managed) = acting_policies(role);
    Aws {
        identity: Some(role.arn.clone()),
        assumed_by,
        chains_to: role.target.as_ref().map(|t| t.arn.clone()),
        permissions: policies
            .iter()
            .flat_map(|policy| permissions(&policy.file, &policy.document))
            .collect(),
        managed_policies: managed.to_vec(),
    }
}

/// The policies of the role a workload's pods act as, and its managed
/// policies: with a target role, the pods act as it, and its policies are
/// theirs (none eksgrant knows when it does not write it).
fn acting_policies(role: &WorkloadRole) -> (&[RolePolicy], &[String]) {
    match role.target.as_ref().and_then(|t| t.written.as_ref()) {
        Some(written) => (&written.policies, &written.managed_policy_arns),
        None if role.target.is_some() => (&[], &[]),
        None => (&role.policies, &role.managed_policy_arns),
    }
}

fn permissions<'a>(
    file: &'a str,
    document: &PolicyText,
) -> impl Iterator<Item = AwsPermission> + 'a {
    document
        .read_statements()
        .into_iter()
        .map(move |s| permission(file, s))
}

fn permission(file: &str, statement: WrittenStatement) -> AwsPermission {
    AwsPermission {
        policy_file: file.to_string(),
        sid: statement.sid,
        effect: statement.effect.as_str(),
        actions: statement.action.0,
        resources: statement.resource.0,
        conditions: statement
            .condition
            .into_iter()
            .map(|(operator, keys)| (operator, keys.into_iter().map(|(k, v)| (k, v.0)).collect()))
            .collect(),
    }
}

/// The JSON Schema of [`Explanation`], for `docs/explain.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Explanation);
    serde_json::to_string_pretty(&schema).expect("a schema serialises")
}
