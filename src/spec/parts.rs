//! Reading an organisation's spec a piece at a time.
//!
//! `toml` parses a document into a tree of every key and value before serde
//! sees any of it, and on the way holds every token and parser event: for
//! an organisation's spec, forty times its size at once, the largest
//! allocation of a whole run. But a spec is mostly `[clusters.<key>]`,
//! `[workloads.<key>]` and `[principals.<key>]` sections, each entry's
//! together; a run of such sections is a TOML document of its own, and
//! parses to the same values, at the same places once its spans are moved
//! by where it starts.
//!
//! So [`parse`] cuts the text at its table headers (found with `toml`'s own
//! lexer), parses the pieces on every core, each into the spec's types as
//! soon as it is parsed, and puts the spec together in document order. It
//! answers only when it can answer exactly as the whole document would. A
//! spec it cannot cut safely (an entry's or a table's sections apart, a
//! quoted key in a header, a `[workloads]` table, a key above the tables
//! naming one of them), or a piece with an error or a refused character,
//! is left to the whole-document parse, which reports every problem as it
//! always has.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml_parser::lexer::TokenKind;

use super::{Cluster, Principal, Spanned, Spec, Workload};
use crate::source::SourceFile;

/// The tables whose entries are read a piece at a time: the maps that grow
/// with an organisation.
const ENTRY_TABLES: [&str; 3] = ["clusters", "workloads", "principals"];

/// How many bytes of entries a piece gathers before the next entry starts
/// another: enough that parsing is not mostly setting up, small enough that
/// a piece's tree is small.
const PIECE: usize = 64 << 10;

/// The spec, read in pieces; `None` when that cannot be done exactly (see
/// the module's documentation): the caller then parses the whole document.
pub(super) fn parse(source: &SourceFile) -> Option<Spec> {
    let pieces = pieces(source.text())?;
    let parsed = crate::parallel::chunks_weighed(
        &pieces,
        |piece| piece.range.len(),
        || (),
        |(), chunk| {
            chunk
                .iter()
                .map(|piece| piece.parse(source))
                .collect::<Option<Vec<Parsed<'_>>>>()
        },
    );
    let mut head = DeTable::new();
    // Each entry table's entries, in document order, with the span the
    // whole document gives the table (that of its first section's).
    let mut entries: IndexMap<&str, (Range<usize>, Entries)> = IndexMap::new();
    for part in parsed {
        for parsed in part? {
            match parsed {
                Parsed::Head(table) => {
                    for (key, value) in table {
                        if head.contains_key(key.get_ref().as_ref()) {
                            return None;
                        }
                        head.insert(key, value);
                    }
                }
                Parsed::Entries(span, more) => match entries.get_mut(more.table()) {
                    Some((_, all)) => all.extend(more)?,
                    None => {
                        entries.insert(more.table(), (span, more));
                    }
                },
            }
        }
    }
    // Each entry table goes into the head as an empty table with its span,
    // so that the spec's shape is checked as a whole; its entries go in
    // after, in order.
    for (table, (span, _)) in &entries {
        if head.contains_key(*table) {
            return None;
        }
        head.insert(
            TomlSpanned::new(span.clone(), Cow::Borrowed(*table)),
            TomlSpanned::new(span.clone(), DeValue::Table(DeTable::new())),
        );
    }
    let whole = TomlSpanned::new(0..source.text().len(), head);
    let mut spec = Spec::deserialize(toml::de::Deserializer::from(whole)).ok()?;
    for (_, entries) in entries.into_values() {
        match entries {
            Entries::Clusters(list) => {
                let span = spec.clusters.span();
                let empty = Spanned::new(span.clone(), IndexMap::new());
                let mut clusters = std::mem::replace(&mut spec.clusters, empty).into_inner();
                fill(&mut clusters, list)?;
                spec.clusters = Spanned::new(span, clusters);
            }
            Entries::Workloads(list) => fill(&mut spec.workloads, list)?,
            Entries::Principals(list) => fill(&mut spec.principals, list)?,
        }
    }
    Some(spec)
}

/// Adds entries to a table of the spec; `None` when a key repeats one.
fn fill<T>(map: &mut IndexMap<Spanned<String>, T>, list: Vec<(Spanned<String>, T)>) -> Option<()> {
    map.reserve(list.len());
    for (key, value) in list {
        if map.insert(key, value).is_some() {
            return None;
        }
    }
    Some(())
}

/// Entries of one of [`ENTRY_TABLES`], in the spec's types.
enum Entries {
    Clusters(Vec<(Spanned<String>, Cluster)>),
    Workloads(Vec<(Spanned<String>, Workload)>),
    Principals(Vec<(Spanned<String>, Principal)>),
}

impl Entries {
    /// The entries of `table` (one of [`ENTRY_TABLES`]); `None` when one
    /// does not deserialise.
    fn of(table: &str, entries: DeTable<'_>) -> Option<Entries> {
        Some(match table {
            "clusters" => Entries::Clusters(typed(entries)?),
            "workloads" => Entries::Workloads(typed(entries)?),
            "principals" => Entries::Principals(typed(entries)?),
            _ => unreachable!("only the entry tables are read in pieces"),
        })
    }

    fn table(&self) -> &'static str {
        match self {
            Entries::Clusters(_) => "clusters",
            Entries::Workloads(_) => "workloads",
            Entries::Principals(_) => "principals",
        }
    }

    /// Appends `more`, entries of the same table.
    fn extend(&mut self, more: Entries) -> Option<()> {
        match (self, more) {
            (Entries::Clusters(all), Entries::Clusters(more)) => all.extend(more),
            (Entries::Workloads(all), Entries::Workloads(more)) => all.extend(more),
            (Entries::Principals(all), Entries::Principals(more)) => all.extend(more),
            _ => return None,
        }
        Some(())
    }
}

/// Every entry of a parsed table as a `T`; `None` when one does not
/// deserialise.
fn typed<T: DeserializeOwned>(entries: DeTable<'_>) -> Option<Vec<(Spanned<String>, T)>> {
    entries
        .into_iter()
        .map(|(key, value)| {
            let value = T::deserialize(ValueDeserializer::from(value)).ok()?;
            Some((
                Spanned::new(key.span(), key.into_inner().into_owned()),
                value,
            ))
        })
        .collect()
}

/// A piece, parsed.
enum Parsed<'i> {
    /// Top-level keys and tables that are not read in pieces.
    Head(DeTable<'i>),
    /// Entries of one of [`ENTRY_TABLES`], and the span the piece gives
    /// that table.
    Entries(Range<usize>, Entries),
}

/// A run of sections, where the spec's text is cut.
struct Piece {
    /// Where it is in the spec.
    range: Range<usize>,
    /// The entry table all its sections are in, or `None` for the head.
    table: Option<&'static str>,
}

impl Piece {
    /// The piece parsed, with spans where they are in the spec; `None` when
    /// it has an error or a character the spec refuses, or is not what its
    /// headers said.
    fn parse<'i>(&self, source: &'i SourceFile) -> Option<Parsed<'i>> {
        let text = &source.text()[self.range.clone()];
        let document = DeTable::parse(text).ok()?.into_inner();
        let table = shift_table(document, self.range.start);
        if !super::characters::check(source, &table).is_empty() {
            return None;
        }
        let Some(name) = self.table else {
            return Some(Parsed::Head(table));
        };
        let mut top = table.into_iter();
        let (key, value) = top.next()?;
        if top.next().is_some() || key.get_ref() != name {
            return None;
        }
        let span = value.span();
        let DeValue::Table(entries) = value.into_inner() else {
            return None;
        };
        Some(Parsed::Entries(span, Entries::of(name, entries)?))
    }
}

/// The spec's text cut into pieces that tile it: the text above the first
/// table header and the sections of other tables make head pieces; the
/// sections of the entries of [`ENTRY_TABLES`] make pieces of about
/// [`PIECE`] bytes, never cutting an entry. `None` when the text cannot be
/// cut so that every piece parses as the whole document would.
fn pieces(text: &str) -> Option<Vec<Piece>> {
    let headers = headers(text)?;
    let first = headers.first().map_or(text.len(), |header| header.start);
    let mut pieces = vec![Piece {
        range: 0..first,
        table: None,
    }];
    // Each entry, and each other table, by its first keys: its sections
    // must follow each other, or a piece would hold only some of them.
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut current = None;
    for (i, header) in headers.iter().enumerate() {
        let end = headers.get(i + 1).map_or(text.len(), |next| next.start);
        let first = header.path[0];
        let table = ENTRY_TABLES.into_iter().find(|table| *table == first);
        let group = match (table, header.path.get(1)) {
            // `[workloads]`: its keys could belong to any entry.
            (Some(_), None) => return None,
            (Some(_), Some(key)) => (first, *key),
            (None, _) => (first, ""),
        };
        let same = current == Some(group);
        if !same && !seen.insert(group) {
            return None;
        }
        current = Some(group);
        let last = pieces.last_mut().expect("the piece above the tables");
        if last.table == table && (same || table.is_none() || last.range.len() < PIECE) {
            last.range.end = end;
        } else {
            pieces.push(Piece {
                range: header.start..end,
                table,
            });
        }
    }
    Some(pieces)
}

/// A table header: where its `[` is, and its keys.
struct Header<'t> {
    start: usize,
    path: Vec<&'t str>,
}

/// Every table header of `text`, in order, found with `toml`'s lexer: a `[`
/// (or `[[`) first on its line and outside any value. `None` for a header
/// with a quoted key, or that does not lex as one.
fn headers(text: &str) -> Option<Vec<Header<'_>>> {
    let mut headers = Vec::new();
    let mut tokens = toml_parser::Source::new(text)
        .lex()
        .filter(|token| !matches!(token.kind(), TokenKind::Whitespace | TokenKind::Comment))
        .peekable();
    // Brackets and braces open in a value, and whether the line has had
    // anything but whitespace and comments yet.
    let (mut depth, mut line_start) = (0_usize, true);
    while let Some(token) = tokens.next() {
        match token.kind() {
            TokenKind::Eof => break,
            TokenKind::Newline => line_start |= depth == 0,
            TokenKind::LeftSquareBracket if line_start && depth == 0 => {
                let array = tokens
                    .next_if(|t| t.kind() == TokenKind::LeftSquareBracket)
                    .is_some();
                let mut path = Vec::new();
                loop {
                    let key = tokens.next_if(|t| t.kind() == TokenKind::Atom)?;
                    path.push(&text[key.span().start()..key.span().end()]);
                    match tokens.next()?.kind() {
                        TokenKind::Dot => {}
                        TokenKind::RightSquareBracket => break,
                        _ => return None,
                    }
                }
                if array {
                    tokens.next_if(|t| t.kind() == TokenKind::RightSquareBracket)?;
                }
                headers.push(Header {
                    start: token.span().start(),
                    path,
                });
                line_start = false;
            }
            kind => {
                line_start = false;
                match kind {
                    TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
                    TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                        depth = depth.checked_sub(1)?;
                    }
                    _ => {}
                }
            }
        }
    }
    Some(headers)
}

/// `table` with every span moved `by` bytes: a piece's spans count from
/// its start.
fn shift_table(table: DeTable<'_>, by: usize) -> DeTable<'_> {
    table
        .into_iter()
        .map(|(key, value)| (shift(key, by, |key| key), shift_value(value, by)))
        .collect()
}

fn shift_value(value: TomlSpanned<DeValue<'_>>, by: usize) -> TomlSpanned<DeValue<'_>> {
    shift(value, by, |value| match value {
        DeValue::Table(table) => DeValue::Table(shift_table(table, by)),
        DeValue::Array(items) => DeValue::Array(
            items
                .into_iter()
                .map(|item| shift_value(item, by))
                .collect(),
        ),
        scalar => scalar,
    })
}

/// A spanned value moved `by` bytes, its inside moved by `inner`.
fn shift<T>(spanned: TomlSpanned<T>, by: usize, inner: impl FnOnce(T) -> T) -> TomlSpanned<T> {
    let span = spanned.span();
    TomlSpanned::new(span.start + by..span.end + by, inner(spanned.into_inner()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile::new(Path::new("spec.toml"), text)
    }

    /// The spec as the whole-document parse reads it, spans included.
    fn whole(source: &SourceFile) -> String {
        format!("{:?}", Spec::parse_whole(source).unwrap().0)
    }

    /// Every spec of the repository that parses: the examples, the cases,
    /// and the specs of invalid models, warnings and lints.
    fn every_spec() -> Vec<(String, SourceFile)> {
        let mut specs = Vec::new();
        for dir in [
            "examples",
            "tests/cases",
            "tests/invalid",
            "tests/warnings",
            "tests/lints",
        ] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    specs.push((path.display().to_string(), source(&text)));
                }
            }
        }
        specs
    }

    #[test]
    fn pieces_read_every_spec_exactly_as_the_whole_document() {
        let (mut read, mut left) = (0, 0);
        for (path, source) in every_spec() {
            let Some(spec) = parse(&source) else {
                left += 1;
                continue;
            };
            read += 1;
            assert_eq!(format!("{spec:?}"), whole(&source), "{path}");
        }
        // The specs with a syntax or shape error are left to the whole
        // document; nearly every other is read in pieces.
        assert!(read > 100 && left < read / 2, "{read} read, {left} left");
        for example in ["examples/platform-workload.toml", "examples/bootstrap.toml"] {
            let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(example))
                .unwrap();
            assert!(parse(&source(&text)).is_some(), "{example}");
        }
    }

    const HEAD: &str =
        "version = 1\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-2\"\n";

    /// A spec of `n` workloads, each in the sections a user writes, in
    /// pieces of a few entries each.
    fn workloads(n: usize) -> String {
        use std::fmt::Write as _;
        let mut text = format!("{HEAD}\n[clusters.platform]\n[clusters.edge] # the other\n");
        for i in 0..n / 2 {
            let _ = write!(
                text,
                "\n[clusters.c{i}]\noidc_issuer = \"oidc.eks.eu-west-2.amazonaws.com/id/{i:032X}\"\n"
            );
        }
        for i in 0..n {
            let _ = write!(
                text,
                "\n[workloads.w{i}]\ncluster = \"platform\"\nnamespace = \"ns{i}\"\n\
                 aws.presets = [\n  {{ name = \"external-dns\", hosted_zone_ids = [\"Z0123456789ABCDEFGHIJ\"] }},\n]\n\
                 [[workloads.w{i}.aws.statements]]\nactions = [\"s3:GetObject\"] # [not.a.header]\n\
                 resources = [\n\"arn:aws:s3:::b-{i}/*\",\n]\nsid = \"\"\"\n[not.a.header]\"\"\"\n"
            );
        }
        text
    }

    #[test]
    fn a_large_spec_is_cut_between_entries_and_reads_the_same() {
        let text = workloads(2_000);
        let pieces = pieces(&text).unwrap();
        let of = |table| pieces.iter().filter(|p| p.table == Some(table)).count();
        assert!(
            of("clusters") > 1 && of("workloads") > 3,
            "{}",
            pieces.len()
        );
        for piece in &pieces[1..] {
            let piece = &text[piece.range.clone()];
            assert!(piece.starts_with('['), "{piece}");
        }
        let source = source(&text);
        let spec = parse(&source).expect("read in pieces");
        assert_eq!(spec.workloads.len(), 2_000);
        assert_eq!(spec.clusters.len(), 1_002);
        assert_eq!(format!("{spec:?}"), whole(&source));
    }

    #[test]
    fn layouts_that_cannot_be_cut_are_left_to_the_whole_document() {
        let cluster = "\n[clusters.platform]\n";
        let workload = "\n[workloads.a]\ncluster = \"platform\"\nnamespace = \"x\"\n";
        for (why, text) in [
            (
                "an entry's sections apart",
                format!(
                    "{HEAD}{cluster}{workload}\n[workloads.b]\ncluster = \"platform\"\nnamespace = \"y\"\n\n[[workloads.a.grants]]\ncluster = \"platform\"\ncluster_role = \"view\"\n"
                ),
            ),
            (
                "a table of entries as a table",
                format!(
                    "{HEAD}{cluster}\n[workloads]\na.cluster = \"platform\"\na.namespace = \"x\"\n"
                ),
            ),
            (
                "a quoted key",
                format!(
                    "{HEAD}{cluster}\n[workloads.\"a\"]\ncluster = \"platform\"\nnamespace = \"x\"\n"
                ),
            ),
            (
                "a dotted key above the tables",
                format!(
                    "version = 1\nworkloads.b.cluster = \"platform\"\nworkloads.b.namespace = \"y\"\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-2\"\n{cluster}{workload}"
                ),
            ),
            (
                "a table's sections apart",
                format!("version = 1\n[aws]\naccount_id = \"111122223333\"\n{cluster}[aws.x]\n"),
            ),
        ] {
            let source = source(&text);
            assert!(parse(&source).is_none(), "{why}");
            // The whole document reads it, or reports it, as ever.
            assert_eq!(
                format!("{:?}", Spec::parse(&source).map(|(spec, _)| spec)),
                format!("{:?}", Spec::parse_whole(&source).map(|(spec, _)| spec)),
                "{why}"
            );
        }
    }
}
