//! The crate's modules in layers: each may use only the modules of the
//! layers below it, so that none depends on itself through others and a
//! newcomer can read the crate from the bottom up. (`model`'s own passes
//! have the same rule inside it: `model::tests`.)
//!
//! It also reads the crate's sources for the other tests that hold the code
//! to a rule ([`sources`]), and keeps benchmark figures out of comments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The top-level modules, bottom first.
const LAYERS: &[&str] = &[
    // Foundations, which use nothing of eksgrant's.
    "code",
    "text",
    "sha256",
    "rbac",
    "parallel",
    "freed",
    "allocator",
    "test_hooks",
    "cli",
    // What AWS is, and what the user wrote.
    "aws",
    "source",
    "error",
    "spec",
    // What a generated file is, and where it goes.
    "plan",
    // Resolving the spec, and what it answers.
    "model",
    "load",
    "explain",
    "import",
    // Writing the output.
    "render",
    "outdir",
    "manifest",
    "sync",
    // The commands.
    "diagnostics",
    "reporter",
    "man",
    "diff",
    "generate",
    "init",
];

/// Every Rust source file below src/, relative to it, with its code
/// before any `#[cfg(test)]`: what the tests that read the crate's own
/// code look at.
pub(crate) fn sources() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap().to_string();
                sources.push((path.strip_prefix(&src).unwrap().to_path_buf(), code));
            }
        }
    }
    sources
}

/// Every source file of each top-level module, without its tests.
fn modules() -> BTreeMap<String, Vec<String>> {
    let mut modules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (relative, text) in sources() {
        let top = relative.components().next().unwrap().as_os_str();
        let top = top.to_string_lossy();
        let module = top.trim_end_matches(".rs");
        // The crate root, the binary, and this test, which is no layer.
        if matches!(module, "lib" | "main" | "layering") {
            continue;
        }
        // Comments name modules without using them.
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        modules.entry(module.to_string()).or_default().push(code);
    }
    modules
}

/// The top-level modules `code` uses: `crate::x` paths, and the names in
/// `use crate::{x, y::z}`.
fn used(code: &str) -> Vec<String> {
    let name = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            // The first word of each top-level item of the group.
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        found.push(name(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.push(name(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let modules = modules();
    for module in modules.keys() {
        assert!(
            LAYERS.contains(&module.as_str()),
            "src/{module} is not in LAYERS: place it in src/layering.rs"
        );
    }
    for (module, files) in &modules {
        let own = LAYERS.iter().position(|m| m == module).unwrap();
        for code in files {
            for other in used(code) {
                if &other == module {
                    continue;
                }
                let at = LAYERS.iter().position(|m| *m == other);
                assert!(
                    at.is_some_and(|at| at < own),
                    "{module} uses {other}, which is not in a layer below it"
                );
            }
        }
    }
}

#[test]
fn uses_are_read_from_paths_and_groups() {
    assert_eq!(used("use crate::model::Model;"), ["model"]);
    assert_eq!(
        used("use crate::{error::Error, text::{count, FEW}};\nlet x = crate::sync::apply();"),
        ["error", "text", "sync"]
    );
}

/// What a comment line measures, if it reads like a benchmark's figure: a
/// number of MB or GB, of seconds, or a ratio (`1.5x`).
fn measured(comment: &str) -> Option<String> {
    let words: Vec<&str> = comment
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | ':'))
        .filter(|w| !w.is_empty())
        .collect();
    let number = |w: &str| !w.is_empty() && w.parse::<f64>().is_ok();
    for (i, word) in words.iter().enumerate() {
        let unit = words.get(i + 1).map(|u| u.trim_end_matches('.'));
        if let Some(unit @ ("MB" | "GB" | "s" | "seconds")) = unit.filter(|_| number(word)) {
            return Some(format!("{word} {unit}"));
        }
        let joined = ["MB", "GB"]
            .iter()
            .any(|u| word.strip_suffix(u).is_some_and(number));
        let ratio = word
            .strip_suffix('x')
            .is_some_and(|n| n.contains('.') && number(n));
        if joined || ratio {
            return Some((*word).to_string());
        }
    }
    None
}

/// Benchmark figures are in bench/README.md, where a run updates them, not
/// in comments, which would go stale: the code says why it does what it
/// does, and points there for how much it saves.
#[test]
fn figures_are_in_bench_not_in_comments() {
    for (path, code) in sources() {
        for (number, line) in code.lines().enumerate() {
            let Some(at) = line.find("//") else { continue };
            if let Some(figure) = measured(&line[at..]) {
                panic!(
                    "src/{}:{}: the comment measures `{figure}`: move the figure to bench/README.md",
                    path.display(),
                    number + 1
                );
            }
        }
    }
}

#[test]
fn figures_are_found_in_comments() {
    assert_eq!(measured("// took 38 MB typed").as_deref(), Some("38 MB"));
    assert_eq!(measured("/// 165MB at once").as_deref(), Some("165MB"));
    assert_eq!(measured("// in 2.5 s, 1.8x cp").as_deref(), Some("2.5 s"));
    assert_eq!(
        measured("// ratio 1.88x of the tree").as_deref(),
        Some("1.88x")
    );
    assert_eq!(measured("// pieces of 64 KiB, 2 MiB pages, 4 GiB"), None);
    assert_eq!(measured("// a 0x1f byte, 3 problems"), None);
}
