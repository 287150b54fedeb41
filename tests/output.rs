//! How the binary prints around its work: `--color` and the environment's
//! colour variables, `--quiet`, `--version`, shell completions and manual
//! pages.

use crate::support::{self, BASE, Eksgrant, Run};
use std::fs;
use std::path::Path;

/// eksgrant with none of the colour variables set, whatever the caller's
/// environment holds.
fn eksgrant() -> Eksgrant {
    support::eksgrant()
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
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
        .run()
        .code(2);
    never.stderr_has("eksgrant::unknown_cluster");
    assert!(
        !has_escapes(never.stderr().as_bytes()),
        "{}",
        never.stderr()
    );

    // On a pipe, and with NO_COLOR set: the flag wins.
    eksgrant()
        .args(["validate", &spec, "--color=always"])
        .env("NO_COLOR", "1")
        .run()
        .code(2)
        .stderr_has("eksgrant::unknown_cluster")
        .stderr_has("\x1b[");
}

#[test]
fn auto_colour_follows_no_color_then_force_color() {
    let (_dir, spec) = invalid_spec();
    let run = |env: &[(&str, &str)]| -> Run {
        eksgrant()
            .args(["validate", &spec])
            .envs(env.iter().copied())
            .run()
            .code(2)
    };
    // Not a terminal: no colour unless the environment forces it.
    assert!(!has_escapes(run(&[]).stderr().as_bytes()));
    assert!(has_escapes(
        run(&[("FORCE_COLOR", "1")]).stderr().as_bytes()
    ));
    assert!(has_escapes(
        run(&[("CLICOLOR_FORCE", "1")]).stderr().as_bytes()
    ));
    assert!(!has_escapes(
        run(&[("FORCE_COLOR", "0")]).stderr().as_bytes()
    ));
    // NO_COLOR turns colour off even when FORCE_COLOR would turn it on.
    let both = run(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]);
    assert!(!has_escapes(both.stderr().as_bytes()), "{}", both.stderr());
    both.stderr_has("eksgrant::unknown_cluster");
}

#[test]
fn check_colours_its_diff_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("eksgrant.toml");
    fs::write(&spec, BASE).unwrap();
    let generate = |args: &[&str]| eksgrant().arg("generate").arg(&spec).args(args).run();
    generate(&[]).success();
    fs::write(
        &spec,
        BASE.replace(
            "[clusters.platform]",
            "[clusters.platform]\nname = \"platform-eu\"",
        ),
    )
    .unwrap();

    let plain = generate(&["--check", "--color", "never"]).code(1);
    let text = plain.stdout();
    assert!(!has_escapes(text.as_bytes()), "{text}");
    plain.stdout_has("\n--- a/ACCESS.md\n+++ b/ACCESS.md\n@@ ");
    let removed = text
        .lines()
        .find(|l| l.starts_with('-') && !l.starts_with("---"))
        .unwrap();
    let added = text
        .lines()
        .find(|l| l.starts_with('+') && !l.starts_with("+++"))
        .unwrap();

    let coloured = generate(&["--check", "--color", "always"]).code(1);
    coloured
        .stdout_has("\x1b[1m--- a/ACCESS.md\x1b[0m\n")
        .stdout_has(&format!("\x1b[31m{removed}\x1b[0m\n"))
        .stdout_has(&format!("\x1b[32m{added}\x1b[0m\n"))
        .stdout_has("\x1b[36m@@ ")
        // The listing before the diff is not coloured.
        .stdout_starts_with("update ACCESS.md\n");
    let text = coloured.stdout();
    // Uncoloured, it is the same text.
    let stripped = text
        .replace("\x1b[1m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[0m", "");
    let plain = generate(&["--check", "--color", "never"]);
    assert_eq!(stripped, plain.stdout());
}

#[test]
fn quiet_silences_the_summary_but_not_warnings_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_with_a_warning(dir.path());
    eksgrant()
        .args(["validate", &spec])
        .run()
        .success()
        .stderr_has("is valid: 1 cluster");

    for args in [
        &["-q", "validate", &spec][..],
        &["validate", &spec, "--quiet"][..],
    ] {
        eksgrant()
            .args(args)
            .run()
            .success()
            .stderr_has("`lsit` is not a Kubernetes verb")
            .stderr_lacks("is valid");
    }

    let out = dir.path().join("out");
    let generate = |extra: &[&str]| {
        eksgrant()
            .args(["generate", "-q", &spec, "--out"])
            .arg(&out)
            .args(extra)
            .run()
    };
    let written = generate(&[]).success();
    assert!(out.join("ACCESS.md").is_file());
    written.stderr_has("eksgrant::unknown_verb");
    written.stderr_lacks("created");
    let current = generate(&["--check"]).success();
    current.stderr_lacks("up to date");

    eksgrant()
        .args(["init", "-q"])
        .arg(dir.path().join("new.toml"))
        .run()
        .success()
        .stderr_empty();

    let (_dir, invalid) = invalid_spec();
    eksgrant()
        .args(["-q", "validate", &invalid])
        .run()
        .code(2)
        .stderr_has("cluster `nope` is not defined");
}

#[test]
fn version_is_an_option_of_eksgrant_only() {
    for flag in ["-V", "--version"] {
        eksgrant()
            .arg(flag)
            .run()
            .success()
            .stdout_is(&format!("eksgrant {}\n", env!("CARGO_PKG_VERSION")));
        for command in [
            &["generate"][..],
            &["validate"][..],
            &["import", "aws-auth"][..],
        ] {
            eksgrant()
                .args(command)
                .arg(flag)
                .run()
                .code(2)
                .stderr_has(&format!("unexpected argument '{flag}'"));
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
        let output = eksgrant().args(["completions", shell]).run().success();
        output.stdout_has(marker);
        let script = output.stdout();
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
    let bash = eksgrant().args(["completions", "bash"]).run();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("eksgrant.bash");
    fs::write(&script, bash.stdout()).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output();
    if let Ok(syntax) = syntax {
        Run::new("bash -n eksgrant.bash", syntax).success();
    }
    eksgrant().args(["completions", "tcsh"]).run().code(2);
}

/// A manual page, and what groff (when there is one) says of it.
fn man(args: &[&str]) -> String {
    let page = eksgrant()
        .arg("man")
        .args(args)
        .run()
        .success()
        .stdout()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.1");
    fs::write(&file, &page).unwrap();
    if let Ok(groff) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
    {
        Run::new(format!("groff on the page of {args:?}"), groff)
            .success()
            .stderr_empty();
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

    eksgrant()
        .args(["man", "import", "eks"])
        .run()
        .code(2)
        .stderr_has("`eksgrant import` has no command `eks`; its commands are: aws-auth");
}
