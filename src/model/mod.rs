//! The resolved model: what eksgrant generates from, with every default
//! applied, every rule checked and every derived name made.
//!
//! [`Model::from_spec`] is the only way to build one, so holding a `Model`
//! means the spec was valid. It is built by passes, each a function in its
//! own module that takes a `Checker` (the problem list and the
//! registry of generated names) and the outputs of the passes before it,
//! and returns its own:
//!
//! ```text
//! account -> clusters -> subjects -> grants -> roles -> cluster_access -> roots
//!     -> tree -> lints
//! ```
//!
//! `tree` lists every file of the output tree from the model built so far
//! and claims each path at the spec item it comes from; render writes
//! exactly that list.
//!
//! That is the model of the spec. What applying it takes over the
//! generation before it (the apply order, mode switches, revocations) is
//! the [`transition`] pass's, which reads the model and that generation's
//! [`History`] and never changes the model: the same model is followed on
//! from two histories to find whether a generation settles.
//!
//! `build` runs them in that order (`clusters` hands each created cluster's
//! control-plane settings to `control_plane`), but for `lints`, which needs
//! only what `roles` has made: it runs right after `roles`, reporting to a
//! checker set aside and joined after `tree`, so that its problems come in
//! the list's order while what only it and the passes before it read of
//! the spec is freed early (see `build`). A module imports only the
//! modules before it in that list, or the leaves every pass uses (`checker`,
//! `keys`, `names`, `arn`, `cidr`, `iam`, `access_policies`, `presets`,
//! `suggest`, `types`, `objects`);
//! a test (`model_imports_point_down_the_pass_list`) keeps it that way.

// Leaves, used by every pass.
mod checker;
mod cidr;
mod keys;
pub(crate) mod names;
mod objects;
pub(crate) mod paths;
mod types;

// The passes, in order; helpers sit right before the pass that uses them.
mod account;
pub mod apply_order;
mod cluster_access;
mod clusters;
mod control_plane;
mod grants;
pub mod history;
mod lints;
mod policies;
mod preset_fit;
mod principals;
mod roles;
pub mod roots;
mod subjects;
pub mod transition;
pub(crate) mod tree;
mod trust;
mod workloads;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

pub use crate::aws::presets::describe as describe_presets;
pub use history::{ClusterRecord, History, LeftCluster};
pub use objects::{ObjectKind, ObjectRef};
pub use transition::Transition;
pub use types::*;

use crate::error::{Error, Problem, Result};
use crate::source::SourceFile;
use crate::spec::Spec;
use checker::Checker;

impl Model {
    /// The workloads whose role trusts IRSA (or is migrating from it): what
    /// the manifest records, so that the next generation knows who leaves.
    pub fn irsa_workloads(&self) -> BTreeSet<String> {
        self.workloads
            .iter()
            .filter(|w| w.annotate_irsa)
            .map(|w| w.key.clone())
            .collect()
    }

    /// Checks a parsed spec against every rule and resolves it.
    ///
    /// On success, returns the model and any warnings. On failure, the error
    /// lists every problem found, warnings included.
    ///
    /// `found` holds the problems parsing found already, reported with the
    /// rest.
    pub fn from_spec(
        spec: Spec,
        found: Vec<Problem>,
        source: &SourceFile,
    ) -> Result<(Model, Vec<Problem>)> {
        let (model, resolved) = build(spec, source);
        let mut problems = found;
        problems.extend(resolved);
        if problems.iter().any(Problem::is_error) {
            // Errors first, then the warnings that came with them.
            problems.sort_by_key(|p| !p.is_error());
            return Err(Error::Invalid {
                file: source.path().to_path_buf(),
                problems,
            });
        }
        Ok((model, problems))
    }
}

/// Runs every pass; returns the model and all problems found. The model is
/// only usable when none of the problems is an error.
fn build(spec: Spec, source: &SourceFile) -> (Model, Vec<Problem>) {
    let mut checker = Checker::new(source);
    let Spec {
        version,
        aws,
        iam,
        terraform,
        accounts,
        clusters,
        workloads,
        principals,
    } = spec;
    if *version.get() != crate::spec::SPEC_VERSION {
        checker
            .error(
                crate::code::Code::Version,
                version.span(),
                format!("spec version {} is not supported", version.get()),
            )
            .label("unknown version")
            .help(format!(
                "this eksgrant reads `version = {}`",
                crate::spec::SPEC_VERSION
            ));
    }
    let account = account::account(&mut checker, &aws, iam, accounts, &terraform);
    let infos = clusters::clusters(&mut checker, &account, clusters);
    let mut subjects = subjects::subjects(&mut checker, &account, &infos, workloads, principals);
    let grants = grants::grants(&mut checker, &account, &infos, &subjects);
    let mut workloads = roles::roles(
        &mut checker,
        &account,
        &infos,
        &subjects.workloads,
        &subjects.principals,
        &grants,
    );
    preset_fit::check(&mut checker, &infos, &subjects.workloads);
    // The lints are the last pass to read the spec's grants and AWS
    // sections as written: they run here, reporting to a checker set aside,
    // so that those are freed before the clusters' objects are made (where
    // resolving an organisation's spec peaks), and their problems are
    // joined after the tree's, where they come in the pass list.
    let mut linted = checker.fork();
    let mut acknowledged = lints::lints(&mut linted, &subjects, &grants, &workloads);
    subjects.forget_as_written();
    // The spec as written was parsed on every core and is freed here, on
    // one: the memory the clusters' objects are made in next.
    crate::freed::much_was_freed();
    let clusters = cluster_access::cluster_access(
        &mut checker,
        &account,
        &infos,
        &grants,
        &subjects.workloads,
        &workloads,
    );
    let terraform = roots::roots(
        &mut checker,
        &account,
        (&infos, &subjects.workloads),
        &clusters,
        &workloads,
    );
    for workload in &mut workloads {
        workload.acknowledged = acknowledged.remove(&workload.key).unwrap_or_default();
    }
    // Keys are unique, so an unstable sort gives the one order; it sorts in
    // place, where a stable sort of an organisation's workloads takes
    // scratch as large as their vector at the peak of resolving.
    workloads.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    let mut principals: Vec<Principal> = subjects
        .principals
        .iter()
        .map(|p| Principal {
            key: p.key.get().clone(),
            arn: p.arn.clone(),
            acknowledged: acknowledged.remove(p.key.get()).unwrap_or_default(),
        })
        .collect();
    principals.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    let model = Model {
        account_id: account.id,
        region: account.region,
        default_tags: account.tags,
        accounts: account.others.into_values().collect(),
        iam: account.iam,
        clusters,
        workloads,
        principals,
        terraform,
    };
    let subject_spans: HashMap<&str, Range<usize>> = subjects
        .workloads
        .iter()
        .map(|w| (w.key.get().as_str(), w.key.span()))
        .chain(
            subjects
                .principals
                .iter()
                .map(|p| (p.key.get().as_str(), p.key.span())),
        )
        .collect();
    tree::claim_files(&mut checker, &model, |owner| match owner {
        tree::Owner::Tree => None,
        tree::Owner::Cluster(key) => infos.get(key).map(|info| info.key.span()),
        tree::Owner::Subject(key) => subject_spans.get(key).cloned(),
    });
    checker.join(linted);
    (
        model,
        std::mem::replace(&mut checker, Checker::new(source)).into_problems(),
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The modules of the model in the order they may import each other:
    /// a module uses only those before it. Leaves first, then the passes.
    const ORDER: &[&str] = &[
        "cidr",
        "paths",
        "names",
        "checker",
        "keys",
        "objects",
        "types",
        "account",
        "control_plane",
        "clusters",
        "principals",
        "workloads",
        "subjects",
        "grants",
        "trust",
        "policies",
        "roles",
        "preset_fit",
        "cluster_access",
        "roots",
        "tree",
        "lints",
        "apply_order",
        "history",
        "transition",
    ];

    /// The model modules a source file refers to: `super::x` from a file of
    /// `src/model`, `crate::model::x` from anywhere below it.
    fn references(text: &str, direct: bool) -> Vec<String> {
        let mut found = Vec::new();
        let prefixes: &[&str] = if direct {
            &["super::", "crate::model::"]
        } else {
            &["crate::model::"]
        };
        for prefix in prefixes {
            for (at, _) in text.match_indices(prefix) {
                let rest = &text[at + prefix.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                // `super::Type` (an uppercase item) would be mod.rs itself.
                if name.is_empty() {
                    found.push("mod".to_string());
                } else {
                    found.push(name);
                }
            }
        }
        found
    }

    #[test]
    fn model_imports_point_down_the_pass_list() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
        let mut files: Vec<(String, std::path::PathBuf, bool)> = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                for inner in std::fs::read_dir(&path).unwrap() {
                    files.push((stem.clone(), inner.unwrap().path(), false));
                }
            } else if stem != "mod" {
                files.push((stem, path, true));
            }
        }
        for (module, path, direct) in files {
            let own = ORDER
                .iter()
                .position(|m| *m == module)
                .unwrap_or_else(|| panic!("{module} is not in ORDER: place it in the pass list"));
            let text = std::fs::read_to_string(&path).unwrap();
            // A test module's `use super::*` is its own file.
            let text = text.split("#[cfg(test)]").next().unwrap();
            for referenced in references(text, direct) {
                if referenced == module && !direct {
                    continue;
                }
                let at = ORDER.iter().position(|m| *m == referenced);
                assert!(
                    at.is_some_and(|at| at < own),
                    "{} refers to {referenced}, which does not come before {module}",
                    path.display()
                );
            }
        }
    }
}
