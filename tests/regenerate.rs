//! Regenerating into a directory people also edit: the binary on temporary
//! directories, as a user runs it after each spec change.

use std::fs;
use std::path::Path;

use crate::support::{
    BASE, CLUSTER_ADMIN_ACCESS_POLICY, CLUSTER_ADMIN_ROLE, REPORTS, Repo, Run, day_two, run_in,
};

const REPORTS_FILES: [&str; 4] = [
    "terraform/workload-reports.tf",
    "policies/reports.trust.json",
    "policies/reports.permissions.json",
    "kubernetes/platform/analytics/reports.yaml",
];

#[test]
fn adding_a_workload_adds_its_files() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    assert!(REPORTS_FILES.iter().all(|f| !repo.path(f).exists()));

    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let output = repo.run(&["generate"]).success();
    for file in REPORTS_FILES {
        assert!(repo.path(file).is_file(), "{file} should exist");
    }
    output.stderr_has("6 created");
}

#[test]
fn removing_a_workload_removes_its_files_and_empty_directories_but_not_the_users() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    repo.run(&["generate"]).success();
    fs::write(
        repo.path("terraform/backend.tf"),
        "terraform {\n  backend \"s3\" {}\n}\n",
    )
    .unwrap();
    fs::create_dir_all(repo.path("terraform/.terraform/providers")).unwrap();
    fs::write(repo.path("terraform/.terraform/providers/lock"), "x").unwrap();
    fs::write(repo.path("README.md"), "# our platform repo\n").unwrap();

    repo.write_spec(BASE);
    repo.run(&["generate"]).success();
    for file in REPORTS_FILES {
        assert!(!repo.path(file).exists(), "{file} should be gone");
    }
    assert!(
        !repo.path("kubernetes/platform/analytics").exists(),
        "its emptied directory should be gone"
    );
    assert!(
        !repo.path("kubernetes/platform").exists(),
        "no Kubernetes objects remain on platform"
    );
    assert!(repo.path("terraform/backend.tf").is_file());
    assert!(repo.path("terraform/.terraform/providers/lock").is_file());
    assert_eq!(
        fs::read_to_string(repo.path("README.md")).unwrap(),
        "# our platform repo\n"
    );
    assert!(repo.path("terraform/access-platform.tf").is_file());
}

#[test]
fn a_generated_file_edited_by_hand_stops_the_run_and_changes_nothing_until_forced() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    let edited =
        fs::read_to_string(repo.path("terraform/providers.tf")).unwrap() + "# a local change\n";
    fs::write(repo.path("terraform/providers.tf"), &edited).unwrap();
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();

    repo.run(&["generate"])
        .code(2)
        .stderr_has("terraform/providers.tf: edited by hand since eksgrant wrote it")
        .stderr_has("--force");
    assert_eq!(
        repo.tree(),
        before,
        "a refused run must not write, delete or touch anything"
    );

    repo.run(&["generate", "--force"]).success();
    assert!(
        !fs::read_to_string(repo.path("terraform/providers.tf"))
            .unwrap()
            .contains("a local change")
    );
    assert!(repo.path("terraform/workload-reports.tf").is_file());
}

#[test]
fn a_file_of_the_users_where_the_spec_now_generates_one_stops_the_run() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    fs::write(
        repo.path("terraform/workload-reports.tf"),
        "# hand-written\n",
    )
    .unwrap();
    repo.write_spec(&format!("{BASE}{REPORTS}"));

    repo.run(&["generate"])
        .code(2)
        .stderr_has("terraform/workload-reports.tf: not written by eksgrant");
    assert_eq!(
        fs::read_to_string(repo.path("terraform/workload-reports.tf")).unwrap(),
        "# hand-written\n"
    );
}

#[test]
fn check_is_0_when_current_and_1_with_a_diff_after_a_spec_change() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    repo.run(&["generate", "--check"]).success().stdout_empty();

    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();
    repo.run(&["generate", "--check"])
        .code(1)
        .stdout_has("create terraform/workload-reports.tf\n")
        .stdout_has("--- /dev/null\n+++ b/terraform/workload-reports.tf")
        .stdout_has("--- a/ACCESS.md\n+++ b/ACCESS.md")
        .stdout_has("+| `reports` |");
    assert_eq!(repo.tree(), before, "--check writes nothing");

    repo.write_spec(BASE);
    fs::remove_file(repo.path("terraform/access-platform.tf")).unwrap();
    let deleted = repo.run(&["generate", "--check"]).code(1);
    deleted.stdout_has("create terraform/access-platform.tf");
}

#[test]
fn a_regeneration_with_nothing_to_do_rewrites_no_file() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    repo.run(&["generate"]).success();
    repo.age_files();
    let before = repo.tree();
    repo.run(&["generate"])
        .success()
        .stderr_has("0 created, 0 updated, 0 deleted");
    assert_eq!(
        repo.tree(),
        before,
        "contents and mtimes, the manifest's included, stay"
    );
}

#[test]
fn a_run_killed_half_way_is_repaired_by_the_next_without_force() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();

    // The new spec adds a cluster; the run is killed after it recorded its
    // token (3 changes), made its staging directory (1), staged every file
    // there (2 each: 24), recorded what it may touch (3), flushed, and
    // renamed the policy documents into place (with their new directory:
    // 4), before it renames the rest (in the order it staged them).
    let with_zeta = format!(
        "{BASE}{REPORTS}\n[clusters.zeta]\n\n[workloads.agent]\ncluster = \"zeta\"\nnamespace = \"ops\"\naws.managed_policy_arns = [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]\n"
    );
    repo.write_spec(&with_zeta);
    let stalled = repo.stalled_generate(35);
    assert_eq!(stalled.before, "ACCESS.md");
    stalled.kill();
    assert!(
        repo.path("policies/agent.trust.json").is_file(),
        "the run got half-way"
    );
    assert!(
        !repo.path("terraform/workload-agent.tf").exists(),
        "the run stopped half-way"
    );
    assert!(
        !fs::read_to_string(repo.path("ACCESS.md"))
            .unwrap()
            .contains("`agent`")
    );
    assert!(repo.path(".eksgrant-manifest.pending.toml").is_file());

    // Meanwhile the user drops a workload again: files the killed run wrote
    // are still recognised as eksgrant's (they are in the pending record),
    // so no --force is needed to update or delete them.
    let without_reports = with_zeta.replace(REPORTS, "");
    repo.write_spec(&without_reports);
    repo.run(&["generate"]).success();

    // The repaired tree is exactly a fresh generation of the last spec: no
    // pending record, lock, temporary file or emptied directory is left.
    let fresh = Repo::new(&without_reports);
    fresh.run(&["generate"]).success();
    assert_eq!(repo.contents(), fresh.contents());
    repo.run(&["generate", "--check"]).success();
}

#[test]
fn dry_run_lists_the_plan_and_writes_nothing() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();
    repo.run(&["generate", "--dry-run"])
        .success()
        .stdout_has("create terraform/workload-reports.tf\n")
        .stdout_has("update ACCESS.md\n");
    assert_eq!(repo.tree(), before);
}

#[test]
fn init_writes_a_starter_that_generates_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_in(dir.path(), args);
    let first = run(&["init"]).success();
    let starter = fs::read_to_string(dir.path().join("eksgrant.toml")).unwrap();
    assert!(starter.contains("REPLACE"));
    // Editors find the schema through the first line, beside the spec.
    assert!(
        starter.starts_with("#:schema ./eksgrant.schema.json\n"),
        "{starter}"
    );
    let schema = fs::read_to_string(dir.path().join("eksgrant.schema.json")).unwrap();
    let printed = run(&["schema"]);
    assert_eq!(schema, printed.stdout());
    first.stderr_has("wrote eksgrant.schema.json");
    run(&["generate"]).success();
    assert!(dir.path().join("terraform/cluster-workload.tf").is_file());
    assert_eq!(
        fs::read_to_string(dir.path().join("eksgrant.schema.json")).unwrap(),
        schema,
        "generate leaves the schema alone"
    );

    fs::write(dir.path().join("eksgrant.toml"), "# mine\n").unwrap();
    run(&["init"])
        .code(2)
        .stderr_has("eksgrant.toml exists already");
    assert_eq!(
        fs::read_to_string(dir.path().join("eksgrant.toml")).unwrap(),
        "# mine\n"
    );
    run(&["init", "other/place.toml"]).success();
    assert!(Path::new(&dir.path().join("other/place.toml")).is_file());
    assert!(
        dir.path().join("other/eksgrant.schema.json").is_file(),
        "the schema goes beside the spec, where its `#:schema` line looks"
    );

    // A schema that is there already is the user's: kept as it is.
    fs::write(dir.path().join("other/eksgrant.schema.json"), "{}\n").unwrap();
    run(&["init", "other/second.toml"])
        .success()
        .stderr_has("kept the existing other/eksgrant.schema.json");
    assert_eq!(
        fs::read_to_string(dir.path().join("other/eksgrant.schema.json")).unwrap(),
        "{}\n"
    );
}

/// A cluster in `mode`, with a node role so every mode generates something.
fn cluster_in_mode(mode: &str) -> String {
    format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.platform]
authentication_mode = "{mode}"
node_role_arns = ["arn:aws:iam::111122223333:role/platform-nodes"]
"#
    )
}

#[test]
fn authentication_modes_only_move_forward() {
    let repo = Repo::new(&cluster_in_mode("API_AND_CONFIG_MAP"));
    repo.run(&["generate"]).success();
    assert!(
        repo.path("kubernetes/platform/kube-system/aws-auth.yaml")
            .is_file()
    );

    // Back to CONFIG_MAP: refused, in every mode of generate, and nothing
    // in the repository changes.
    repo.write_spec(&cluster_in_mode("CONFIG_MAP"));
    let before = repo.tree();
    for args in [
        &["generate"][..],
        &["generate", "--check"],
        &["generate", "--dry-run"],
    ] {
        repo.run(args)
            .code(2)
            .stderr_has("eksgrant::authentication_mode")
            .stderr_has("cluster platform would move from API_AND_CONFIG_MAP back to CONFIG_MAP")
            .stderr_has("the last generation used API_AND_CONFIG_MAP");
    }
    assert_eq!(repo.tree(), before);

    // Forward to API: aws-auth goes, the node role becomes an access entry,
    // and the manifest remembers API, so API_AND_CONFIG_MAP is now backwards.
    repo.write_spec(&cluster_in_mode("API"));
    repo.run(&["generate"]).success();
    assert!(
        !repo
            .path("kubernetes/platform/kube-system/aws-auth.yaml")
            .exists()
    );
    let access = fs::read_to_string(repo.path("terraform/access-platform.tf")).unwrap();
    assert!(
        access.contains(r#"type          = "EC2_LINUX""#),
        "{access}"
    );
    repo.write_spec(&cluster_in_mode("API_AND_CONFIG_MAP"));
    repo.run(&["generate"])
        .code(2)
        .stderr_has("from API back to API_AND_CONFIG_MAP");
}

#[test]
fn authentication_modes_move_one_step_at_a_time_whatever_the_key() {
    let repo = Repo::new(&cluster_in_mode("CONFIG_MAP"));
    repo.run(&["generate"]).success();

    // Straight to API would stop aws-auth before any access entry exists.
    repo.write_spec(&cluster_in_mode("API"));
    repo.run(&["generate"])
        .code(2)
        .stderr_has("cluster platform would move from CONFIG_MAP straight to API");

    // The history follows the EKS cluster, not the spec key.
    repo.write_spec(&cluster_in_mode("API_AND_CONFIG_MAP"));
    repo.run(&["generate"]).success();
    let renamed = cluster_in_mode("CONFIG_MAP").replace(
        "[clusters.platform]",
        "[clusters.main]\nname = \"platform\"",
    );
    repo.write_spec(&renamed);
    repo.run(&["generate"])
        .code(2)
        .stderr_has("cluster main would move from API_AND_CONFIG_MAP back to CONFIG_MAP");
}

#[test]
fn the_generation_that_drops_an_irsa_trust_restarts_its_pods_first() {
    let spec = |identity: &str| {
        let base = BASE.replace(
            "[clusters.platform]\n",
            "[clusters.platform]\noidc_issuer = \"oidc.eks.eu-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9\"\n",
        );
        format!(
            "{base}\n[workloads.reports]\ncluster = \"platform\"\nnamespace = \"analytics\"\n{identity}\naws.managed_policy_arns = [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n"
        )
    };
    let repo = Repo::new(&spec("migrate_from = \"irsa\""));
    repo.run(&["generate"]).success();
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest.contains("irsa_workloads = [\"reports\"]"),
        "{manifest}"
    );
    let overview = || fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    assert!(!overview().contains("restart the pods leaving IRSA"));

    // The cut-over: the generation that drops the trust orders a restart
    // between the ServiceAccount losing its annotation and Terraform.
    repo.write_spec(&spec(""));
    repo.run(&["generate"]).success();
    let access = overview();
    let objects = access.find("its Kubernetes objects").unwrap();
    let restart = access.find("restart the pods leaving IRSA").unwrap();
    let terraform = access.find("**Terraform, the AWS side**").unwrap();
    assert!(objects < restart && restart < terraform, "{access}");
    // The restart is carried on until the generation is said to be
    // applied: the next run of the same spec renders the same files, and
    // has nothing to do.
    let manifest = || fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest().contains("irsa_leaving = [\"reports\"]") && manifest().contains("inputs = "),
        "{}",
        manifest()
    );
    repo.run(&["generate"]).stderr_has("0 updated");
    repo.run(&["generate", "--check"]).success();
    // Once the pods restarted, saying so drops the step.
    let cut_over = repo.run(&["generate", "--applied"]).success();
    assert!(!overview().contains("restart the pods leaving IRSA"));
    cut_over.stderr_has("1 updated");
    repo.run(&["generate"]).stderr_has("0 updated");
}

#[test]
fn a_spec_with_warnings_reports_them_on_every_run() {
    let spec = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warnings/iam-wildcard.toml"),
    )
    .unwrap();
    let repo = Repo::new(&spec);
    let first = repo.run(&["generate"]).success();
    first.stderr_has("eksgrant::iam_wildcard");

    // Nothing changed: the run neither parses nor renders (the manifest
    // recorded the warnings with the inputs), and still says what is wrong
    // with the spec, word for word, and still fails when warnings are
    // denied.
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest.contains("inputs = ") && manifest.contains("code = \"eksgrant::iam_wildcard\""),
        "{manifest}"
    );
    let again = repo.run(&["generate"]).success();
    let warnings = |run: &Run| {
        let text = run.stderr();
        text[..text.find("eksgrant: ").unwrap()].to_string()
    };
    assert!(
        warnings(&first).contains("eksgrant::iam_wildcard"),
        "{}",
        first.stderr()
    );
    assert_eq!(warnings(&again), warnings(&first));

    // What the manifest recorded is trusted only as the inputs hashed it:
    // a warning edited there sends the run the whole way, which reports
    // the spec's own.
    let tampered = manifest.replace("on every resource", "on nothing");
    assert_ne!(tampered, manifest);
    fs::write(repo.path(".eksgrant-manifest.toml"), tampered).unwrap();
    let edited = repo.run(&["generate"]).success();
    assert_eq!(warnings(&edited), warnings(&first));
    again.stderr_has("0 created, 0 updated, 0 deleted");
    repo.run(&["generate", "--deny-warnings"]).code(2);
    repo.run(&["generate", "--check", "--deny-warnings"])
        .code(2);
}

#[test]
fn a_settled_tree_is_still_checked_file_by_file() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    repo.run(&["generate"]).success();
    // The first generation is where this spec settles: its manifest names
    // the next run's inputs, and that run has nothing to do.
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(manifest.contains("inputs = "), "{manifest}");
    repo.age_files();
    let settled = repo.tree();
    repo.run(&["generate", "--check"]).success();
    repo.run(&["generate"]).success();
    assert_eq!(repo.tree(), settled, "nothing is rewritten");

    // What that run trusts is the tree as recorded: a file deleted, or a
    // temporary file an interrupted run left, sends it the whole way.
    fs::remove_file(repo.path("policies/reports.trust.json")).unwrap();
    repo.run(&["generate", "--check"])
        .code(1)
        .stdout_has("create policies/reports.trust.json");
    repo.run(&["generate"]).stderr_has("1 created");
    assert_eq!(repo.contents(), {
        repo.run(&["generate"]).success();
        repo.contents()
    });
}

#[test]
fn a_spec_edit_that_changes_no_file_updates_only_the_manifest() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    repo.run(&["generate"]).success();
    repo.age_files();
    let before = repo.tree();

    // A comment: every generated file stays; `--check` agrees, since the
    // tree is what the spec generates.
    repo.write_spec(&format!("# reviewed\n{BASE}{REPORTS}"));
    repo.run(&["generate", "--check"]).success();
    repo.run(&["generate"])
        .success()
        .stderr_has("0 created, 0 updated, 0 deleted");
    let after = repo.tree();
    let changed: Vec<&std::path::PathBuf> = after
        .keys()
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    // The manifest records the inputs it was made from, so that the next
    // run can tell there is nothing to render.
    assert_eq!(
        changed,
        [
            &std::path::PathBuf::from("repo/.eksgrant-manifest.toml"),
            &std::path::PathBuf::from("repo/eksgrant.toml"),
        ]
    );
    repo.age_files();
    let settled = repo.tree();
    repo.run(&["generate"]).success();
    assert_eq!(repo.tree(), settled, "nothing is rewritten any more");

    // A file edited by hand is noticed although the inputs are the same.
    fs::write(repo.path("terraform/outputs.tf"), "# mine\n").unwrap();
    repo.run(&["generate"])
        .code(2)
        .unwrapped_has("terraform/outputs.tf: edited by hand");
    repo.run(&["generate", "--check"]).code(1);
}

/// A created cluster whose control plane is configured by `settings`.
fn created_cluster(settings: &str) -> String {
    format!(
        r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.platform]
create = true
kubernetes_version = "1.35"
subnet_ids = ["subnet-11111111", "subnet-22222222"]
{settings}

[principals.admins]
arn = "arn:aws:iam::111122223333:role/admins"

[[principals.admins.grants]]
cluster = "platform"
access_policy = "AmazonEKSClusterAdminPolicy"
"#
    )
}

const OWN_KEY: &str = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

#[test]
fn the_key_of_a_clusters_secrets_never_changes_and_never_goes() {
    let repo = Repo::new(&created_cluster(""));
    repo.run(&["generate"]).success();
    let generated = || {
        let mut tree = repo.tree();
        tree.retain(|path, _| !path.ends_with("eksgrant.toml"));
        tree
    };
    let before = generated();

    // EKS cannot change the key: Terraform would record a key EKS ignores.
    repo.write_spec(&created_cluster(&format!(
        "secrets_kms_key_arn = \"{OWN_KEY}\""
    )));
    repo.run(&["generate"])
        .code(2)
        .stderr_has("eksgrant::kms_key")
        .stderr_has("cluster platform would change the key of its Secrets")
        .stderr_has("the last generation used the key eksgrant created")
        .stderr_has("keep the created key");

    // Nor turn the encryption off: the provider would replace the cluster.
    repo.write_spec(&created_cluster("secrets_encryption = false"));
    repo.run(&["generate", "--check"])
        .code(2)
        .stderr_has("would turn off the encryption of its Secrets");
    assert!(generated() == before, "a refused spec changes nothing");
}

#[test]
fn a_cluster_gaining_encryption_or_a_log_group_says_what_to_do_around_the_apply() {
    let rewrite = "rewrite the existing ones";
    let import = "to = aws_cloudwatch_log_group.platform\n    id = \"/aws/eks/platform/cluster\"";
    let overview = |repo: &Repo| fs::read_to_string(repo.path("ACCESS.md")).unwrap();

    // The first generation leaves Secrets to EKS's key and sends no logs.
    let repo = Repo::new(&created_cluster(
        "secrets_encryption = false\nlog_types = []",
    ));
    repo.run(&["generate"]).success();
    assert!(!overview(&repo).contains(rewrite), "{}", overview(&repo));

    // Turning both on: the Secrets written before are rewritten after the
    // apply; no log group exists, since no log was sent.
    repo.write_spec(&created_cluster(""));
    repo.run(&["generate"]).success();
    let text = overview(&repo);
    assert!(
        text.contains(rewrite)
            && text.contains("kubectl --context platform get secrets --all-namespaces -o json"),
        "{text}"
    );
    assert!(!text.contains(import), "{text}");

    // Until the generation is said to be applied, the rewrite stays;
    // then it goes.
    repo.run(&["generate"]).success();
    assert!(overview(&repo).contains(rewrite), "{}", overview(&repo));
    repo.run(&["generate", "--applied"]).success();
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest.contains("secrets_key = \"created\"") && manifest.contains("log_group = true"),
        "{manifest}"
    );
    assert!(!overview(&repo).contains(rewrite), "{}", overview(&repo));

    // A manifest of an eksgrant that recorded neither: it sent every log
    // type and left the group to EKS, and encrypted no Secrets.
    let manifest_path = repo.path(".eksgrant-manifest.toml");
    let earlier: Vec<String> = fs::read_to_string(&manifest_path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("secrets_key") && !line.starts_with("log_group"))
        .map(String::from)
        .collect();
    let earlier = earlier.join("\n") + "\n";
    fs::write(&manifest_path, earlier).unwrap();
    repo.run(&["generate"]).success();
    let text = overview(&repo);
    assert!(text.contains(import) && text.contains(rewrite), "{text}");
}

#[test]
fn day_two_changes_switch_modes_in_order_revoke_what_goes_and_say_so() {
    let (admin_role, admin_policy) = (CLUSTER_ADMIN_ROLE, CLUSTER_ADMIN_ACCESS_POLICY);
    let repo = Repo::new(&day_two("CONFIG_MAP", admin_role, "edit", true));
    let first = repo.run(&["generate"]).success();
    // A first generation changes nobody's access against anything.
    first.stderr_lacks("access of");
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest.contains(r#""RoleBinding apps/eksgrant:ci:edit""#)
            && manifest.contains(r#""ConfigMap kube-system/aws-auth""#),
        "{manifest}"
    );

    // To API_AND_CONFIG_MAP, CI narrowed, the developer gone. ops keeps
    // cluster-admin, through an access entry now rather than aws-auth.
    repo.write_spec(&day_two("API_AND_CONFIG_MAP", admin_role, "view", false));
    repo.run(&["generate"]).success().stderr_has(
        "eksgrant: access of ci, ops changed; dev removed; cluster prod moves from CONFIG_MAP to API_AND_CONFIG_MAP; 2 Kubernetes objects on prod to revoke (RoleBinding apps/eksgrant:ci:edit, RoleBinding apps/eksgrant:dev:view).",
    );
    let overview = || fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    let access = overview();
    let at = |needle: &str| {
        access
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}\n{access}"))
    };
    // The whole order, as a reader sees it.
    let applying = |access: &str| access[access.find("## Applying").unwrap()..].to_string();
    crate::support::settings()
        .bind(|| insta::assert_snapshot!("day-two-to-api-and-config-map", applying(&access)));
    let switch = at(
        "aws eks update-cluster-config --region eu-west-2 --name prod --access-config authenticationMode=API_AND_CONFIG_MAP",
    );
    let terraform = at("terraform -chdir=terraform apply");
    let aws_auth = at("apply -f kubernetes/prod/kube-system/aws-auth.yaml");
    let revoke = at(
        "kubectl --context prod delete rolebinding.rbac.authorization.k8s.io -n apps -l app.kubernetes.io/managed-by=eksgrant --field-selector metadata.name=eksgrant:ci:edit",
    );
    at("--field-selector metadata.name=eksgrant:dev:view");
    assert!(switch < terraform && terraform < aws_auth && aws_auth < revoke);
    let cluster = fs::read_to_string(repo.path("terraform/cluster-prod.tf")).unwrap();
    assert!(
        cluster.contains("aws eks update-cluster-config --region eu-west-2 --name prod --access-config authenticationMode=API_AND_CONFIG_MAP")
            && cluster.contains("Move authentication_mode in the spec forward to it")
            && !cluster.replace("EKS never moves it back", "").contains(" back"),
        "{cluster}"
    );

    // The generation's own check passes: CI on its commit is green.
    repo.run(&["generate", "--check"]).success();
    // Regenerated before anyone said it was applied: the switch and the
    // revocations stay listed, the tree as it was, the check still green.
    let again = repo.run(&["generate"]).success();
    assert_eq!(overview(), access);
    again.stderr_lacks("access of");
    repo.run(&["generate", "--check"]).success();
    // Once it was applied, saying so drops them, and nothing else changes.
    let applied = repo.run(&["generate", "--applied"]).success();
    assert!(
        !overview().contains("metadata.name=eksgrant:ci:edit")
            && !overview().contains("authenticationMode=API_AND_CONFIG_MAP"),
        "{}",
        overview()
    );
    applied.stderr_has("1 updated");
    repo.run(&["generate", "--check"]).success();

    // To API, ops moving from its binding to the access policy: the switch
    // after Terraform, checking EKS's entry of the managed node group first;
    // the binding and aws-auth revoked last.
    repo.write_spec(&day_two("API", admin_policy, "view", false));
    repo.run(&["generate"]).success().stderr_has("access of ops changed; cluster prod moves from API_AND_CONFIG_MAP to API; 2 Kubernetes objects on prod to revoke (ClusterRoleBinding eksgrant:ops:cluster-admin, ConfigMap kube-system/aws-auth).");
    let access = overview();
    let at = |needle: &str| {
        access
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}\n{access}"))
    };
    crate::support::settings()
        .bind(|| insta::assert_snapshot!("day-two-to-api", applying(&access)));
    let terraform = at("terraform -chdir=terraform apply");
    let check = at(
        "aws eks describe-access-entry --region eu-west-2 --cluster-name prod --principal-arn arn:aws:iam::111122223333:role/prod-managed-nodes",
    );
    let switch = at("--access-config authenticationMode=API\n");
    let revoke = at(
        "delete clusterrolebinding.rbac.authorization.k8s.io -l app.kubernetes.io/managed-by=eksgrant --field-selector metadata.name=eksgrant:ops:cluster-admin",
    );
    at(
        "delete configmap -n kube-system -l app.kubernetes.io/managed-by=eksgrant --field-selector metadata.name=aws-auth",
    );
    assert!(terraform < check && check < switch && switch < revoke);
}

#[test]
fn a_tree_from_before_objects_were_recorded_still_revokes_what_goes() {
    // An earlier eksgrant's manifest lists the files, not the objects in
    // them: the first generation of this one reads them back.
    let admin_policy = CLUSTER_ADMIN_ACCESS_POLICY;
    let repo = Repo::new(&day_two("API", admin_policy, "edit", true));
    repo.run(&["generate"]).success();
    let path = repo.path(".eksgrant-manifest.toml");
    let manifest = fs::read_to_string(&path).unwrap();
    let older: String = manifest
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("objects = ") && !line.starts_with("inputs = "))
        .collect();
    assert_ne!(older, manifest);
    fs::write(&path, older).unwrap();

    repo.write_spec(&day_two("API", admin_policy, "view", false));
    repo.run(&["generate"]).success();
    let access = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    for name in ["eksgrant:ci:edit", "eksgrant:dev:view"] {
        assert!(
            access.contains(&format!("--field-selector metadata.name={name}")),
            "{name}\n{access}"
        );
    }
    assert!(
        !access.contains("metadata.name=eksgrant:ci:view"),
        "{access}"
    );
}

#[test]
fn every_generation_settles_so_its_own_check_passes() {
    // A created cluster's first generation, and any generation with a
    // one-off step, render the same files when run again: the manifest
    // names the next run's inputs, and --check passes at once.
    let spec =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bootstrap.toml"))
            .unwrap();
    let repo = Repo::new(&spec);
    repo.run(&["generate"]).success();
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(manifest.contains("inputs = "), "{manifest}");
    repo.run(&["generate", "--check"]).success();
    repo.run(&["generate"]).stderr_has("0 updated");
}

#[test]
fn a_cluster_that_left_under_a_key_now_another_s_is_revoked_in_a_context_of_its_own() {
    let (admin_role, admin_policy) = (CLUSTER_ADMIN_ROLE, CLUSTER_ADMIN_ACCESS_POLICY);
    let repo = Repo::new(&day_two("API", admin_policy, "edit", false));
    repo.run(&["generate"]).success();
    // The key `prod` now names another EKS cluster.
    let renamed = day_two("API", admin_role, "edit", false)
        .replace("[clusters.prod]\n", "[clusters.prod]\nname = \"prod-2\"\n");
    repo.write_spec(&renamed);
    repo.run(&["generate"]).success();
    let access = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    assert!(
        access.contains("aws eks update-kubeconfig --region eu-west-2 --name prod --alias eksgrant-left-prod")
            && access.contains("kubectl --context eksgrant-left-prod delete rolebinding.rbac.authorization.k8s.io -n apps -l app.kubernetes.io/managed-by=eksgrant --field-selector metadata.name=eksgrant:ci:edit"),
        "{access}"
    );
    // The table by cluster gives the new cluster's steps only.
    let table = &access[access.find("By cluster:").unwrap()..];
    assert!(!table.contains("revoke"), "{table}");
}

/// A settled run that cannot take the lock (another run is writing) stops
/// as the whole way would: with the spec's warnings, then the lock.
#[test]
fn a_settled_run_kept_from_the_lock_still_reports_the_specs_warnings() {
    let spec = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warnings/iam-wildcard.toml"),
    )
    .unwrap();
    let repo = Repo::new(&spec);
    repo.run(&["generate"]).success();
    // Another run, of a spec with one workload more, holds the lock.
    repo.write_spec(&format!("{spec}{REPORTS}"));
    let other = repo.stalled_generate(2);
    repo.write_spec(&spec);
    let kept = repo.run(&["generate"]);
    other.kill();
    let text = kept.code(2).unwrapped();
    let warning = text.find("eksgrant::iam_wildcard").expect(&text);
    let locked = text.find("another run is writing").expect(&text);
    assert!(warning < locked, "{text}");
}
