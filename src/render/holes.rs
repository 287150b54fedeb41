//! Large pieces of a document made before its template renders.
//!
//! ACCESS.md's tables of an organisation are megabytes of rows, rendered a
//! few hundred at a time (see `overview`). Handed to the document's
//! template as values, each would be copied into the template's context
//! and again into its output, which then grows to the document's size by
//! doubling: three copies of every row at the peak of a run. Instead the
//! template gets a short marker where each piece goes, and [`Holes::fill`]
//! puts the pieces in place once, into a text of the document's exact size.
//!
//! A marker is a number between two U+0001 characters. No generated text
//! holds that character otherwise: the spec refuses control characters in
//! every string (see `spec::characters`), and templates write none.

use crate::error::{Error, Result};

/// What encloses a marker's number.
const EDGE: char = '\u{1}';

/// The pieces waiting for their places in one document.
#[derive(Default)]
pub(super) struct Holes {
    pieces: Vec<String>,
}

impl Holes {
    /// The marker to hand the template where `piece` goes: empty for an
    /// empty piece, so that `{% if %}` on it reads as it would on the piece.
    pub(super) fn hole(&mut self, piece: String) -> String {
        if piece.is_empty() {
            return piece;
        }
        let marker = format!("{EDGE}{}{EDGE}", self.pieces.len());
        self.pieces.push(piece);
        marker
    }

    /// `rendered` with each marker replaced by its piece. Every piece must
    /// have been placed exactly once: anything else is a bug in a template
    /// of eksgrant's, reported against `path`.
    pub(super) fn fill(mut self, path: &str, rendered: &str) -> Result<String> {
        let bug = |message: String| Error::Output {
            path: path.to_string(),
            kind: "template",
            message,
        };
        let size = rendered.len() + self.pieces.iter().map(String::len).sum::<usize>();
        let mut text = String::with_capacity(size);
        let mut placed = vec![false; self.pieces.len()];
        let mut rest = rendered;
        while let Some(start) = rest.find(EDGE) {
            text.push_str(&rest[..start]);
            let after = &rest[start + EDGE.len_utf8()..];
            let at = rendered.len() - rest.len() + start;
            let misplaced = || bug(format!("a misplaced marker at byte {at}"));
            let end = after.find(EDGE).ok_or_else(misplaced)?;
            let index = after[..end]
                .parse::<usize>()
                .ok()
                .filter(|&index| index < self.pieces.len() && !placed[index])
                .ok_or_else(misplaced)?;
            placed[index] = true;
            // Each piece is freed as soon as it is copied.
            text.push_str(&std::mem::take(&mut self.pieces[index]));
            rest = &after[end + EDGE.len_utf8()..];
        }
        text.push_str(rest);
        match placed.iter().position(|placed| !placed) {
            Some(index) => Err(bug(format!("piece {index} has no place in the template"))),
            None => Ok(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_go_where_their_markers_are() {
        let mut holes = Holes::default();
        let rows = holes.hole("| a |\n| b |\n".to_string());
        assert_eq!(
            holes.hole(String::new()),
            "",
            "an empty piece has no marker"
        );
        let picture = holes.hole("flowchart LR\n".to_string());
        let rendered = format!("# Doc\n{picture}\n## Rows\n{rows}end\n");
        assert_eq!(
            holes.fill("ACCESS.md", &rendered).unwrap(),
            "# Doc\nflowchart LR\n\n## Rows\n| a |\n| b |\nend\n"
        );
    }

    #[test]
    fn a_piece_placed_twice_or_never_is_a_bug() {
        let mut holes = Holes::default();
        let marker = holes.hole("x".to_string());
        let twice = holes
            .fill("ACCESS.md", &format!("{marker}{marker}"))
            .unwrap_err();
        assert!(twice.to_string().contains("ACCESS.md"), "{twice}");

        let mut holes = Holes::default();
        holes.hole("x".to_string());
        let never = holes.fill("ACCESS.md", "no marker").unwrap_err();
        assert!(format!("{never:?}").contains("no place"), "{never:?}");

        let mut holes = Holes::default();
        holes.hole("x".to_string());
        let broken = holes.fill("ACCESS.md", "\u{1}0").unwrap_err();
        assert!(
            format!("{broken:?}").contains("misplaced marker"),
            "{broken:?}"
        );
    }
}
