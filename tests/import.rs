//! `eksgrant import aws-auth`: a realistic ConfigMap in, spec stanzas out,
//! and those stanzas generate access entries and an aws-auth that keep every
//! mapping working.

use std::path::Path;

use assert_cmd::Command;
use eksgrant::SourceFile;
use eksgrant::render::{RenderOptions, render};
use serde_json::Value;

use crate::support;

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import/aws-auth.yaml")
        .display()
        .to_string()
}

/// Runs `eksgrant import aws-auth` with `args` after the subcommand.
fn import(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("eksgrant")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["import", "aws-auth"])
        .args(args)
        .output()
        .unwrap()
}

/// The stanzas printed for the fixture, for cluster `prod`.
fn stanzas() -> String {
    let output = import(&[&fixture(), "--cluster", "prod"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A spec made of a minimal header and the imported stanzas, as a user
/// merging them into a new spec would have.
fn imported_spec() -> String {
    format!(
        "version = 1\n\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-1\"\n{}",
        stanzas()
    )
}

#[test]
fn the_import_prints_commented_stanzas() {
    // The whole text, read line by line when accepted: every NOTE is there.
    let stanzas = stanzas().replace(&fixture(), "tests/import/aws-auth.yaml");
    support::settings().bind(|| insta::assert_snapshot!("import-aws-auth", stanzas));
}

#[test]
fn the_imported_stanzas_generate_an_equivalent_configuration() {
    let loaded =
        eksgrant::load_source(SourceFile::new(Path::new("eksgrant.toml"), imported_spec()))
            .unwrap_or_else(|error| {
                panic!("the imported spec is invalid:\n{}", support::report(&error))
            });
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let options = RenderOptions::new("eksgrant.toml", false);
    let plan = render(&loaded.model, &options).unwrap();

    // aws-auth keeps what has no access-entry equivalent on this mode: the
    // node role (not the Fargate role, flagged instead) and both accounts,
    // the one with a leading zero intact.
    let aws_auth = &plan
        .get("kubernetes/prod/kube-system/aws-auth.yaml")
        .unwrap()
        .contents;
    let config_map: Value = serde_saphyr::from_str(aws_auth).unwrap();
    let data = |key: &str| -> Value {
        serde_saphyr::from_str(config_map["data"][key].as_str().unwrap()).unwrap()
    };
    assert_eq!(
        data("mapRoles"),
        serde_json::json!([{
            "rolearn": "arn:aws:iam::111122223333:role/prod-nodes",
            "username": "system:node:{{EC2PrivateDNSName}}",
            "groups": ["system:bootstrappers", "system:nodes"],
        }])
    );
    assert_eq!(data("mapUsers"), serde_json::json!([]));
    assert_eq!(
        data("mapAccounts"),
        serde_json::json!(["444455556666", "077788889999"])
    );

    // Every role and user mapping became an access entry with its full ARN
    // and its groups, system:masters the cluster-admin access policy; the
    // node role has its EC2_LINUX entry ready for API.
    let access: Value =
        hcl::from_str(&plan.get("terraform/access-prod.tf").unwrap().contents).unwrap();
    let entries = access["resource"]["aws_eks_access_entry"]
        .as_object()
        .unwrap();
    let entry = |arn: &str| -> &Value {
        entries
            .values()
            .find(|entry| entry["principal_arn"] == arn)
            .unwrap_or_else(|| panic!("no access entry for {arn}"))
    };
    let groups = |arn: &str| entry(arn).get("kubernetes_groups").cloned();
    assert_eq!(entries.len(), 6, "{entries:#?}");
    assert_eq!(
        entry("arn:aws:iam::111122223333:role/prod-nodes")["type"],
        "EC2_LINUX"
    );
    assert_eq!(
        groups("arn:aws:iam::111122223333:role/Admin"),
        Some(serde_json::json!(["ops"]))
    );
    assert_eq!(
        groups("arn:aws:iam::111122223333:role/teams/ci-deployer"),
        Some(serde_json::json!(["deployers"]))
    );
    assert_eq!(
        groups("arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_0123456789abcdef"),
        Some(serde_json::json!(["view-only"]))
    );
    assert_eq!(
        groups("arn:aws:iam::111122223333:user/alice"),
        Some(serde_json::json!(["platform-team"]))
    );
    assert_eq!(
        groups("arn:aws:iam::111122223333:user/ops-bot"),
        Some(serde_json::json!(["ops"]))
    );
    let admins: Vec<&str> = access["resource"]["aws_eks_access_policy_association"]
        .as_object()
        .unwrap()
        .values()
        .filter(|association| {
            association["policy_arn"]
                == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        })
        .map(|association| association["principal_arn"].as_str().unwrap())
        .collect();
    assert_eq!(
        admins,
        [
            "${aws_eks_access_entry.admin_on_prod.principal_arn}",
            "${aws_eks_access_entry.alice_on_prod.principal_arn}",
        ]
    );
}

#[test]
fn the_config_map_can_come_from_standard_input() {
    let output = Command::cargo_bin("eksgrant")
        .unwrap()
        .args(["import", "aws-auth", "-", "--cluster", "prod"])
        .write_stdin(std::fs::read(fixture()).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stanzas = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stanzas,
        self::stanzas().replace(&fixture(), "standard input")
    );
}

#[test]
fn what_is_not_the_aws_auth_config_map_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("coredns.yaml");
    std::fs::write(
        &other,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\ndata: {}\n",
    )
    .unwrap();
    let output = import(&[other.to_str().unwrap(), "--cluster", "prod"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("eksgrant::import"), "{stderr}");
    assert!(stderr.contains("not the aws-auth ConfigMap"), "{stderr}");
    assert!(output.stdout.is_empty());

    let output = import(&[&fixture(), "--cluster", "Prod_1"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value 'Prod_1' for '--cluster <KEY>'"),
        "{stderr}"
    );
}

#[test]
fn control_characters_in_the_configmap_come_out_as_valid_toml() {
    // A DEL and an escape sequence, as a hand-edited ConfigMap can hold
    // them: TOML forbids both raw, in strings and in comments.
    let configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: \"arn:aws:iam::111122223333:role/ops\\x7F\"\n      username: \"ops\\e[2K\"\n      groups: [\"ops\\x7F\"]\n";
    let output = Command::cargo_bin("eksgrant")
        .unwrap()
        .args(["import", "aws-auth", "-", "--cluster", "prod"])
        .write_stdin(configmap)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains(['\u{7f}', '\u{1b}']), "{text}");
    assert!(text.contains(r"\u007F"), "{text}");
    let parsed: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(parsed.contains_key("clusters"), "{text}");
}
