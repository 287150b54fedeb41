//! The subjects pass: workloads and principals, each checked on its own,
//! and the rules that span them (one key namespace for both, one
//! ServiceAccount per workload, one principal per ARN). Their grants are
//! handed on to the grants pass unchecked.

use std::collections::BTreeMap;
use std::ops::Range;

use indexmap::IndexMap;

use super::account::Account;
use super::checker::Checker;
use super::clusters::ClusterInfo;
use super::principals::{self, PrincipalInfo};
use super::workloads::{self, WorkloadInfo};
use crate::code::Code;
use crate::spec::{self, Spanned};

/// The workloads and principals of the spec, in spec order, each with the
/// grants it was given.
pub(super) struct Subjects {
    /// Workloads after their own checks.
    pub workloads: Vec<WorkloadInfo>,
    /// Each workload's grants, in the same order.
    pub workload_grants: Vec<Vec<Spanned<spec::Grant>>>,
    /// Principals after their own checks.
    pub principals: Vec<PrincipalInfo>,
    /// Each principal's grants, in the same order.
    pub principal_grants: Vec<Vec<Spanned<spec::Grant>>>,
}

impl Subjects {
    /// Frees the grants and the AWS sections as the spec wrote them, once
    /// the passes that read them (grants, roles, lints) are done: at
    /// organisation scale they are megabytes that the passes after them
    /// would otherwise hold to the end of resolving.
    pub(super) fn forget_as_written(&mut self) {
        self.workload_grants = Vec::new();
        self.principal_grants = Vec::new();
        for workload in &mut self.workloads {
            workload.aws = spec::WorkloadAws::default();
        }
    }
}

/// Checks `[workloads]` and `[principals]`.
pub(super) fn subjects(
    checker: &mut Checker<'_>,
    account: &Account,
    clusters: &BTreeMap<String, ClusterInfo>,
    workloads: IndexMap<Spanned<String>, spec::Workload>,
    principals: IndexMap<Spanned<String>, spec::Principal>,
) -> Subjects {
    let mut keys: BTreeMap<String, Range<usize>> = BTreeMap::new();
    // Sized up front: pushed one by one, an organisation's workloads grow
    // into a vector of the next power of two, its room held to the end of
    // resolving.
    let mut subjects = Subjects {
        workloads: Vec::with_capacity(workloads.len()),
        workload_grants: Vec::with_capacity(workloads.len()),
        principals: Vec::with_capacity(principals.len()),
        principal_grants: Vec::with_capacity(principals.len()),
    };
    for (key, workload) in workloads {
        check_subject_key(checker, &key, &mut keys);
        let (info, grants) = workloads::resolve_workload(checker, account, clusters, key, workload);
        subjects.workloads.push(info);
        subjects.workload_grants.push(grants);
    }
    workloads::check_unique_service_accounts(checker, &subjects.workloads);
    for (key, principal) in principals {
        check_subject_key(checker, &key, &mut keys);
        subjects.principals.push(principals::resolve_principal(
            checker,
            account,
            key,
            &principal.arn,
            principal.username,
        ));
        subjects.principal_grants.push(principal.grants);
    }
    principals::check_unique_principal_arns(checker, &subjects.principals);
    subjects
}

/// Workload and principal keys share one namespace: both name the
/// Kubernetes group `eksgrant:<key>`.
fn check_subject_key(
    checker: &mut Checker<'_>,
    key: &Spanned<String>,
    seen: &mut BTreeMap<String, Range<usize>>,
) {
    if let Some(first) = seen.get(key.get()) {
        let first = first.clone();
        checker
            .duplicate(
                Code::DuplicateSubject,
                key.span(),
                first,
                "use of the key",
                format!("`{}` is both a workload and a principal", key.get()),
            )
            .help(
                "workload and principal keys share one namespace (they name Kubernetes groups); rename one",
            );
    } else {
        seen.insert(key.get().clone(), key.span());
    }
}
