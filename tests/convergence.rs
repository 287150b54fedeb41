//! The writer's promise, as a property: any sequence of runs, with any
//! specs, each stopped after any number of changes to the output directory
//! (as a kill would stop it), followed by one complete run, leaves exactly
//! the tree that complete runs give in a clean directory: of the last spec,
//! following on from the generations the killed runs' manifests recorded
//! (a run killed before it wrote its manifest leaves no history; one killed
//! after does, and what follows on from it, such as the objects to revoke,
//! must not be lost). The user's files survive, no temporary file or record
//! is left, and nothing outside the output directory changes.
//!
//! Runs go through `eksgrant::generate` with its `before_change` hook, so
//! that a case takes milliseconds; `writer.rs` kills real processes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use eksgrant::Error;
use eksgrant::generate::{GenerateOptions, Mode};
use eksgrant::outdir::BeforeChange;
use proptest::prelude::*;

use crate::support::{Node, tree};

/// A spec, as the parts that change which files exist and what they hold.
#[derive(Debug, Clone)]
struct SpecShape {
    /// Whether a second cluster exists (it brings its own files).
    edge: bool,
    /// Workloads by key: (namespace, bucket, whether it reaches `edge`).
    workloads: BTreeMap<&'static str, (&'static str, &'static str, bool)>,
    /// Whether the CI principal has a namespaced ClusterRole binding.
    ci: Option<&'static str>,
}

const KEYS: [&str; 4] = ["reports", "ingest", "billing", "search"];
const NAMESPACES: [&str; 3] = ["analytics", "pipelines", "web"];
const BUCKETS: [&str; 2] = ["acme-data", "acme-archive"];

fn spec_shape() -> impl Strategy<Value = SpecShape> {
    let workload = (
        prop::sample::select(&NAMESPACES[..]),
        prop::sample::select(&BUCKETS[..]),
        any::<bool>(),
    );
    (
        any::<bool>(),
        prop::collection::btree_map(prop::sample::select(&KEYS[..]), workload, 0..=3),
        prop::option::of(prop::sample::select(&NAMESPACES[..])),
    )
        .prop_map(|(edge, workloads, ci)| SpecShape {
            edge,
            workloads,
            ci,
        })
}

impl SpecShape {
    fn text(&self) -> String {
        let mut spec = String::from(
            "version = 1\n\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-2\"\n\n[clusters.platform]\n",
        );
        if self.edge {
            spec.push_str("\n[clusters.edge]\n");
        }
        for (key, (namespace, bucket, reaches_edge)) in &self.workloads {
            let _ = write!(
                spec,
                "\n[workloads.{key}]\ncluster = \"platform\"\nnamespace = \"{namespace}\"\n\n\
                 [[workloads.{key}.aws.statements]]\nactions = [\"s3:GetObject\"]\n\
                 resources = [\"arn:aws:s3:::{bucket}/{key}/*\"]\n"
            );
            if *reaches_edge && self.edge {
                let _ = write!(
                    spec,
                    "\n[[workloads.{key}.grants]]\ncluster = \"edge\"\nnamespaces = [\"{namespace}\"]\ncluster_role = \"view\"\n"
                );
            }
        }
        if let Some(namespace) = self.ci {
            let _ = write!(
                spec,
                "\n[principals.ci]\narn = \"arn:aws:iam::111122223333:role/ci\"\n\n\
                 [[principals.ci.grants]]\ncluster = \"platform\"\nnamespaces = [\"{namespace}\"]\ncluster_role = \"edit\"\n"
            );
        }
        spec
    }
}

/// One run: a spec, and how many changes it makes before it is killed
/// (`None`: it completes).
type Run = (SpecShape, Option<usize>);

/// A workspace: `spec.toml`, the output directory `out/` (holding files of
/// the user's and a link out) and `outside/`.
struct Workspace {
    dir: tempfile::TempDir,
}

/// Files of the user's in the output directory, one with a name like a
/// temporary file's.
const USER_FILES: [&str; 3] = [
    "README.md",
    "terraform/backend.tf",
    "terraform/.main.tf.1-ffffffffffffffff.eksgrant-tmp",
];

impl Workspace {
    fn new() -> Workspace {
        let workspace = Workspace {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = workspace.out();
        fs::create_dir_all(out.join("terraform")).unwrap();
        fs::create_dir_all(workspace.path("outside")).unwrap();
        fs::write(workspace.path("outside/victim"), "the user's own\n").unwrap();
        for file in USER_FILES {
            fs::write(out.join(file), "mine\n").unwrap();
        }
        symlink("../outside", out.join("shortcut")).unwrap();
        workspace
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// Runs `generate` of `spec` into `out/`, stopped before change number
    /// `stop_after` (counting from 0) if given, as a kill would stop it.
    fn generate(&self, spec: &SpecShape, stop_after: Option<usize>) -> Result<(), Error> {
        let spec_path = self.path("spec.toml");
        fs::write(&spec_path, spec.text()).unwrap();
        let before_change: Option<BeforeChange> = stop_after.map(|limit| {
            let mut made = 0;
            Box::new(move |path: &str| {
                if made == limit {
                    return Err(Error::Interrupted { path: path.into() });
                }
                made += 1;
                Ok(())
            }) as BeforeChange
        });
        let options = GenerateOptions {
            spec: spec_path,
            out: Some(self.out()),
            mode: Mode::Write { force: false },
            deny_warnings: false,
            applied: false,
            before_change,
        };
        match eksgrant::generate(options, drop) {
            Ok(_) | Err(Error::Interrupted { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Everything but the output directory's own files: what no run may
    /// change.
    fn surroundings(&self) -> BTreeMap<PathBuf, Node> {
        let mut nodes = tree(self.dir.path());
        nodes.retain(|path, _| {
            !path.starts_with("out")
                || USER_FILES.iter().any(|f| path == &Path::new("out").join(f))
                || path == Path::new("out/shortcut")
        });
        nodes
    }

    /// The output directory without mtimes.
    fn contents(&self) -> BTreeMap<PathBuf, Node> {
        tree(&self.out())
            .into_iter()
            .map(|(path, node)| match node {
                Node::File(bytes, _) => {
                    (path, Node::File(bytes, std::time::SystemTime::UNIX_EPOCH))
                }
                other => (path, other),
            })
            .collect()
    }
}

proptest! {
    // Each case runs up to five generations of a small spec; 48 cases take
    // a few seconds in a debug build.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    // A run makes about three changes per file (write under a temporary
    // name, then rename), so stops up to 120 reach the renames of these
    // specs' 20 to 40 files as well as their writes.
    #[test]
    fn any_killed_runs_then_one_complete_run_converge(
        runs in prop::collection::vec((spec_shape(), prop::option::weighted(0.8, 0..120usize)), 1..5),
        last in spec_shape(),
    ) {
        let runs: Vec<Run> = runs;
        let workspace = Workspace::new();
        let surroundings = |w: &Workspace| {
            let mut s = w.surroundings();
            s.remove(Path::new("spec.toml"));
            s
        };
        let before = surroundings(&workspace);
        let manifest = |w: &Workspace| fs::read(w.out().join(".eksgrant-manifest.toml")).ok();
        let mut recorded = Vec::new();
        for (spec, stop_after) in &runs {
            let history = manifest(&workspace);
            workspace.generate(spec, *stop_after).unwrap();
            prop_assert_eq!(&surroundings(&workspace), &before);
            if manifest(&workspace) != history {
                recorded.push(spec);
            }
        }
        workspace.generate(&last, None).unwrap();

        let clean = Workspace::new();
        for spec in recorded {
            clean.generate(spec, None).unwrap();
        }
        clean.generate(&last, None).unwrap();
        prop_assert_eq!(workspace.contents(), clean.contents());
        prop_assert_eq!(surroundings(&workspace), before);
    }
}
