//! `eksgrant import aws-auth`: a realistic ConfigMap in, spec stanzas out,
//! and those stanzas generate access entries and an aws-auth that keep every
//! mapping working; and public ConfigMaps (the EKS user guide's, the
//! aws-iam-authenticator's) round-trip through the spec in every mode.

use std::collections::BTreeSet;
use std::path::Path;

use eksgrant::SourceFile;
use eksgrant::render::{RenderOptions, render};
use serde_json::Value;

use crate::support::{self, Run, eksgrant};

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import/aws-auth.yaml")
        .display()
        .to_string()
}

/// Runs `eksgrant import aws-auth` with `args` after the subcommand.
fn import(args: &[&str]) -> Run {
    eksgrant().args(["import", "aws-auth"]).args(args).run()
}

/// The stanzas printed for the fixture, for cluster `prod`.
fn stanzas() -> String {
    import(&[&fixture(), "--cluster", "prod"])
        .success()
        .stdout()
        .to_string()
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
    // On a cluster that stays on CONFIG_MAP, system:masters is cluster-admin,
    // and eks: groups and aws-auth-only usernames are kept.
    let stanzas = import(&[&fixture(), "--cluster", "prod", "--mode", "CONFIG_MAP"])
        .success()
        .stdout()
        .replace(&fixture(), "tests/import/aws-auth.yaml");
    support::settings().bind(|| insta::assert_snapshot!("import-aws-auth-config-map", stanzas));
    let spec = format!(
        "version = 1\n\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-1\"\n{stanzas}"
    );
    let loaded = eksgrant::load_source(SourceFile::new(Path::new("eksgrant.toml"), spec))
        .unwrap_or_else(|error| {
            panic!("the imported spec is invalid:\n{}", support::report(&error))
        });
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
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
    let plan = render(
        &loaded.model,
        &eksgrant::model::Transition::follow(&loaded.model, None),
        &options,
    )
    .unwrap();

    // aws-auth keeps what has no access-entry equivalent on this mode: the
    // Linux, Windows and Fargate node roles, each with the mapping EKS
    // documents, and both accounts, the one with a leading zero intact.
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
        serde_json::json!([
            {
                "rolearn": "arn:aws:iam::111122223333:role/prod-nodes",
                "username": "system:node:{{EC2PrivateDNSName}}",
                "groups": ["system:bootstrappers", "system:nodes"],
            },
            {
                "rolearn": "arn:aws:iam::111122223333:role/prod-windows-nodes",
                "username": "system:node:{{EC2PrivateDNSName}}",
                "groups": ["system:bootstrappers", "system:nodes", "eks:kube-proxy-windows"],
            },
            {
                "rolearn": "arn:aws:iam::111122223333:role/prod-fargate-pods",
                "username": "system:node:{{SessionName}}",
                "groups": ["system:bootstrappers", "system:nodes", "system:node-proxier"],
            },
        ])
    );
    assert_eq!(data("mapUsers"), serde_json::json!([]));
    assert_eq!(
        data("mapAccounts"),
        serde_json::json!(["444455556666", "077788889999"])
    );

    // Every role and user mapping became an access entry with its full ARN
    // and its groups, system:masters the cluster-admin access policy; the
    // node roles have their EC2_LINUX and EC2_WINDOWS entries ready for API,
    // and the Fargate role none: EKS makes it.
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
    assert_eq!(entries.len(), 8, "{entries:#?}");
    assert!(
        !entries
            .values()
            .any(|e| e["principal_arn"] == "arn:aws:iam::111122223333:role/prod-fargate-pods")
    );
    for (role, entry_type) in [
        ("prod-nodes", "EC2_LINUX"),
        ("prod-windows-nodes", "EC2_WINDOWS"),
    ] {
        assert_eq!(
            entry(&format!("arn:aws:iam::111122223333:role/{role}"))["type"],
            entry_type
        );
    }
    // Usernames carry over; the second one of a role mapped twice does not.
    assert_eq!(
        entry("arn:aws:iam::111122223333:role/Admin")["user_name"],
        "admin:{{SessionName}}"
    );
    assert_eq!(
        entry("arn:aws:iam::111122223333:user/ops-bot").get("user_name"),
        None
    );
    // An access entry takes no eks: group, nor a username without a `:`
    // before {{SessionName}}.
    assert_eq!(
        groups("arn:aws:iam::111122223333:role/auditor"),
        Some(serde_json::json!(["auditors"]))
    );
    assert_eq!(
        entry("arn:aws:iam::111122223333:role/auditor").get("user_name"),
        None
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
    let output = eksgrant()
        .args(["import", "aws-auth", "-", "--cluster", "prod"])
        .stdin(std::fs::read(fixture()).unwrap())
        .run()
        .success();
    assert_eq!(
        output.stdout(),
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
    import(&[other.to_str().unwrap(), "--cluster", "prod"])
        .code(2)
        .stderr_has("eksgrant::import")
        .stderr_has("not the aws-auth ConfigMap")
        .stdout_empty();

    import(&[&fixture(), "--cluster", "Prod_1"])
        .code(2)
        .stderr_has("invalid value 'Prod_1' for '--cluster <KEY>'");
}

#[test]
fn control_characters_in_the_configmap_come_out_as_valid_toml() {
    // A DEL and an escape sequence, as a hand-edited ConfigMap can hold
    // them: TOML forbids both raw, in strings and in comments.
    let configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n    - rolearn: \"arn:aws:iam::111122223333:role/ops\\x7F\"\n      username: \"ops\\e[2K\"\n      groups: [\"ops\\x7F\"]\n";
    let output = eksgrant()
        .args(["import", "aws-auth", "-", "--cluster", "prod"])
        .stdin(configmap)
        .run()
        .success();
    output
        .stdout_lacks("\u{7f}")
        .stdout_lacks("\u{1b}")
        .stdout_has(r"\u007F");
    let text = output.stdout();
    let parsed: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(parsed.contains_key("clusters"), "{text}");
}

/// An aws-auth mapping as aws-iam-authenticator reads it: the ARN, the
/// username and the groups (in any order).
type Mapping = (String, String, BTreeSet<String>);

/// The `mapRoles` and `mapUsers` entries and the `mapAccounts` of an
/// aws-auth ConfigMap, the keys of each entry matched in any case (as the
/// authenticator does: `roleARN` is `rolearn`).
fn aws_auth_mappings(config_map: &str) -> (BTreeSet<Mapping>, BTreeSet<String>) {
    let config_map: Value = serde_saphyr::from_str(config_map).unwrap();
    let data = |key: &str| -> Vec<Value> {
        match config_map["data"][key].as_str() {
            Some(text) if !text.trim().is_empty() => serde_saphyr::from_str(text).unwrap(),
            _ => Vec::new(),
        }
    };
    let mut mappings = BTreeSet::new();
    for (list, arn_key) in [("mapRoles", "rolearn"), ("mapUsers", "userarn")] {
        for entry in data(list) {
            let field = |name: &str| -> Option<&Value> {
                entry
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(key, _)| key.to_lowercase() == name)
                    .map(|(_, value)| value)
            };
            let text = |name: &str| {
                field(name)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let groups = field("groups")
                .and_then(Value::as_array)
                .map(|groups| {
                    groups
                        .iter()
                        .map(|g| g.as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            mappings.insert((text(arn_key), text("username"), groups));
        }
    }
    let accounts = data("mapAccounts")
        .into_iter()
        .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
        .collect();
    (mappings, accounts)
}

/// The set of strings `items` names.
fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(ToString::to_string).collect()
}

/// What EKS gives an access entry of each node type in place of the aws-auth
/// mapping it replaces (EKS user guide, "Create access entries": the
/// usernames; the groups are those of the mappings, which the user guide
/// gives for Linux and Windows nodes and Fargate).
fn node_entry_mapping(entry_type: &str) -> (String, BTreeSet<String>) {
    match entry_type {
        "EC2_LINUX" => (
            "system:node:{{EC2PrivateDNSName}}".to_string(),
            set(&["system:bootstrappers", "system:nodes"]),
        ),
        "EC2_WINDOWS" => (
            "system:node:{{EC2PrivateDNSName}}".to_string(),
            set(&[
                "system:bootstrappers",
                "system:nodes",
                "eks:kube-proxy-windows",
            ]),
        ),
        "FARGATE_LINUX" => (
            "system:node:{{SessionName}}".to_string(),
            set(&[
                "system:bootstrappers",
                "system:nodes",
                "system:node-proxier",
            ]),
        ),
        other => panic!("no node access entry type {other}"),
    }
}

/// The mappings the generated repository in `out` gives cluster `prod`, as
/// the aws-auth mappings they stand for: from its aws-auth ConfigMap on
/// CONFIG_MAP, where a principal's own group bound to `cluster-admin`
/// cluster-wide stands for `system:masters`; from its access entries
/// otherwise, where `AmazonEKSClusterAdminPolicy` does, and each node entry
/// for the mapping of its type. Also the accounts its aws-auth maps.
fn generated_mappings(out: &Path, mode: &str) -> (BTreeSet<Mapping>, BTreeSet<String>) {
    let read = |path: &str| std::fs::read_to_string(out.join(path));
    let aws_auth = read("kubernetes/prod/kube-system/aws-auth.yaml").ok();
    if mode == "CONFIG_MAP" {
        let (mappings, accounts) = aws_auth_mappings(aws_auth.as_deref().unwrap());
        let masters = |group: &str| -> bool {
            let Some(key) = group.strip_prefix("eksgrant:") else {
                return false;
            };
            let Ok(file) = read(&format!("kubernetes/prod/cluster-scoped/{key}.yaml")) else {
                return false;
            };
            file.split("\n---\n").any(|doc| {
                let doc: Value = serde_saphyr::from_str(doc).unwrap();
                doc["kind"] == "ClusterRoleBinding"
                    && doc["roleRef"]["name"] == "cluster-admin"
                    && doc["subjects"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|s| s["kind"] == "Group" && s["name"] == group)
            })
        };
        let mappings = mappings
            .into_iter()
            .map(|(arn, username, groups)| {
                let groups = groups
                    .into_iter()
                    .map(|g| {
                        if masters(&g) {
                            "system:masters".to_string()
                        } else {
                            g
                        }
                    })
                    .collect();
                (arn, username, groups)
            })
            .collect();
        return (mappings, accounts);
    }
    let accounts = aws_auth
        .map(|a| aws_auth_mappings(&a).1)
        .unwrap_or_default();
    let access: Value = hcl::from_str(&read("terraform/access-prod.tf").unwrap()).unwrap();
    let admins: BTreeSet<String> = access["resource"]["aws_eks_access_policy_association"]
        .as_object()
        .map(|associations| {
            associations
                .values()
                .filter(|a| {
                    a["policy_arn"]
                        == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
                        && a["access_scope"]["type"] == "cluster"
                })
                .map(|a| a["principal_arn"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    let mappings = access["resource"]["aws_eks_access_entry"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(ident, entry)| {
            let arn = entry["principal_arn"].as_str().unwrap().to_string();
            match entry["type"].as_str().unwrap() {
                "STANDARD" => {
                    let mut groups: BTreeSet<String> = entry["kubernetes_groups"]
                        .as_array()
                        .map(|g| g.iter().map(|g| g.as_str().unwrap().to_string()).collect())
                        .unwrap_or_default();
                    if admins.contains(&format!("${{aws_eks_access_entry.{ident}.principal_arn}}"))
                    {
                        groups.insert("system:masters".to_string());
                    }
                    let username = entry["user_name"].as_str().unwrap_or("").to_string();
                    (arn, username, groups)
                }
                node => {
                    let (username, groups) = node_entry_mapping(node);
                    (arn, username, groups)
                }
            }
        })
        .collect();
    (mappings, accounts)
}

/// The first line of each NOTE in imported stanzas.
fn notes(stanzas: &str) -> Vec<String> {
    stanzas
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("# NOTE: "))
        .map(ToString::to_string)
        .collect()
}

#[test]
fn public_config_maps_round_trip_through_the_spec() {
    // (fixture, mode, what the stanzas cannot carry (each NOTE's first
    // line), the warnings the generated spec gives, the mappings the
    // repository cannot have in that mode).
    let accounts_note =
        "mapAccounts \"012345678901\" is not carried: API clusters ignore aws-auth, and";
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        ("eks-user-guide-example", "CONFIG_MAP", &[], &[]),
        ("eks-user-guide-example", "API_AND_CONFIG_MAP", &[], &[]),
        ("eks-user-guide-example", "API", &[], &[]),
        (
            "eks-user-guide-windows",
            "CONFIG_MAP",
            &[],
            &["eksgrant::no_admin"],
        ),
        (
            "eks-user-guide-windows",
            "API_AND_CONFIG_MAP",
            &[],
            &["eksgrant::no_admin"],
        ),
        ("eks-user-guide-windows", "API", &[], &[]),
        (
            "aws-iam-authenticator-example",
            "CONFIG_MAP",
            &[],
            &["eksgrant::aws_auth_without_nodes"],
        ),
        (
            "aws-iam-authenticator-example",
            "API_AND_CONFIG_MAP",
            &[],
            &["eksgrant::aws_auth_without_nodes"],
        ),
        (
            "aws-iam-authenticator-example",
            "API",
            &[accounts_note],
            &[],
        ),
    ];
    for (fixture, mode, expected_notes, expected_warnings) in cases {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/import")
            .join(format!("{fixture}.yaml"));
        let original = std::fs::read_to_string(&path).unwrap();
        let output =
            import(&[path.to_str().unwrap(), "--cluster", "prod", "--mode", mode]).success();
        let stanzas = output.stdout();
        assert_eq!(
            notes(stanzas),
            *expected_notes,
            "{fixture} {mode}:\n{stanzas}"
        );

        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("eksgrant.toml");
        std::fs::write(
            &spec,
            format!("version = 1\n\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-1\"\n{stanzas}"),
        )
        .unwrap();
        let out = dir.path().join("out");
        let generated = eksgrant()
            .args([
                "generate",
                spec.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .run();
        let stderr = generated.stderr();
        assert_eq!(
            generated.output().status.code(),
            Some(0),
            "{fixture} {mode}:\n{stderr}\n{stanzas}"
        );
        let warnings: Vec<&str> = stderr
            .split_whitespace()
            .filter(|word| word.starts_with("eksgrant::"))
            .collect();
        assert_eq!(warnings, *expected_warnings, "{fixture} {mode}:\n{stderr}");

        let (mappings, accounts) = aws_auth_mappings(&original);
        let (regenerated, regenerated_accounts) = generated_mappings(&out, mode);
        assert_eq!(regenerated, mappings, "{fixture} {mode}");
        // API clusters ignore aws-auth, where alone accounts are mapped.
        if *mode == "API" {
            assert!(regenerated_accounts.is_empty());
        } else {
            assert_eq!(regenerated_accounts, accounts, "{fixture} {mode}");
        }
    }
}
