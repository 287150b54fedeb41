//! The presets' pins against `data/presets/SOURCE.md`, the table of the
//! vendored upstream files: each preset's `Upstream::source` names the
//! release tag its files were taken at, each row names a tag (or, for an AWS
//! managed policy, the policy version), and the table lists exactly the
//! files vendored. One preset's upstream has no tags: [`UNTAGGED`].

use std::collections::BTreeSet;

use super::{PRESETS, find};

const SOURCE: &str = include_str!("../../../data/presets/SOURCE.md");

/// The repository whose files are AWS managed policies as the IAM API
/// returns them; their "tag" is the policy version.
const MANAGED_POLICIES: &str = "zoph-io/MAMIP";

/// Presets whose upstream publishes the policy only where there are no
/// release tags, with why (SOURCE.md gives the evidence). Their row names a
/// commit instead, and their source names that commit.
const UNTAGGED: &[(&str, &str)] = &[(
    "cert-manager",
    "cert-manager publishes its Route 53 policy only on cert-manager/website, which has no tags; cert-manager/cert-manager has no IAM policy",
)];

/// One row of SOURCE.md's table.
struct Row {
    preset: String,
    file: String,
    repository: String,
    /// `None` where the row says there is none.
    tag: Option<String>,
    commit: String,
}

/// The table's rows: the lines that start with a preset's name.
fn rows() -> Vec<Row> {
    SOURCE
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().trim_matches('`').to_string())
                .collect();
            assert_eq!(cells.len(), 7, "{line}");
            Row {
                preset: cells[0].clone(),
                file: cells[1].clone(),
                repository: cells[2].clone(),
                tag: (!cells[4].starts_with("none")).then(|| cells[4].clone()),
                commit: cells[5].clone(),
            }
        })
        .collect()
}

/// The words of a source string: a tag is one of them, whole.
fn words(source: &str) -> BTreeSet<&str> {
    source
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ','))
        .collect()
}

#[test]
fn every_preset_names_the_tag_its_vendored_files_were_taken_at() {
    let rows = rows();
    for preset in PRESETS {
        let source = preset.upstream.source;
        let mine: Vec<&Row> = rows.iter().filter(|r| r.preset == preset.name).collect();
        assert!(!mine.is_empty(), "{}: no row in SOURCE.md", preset.name);
        let untagged = UNTAGGED.iter().any(|(name, _)| *name == preset.name);
        for row in mine {
            let commit_is_hex =
                row.commit.len() == 40 && row.commit.chars().all(|c| c.is_ascii_hexdigit());
            assert!(commit_is_hex, "{}: {}", preset.name, row.commit);
            match &row.tag {
                Some(version) if row.repository == MANAGED_POLICIES => {
                    let policy = row.file.trim_end_matches(".json");
                    assert!(
                        source.contains(&format!("{policy} {version}")),
                        "{}: the source names {policy} {version}",
                        preset.name
                    );
                }
                Some(tag) => {
                    assert!(
                        !untagged,
                        "{}: has a tag now; drop it from UNTAGGED",
                        preset.name
                    );
                    assert!(
                        words(source).contains(tag.as_str()),
                        "{}: the source must name {tag}: {source}",
                        preset.name
                    );
                    assert!(
                        source.contains(&row.repository),
                        "{}: the source must name {}",
                        preset.name,
                        row.repository
                    );
                }
                None => {
                    assert!(untagged, "{}: {} names no tag", preset.name, row.file);
                    assert!(
                        source.contains(&row.commit[..7]),
                        "{}: the source must name commit {}",
                        preset.name,
                        &row.commit[..7]
                    );
                }
            }
        }
    }
}

#[test]
fn the_exceptions_are_presets_and_explained() {
    for (name, why) in UNTAGGED {
        assert!(find(name).is_some(), "{name}");
        assert!(!why.is_empty());
        assert!(
            SOURCE.contains(&format!("## The exception: {name}")),
            "{name}"
        );
    }
}

/// The table lists every file under `data/presets/<preset>/`, and no other.
#[test]
fn the_table_lists_exactly_the_vendored_files() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/presets");
    let mut vendored = BTreeSet::new();
    for folder in std::fs::read_dir(&root).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder).unwrap() {
            let name =
                |path: &std::path::Path| path.file_name().unwrap().to_string_lossy().to_string();
            vendored.insert((name(&folder), name(&file.unwrap().path())));
        }
    }
    let listed: BTreeSet<(String, String)> = rows()
        .into_iter()
        .map(|row| (row.preset, row.file))
        .collect();
    assert_eq!(listed, vendored);
}

/// A managed policy's version in the table is the vendored file's.
#[test]
fn managed_policy_versions_are_the_files_versions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/presets");
    for row in rows()
        .iter()
        .filter(|row| row.repository == MANAGED_POLICIES)
    {
        let text = std::fs::read_to_string(root.join(&row.preset).join(&row.file)).unwrap();
        let version: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            version["PolicyVersion"]["VersionId"].as_str(),
            row.tag.as_deref(),
            "{}",
            row.file
        );
    }
}
