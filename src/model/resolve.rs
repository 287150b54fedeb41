//! Spec -> Model: every rule of the spec, checked in one pass that reports all
//! problems at once.
//!
//! The resolver walks the spec top-down. Each check that fails pushes a
//! [`Problem`] and the walk goes on with what it could resolve, so one typo
//! does not hide the next. Each section of the spec has its own module
//! of checks (`account`, `clusters`, `workloads`, `principals`, `grants`);
//! [`super::cluster_access`] turns grants into what each cluster gets, and
//! [`super::policies`] builds and measures the IAM documents. This module
//! holds the driver, the problem list and the registry of generated names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use super::cluster_access;
use super::clusters::ClusterInfo;
use super::grants::{self, Subject};
use super::names;
use super::suggest::closest;
use super::{Model, Principal, Workload};
use crate::error::Problem;
use crate::source::SourceFile;
use crate::spec::{Spanned, Spec};

/// Runs every check; returns the model and all problems found. The model is
/// only usable when none of the problems is an error.
pub(super) fn resolve(spec: Spec, source: &SourceFile) -> (Model, Vec<Problem>) {
    let mut resolver = Resolver {
        source,
        problems: Vec::new(),
        names: HashMap::new(),
        collisions: HashSet::new(),
    };
    let model = resolver.run(spec);
    (model, resolver.problems)
}

pub(super) struct Resolver<'a> {
    pub source: &'a SourceFile,
    pub problems: Vec<Problem>,
    /// Every generated name that must be unique, by namespace, with the span
    /// of the spec item that produced it.
    names: HashMap<(&'static str, String), Range<usize>>,
    /// Pairs of spec items (by span start) already reported as colliding.
    collisions: HashSet<(usize, usize)>,
}

impl Resolver<'_> {
    /// Records an error.
    pub(super) fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let problem = Problem::error(self.source, code, message, span, label).with_help(help);
        self.problems.push(problem);
    }

    /// Records a warning.
    pub(super) fn warning(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let problem = Problem::warning(self.source, code, message, span, label).with_help(help);
        self.problems.push(problem);
    }

    /// Records that the item at `second` repeats the one at `first`;
    /// `what` names them in the labels ("first workload", "second workload").
    pub(super) fn duplicate(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        second: Range<usize>,
        first: Range<usize>,
        what: &str,
        help: impl Into<String>,
    ) {
        let problem = Problem::error(self.source, code, message, second, format!("second {what}"))
            .with_label(first, format!("first {what}"))
            .with_help(help);
        self.problems.push(problem);
    }

    /// Claims a generated name; a second claim of the same name is an error
    /// pointing at both spec items.
    pub(super) fn claim(&mut self, kind: &'static str, name: String, span: Range<usize>) {
        let key = (kind, name);
        if let Some(first) = self.names.get(&key) {
            // One report per pair of colliding spec items is enough: the
            // first name that collides explains the rest.
            if !self.collisions.insert((first.start, span.start)) {
                return;
            }
            let first = first.clone();
            self.duplicate(
                "eksgrant::name_collision",
                format!(
                    "two things in the spec would both generate {kind} `{}`",
                    key.1
                ),
                span,
                first,
                "item with this name",
                "rename one of the keys (or set `role_name`) so the generated names differ",
            );
        } else {
            self.names.insert(key, span);
        }
    }

    fn run(&mut self, spec: Spec) -> Model {
        let Spec {
            version,
            aws,
            iam,
            clusters,
            workloads,
            principals,
        } = spec;
        if *version.get() != 1 {
            self.error(
                "eksgrant::version",
                format!("spec version {} is not supported", version.get()),
                version.span(),
                "unknown version",
                "this eksgrant reads `version = 1`",
            );
        }
        let ctx = self.resolve_account(&aws, iam);
        if clusters.get().is_empty() {
            self.error(
                "eksgrant::no_clusters",
                "the spec defines no cluster",
                clusters.span(),
                "no cluster here",
                "add at least one [clusters.<key>] table",
            );
        }
        let clusters: BTreeMap<String, ClusterInfo> = clusters
            .into_inner()
            .into_iter()
            .map(|(key, cluster)| self.resolve_cluster(&ctx, key, &cluster))
            .map(|info| (info.key.get().clone(), info))
            .collect();
        self.check_unique_cluster_names(&clusters);
        self.check_private_access(&clusters);
        // Every created cluster's role shares one trust policy file, and
        // every Auto Mode cluster's node role another.
        if let Some(created) = clusters.values().find(|c| c.created.is_some()) {
            self.claim(
                "file",
                names::EKS_CLUSTER_ROLE_TRUST_FILE.to_string(),
                created.key.span(),
            );
        }
        if let Some(auto) = clusters
            .values()
            .find(|c| c.created.as_ref().is_some_and(|c| c.auto_mode.is_some()))
        {
            self.claim(
                "file",
                names::EKS_AUTO_NODE_ROLE_TRUST_FILE.to_string(),
                auto.key.span(),
            );
        }

        let mut subject_keys: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let mut workload_infos = Vec::new();
        let mut workload_grants = Vec::new();
        for (key, workload) in workloads {
            self.check_subject_key(&key, &mut subject_keys);
            let (info, grants) = self.resolve_workload(&ctx, &clusters, key, workload);
            workload_infos.push(info);
            workload_grants.push(grants);
        }
        self.check_unique_service_accounts(&workload_infos);

        let mut principal_infos = Vec::new();
        let mut principal_grants = Vec::new();
        for (key, principal) in principals {
            self.check_subject_key(&key, &mut subject_keys);
            principal_infos.push(self.resolve_principal(&ctx, key, &principal.arn));
            principal_grants.push(principal.grants);
        }
        self.check_unique_principal_arns(&principal_infos);

        let subjects = workload_infos
            .iter()
            .map(Subject::Workload)
            .zip(workload_grants)
            .chain(
                principal_infos
                    .iter()
                    .map(Subject::Principal)
                    .zip(principal_grants),
            );
        let grant_set = grants::resolve_grants(self, &ctx, &clusters, subjects);
        self.check_lock_out(&clusters, &grant_set);

        let resolved_workloads: Vec<Workload> = workload_infos
            .iter()
            .map(|info| self.finish_workload(&ctx, &clusters, info, &grant_set))
            .collect();
        self.check_generated_role_arns(&principal_infos, &resolved_workloads);

        let resolved_clusters: Vec<_> = clusters
            .values()
            .map(|info| {
                cluster_access::finish_cluster(
                    self,
                    &ctx,
                    info,
                    &clusters,
                    &grant_set,
                    &workload_infos,
                    &resolved_workloads,
                )
            })
            .collect();
        let mut workloads = resolved_workloads;
        workloads.sort_by(|a, b| a.key.cmp(&b.key));
        let mut principals: Vec<Principal> = principal_infos
            .iter()
            .map(|p| Principal {
                key: p.key.get().clone(),
                arn: p.arn.clone(),
            })
            .collect();
        principals.sort_by(|a, b| a.key.cmp(&b.key));

        Model {
            account_id: ctx.account_id,
            region: ctx.region,
            iam: ctx.iam,
            apply_steps: super::apply_order::apply_steps(
                &resolved_clusters,
                &workloads,
                &Default::default(),
            ),
            clusters: resolved_clusters,
            workloads,
            principals,
        }
    }

    /// Checks a key of `clusters`, `workloads` or `principals`.
    pub(super) fn check_key(&mut self, table: &str, key: &Spanned<String>) -> bool {
        if names::is_key(key.get()) && names::is_windows_device_name(key.get()) {
            self.error(
                "eksgrant::key",
                format!("`{}` cannot be a {table} key", key.get()),
                key.span(),
                "a device name on Windows",
                WINDOWS_DEVICE_HELP,
            );
            return false;
        }
        if names::is_key(key.get()) {
            return true;
        }
        self.error(
            "eksgrant::key",
            format!("`{}` cannot be a {table} key", key.get()),
            key.span(),
            "not a lowercase DNS label starting with a letter",
            "keys name files, Terraform resources and Kubernetes groups: use lowercase letters, digits and `-`, start with a letter, at most 63 characters",
        );
        false
    }

    fn check_subject_key(
        &mut self,
        key: &Spanned<String>,
        seen: &mut BTreeMap<String, Range<usize>>,
    ) {
        if let Some(first) = seen.get(key.get()) {
            let first = first.clone();
            self.duplicate(
                "eksgrant::duplicate_subject",
                format!("`{}` is both a workload and a principal", key.get()),
                key.span(),
                first,
                "use of the key",
                "workload and principal keys share one namespace (they name Kubernetes groups); rename one",
            );
        } else {
            seen.insert(key.get().clone(), key.span());
        }
    }

    /// Looks a cluster reference up, reporting an unknown one with a suggestion.
    pub(super) fn cluster_ref(
        &mut self,
        clusters: &BTreeMap<String, ClusterInfo>,
        reference: &Spanned<String>,
    ) -> Option<String> {
        if clusters.contains_key(reference.get()) {
            return Some(reference.get().clone());
        }
        let help = match closest(reference.get(), clusters.keys().map(String::as_str)) {
            Some(near) => {
                format!("did you mean `{near}`? Clusters are named by their key under [clusters]")
            }
            None => format!(
                "define [clusters.{}] or use one of: {}",
                reference.get(),
                clusters.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        self.error(
            "eksgrant::unknown_cluster",
            format!("cluster `{}` is not defined", reference.get()),
            reference.span(),
            "no cluster with this key",
            help,
        );
        None
    }

    /// Refuses the one namespace name that the output layout reserves.
    pub(super) fn check_namespace_not_reserved(&mut self, namespace: &Spanned<String>) {
        if names::is_windows_device_name(namespace.get()) {
            self.error(
                "eksgrant::namespace",
                format!(
                    "namespace `{}` cannot name a directory on Windows",
                    namespace.get()
                ),
                namespace.span(),
                "a device name on Windows",
                WINDOWS_DEVICE_HELP,
            );
        }
        if namespace.get() == names::CLUSTER_SCOPED_DIR {
            self.error(
                "eksgrant::namespace",
                format!("namespace `{}` is reserved", namespace.get()),
                namespace.span(),
                "reserved",
                format!(
                    "kubernetes/<cluster>/{}/ holds cluster-scoped objects, so no namespace may have that name",
                    names::CLUSTER_SCOPED_DIR
                ),
            );
        }
    }
}

/// The help for a key or namespace Windows reserves.
const WINDOWS_DEVICE_HELP: &str = "keys and namespaces name files and directories of the generated repository, and Windows cannot check out one named CON, PRN, AUX, NUL, COM0-9 or LPT0-9 (whatever the extension): choose another name";
