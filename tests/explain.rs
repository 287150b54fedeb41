//! `eksgrant explain` says what the generated files do: a snapshot of each
//! format for every example, and, for every example and test case, a
//! cross-check of the explanation against the generated files parsed back
//! (IAM policy JSON, RBAC YAML, access entries and policy associations in
//! Terraform, the aws-auth ConfigMap), in both directions.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use eksgrant::explain::picture::{self, Pictures};
use eksgrant::explain::{self, Explanation, Mechanism, RoleRef, Rule, format, who_can};
use serde_json::Value;

use crate::support::{load, plan, settings};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every example and test case.
fn specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for dir in ["examples", "tests/cases"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                specs.push(path);
            }
        }
    }
    specs.sort();
    specs
}

fn explanation(spec: &Path) -> Explanation {
    explain::explain(&load(spec).unwrap().model)
}

#[test]
fn explain_in_every_format() {
    settings().bind(|| {
        insta::glob!("../examples", "*.toml", |path| {
            let explanation = explanation(path);
            let all = format!(
                "== table\n{}\n== json\n{}\n== mermaid\n{}\n== dot\n{}",
                format::table(&explanation),
                format::json(&explanation),
                picture::markdown_document(&Pictures::of(&explanation), "SPEC"),
                picture::dot_document(&Pictures::of(&explanation), "SPEC")
            );
            insta::assert_snapshot!("explain", all);
        });
    });
}

/// ACCESS.md draws its pictures from the model, without an explanation:
/// they must be the pictures `eksgrant explain --format mermaid` (and
/// `dot`) draws.
#[test]
fn the_overview_pictures_are_the_explanation_pictures() {
    for spec in specs() {
        let model = load(&spec).unwrap().model;
        let explained = Pictures::of(&explain::explain(&model));
        let drawn = explain::pictures(&model);
        assert_eq!(
            picture::markdown_document(&drawn, "SPEC"),
            picture::markdown_document(&explained, "SPEC"),
            "{}",
            spec.display()
        );
        assert_eq!(
            picture::dot_document(&drawn, "SPEC"),
            picture::dot_document(&explained, "SPEC"),
            "{}",
            spec.display()
        );
    }
}

/// Every picture of the examples and of the mid-size case is drawn, within
/// the limits a picture stays legible in, its longest label included.
#[test]
fn every_example_picture_is_drawn_within_the_limits() {
    let mut specs: Vec<PathBuf> = specs()
        .into_iter()
        .filter(|s| s.starts_with(root().join("examples")))
        .collect();
    specs.push(root().join("tests/cases/mid-size.toml"));
    let mut sizes = Vec::new();
    for spec in &specs {
        for picture in explain::pictures(&load(spec).unwrap().model).all() {
            let (size, limits) = (picture.size(), picture.limits());
            sizes.push(format!(
                "{} {}: {size:?}",
                spec.file_name().unwrap().to_string_lossy(),
                picture.title()
            ));
            assert!(
                size.fits(limits) && size.longest_label <= limits.longest_label,
                "{} {}: {size:?} exceeds {limits:?}",
                spec.display(),
                picture.title()
            );
        }
    }
    // The mid-size case has four clusters and AWS, each drawn.
    assert!(
        sizes.iter().filter(|s| s.starts_with("mid-size")).count() == 5,
        "{sizes:#?}"
    );
}

/// A cluster with more grants than a picture keeps legible is not drawn:
/// ACCESS.md says how large it would be and points to the table below,
/// which lists every grant; explain points to itself.
#[test]
fn a_cluster_too_large_to_draw_points_to_the_table() {
    let mut spec = String::from(
        "version = 1\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-1\"\n\
         [clusters.big]\nauthentication_mode = \"API\"\n",
    );
    for i in 1..=30 {
        let _ = write!(
            spec,
            "[principals.p{i}]\narn = \"arn:aws:iam::111122223333:role/p{i}\"\n\
             [[principals.p{i}.grants]]\ncluster = \"big\"\nnamespaces = [\"team-{i}\"]\n\
             cluster_role = \"view\"\n"
        );
    }
    // 15 workloads with a role: 30 boxes before any service, so their
    // policies are not read for a picture that cannot be drawn.
    for i in 1..=15 {
        let _ = write!(
            spec,
            "[workloads.w{i}]\ncluster = \"big\"\nnamespace = \"apps\"\n\
             [[workloads.w{i}.aws.statements]]\nactions = [\"s3:GetObject\"]\n\
             resources = [\"arn:aws:s3:::bucket-{i}/*\"]\n"
        );
    }
    let plan = crate::support::plan_text(&spec);
    let access = text(&plan, "ACCESS.md");
    assert!(
        access.contains(
            "Not drawn: AWS identities would have at least 30 boxes and 15 arrows, more than a \
             picture keeps legible (at most 28 boxes and 30 arrows); the table below lists every \
             workload."
        ),
        "{access}"
    );
    let section = &access[access.find("### Cluster `big`").unwrap()..];
    let section = &section[..section.find("\n## ").unwrap()];
    assert!(!section.contains("```mermaid"), "{section}");
    assert!(
        section.contains(
            "Not drawn: cluster big would have 60 boxes and 30 arrows, more than a picture \
             keeps legible (at most 20 boxes and 24 arrows); the table below lists every grant."
        ),
        "{section}"
    );
    assert_eq!(section.matches("| `p").count(), 30, "{section}");

    let loaded = eksgrant::load_source(eksgrant::SourceFile::new(
        Path::new("spec.toml"),
        spec.as_str(),
    ))
    .unwrap();
    let pictures = explain::pictures(&loaded.model);
    let big = pictures.cluster("big").unwrap();
    assert_eq!(
        picture::markdown(big, "see the table."),
        "Not drawn: cluster big would have 60 boxes and 30 arrows, more than a picture \
         keeps legible (at most 20 boxes and 24 arrows); see the table.\n"
    );
    assert!(
        picture::markdown_document(&pictures, "my spec.toml")
            .contains("`eksgrant explain 'my spec.toml' --cluster big` lists every grant.")
    );
    // explain reads every policy: the whole size.
    let explained = Pictures::of(&explain::explain(&loaded.model));
    assert!(
        picture::markdown(explained.aws.as_ref().unwrap(), "see the table.")
            .starts_with("Not drawn: AWS identities would have 31 boxes and 30 arrows")
    );
}

/// The pictures the README shows (docs/pictures/) are of the README's
/// example as the current code draws it; .ci/run renders them again and
/// compares their sizes with the committed PNGs.
#[test]
fn the_readme_pictures_are_current() {
    let committed =
        std::fs::read_to_string(root().join("docs/pictures/platform-workload/pictures.md"))
            .unwrap();
    let model = load(&root().join("examples/platform-workload.toml"))
        .unwrap()
        .model;
    assert_eq!(
        committed,
        picture::markdown_document(
            &explain::pictures(&model),
            "examples/platform-workload.toml"
        ),
        "docs/pictures/ is stale: run `.ci/render-pictures.sh target/debug/eksgrant docs/pictures \
         examples/platform-workload.toml`"
    );
}

#[test]
fn the_committed_json_schema_is_current() {
    let committed = std::fs::read_to_string(root().join("docs/explain.schema.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        explain::json_schema(),
        "docs/explain.schema.json is stale: run `cargo run -- schema --explain > docs/explain.schema.json`"
    );
}

/// `eksgrant diff --format json`'s schema, as the binary prints it.
#[test]
fn the_committed_diff_schema_is_what_the_binary_prints() {
    let output = crate::support::eksgrant()
        .args(["schema", "--diff"])
        .run()
        .success();
    let committed = std::fs::read_to_string(root().join("docs/diff.schema.json")).unwrap();
    assert_eq!(
        committed,
        output.stdout(),
        "docs/diff.schema.json is stale: run `cargo run -- schema --diff > docs/diff.schema.json`"
    );
}

/// A generated file's text.
fn text<'a>(plan: &'a eksgrant::Plan, path: &str) -> &'a str {
    &plan
        .get(path)
        .unwrap_or_else(|| panic!("{path} is generated"))
        .contents
}

/// A JSON value's string or strings.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Null => Vec::new(),
        other => panic!("not a string or list of strings: {other}"),
    }
}

fn check_iam(spec: &Path, plan: &eksgrant::Plan, explanation: &Explanation) {
    let mut explained_files = BTreeSet::new();
    for subject in &explanation.subjects {
        let files: BTreeSet<&str> = subject
            .aws
            .permissions
            .iter()
            .map(|p| p.policy_file.as_str())
            .collect();
        for file in files {
            explained_files.insert(file.to_string());
            let document: Value = serde_json::from_str(text(plan, file)).unwrap();
            let statements = document["Statement"].as_array().unwrap();
            let explained: Vec<_> = subject
                .aws
                .permissions
                .iter()
                .filter(|p| p.policy_file == file)
                .collect();
            assert_eq!(
                statements.len(),
                explained.len(),
                "{}: {file}",
                spec.display()
            );
            for (statement, permission) in statements.iter().zip(explained) {
                assert_eq!(statement["Sid"], permission.sid.as_str());
                assert_eq!(statement["Effect"], permission.effect);
                assert_eq!(strings(&statement["Action"]), permission.actions);
                assert_eq!(strings(&statement["Resource"]), permission.resources);
                let conditions: std::collections::BTreeMap<_, _> = statement
                    .get("Condition")
                    .and_then(Value::as_object)
                    .map(|operators| {
                        operators
                            .iter()
                            .map(|(operator, keys)| {
                                let keys: std::collections::BTreeMap<String, Vec<String>> = keys
                                    .as_object()
                                    .unwrap()
                                    .iter()
                                    .map(|(k, v)| (k.clone(), strings(v)))
                                    .collect();
                                (operator.clone(), keys)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                assert_eq!(
                    conditions,
                    permission.conditions,
                    "{}: {file}",
                    spec.display()
                );
            }
        }
    }
    // Every permission policy written is some subject's, as explained.
    for (path, _) in plan.files() {
        if path.starts_with("policies/") && path.contains(".permissions") {
            assert!(
                explained_files.contains(path),
                "{}: {path} is generated but explain does not show it",
                spec.display()
            );
        }
    }
}

/// A binding as a generated YAML file has it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Binding {
    cluster: String,
    namespace: Option<String>,
    role_kind: String,
    role_name: String,
    /// `ServiceAccount ns/name` or `Group name`.
    subject: String,
}

fn rule_of(value: &Value) -> Rule {
    Rule {
        api_groups: strings(&value["apiGroups"]),
        resources: strings(&value["resources"]),
        verbs: strings(&value["verbs"]),
        resource_names: value.get("resourceNames").map(strings).unwrap_or_default(),
    }
}

/// The generated RBAC: every binding, and every Role and ClusterRole's
/// rules by `(cluster, kind, namespace, name)`.
#[allow(clippy::type_complexity)]
fn rbac(
    plan: &eksgrant::Plan,
) -> (
    Vec<Binding>,
    Vec<((String, String, Option<String>, String), Vec<Rule>)>,
) {
    let mut bindings = Vec::new();
    let mut roles = Vec::new();
    for (path, file) in plan.files() {
        let Some(rest) = path.strip_prefix("kubernetes/") else {
            continue;
        };
        if Path::new(path).extension().is_none_or(|e| e != "yaml")
            || path.ends_with("aws-auth.yaml")
        {
            continue;
        }
        let cluster = rest.split('/').next().unwrap().to_string();
        let documents: Vec<Value> = serde_saphyr::from_multiple(&file.contents).unwrap();
        for document in documents {
            let kind = document["kind"].as_str().unwrap_or_default();
            let namespace = document["metadata"]["namespace"].as_str().map(String::from);
            let name = document["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            match kind {
                "RoleBinding" | "ClusterRoleBinding" => {
                    for subject in document["subjects"].as_array().unwrap() {
                        let subject = match subject["kind"].as_str().unwrap() {
                            "ServiceAccount" => format!(
                                "ServiceAccount {}/{}",
                                subject["namespace"].as_str().unwrap(),
                                subject["name"].as_str().unwrap()
                            ),
                            other => format!("{other} {}", subject["name"].as_str().unwrap()),
                        };
                        bindings.push(Binding {
                            cluster: cluster.clone(),
                            namespace: namespace.clone(),
                            role_kind: document["roleRef"]["kind"].as_str().unwrap().to_string(),
                            role_name: document["roleRef"]["name"].as_str().unwrap().to_string(),
                            subject,
                        });
                    }
                }
                "Role" | "ClusterRole" => {
                    let role_rules = document["rules"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(rule_of)
                        .collect();
                    roles.push((
                        (cluster.clone(), kind.to_string(), namespace, name),
                        role_rules,
                    ));
                }
                _ => {}
            }
        }
    }
    (bindings, roles)
}

fn check_rbac(
    spec: &Path,
    plan: &eksgrant::Plan,
    explanation: &Explanation,
    model: &eksgrant::Model,
) {
    let (bindings, roles) = rbac(plan);
    let mut explained = BTreeSet::new();
    for subject in &explanation.subjects {
        for access in &subject.kubernetes {
            let (role_kind, role_name) = match &access.role {
                RoleRef::Role(name) => ("Role", name),
                RoleRef::ClusterRole(name) => ("ClusterRole", name),
                RoleRef::AccessPolicy(_) | RoleRef::Group(_) => continue,
            };
            let binding_subject = match access.mechanism {
                Mechanism::ServiceAccount => {
                    let workload = model
                        .workloads
                        .iter()
                        .find(|w| w.key == subject.key)
                        .unwrap();
                    format!(
                        "ServiceAccount {}/{}",
                        workload.namespace, workload.service_account
                    )
                }
                _ => format!("Group {}", access.group.as_ref().unwrap()),
            };
            let binding = Binding {
                cluster: access.cluster.clone(),
                namespace: access.namespace.clone(),
                role_kind: role_kind.to_string(),
                role_name: role_name.clone(),
                subject: binding_subject,
            };
            assert!(
                bindings.contains(&binding),
                "{}: explain shows {} via {}, but no generated binding does it: {binding:?}",
                spec.display(),
                subject.key,
                access.path
            );
            let own = roles.iter().find(|((cluster, kind, namespace, name), _)| {
                *cluster == access.cluster
                    && kind == role_kind
                    && name == role_name
                    && (role_kind == "ClusterRole" || *namespace == access.namespace)
            });
            if let Some((_, rules)) = own {
                assert_eq!(&access.rules, rules, "{}: {}", spec.display(), access.path);
            }
            explained.insert(binding);
        }
    }
    for binding in &bindings {
        assert!(
            explained.contains(binding),
            "{}: generated binding {binding:?} is not in explain",
            spec.display()
        );
    }
}

/// The access entries and policy associations in `terraform/access-*.tf`
/// (or `terraform/clusters/*/access.tf`),
/// as `(cluster, principal expression, groups)` and `(cluster, principal
/// expression, policy, namespace)`.
#[allow(clippy::type_complexity)]
fn access_entries(
    plan: &eksgrant::Plan,
) -> (
    Vec<(String, String, Vec<String>)>,
    BTreeSet<(String, String, String, Option<String>)>,
) {
    let mut entries = Vec::new();
    let mut associations = BTreeSet::new();
    for (path, file) in plan.files() {
        // `terraform/access-<cluster>.tf` in the single root, each
        // cluster's root's `access.tf` with the per-cluster layout.
        let Some(cluster) = path
            .strip_prefix("terraform/access-")
            .and_then(|rest| rest.strip_suffix(".tf"))
            .or_else(|| {
                path.strip_prefix("terraform/clusters/")
                    .and_then(|rest| rest.strip_suffix("/access.tf"))
            })
        else {
            continue;
        };
        let body: Value = hcl::from_str(&file.contents).unwrap();
        let resources = &body["resource"];
        let mut principal_of = std::collections::BTreeMap::new();
        if let Some(found) = resources["aws_eks_access_entry"].as_object() {
            for (name, entry) in found {
                let principal = entry["principal_arn"].as_str().unwrap().to_string();
                principal_of.insert(name.clone(), principal.clone());
                let groups = entry
                    .get("kubernetes_groups")
                    .map(strings)
                    .unwrap_or_default();
                entries.push((cluster.to_string(), principal, groups));
            }
        }
        if let Some(found) = resources["aws_eks_access_policy_association"].as_object() {
            for association in found.values() {
                // `${aws_eks_access_entry.<name>.principal_arn}`
                let reference = association["principal_arn"].as_str().unwrap();
                let entry = reference
                    .trim_start_matches("${aws_eks_access_entry.")
                    .split('.')
                    .next()
                    .unwrap();
                let principal = principal_of[entry].clone();
                let policy = association["policy_arn"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string();
                let scope = &association["access_scope"];
                let scope = if scope.is_array() { &scope[0] } else { scope };
                let namespaces = scope.get("namespaces").map(strings).unwrap_or_default();
                if namespaces.is_empty() {
                    associations.insert((
                        cluster.to_string(),
                        principal.clone(),
                        policy.clone(),
                        None,
                    ));
                }
                for namespace in namespaces {
                    associations.insert((
                        cluster.to_string(),
                        principal.clone(),
                        policy.clone(),
                        Some(namespace),
                    ));
                }
            }
        }
    }
    (entries, associations)
}

/// The principal expression an access entry of `subject` carries: its ARN,
/// or the reference to the workload role eksgrant creates.
fn principal_expression(
    model: &eksgrant::Model,
    explanation: &Explanation,
    key: &str,
) -> Vec<String> {
    let subject = explanation.subjects.iter().find(|s| s.key == key).unwrap();
    let mut expressions: Vec<String> = subject.aws.identity.iter().cloned().collect();
    if let Some(workload) = model.workloads.iter().find(|w| w.key == key) {
        expressions.push(format!("${{aws_iam_role.{}.arn}}", workload.ident));
    }
    expressions
}

fn check_access_entries(
    spec: &Path,
    plan: &eksgrant::Plan,
    explanation: &Explanation,
    model: &eksgrant::Model,
) {
    let (entries, associations) = access_entries(plan);
    let mut explained_associations = BTreeSet::new();
    for subject in &explanation.subjects {
        let expressions = principal_expression(model, explanation, &subject.key);
        for access in &subject.kubernetes {
            match access.mechanism {
                Mechanism::AccessEntry => {
                    let group = access.group.as_ref().unwrap();
                    assert!(
                        entries.iter().any(|(cluster, principal, groups)| {
                            *cluster == access.cluster
                                && expressions.contains(principal)
                                && groups.contains(group)
                        }),
                        "{}: explain maps {} into {group} on {} by an access entry, which no generated entry does",
                        spec.display(),
                        subject.key,
                        access.cluster
                    );
                }
                Mechanism::AccessPolicy => {
                    let RoleRef::AccessPolicy(policy) = &access.role else {
                        panic!("an access policy grant names its policy");
                    };
                    let found = expressions.iter().find(|principal| {
                        associations.contains(&(
                            access.cluster.clone(),
                            (*principal).clone(),
                            policy.clone(),
                            access.namespace.clone(),
                        ))
                    });
                    let principal = found.unwrap_or_else(|| {
                        panic!(
                            "{}: explain shows {} with {policy} on {}, which no association gives",
                            spec.display(),
                            subject.key,
                            access.cluster
                        )
                    });
                    explained_associations.insert((
                        access.cluster.clone(),
                        principal.clone(),
                        policy.clone(),
                        access.namespace.clone(),
                    ));
                }
                Mechanism::ServiceAccount | Mechanism::AwsAuth => {}
            }
        }
    }
    assert_eq!(
        associations,
        explained_associations,
        "{}: every generated access policy association is explained",
        spec.display()
    );
}

fn check_aws_auth(spec: &Path, plan: &eksgrant::Plan, explanation: &Explanation) {
    for subject in &explanation.subjects {
        for access in subject
            .kubernetes
            .iter()
            .filter(|a| a.mechanism == Mechanism::AwsAuth)
        {
            let path = format!("kubernetes/{}/kube-system/aws-auth.yaml", access.cluster);
            let config_map: Value = serde_saphyr::from_str(text(plan, &path)).unwrap();
            let group = access.group.as_ref().unwrap();
            let identity = subject.aws.identity.as_ref().unwrap();
            // aws-auth names roles without their path.
            let name = identity.rsplit('/').next().unwrap();
            let mapped = ["mapRoles", "mapUsers"].iter().any(|list| {
                let entries: Vec<Value> =
                    serde_saphyr::from_str(config_map["data"][list].as_str().unwrap_or("[]"))
                        .unwrap();
                entries.iter().any(|entry| {
                    let arn = entry["rolearn"]
                        .as_str()
                        .or_else(|| entry["userarn"].as_str())
                        .unwrap_or_default();
                    arn.ends_with(&format!("/{name}")) && strings(&entry["groups"]).contains(group)
                })
            });
            assert!(
                mapped,
                "{}: explain maps {} into {group} through aws-auth on {}, which the ConfigMap does not",
                spec.display(),
                subject.key,
                access.cluster
            );
        }
    }
}

#[test]
fn explain_agrees_with_every_generated_file() {
    let mut mechanisms = BTreeSet::new();
    let mut permissions = 0;
    for spec in specs() {
        let model = load(&spec).unwrap().model;
        let explanation = explain::explain(&model);
        let plan = plan(&spec);
        check_iam(&spec, &plan, &explanation);
        check_rbac(&spec, &plan, &explanation, &model);
        check_access_entries(&spec, &plan, &explanation, &model);
        check_aws_auth(&spec, &plan, &explanation);
        for subject in &explanation.subjects {
            permissions += subject.aws.permissions.len();
            mechanisms.extend(
                subject
                    .kubernetes
                    .iter()
                    .map(|a| format!("{:?}", a.mechanism)),
            );
        }
    }
    // Every mechanism was cross-checked somewhere.
    assert_eq!(
        mechanisms.into_iter().collect::<Vec<_>>(),
        ["AccessEntry", "AccessPolicy", "AwsAuth", "ServiceAccount"]
    );
    assert!(permissions > 100, "{permissions}");
}

#[test]
fn who_can_finds_every_grant_explain_shows() {
    for spec in specs() {
        let explanation = explanation(&spec);
        for subject in &explanation.subjects {
            for access in subject.kubernetes.iter().filter(|a| a.rules_known) {
                let Some(rule) = access.rules.first() else {
                    continue;
                };
                let (verb, resource) = (&rule.verbs[0], &rule.resources[0]);
                let answers = who_can::kubernetes(
                    &explanation,
                    verb,
                    resource,
                    &access.cluster,
                    access.namespace.as_deref(),
                );
                assert!(
                    answers
                        .iter()
                        .any(|a| a.subject == subject.key && a.verdict == "yes"),
                    "{}: who can {verb} {resource} on {} misses {}",
                    spec.display(),
                    access.cluster,
                    subject.key
                );
            }
            for permission in subject
                .aws
                .permissions
                .iter()
                .filter(|p| p.effect == "Allow")
            {
                let action = &permission.actions[0];
                let answers = who_can::aws(&explanation, action, None);
                assert!(
                    answers.iter().any(|a| a.subject == subject.key),
                    "{}: who can {action} misses {}",
                    spec.display(),
                    subject.key
                );
            }
        }
    }
}

#[test]
fn who_can_answers_the_headline_questions() {
    let explanation = explanation(&root().join("examples/platform-workload.toml"));
    let subjects = |answers: Vec<who_can::Answer>| -> Vec<(String, &'static str)> {
        answers
            .into_iter()
            .map(|a| (a.subject, a.verdict))
            .collect()
    };
    // In the workload cluster's jobs namespace, the backend creates pods
    // through its Role, the admins through the access policy; CI deploys,
    // making Deployments (whose controller makes the pods), not pods.
    assert_eq!(
        subjects(who_can::kubernetes(
            &explanation,
            "create",
            "pods",
            "workload",
            Some("jobs")
        )),
        [
            ("backend".to_string(), "yes"),
            ("platform-admins".to_string(), "yes"),
        ]
    );
    assert_eq!(
        subjects(who_can::kubernetes(
            &explanation,
            "patch",
            "deployments.apps",
            "workload",
            Some("jobs")
        )),
        [
            ("ci-deployer".to_string(), "yes"),
            ("platform-admins".to_string(), "yes"),
        ]
    );
    // Nobody but the admins reads secrets there: neither CI's rules nor the
    // backend's Role do.
    let secrets = subjects(who_can::kubernetes(
        &explanation,
        "get",
        "secrets",
        "workload",
        Some("jobs"),
    ));
    assert_eq!(secrets, [("platform-admins".to_string(), "yes")]);
    // Only external-dns changes DNS records, and only in its zone.
    let dns = who_can::aws(
        &explanation,
        "route53:ChangeResourceRecordSets",
        Some("arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"),
    );
    assert_eq!(subjects(dns), [("external-dns".to_string(), "yes")]);
    let other_zone = who_can::aws(
        &explanation,
        "route53:ChangeResourceRecordSets",
        Some("arn:aws:route53:::hostedzone/ZOTHER"),
    );
    assert!(other_zone.is_empty(), "{other_zone:?}");
}

#[test]
fn explain_shows_the_lints_a_spec_acknowledges() {
    let spec = r#"version = 1
[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.c]

[principals.ops]
arn = "arn:aws:iam::111122223333:role/ops"

[[principals.ops.grants]]
cluster = "c"
namespaces = ["jobs"]
rules = [{ api_groups = [""], resources = ["pods/exec"], verbs = ["create"] }]
allow = ["pod_exec"]
"#;
    let loaded = eksgrant::load_source(eksgrant::SourceFile::new(Path::new("eksgrant.toml"), spec))
        .unwrap_or_else(|e| panic!("{}", crate::support::report(&e)));
    // The allow silences the lint (the cluster's missing admin still warns).
    for warning in &loaded.warnings {
        let text = crate::support::report(warning);
        assert!(!text.contains("eksgrant::pod_exec"), "{text}");
    }
    let explanation = explain::explain(&loaded.model);
    let ops = &explanation.subjects[0];
    assert_eq!(ops.acknowledged.len(), 1);
    assert_eq!(ops.acknowledged[0].lint, "pod_exec");
    assert_eq!(ops.acknowledged[0].on, "grant 1 (on c)");
    assert!(ops.acknowledged[0].silenced[0].contains("may run commands in every pod"));
    assert!(format::table(&explanation).contains("acknowledged: pod_exec on grant 1 (on c): "));
}

/// An access policy scoped to `dev-*` answers for every namespace EKS
/// matches it to, and a `*/scale` rule for every resource's `scale`, as
/// the RBAC authorizer matches it.
#[test]
fn who_can_matches_namespace_patterns_and_subresource_wildcards() {
    let spec = format!(
        r#"{}
[principals.devs]
arn = "arn:aws:iam::111122223333:role/devs"
[[principals.devs.grants]]
cluster = "platform"
namespaces = ["dev-*"]
access_policy = "AmazonEKSEditPolicy"

[principals.scaler]
arn = "arn:aws:iam::111122223333:role/scaler"
[[principals.scaler.grants]]
cluster = "platform"
namespaces = ["web"]
rules = [{{ api_groups = ["apps", ""], resources = ["*/scale"], verbs = ["update"] }}]
allow = ["rbac_wildcard"]
"#,
        crate::support::BASE
    );
    let loaded = eksgrant::load_source(eksgrant::SourceFile::new(Path::new("eksgrant.toml"), spec))
        .unwrap_or_else(|e| panic!("{}", crate::support::report(&e)));
    let explanation = explain::explain(&loaded.model);
    let who = |verb: &str, resource: &str, namespace: &str| -> Vec<String> {
        who_can::kubernetes(&explanation, verb, resource, "platform", Some(namespace))
            .into_iter()
            .map(|answer| answer.subject)
            .collect()
    };
    assert_eq!(who("create", "pods", "dev-team"), ["admins", "devs"]);
    assert_eq!(who("create", "pods", "prod"), ["admins"]);
    assert_eq!(
        who("update", "deployments.apps/scale", "web"),
        ["admins", "scaler"]
    );
    assert_eq!(
        who("update", "replicationcontrollers/scale", "web"),
        ["admins", "scaler"]
    );
    assert_eq!(who("update", "deployments.apps", "web"), ["admins"]);
    // `pods/` asks about pods themselves.
    assert_eq!(who("create", "pods/", "dev-team"), ["admins", "devs"]);
}

/// `explain --format mermaid|dot --cluster KEY` draws that cluster and the
/// AWS identities of who is granted anything there or runs there; explain's
/// Markdown is what GitHub and mermaid-cli read, a heading per picture.
#[test]
fn explain_draws_the_pictures_of_one_cluster() {
    let explain = |args: &[&str]| {
        crate::support::eksgrant()
            .current_dir(root())
            .args(["explain", "examples/platform-workload.toml"])
            .args(args)
            .run()
    };
    let headings = |markdown: &str| -> Vec<String> {
        markdown
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(str::to_string)
            .collect()
    };

    let all = explain(&["--format", "mermaid"]).success();
    assert_eq!(
        headings(all.stdout()),
        ["cluster platform", "cluster workload", "AWS identities"]
    );
    assert_eq!(all.stdout().matches("```mermaid\n").count(), 3);

    let run = explain(&["--format", "mermaid", "--cluster", "workload"]).success();
    let workload = run.stdout();
    assert_eq!(headings(workload), ["cluster workload", "AWS identities"]);
    // backend runs on platform and is granted jobs here; the controllers
    // run on platform only.
    run.stdout_has("[\"role acme-backend\"]")
        .stdout_lacks("external-dns");
    let cluster = &workload[..workload.find("## AWS identities").unwrap()];
    for who in ["platform-admins", "backend", "ci-deployer"] {
        assert!(cluster.contains(&format!("[\"{who}\"]")), "{cluster}");
    }

    let dot = explain(&["--format", "dot", "--cluster", "workload"]).success();
    let graphs: Vec<&str> = dot
        .stdout()
        .lines()
        .filter(|l| l.starts_with("digraph "))
        .collect();
    assert_eq!(
        graphs,
        [
            "digraph \"cluster workload\" {",
            "digraph \"AWS identities\" {"
        ]
    );

    explain(&["--format", "mermaid", "--cluster", "nowhere"])
        .code(2)
        .stderr_has("the spec has no cluster `nowhere`")
        .stderr_has("the clusters are: platform, workload");
}
