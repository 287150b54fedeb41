//! What ships around the binary: the crate's metadata and licences, the
//! changelog's format versions, the pre-commit hooks, run as pre-commit
//! would run them, and the release configuration.

use std::path::Path;

use serde_json::Value;

use crate::support::{Run, eksgrant, run_in};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_crate_carries_what_crates_io_and_installers_show() {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let package = manifest["package"].as_table().unwrap();
    for key in ["description", "license", "repository", "readme", "homepage"] {
        assert!(package.contains_key(key), "Cargo.toml lacks package.{key}");
    }
    assert!(root().join(package["readme"].as_str().unwrap()).is_file());
    // crates.io takes at most five keywords of at most 20 ASCII characters.
    let keywords = package["keywords"].as_array().unwrap();
    assert!(keywords.len() <= 5);
    for keyword in keywords {
        let keyword = keyword.as_str().unwrap();
        assert!(
            keyword.len() <= 20
                && keyword
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{keyword}"
        );
    }
    // One licence file per licence the expression names.
    assert_eq!(package["license"].as_str().unwrap(), "MIT OR Apache-2.0");
    assert!(read("LICENSE-MIT").contains("Permission is hereby granted"));
    assert!(read("LICENSE-APACHE").contains("Apache License"));
}

#[test]
fn the_changelog_names_this_version_and_every_format_version() {
    let changelog = read("CHANGELOG.md");
    assert!(
        changelog.contains(&format!("({})", env!("CARGO_PKG_VERSION")))
            || changelog.contains(&format!("## {}", env!("CARGO_PKG_VERSION"))),
        "CHANGELOG.md has no entry for {}",
        env!("CARGO_PKG_VERSION")
    );
    for row in [
        format!("| spec | `version = {}` |", eksgrant::spec::SPEC_VERSION),
        format!(
            "| manifest (`.eksgrant-manifest.toml`) | `version = {}` |",
            eksgrant::manifest::FORMAT_VERSION
        ),
        format!(
            "| `explain --format json` | `\"version\": {}` |",
            eksgrant::explain::FORMAT_VERSION
        ),
        format!(
            "| `validate`/`generate --format json` | `\"version\": {}` |",
            eksgrant::diagnostics::FORMAT_VERSION
        ),
        format!(
            "| `validate`/`generate --format sarif` | SARIF `{}` |",
            eksgrant::diagnostics::SARIF_VERSION
        ),
    ] {
        assert!(changelog.contains(&row), "CHANGELOG.md lacks `{row}`");
    }
}

/// The hooks of `.pre-commit-hooks.yaml`, as `(id, entry)`.
fn hooks() -> Vec<(String, String)> {
    let hooks: Value = serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).unwrap();
    hooks
        .as_array()
        .unwrap()
        .iter()
        .map(|hook| {
            assert_eq!(
                hook["language"], "rust",
                "pre-commit builds the hook with cargo"
            );
            assert_eq!(
                hook["pass_filenames"], false,
                "the spec is an argument, not the changed files"
            );
            (
                hook["id"].as_str().unwrap().to_string(),
                hook["entry"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs a hook's entry as pre-commit would, with `args`, in `dir`.
fn run_hook(entry: &str, args: &[&str], dir: &Path) -> Run {
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("eksgrant"));
    eksgrant().args(words).args(args).current_dir(dir).run()
}

#[test]
fn the_pre_commit_hooks_pass_a_current_repository_and_fail_a_stale_one() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["eksgrant-validate", "eksgrant-check"]);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("eksgrant.toml");
    std::fs::copy(root().join("examples/platform-workload.toml"), &spec).unwrap();
    run_in(dir.path(), &["generate", "eksgrant.toml"]).success();

    // Without args, both read ./eksgrant.toml.
    for (_, entry) in &hooks {
        run_hook(entry, &[], dir.path()).success();
    }
    // A spec change without a regeneration fails the check hook.
    let changed = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("namespace = \"web\"", "namespace = \"web2\"");
    std::fs::write(&spec, changed).unwrap();
    let (_, check) = &hooks[1];
    run_hook(check, &[], dir.path()).code(1);
}

#[test]
fn the_release_configuration_pins_dist_and_ships_the_licences() {
    let config: toml::Table = toml::from_str(&read("dist-workspace.toml")).unwrap();
    let dist = config["dist"].as_table().unwrap();
    let version = dist["cargo-dist-version"].as_str().unwrap();
    // The workflow is what that dist generates: `dist plan` in .ci/run
    // checks every line; this checks it is there and of that version.
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow.contains(&format!("cargo-dist/releases/download/v{version}/")),
        "release.yml was not generated by dist {version}: run `dist generate`"
    );
    let targets: Vec<&str> = dist["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(targets.contains(&target), "no {target} build");
    }
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    assert_eq!(
        manifest["profile"]["dist"]["inherits"].as_str(),
        Some("release")
    );
}
