//! Large pieces of a document, put in place after its template renders.
//!
//! ACCESS.md's tables of an organisation are megabytes of rows, rendered a
//! few hundred at a time (see `overview`). Handed to the document's
//! template as values, each would be copied into the template's context
//! and again into its output, which then grows to the document's size by
//! doubling: three copies of every row at the peak of a run. Instead the
//! template gets a short marker where each piece goes, and [`Holes::fill`]
//! writes the document once, in order, into a text sized for it: a piece
//! made beforehand (the picture) is copied into its place, and a table's
//! rows are rendered straight into theirs, so that they are never held
//! apart from the document.
//!
//! A marker is a number between two U+0001 characters. No generated text
//! holds that character otherwise: the spec refuses control characters in
//! every string (see `spec::characters`), and templates write none.

use crate::error::{Error, Result};

/// What encloses a marker's number.
const EDGE: char = '\u{1}';

/// Writes a piece at the end of the document being filled.
type Write<'a> = Box<dyn FnOnce(&mut String) -> Result<()> + 'a>;

/// One piece waiting for its place.
enum Piece<'a> {
    /// Made already.
    Text(String),
    /// Made as it is placed, of about `size` bytes.
    Written { size: usize, write: Write<'a> },
}

impl Piece<'_> {
    /// The bytes the piece adds to the document, or about as many.
    fn size(&self) -> usize {
        match self {
            Piece::Text(text) => text.len(),
            Piece::Written { size, .. } => *size,
        }
    }
}

/// The pieces waiting for their places in one document.
#[derive(Default)]
pub(super) struct Holes<'a> {
    pieces: Vec<Option<Piece<'a>>>,
}

impl<'a> Holes<'a> {
    /// The marker to hand the template where `piece` goes: empty for an
    /// empty piece, so that `{% if %}` on it reads as it would on the piece.
    pub(super) fn hole(&mut self, piece: String) -> String {
        if piece.is_empty() {
            return piece;
        }
        self.marker(Piece::Text(piece))
    }

    /// The marker to hand the template where the piece that `write`
    /// appends goes, when [`Holes::fill`] reaches it. `size` is about how
    /// long the piece is: what `fill` sets aside for it. (Set aside and
    /// never written, the room costs no memory: the system gives a page
    /// only when it is first written.)
    pub(super) fn written(
        &mut self,
        size: usize,
        write: impl FnOnce(&mut String) -> Result<()> + 'a,
    ) -> String {
        self.marker(Piece::Written {
            size,
            write: Box::new(write),
        })
    }

    fn marker(&mut self, piece: Piece<'a>) -> String {
        let marker = format!("{EDGE}{}{EDGE}", self.pieces.len());
        self.pieces.push(Some(piece));
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
        let size = rendered.len() + self.pieces.iter().flatten().map(Piece::size).sum::<usize>();
        let mut text = String::with_capacity(size);
        let mut rest = rendered;
        while let Some(start) = rest.find(EDGE) {
            text.push_str(&rest[..start]);
            let after = &rest[start + EDGE.len_utf8()..];
            let at = rendered.len() - rest.len() + start;
            let misplaced = || bug(format!("a misplaced marker at byte {at}"));
            let end = after.find(EDGE).ok_or_else(misplaced)?;
            let piece = after[..end]
                .parse::<usize>()
                .ok()
                .and_then(|index| self.pieces.get_mut(index)?.take())
                .ok_or_else(misplaced)?;
            // Each piece is freed as soon as it is in place.
            match piece {
                Piece::Text(piece) => text.push_str(&piece),
                Piece::Written { write, .. } => write(&mut text)?,
            }
            rest = &after[end + EDGE.len_utf8()..];
        }
        text.push_str(rest);
        match self.pieces.iter().position(Option::is_some) {
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
        // Written into its place, after what comes before it, with room for
        // it set aside or not.
        let more = holes.written(4, |text| {
            assert!(text.ends_with("## More\n"), "{text}");
            text.push_str("| c |\n");
            Ok(())
        });
        let no_room = holes.written(0, |text| {
            text.push_str("| d |\n");
            Ok(())
        });
        let rendered = format!("# Doc\n{picture}\n## Rows\n{rows}## More\n{more}{no_room}end\n");
        assert_eq!(
            holes.fill("ACCESS.md", &rendered).unwrap(),
            "# Doc\nflowchart LR\n\n## Rows\n| a |\n| b |\n## More\n| c |\n| d |\nend\n"
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
        holes.written(1, |_| Ok(()));
        let never = holes.fill("ACCESS.md", "no marker").unwrap_err();
        assert!(format!("{never:?}").contains("no place"), "{never:?}");

        let mut holes = Holes::default();
        let failing = holes.written(1, |_| {
            Err(Error::Output {
                path: "ACCESS.md".into(),
                kind: "template",
                message: "rows failed".into(),
            })
        });
        let failed = holes.fill("ACCESS.md", &failing).unwrap_err();
        assert!(format!("{failed:?}").contains("rows failed"), "{failed:?}");

        let mut holes = Holes::default();
        holes.hole("x".to_string());
        let broken = holes.fill("ACCESS.md", "\u{1}0").unwrap_err();
        assert!(
            format!("{broken:?}").contains("misplaced marker"),
            "{broken:?}"
        );
    }
}
