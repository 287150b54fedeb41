//! The lints of a grant whose rules eksgrant does not write: a built-in
//! ClusterRole (`cluster_role = "edit"`) or an EKS access policy
//! (`access_policy = "AmazonEKSEditPolicy"`). A permission warns the same
//! whichever path gives it, so the rules such a grant carries, as
//! `crate::rbac` knows them (Kubernetes' bootstrap policy, the EKS user
//! guide's tables), are asked what a rule of the spec is asked: does it
//! read Secrets, run commands in pods, make pods where ServiceAccounts have
//! AWS identities, escalate.
//!
//! Full administration (`cluster-admin`, `AmazonEKSClusterAdminPolicy`) is
//! left out: it is every permission by its name, every spec must give it
//! to someone (`eksgrant::lock_out`), and a workload given it warns as
//! `workload_cluster_admin`. Each finding points at the `cluster_role` or
//! `access_policy` value, and says it comes through it.

use std::ops::Range;

use super::{
    ESCALATION_VERBS, EXEC_VERBS, Finding, POD_MAKERS, POD_WRITE_VERBS, READ_VERBS, Subject, place,
    pod_create_finding,
};
use crate::code::Code;
use crate::model::grants::{Granted, ResolvedGrant};
use crate::rbac::access_policies::CLUSTER_ADMIN;
use crate::rbac::{Rule, access_policies, cluster_roles};
use crate::spec;

use super::AwsIdentities;

/// What a grant carries, and where the spec names it.
struct Carried {
    /// "ClusterRole edit", "access policy AmazonEKSEditPolicy".
    what: String,
    span: Range<usize>,
    rules: &'static [Rule],
}

impl Carried {
    /// The rules of the grant's built-in ClusterRole or access policy, when
    /// it names one whose rules are known and that is not full
    /// administration.
    fn of(grant: &spec::Grant, resolved: &ResolvedGrant) -> Option<Self> {
        match (&resolved.granted, &grant.cluster_role, &grant.access_policy) {
            (Granted::ClusterRole(name), Some(value), _) if name != "cluster-admin" => {
                Some(Carried {
                    what: format!("ClusterRole {name}"),
                    span: value.span(),
                    rules: cluster_roles::rules(name)?,
                })
            }
            (Granted::AccessPolicy(name), _, Some(value)) if name != CLUSTER_ADMIN => {
                Some(Carried {
                    what: format!("access policy {name}"),
                    span: value.span(),
                    rules: access_policies::rules(name)?,
                })
            }
            _ => None,
        }
    }

    /// Which of `verbs` some rule allows on `resource` of `group`, for
    /// every object of it (a rule limited to named objects does not count,
    /// as for a rule of the spec).
    fn verbs<'v>(&self, verbs: &[&'v str], group: &str, resource: &str) -> Vec<&'v str> {
        verbs
            .iter()
            .copied()
            .filter(|verb| *verb != "*")
            .filter(|verb| {
                self.rules.iter().any(|rule| {
                    rule.resource_names.is_empty() && rule.allows(verb, resource, Some(group))
                })
            })
            .collect()
    }
}

/// The lints of what `grant` carries, added to `findings`.
pub(super) fn findings(
    subject: &Subject<'_>,
    grant: &spec::Grant,
    resolved: &ResolvedGrant,
    identities: &AwsIdentities<'_>,
    findings: &mut Vec<Finding>,
) {
    let Some(carried) = Carried::of(grant, resolved) else {
        return;
    };
    let what = &carried.what;
    let place = place(resolved);
    let reads = carried.verbs(READ_VERBS, "", "secrets");
    if !reads.is_empty() {
        findings.push(Finding::new(
            Code::SecretsRead,
            carried.span.clone(),
            format!(
                "{subject} may read every Secret {place} through {what} (verbs: {})",
                reads.join(", ")
            ),
            "every Secret",
            format!(
                "Secrets hold credentials and tokens: grant rules that name the Secrets it reads (resource_names = [...]) instead of {what}, or acknowledge it with allow = [\"secrets_read\"] on this grant"
            ),
        ));
    }
    let runs: Vec<String> = ["pods/exec", "pods/attach"]
        .into_iter()
        .filter_map(|resource| {
            let verbs = carried.verbs(EXEC_VERBS, "", resource);
            (!verbs.is_empty()).then(|| format!("{} {resource}", verbs.join(", ")))
        })
        .collect();
    if !runs.is_empty() {
        findings.push(Finding::new(
            Code::PodExec,
            carried.span.clone(),
            format!(
                "{subject} may run commands in or attach to every pod {place} through {what} ({}), with the Kubernetes and AWS permissions of the pods' ServiceAccounts",
                runs.join("; ")
            ),
            "interactive access to pods",
            format!(
                "grant rules without pods/exec and pods/attach instead of {what}; when interactive access is meant, acknowledge it with allow = [\"pod_exec\"] on this grant"
            ),
        ));
    }
    let writes: Vec<String> = POD_MAKERS
        .iter()
        .filter_map(|(group, resource)| {
            let verbs = carried.verbs(POD_WRITE_VERBS, group, resource);
            (!verbs.is_empty()).then(|| format!("{} {resource}", verbs.join(", ")))
        })
        .collect();
    if !writes.is_empty() {
        let reached = identities.reached_by(resolved);
        if reached.count > 0 {
            let may = format!(
                "{} through {what}",
                crate::text::first_few(&writes, writes.len(), "and")
            );
            findings.push(pod_create_finding(
                subject,
                carried.span.clone(),
                &may,
                resolved,
                &reached,
            ));
        }
    }
    for (verb, effect) in ESCALATION_VERBS {
        let on: Vec<&str> = carried
            .rules
            .iter()
            .filter(|rule| rule.verbs.iter().any(|v| v == verb))
            .flat_map(|rule| rule.resources.iter().map(String::as_str))
            .collect();
        if !on.is_empty() {
            findings.push(Finding::new(
                Code::RbacEscalation,
                carried.span.clone(),
                format!(
                    "the verb `{verb}` on {} in {what} lets {subject} {effect}, {place}",
                    on.join(", ")
                ),
                "privilege escalation",
                format!(
                    "grant rules without `{verb}` instead of {what}; where it is meant, acknowledge it with allow = [\"rbac_escalation\"] on this grant"
                ),
            ));
        }
    }
}
