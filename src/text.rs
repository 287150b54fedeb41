//! Words eksgrant prints in more than one place, and the one rule of text
//! it reads in more than one: where the strings of JSON and HCL are.

/// `1 cluster`, `2 clusters`: a count with its noun, for messages.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
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
