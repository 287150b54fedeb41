//! The record of what eksgrant wrote into an output directory.
//!
//! The output directory is shared with the user (their `backend.tf`,
//! `.terraform/`, a README); the manifest is how eksgrant knows which files
//! are its own. It lists every file of the last generation with the SHA-256
//! of its content, so a file that matches neither its recorded hash nor the
//! new content is known to have been edited by hand.
//!
//! While a generation is being written, a [`Pending`] record lists every
//! file the run may touch with every content it may leave there, and the
//! run's token (which names its temporary files). A run that dies part-way
//! leaves it behind; the next run merges its own into it rather than
//! replacing it, so that after any number of interrupted runs, each file
//! still matches a recorded hash and each temporary file a recorded token,
//! and one complete run repairs the tree without `--force`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::code::Code;
use crate::error::{Error, Problem, Result};
use crate::model::StateMove;
pub use crate::model::{ClusterRecord, History, LeftCluster};
use crate::outdir::{Entry, OutDir, is_contained};
use crate::sha256::hex;
use crate::source::SourceFile;

/// The manifest format this eksgrant reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The manifest's file name in the output directory.
pub const MANIFEST_FILE: &str = ".eksgrant-manifest.toml";
/// The record of the generations being written; gone once a run finishes.
pub const PENDING_FILE: &str = ".eksgrant-manifest.pending.toml";

/// What one generation wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The manifest format; only `1` exists.
    pub version: u32,
    /// The spec, as the generated headers name it.
    pub spec: String,
    /// `sha256:<hex>` of the [`inputs`] of the run that would follow this
    /// generation, recorded when that run would render exactly these files
    /// with this history (see [`crate::model::Transition::settles`]): a run that
    /// finds the same, and every file as recorded, has nothing to do.
    /// Absent when the next run must render (it drops a step this one
    /// needed), and from earlier versions' manifests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<String>,
    /// Every generated file, by path relative to the output directory, with
    /// `sha256:<hex>` of its content.
    pub files: BTreeMap<String, String>,
    /// What the generation knew of each cluster, by key: what a later
    /// generation may not undo (authentication modes only move forward),
    /// and the Kubernetes objects it wrote there and still had to revoke.
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterRecord>,
    /// Clusters that left the spec with objects still to revoke, by EKS
    /// name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub left: BTreeMap<String, LeftCluster>,
    /// The workloads whose role trusted IRSA: a later generation that drops
    /// the trust must have their pods restart before Terraform applies it.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub irsa_workloads: BTreeSet<String>,
    /// The workloads whose pods the apply order still restarts off IRSA,
    /// carried on until a generation is acknowledged as applied.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub irsa_leaving: BTreeSet<String>,
    /// The state move the apply order still starts with, carried on
    /// likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_move: Option<StateMove>,
    /// The roots left behind that the overview still names, carried on
    /// likewise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_roots: Vec<String>,
    /// Each subject's digest of what it may do, by key
    /// ([`crate::explain::digests`]): what the next `generate` compares to
    /// say whose access its change touches. Absent from earlier versions'
    /// manifests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub access: BTreeMap<String, String>,
    /// The spec's warnings, recorded with [`Manifest::inputs`] for the run
    /// that finds them: it reports them again without parsing the spec, as
    /// cargo replays the warnings of a crate it does not rebuild. Their
    /// places are byte offsets into the spec the inputs hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RecordedWarning>,
}

/// A warning of the spec as the manifest keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedWarning {
    /// Its code, `eksgrant::secrets_read`.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Each place it points at, its own first: the start and end in bytes,
    /// and what it says there.
    pub labels: Vec<(usize, usize, String)>,
}

impl From<&Problem> for RecordedWarning {
    fn from(problem: &Problem) -> Self {
        RecordedWarning {
            code: problem.diagnostic_code().as_str().to_string(),
            message: problem.message().to_string(),
            help: problem.help_text().map(str::to_string),
            labels: problem
                .spans()
                .iter()
                .map(|(span, label)| (span.start, span.end, label.clone()))
                .collect(),
        }
    }
}

impl RecordedWarning {
    /// The warning again, pointing into `spec`; `None` if this eksgrant
    /// does not know its code or it points at nothing.
    pub fn to_problem(&self, spec: &SourceFile) -> Option<Problem> {
        let code = Code::parse(&self.code)?;
        let ((start, end, label), also) = self.labels.split_first()?;
        let mut problem = Problem::warning(spec, code, *start..*end, self.message.clone());
        problem.label(label.clone());
        for (start, end, label) in also {
            problem.also(*start..*end, label.clone());
        }
        if let Some(help) = &self.help {
            problem.help(help.clone());
        }
        Some(problem)
    }
}

impl Manifest {
    /// A manifest for these files, recording `history` (whose roots are
    /// those of `files`) and the subjects' `access` digests, and naming the
    /// next run's `inputs`, with the spec's `warnings`, if it has nothing to
    /// render.
    pub fn new(
        spec: &str,
        inputs: Option<(String, Vec<RecordedWarning>)>,
        files: BTreeMap<String, String>,
        history: History,
        access: BTreeMap<String, String>,
    ) -> Self {
        let History {
            clusters,
            left,
            irsa_workloads,
            irsa_leaving,
            roots: _,
            state_move,
            removed_roots,
        } = history;
        let (inputs, warnings) = inputs.map_or((None, Vec::new()), |(inputs, warnings)| {
            (Some(inputs), warnings)
        });
        Self {
            version: FORMAT_VERSION,
            spec: spec.to_string(),
            inputs,
            warnings,
            files,
            clusters,
            left,
            irsa_workloads,
            irsa_leaving,
            state_move,
            removed_roots,
            access,
        }
    }

    /// Whether `other` records the same generation: the same files with the
    /// same contents and the same history, whatever inputs it was made from
    /// (a comment edited in the spec changes the inputs, and the places of
    /// its warnings, not the files).
    pub fn same_generation(&self, other: &Manifest) -> bool {
        let Manifest {
            inputs: _,
            warnings: _,
            ..
        } = self;
        self.version == other.version
            && self.spec == other.spec
            && self.files == other.files
            && self.clusters == other.clusters
            && self.left == other.left
            && self.irsa_workloads == other.irsa_workloads
            && self.irsa_leaving == other.irsa_leaving
            && self.state_move == other.state_move
            && self.removed_roots == other.removed_roots
            && self.access == other.access
    }

    /// What this generation leaves to the next one.
    pub fn history(&self) -> History {
        History {
            clusters: self.clusters.clone(),
            left: self.left.clone(),
            irsa_workloads: self.irsa_workloads.clone(),
            irsa_leaving: self.irsa_leaving.clone(),
            roots: crate::model::roots::roots_of(self.files.keys().map(String::as_str)),
            state_move: self.state_move.clone(),
            removed_roots: self.removed_roots.clone(),
        }
    }

    /// Reads `out`'s manifest, if there is one.
    pub fn read(out: &OutDir) -> Result<Option<Manifest>> {
        let Some(text) = read_record(out, MANIFEST_FILE)? else {
            return Ok(None);
        };
        let path = out.path(MANIFEST_FILE);
        let manifest: Manifest = toml::from_str(&text).map_err(|error| Error::Manifest {
            path: path.clone(),
            message: error.message().to_string(),
        })?;
        if manifest.version != FORMAT_VERSION {
            return Err(Error::Manifest {
                path,
                message: format!(
                    "manifest version {} is not one this eksgrant reads",
                    manifest.version
                ),
            });
        }
        check_paths(&path, manifest.files.keys())?;
        Ok(Some(manifest))
    }

    /// The manifest as written, with a comment saying what it is for.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("a manifest always serialises");
        format!(
            "# Written by eksgrant: the files it generated here, with their hashes, so that it\n\
             # can tell its own unmodified files from yours. Commit it; do not edit it.\n{body}"
        )
    }
}

/// `sha256:<hex>` of everything a run's files follow from, besides the
/// templates (which the version covers): this eksgrant's version, how the
/// files name the spec and the command that regenerates them, the spec's
/// warnings as the manifest records them, the spec's bytes, and the history
/// of the generation the run follows on from.
///
/// A manifest records the inputs of the run that would follow it when that
/// run would render exactly its files (see [`Manifest::inputs`]): a run
/// that finds them can then trust the tree after hashing it, without even
/// reading the spec beyond its bytes. The warnings are hashed in, so that
/// the ones such a run reports are exactly those the spec has.
pub fn inputs(
    spec_text: &str,
    spec_shown: &str,
    regenerate: &str,
    warnings: &[RecordedWarning],
    history: &History,
) -> String {
    let history = serde_json::to_string(history).expect("a history serialises");
    let warnings = serde_json::to_string(warnings).expect("warnings serialise");
    let mut hasher = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        spec_shown,
        regenerate,
        warnings.as_str(),
        history.as_str(),
        spec_text,
    ] {
        // Each part with its length first, so no two lists of parts hash alike.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// What the runs since the last complete one may have left in the output
/// directory: every file with every content they may have written there,
/// and the tokens that name their temporary files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The record format; only `1` exists.
    pub version: u32,
    /// The tokens of the runs, in their temporary files' names.
    #[serde(default)]
    pub runs: BTreeSet<String>,
    /// Each file a run may have written, with the hash of each content it
    /// may have left.
    pub files: BTreeMap<String, Hashes>,
}

/// The hashes recorded for one file: one (the content of the only run that
/// wrote it, or every run's when they agreed) or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Hashes {
    /// One content.
    One(String),
    /// Several contents, from several interrupted runs.
    Many(BTreeSet<String>),
}

impl Hashes {
    /// Whether `hash` is one of them.
    pub fn contains(&self, hash: &str) -> bool {
        match self {
            Hashes::One(one) => one == hash,
            Hashes::Many(many) => many.contains(hash),
        }
    }
}

impl Pending {
    /// Reads `out`'s pending record, left behind by interrupted runs.
    pub fn read(out: &OutDir) -> Result<Option<Pending>> {
        let Some(text) = read_record(out, PENDING_FILE)? else {
            return Ok(None);
        };
        let path = out.path(PENDING_FILE);
        let pending: Pending = toml::from_str(&text).map_err(|error| Error::Manifest {
            path: path.clone(),
            message: error.message().to_string(),
        })?;
        check_paths(&path, pending.files.keys())?;
        Ok(Some(pending))
    }

    /// The text of `previous` (or of no record) with run `token`, writing
    /// `files`, added: what [`Pending::read`] then reads. Made from borrowed
    /// paths and hashes, not from an owned [`Pending`]: an organisation's
    /// run records tens of thousands of files, whose copies (with a set per
    /// file) would sit at the end of its peak.
    pub fn merged_toml(
        previous: Option<&Pending>,
        token: &str,
        files: &BTreeMap<String, String>,
    ) -> String {
        /// [`Pending`], borrowed.
        #[derive(Serialize)]
        struct Record<'a> {
            version: u32,
            runs: BTreeSet<&'a str>,
            files: BTreeMap<&'a str, HashesOf<'a>>,
        }
        /// [`Hashes`], borrowed.
        #[derive(Serialize)]
        #[serde(untagged)]
        enum HashesOf<'a> {
            One(&'a str),
            Many(BTreeSet<&'a str>),
        }
        let mut record = Record {
            version: 1,
            runs: previous
                .iter()
                .flat_map(|p| &p.runs)
                .map(String::as_str)
                .chain([token])
                .collect(),
            files: BTreeMap::new(),
        };
        for (path, hashes) in previous.iter().flat_map(|p| &p.files) {
            let hashes = match hashes {
                Hashes::One(one) => HashesOf::One(one),
                Hashes::Many(many) => HashesOf::Many(many.iter().map(String::as_str).collect()),
            };
            record.files.insert(path, hashes);
        }
        for (path, hash) in files {
            let hashes = match record.files.remove(path.as_str()) {
                None => HashesOf::One(hash),
                Some(HashesOf::One(one)) if one == hash => HashesOf::One(one),
                Some(HashesOf::One(one)) => HashesOf::Many(BTreeSet::from([one, hash.as_str()])),
                Some(HashesOf::Many(mut many)) => {
                    many.insert(hash);
                    HashesOf::Many(many)
                }
            };
            record.files.insert(path, hashes);
        }
        pending_toml(&record)
    }

    /// The record as written, with a comment saying what it is for.
    pub fn to_toml(&self) -> String {
        pending_toml(self)
    }
}

/// A pending record's text: `record`, after a comment saying what it is for.
fn pending_toml(record: &impl Serialize) -> String {
    let body = toml::to_string(record).expect("a pending record always serialises");
    format!(
        "# Written by eksgrant while it writes this directory: every file a run may have\n\
         # touched, so that the next run repairs an interrupted one. Gone when a run ends.\n{body}"
    )
}

/// The text of the record `name` at the root of `out`, if there is one.
fn read_record(out: &OutDir, name: &str) -> Result<Option<String>> {
    let path = out.path(name);
    let bytes = match out.entry(name)? {
        Entry::File(bytes) => bytes,
        Entry::Missing | Entry::Blocked { .. } => return Ok(None),
        Entry::Symlink { .. } => {
            return Err(Error::Unsafe {
                path,
                reason: "is a symbolic link",
            });
        }
        Entry::Spec => {
            return Err(Error::Unsafe {
                path,
                reason: "is the spec",
            });
        }
        Entry::Directory | Entry::Special => {
            return Err(Error::Unsafe {
                path,
                reason: "is not a regular file",
            });
        }
        Entry::TooLarge => {
            return Err(Error::Manifest {
                path,
                message: format!(
                    "it is larger than {} MiB, which no record eksgrant writes is",
                    crate::outdir::MAX_READ >> 20
                ),
            });
        }
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::Manifest {
            path,
            message: "it is not UTF-8 text".into(),
        })
}

/// A record names files to overwrite and delete: never let it name one
/// outside the output directory, or one of eksgrant's own records or lock.
fn check_paths<'a>(record: &Path, mut paths: impl Iterator<Item = &'a String>) -> Result<()> {
    let bad = |p: &&String| !is_contained(p) || is_bookkeeping(p);
    match paths.find(bad) {
        Some(bad) if is_bookkeeping(bad) => Err(Error::Manifest {
            path: record.to_path_buf(),
            message: format!("`{bad}` is eksgrant's own bookkeeping, not a generated file"),
        }),
        Some(bad) => Err(Error::Manifest {
            path: record.to_path_buf(),
            message: format!("`{bad}` is not a path inside the output directory"),
        }),
        None => Ok(()),
    }
}

/// Whether `path` is one of the names eksgrant keeps for itself at the top
/// of the output directory: `.eksgrant-` followed by anything (the
/// manifest, the pending record, the lock and their temporary files). No
/// generated file has such a name.
pub(crate) fn is_bookkeeping(path: &str) -> bool {
    !path.contains('/') && (path.starts_with(".eksgrant-") || path.starts_with("..eksgrant-"))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::model::{CatchUp, SecretsKey};
    use crate::sha256::hash;
    use crate::spec::AuthenticationMode;

    #[test]
    fn a_manifest_naming_a_file_outside_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(MANIFEST_FILE),
            "version = 1\nspec = \"x.toml\"\n[files]\n\"../victim\" = \"sha256:00\"\n",
        )
        .unwrap();
        let error = Manifest::read(&OutDir::new(dir.path())).unwrap_err();
        assert!(error.to_string().contains("manifest"), "{error}");
    }

    #[test]
    fn a_manifest_naming_the_lock_or_a_record_is_refused() {
        for name in [".eksgrant-lock", PENDING_FILE, MANIFEST_FILE] {
            let dir = tempfile::tempdir().unwrap();
            fs::write(
                dir.path().join(MANIFEST_FILE),
                format!("version = 1\nspec = \"x.toml\"\n[files]\n\"{name}\" = \"sha256:00\"\n"),
            )
            .unwrap();
            let error = Manifest::read(&OutDir::new(dir.path())).unwrap_err();
            assert!(error.to_string().contains("damaged"), "{error}");
        }
    }

    #[test]
    fn manifests_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest {
            version: 1,
            spec: "../eksgrant.toml".into(),
            inputs: Some(hash(b"inputs")),
            files: BTreeMap::from([("terraform/versions.tf".to_string(), hash(b"x"))]),
            clusters: BTreeMap::from([
                (
                    "platform".to_string(),
                    ClusterRecord {
                        name: "platform".into(),
                        authentication_mode: AuthenticationMode::Api,
                        switch_from: Some(AuthenticationMode::ApiAndConfigMap),
                        secrets_key: Some(SecretsKey::Own(
                            "arn:aws:kms:eu-west-2:111122223333:key/mrk-0".into(),
                        )),
                        log_group: Some(true),
                        catch_up: CatchUp::default(),
                        objects: BTreeSet::new(),
                        revoked: BTreeSet::new(),
                    },
                ),
                (
                    "workload".to_string(),
                    ClusterRecord {
                        name: "workload".into(),
                        authentication_mode: AuthenticationMode::ApiAndConfigMap,
                        switch_from: None,
                        secrets_key: Some(SecretsKey::Created),
                        log_group: Some(false),
                        catch_up: CatchUp {
                            import_log_group: true,
                            rewrite_secrets: false,
                        },
                        objects: [
                            "RoleBinding jobs/eksgrant:backend",
                            "Role jobs/eksgrant:backend",
                        ]
                        .into_iter()
                        .map(|o| o.parse().unwrap())
                        .collect(),
                        revoked: BTreeSet::from(["RoleBinding jobs/eksgrant:ci:edit"
                            .parse()
                            .unwrap()]),
                    },
                ),
                (
                    "legacy".to_string(),
                    ClusterRecord {
                        name: "legacy".into(),
                        authentication_mode: AuthenticationMode::ConfigMap,
                        switch_from: None,
                        secrets_key: None,
                        log_group: None,
                        catch_up: CatchUp::default(),
                        objects: BTreeSet::new(),
                        revoked: BTreeSet::new(),
                    },
                ),
            ]),
            left: BTreeMap::from([(
                "old-prod".to_string(),
                LeftCluster {
                    key: "old".into(),
                    authentication_mode: AuthenticationMode::Api,
                    revoked: BTreeSet::from(["ClusterRoleBinding eksgrant:ops:cluster-admin"
                        .parse()
                        .unwrap()]),
                },
            )]),
            irsa_workloads: BTreeSet::from(["reports".to_string()]),
            irsa_leaving: BTreeSet::from(["ingest".to_string()]),
            state_move: Some(StateMove {
                from: crate::spec::Layout::Single,
                from_roots: vec!["terraform".into()],
                to_roots: vec!["terraform/iam".into(), "terraform/clusters/platform".into()],
            }),
            removed_roots: vec!["terraform/clusters/old".into()],
            access: BTreeMap::from([("reports".to_string(), hash(b"what reports may do"))]),
            warnings: vec![RecordedWarning {
                code: "eksgrant::secrets_read".into(),
                message: "workload reports may read every Secret".into(),
                help: Some("name them with resource_names = [\"a\"]".into()),
                labels: vec![(120, 129, "every Secret".into()), (4, 7, String::new())],
            }],
        };
        fs::write(dir.path().join(MANIFEST_FILE), manifest.to_toml()).unwrap();
        assert_eq!(
            Manifest::read(&OutDir::new(dir.path())).unwrap(),
            Some(manifest)
        );
    }

    #[test]
    fn pending_records_merge_and_never_forget() {
        let b = BTreeMap::from([("a.tf".to_string(), hash(b"b"))]);
        let c = BTreeMap::from([
            ("a.tf".to_string(), hash(b"c")),
            ("c.tf".to_string(), hash(b"c")),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::new(dir.path());
        let merged = |previous: Option<&Pending>, token, files| {
            fs::write(
                dir.path().join(PENDING_FILE),
                Pending::merged_toml(previous, token, files),
            )
            .unwrap();
            Pending::read(&out).unwrap().unwrap()
        };
        let after_b = merged(None, "1-b", &b);
        assert_eq!(after_b.files["a.tf"], Hashes::One(hash(b"b")));
        let after_c = merged(Some(&after_b), "2-c", &c);
        assert_eq!(after_c.runs, BTreeSet::from(["1-b".into(), "2-c".into()]));
        assert!(after_c.files["a.tf"].contains(&hash(b"b")));
        assert!(after_c.files["a.tf"].contains(&hash(b"c")));
        assert!(after_c.files["c.tf"].contains(&hash(b"c")));
        // Merged again with what it holds, a record is as it was; written
        // back as read, it reads the same.
        assert_eq!(merged(Some(&after_c), "2-c", &c), after_c);
        fs::write(dir.path().join(PENDING_FILE), after_c.to_toml()).unwrap();
        assert_eq!(Pending::read(&out).unwrap(), Some(after_c));
    }

    #[test]
    fn pending_records_of_earlier_versions_still_read() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(PENDING_FILE),
            "version = 1\nspec = \"x.toml\"\n[files]\n\"a.tf\" = \"sha256:00\"\n",
        )
        .unwrap();
        let pending = Pending::read(&OutDir::new(dir.path())).unwrap().unwrap();
        assert!(pending.files["a.tf"].contains("sha256:00"));
        assert!(pending.runs.is_empty());
    }
}
