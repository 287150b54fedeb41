//! Each spec under tests/invalid has one defect, named by its first line
//! (`# expect: eksgrant::<code>`); the rendered diagnostic is snapshotted.

use crate::support::{load, report, settings};

#[test]
fn invalid_specs_are_refused_with_a_diagnostic() {
    settings().bind(|| {
        insta::glob!("invalid/*.toml", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let expected = text
                .lines()
                .next()
                .and_then(|line| line.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{} must start with `# expect: <code>`", path.display()));
            let error = match load(path) {
                Ok(_) => panic!("{} should be refused", path.display()),
                Err(error) => error,
            };
            let rendered = report(&error);
            assert!(
                rendered.contains(expected),
                "{} should report {expected}:\n{rendered}",
                path.display()
            );
            insta::assert_snapshot!("diagnostic", rendered);
        });
    });
}
