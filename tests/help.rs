//! `--help` of eksgrant and of every command, snapshotted
//! (tests/snapshots/help@<command>.snap), so that a change to the help text
//! is reviewed like any other.

use crate::support::{eksgrant, settings};

/// Every command, as its words on the command line.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["generate"],
    &["validate"],
    &["init"],
    &["import"],
    &["import", "aws-auth"],
    &["explain"],
    &["diff"],
    &["explain-code"],
    &["presets"],
    &["schema"],
    &["completions"],
    &["man"],
];

fn help(words: &[&str]) -> String {
    eksgrant()
        .args(words)
        .arg("--help")
        .run()
        .success()
        .stdout()
        .to_string()
}

/// The command names a help text lists under `Commands:`, but `help`.
fn listed(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn help_of_every_command() {
    settings().bind(|| {
        for words in COMMANDS {
            let text = help(words);
            // Every command a help text lists is snapshotted too.
            for name in listed(&text) {
                let mut path = words.to_vec();
                path.push(&name);
                assert!(
                    COMMANDS.contains(&path.as_slice()),
                    "{path:?} is not in COMMANDS"
                );
            }
            let name = if words.is_empty() {
                "eksgrant".to_string()
            } else {
                words.join("-")
            };
            insta::assert_snapshot!(format!("help@{name}"), text);
        }
    });
}

/// What bash's completion of `words`, the last being completed, offers:
/// the generated script is sourced and its function called as bash calls
/// it, with the words, the index of the current one, the current word and
/// the one before.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = eksgrant().args(["completions", "bash"]).run();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eksgrant.bash");
    std::fs::write(&path, &script.output().stdout).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.len() - 1;
    let call = format!(
        "source {}; COMP_WORDS=({}); COMP_CWORD={current}; _eksgrant eksgrant '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        quoted.join(" "),
        words[current],
        words[current - 1],
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &call])
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_the_import_modes_and_not_file_names() {
    assert_eq!(
        bash_completes(&["eksgrant", "import", "aws-auth", "--mode", ""]),
        ["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"]
    );
    assert_eq!(
        bash_completes(&["eksgrant", "import", "aws-auth", "--mode", "API_A"]),
        ["API_AND_CONFIG_MAP"]
    );
}
