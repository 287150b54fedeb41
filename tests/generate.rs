//! Every example and every case under tests/cases generates, twice the same,
//! and its whole tree is snapshotted (file index, then each file).

use crate::support::{plan, settings};

#[test]
fn examples() {
    settings().bind(|| {
        insta::glob!("../examples", "*.toml", |path| {
            let first = plan(path);
            assert_eq!(
                first.listing(),
                plan(path).listing(),
                "generating twice must give the same tree"
            );
            insta::assert_snapshot!("example", first.listing());
        });
    });
}

#[test]
fn cases() {
    settings().bind(|| {
        insta::glob!("cases/*.toml", |path| {
            let first = plan(path);
            assert_eq!(
                first.listing(),
                plan(path).listing(),
                "generating twice must give the same tree"
            );
            insta::assert_snapshot!("case", first.listing());
        });
    });
}
