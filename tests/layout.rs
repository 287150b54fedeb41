//! `[terraform] layout`: every Terraform root stands on its own, each
//! layout puts each resource where it says, and a change of layout says
//! what to do with the state, whose commands are run here against real
//! Terraform when it is installed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use hcl::expr::{Expression, ObjectKey, Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Block, Body, Structure};

use crate::support::{BASE, Repo, plan};

/// Every spec whose output the tests generate: the examples and the cases.
fn specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for dir in ["examples", "tests/cases"] {
        for entry in fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                specs.push(path);
            }
        }
    }
    specs.sort();
    specs
}

/// Whether a path names a Terraform file (eksgrant writes `.tf` only).
fn is_tf(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e == "tf")
}

/// The `.tf` files of a generated tree by root (their directory), each
/// parsed.
fn roots(files: &BTreeMap<String, String>) -> BTreeMap<String, Vec<(String, Body)>> {
    let mut roots: BTreeMap<String, Vec<(String, Body)>> = BTreeMap::new();
    for (path, contents) in files.iter().filter(|(p, _)| is_tf(p)) {
        let (dir, _) = path.rsplit_once('/').expect("a .tf file is in a root");
        let body = hcl::parse(contents).unwrap_or_else(|e| panic!("{path}: {e}"));
        roots
            .entry(dir.to_string())
            .or_default()
            .push((path.clone(), body));
    }
    roots
}

/// What a root defines that an expression may name: `aws_x.name`,
/// `data.aws_x.name`, `var.x`, `local.x`, `module.x`; and its provider
/// configurations (`aws`, `aws.alias`).
#[derive(Default)]
struct Defined {
    addresses: BTreeSet<String>,
    providers: BTreeSet<String>,
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels.iter().map(hcl::BlockLabel::as_str).collect()
}

fn defined(files: &[(String, Body)]) -> Defined {
    let mut defined = Defined::default();
    for (_, body) in files {
        for block in body.blocks() {
            let labels = labels(block);
            match (block.identifier.as_str(), labels.as_slice()) {
                ("resource", [kind, name]) => {
                    defined.addresses.insert(format!("{kind}.{name}"));
                }
                ("data", [kind, name]) => {
                    defined.addresses.insert(format!("data.{kind}.{name}"));
                }
                ("variable", [name]) => {
                    defined.addresses.insert(format!("var.{name}"));
                }
                ("module", [name]) => {
                    defined.addresses.insert(format!("module.{name}"));
                }
                ("locals", []) => {
                    for attribute in block.body.attributes() {
                        defined
                            .addresses
                            .insert(format!("local.{}", attribute.key.as_str()));
                    }
                }
                ("provider", [name]) => {
                    let alias = block
                        .body
                        .attributes()
                        .find(|a| a.key.as_str() == "alias")
                        .map(|a| match &a.expr {
                            Expression::String(alias) => alias.clone(),
                            other => panic!("an alias is a string, not {other:?}"),
                        });
                    defined.providers.insert(match alias {
                        Some(alias) => format!("{name}.{alias}"),
                        None => (*name).to_string(),
                    });
                }
                _ => {}
            }
        }
    }
    defined
}

/// What one root names: the addresses its expressions read, the provider
/// configurations its resources pick, and the files it reads with `file()`
/// or `templatefile()`, each from the file that names it.
#[derive(Default)]
struct Named {
    addresses: Vec<(String, String)>,
    providers: Vec<(String, String)>,
    files: Vec<(String, String)>,
}

/// Names in a root that are not resources: HCL's own and Terraform's.
const BUILT_IN: &[&str] = &["path", "each", "count", "self", "terraform"];

fn named(files: &[(String, Body)]) -> Named {
    let mut named = Named::default();
    for (path, body) in files {
        walk_body(body, path, &mut named, &[]);
    }
    named
}

fn walk_body(body: &Body, path: &str, named: &mut Named, scope: &[String]) {
    for structure in body {
        match structure {
            Structure::Attribute(attribute) => {
                if attribute.key.as_str() == "provider" {
                    named
                        .providers
                        .push((path.to_string(), traversal_text(&attribute.expr)));
                } else {
                    walk_expr(&attribute.expr, path, named, scope);
                }
            }
            // Attributes that name no reference: `ignore_changes` lists
            // attributes of the resource, a variable's `type` is a type
            // constraint (`list(string)`).
            Structure::Block(block)
                if matches!(block.identifier.as_str(), "lifecycle" | "variable") =>
            {
                let skipped = match block.identifier.as_str() {
                    "lifecycle" => "ignore_changes",
                    _ => "type",
                };
                for inner in &block.body {
                    match inner {
                        Structure::Attribute(a) if a.key.as_str() == skipped => {}
                        Structure::Attribute(a) => walk_expr(&a.expr, path, named, scope),
                        Structure::Block(b) => walk_body(&b.body, path, named, scope),
                    }
                }
            }
            // `from` is an address in the state, which the root no longer
            // defines on purpose: not a reference.
            Structure::Block(block) if block.identifier.as_str() == "removed" => {}
            Structure::Block(block) => walk_body(&block.body, path, named, scope),
        }
    }
}

/// `aws.data` for a provider reference.
fn traversal_text(expr: &Expression) -> String {
    match expr {
        Expression::Variable(v) => v.as_str().to_string(),
        Expression::Traversal(t) => {
            let mut text = traversal_text(&t.expr);
            for op in &t.operators {
                if let TraversalOperator::GetAttr(attr) = op {
                    text.push('.');
                    text.push_str(attr.as_str());
                }
            }
            text
        }
        other => panic!("a provider reference, not {other:?}"),
    }
}

fn walk_expr(expr: &Expression, path: &str, named: &mut Named, scope: &[String]) {
    match expr {
        Expression::Null | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {}
        Expression::Array(items) => items.iter().for_each(|e| walk_expr(e, path, named, scope)),
        Expression::Object(object) => {
            for (key, value) in object {
                if let ObjectKey::Expression(key) = key {
                    walk_expr(key, path, named, scope);
                }
                walk_expr(value, path, named, scope);
            }
        }
        Expression::TemplateExpr(template) => {
            let template = Template::from_expr(template).unwrap();
            walk_template(&template, path, named, scope);
        }
        Expression::Variable(variable) => {
            let name = variable.as_str();
            assert!(
                scope.iter().any(|s| s == name) || BUILT_IN.contains(&name),
                "{path}: a bare name `{name}` that is no reference"
            );
        }
        Expression::Traversal(traversal) => {
            if let Expression::Variable(root) = &traversal.expr {
                let root = root.as_str();
                let attrs: Vec<&str> = traversal
                    .operators
                    .iter()
                    .map_while(|op| match op {
                        TraversalOperator::GetAttr(attr) => Some(attr.as_str()),
                        _ => None,
                    })
                    .collect();
                let address = match (root, attrs.as_slice()) {
                    (_, _) if BUILT_IN.contains(&root) || scope.iter().any(|s| s == root) => None,
                    ("var" | "local" | "module", [name, ..]) => Some(format!("{root}.{name}")),
                    ("data", [kind, name, ..]) => Some(format!("data.{kind}.{name}")),
                    (kind, [name, ..]) => Some(format!("{kind}.{name}")),
                    _ => panic!("{path}: a reference without a name: {traversal:?}"),
                };
                named
                    .addresses
                    .extend(address.map(|a| (path.to_string(), a)));
            } else {
                walk_expr(&traversal.expr, path, named, scope);
            }
            for op in &traversal.operators {
                if let TraversalOperator::Index(index) = op {
                    walk_expr(index, path, named, scope);
                }
            }
        }
        Expression::FuncCall(call) => {
            let function = call.name.name.as_str();
            if matches!(function, "file" | "templatefile") {
                let Some(Expression::TemplateExpr(argument)) = call.args.first() else {
                    panic!("{path}: {function}() of a path template");
                };
                named.files.push((path.to_string(), argument.to_string()));
            }
            call.args
                .iter()
                .for_each(|e| walk_expr(e, path, named, scope));
        }
        Expression::Parenthesis(inner) => walk_expr(inner, path, named, scope),
        Expression::Conditional(c) => {
            for e in [&c.cond_expr, &c.true_expr, &c.false_expr] {
                walk_expr(e, path, named, scope);
            }
        }
        Expression::Operation(operation) => match operation.as_ref() {
            Operation::Unary(op) => walk_expr(&op.expr, path, named, scope),
            Operation::Binary(op) => {
                walk_expr(&op.lhs_expr, path, named, scope);
                walk_expr(&op.rhs_expr, path, named, scope);
            }
        },
        Expression::ForExpr(for_expr) => {
            walk_expr(&for_expr.collection_expr, path, named, scope);
            let mut inner = scope.to_vec();
            inner.extend(for_expr.key_var.iter().map(|v| v.as_str().to_string()));
            inner.push(for_expr.value_var.as_str().to_string());
            let exprs = [&for_expr.key_expr, &Some(for_expr.value_expr.clone())];
            for e in exprs.into_iter().flatten().chain(&for_expr.cond_expr) {
                walk_expr(e, path, named, &inner);
            }
        }
        other => panic!("{path}: an expression this check does not know: {other:?}"),
    }
}

fn walk_template(template: &Template, path: &str, named: &mut Named, scope: &[String]) {
    for element in template.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk_expr(&i.expr, path, named, scope),
            Element::Directive(directive) => match directive.as_ref() {
                Directive::If(d) => {
                    walk_expr(&d.cond_expr, path, named, scope);
                    walk_template(&d.true_template, path, named, scope);
                    if let Some(f) = &d.false_template {
                        walk_template(f, path, named, scope);
                    }
                }
                Directive::For(d) => {
                    walk_expr(&d.collection_expr, path, named, scope);
                    let mut inner = scope.to_vec();
                    inner.extend(d.key_var.iter().map(|v| v.as_str().to_string()));
                    inner.push(d.value_var.as_str().to_string());
                    walk_template(&d.template, path, named, &inner);
                }
            },
        }
    }
}

/// `dir/a/../b` as `dir/b`.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                assert!(parts.pop().is_some(), "{path} climbs out of the tree");
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// Every way a generated tree's roots lean on one another: an address one
/// names but does not define, a provider configuration it picks but does
/// not configure, a file it reads that is not generated, a root without
/// its own `versions.tf` and `providers.tf`.
fn cross_root_problems(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for (dir, parsed) in roots(files) {
        let defined = defined(&parsed);
        let named = named(&parsed);
        for (path, address) in named.addresses {
            if !defined.addresses.contains(&address) {
                problems.push(format!(
                    "{path} names {address}, which {dir} does not define"
                ));
            }
        }
        for (path, provider) in named.providers {
            if !defined.providers.contains(&provider) {
                problems.push(format!(
                    "{path} uses provider {provider}, which {dir} does not configure"
                ));
            }
        }
        for (path, file) in named.files {
            let read = normalise(&file.replace("${path.module}", &dir));
            if !files.contains_key(&read) {
                problems.push(format!(
                    "{path} reads {file}, which is not generated ({read})"
                ));
            }
        }
        for own in ["versions.tf", "providers.tf"] {
            if !files.contains_key(&format!("{dir}/{own}")) {
                problems.push(format!("{dir} has no {own} of its own"));
            }
        }
    }
    problems
}

fn plan_files(spec: &Path) -> BTreeMap<String, String> {
    plan(spec)
        .files()
        .map(|(path, file)| (path.to_string(), file.contents.clone()))
        .collect()
}

#[test]
fn no_root_names_what_another_root_defines() {
    let mut layouts = BTreeSet::new();
    for spec in specs() {
        let files = plan_files(&spec);
        let problems = cross_root_problems(&files);
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            spec.display(),
            problems.join("\n")
        );
        layouts.insert(files.contains_key("terraform/iam/versions.tf"));
    }
    assert_eq!(layouts.len(), 2, "the specs cover both layouts");
}

/// `spec` with `layout = "per-cluster"`, before its first cluster.
fn split(spec: &str) -> String {
    if spec.contains("[terraform]") {
        return spec.to_string();
    }
    let at = spec.find("\n[clusters.").expect("a spec has clusters") + 1;
    format!(
        "{}[terraform]\nlayout = \"per-cluster\"\n\n{}",
        &spec[..at],
        &spec[at..]
    )
}

#[test]
fn every_example_and_case_splits_into_self_contained_roots_or_says_why_not() {
    let mut split_specs = 0;
    for spec in specs() {
        let text = split(&fs::read_to_string(&spec).unwrap());
        let loaded = eksgrant::load_source(eksgrant::SourceFile::new(spec.as_path(), text));
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(eksgrant::Error::Invalid { problems, .. }) => {
                // Only what the layout refuses: IRSA on a created cluster,
                // a chain from several clusters.
                let codes: BTreeSet<_> = problems
                    .iter()
                    .filter(|p| p.is_error())
                    .map(eksgrant::Problem::diagnostic_code)
                    .collect();
                assert_eq!(
                    codes,
                    BTreeSet::from([eksgrant::Code::Layout]),
                    "{}",
                    spec.display()
                );
                continue;
            }
            Err(other) => panic!("{}: {other}", spec.display()),
        };
        let options = eksgrant::render::RenderOptions::new("spec.toml", false);
        let files: BTreeMap<String, String> = eksgrant::render::render(
            &loaded.model,
            &eksgrant::model::Transition::follow(&loaded.model, None),
            &options,
        )
        .unwrap()
        .files()
        .map(|(path, file)| (path.to_string(), file.contents.clone()))
        .collect();
        let problems = cross_root_problems(&files);
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            spec.display(),
            problems.join("\n")
        );
        assert!(files.keys().any(|p| p.starts_with("terraform/clusters/")));
        split_specs += 1;
    }
    assert!(split_specs > 10, "{split_specs}");
}

#[test]
fn the_check_finds_a_reference_across_roots() {
    let files = BTreeMap::from([
        (
            "terraform/iam/versions.tf".to_string(),
            "terraform {}\n".to_string(),
        ),
        (
            "terraform/iam/providers.tf".to_string(),
            "provider \"aws\" {}\n".to_string(),
        ),
        (
            "terraform/iam/role.tf".to_string(),
            "resource \"aws_iam_role\" \"x\" {\n  name = \"x\"\n}\n".to_string(),
        ),
        (
            "terraform/clusters/a/providers.tf".to_string(),
            "provider \"aws\" {}\n".to_string(),
        ),
        (
            "terraform/clusters/a/pod-identity.tf".to_string(),
            [
                "resource \"aws_eks_pod_identity_association\" \"x\" {",
                "  provider     = aws.data",
                "  cluster_name = data.aws_eks_cluster.a.name",
                "  role_arn     = \"${aws_iam_role.x.arn}\"",
                "  namespace    = var.namespace",
                "  tags         = { team = local.team }",
                "  policy       = file(\"${path.module}/../../policies/x.json\")",
                "}",
                "",
            ]
            .join("\n"),
        ),
    ]);
    let problems = cross_root_problems(&files);
    let expected = [
        "terraform/clusters/a/pod-identity.tf names data.aws_eks_cluster.a, which terraform/clusters/a does not define",
        "terraform/clusters/a/pod-identity.tf names aws_iam_role.x, which terraform/clusters/a does not define",
        "terraform/clusters/a/pod-identity.tf names var.namespace, which terraform/clusters/a does not define",
        "terraform/clusters/a/pod-identity.tf names local.team, which terraform/clusters/a does not define",
        "terraform/clusters/a/pod-identity.tf uses provider aws.data, which terraform/clusters/a does not configure",
        "terraform/clusters/a/pod-identity.tf reads ${path.module}/../../policies/x.json, which is not generated (terraform/policies/x.json)",
        "terraform/clusters/a has no versions.tf of its own",
    ];
    assert_eq!(problems, expected);
}

/// The resources of a root, as `type.name`.
fn resources(parsed: &[(String, Body)]) -> Vec<(String, &Block)> {
    parsed
        .iter()
        .flat_map(|(_, body)| body.blocks())
        .filter(|b| b.identifier.as_str() == "resource")
        .map(|b| (labels(b).join("."), b))
        .collect()
}

#[test]
fn the_per_cluster_layout_puts_iam_in_its_root_and_each_cluster_in_its_own() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/per-cluster.toml");
    let files = plan_files(&spec);
    assert!(
        !files
            .keys()
            .any(|p| p.starts_with("terraform/") && p.matches('/').count() == 1)
    );
    let roots = roots(&files);
    assert_eq!(
        roots.keys().collect::<Vec<_>>(),
        [
            "terraform-kubernetes",
            "terraform/clusters/apps",
            "terraform/clusters/edge",
            "terraform/clusters/hub",
            "terraform/clusters/legacy",
            "terraform/iam",
            "terraform/network",
        ]
    );
    for (dir, parsed) in &roots {
        for (address, block) in resources(parsed) {
            let kind = address.split('.').next().unwrap();
            let in_another_account = block
                .body
                .attributes()
                .any(|a| a.key.as_str() == "provider");
            let fits = match dir.as_str() {
                "terraform/iam" => kind.starts_with("aws_iam_"),
                "terraform/network" => kind == "aws_vpc_security_group_ingress_rule",
                "terraform-kubernetes" => kind == "kubernetes_config_map_v1",
                // A role that pods chain to is written beside their
                // associations, which name it and so come after it.
                _ => !kind.starts_with("aws_iam_") || in_another_account,
            };
            assert!(fits, "{address} does not belong in {dir}");
        }
    }
    // Each cluster's root has its cluster, created or read.
    for cluster in ["apps", "hub"] {
        let parsed = &roots[&format!("terraform/clusters/{cluster}")];
        assert!(
            resources(parsed)
                .iter()
                .any(|(a, _)| *a == format!("aws_eks_cluster.{cluster}"))
        );
    }
    // A role named across roots is named by its ARN, with the IAM path.
    let hub = &files["terraform/clusters/hub/cluster.tf"];
    assert!(
        hub.contains(
            "role_arn                  = \"arn:aws:iam::111122223333:role/eks/acme-hub-cluster\""
        ),
        "{hub}"
    );
    assert!(
        hub.contains("node_role_arn = \"arn:aws:iam::111122223333:role/eks/acme-hub-node\""),
        "{hub}"
    );
    let apps = &files["terraform/clusters/apps/access.tf"];
    assert!(
        apps.contains("principal_arn     = \"arn:aws:iam::111122223333:role/eks/acme-controller\""),
        "{apps}"
    );
}

#[test]
fn irsa_on_a_created_cluster_and_a_written_chain_from_several_clusters_need_the_single_root() {
    let spec = format!(
        "{BASE}\n[terraform]\nlayout = \"per-cluster\"\n\n\
         [accounts.data]\naccount_id = \"444455556666\"\n\
         assume_role_arn = \"arn:aws:iam::444455556666:role/terraform\"\n\n\
         [clusters.new]\ncreate = true\nkubernetes_version = \"1.35\"\n\n\
         [[principals.admins.grants]]\ncluster = \"new\"\naccess_policy = \"AmazonEKSClusterAdminPolicy\"\n\n\
         [workloads.reports]\ncluster = \"new\"\nnamespace = \"analytics\"\nidentity = \"irsa\"\n\
         aws.managed_policy_arns = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n\n\
         [workloads.ledger]\nclusters = [\"platform\", \"new\"]\nnamespace = \"finance\"\n\
         aws.account = \"data\"\n\
         aws.managed_policy_arns = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n\n\
         [workloads.billing]\nclusters = [\"platform\", \"new\"]\nnamespace = \"finance\"\n\
         aws.target_role_arn = \"arn:aws:iam::777788889999:role/billing-reader\"\n"
    );
    let error = eksgrant::load_source(eksgrant::SourceFile::new(
        Path::new("spec.toml"),
        spec.clone(),
    ))
    .unwrap_err();
    let text = crate::support::report(&error);
    assert!(text.contains("eksgrant::layout"), "{text}");
    assert!(
        text.contains("the role of workload reports trusts the OIDC provider of cluster new"),
        "{text}"
    );
    assert!(
        text.contains("workload ledger chains to a role eksgrant writes from 2 clusters"),
        "{text}"
    );
    // A role of the user's has a literal trust: any number of clusters.
    assert!(!text.contains("workload billing"), "{text}");
    // The single root takes both.
    let single = spec.replace("layout = \"per-cluster\"", "layout = \"single\"");
    eksgrant::load_source(eksgrant::SourceFile::new(Path::new("spec.toml"), single)).unwrap();
}

/// A spec small enough to move its state quickly: a created cluster and
/// an existing one, a workload on each reaching the other, an admin.
fn small_spec(layout: &str) -> String {
    format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[terraform]
layout = "{layout}"

[clusters.platform]

[clusters.workload]
create = true
kubernetes_version = "1.35"
subnet_ids = ["subnet-11111111", "subnet-22222222"]
private_access_from_clusters = ["platform"]

[principals.admins]
arn = "arn:aws:iam::111122223333:role/admins"

[[principals.admins.grants]]
cluster = "platform"
access_policy = "AmazonEKSClusterAdminPolicy"

[[principals.admins.grants]]
cluster = "workload"
access_policy = "AmazonEKSClusterAdminPolicy"

[workloads.backend]
cluster = "platform"
namespace = "web"

[[workloads.backend.grants]]
cluster = "workload"
namespaces = ["jobs"]
cluster_role = "edit"
"#
    )
}

/// The `resource` addresses the `.tf` files in `dir` define.
fn addresses_in(dir: &Path) -> BTreeSet<String> {
    let mut addresses = BTreeSet::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tf") {
            let body = hcl::parse(&fs::read_to_string(&path).unwrap()).unwrap();
            addresses.extend(
                resources(&[(String::new(), body)])
                    .into_iter()
                    .map(|(a, _)| a),
            );
        }
    }
    addresses
}

/// The step of ACCESS.md that moves the state, and its second shell block:
/// the one that moves (the first initialises the roots' backends).
fn move_script(overview: &str) -> String {
    let step = overview
        .split("\n1. **Move the Terraform state into this layout's roots**")
        .nth(1)
        .unwrap_or_else(|| panic!("no state move in:\n{overview}"));
    let block = step.split("```sh\n").nth(2).unwrap();
    block
        .split("   ```")
        .next()
        .unwrap()
        .lines()
        .map(|line| line.strip_prefix("   ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn switching_layouts_deletes_the_old_roots_files_and_says_to_move_the_state() {
    let repo = Repo::new(&small_spec("single"));
    repo.run(&["generate"]).success();
    fs::write(
        repo.path("terraform/backend.tf"),
        "terraform {\n  backend \"s3\" {}\n}\n",
    )
    .unwrap();
    assert!(repo.path("terraform/cluster-workload.tf").is_file());

    repo.write_spec(&small_spec("per-cluster"));
    let output = repo.run(&["generate", "-q"]).success();
    output.stderr_has("eksgrant: the Terraform layout changed from single to per-cluster: the state of terraform must move to terraform/iam, terraform/clusters/platform, terraform/clusters/workload, terraform/network before any root is planned or applied");
    // The old root's files are gone, the user's backend stays.
    let old: Vec<String> = fs::read_dir(repo.path("terraform"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| is_tf(name))
        .collect();
    assert_eq!(old, ["backend.tf"]);
    let overview = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    let script = move_script(&overview);
    assert!(
        script.contains("terraform -chdir=\"$top/terraform\" state pull > single.tfstate"),
        "{script}"
    );
    assert!(script.contains("for root in terraform/iam terraform/clusters/platform terraform/clusters/workload terraform/network; do"), "{script}");

    // The next generation, of the same spec, still moves the state (it
    // may not have been applied), and says so; the tree stays current.
    let manifest = || fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    repo.run(&["generate"])
        .success()
        .stderr_has("layout changed")
        .stderr_has("0 updated");
    repo.run(&["generate", "--check"]).success();
    // Once it was applied, saying so drops the move.
    let output = repo.run(&["generate", "--applied"]).success();
    output.stderr_lacks("layout changed");
    assert!(
        !fs::read_to_string(repo.path("ACCESS.md"))
            .unwrap()
            .contains("Move the Terraform state")
    );

    // A cluster that leaves the spec leaves its root's state behind.
    let without_platform = small_spec("per-cluster")
        .replace("[clusters.platform]\n", "")
        .replace("private_access_from_clusters = [\"platform\"]\n", "")
        .replace(
            "[[principals.admins.grants]]\ncluster = \"platform\"\naccess_policy = \"AmazonEKSClusterAdminPolicy\"\n",
            "",
        )
        .replace("cluster = \"platform\"\nnamespace = \"web\"", "cluster = \"workload\"\nnamespace = \"web\"");
    let without_platform = without_platform.replace(
        "[[workloads.backend.grants]]\ncluster = \"workload\"\nnamespaces = [\"jobs\"]\ncluster_role = \"edit\"\n",
        "aws.managed_policy_arns = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n",
    );
    repo.write_spec(&without_platform);
    repo.run(&["generate"]).success();
    let overview = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    for gone in ["terraform/clusters/platform", "terraform/network"] {
        assert!(
            overview.contains(&format!("- `{gone}` is no longer generated")),
            "{overview}"
        );
        assert!(!repo.path(gone).exists(), "{gone} is left");
    }
    // Said until the generation is said to be applied; the next run of
    // the same spec has nothing to do.
    assert!(manifest().contains("inputs = "), "{}", manifest());
    repo.run(&["generate"]).stderr_has("0 updated");
    repo.run(&["generate", "--applied"]).success();
    let overview = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    assert!(!overview.contains("is no longer generated"), "{overview}");
    assert!(manifest().contains("inputs = "), "{}", manifest());

    // And back to the single root: the roots' states move into terraform/.
    repo.write_spec(&without_platform.replace("per-cluster", "single"));
    repo.run(&["generate"]).success().stderr_has("changed from per-cluster to single: the state of terraform/iam, terraform/clusters/workload must move to terraform");
    assert!(!repo.path("terraform/iam").exists());
}

/// Terraform, when it is installed: the state move runs without a backend
/// (the local one) and without providers.
fn terraform() -> Option<PathBuf> {
    let found = std::process::Command::new("terraform")
        .arg("version")
        .output()
        .ok()?;
    found.status.success().then(|| PathBuf::from("terraform"))
}

/// A state file holding `addresses` (one instance each; `for_each` ones
/// with a key) and a data source.
fn state_of(addresses: &BTreeSet<String>) -> String {
    let resources: Vec<String> = addresses
        .iter()
        .map(|address| {
            let (kind, name) = address.split_once('.').unwrap();
            format!(
                r#"{{"mode":"managed","type":"{kind}","name":"{name}","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]","instances":[{{"schema_version":0,"attributes":{{"id":"{name}"}}}}]}}"#
            )
        })
        .chain([r#"{"mode":"data","type":"aws_eks_cluster","name":"platform","provider":"provider[\"registry.terraform.io/hashicorp/aws\"]","instances":[{"schema_version":0,"attributes":{"id":"platform"}}]}"#.to_string()])
        .collect();
    format!(
        r#"{{"version":4,"terraform_version":"1.5.0","serial":1,"lineage":"eksgrant-test","outputs":{{}},"resources":[{}]}}"#,
        resources.join(",")
    )
}

/// The managed resources in a root's local state.
fn state_list(dir: &Path) -> BTreeSet<String> {
    let output = std::process::Command::new("terraform")
        .arg(format!("-chdir={}", dir.display()))
        .args(["state", "list"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("data."))
        .map(|l| l.split('[').next().unwrap().to_string())
        .collect()
}

fn run_script(repo: &Repo, script: &str) {
    let output = std::process::Command::new("bash")
        .args(["-euc", script])
        .current_dir(repo.root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_state_moves_as_access_md_says_both_ways() {
    if terraform().is_none() {
        eprintln!("terraform is not installed: the state move is not run");
        return;
    }
    let repo = Repo::new(&small_spec("single"));
    repo.run(&["generate"]).success();
    // What a first apply of the single root leaves in its (local) state.
    let all = addresses_in(&repo.path("terraform"));
    assert!(all.len() > 10, "{all:?}");
    fs::write(repo.path("terraform/terraform.tfstate"), state_of(&all)).unwrap();

    repo.write_spec(&small_spec("per-cluster"));
    repo.run(&["generate"]).success();
    let overview = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    run_script(&repo, &move_script(&overview));
    let mut moved = BTreeSet::new();
    for root in [
        "terraform/iam",
        "terraform/clusters/platform",
        "terraform/clusters/workload",
        "terraform/network",
    ] {
        let state = state_list(&repo.path(root));
        assert_eq!(state, addresses_in(&repo.path(root)), "{root}");
        moved.extend(state);
    }
    assert_eq!(moved, all, "every resource has moved, once");
    assert!(state_list(&repo.path("terraform")).is_empty());

    // And back.
    repo.write_spec(&small_spec("single"));
    repo.run(&["generate"]).success();
    let overview = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    run_script(&repo, &move_script(&overview));
    assert_eq!(state_list(&repo.path("terraform")), all);
    for root in [
        "terraform/iam",
        "terraform/clusters/platform",
        "terraform/clusters/workload",
        "terraform/network",
    ] {
        assert!(state_list(&repo.path(root)).is_empty(), "{root}");
    }
}
