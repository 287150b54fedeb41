//! The checker every pass reports to: the list of problems and the registry
//! of generated names.
//!
//! Each pass of the model (account, clusters, subjects, grants, roles,
//! cluster access) takes the checker and the outputs of the passes before
//! it, and returns its own. A check that fails records a [`Problem`] here
//! and the pass goes on with what it could resolve, so that one typo does
//! not hide the next, and the spec's problems are all reported at once.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use crate::code::Code;
use crate::error::Problem;
use crate::source::SourceFile;

/// Problems found so far, and the names generated so far.
pub(super) struct Checker<'a> {
    source: &'a SourceFile,
    problems: Vec<Problem>,
    names: Names,
}

/// Where claims of generated names go.
enum Names {
    /// Checked as they come.
    Registry {
        /// Every generated name that must be unique, by [`name_key`] (its
        /// kind and text), with the span of the spec item that produced
        /// it. An organisation's spec claims hundreds of thousands of
        /// names: a fixed-size key instead of the text keeps the registry
        /// a fraction of its size, and a B-tree grows a node at a time where
        /// a hash table doubles, holding its old table and its new one
        /// at once, at the peak of a run (bench/README.md).
        names: BTreeMap<u128, Span>,
        /// Pairs of spec items (by span start) already reported as
        /// colliding.
        collisions: HashSet<(usize, usize)>,
    },
    /// A fork's: kept in order, each with how many problems the fork had
    /// recorded before it, for [`Checker::join`] to replay.
    Deferred(Vec<(usize, &'static str, String, Range<usize>)>),
}

impl<'a> Checker<'a> {
    /// A checker for the spec in `source`.
    pub(super) fn new(source: &'a SourceFile) -> Self {
        Checker {
            source,
            problems: Vec::new(),
            names: Names::Registry {
                names: BTreeMap::new(),
                collisions: HashSet::new(),
            },
        }
    }

    /// A checker for part of a pass that runs on another thread, or for a
    /// pass run before its turn: it records problems and claims in order,
    /// and [`Checker::join`] replays them into this one, so that what runs
    /// in parallel or early reports exactly what it would have reported
    /// run in order, in its place.
    pub(super) fn fork(&self) -> Checker<'a> {
        Checker {
            source: self.source,
            problems: Vec::new(),
            names: Names::Deferred(Vec::new()),
        }
    }

    /// `finish` of every item, shared among the cores by `weight`, each part
    /// reporting to a fork of this checker: the results in item order, and
    /// the problems and name collisions exactly those of one thread
    /// finishing the items in order. For a pass whose items are independent
    /// (each workload's role, each cluster's access).
    pub(super) fn each_on_every_core<T: Sync, R: Send>(
        &mut self,
        items: &[T],
        weight: impl Fn(&T) -> usize,
        finish: impl Fn(&mut Checker<'a>, &T) -> R + Sync,
    ) -> Vec<R> {
        let parts = crate::parallel::chunks_weighed(
            items,
            weight,
            || self.fork(),
            |mut fork, chunk| {
                let finished: Vec<R> = chunk.iter().map(|item| finish(&mut fork, item)).collect();
                (finished, fork)
            },
        );
        let mut finished = Vec::with_capacity(items.len());
        for (part, fork) in parts {
            self.join(fork);
            finished.extend(part);
        }
        finished
    }

    /// Replays what `fork` recorded, in the order it recorded it: each
    /// claim is checked here, between the problems it came between.
    pub(super) fn join(&mut self, fork: Checker<'a>) {
        let Names::Deferred(claims) = fork.names else {
            unreachable!("only a fork is joined");
        };
        let mut claims = claims.into_iter().peekable();
        for (index, problem) in fork.problems.into_iter().enumerate() {
            while let Some((_, kind, name, span)) = claims.next_if(|claim| claim.0 == index) {
                self.claim(kind, name, span);
            }
            self.problems.push(problem);
        }
        for (_, kind, name, span) in claims {
            self.claim(kind, name, span);
        }
    }

    /// Records an error at `span`; the returned problem takes a label and
    /// a help line.
    pub(super) fn error(
        &mut self,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> &mut Problem {
        self.record(Problem::error(self.source, code, span, message))
    }

    /// Records a warning at `span`: printed, but generation goes on.
    pub(super) fn warning(
        &mut self,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> &mut Problem {
        self.record(Problem::warning(self.source, code, span, message))
    }

    /// Records that the item at `second` repeats the one at `first`; `what`
    /// names them in the labels ("first workload", "second workload").
    pub(super) fn duplicate(
        &mut self,
        code: Code,
        second: Range<usize>,
        first: Range<usize>,
        what: &str,
        message: impl Into<String>,
    ) -> &mut Problem {
        let problem = self.error(code, second, message);
        problem
            .label(format!("second {what}"))
            .also(first, format!("first {what}"));
        problem
    }

    /// Claims a generated name of a kind ("IAM role", "file"...); a second
    /// claim of the same name is an error pointing at both spec items.
    pub(super) fn claim(&mut self, kind: &'static str, name: String, span: Range<usize>) {
        let (names, collisions) = match &mut self.names {
            Names::Registry { names, collisions } => (names, collisions),
            Names::Deferred(claims) => {
                claims.push((self.problems.len(), kind, name, span));
                return;
            }
        };
        let key = name_key(kind, &name);
        if let Some(first) = names.get(&key) {
            let first = first.range();
            // One report per pair of colliding spec items is enough: the
            // first name that collides explains the rest.
            if !collisions.insert((first.start, span.start)) {
                return;
            }
            self.duplicate(
                Code::NameCollision,
                span,
                first,
                "item with this name",
                format!("two things in the spec would both generate {kind} `{name}`"),
            )
            .help(if kind == "file" {
                // A file's name holds only a key: `role_name` renames no file.
                "rename one of the keys so that their files differ"
            } else {
                "rename one of the keys (or set `role_name`) so the generated names differ"
            });
        } else {
            names.insert(key, Span::of(&span));
        }
    }

    /// Everything recorded, in the order it was found.
    pub(super) fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    fn record(&mut self, problem: Problem) -> &mut Problem {
        self.problems.push(problem);
        self.problems.last_mut().expect("just pushed")
    }
}

/// Where in the spec a claim was made, in half the space of a
/// `Range<usize>`. Offsets past 4 GiB (a spec a hundred times the size of
/// an organisation's, which would not resolve in memory) point at 4 GiB:
/// the collision is still reported, at the wrong line.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(range: &Range<usize>) -> Self {
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        Span {
            start: offset(range.start),
            end: offset(range.end),
        }
    }

    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// The registry's key for a name of `kind`: the first 128 bits of the
/// SHA-256 of both. Two different names sharing a key is a chance of one in
/// 2^128 per pair, far below any spec's.
fn name_key(kind: &str, name: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(kind)
        .chain_update([0])
        .chain_update(name)
        .finalize();
    u128::from_le_bytes(digest[..16].try_into().expect("a SHA-256 has 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One part of a pass: problems and claims, in order.
    fn part(checker: &mut Checker<'_>, steps: &[(&str, usize)]) {
        for &(what, at) in steps {
            match what.strip_prefix("claim ") {
                Some(name) => checker.claim("IAM role", name.to_string(), at..at + 1),
                None => {
                    checker.error(Code::Syntax, at..at + 1, what);
                }
            }
        }
    }

    #[test]
    fn forks_joined_in_order_report_what_one_checker_would() {
        let source = SourceFile::new(std::path::Path::new("spec.toml"), "x".repeat(400));
        let first: &[(&str, usize)] = &[
            ("problem one", 1),
            ("claim a", 5),
            ("problem two", 6),
            ("claim b", 10),
        ];
        let second: &[(&str, usize)] = &[("claim b", 20), ("problem three", 21), ("claim a", 30)];

        let mut one = Checker::new(&source);
        one.claim("IAM role", "a".into(), 0..1);
        part(&mut one, first);
        part(&mut one, second);

        let mut joined = Checker::new(&source);
        joined.claim("IAM role", "a".into(), 0..1);
        let (mut fork_one, mut fork_two) = (joined.fork(), joined.fork());
        part(&mut fork_one, first);
        part(&mut fork_two, second);
        joined.join(fork_one);
        joined.join(fork_two);

        let messages = |checker: Checker<'_>| {
            checker
                .into_problems()
                .iter()
                .map(|p| p.message().to_string())
                .collect::<Vec<_>>()
        };
        let expected = messages(one);
        assert_eq!(
            expected,
            [
                "problem one",
                "two things in the spec would both generate IAM role `a`",
                "problem two",
                "two things in the spec would both generate IAM role `b`",
                "problem three",
                "two things in the spec would both generate IAM role `a`",
            ]
        );
        assert_eq!(messages(joined), expected);

        // A pass of many items, shared among the cores, reports what it
        // does in order on one thread.
        let items: Vec<usize> = (0..300).collect();
        let finish = |checker: &mut Checker<'_>, &i: &usize| {
            if i % 7 == 0 {
                checker.error(Code::Syntax, i..i + 1, format!("item {i}"));
            }
            checker.claim("IAM role", format!("r{}", i % 40), i..i + 1);
            i * 2
        };
        let mut one = Checker::new(&source);
        let done: Vec<usize> = items.iter().map(|i| finish(&mut one, i)).collect();
        let mut shared = Checker::new(&source);
        assert_eq!(shared.each_on_every_core(&items, |_| 1, finish), done);
        let expected = messages(one);
        assert!(expected.len() > 100, "{}", expected.len());
        assert_eq!(messages(shared), expected);
    }
}
