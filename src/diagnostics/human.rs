//! The human form of a spec's problems: grouped by code, errors first and
//! then warnings from the most dangerous, each code's occurrences past the
//! first few counted instead of quoted.
//!
//! A spec the size of an organisation can have thousands of warnings of a
//! few codes; printed one after another they fill tens of thousands of
//! lines and the one that matters scrolls away. The thresholds follow
//! rustc, which tells each explanation once (a lint's "on by default" note
//! goes with its first occurrence only) and never lists more than a few
//! alternatives: up to [`MAX_SUGGESTIONS`] candidates, the limit of its
//! suggestions, and when a list is cut it says how many it left out, and
//! never cuts one item alone (nine candidates print whole, ten print eight
//! and "and 2 others"). cargo and cargo-deny count what they do not show
//! (cargo's "generated 5 warnings (2 duplicates)", cargo-deny's statistics
//! include what `--log-level` hides): here too nothing is hidden without its
//! count. The JSON and SARIF forms list every occurrence.
//!
//! [`MAX_SUGGESTIONS`]: https://github.com/rust-lang/rust/blob/000293fb6271d9c2b5bfb1bf4f99b2462a826769/compiler/rustc_errors/src/emitter.rs

use std::fmt::{self, Write as _};

use miette::{Diagnostic, Severity};

use crate::code::Code;
use crate::error::Problem;
use crate::text::{count, shown_of};

/// The occurrences of one code, in the order they were found.
#[derive(Debug)]
pub struct Group<'a> {
    /// The code they share.
    pub code: Code,
    /// Every occurrence.
    pub problems: Vec<&'a Problem>,
}

impl Group<'_> {
    /// How many of the occurrences are shown in full: every one with
    /// `every`, else as [`shown_of`] cuts a list (all of at most 4, rustc's
    /// limit of suggestions it lists; else 3, so that what is left out is
    /// never a single occurrence).
    pub fn shown(&self, every: bool) -> usize {
        if every {
            self.problems.len()
        } else {
            shown_of(self.problems.len())
        }
    }

    fn is_error(&self) -> bool {
        self.problems[0].is_error()
    }

    /// "3 warnings", "1 error".
    fn counted(&self) -> String {
        let noun = if self.is_error() { "error" } else { "warning" };
        count(self.problems.len(), noun)
    }
}

/// The problems by code: errors first, in the order their codes first
/// appear, then warnings from the most dangerous
/// ([`Code::WARNINGS_BY_DANGER`]).
pub fn groups(problems: &[Problem]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for problem in problems {
        let code = problem.diagnostic_code();
        match groups
            .iter_mut()
            .find(|group| group.code == code && group.is_error() == problem.is_error())
        {
            Some(group) => group.problems.push(problem),
            None => groups.push(Group {
                code,
                problems: vec![problem],
            }),
        }
    }
    let rank = |group: &Group<'_>| {
        if group.is_error() {
            0
        } else {
            1 + Code::WARNINGS_BY_DANGER
                .iter()
                .position(|code| *code == group.code)
                .unwrap_or(Code::WARNINGS_BY_DANGER.len())
        }
    };
    // Stable: errors keep the order their codes first appear in.
    groups.sort_by_key(rank);
    groups
}

/// The report: each group's occurrences as `draw` draws them; a code cut
/// short introduced by what it means and how to fix it, and followed by
/// how many more there are (both drawn as diagnostics of their own, so
/// they look and wrap as the rest); then, when anything was cut, one line
/// with every code's count.
pub fn report(
    problems: &[Problem],
    every: bool,
    mut draw: impl FnMut(&dyn Diagnostic) -> String,
) -> String {
    let groups = groups(problems);
    let mut out = String::new();
    let mut cut = false;
    for group in &groups {
        let shown = group.shown(every);
        let hidden = group.problems.len() - shown;
        let severity = if group.is_error() {
            Severity::Error
        } else {
            Severity::Warning
        };
        let explanation = group.code.explain();
        if hidden > 0 {
            cut = true;
            out.push_str(&draw(&Note {
                code: group.code,
                severity,
                message: format!(
                    "{}, the first {shown} below: {}",
                    group.counted(),
                    explanation.meaning
                ),
                help: explanation.fix.to_string(),
            }));
        }
        for problem in &group.problems[..shown] {
            out.push_str(&draw(*problem));
        }
        if hidden > 0 {
            out.push_str(&draw(&Note {
                code: group.code,
                severity: Severity::Advice,
                message: format!(
                    "{hidden} more {} not shown",
                    if group.is_error() {
                        "errors"
                    } else {
                        "warnings"
                    }
                ),
                help: rest_help(group.code),
            }));
        }
    }
    if cut {
        out.push_str(&tally(&groups, every));
    }
    out
}

/// A part of the report that is about a code rather than one place in the
/// spec.
#[derive(Debug)]
struct Note {
    code: Code,
    severity: Severity,
    message: String,
    help: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Note {}

impl Diagnostic for Note {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

/// Where the occurrences not shown are, and for a lint how to acknowledge
/// one that is meant.
fn rest_help(code: Code) -> String {
    let mut help = String::from("--show-all prints them, --format json lists them all");
    if code.lint_scope().is_some() {
        let _ = write!(
            help,
            "; allow = [\"{}\"] on an item acknowledges one on purpose",
            code.short_name()
        );
    }
    help
}

/// "eksgrant: 2 errors (2 unknown_cluster) and 2313 warnings (1889
/// secrets_read, ...); 2304 not shown, ...".
fn tally(groups: &[Group<'_>], every: bool) -> String {
    let part = |errors: bool| {
        let groups: Vec<&Group<'_>> = groups.iter().filter(|g| g.is_error() == errors).collect();
        let total = groups.iter().map(|g| g.problems.len()).sum();
        (total > 0).then(|| {
            let codes: Vec<String> = groups
                .iter()
                .map(|g| format!("{} {}", g.problems.len(), g.code.short_name()))
                .collect();
            let noun = if errors { "error" } else { "warning" };
            format!("{} ({})", count(total, noun), codes.join(", "))
        })
    };
    let parts: Vec<String> = [part(true), part(false)].into_iter().flatten().collect();
    let hidden: usize = groups
        .iter()
        .map(|g| g.problems.len() - g.shown(every))
        .sum();
    format!(
        "eksgrant: {}; {hidden} not shown above (--show-all prints them)\n",
        parts.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::source::SourceFile;

    fn problems(codes: &[(Code, bool, usize)]) -> Vec<Problem> {
        let source = SourceFile::new(Path::new("s.toml"), "x = 1\n");
        let mut all = Vec::new();
        for &(code, error, n) in codes {
            for i in 0..n {
                let message = format!("{} {i}", code.short_name());
                all.push(if error {
                    Problem::error(&source, code, 0..1, message)
                } else {
                    Problem::warning(&source, code, 0..1, message)
                });
            }
        }
        all
    }

    /// The message, in brackets for an occurrence and in braces for a
    /// note about a code, with the help of a note.
    fn render(diagnostic: &dyn Diagnostic) -> String {
        match diagnostic.source_code() {
            Some(_) => format!("[{diagnostic}]\n"),
            None => format!("{{{diagnostic}}} {}\n", diagnostic.help().unwrap()),
        }
    }

    #[test]
    fn few_occurrences_are_all_shown_as_before() {
        let all = problems(&[
            (Code::IdleWorkload, false, 4),
            (Code::SecretsRead, false, 1),
        ]);
        let report = report(&all, false, render);
        assert_eq!(
            report,
            "[secrets_read 0]\n[idle_workload 0]\n[idle_workload 1]\n[idle_workload 2]\n[idle_workload 3]\n"
        );
    }

    #[test]
    fn many_occurrences_show_the_first_three_and_count_the_rest() {
        let all = problems(&[
            (Code::SecretsRead, false, 1889),
            (Code::UnknownCluster, true, 2),
            (Code::WorkloadClusterAdmin, false, 5),
        ]);
        let report = report(&all, false, render);
        let shown: Vec<&str> = report
            .lines()
            .filter(|line| line.starts_with('['))
            .collect();
        // Errors first, then the most dangerous warning.
        assert_eq!(
            shown,
            [
                "[unknown_cluster 0]",
                "[unknown_cluster 1]",
                "[workload_cluster_admin 0]",
                "[workload_cluster_admin 1]",
                "[workload_cluster_admin 2]",
                "[secrets_read 0]",
                "[secrets_read 1]",
                "[secrets_read 2]",
            ]
        );
        let explanation = Code::SecretsRead.explain();
        assert!(report.contains(&format!(
            "{{1889 warnings, the first 3 below: {}}} {}\n[secrets_read 0]\n",
            explanation.meaning, explanation.fix
        )));
        assert!(report.contains(
            "[secrets_read 2]\n{1886 more warnings not shown} --show-all prints them, --format json lists them all; allow = [\"secrets_read\"] on an item acknowledges one on purpose\n"
        ));
        assert!(report.contains("[workload_cluster_admin 2]\n{2 more warnings not shown}"));
        assert!(report.ends_with(
            "eksgrant: 2 errors (2 unknown_cluster) and 1894 warnings (5 workload_cluster_admin, 1889 secrets_read); 1888 not shown above (--show-all prints them)\n"
        ));
    }

    #[test]
    fn every_occurrence_is_shown_on_request() {
        let all = problems(&[(Code::SecretsRead, false, 50)]);
        let report = report(&all, true, render);
        assert_eq!(report.lines().count(), 50);
    }
}
