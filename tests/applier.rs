//! ACCESS.md's "What the identity that applies needs": the AWS permissions a
//! platform team gives whoever runs the generated Terraform, as it reads
//! them to write that identity's policy.

use std::path::Path;

use eksgrant::Plan;

use crate::support::{plan, plan_text};

/// The section's list items of an example's ACCESS.md.
fn needs(example: &str) -> Vec<String> {
    needs_of(&plan(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example),
    ))
}

/// The section's list items of a plan's ACCESS.md.
fn needs_of(plan: &Plan) -> Vec<String> {
    let access = &plan
        .get("ACCESS.md")
        .expect("ACCESS.md is generated")
        .contents;
    let (_, section) = access
        .split_once("### What the identity that applies needs")
        .expect("ACCESS.md has the section");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("- "))
        .map(str::to_string)
        .collect()
}

/// The item that mentions `what`.
fn item<'a>(needs: &'a [String], what: &str) -> &'a str {
    needs
        .iter()
        .find(|line| line.contains(what))
        .unwrap_or_else(|| panic!("no item mentions {what}:\n{}", needs.join("\n")))
}

#[test]
fn creating_a_cluster_in_one_account_and_roles_in_another_needs_each_named() {
    let needs = needs("cross-account.toml");
    // Roles and policies under the IAM path, in the spec's account.
    assert!(
        item(&needs, "`iam:CreateRole`").ends_with("on `arn:aws:iam::111122223333:role/*`."),
        "{needs:#?}"
    );
    assert!(
        item(&needs, "`iam:CreatePolicy`").ends_with("on `arn:aws:iam::111122223333:policy/*`."),
        "{needs:#?}"
    );
    // The cluster is created: PassRole for its role, a grant on its key,
    // its log group, and the cluster calls scoped to its ARN.
    assert!(item(&needs, "`iam:PassRole`").contains("each created cluster's role"));
    assert!(item(&needs, "`kms:CreateGrant`").contains("`kms:DescribeKey`"));
    assert!(
        item(&needs, "`eks:UpdateClusterVersion`")
            .ends_with("on `arn:aws:eks:eu-west-2:111122223333:cluster/platform`."),
        "{needs:#?}"
    );
    assert!(
        item(&needs, "`logs:CreateLogGroup`")
            .ends_with("on `arn:aws:logs:eu-west-2:111122223333:log-group:/aws/eks/*`.")
    );
    assert!(
        item(&needs, "`eks:CreatePodIdentityAssociation`")
            .contains("`arn:aws:eks:eu-west-2:111122223333:podidentityassociation/platform/*`")
    );
    // The data account's role is written through the role Terraform
    // assumes there, which needs the IAM groups on that account's ARNs.
    let assume = item(&needs, "`sts:AssumeRole`");
    for expected in [
        "`arn:aws:iam::444455556666:role/terraform`",
        "`arn:aws:iam::444455556666:role/*`",
        "`arn:aws:iam::444455556666:policy/*`",
    ] {
        assert!(assume.contains(expected), "{expected}: {assume}");
    }
}

#[test]
fn existing_clusters_need_no_cluster_key_or_log_permissions() {
    let needs = needs("legacy-irsa.toml");
    let all = needs.join("\n");
    for absent in [
        "eks:CreateCluster",
        "kms:",
        "logs:",
        "eks:CreateAddon",
        "sts:AssumeRole",
        "eks:CreatePodIdentityAssociation",
    ] {
        assert!(!all.contains(absent), "{absent}:\n{all}");
    }
    // IRSA on a cluster whose OIDC provider exists: read, not made. No
    // cluster created and no association, so no role is given to EKS.
    assert!(
        item(&needs, "OIDC providers").contains("`iam:GetOpenIDConnectProvider`;"),
        "{all}"
    );
    assert!(!all.contains("iam:CreateOpenIDConnectProvider"), "{all}");
    assert!(!all.contains("iam:PassRole"), "{all}");
}

/// The provider an `[accounts]` role is assumed by is named as the
/// Terraform files name it: a key's `-` is `_` in a provider alias.
#[test]
fn another_account_is_named_by_its_provider_alias() {
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cross-account.toml"),
    )
    .unwrap();
    let spec = example
        .replace("[accounts.data]", "[accounts.data-lake]")
        .replace("aws.account = \"data\"", "aws.account = \"data-lake\"");
    let plan = plan_text(&spec);
    let needs = needs_of(&plan);
    let assume = item(&needs, "`sts:AssumeRole`");
    assert!(assume.contains("the provider `aws.data_lake`"), "{assume}");
    let providers = &plan.get("terraform/providers.tf").unwrap().contents;
    assert!(
        providers.contains("alias               = \"data_lake\""),
        "{providers}"
    );
}
