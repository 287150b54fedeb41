//! Pod Identity across accounts, as `examples/cross-account.toml` sets it
//! up: both roles' trust policies read as a security reviewer reads them.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::plan;

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
    let workload = squeezed(&plan, "terraform/workload-reports.tf");
    assert!(
        workload.contains(&format!("target_role_arn = \"{TARGET_ROLE}\"")),
        "{workload}"
    );
}

#[test]
fn the_target_role_trusts_only_the_pod_identity_role_with_the_associations_external_ids() {
    let plan = example();
    let trust = json(&plan, "policies/reports.target-trust.json.tftpl");
    assert_eq!(
        trust["Statement"],
        json!([{
            "Sid": "EksPodIdentityChain",
            "Effect": "Allow",
            "Principal": { "AWS": SOURCE_ROLE },
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": { "StringEquals": { "sts:ExternalId": "${external_id_platform}" } },
        }])
    );
    // The placeholder is the association's external ID, and the role is
    // written in the data account, with the workload's permissions.
    let workload = squeezed(&plan, "terraform/workload-reports.tf");
    for expected in [
        "external_id_platform = aws_eks_pod_identity_association.reports_on_platform.external_id",
        "resource \"aws_iam_role\" \"reports_target\" {\n provider = aws.data",
        "role = aws_iam_role.reports_target.name\n policy_arn = aws_iam_policy.reports.arn",
    ] {
        assert!(workload.contains(expected), "{expected}\n{workload}");
    }
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
fn a_role_of_the_users_gets_its_trust_as_an_output_and_untagged_sessions_lose_the_scope() {
    let plan = example();
    let outputs = squeezed(&plan, "terraform/outputs.tf");
    assert!(
        outputs.contains("output \"ledger_target_role_trust_policy\"")
            && outputs.contains("policies/ledger.target-trust.json.tftpl"),
        "{outputs}"
    );
    let trust = json(&plan, "policies/ledger.target-trust.json.tftpl");
    assert_eq!(
        trust["Statement"][0]["Principal"],
        json!({ "AWS": "arn:aws:iam::111122223333:role/acme-ledger" })
    );

    // Without session tags, only the account can be required.
    let trust = json(&plan, "policies/batch.trust.json");
    assert_eq!(
        trust["Statement"][0]["Condition"],
        json!({ "StringEquals": { "aws:SourceAccount": "111122223333" } })
    );
    assert!(squeezed(&plan, "terraform/workload-batch.tf").contains("disable_session_tags = true"));
}
