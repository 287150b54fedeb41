//! The spec file as read from disk, kept whole so that every diagnostic can
//! quote the line it is about.

mod lines;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use lines::LineIndex;

/// A spec file: where it came from, the name diagnostics show, and its text.
///
/// Cloning is cheap (one shared allocation): diagnostics each hold a clone
/// so they can render snippets long after parsing is over. It is miette's
/// [`SourceCode`] itself, locating spans through a line index made the
/// first time a diagnostic needs one, so a clean spec never pays for it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    /// The path as diagnostics show it.
    name: String,
    text: Box<str>,
    lines: OnceLock<LineIndex>,
}

/// What to do about a spec that does not exist: `eksgrant init` writes
/// one, at the path given unless that is the default.
fn init_help(path: &Path) -> String {
    let init = if path == Path::new("eksgrant.toml") {
        "eksgrant init".to_string()
    } else {
        format!(
            "eksgrant init {}",
            crate::text::shell_word(&path.display().to_string())
        )
    };
    format!("run `{init}` to write a starter spec there, or give the path of an existing spec")
}

impl SourceFile {
    /// Reads `path` from disk. A file that is not UTF-8 is reported at its
    /// first byte that is not, with the line it is on.
    pub fn read(path: &Path) -> crate::Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                crate::Error::NoSpec {
                    path: path.to_path_buf(),
                    source,
                    help: init_help(path),
                }
            } else {
                crate::Error::Io {
                    action: "read the spec",
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Wraps a spec's bytes read from elsewhere (`git show`), checked as
    /// [`SourceFile::read`] checks a file: bytes that are not UTF-8 are
    /// reported at the first that is not; `path` is what diagnostics show.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> crate::Result<Self> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(path, text)),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let byte = error.as_bytes()[offset];
                // The replacement character stands where the bad byte was.
                let shown = Self::new(path, String::from_utf8_lossy(error.as_bytes()));
                let mut problem = crate::Problem::error(
                    &shown,
                    crate::Code::Encoding,
                    offset..offset + '\u{FFFD}'.len_utf8(),
                    format!("the spec is not UTF-8: byte {offset} is 0x{byte:02X}"),
                );
                problem.label("not UTF-8").help(
                    "TOML files are UTF-8: save the spec as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
                );
                Err(crate::Error::Syntax(Box::new(problem)))
            }
        }
    }

    /// Wraps text that is already in memory; `path` is what diagnostics show.
    pub fn new(path: &Path, text: impl Into<Box<str>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                name: path.display().to_string(),
                text: text.into(),
                lines: OnceLock::new(),
            }),
        }
    }

    /// The path the file was read from.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        &self.shared.text
    }

    fn lines(&self) -> &LineIndex {
        self.shared
            .lines
            .get_or_init(|| LineIndex::new(self.text()))
    }

    /// The line and column (both from 1; the column counts characters, as
    /// Unicode scalar values) of a byte offset, as diagnostics show it. An
    /// offset past the end is the end; one inside a character is that
    /// character.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.lines().line(offset);
        let start = self.lines().start(line);
        (line + 1, text[start..offset].chars().count() + 1)
    }

    /// The length in bytes of the longest line `range` touches (the lines
    /// it starts and ends on included whole).
    pub fn longest_line(&self, range: Range<usize>) -> usize {
        let lines = self.lines();
        let first = lines.line(range.start);
        let last = lines.line(range.end.max(range.start));
        (first..=last)
            .map(|line| lines.end(line) - lines.start(line))
            .max()
            .unwrap_or(0)
    }
}

/// miette's snippets, cut from the lines around a span instead of from a
/// scan of the whole text.
///
/// The lines are handed to miette's own reader for bytes, so a snippet is
/// what it would cut from the whole file; only the line numbers are moved
/// by the lines before them. One thing differs: `line_count` is the lines
/// the snippet covers, as [`SpanContents::line_count`] documents. miette's
/// reader counts every line from the start of the file, and its report
/// then merges the snippets of two labels whenever the second lies within
/// that many lines of the first, quoting everything between them (a
/// duplicate defined 400 lines after the first printed 400 lines).
impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let lines = self.lines();
        // A line more than the context on each side, which miette's reader
        // may look at: a span whose last byte ends its line makes it take
        // the next line as the span's own, and an empty span at the very
        // start of what it is given is read as ending there.
        let first = lines
            .line(span.offset())
            .saturating_sub(context_lines_before + 1);
        let last_byte = (span.offset() + span.len())
            .saturating_sub(1)
            .max(span.offset());
        let last = lines.line(last_byte) + context_lines_after + 1;
        let window = lines.start(first)..lines.start(last + 1);
        let bytes = &self.text().as_bytes()[window.clone()];
        let within = SourceSpan::new((span.offset() - window.start).into(), span.len());
        let cut = bytes.read_span(&within, context_lines_before, context_lines_after)?;
        let start = window.start + cut.span().offset();
        let length = cut.span().len();
        let covered = lines.line(start + length.saturating_sub(1)) - lines.line(start) + 1;
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.shared.name.clone(),
                cut.data(),
                SourceSpan::new(start.into(), length),
                first + cut.line(),
                cut.column(),
                covered,
            )
            .with_language("toml"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use miette::{Diagnostic as _, GraphicalReportHandler, GraphicalTheme};

    use super::*;
    use crate::{Code, Problem};

    /// Each span's snippet, as the index cuts it and as miette's reader
    /// cuts it from the whole text: the same bytes at the same place, on
    /// the same line and column.
    #[test]
    fn snippets_are_what_miettes_reader_cuts_from_the_whole_text() {
        // CRLF, a lone CR (which miette counts as a line break), a
        // character of two bytes, empty lines, no final newline.
        let text = "a = 1\r\n\n[t]\nb = \"é\"\n\nc = [\r  1,\n]\nlast";
        let source = SourceFile::new(Path::new("s.toml"), text);
        for offset in 0..=text.len() {
            for len in [0, 1, 3, 9] {
                for context in 0..3 {
                    let span = SourceSpan::new(offset.into(), len);
                    let whole = text.as_bytes().read_span(&span, context, context);
                    let cut = source.read_span(&span, context, context);
                    let (whole, cut) = match (whole, cut) {
                        (Ok(whole), Ok(cut)) => (whole, cut),
                        (Err(_), Err(_)) => continue,
                        _ => panic!("only one reader failed at {offset}+{len}"),
                    };
                    let at = format!("{offset}+{len}, context {context}");
                    assert_eq!(cut.data(), whole.data(), "{at}");
                    assert_eq!(cut.span(), whole.span(), "{at}");
                    assert_eq!(
                        (cut.line(), cut.column()),
                        (whole.line(), whole.column()),
                        "{at}"
                    );
                    assert_eq!(cut.name(), Some("s.toml"));
                }
            }
        }
    }

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let source = SourceFile::new(Path::new("s.toml"), "a = 1\nb = \"é\"x\n");
        assert_eq!(source.position(0), (1, 1));
        assert_eq!(source.position(6), (2, 1));
        // After the two bytes of é, one character further.
        assert_eq!(source.position(13), (2, 7));
        // Inside é is é; past the end is the end.
        assert_eq!(source.position(12), (2, 6));
        assert_eq!(source.position(99), (3, 1));
    }

    /// Two labels 400 lines apart are two snippets of a few lines each,
    /// not one quoting the 400 lines between them.
    #[test]
    fn labels_far_apart_are_quoted_apart() {
        let mut text = String::from("[a]\nx = 1\n");
        text.push_str(&"\n".repeat(400));
        text.push_str("[b]\nx = 1\n");
        let source = SourceFile::new(Path::new("s.toml"), text.as_str());
        let second = text.rfind("[b]").unwrap();
        let mut problem = Problem::error(&source, Code::Syntax, second..second + 3, "twice");
        problem.also(0..3, "first");
        let mut report = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .render_report(&mut report, &problem)
            .unwrap();
        assert!(report.lines().count() < 25, "{report}");
        assert!(
            report.contains("s.toml:1:1") && report.contains("s.toml:403:1"),
            "{report}"
        );
        assert!(problem.source_code().is_some());
    }
}
