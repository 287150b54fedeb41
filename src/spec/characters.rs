//! Strings no output format can carry.
//!
//! Every string of the spec may end up in YAML, HCL, IAM JSON or Markdown.
//! The escaping filters can write any character HCL and JSON allow, but
//! YAML cannot hold the Unicode non-characters (U+FFFE, U+FFFF and the rest)
//! at all, and no real value (an ARN, a name, a tag, a condition value) has
//! a control character in it: one there is a copy-paste accident or an
//! attempt to smuggle something past a reviewer. So both are refused here,
//! at their line in the spec, before anything else looks at the values.

use toml::de::{DeTable, DeValue};

use crate::code::Code;
use crate::error::Problem;
use crate::source::SourceFile;

/// A problem for every key and string value in `document` holding a
/// character eksgrant refuses.
pub(super) fn check(source: &SourceFile, document: &DeTable<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_table(source, document, &mut problems);
    problems
}

fn check_table(source: &SourceFile, table: &DeTable<'_>, problems: &mut Vec<Problem>) {
    for (key, value) in table {
        check_string(source, key.get_ref(), key.span(), problems);
        check_value(source, value.get_ref(), value.span(), problems);
    }
}

fn check_value(
    source: &SourceFile,
    value: &DeValue<'_>,
    span: std::ops::Range<usize>,
    problems: &mut Vec<Problem>,
) {
    match value {
        DeValue::String(s) => check_string(source, s, span, problems),
        DeValue::Array(items) => {
            for item in items {
                check_value(source, item.get_ref(), item.span(), problems);
            }
        }
        DeValue::Table(table) => check_table(source, table, problems),
        _ => {}
    }
}

fn check_string(
    source: &SourceFile,
    s: &str,
    span: std::ops::Range<usize>,
    problems: &mut Vec<Problem>,
) {
    let Some(c) = s.chars().find(|&c| is_refused(c)) else {
        return;
    };
    let what = if c.is_control() {
        "a control character"
    } else {
        "a Unicode non-character"
    };
    let mut problem = Problem::error(
        source,
        Code::Character,
        span,
        format!("this string holds U+{:04X}, {what}", c as u32),
    );
    problem.label(format!("contains U+{:04X}", c as u32)).help(
        "remove it: generated YAML cannot hold Unicode non-characters, and no ARN, name, tag or condition value has control characters (tabs and line breaks included)",
    );
    problems.push(problem);
}

/// Control characters (C0, DEL, C1) and the 66 Unicode non-characters.
pub(crate) fn is_refused(c: char) -> bool {
    let code = c as u32;
    c.is_control() || (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_controls_and_non_characters_only() {
        for refused in [
            '\0',
            '\t',
            '\n',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{10ffff}',
        ] {
            assert!(is_refused(refused), "{:04X}", refused as u32);
        }
        for allowed in [
            ' ',
            'é',
            'ü',
            '\u{a0}',
            '\u{2028}',
            '\u{fffd}',
            '\u{1f600}',
            '\u{feff}',
        ] {
            assert!(!is_refused(allowed), "{:04X}", allowed as u32);
        }
    }
}
