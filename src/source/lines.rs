//! Where each line of a text starts, found once, so that every diagnostic
//! finds its line by a binary search instead of a scan from the start.
//!
//! Without it, locating a span costs the bytes before it, and a spec with
//! thousands of warnings is read thousands of times. Lines end at `\n` (a
//! `\r` before it stays on the line), as TOML has them, and at a `\r`
//! alone, which TOML refuses but miette's snippets and editors count as a
//! line break: a spec that has one is reported with the line numbers they
//! show.

/// The byte offset where each line starts; the first line starts at 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// The lines of `text`: a text ending in `\n` has an empty last line,
    /// as an editor shows it.
    pub(crate) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(
                text.match_indices(['\n', '\r'])
                    .filter(|&(at, found)| found == "\n" || bytes.get(at + 1) != Some(&b'\n'))
                    .map(|(at, _)| at + 1),
            )
            .collect();
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The line (from 0) holding `offset`; an offset past the end is on the
    /// last line.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// Where `line` (from 0) starts; a line past the last is the end of the
    /// text.
    pub(crate) fn start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// Where `line` ends, without its `\n`.
    pub(crate) fn end(&self, line: usize) -> usize {
        self.starts.get(line + 1).map_or(self.len, |&next| next - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_find_their_lines() {
        let index = LineIndex::new("ab\n\ncd\n");
        assert_eq!(index.starts.len(), 4);
        let lines: Vec<usize> = (0..=8).map(|offset| index.line(offset)).collect();
        // a b \n | \n | c d \n | (end), and past the end.
        assert_eq!(lines, [0, 0, 0, 1, 2, 2, 2, 3, 3]);
        assert_eq!((index.start(2), index.end(2)), (4, 6));
        assert_eq!((index.start(3), index.end(3)), (7, 7));
        assert_eq!(index.start(9), 7);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_and_one_before_a_newline_does_not() {
        let index = LineIndex::new("a\rb\r\nc");
        assert_eq!(index.starts, [0, 2, 5]);
        assert_eq!(
            (index.line(1), index.line(2), index.line(4), index.line(5)),
            (0, 1, 1, 2)
        );
    }

    #[test]
    fn a_text_without_newlines_is_one_line() {
        let index = LineIndex::new("");
        assert_eq!((index.starts.len(), index.line(0), index.end(0)), (1, 0, 0));
        let index = LineIndex::new("x = 1");
        assert_eq!((index.starts.len(), index.line(4), index.end(0)), (1, 0, 5));
    }
}
