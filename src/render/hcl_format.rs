//! The one part of `terraform fmt` templates cannot do themselves: aligning
//! the `=` of consecutive attributes.
//!
//! Templates write `name = value` with single spaces; which attributes end up
//! next to each other depends on the spec (an optional
//! `permissions_boundary` widens its whole group), so alignment happens
//! after rendering. The rule is hclwrite's: a run of consecutive lines that
//! each hold a complete single-line assignment is aligned to its longest
//! left-hand side; a blank line, a comment, a block header, a closing bracket
//! or an assignment that opens a multi-line value ends the run.

/// Aligns the `=` of every run of single-line assignments in `text`.
/// (Into one string grown in place: at organisation scale this runs over
/// tens of megabytes of Terraform.)
pub(super) fn align_assignments(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let parsed: Vec<Option<(usize, usize)>> = lines.iter().map(|line| assignment(line)).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < lines.len() {
        if i > 0 {
            out.push('\n');
        }
        if parsed[i].is_none() {
            out.push_str(lines[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && parsed[i].is_some() {
            i += 1;
        }
        // hclwrite measures in characters, not bytes: `"é"` is 3 wide.
        let width = |line: &str, lhs_end: usize| line[..lhs_end].chars().count();
        let widest = lines[start..i]
            .iter()
            .zip(parsed[start..i].iter().flatten())
            .map(|(line, (lhs_end, _))| width(line, *lhs_end))
            .max()
            .unwrap_or(0);
        for (n, (line, (lhs_end, rhs_start))) in lines[start..i]
            .iter()
            .zip(parsed[start..i].iter().flatten())
            .enumerate()
        {
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&line[..*lhs_end]);
            for _ in width(line, *lhs_end)..widest {
                out.push(' ');
            }
            out.push_str(" = ");
            out.push_str(&line[*rhs_start..]);
        }
    }
    out
}

/// For a line `<indent><key> = <value>` whose value opens and closes its own
/// brackets, the end of `<indent><key>` and the start of `<value>`.
fn assignment(line: &str) -> Option<(usize, usize)> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") {
        return None;
    }
    let indent = line.len() - trimmed.len();
    let key_len = if trimmed.starts_with('"') {
        string_end(trimmed)?
    } else {
        trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|&n| n > 0)?
    };
    let after_key = &trimmed[key_len..];
    let spaces = after_key.len() - after_key.trim_start().len();
    let rest = after_key.trim_start();
    if !rest.starts_with('=') || rest.starts_with("==") {
        return None;
    }
    let value = rest[1..].trim_start();
    if value.is_empty() || net_brackets(value) != 0 {
        return None;
    }
    let lhs_end = indent + key_len;
    let rhs_start = line.len() - value.len();
    debug_assert!(lhs_end + spaces < rhs_start);
    Some((lhs_end, rhs_start))
}

/// The length of the quoted string at the start of `s`, quotes included.
fn string_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Opening minus closing brackets outside string literals. A `${ ... }`
/// inside a string is part of the string.
fn net_brackets(s: &str) -> i32 {
    crate::text::quoted_chars(s)
        .filter(|&(_, quoted)| !quoted)
        .map(|(c, _)| match c {
            '{' | '[' | '(' => 1,
            '}' | ']' | ')' => -1,
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_and_breaks_them_where_hclwrite_does() {
        let input = r#"resource "x" "y" {
  name = "a"
  permissions_boundary = "b"
  tags = {
    "k" = "v"
    "longer" = "w"
  }
  policy = file("${path.module}/p.json")

  nested {
    a = 1
  }
  list = ["x = y", "{"]
  ok = true
}"#;
        let expected = r#"resource "x" "y" {
  name                 = "a"
  permissions_boundary = "b"
  tags = {
    "k"      = "v"
    "longer" = "w"
  }
  policy = file("${path.module}/p.json")

  nested {
    a = 1
  }
  list = ["x = y", "{"]
  ok   = true
}"#;
        assert_eq!(align_assignments(input), expected);
    }

    #[test]
    fn comparisons_and_comments_are_not_assignments() {
        let input = "  condition = a == b\n  error_message = \"m\"\n  # x = 1\n  y = 2";
        assert_eq!(
            align_assignments(input),
            "  condition     = a == b\n  error_message = \"m\"\n  # x = 1\n  y = 2"
        );
        assert_eq!(
            align_assignments("  a == b\n  ccc = 1"),
            "  a == b\n  ccc = 1"
        );
    }

    #[test]
    fn widths_are_counted_in_characters_as_hclwrite_does() {
        // What HashiCorp's formatter makes of these lines.
        assert_eq!(
            align_assignments("    \"é\" = \"a\"\n    \"abc\" = \"b\"\n    \"日本\" = \"c\""),
            "    \"é\"   = \"a\"\n    \"abc\" = \"b\"\n    \"日本\"  = \"c\""
        );
    }

    #[test]
    fn realigns_already_aligned_text() {
        let once = align_assignments("  a = 1\n  bbb = 2");
        assert_eq!(align_assignments(&once), once);
        assert_eq!(once, "  a   = 1\n  bbb = 2");
    }
}
