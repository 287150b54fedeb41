//! Each spec under tests/invalid has exactly one defect, and each under
//! tests/warnings exactly one warning; the first line of each names it
//! (`# expect: eksgrant::<code>`). A spec of several TOML syntax errors,
//! which are reported together, says how many (`# expect: eksgrant::syntax,
//! 4 errors`). The rendered diagnostics are snapshotted.

use std::fmt::Write as _;
use std::path::Path;

use eksgrant::Error;

use crate::support::{load, report, settings};

/// The code the spec's first line says it triggers.
fn expected_code(path: &Path) -> String {
    expected(path).0
}

/// The code the spec's first line says it triggers, and how many times
/// (`# expect: <code>` once, `# expect: <code>, <n> errors` more).
fn expected(path: &Path) -> (String, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# expect: "))
        .unwrap_or_else(|| panic!("{} must start with `# expect: <code>`", path.display()));
    match line.split_once(", ") {
        Some((code, count)) => {
            let count = count
                .strip_suffix(" errors")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{}: write `, <n> errors`", path.display()));
            (code.to_string(), count)
        }
        None => (line.to_string(), 1),
    }
}

#[test]
fn invalid_specs_are_refused_with_the_expected_diagnostics() {
    settings().bind(|| {
        insta::glob!("invalid/*.toml", |path| {
            let (expected, count) = expected(path);
            let Err(error) = load(path) else {
                panic!("{} should be refused", path.display());
            };
            let rendered = report(&error);
            let errors = match &error {
                Error::Invalid { problems, .. } => problems.iter().filter(|p| p.is_error()).count(),
                _ => 1,
            };
            assert_eq!(
                errors,
                count,
                "{} should have exactly {count} error(s):\n{rendered}",
                path.display()
            );
            assert!(
                rendered.contains(&expected),
                "{} should report {expected}:\n{rendered}",
                path.display()
            );
            insta::assert_snapshot!("diagnostic", rendered);
        });
    });
}

#[test]
fn warnings_do_not_stop_generation() {
    settings().bind(|| {
        insta::glob!("warnings/*.toml", |path| {
            let expected = expected_code(path);
            let loaded = load(path).unwrap_or_else(|error| {
                panic!("{} should be valid:\n{}", path.display(), report(&error))
            });
            assert_eq!(
                loaded.warnings.len(),
                1,
                "{} should have exactly one warning",
                path.display()
            );
            let rendered = report(&loaded.warnings[0]);
            assert!(
                rendered.contains(&expected),
                "{} should warn {expected}:\n{rendered}",
                path.display()
            );
            insta::assert_snapshot!("warning", rendered);
        });
    });
}

#[test]
fn the_codes_are_these() {
    let mut list = String::new();
    for code in eksgrant::Code::ALL {
        let kind = if code.explain().warning {
            "warning"
        } else {
            "error"
        };
        let _ = writeln!(list, "{code} ({kind})");
    }
    settings().bind(|| insta::assert_snapshot!("codes", list));
}
