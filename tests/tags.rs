//! Tags reach every AWS resource that takes them: `[aws] tags` through the
//! provider's `default_tags`, `[iam] tags` on each IAM resource as well.
//! `taggable-resource-types.txt` says which types take tags; `.ci/run`
//! checks that list against the AWS provider's schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{load, plan};

/// Where a resource type's tags come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tags {
    /// The provider's `default_tags` only.
    Default,
    /// `default_tags`, and `[iam] tags` written on the resource.
    Iam,
    /// The type takes no tags.
    None,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `taggable-resource-types.txt`, by type.
fn taggable() -> BTreeMap<String, Tags> {
    let text = std::fs::read_to_string(root().join("tests/taggable-resource-types.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (kind, tags) = line.split_once(' ').expect("`type source` per line");
            let tags = match tags {
                "default" => Tags::Default,
                "iam" => Tags::Iam,
                "none" => Tags::None,
                other => panic!("{kind}: unknown tag source {other}"),
            };
            (kind.to_string(), tags)
        })
        .collect()
}

/// Every `resource "aws_..."` block of a Terraform file: its type and its
/// lines. Blocks start at the first column and end at a `}` there.
fn aws_resources(tf: &str) -> Vec<(String, Vec<&str>)> {
    let mut blocks = Vec::new();
    let mut lines = tf.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("resource \"aws_") else {
            continue;
        };
        let kind = format!("aws_{}", rest.split('"').next().unwrap());
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "}").collect();
        blocks.push((kind, body));
    }
    blocks
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_list_names_every_aws_resource_type_the_templates_write() {
    let mut templates = Vec::new();
    files_under(&root().join("templates"), &mut templates);
    let mut written: Vec<String> = templates
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            aws_resources(&text)
                .into_iter()
                .map(|(kind, _)| kind)
                .collect::<Vec<_>>()
        })
        .collect();
    written.sort();
    written.dedup();
    let listed: Vec<String> = taggable().into_keys().collect();
    assert_eq!(
        written, listed,
        "tests/taggable-resource-types.txt must list exactly the AWS resource types the templates write"
    );
}

#[test]
fn every_taggable_resource_gets_the_tags_of_its_kind() {
    let taggable = taggable();
    let mut specs = Vec::new();
    files_under(&root().join("examples"), &mut specs);
    files_under(&root().join("tests/cases"), &mut specs);
    specs.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for spec in &specs {
        let model = load(spec).unwrap().model;
        let plan = plan(spec);
        for (path, file) in plan.files() {
            if Path::new(path).extension().is_none_or(|e| e != "tf") {
                continue;
            }
            let text = &file.contents;
            if text.contains("provider \"aws\" {") {
                assert_eq!(
                    !model.default_tags.is_empty(),
                    text.contains("  default_tags {"),
                    "{}: {path}: default_tags exactly when [aws] has tags",
                    spec.display()
                );
                for (key, value) in &model.default_tags {
                    let line = format!("\"{key}\"");
                    assert!(
                        text.lines().any(|l| l.trim_start().starts_with(&line)
                            && l.trim_end().ends_with(&format!("\"{value}\""))),
                        "{}: {path} lacks the default tag {key}",
                        spec.display()
                    );
                }
            }
            for (kind, body) in aws_resources(text) {
                let (kind, tags) = taggable
                    .get_key_value(&kind)
                    .unwrap_or_else(|| panic!("{path}: {kind} is not in the list"));
                *seen.entry(kind).or_default() += 1;
                let tagged = body.iter().any(|l| {
                    l.split_whitespace().collect::<Vec<_>>() == ["tags", "=", "local.iam_tags"]
                });
                let expected = *tags == Tags::Iam && !model.iam.tags.is_empty();
                assert_eq!(
                    tagged,
                    expected,
                    "{}: {path}: {kind} {} carry [iam] tags",
                    spec.display(),
                    if expected { "must" } else { "must not" }
                );
                assert!(
                    tagged || !body.iter().any(|l| l.trim_start().starts_with("tags ")),
                    "{}: {path}: {kind} has tags of its own besides the defaults",
                    spec.display()
                );
            }
        }
    }
    // Every listed type was generated somewhere, so each rule above ran.
    let missing: Vec<&String> = taggable
        .keys()
        .filter(|k| !seen.contains_key(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "no example or case generates {missing:?}"
    );
}
