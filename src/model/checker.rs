//! The checker every pass reports to: the list of problems and the registry
//! of generated names.
//!
//! Each pass of the model (account, clusters, subjects, grants, roles,
//! cluster access) takes the checker and the outputs of the passes before
//! it, and returns its own. A check that fails records a [`Problem`] here
//! and the pass goes on with what it could resolve, so that one typo does
//! not hide the next, and the spec's problems are all reported at once.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use crate::code::Code;
use crate::error::Problem;
use crate::source::SourceFile;

/// Problems found so far, and the names generated so far.
pub(super) struct Checker<'a> {
    source: &'a SourceFile,
    problems: Vec<Problem>,
    /// Every generated name that must be unique, by kind, with the span of
    /// the spec item that produced it.
    names: HashMap<(&'static str, String), Range<usize>>,
    /// Pairs of spec items (by span start) already reported as colliding.
    collisions: HashSet<(usize, usize)>,
}

impl<'a> Checker<'a> {
    /// A checker for the spec in `source`.
    pub(super) fn new(source: &'a SourceFile) -> Self {
        Checker {
            source,
            problems: Vec::new(),
            names: HashMap::new(),
            collisions: HashSet::new(),
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
        let key = (kind, name);
        if let Some(first) = self.names.get(&key) {
            // One report per pair of colliding spec items is enough: the
            // first name that collides explains the rest.
            if !self.collisions.insert((first.start, span.start)) {
                return;
            }
            let first = first.clone();
            self.duplicate(
                Code::NameCollision,
                span,
                first,
                "item with this name",
                format!(
                    "two things in the spec would both generate {kind} `{}`",
                    key.1
                ),
            )
            .help("rename one of the keys (or set `role_name`) so the generated names differ");
        } else {
            self.names.insert(key, span);
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
