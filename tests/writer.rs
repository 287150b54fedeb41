//! The writer as a hostile or careless user meets it: links committed into
//! the output directory, the spec where a generated file goes, runs killed
//! part-way with different specs, two runs at once, things in the way, and
//! inputs that used to panic. Real symbolic links and real killed processes,
//! on temporary directories.

use std::fs;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{BASE, Node, REPORTS, Repo, Run};

/// BASE with a second workload whose files differ from REPORTS'.
const INGEST: &str = r#"
[workloads.ingest]
cluster = "platform"
namespace = "pipelines"

[[workloads.ingest.aws.statements]]
actions = ["sqs:ReceiveMessage"]
resources = ["arn:aws:sqs:eu-west-2:111122223333:ingest"]
"#;

/// The staging directories at the top of `repo`, sorted, each with how many
/// files it holds.
fn staging_dirs(repo: &Repo) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> = fs::read_dir(repo.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with(".eksgrant-staging."))
        .map(|name| {
            let files = fs::read_dir(repo.path(&name)).unwrap().count();
            (name, files)
        })
        .collect();
    found.sort();
    found
}

/// Asserts that `repo` holds exactly what a fresh generation of `spec`
/// holds (its own files, the spec, `outside/`), plus `extra` user files.
fn assert_converged(repo: &Repo, spec: &str, extra: &[&str]) {
    let fresh = Repo::new(spec);
    fresh.run(&["generate"]).success();
    let mut expected = fresh.contents();
    let actual = repo.contents();
    for path in extra {
        let path = std::path::Path::new("repo").join(path);
        expected.insert(path.clone(), actual[&path].clone());
    }
    assert_eq!(actual, expected);
}

#[cfg(unix)]
mod links {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn a_link_where_a_temporary_file_used_to_go_is_neither_followed_nor_deleted() {
        let repo = Repo::new(BASE);
        repo.run(&["generate"]).success();
        // What an attacker committed against the fixed temporary names of
        // earlier versions, and a file of the user's with such a name.
        symlink(
            repo.outside().join("victim"),
            repo.path("terraform/.versions.tf.eksgrant-tmp"),
        )
        .unwrap();
        fs::write(repo.path("terraform/.providers.tf.eksgrant-tmp"), "mine\n").unwrap();
        fs::remove_file(repo.path("terraform/versions.tf")).unwrap();

        repo.run(&["generate"]).success();
        let tree = repo.tree();
        assert!(matches!(
            tree[std::path::Path::new("repo/terraform/versions.tf")],
            Node::File(..)
        ));
        assert_eq!(
            tree[std::path::Path::new("repo/terraform/.versions.tf.eksgrant-tmp")],
            Node::Link(repo.outside().join("victim"))
        );
        assert_eq!(
            fs::read_to_string(repo.path("terraform/.providers.tf.eksgrant-tmp")).unwrap(),
            "mine\n"
        );
        repo.assert_outside_untouched();
    }

    #[test]
    fn a_generated_directory_that_is_a_link_is_refused_before_anything_is_written() {
        let repo = Repo::new(BASE);
        symlink(repo.outside(), repo.path("terraform")).unwrap();
        let before = repo.tree();
        for args in [&["generate"][..], &["generate", "--force"]] {
            repo.run(args)
                .code(2)
                .unwrapped_has("terraform: a symbolic link, which eksgrant never writes, renames or deletes through (")
                .unwrapped_has("generated paths below it)")
                .unwrapped_has("even with --force");
            assert_eq!(repo.tree(), before, "nothing is written, in or outside");
        }
    }

    #[test]
    fn a_manifest_entry_below_a_link_deletes_nothing_outside() {
        let repo = Repo::new(BASE);
        repo.run(&["generate"]).success();
        // A manifest that claims a file outside, through a committed link,
        // with the hash that file really has.
        let victim = fs::read(repo.outside().join("victim")).unwrap();
        let manifest = fs::read_to_string(repo.path(".eksgrant-manifest.toml"))
            .unwrap()
            .replace(
                "[files]\n",
                &format!(
                    "[files]\n\"link/victim\" = \"{}\"\n",
                    eksgrant::sha256::hash(&victim)
                ),
            );
        fs::write(repo.path(".eksgrant-manifest.toml"), manifest).unwrap();
        symlink(repo.outside(), repo.path("link")).unwrap();
        // And a generated file replaced by a link to the same file.
        fs::remove_file(repo.path("ACCESS.md")).unwrap();
        symlink(repo.outside().join("victim"), repo.path("ACCESS.md")).unwrap();
        let before = repo.tree();

        for args in [&["generate"][..], &["generate", "--force"]] {
            repo.run(args)
                .code(2)
                .unwrapped_has(
                    "link: a symbolic link, which eksgrant never writes, renames or deletes through",
                )
                .unwrapped_has("ACCESS.md: a symbolic link, which eksgrant never");
            assert_eq!(repo.tree(), before);
        }
        repo.assert_outside_untouched();
    }
}

#[test]
fn force_never_overwrites_the_spec() {
    // The spec saved where a generated file goes.
    let repo = Repo::new(BASE);
    fs::rename(repo.path("eksgrant.toml"), repo.path("ACCESS.md")).unwrap();
    let before = repo.tree();
    repo.run(&["generate", "ACCESS.md", "--out", ".", "--force"])
        .code(2)
        .unwrapped_has("ACCESS.md: this is the spec itself");
    assert_eq!(repo.tree(), before);
    assert_eq!(fs::read_to_string(repo.path("ACCESS.md")).unwrap(), BASE);

    // The spec saved as the manifest.
    fs::rename(repo.path("ACCESS.md"), repo.path(".eksgrant-manifest.toml")).unwrap();
    repo.run(&["generate", ".eksgrant-manifest.toml", "--force"])
        .code(2)
        .unwrapped_has("it is the spec");
    assert_eq!(
        fs::read_to_string(repo.path(".eksgrant-manifest.toml")).unwrap(),
        BASE
    );
}

#[test]
fn two_killed_runs_of_different_specs_then_one_complete_run_converge_without_force() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    fs::write(repo.path("terraform/backend.tf"), "terraform {}\n").unwrap();

    // B dies after staging every file, recording what it may touch, and
    // renaming the policies, ACCESS.md and the Kubernetes objects into
    // place (30 changes); C, with another spec, dies right after recording
    // its token.
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let b = repo.stalled_generate(30);
    assert_eq!(b.before, "terraform/outputs.tf");
    b.kill();
    repo.write_spec(&format!("{BASE}{INGEST}"));
    repo.stalled_generate(3).kill();
    assert!(
        repo.path(".eksgrant-lock").is_file(),
        "a killed run leaves its lock"
    );

    // reports.permissions.json is B's now: only B's record says it is
    // eksgrant's.
    let last = format!("{BASE}{REPORTS}").replace("acme-reports", "acme-archive");
    repo.write_spec(&last);
    repo.run(&["generate"]).success();
    assert_converged(&repo, &last, &["terraform/backend.tf"]);
}

#[test]
fn a_second_run_waits_for_the_first_names_it_and_takes_over_when_it_dies() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let first = repo.stalled_generate(4);
    let before = repo.tree();

    let started = Instant::now();
    let second = repo.run(&["generate"]).code(2);
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "it waits first"
    );
    second
        .unwrapped_has("another run is writing")
        .unwrapped_has(&format!("eksgrant generate, process {}", first.id()));
    assert_eq!(repo.tree(), before, "the waiting run changes nothing");

    // A third run waits; the first is killed; the third takes its lock
    // over and finishes what it started.
    let third = repo
        .command(&["generate"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    first.kill();
    Run::new("eksgrant generate", third.wait_with_output().unwrap()).success();
    assert_converged(&repo, &format!("{BASE}{REPORTS}"), &[]);
}

#[test]
fn runs_started_together_take_turns() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    repo.write_spec(&format!("{BASE}{REPORTS}{INGEST}"));
    let runs: Vec<_> = (0..3)
        .map(|_| {
            repo.command(&["generate"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        Run::new("eksgrant generate", run.wait_with_output().unwrap()).success();
    }
    assert_converged(&repo, &format!("{BASE}{REPORTS}{INGEST}"), &[]);
}

#[test]
fn every_conflict_is_reported_at_once_before_anything_is_written() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    let providers = fs::read_to_string(repo.path("terraform/providers.tf")).unwrap();
    fs::write(repo.path("terraform/providers.tf"), providers + "# mine\n").unwrap();
    // A file where a generated directory goes, a directory where a
    // generated file goes.
    fs::write(repo.path("kubernetes"), "notes\n").unwrap();
    fs::create_dir_all(repo.path("policies/reports.trust.json")).unwrap();
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let before = repo.tree();

    let output = repo.run(&["generate"]).code(2);
    for line in [
        "refusing to change 3 paths",
        "kubernetes: `kubernetes` is a file of yours where eksgrant needs a directory (2 generated paths below it)",
        "policies/reports.trust.json: a directory where the spec generates a file",
        "terraform/providers.tf: edited by hand since eksgrant wrote it",
    ] {
        output.unwrapped_has(line);
    }
    assert_eq!(
        repo.tree(),
        before,
        "nothing is left: the files staged aside and the pending record are taken back"
    );

    repo.run(&["generate", "--force"])
        .code(2)
        .unwrapped_has("refusing to change 2 paths")
        .unwrapped_lacks("providers.tf");
    assert_eq!(repo.tree(), before);
}

#[test]
fn a_refused_run_after_a_killed_one_leaves_the_killed_runs_record_as_it_was() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    // Killed while staging: its token is recorded, its staging directory
    // holds five files.
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    repo.stalled_generate(14).kill();
    let pending = fs::read(repo.path(".eksgrant-manifest.pending.toml")).unwrap();
    let providers = fs::read_to_string(repo.path("terraform/providers.tf")).unwrap();
    fs::write(repo.path("terraform/providers.tf"), providers + "# mine\n").unwrap();
    let killed = staging_dirs(&repo);
    assert_eq!(killed.len(), 1, "{killed:?}");

    // This run stages its files, then meets the hand edit: it takes back
    // its staging directory and its token, and the killed run's stay for
    // the next run to clear.
    repo.run(&["generate"])
        .code(2)
        .unwrapped_has("terraform/providers.tf: edited by hand");
    assert_eq!(
        fs::read(repo.path(".eksgrant-manifest.pending.toml")).unwrap(),
        pending
    );
    assert_eq!(staging_dirs(&repo), killed);

    repo.run(&["generate", "--force"]).success();
    assert_converged(&repo, &format!("{BASE}{REPORTS}"), &[]);
}

#[test]
fn leftovers_of_a_killed_run_go_and_the_users_look_alikes_stay() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    let look_alikes = [
        "terraform/.providers.tf.eksgrant-tmp",
        "terraform/.x.tf.1-0123456789abcdef.eksgrant-tmp",
        ".eksgrant-manifest.toml.eksgrant-tmp",
        ".eksgrant-staging.1-0123456789abcdef/keep",
    ];
    fs::create_dir(repo.path(".eksgrant-staging.1-0123456789abcdef")).unwrap();
    for path in look_alikes {
        fs::write(repo.path(path), "mine\n").unwrap();
    }

    // Killed while staging, after five files and before the sixth: nothing
    // is in place yet.
    repo.write_spec(&format!("{BASE}{REPORTS}"));
    let stalled = repo.stalled_generate(14);
    assert_eq!(stalled.before, "terraform/outputs.tf");
    stalled.kill();
    let staging: Vec<(String, usize)> = staging_dirs(&repo)
        .into_iter()
        .filter(|(name, _)| !name.ends_with(".1-0123456789abcdef"))
        .collect();
    assert!(
        matches!(staging.as_slice(), [(_, 5)]),
        "one staging directory of five files: {staging:?}"
    );
    let staging = &staging[0].0;
    assert!(!repo.path("kubernetes").exists());

    // Back to the spec before: kubernetes/ was only ever the killed run's.
    repo.write_spec(BASE);
    repo.run(&["generate"]).success();
    assert!(!repo.path("kubernetes").exists());
    assert!(!repo.path(staging).exists());
    let mut extra = look_alikes.to_vec();
    extra.push(".eksgrant-staging.1-0123456789abcdef");
    assert_converged(&repo, BASE, &extra);
}

#[test]
fn a_huge_file_is_not_read_into_memory() {
    let repo = Repo::new(BASE);
    repo.run(&["generate"]).success();
    // Sparse: 100 GiB that take no disk.
    let huge = 100 << 30;
    fs::File::options()
        .write(true)
        .open(repo.path("ACCESS.md"))
        .unwrap()
        .set_len(huge)
        .unwrap();
    repo.run(&["generate"])
        .code(2)
        .unwrapped_has("ACCESS.md: edited by hand since eksgrant wrote it");
    repo.run(&["generate", "--force"]).success();
    assert!(fs::metadata(repo.path("ACCESS.md")).unwrap().len() < 100_000);

    fs::File::options()
        .write(true)
        .open(repo.path(".eksgrant-manifest.toml"))
        .unwrap()
        .set_len(huge)
        .unwrap();
    let output = repo.run(&["generate", "--check"]).code(2);
    output.unwrapped_has("is damaged: it is larger than 64 MiB");
}

#[test]
fn an_output_directory_that_is_a_file_is_refused_by_every_mode() {
    let repo = Repo::new(BASE);
    fs::write(repo.path("out"), "mine\n").unwrap();
    for args in [
        &["generate", "--out", "out"][..],
        &["generate", "--out", "out", "--dry-run"],
        &["generate", "--out", "out", "--check"],
    ] {
        repo.run(args)
            .code(2)
            .unwrapped_has("out: it is not a directory");
    }
    assert_eq!(fs::read_to_string(repo.path("out")).unwrap(), "mine\n");
}

#[test]
fn the_output_directory_however_spelled_gives_the_same_tree() {
    let repo = Repo::new(BASE);
    repo.run(&["generate", "--out", "."]).success();
    repo.run(&["generate", "--check"]).success();
    repo.run(&["generate", "--out", "./", "--check"]).success();
    let overview = fs::read_to_string(repo.path("ACCESS.md")).unwrap();
    assert!(
        overview.contains("run `eksgrant generate eksgrant.toml` in this directory"),
        "{overview}"
    );
}

#[test]
fn a_very_long_line_gets_its_location_not_a_panic() {
    let repo = Repo::new(BASE);
    let long = format!("{}oops = 1\n", " ".repeat(70_000));
    repo.write_spec(&BASE.replace(
        "[clusters.platform]\n",
        &format!("[clusters.platform]\n{long}"),
    ));
    repo.run(&["validate"])
        .code(2)
        .unwrapped_has("unknown field `oops`")
        .unwrapped_has("(at eksgrant.toml:8:70001; the line is too long to quote)")
        .unwrapped_lacks("panicked");
}

#[test]
fn a_closed_stdout_or_stderr_ends_quietly_with_the_usual_exit_code() {
    let repo = Repo::new(BASE);
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let run = |args: &[&str], stdout_closed: bool| {
        let mut command = repo.command(args);
        if stdout_closed {
            command.stdout(closed()).stderr(Stdio::piped());
        } else {
            command.stdout(Stdio::piped()).stderr(closed());
        }
        Run::new(
            format!("eksgrant {}", args.join(" ")),
            command.output().unwrap(),
        )
    };
    run(&["schema"], true).success();
    run(&["schema"], true).stderr_empty();
    run(&["validate"], false).success();
    run(&["generate", "--check"], true).code(1);
    run(&["generate", "--dry-run"], true).success();
    repo.write_spec("version = 2\n");
    run(&["validate"], false).code(2);
}

#[test]
fn a_spec_that_is_not_utf8_is_reported_at_its_line() {
    let repo = Repo::new(BASE);
    // A Latin-1 é in the region's value, on line 5.
    let offset = BASE.find("eu-west-2").unwrap();
    let mut bytes = BASE.as_bytes().to_vec();
    bytes.insert(offset, 0xE9);
    fs::write(repo.path("eksgrant.toml"), bytes).unwrap();
    repo.run(&["validate"])
        .code(2)
        .unwrapped_has(&format!("the spec is not UTF-8: byte {offset} is 0xE9"))
        .unwrapped_has("[eksgrant.toml:5:11]")
        .unwrapped_has("save the spec as UTF-8");
}

#[test]
fn access_md_quotes_the_spec_path_for_a_posix_shell() {
    let repo = Repo::new(BASE);
    fs::rename(repo.path("eksgrant.toml"), repo.path("it's a spec.toml")).unwrap();
    repo.run(&["generate", "it's a spec.toml", "--out", "out dir"])
        .success();
    let overview = fs::read_to_string(repo.path("out dir/ACCESS.md")).unwrap();
    assert!(
        overview.contains(
            r"run `eksgrant generate '../it'\''s a spec.toml' --out .` in this directory"
        ),
        "{overview}"
    );
}

#[test]
fn a_run_killed_as_it_makes_a_new_directory_leaves_nothing_behind() {
    // The second spec grants in a namespace the first has no file in: its
    // run makes kubernetes/platform/fresh/ before renaming a file into it.
    let grant = "\n[principals.ops]\narn = \"arn:aws:iam::111122223333:role/ops\"\n\n\
                 [[principals.ops.grants]]\ncluster = \"platform\"\nnamespaces = [\"fresh\"]\ncluster_role = \"view\"\n";
    let with_namespace = format!("{BASE}{grant}");
    let mut killed_at_the_directory = false;
    for changes in 0.. {
        let repo = Repo::new(BASE);
        repo.run(&["generate"]).success();
        repo.write_spec(&with_namespace);
        // Every change the run makes, up to its last: one run killed
        // before each.
        let stalled = match repo.try_stalled_generate(changes) {
            Ok(stalled) => stalled,
            Err((status, _)) => {
                // It finished: every change has had its kill.
                assert!(status.success(), "{status}");
                break;
            }
        };
        let before = stalled.before.clone();
        killed_at_the_directory |= before == "kubernetes/platform/fresh";
        stalled.kill();
        // Back to the spec without the namespace, then forward again: each
        // complete run leaves no temporary file, staging directory, record
        // of an interrupted run or empty directory, and the namespace's
        // directory only while the spec has it. (What the killed run may
        // have applied is carried as history, which assert_converged
        // would count as a difference: see convergence.rs.)
        for (spec, has_fresh) in [(BASE, false), (with_namespace.as_str(), true)] {
            repo.write_spec(spec);
            repo.run(&["generate"]).success();
            let tree = repo.tree();
            for (path, node) in &tree {
                let name = path.to_string_lossy();
                assert!(
                    !name.contains(".eksgrant-tmp")
                        && !name.contains(".eksgrant-staging")
                        && !name.ends_with(".pending.toml"),
                    "after a kill at {changes} ({before}): {name}"
                );
                if matches!(node, Node::Dir) {
                    let prefix = format!("{name}/");
                    assert!(
                        tree.keys()
                            .any(|p| p.to_string_lossy().starts_with(&prefix)),
                        "after a kill at {changes} ({before}): {name} is empty"
                    );
                }
            }
            assert_eq!(
                repo.path("kubernetes/platform/fresh").is_dir(),
                has_fresh,
                "after a kill at {changes} ({before})"
            );
        }
    }
    assert!(
        killed_at_the_directory,
        "no run was killed as it made the new directory"
    );
}
