//! Words eksgrant prints in more than one place.

/// `1 cluster`, `2 clusters`: a count with its noun, for messages.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
