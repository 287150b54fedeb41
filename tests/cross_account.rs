//! Pod Identity across accounts, as `examples/cross-account.toml` sets it
//! up: both roles' trust policies read as a security reviewer reads them.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::{plan, plan_text};

fn example() -> eksgrant::Plan {
    plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cross-account.toml"))
}

fn text<'a>(plan: &'a eksgrant::Plan, path: &str) -> &'a str {
    &plan
        .get(path)
        .unwrap_or_else(|| panic!("{path} is generated"))
        .contents
}

fn json(plan: &eksgrant::Plan, path: &str) -> Value {
    serde_json::from_str(text(plan, path)).unwrap()
}

/// A Terraform file with every run of spaces squeezed to one.
fn squeezed(plan: &eksgrant::Plan, path: &str) -> String {
    text(plan, path)
        .split(' ')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

const SOURCE_ROLE: &str = "arn:aws:iam::111122223333:role/acme-reports";
const TARGET_ROLE: &str = "arn:aws:iam::444455556666:role/acme-reports";

#[test]
fn the_pod_identity_role_trusts_only_the_workloads_sessions_and_may_only_chain() {
    let plan = example();
    let trust = json(&plan, "policies/reports.trust.json");
    let statement = &trust["Statement"][0];
    assert_eq!(
        statement["Principal"],
        json!({ "Service": "pods.eks.amazonaws.com" })
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"],
        "reports"
    );
    // Its only permission is becoming the target role in the data account.
    let chain = json(&plan, "policies/reports.chain.json");
    assert_eq!(
        chain["Statement"],
        json!([{
            "Sid": "ChainToTargetRole",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": TARGET_ROLE,
        }])
    );
}

/// The policies of the EKS user guide's page on target roles
/// (data/eks/pod-id-assign-target-role.adoc), in page order: the target's
/// trust with session tags, its trust without, the Pod Identity role's
/// permission. Each as the guide writes it, for the guide's example
/// values, each `(from, to)` of `values` replaced by eksgrant's.
fn the_guides(values: &[(&str, &str)]) -> Vec<Value> {
    let page = include_str!("../data/eks/pod-id-assign-target-role.adoc");
    page.split("[source,json,subs=\"verbatim,attributes\"]\n----\n")
        .skip(1)
        .map(|block| {
            let mut json = block
                .split("\n----")
                .next()
                .unwrap()
                .replace("{tcx5-2025-waiver}", "")
                .replace("{arn-aws}", "arn:aws:");
            for (from, to) in values {
                json = json.replace(from, to);
            }
            serde_json::from_str(&json).unwrap()
        })
        .collect()
}

/// A policy's statements as IAM reads them: a `Sid` is a label, one value
/// is a list of one, the order of values does not matter, and condition
/// keys are not case-sensitive (the guide writes `aws:PrincipalARN`).
fn as_iam_reads(policy: &Value) -> Vec<Value> {
    let values = |value: &Value| {
        let mut list: Vec<Value> = match value {
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        list.sort_by_key(ToString::to_string);
        Value::Array(list)
    };
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|statement| {
            let mut read = serde_json::Map::new();
            for (field, value) in statement.as_object().unwrap() {
                let value = match field.as_str() {
                    "Sid" => continue,
                    "Effect" => value.clone(),
                    "Principal" | "Condition" => Value::Object(
                        value
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(key, inner)| {
                                let inner = match inner {
                                    Value::Object(keys) => Value::Object(
                                        keys.iter()
                                            .map(|(k, v)| (k.to_lowercase(), values(v)))
                                            .collect(),
                                    ),
                                    other => values(other),
                                };
                                (key.clone(), inner)
                            })
                            .collect(),
                    ),
                    _ => values(value),
                };
                read.insert(field.clone(), value);
            }
            Value::Object(read)
        })
        .collect()
}

/// The guide's example values, as `examples/cross-account.toml`'s
/// `reports` workload has them.
const AS_REPORTS: &[(&str, &str)] = &[
    ("us-east-1", "eu-west-2"),
    ("cluster/example-cluster", "cluster/platform"),
    ("ExampleNameSpace", "analytics"),
    ("ExampleServiceAccountName", "reports"),
    (
        "region/111122223333/cluster-name/namespace/service-account-name",
        "eu-west-2/111122223333/platform/analytics/reports",
    ),
    ("role/eks-pod-identity-primary-role", "role/acme-reports"),
    (
        "arn:aws:iam::222233334444:role/eks-pod-identity-aws-resources",
        TARGET_ROLE,
    ),
];

#[test]
fn the_target_roles_trust_is_the_eks_user_guides_with_session_tags() {
    let plan = example();
    let guide = the_guides(AS_REPORTS);
    let trust = json(&plan, "policies/reports.target-trust.json");
    assert_eq!(as_iam_reads(&trust), as_iam_reads(&guide[0]));
    // Stated in full once, as a reviewer reads it: the account's root, only
    // as the Pod Identity role, only with the workload's session tags.
    assert_eq!(
        trust["Statement"],
        json!([{
            "Sid": "EksPodIdentityChain",
            "Effect": "Allow",
            "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "ArnEquals": { "aws:PrincipalArn": SOURCE_ROLE },
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-2:111122223333:cluster/platform",
                    "aws:RequestTag/kubernetes-namespace": "analytics",
                    "aws:RequestTag/kubernetes-service-account": "reports",
                },
            },
        }])
    );
    let chain = json(&plan, "policies/reports.chain.json");
    assert_eq!(as_iam_reads(&chain), as_iam_reads(&guide[2]));
}

#[test]
fn without_session_tags_the_target_trusts_the_documented_external_id() {
    let spec = include_str!("../examples/cross-account.toml").replace(
        "aws.account = \"data\"",
        "aws.account = \"data\"\naws.disable_session_tags = true",
    );
    let plan = plan_text(&spec);
    let guide = the_guides(AS_REPORTS);
    let trust = json(&plan, "policies/reports.target-trust.json");
    assert_eq!(as_iam_reads(&trust), as_iam_reads(&guide[1]));
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"],
        json!({ "sts:ExternalId": "eu-west-2/111122223333/platform/analytics/reports" })
    );
    // The Pod Identity role may still tag the session, as the guide's
    // policy for it allows: the target's trust takes it.
    let chain = json(&plan, "policies/reports.chain.json");
    assert_eq!(as_iam_reads(&chain), as_iam_reads(&guide[2]));
}

#[test]
fn the_target_role_is_made_before_the_association_with_the_workloads_permissions() {
    let plan = example();
    let workload = squeezed(&plan, "terraform/workload-reports.tf");
    for expected in [
        "resource \"aws_iam_role\" \"reports_target\" {\n provider = aws.data",
        "assume_role_policy = file(\"${path.module}/../policies/reports.target-trust.json\")",
        "role = aws_iam_role.reports_target.name\n policy_arn = aws_iam_policy.reports.arn",
        // Named by its resource: Terraform makes the role first.
        "target_role_arn = aws_iam_role.reports_target.arn",
    ] {
        assert!(workload.contains(expected), "{expected}\n{workload}");
    }
    // Its trust names the Pod Identity role by a condition, which IAM does
    // not look up: the role need not wait for it.
    assert!(!workload.contains("depends_on"), "{workload}");
    let permissions = json(&plan, "policies/reports.permissions.json");
    assert_eq!(permissions["Statement"][0]["Sid"], "ReadReports");
    let providers = squeezed(&plan, "terraform/providers.tf");
    assert!(
        providers.contains("alias = \"data\"")
            && providers.contains("allowed_account_ids = [\"444455556666\"]")
            && providers.contains("role_arn = \"arn:aws:iam::444455556666:role/terraform\""),
        "{providers}"
    );
}

#[test]
fn a_role_of_the_users_gets_its_trust_to_set_before_the_apply_and_untagged_sessions_lose_the_scope()
{
    let plan = example();
    let trust = json(&plan, "policies/ledger.target-trust.json");
    assert_eq!(
        trust["Statement"][0]["Condition"]["ArnEquals"],
        json!({ "aws:PrincipalArn": "arn:aws:iam::111122223333:role/acme-ledger" })
    );
    let workload = squeezed(&plan, "terraform/workload-ledger.tf");
    assert!(
        workload.contains("target_role_arn = \"arn:aws:iam::777788889999:role/ledger-reader\""),
        "{workload}"
    );
    let access = text(&plan, "ACCESS.md");
    assert!(
        access.contains(
            "before the apply, make its trust policy\n  `policies/ledger.target-trust.json`"
        ),
        "{access}"
    );
    assert!(!text(&plan, "terraform/outputs.tf").contains("trust"));

    // Without session tags, only the account can be required.
    let trust = json(&plan, "policies/batch.trust.json");
    assert_eq!(
        trust["Statement"][0]["Condition"],
        json!({ "StringEquals": { "aws:SourceAccount": "111122223333" } })
    );
    assert!(squeezed(&plan, "terraform/workload-batch.tf").contains("disable_session_tags = true"));
}
