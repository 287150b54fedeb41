//! Input nested as deep as an attacker or a broken generator makes it is
//! refused with a diagnostic, never a stack overflow: the binary runs each
//! on its main thread's default stack.

use std::fs;

use crate::support::run_in;

/// Nesting that opens and never closes, after a key.
const TOML_SHAPES: &[(&str, &str)] = &[
    ("[", "unclosed array"),
    ("[{a=", "unclosed array"),
    ("{a=", "unclosed inline table"),
];

#[test]
fn a_spec_nested_a_million_deep_is_refused_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    for depth in [100_000, 1_000_000] {
        for (shape, message) in TOML_SHAPES {
            fs::write(
                dir.path().join("eksgrant.toml"),
                format!("version = 1\nx = {}\n", shape.repeat(depth)),
            )
            .unwrap();
            let text = run_in(dir.path(), &["validate"]).code(2).unwrapped();
            assert!(
                text.contains("eksgrant::syntax"),
                "{shape} x {depth}: {text}"
            );
            assert!(text.contains(message), "{shape} x {depth}: {text}");
        }
    }
}

#[test]
fn an_aws_auth_nested_a_million_deep_is_refused_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/x\n";
    for depth in [100_000, 1_000_000] {
        for (place, shape) in [
            // In a field import ignores, and inside the mapRoles text.
            ("extra: ", "["),
            ("extra: ", "{a: "),
            ("", "      groups: "),
        ] {
            let nested = if place.is_empty() {
                format!("{shape}{}", "[".repeat(depth))
            } else {
                format!("{place}{}", shape.repeat(depth))
            };
            fs::write(
                dir.path().join("aws-auth.yaml"),
                format!("{config_map}{nested}\n"),
            )
            .unwrap();
            let text = run_in(
                dir.path(),
                &["import", "aws-auth", "aws-auth.yaml", "--cluster", "c"],
            )
            .code(2)
            .unwrapped();
            assert!(
                text.contains("eksgrant::import"),
                "{place}{shape} x {depth}: {text}"
            );
        }
    }
}
