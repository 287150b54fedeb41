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
}
