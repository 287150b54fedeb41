//! Regenerating into a directory people also edit: the binary on temporary
//! directories, as a user runs it after each spec change.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

use crate::support::{
    BASE, CLUSTER_ADMIN_ACCESS_POLICY, CLUSTER_ADMIN_ROLE, REPORTS, Repo, assert_exit, day_two,
    stderr, unwrapped,
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    assert!(REPORTS_FILES.iter().all(|f| !repo.path(f).exists()));

    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 0);
    for file in REPORTS_FILES {
        assert!(repo.path(file).is_file(), "{file} should exist");
    }
    assert!(stderr(&output).contains("6 created"), "{}", stderr(&output));
}

#[test]
fn removing_a_workload_removes_its_files_and_empty_directories_but_not_the_users() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    fs::write(
        repo.path("terraform/backend.tf"),
        "terraform {\n  backend \"s3\" {}\n}\n",
    )
    .unwrap();
    fs::create_dir_all(repo.path("terraform/.terraform/providers")).unwrap();
    fs::write(repo.path("terraform/.terraform/providers/lock"), "x").unwrap();
    fs::write(repo.path("README.md"), "# our platform repo\n").unwrap();

    repo.write_spec(BASE);
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let edited =
        fs::read_to_string(repo.path("terraform/providers.tf")).unwrap() + "# a local change\n";
    fs::write(repo.path("terraform/providers.tf"), &edited).unwrap();
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();

    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("terraform/providers.tf: edited by hand since eksgrant wrote it"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_eq!(
        repo.tree(),
        before,
        "a refused run must not write, delete or touch anything"
    );

    assert_exit(&repo.eksgrant(&["generate", "--force"]), 0);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    fs::write(
        repo.path("terraform/workload-reports.tf"),
        "# hand-written\n",
    )
    .unwrap();
    repo.write_spec(&format!("{BASE}{REPORTS}"));

    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("terraform/workload-reports.tf: not written by eksgrant"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        fs::read_to_string(repo.path("terraform/workload-reports.tf")).unwrap(),
        "# hand-written\n"
    );
}

#[test]
fn check_is_0_when_current_and_1_with_a_diff_after_a_spec_change() {
    let repo = Repo::new(BASE);
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let current = repo.eksgrant(&["generate", "--check"]);
    assert_exit(&current, 0);
    assert!(current.stdout.is_empty());

    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();
    let drift = repo.eksgrant(&["generate", "--check"]);
    assert_exit(&drift, 1);
    let report = String::from_utf8_lossy(&drift.stdout);
    assert!(
        report.contains("create terraform/workload-reports.tf\n"),
        "{report}"
    );
    assert!(
        report.contains("--- /dev/null\n+++ b/terraform/workload-reports.tf"),
        "{report}"
    );
    assert!(
        report.contains("--- a/ACCESS.md\n+++ b/ACCESS.md"),
        "{report}"
    );
    assert!(report.contains("+| `reports` |"), "{report}");
    assert_eq!(repo.tree(), before, "--check writes nothing");

    repo.write_spec(BASE);
    fs::remove_file(repo.path("terraform/access-platform.tf")).unwrap();
    let deleted = repo.eksgrant(&["generate", "--check"]);
    assert_exit(&deleted, 1);
    assert!(
        String::from_utf8_lossy(&deleted.stdout).contains("create terraform/access-platform.tf")
    );
}

#[test]
fn a_regeneration_with_nothing_to_do_rewrites_no_file() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    repo.age_files();
    let before = repo.tree();
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("0 created, 0 updated, 0 deleted"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        repo.tree(),
        before,
        "contents and mtimes, the manifest's included, stay"
    );
}

#[test]
fn a_run_killed_half_way_is_repaired_by_the_next_without_force() {
    let repo = Repo::new(BASE);
    assert_exit(&repo.eksgrant(&["generate"]), 0);

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
    let repaired = repo.eksgrant(&["generate"]);
    assert_exit(&repaired, 0);

    // The repaired tree is exactly a fresh generation of the last spec: no
    // pending record, lock, temporary file or emptied directory is left.
    let fresh = Repo::new(&without_reports);
    assert_exit(&fresh.eksgrant(&["generate"]), 0);
    assert_eq!(repo.contents(), fresh.contents());
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
}

#[test]
fn dry_run_lists_the_plan_and_writes_nothing() {
    let repo = Repo::new(BASE);
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();
    let output = repo.eksgrant(&["generate", "--dry-run"]);
    assert_exit(&output, 0);
    let listing = String::from_utf8_lossy(&output.stdout);
    assert!(
        listing.contains("create terraform/workload-reports.tf\n"),
        "{listing}"
    );
    assert!(listing.contains("update ACCESS.md\n"), "{listing}");
    assert_eq!(repo.tree(), before);
}

#[test]
fn init_writes_a_starter_that_generates_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::cargo_bin("eksgrant")
            .unwrap()
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let first = run(&["init"]);
    assert_exit(&first, 0);
    let starter = fs::read_to_string(dir.path().join("eksgrant.toml")).unwrap();
    assert!(starter.contains("REPLACE"));
    // Editors find the schema through the first line, beside the spec.
    assert!(
        starter.starts_with("#:schema ./eksgrant.schema.json\n"),
        "{starter}"
    );
    let schema = fs::read_to_string(dir.path().join("eksgrant.schema.json")).unwrap();
    let printed = run(&["schema"]);
    assert_eq!(schema, String::from_utf8(printed.stdout).unwrap());
    assert!(
        stderr(&first).contains("wrote eksgrant.schema.json"),
        "{}",
        stderr(&first)
    );
    assert_exit(&run(&["generate"]), 0);
    assert!(dir.path().join("terraform/cluster-workload.tf").is_file());
    assert_eq!(
        fs::read_to_string(dir.path().join("eksgrant.schema.json")).unwrap(),
        schema,
        "generate leaves the schema alone"
    );

    fs::write(dir.path().join("eksgrant.toml"), "# mine\n").unwrap();
    let again = run(&["init"]);
    assert_exit(&again, 2);
    assert!(
        stderr(&again).contains("eksgrant.toml exists already"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("eksgrant.toml")).unwrap(),
        "# mine\n"
    );
    assert_exit(&run(&["init", "other/place.toml"]), 0);
    assert!(Path::new(&dir.path().join("other/place.toml")).is_file());
    assert!(
        dir.path().join("other/eksgrant.schema.json").is_file(),
        "the schema goes beside the spec, where its `#:schema` line looks"
    );

    // A schema that is there already is the user's: kept as it is.
    fs::write(dir.path().join("other/eksgrant.schema.json"), "{}\n").unwrap();
    let kept = run(&["init", "other/second.toml"]);
    assert_exit(&kept, 0);
    assert!(
        stderr(&kept).contains("kept the existing other/eksgrant.schema.json"),
        "{}",
        stderr(&kept)
    );
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
        let output = repo.eksgrant(args);
        assert_exit(&output, 2);
        let stderr = stderr(&output);
        assert!(
            stderr.contains("eksgrant::authentication_mode")
                && stderr.contains(
                    "cluster platform would move from API_AND_CONFIG_MAP back to CONFIG_MAP"
                )
                && stderr.contains("the last generation used API_AND_CONFIG_MAP"),
            "{stderr}"
        );
    }
    assert_eq!(repo.tree(), before);

    // Forward to API: aws-auth goes, the node role becomes an access entry,
    // and the manifest remembers API, so API_AND_CONFIG_MAP is now backwards.
    repo.write_spec(&cluster_in_mode("API"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("from API back to API_AND_CONFIG_MAP"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn authentication_modes_move_one_step_at_a_time_whatever_the_key() {
    let repo = Repo::new(&cluster_in_mode("CONFIG_MAP"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);

    // Straight to API would stop aws-auth before any access entry exists.
    repo.write_spec(&cluster_in_mode("API"));
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("cluster platform would move from CONFIG_MAP straight to API"),
        "{}",
        stderr(&output)
    );

    // The history follows the EKS cluster, not the spec key.
    repo.write_spec(&cluster_in_mode("API_AND_CONFIG_MAP"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let renamed = cluster_in_mode("CONFIG_MAP").replace(
        "[clusters.platform]",
        "[clusters.main]\nname = \"platform\"",
    );
    repo.write_spec(&renamed);
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output)
            .contains("cluster main would move from API_AND_CONFIG_MAP back to CONFIG_MAP"),
        "{}",
        stderr(&output)
    );
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
    let again = repo.eksgrant(&["generate"]);
    assert!(stderr(&again).contains("0 updated"), "{}", stderr(&again));
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
    // Once the pods restarted, saying so drops the step.
    let cut_over = repo.eksgrant(&["generate", "--applied"]);
    assert_exit(&cut_over, 0);
    assert!(!overview().contains("restart the pods leaving IRSA"));
    assert!(
        stderr(&cut_over).contains("1 updated"),
        "{}",
        stderr(&cut_over)
    );
    let settled = repo.eksgrant(&["generate"]);
    assert!(
        stderr(&settled).contains("0 updated"),
        "{}",
        stderr(&settled)
    );
}

#[test]
fn a_spec_with_warnings_reports_them_on_every_run() {
    let spec = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warnings/iam-wildcard.toml"),
    )
    .unwrap();
    let repo = Repo::new(&spec);
    let first = repo.eksgrant(&["generate"]);
    assert_exit(&first, 0);
    assert!(stderr(&first).contains("eksgrant::iam_wildcard"));

    // Nothing changed: the run neither parses nor renders (the manifest
    // recorded the warnings with the inputs), and still says what is wrong
    // with the spec, word for word, and still fails when warnings are
    // denied.
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest.contains("inputs = ") && manifest.contains("code = \"eksgrant::iam_wildcard\""),
        "{manifest}"
    );
    let again = repo.eksgrant(&["generate"]);
    assert_exit(&again, 0);
    let warnings = |output: &std::process::Output| {
        let text = stderr(output);
        text[..text.find("eksgrant: ").unwrap()].to_string()
    };
    assert!(warnings(&first).contains("eksgrant::iam_wildcard"));
    assert_eq!(warnings(&again), warnings(&first));

    // What the manifest recorded is trusted only as the inputs hashed it:
    // a warning edited there sends the run the whole way, which reports
    // the spec's own.
    let tampered = manifest.replace("on every resource", "on nothing");
    assert_ne!(tampered, manifest);
    fs::write(repo.path(".eksgrant-manifest.toml"), tampered).unwrap();
    let edited = repo.eksgrant(&["generate"]);
    assert_exit(&edited, 0);
    assert_eq!(warnings(&edited), warnings(&first));
    assert!(stderr(&again).contains("0 created, 0 updated, 0 deleted"));
    assert_exit(&repo.eksgrant(&["generate", "--deny-warnings"]), 2);
    assert_exit(
        &repo.eksgrant(&["generate", "--check", "--deny-warnings"]),
        2,
    );
}

#[test]
fn a_settled_tree_is_still_checked_file_by_file() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    // The first generation is where this spec settles: its manifest names
    // the next run's inputs, and that run has nothing to do.
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(manifest.contains("inputs = "), "{manifest}");
    repo.age_files();
    let settled = repo.tree();
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    assert_eq!(repo.tree(), settled, "nothing is rewritten");

    // What that run trusts is the tree as recorded: a file deleted, or a
    // temporary file an interrupted run left, sends it the whole way.
    fs::remove_file(repo.path("policies/reports.trust.json")).unwrap();
    let check = repo.eksgrant(&["generate", "--check"]);
    assert_exit(&check, 1);
    let diff = String::from_utf8_lossy(&check.stdout);
    assert!(
        diff.contains("create policies/reports.trust.json"),
        "{diff}"
    );
    let repaired = repo.eksgrant(&["generate"]);
    assert!(
        stderr(&repaired).contains("1 created"),
        "{}",
        stderr(&repaired)
    );
    assert_eq!(repo.contents(), {
        let again = repo.eksgrant(&["generate"]);
        assert_exit(&again, 0);
        repo.contents()
    });
}

#[test]
fn a_spec_edit_that_changes_no_file_updates_only_the_manifest() {
    let repo = Repo::new(&format!("{BASE}{REPORTS}"));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    repo.age_files();
    let before = repo.tree();

    // A comment: every generated file stays; `--check` agrees, since the
    // tree is what the spec generates.
    repo.write_spec(&format!("# reviewed\n{BASE}{REPORTS}"));
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("0 created, 0 updated, 0 deleted"),
        "{}",
        stderr(&output)
    );
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    assert_eq!(repo.tree(), settled, "nothing is rewritten any more");

    // A file edited by hand is noticed although the inputs are the same.
    fs::write(repo.path("terraform/outputs.tf"), "# mine\n").unwrap();
    let edited = repo.eksgrant(&["generate"]);
    assert_exit(&edited, 2);
    assert!(
        unwrapped(&edited).contains("terraform/outputs.tf: edited by hand"),
        "{}",
        unwrapped(&edited)
    );
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 1);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(
        message.contains("eksgrant::kms_key")
            && message.contains("cluster platform would change the key of its Secrets")
            && message.contains("the last generation used the key eksgrant created")
            && message.contains("keep the created key"),
        "{message}"
    );

    // Nor turn the encryption off: the provider would replace the cluster.
    repo.write_spec(&created_cluster("secrets_encryption = false"));
    let output = repo.eksgrant(&["generate", "--check"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("would turn off the encryption of its Secrets"),
        "{}",
        stderr(&output)
    );
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    assert!(!overview(&repo).contains(rewrite), "{}", overview(&repo));

    // Turning both on: the Secrets written before are rewritten after the
    // apply; no log group exists, since no log was sent.
    repo.write_spec(&created_cluster(""));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let text = overview(&repo);
    assert!(
        text.contains(rewrite)
            && text.contains("kubectl --context platform get secrets --all-namespaces -o json"),
        "{text}"
    );
    assert!(!text.contains(import), "{text}");

    // Until the generation is said to be applied, the rewrite stays;
    // then it goes.
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    assert!(overview(&repo).contains(rewrite), "{}", overview(&repo));
    assert_exit(&repo.eksgrant(&["generate", "--applied"]), 0);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let text = overview(&repo);
    assert!(text.contains(import) && text.contains(rewrite), "{text}");
}

#[test]
fn day_two_changes_switch_modes_in_order_revoke_what_goes_and_say_so() {
    let (admin_role, admin_policy) = (CLUSTER_ADMIN_ROLE, CLUSTER_ADMIN_ACCESS_POLICY);
    let repo = Repo::new(&day_two("CONFIG_MAP", admin_role, "edit", true));
    let first = repo.eksgrant(&["generate"]);
    assert_exit(&first, 0);
    // A first generation changes nobody's access against anything.
    assert!(!stderr(&first).contains("access of"), "{}", stderr(&first));
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(
        manifest.contains(r#""RoleBinding apps/eksgrant:ci:edit""#)
            && manifest.contains(r#""ConfigMap kube-system/aws-auth""#),
        "{manifest}"
    );

    // To API_AND_CONFIG_MAP, CI narrowed, the developer gone. ops keeps
    // cluster-admin, through an access entry now rather than aws-auth.
    repo.write_spec(&day_two("API_AND_CONFIG_MAP", admin_role, "view", false));
    let second = repo.eksgrant(&["generate"]);
    assert_exit(&second, 0);
    assert!(
        stderr(&second).contains(
            "eksgrant: access of ci, ops changed; dev removed; cluster prod moves from CONFIG_MAP to API_AND_CONFIG_MAP; 2 Kubernetes objects on prod to revoke (RoleBinding apps/eksgrant:ci:edit, RoleBinding apps/eksgrant:dev:view)."
        ),
        "{}",
        stderr(&second)
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
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
    // Regenerated before anyone said it was applied: the switch and the
    // revocations stay listed, the tree as it was, the check still green.
    let again = repo.eksgrant(&["generate"]);
    assert_exit(&again, 0);
    assert_eq!(overview(), access);
    assert!(!stderr(&again).contains("access of"), "{}", stderr(&again));
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
    // Once it was applied, saying so drops them, and nothing else changes.
    let applied = repo.eksgrant(&["generate", "--applied"]);
    assert_exit(&applied, 0);
    assert!(
        !overview().contains("metadata.name=eksgrant:ci:edit")
            && !overview().contains("authenticationMode=API_AND_CONFIG_MAP"),
        "{}",
        overview()
    );
    assert!(
        stderr(&applied).contains("1 updated"),
        "{}",
        stderr(&applied)
    );
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);

    // To API, ops moving from its binding to the access policy: the switch
    // after Terraform, checking EKS's entry of the managed node group first;
    // the binding and aws-auth revoked last.
    repo.write_spec(&day_two("API", admin_policy, "view", false));
    let third = repo.eksgrant(&["generate"]);
    assert_exit(&third, 0);
    assert!(
        stderr(&third).contains("access of ops changed; cluster prod moves from API_AND_CONFIG_MAP to API; 2 Kubernetes objects on prod to revoke (ClusterRoleBinding eksgrant:ops:cluster-admin, ConfigMap kube-system/aws-auth)."),
        "{}",
        stderr(&third)
    );
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let path = repo.path(".eksgrant-manifest.toml");
    let manifest = fs::read_to_string(&path).unwrap();
    let older: String = manifest
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("objects = ") && !line.starts_with("inputs = "))
        .collect();
    assert_ne!(older, manifest);
    fs::write(&path, older).unwrap();

    repo.write_spec(&day_two("API", admin_policy, "view", false));
    let output = repo.eksgrant(&["generate"]);
    assert_exit(&output, 0);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap();
    assert!(manifest.contains("inputs = "), "{manifest}");
    assert_exit(&repo.eksgrant(&["generate", "--check"]), 0);
    let again = repo.eksgrant(&["generate"]);
    assert!(stderr(&again).contains("0 updated"), "{}", stderr(&again));
}

#[test]
fn a_cluster_that_left_under_a_key_now_another_s_is_revoked_in_a_context_of_its_own() {
    let (admin_role, admin_policy) = (CLUSTER_ADMIN_ROLE, CLUSTER_ADMIN_ACCESS_POLICY);
    let repo = Repo::new(&day_two("API", admin_policy, "edit", false));
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    // The key `prod` now names another EKS cluster.
    let renamed = day_two("API", admin_role, "edit", false)
        .replace("[clusters.prod]\n", "[clusters.prod]\nname = \"prod-2\"\n");
    repo.write_spec(&renamed);
    assert_exit(&repo.eksgrant(&["generate"]), 0);
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
    assert_exit(&repo.eksgrant(&["generate"]), 0);
    // Another run, of a spec with one workload more, holds the lock.
    repo.write_spec(&format!("{spec}{REPORTS}"));
    let other = repo.stalled_generate(2);
    repo.write_spec(&spec);
    let kept = repo.eksgrant(&["generate"]);
    other.kill();
    assert_exit(&kept, 2);
    let text = unwrapped(&kept);
    let warning = text.find("eksgrant::iam_wildcard").expect(&text);
    let locked = text.find("another run is writing").expect(&text);
    assert!(warning < locked, "{text}");
}
