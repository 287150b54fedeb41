//! `--help` of eksgrant and of every command, snapshotted
//! (tests/snapshots/help@<command>.snap), so that a change to the help text
//! is reviewed like any other.

use assert_cmd::Command;

use crate::support::{assert_exit, settings};

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
    let output = Command::cargo_bin("eksgrant")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(words)
        .arg("--help")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    String::from_utf8(output.stdout).unwrap()
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
