//! The record of what eksgrant wrote into an output directory.
//!
//! The output directory is shared with the user (their `backend.tf`,
//! `.terraform/`, a README); the manifest is how eksgrant knows which files
//! are its own. It lists every file of the last generation with the SHA-256
//! of its content, so a file that matches neither its recorded hash nor the
//! new content is known to have been edited by hand.
//!
//! While a generation is being written, a pending manifest lists the new
//! hashes too. If the run dies half-way, the next run finds files that match
//! either record and repairs the tree without `--force`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::spec::AuthenticationMode;

/// The manifest's file name in the output directory.
pub const MANIFEST_FILE: &str = ".eksgrant-manifest.toml";
/// The manifest of a generation being written; gone once the run finishes.
pub const PENDING_FILE: &str = ".eksgrant-manifest.pending.toml";
/// The suffix of the temporary files each write goes through.
pub const TEMP_SUFFIX: &str = ".eksgrant-tmp";

/// What one generation wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The manifest format; only `1` exists.
    pub version: u32,
    /// The spec, as the generated headers name it.
    pub spec: String,
    /// Every generated file, by path relative to the output directory, with
    /// `sha256:<hex>` of its content.
    pub files: BTreeMap<String, String>,
    /// What the generation knew of each cluster, by key: what a later
    /// generation may not undo (authentication modes only move forward).
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterRecord>,
}

/// A cluster as a generation saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRecord {
    /// The EKS cluster name.
    pub name: String,
    /// How IAM principals were mapped.
    pub authentication_mode: AuthenticationMode,
}

impl ClusterRecord {
    /// The records of a model's clusters, by key.
    pub fn of(model: &crate::Model) -> BTreeMap<String, ClusterRecord> {
        model
            .clusters
            .iter()
            .map(|c| {
                let record = ClusterRecord {
                    name: c.name.clone(),
                    authentication_mode: c.authentication_mode,
                };
                (c.key.clone(), record)
            })
            .collect()
    }
}

impl Manifest {
    /// A manifest for these files and clusters.
    pub fn new(
        spec: &str,
        files: BTreeMap<String, String>,
        clusters: BTreeMap<String, ClusterRecord>,
    ) -> Self {
        Self {
            version: 1,
            spec: spec.to_string(),
            files,
            clusters,
        }
    }

    /// Reads `out`'s manifest, if there is one.
    pub fn read(out: &Path) -> Result<Option<Manifest>> {
        Self::read_file(&out.join(MANIFEST_FILE))
    }

    /// Reads `out`'s pending manifest, left behind by an interrupted run.
    pub fn read_pending(out: &Path) -> Result<Option<Manifest>> {
        Self::read_file(&out.join(PENDING_FILE))
    }

    fn read_file(path: &Path) -> Result<Option<Manifest>> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    action: "read the manifest",
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let manifest: Manifest = toml::from_str(&text).map_err(|error| Error::Manifest {
            path: path.to_path_buf(),
            message: error.message().to_string(),
        })?;
        if manifest.version != 1 {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                message: format!(
                    "manifest version {} is not one this eksgrant reads",
                    manifest.version
                ),
            });
        }
        // A manifest names files to delete; never let it name one outside
        // the output directory.
        if let Some(bad) = manifest.files.keys().find(|p| !is_contained(p)) {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                message: format!("`{bad}` is not a path inside the output directory"),
            });
        }
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

/// `sha256:<hex>` of `content`.
pub fn hash(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Whether a manifest path stays inside the output directory: relative, no
/// `..`, no root or drive.
fn is_contained(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Writes `content` to `path` through a temporary file in the same directory,
/// renamed into place, so the file is either old or new, never half written.
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let temp = temp_path(path);
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let result = (|| {
        let mut file = fs::File::create(&temp).map_err(io("write", &temp))?;
        file.write_all(content).map_err(io("write", &temp))?;
        file.sync_all().map_err(io("write", &temp))?;
        fs::rename(&temp, path).map_err(io("write", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// The temporary file a write of `path` goes through: hidden, beside it.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TEMP_SUFFIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn manifest_paths_must_stay_inside() {
        assert!(is_contained("terraform/versions.tf"));
        assert!(!is_contained("../outside.tf"));
        assert!(!is_contained("/etc/passwd"));
        assert!(!is_contained("a/../../b"));
        assert!(!is_contained(""));
    }

    #[test]
    fn a_manifest_naming_a_file_outside_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(MANIFEST_FILE),
            "version = 1\nspec = \"x.toml\"\n[files]\n\"../victim\" = \"sha256:00\"\n",
        )
        .unwrap();
        let error = Manifest::read(dir.path()).unwrap_err();
        assert!(error.to_string().contains("manifest"), "{error}");
    }

    #[test]
    fn manifests_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest::new(
            "../eksgrant.toml",
            BTreeMap::from([("terraform/versions.tf".to_string(), hash(b"x"))]),
            BTreeMap::from([(
                "platform".to_string(),
                ClusterRecord {
                    name: "platform".into(),
                    authentication_mode: AuthenticationMode::Api,
                },
            )]),
        );
        fs::write(dir.path().join(MANIFEST_FILE), manifest.to_toml()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), Some(manifest));
    }

    #[test]
    fn atomic_writes_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tf");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
