//! What a platform engineer checks in the headline scenario before applying:
//! the seed example, read file by file.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::plan;

/// Whether `path` ends in `.extension`.
fn has_extension(path: &str, extension: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

fn example() -> eksgrant::Plan {
    plan(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform-workload.toml"))
}

fn file<'a>(plan: &'a eksgrant::Plan, path: &str) -> &'a str {
    &plan
        .get(path)
        .unwrap_or_else(|| panic!("{path} is generated"))
        .contents
}

/// The file with every run of spaces squeezed to one, so assertions do not
/// depend on `terraform fmt` alignment.
fn squeezed(plan: &eksgrant::Plan, path: &str) -> String {
    file(plan, path)
        .split(' ')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn json(plan: &eksgrant::Plan, path: &str) -> Value {
    serde_json::from_str(file(plan, path)).unwrap()
}

fn yaml_documents(plan: &eksgrant::Plan, path: &str) -> Vec<Value> {
    serde_saphyr::from_multiple(file(plan, path)).unwrap()
}

#[test]
fn backend_role_trusts_only_its_service_account_on_the_platform_cluster() {
    let plan = example();
    let trust = json(&plan, "policies/backend.trust.json");
    assert_eq!(
        trust["Statement"],
        json!([{
            "Sid": "EksPodIdentity",
            "Effect": "Allow",
            "Principal": { "Service": "pods.eks.amazonaws.com" },
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": { "StringEquals": {
                "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-2:111122223333:cluster/platform",
                "aws:RequestTag/kubernetes-namespace": "web",
                "aws:RequestTag/kubernetes-service-account": "backend",
                "aws:SourceAccount": "111122223333",
            }},
        }])
    );
}

#[test]
fn backend_may_describe_exactly_the_cluster_it_reaches() {
    let plan = example();
    let permissions = json(&plan, "policies/backend.permissions.json");
    assert_eq!(
        permissions["Statement"],
        json!([{
            "Sid": "DescribeReachedClusters",
            "Effect": "Allow",
            "Action": "eks:DescribeCluster",
            "Resource": "arn:aws:eks:eu-west-2:111122223333:cluster/workload",
        }])
    );
}

#[test]
fn backend_is_mapped_into_its_group_on_the_workload_cluster_without_an_access_policy() {
    let plan = example();
    let access = hcl::parse(file(&plan, "terraform/access-workload.tf")).unwrap();
    let entry = access
        .blocks()
        .find(|b| {
            b.identifier() == "resource"
                && b.labels()
                    .iter()
                    .map(hcl::BlockLabel::as_str)
                    .eq(["aws_eks_access_entry", "backend_on_workload"])
        })
        .expect("an access entry for backend on workload");
    let attribute = |name: &str| {
        let expr = entry
            .body()
            .attributes()
            .find(|a| a.key() == name)
            .map(|a| a.expr().to_string());
        expr.unwrap_or_default()
            .split_whitespace()
            .collect::<String>()
    };
    assert_eq!(attribute("principal_arn"), "aws_iam_role.backend.arn");
    assert_eq!(attribute("type"), "\"STANDARD\"");
    assert_eq!(attribute("kubernetes_groups"), "[\"eksgrant:backend\"]");
    assert!(
        !file(&plan, "terraform/access-workload.tf").contains("backend_on_workload_"),
        "no access policy for backend"
    );
}

#[test]
fn backend_gets_a_least_privilege_role_in_jobs_bound_to_its_group() {
    let plan = example();
    let documents = yaml_documents(&plan, "kubernetes/workload/jobs/backend.yaml");
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["kind"], "Role");
    assert_eq!(documents[0]["metadata"]["namespace"], "jobs");
    assert_eq!(
        documents[0]["rules"],
        json!([
            { "apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete", "get", "list", "watch"] },
            { "apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"] },
        ])
    );
    assert_eq!(documents[1]["kind"], "RoleBinding");
    assert_eq!(
        documents[1]["roleRef"],
        json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "eksgrant:backend" })
    );
    assert_eq!(
        documents[1]["subjects"],
        json!([{ "kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "eksgrant:backend" }])
    );
    let kustomization = file(&plan, "kubernetes/workload/Kustomization");
    assert!(
        kustomization.contains("- \"jobs/backend.yaml\""),
        "{kustomization}"
    );
}

#[test]
fn backend_finds_a_kubeconfig_for_the_workload_cluster_in_its_namespace() {
    let plan = example();
    let kubeconfigs = squeezed(&plan, "terraform-kubernetes/kubeconfigs-platform.tf");
    for expected in [
        "provider = kubernetes.platform",
        "namespace = \"web\"",
        "server = data.aws_eks_cluster.workload.endpoint",
        "\"certificate-authority-data\" = data.aws_eks_cluster.workload.certificate_authority[0].data",
        "args = [\"--region\", \"eu-west-2\", \"eks\", \"get-token\", \"--cluster-name\", \"workload\", \"--output\", \"json\"]",
        "interactiveMode = \"Never\"",
    ] {
        assert!(
            kubeconfigs.contains(expected),
            "kubeconfigs-platform.tf lacks {expected}:\n{kubeconfigs}"
        );
    }
}

#[test]
fn the_aws_side_never_talks_to_a_kubernetes_api() {
    let plan = example();
    for (path, file) in plan.files().filter(|(p, _)| p.starts_with("terraform/")) {
        for kubernetes in [
            "resource \"kubernetes_",
            "provider \"kubernetes\"",
            "hashicorp/kubernetes",
        ] {
            assert!(
                !file.contents.contains(kubernetes),
                "{path} talks to a Kubernetes API:\n{}",
                file.contents
            );
        }
    }
    // The second root reads the clusters from data sources, never from a
    // resource of the same apply.
    let providers = squeezed(&plan, "terraform-kubernetes/providers.tf");
    assert!(!providers.contains(" aws_eks_cluster."), "{providers}");
    assert!(
        providers.contains("host = data.aws_eks_cluster.platform.endpoint"),
        "{providers}"
    );
}

#[test]
fn the_created_cluster_has_no_implicit_admin_and_runs_the_pod_identity_agent() {
    let plan = example();
    let cluster = squeezed(&plan, "terraform/cluster-workload.tf");
    assert!(cluster.contains("bootstrap_cluster_creator_admin_permissions = false"));
    assert!(cluster.contains("authentication_mode = \"API\""));
    assert!(cluster.contains("addon_name = \"eks-pod-identity-agent\""));
    assert!(cluster.contains("policy_arn = \"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy\""));
    let admins = file(&plan, "terraform/access-workload.tf");
    assert!(
        admins.contains("\"arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy\"")
    );
}

#[test]
fn external_dns_changes_records_only_in_its_zone() {
    let plan = example();
    let permissions = json(&plan, "policies/external-dns.permissions.json");
    let change = permissions["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["Action"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("route53:ChangeResourceRecordSets")))
        })
        .unwrap();
    assert_eq!(
        change["Resource"],
        "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
    );
}

#[test]
fn every_policy_fits_iam_limits() {
    let plan = example();
    for (path, generated) in plan.files().filter(|(p, _)| has_extension(p, "json")) {
        let compact: String =
            serde_json::to_string(&serde_json::from_str::<Value>(&generated.contents).unwrap())
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
        let limit = if path.ends_with(".trust.json") {
            2048
        } else {
            6144
        };
        assert!(
            compact.len() <= limit,
            "{path} is {} characters",
            compact.len()
        );
    }
    assert!(
        plan.get("policies/aws-load-balancer-controller.permissions-2.json")
            .is_some(),
        "the preset is split in two"
    );
}

#[test]
fn generated_files_say_where_they_come_from() {
    let plan = example();
    for (path, generated) in plan.files() {
        if has_extension(path, "tf")
            || has_extension(path, "yaml")
            || path.ends_with("Kustomization")
        {
            assert!(
                generated
                    .contents
                    .starts_with("# Generated by eksgrant from platform-workload.toml; edit the spec, not this file.\n"),
                "{path}"
            );
        }
    }
}

/// Renders a spec held in memory.
fn plan_of(spec: &str) -> eksgrant::Plan {
    let source = eksgrant::SourceFile::new(Path::new("eksgrant.toml"), spec);
    let loaded = eksgrant::load_source(source)
        .unwrap_or_else(|error| panic!("{}", crate::support::report(&error)));
    let options = eksgrant::render::RenderOptions::new("eksgrant.toml", false);
    eksgrant::render::render(
        &loaded.model,
        &eksgrant::model::Transition::follow(&loaded.model, None),
        &options,
    )
    .unwrap()
}

#[test]
fn an_irsa_workload_trusts_each_cluster_in_its_own_statement() {
    // Keys whose Sids would meet (`IrsaApps1`): IAM refuses duplicate Sids.
    let plan = plan_of(
        r#"version = 1
[aws]
account_id = "111122223333"
region = "eu-west-2"
[clusters.apps-1]
oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/AAAA1111"
[clusters.apps1]
oidc_issuer = "oidc-eks.eu-west-2.api.aws/id/BBBB2222"
[workloads.agent]
clusters = ["apps-1", "apps1"]
namespace = "monitoring"
identity = "irsa"
aws.managed_policy_arns = ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]
"#,
    );
    let statement = |issuer: &str, sid: &str| {
        json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": { "Federated": format!("arn:aws:iam::111122223333:oidc-provider/{issuer}") },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": {
                format!("{issuer}:aud"): "sts.amazonaws.com",
                format!("{issuer}:sub"): "system:serviceaccount:monitoring:agent",
            }},
        })
    };
    assert_eq!(
        json(&plan, "policies/agent.trust.json")["Statement"],
        json!([
            statement("oidc.eks.eu-west-2.amazonaws.com/id/AAAA1111", "IrsaApps1"),
            statement("oidc-eks.eu-west-2.api.aws/id/BBBB2222", "IrsaApps12"),
        ])
    );
    for cluster in ["apps-1", "apps1"] {
        let sa = &yaml_documents(
            &plan,
            &format!("kubernetes/{cluster}/monitoring/agent.yaml"),
        )[0];
        assert_eq!(
            sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::111122223333:role/agent"
        );
    }
}

#[test]
fn adopting_a_created_cluster_imports_the_self_managed_node_entries_and_leaves_eks_its_own() {
    // A cluster that exists already may have the entries of its
    // self-managed nodes (made by whoever ran it before): adopting it
    // imports them, as it imports the principals'. EKS made and keeps
    // those of its managed node groups and Fargate profiles, which the
    // spec only forgets.
    let plan = plan_of(
        r#"version = 1
[aws]
account_id = "111122223333"
region = "eu-west-2"
[clusters.shop]
create = true
kubernetes_version = "1.35"
node_role_arns = ["arn:aws:iam::111122223333:role/shop-nodes"]
managed_node_role_arns = ["arn:aws:iam::111122223333:role/shop-managed-nodes"]
windows_node_role_arns = ["arn:aws:iam::111122223333:role/shop-windows-nodes"]
fargate_pod_execution_role_arns = ["arn:aws:iam::111122223333:role/shop-fargate-pods"]
[principals.admins]
arn = "arn:aws:iam::111122223333:role/admins"
[[principals.admins.grants]]
cluster = "shop"
access_policy = "AmazonEKSClusterAdminPolicy"
"#,
    );
    let access = file(&plan, "ACCESS.md");
    let adoption = &access[access.find("## Adopting a cluster").unwrap()..];
    let import = |ident: &str, role: &str| {
        format!(
            "  to = aws_eks_access_entry.{ident}\n  id = \"shop:arn:aws:iam::111122223333:role/{role}\"\n"
        )
    };
    for (ident, role) in [
        ("shop_nodes_shop_nodes", "shop-nodes"),
        (
            "shop_windows_nodes_shop_windows_nodes",
            "shop-windows-nodes",
        ),
    ] {
        assert!(
            adoption.contains(&import(ident, role)),
            "{ident}\n{adoption}"
        );
    }
    let terraform = file(&plan, "terraform/access-shop.tf");
    for (ident, role) in [
        ("shop_nodes_shop_managed_nodes", "shop-managed-nodes"),
        ("shop_fargate_shop_fargate_pods", "shop-fargate-pods"),
    ] {
        assert!(
            !adoption.contains(&import(ident, role)),
            "{ident}\n{adoption}"
        );
        assert!(
            terraform.contains(&format!(
                "removed {{\n  from = aws_eks_access_entry.{ident}\n\n  lifecycle {{\n    destroy = false\n  }}\n}}"
            )),
            "{terraform}"
        );
        assert!(!terraform.contains(&format!("\"{ident}\"")), "{terraform}");
    }
}
