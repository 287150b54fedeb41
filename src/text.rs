//! Text eksgrant writes or reads in more than one place: counted words and
//! cut lists for messages, "did you mean", one word of a shell command, and
//! where the strings of JSON and HCL are.

use std::fmt::Write as _;

/// `1 cluster`, `2 clusters`: a count with its noun, for messages.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many of a list are shown when not all are: names in a message, a
/// code's occurrences in the human report.
pub const FEW: usize = 3;

/// How many of `count` items to show: all of them when there are at most
/// one more than [`FEW`] (a count never stands for one item), else
/// [`FEW`]. A message, or a report, then does not grow with the spec.
pub fn shown_of(count: usize) -> usize {
    if count <= FEW + 1 { count } else { FEW }
}

/// The first of `names` and how many more there are of `count`, as
/// [`shown_of`] cuts them: "a, b, c and 17 more".
pub(crate) fn first_few(names: &[String], count: usize, conjunction: &str) -> String {
    let shown = shown_of(count).min(names.len());
    match (&names[..shown], count - shown) {
        ([], _) => String::new(),
        ([one], 0) => one.clone(),
        ([before @ .., last], 0) => format!("{} {conjunction} {last}", before.join(", ")),
        (list, rest) => format!("{} {conjunction} {rest} more", list.join(", ")),
    }
}

/// Each character of `text`, with whether it belongs to a double-quoted
/// string (its quotes included), where a backslash escapes the character
/// after it: the strings of JSON and of HCL.
pub(crate) fn quoted_chars(text: &str) -> impl Iterator<Item = (char, bool)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    text.chars().map(move |c| {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            (c, true)
        } else {
            in_string = c == '"';
            (c, in_string)
        }
    })
}

/// A Markdown code span that shows `s` exactly, outside a table:
/// fenced with one backtick more than the longest run of backticks in it,
/// and with a space inside each fence when `s` starts or ends with a
/// backtick or a space, as CommonMark strips one from each side. A line
/// break, which a span shows as a space, becomes one; the commands spans
/// hold are one line already (see [`shell_word`]).
pub(crate) fn code_span(s: &str) -> String {
    let s = s.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// One word for a POSIX shell command line, on one line: as it is when it
/// has no character the shell would interpret; single-quoted otherwise; and
/// with a line break or another control character, `$'...'`-quoted (POSIX
/// since 2024, and bash, zsh and ksh long before), whose escapes keep the
/// word on one line where a Markdown code span or a terminal shows it.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        return s.to_string();
    }
    if !s.chars().any(char::is_control) {
        return format!("'{}'", s.replace('\'', "'\\''"));
    }
    let mut word = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => word.push_str("\\\\"),
            '\'' => word.push_str("\\'"),
            '\n' => word.push_str("\\n"),
            '\r' => word.push_str("\\r"),
            '\t' => word.push_str("\\t"),
            c if c.is_control() && c.is_ascii() => {
                let _ = write!(word, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(word, "\\u{:04x}", c as u32);
            }
            c => word.push(c),
        }
    }
    word.push('\'');
    word
}

/// The candidate closest to `input`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                // Optimal string alignment: a swap of two neighbours is one
                // edit, since `lsit` for `list` is the typical typo.
                strsim::osa_distance(&input.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// The styles eksgrant colours a terminal's text with (anstyle's, as clap
/// draws help): written `{style}text{style:#}`, the `#` resetting.
pub(crate) mod style {
    use anstyle::{AnsiColor, Style};

    /// A file's header in a diff.
    pub(crate) const HEADER: Style = Style::new().bold();
    /// A hunk's header in a diff.
    pub(crate) const HUNK: Style = AnsiColor::Cyan.on_default();
    /// An added line, a permission gained.
    pub(crate) const GAIN: Style = AnsiColor::Green.on_default();
    /// A removed line, a permission lost.
    pub(crate) const LOSS: Style = AnsiColor::Red.on_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_names_are_listed_and_the_rest_counted() {
        let names: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        assert_eq!(first_few(&names[..1], 1, "or"), "a");
        assert_eq!(first_few(&names[..2], 2, "and"), "a and b");
        // Four are all named: a count never stands for one name.
        assert_eq!(first_few(&names[..4], 4, "or"), "a, b, c or d");
        assert_eq!(first_few(&names, 5, "and"), "a, b, c and 2 more");
        assert_eq!(first_few(&names[..4], 1000, "or"), "a, b, c or 997 more");
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("eu-west-2"), "eu-west-2");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's $(x)"), "'it'\\''s $(x)'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a\nb's"), "$'a\\nb\\'s'");
    }

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            closest("workloads", ["workload", "platform"]),
            Some("workload")
        );
        assert_eq!(
            closest("extrnal-dns", ["external-dns", "cert-manager"]),
            Some("external-dns")
        );
        assert_eq!(
            closest("AmazonEKSClusterAdmin", ["AmazonEKSClusterAdminPolicy"]),
            Some("AmazonEKSClusterAdminPolicy")
        );
        assert_eq!(closest("zzz", ["platform"]), None);
        assert_eq!(closest("lsit", ["get", "list", "watch"]), Some("list"));
    }
}
