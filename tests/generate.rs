//! Every example and every case under tests/cases generates, twice the same,
//! and its whole tree is snapshotted (file index, then each file).

use crate::support::{plan, settings};

/// Generates each spec `glob` matches in `dir` twice, checks the two trees
/// are the same, and snapshots the tree as `name@<spec>`.
fn each_tree(name: &str, dir: &str, glob: &str) {
    settings().bind(|| {
        insta::glob!(dir, glob, |path| {
            let first = plan(path);
            assert_eq!(
                first.listing(),
                plan(path).listing(),
                "generating twice must give the same tree"
            );
            insta::assert_snapshot!(name, first.listing());
        });
    });
}

#[test]
fn examples() {
    each_tree("example", "../examples", "*.toml");
}

#[test]
fn cases() {
    each_tree("case", "cases", "*.toml");
}
