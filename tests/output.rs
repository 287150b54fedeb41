//! How the binary prints around its work: `--color` and the environment's
//! colour variables, `--quiet`, `--version`, shell completions and manual
//! pages.

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use crate::support::{BASE, assert_exit, stderr};

/// eksgrant with none of the colour variables set, whatever the caller's
/// environment holds.
fn eksgrant() -> Command {
    let mut command = Command::cargo_bin("eksgrant").unwrap();
    command
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("EKSGRANT_TEST_STALL_AFTER");
    command
}

/// A spec with two errors, in a temporary directory.
fn invalid_spec() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("eksgrant.toml");
    fs::write(
        &spec,
        format!(
            "{BASE}\n[[principals.admins.grants]]\ncluster = \"nope\"\ncluster_role = \"view\"\n"
        ),
    )
    .unwrap();
    (dir, spec.display().to_string())
}

/// [`BASE`] with one warning: a verb Kubernetes does not have.
fn spec_with_a_warning(dir: &Path) -> String {
    let spec = dir.join("eksgrant.toml");
    fs::write(
        &spec,
        format!(
            "{BASE}\n[[principals.admins.grants]]\ncluster = \"platform\"\nnamespaces = [\"web\"]\n\
             rules = [{{ api_groups = [\"\"], resources = [\"pods\"], verbs = [\"lsit\"] }}]\n"
        ),
    )
    .unwrap();
    spec.display().to_string()
}

fn has_escapes(text: &[u8]) -> bool {
    text.contains(&0x1b)
}

#[test]
fn color_never_and_always_decide_whatever_the_environment_says() {
    let (_dir, spec) = invalid_spec();
    let never = eksgrant()
        .args(["--color", "never", "validate", &spec])
        .env("FORCE_COLOR", "1")
        .output()
        .unwrap();
    assert_exit(&never, 2);
    assert!(stderr(&never).contains("eksgrant::unknown_cluster"));
    assert!(!has_escapes(&never.stderr), "{}", stderr(&never));

    // On a pipe, and with NO_COLOR set: the flag wins.
    let always = eksgrant()
        .args(["validate", &spec, "--color=always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_exit(&always, 2);
    assert!(stderr(&always).contains("eksgrant::unknown_cluster"));
    assert!(stderr(&always).contains("\x1b["), "{}", stderr(&always));
}

#[test]
fn auto_colour_follows_no_color_then_force_color() {
    let (_dir, spec) = invalid_spec();
    let run = |env: &[(&str, &str)]| -> Output {
        let output = eksgrant()
            .args(["validate", &spec])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert_exit(&output, 2);
        output
    };
    // Not a terminal: no colour unless the environment forces it.
    assert!(!has_escapes(&run(&[]).stderr));
    assert!(has_escapes(&run(&[("FORCE_COLOR", "1")]).stderr));
    assert!(has_escapes(&run(&[("CLICOLOR_FORCE", "1")]).stderr));
    assert!(!has_escapes(&run(&[("FORCE_COLOR", "0")]).stderr));
    // NO_COLOR turns colour off even when FORCE_COLOR would turn it on.
    let both = run(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]);
    assert!(!has_escapes(&both.stderr), "{}", stderr(&both));
    assert!(stderr(&both).contains("eksgrant::unknown_cluster"));
}

#[test]
fn check_colours_its_diff_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("eksgrant.toml");
    fs::write(&spec, BASE).unwrap();
    let generate = |args: &[&str]| {
        eksgrant()
            .arg("generate")
            .arg(&spec)
            .args(args)
            .output()
            .unwrap()
    };
    assert_exit(&generate(&[]), 0);
    fs::write(
        &spec,
        BASE.replace(
            "[clusters.platform]",
            "[clusters.platform]\nname = \"platform-eu\"",
        ),
    )
    .unwrap();

    let plain = generate(&["--check", "--color", "never"]);
    assert_exit(&plain, 1);
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(!has_escapes(text.as_bytes()), "{text}");
    assert!(
        text.contains("\n--- a/ACCESS.md\n+++ b/ACCESS.md\n@@ "),
        "{text}"
    );
    let removed = text
        .lines()
        .find(|l| l.starts_with('-') && !l.starts_with("---"))
        .unwrap();
    let added = text
        .lines()
        .find(|l| l.starts_with('+') && !l.starts_with("+++"))
        .unwrap();

    let coloured = generate(&["--check", "--color", "always"]);
    assert_exit(&coloured, 1);
    let text = String::from_utf8(coloured.stdout).unwrap();
    assert!(text.contains("\x1b[1m--- a/ACCESS.md\x1b[0m\n"), "{text}");
    assert!(
        text.contains(&format!("\x1b[31m{removed}\x1b[0m\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("\x1b[32m{added}\x1b[0m\n")),
        "{text}"
    );
    assert!(text.contains("\x1b[36m@@ "), "{text}");
    // The listing before the diff is not coloured.
    assert!(text.starts_with("update ACCESS.md\n"), "{text}");
    // Uncoloured, it is the same text.
    let stripped = text
        .replace("\x1b[1m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[0m", "");
    let plain = generate(&["--check", "--color", "never"]);
    assert_eq!(stripped, String::from_utf8(plain.stdout).unwrap());
}

#[test]
fn quiet_silences_the_summary_but_not_warnings_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_a_warning(dir.path());
    let loud = eksgrant().args(["validate", &spec]).output().unwrap();
    assert_exit(&loud, 0);
    assert!(
        stderr(&loud).contains("is valid: 1 cluster"),
        "{}",
        stderr(&loud)
    );

    for args in [
        &["-q", "validate", &spec][..],
        &["validate", &spec, "--quiet"][..],
    ] {
        let quiet = eksgrant().args(args).output().unwrap();
        assert_exit(&quiet, 0);
        assert!(
            stderr(&quiet).contains("`lsit` is not a Kubernetes verb"),
            "{}",
            stderr(&quiet)
        );
        assert!(!stderr(&quiet).contains("is valid"), "{}", stderr(&quiet));
    }

    let out = dir.path().join("out");
    let generate = |extra: &[&str]| {
        eksgrant()
            .args(["generate", "-q", &spec, "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let written = generate(&[]);
    assert_exit(&written, 0);
    assert!(out.join("ACCESS.md").is_file());
    assert!(
        stderr(&written).contains("eksgrant::unknown_verb"),
        "{}",
        stderr(&written)
    );
    assert!(
        !stderr(&written).contains("created"),
        "{}",
        stderr(&written)
    );
    let current = generate(&["--check"]);
    assert_exit(&current, 0);
    assert!(
        !stderr(&current).contains("up to date"),
        "{}",
        stderr(&current)
    );

    let init = eksgrant()
        .args(["init", "-q"])
        .arg(dir.path().join("new.toml"))
        .output()
        .unwrap();
    assert_exit(&init, 0);
    assert!(init.stderr.is_empty(), "{}", stderr(&init));

    let (_dir, invalid) = invalid_spec();
    let failed = eksgrant()
        .args(["-q", "validate", &invalid])
        .output()
        .unwrap();
    assert_exit(&failed, 2);
    assert!(
        stderr(&failed).contains("cluster `nope` is not defined"),
        "{}",
        stderr(&failed)
    );
}

#[test]
fn version_is_an_option_of_eksgrant_only() {
    for flag in ["-V", "--version"] {
        let top = eksgrant().arg(flag).output().unwrap();
        assert_exit(&top, 0);
        assert_eq!(
            String::from_utf8(top.stdout).unwrap(),
            format!("eksgrant {}\n", env!("CARGO_PKG_VERSION"))
        );
        for command in [
            &["generate"][..],
            &["validate"][..],
            &["import", "aws-auth"][..],
        ] {
            let output = eksgrant().args(command).arg(flag).output().unwrap();
            assert_exit(&output, 2);
            assert!(
                stderr(&output).contains(&format!("unexpected argument '{flag}'")),
                "{command:?}: {}",
                stderr(&output)
            );
        }
    }
}

#[test]
fn completions_are_a_script_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _eksgrant"),
        ("zsh", "#compdef eksgrant"),
        ("fish", "complete -c eksgrant"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[eksgrant]"),
    ] {
        let output = eksgrant().args(["completions", shell]).output().unwrap();
        assert_exit(&output, 0);
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        for word in [
            "generate",
            "--deny-warnings",
            "--color",
            "sarif",
            "aws-auth",
        ] {
            // fish names a long option without its dashes: `-l deny-warnings`.
            let word = if shell == "fish" {
                word.trim_start_matches('-')
            } else {
                word
            };
            assert!(script.contains(word), "{shell} does not complete {word}");
        }
    }
    let bash = eksgrant().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("eksgrant.bash");
    fs::write(&script, &bash.stdout).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output();
    if let Ok(syntax) = syntax {
        assert_exit(&syntax, 0);
    }
    assert_exit(
        &eksgrant().args(["completions", "tcsh"]).output().unwrap(),
        2,
    );
}

/// A manual page, and what groff (when there is one) says of it.
fn man(args: &[&str]) -> String {
    let output = eksgrant().arg("man").args(args).output().unwrap();
    assert_exit(&output, 0);
    let page = String::from_utf8(output.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.1");
    fs::write(&file, &page).unwrap();
    if let Ok(groff) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
    {
        assert_exit(&groff, 0);
        assert!(groff.stderr.is_empty(), "{args:?}: {}", stderr(&groff));
    }
    page
}

#[test]
fn man_prints_one_page_with_every_command_or_a_command_of_its_own() {
    let page = man(&[]);
    assert!(page.starts_with(".TH eksgrant 1 "), "{page}");
    let headings: Vec<&str> = page.lines().filter(|l| l.starts_with(".SH ")).collect();
    assert_eq!(
        headings,
        [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH OPTIONS",
            ".SH \"GLOBAL OPTIONS\"",
            ".SH SUBCOMMANDS",
            ".SH \"EKSGRANT GENERATE\"",
            ".SH \"EKSGRANT VALIDATE\"",
            ".SH \"EKSGRANT INIT\"",
            ".SH \"EKSGRANT IMPORT\"",
            ".SH \"EKSGRANT IMPORT AWS\\-AUTH\"",
            ".SH \"EKSGRANT EXPLAIN\"",
            ".SH \"EKSGRANT DIFF\"",
            ".SH \"EKSGRANT EXPLAIN\\-CODE\"",
            ".SH \"EKSGRANT PRESETS\"",
            ".SH \"EKSGRANT SCHEMA\"",
            ".SH \"EKSGRANT COMPLETIONS\"",
            ".SH \"EKSGRANT MAN\"",
            ".SH VERSION",
        ]
    );
    // The global options are described once, at the top.
    assert_eq!(
        page.matches("\\fB\\-\\-color\\fR \\fI<WHEN>\\fR").count(),
        1
    );
    assert!(page.contains("\\fB\\-\\-deny\\-warnings\\fR\n"), "{page}");
    assert!(page.contains("\\fBeksgrant explain\\-code\\fR\n"), "{page}");

    let generate = man(&["generate"]);
    assert!(
        generate.starts_with(".TH eksgrant-generate 1 "),
        "{generate}"
    );
    assert!(generate.contains("\\fB\\-\\-check\\fR"), "{generate}");
    let import = man(&["import", "aws-auth"]);
    assert!(
        import.starts_with(".TH eksgrant-import-aws-auth 1 "),
        "{import}"
    );
    assert!(import.contains("\\fB\\-\\-mode\\fR"), "{import}");

    let unknown = eksgrant().args(["man", "import", "eks"]).output().unwrap();
    assert_exit(&unknown, 2);
    assert!(
        stderr(&unknown)
            .contains("`eksgrant import` has no command `eks`; its commands are: aws-auth"),
        "{}",
        stderr(&unknown)
    );
}
