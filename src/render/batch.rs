//! Rendering templates on every core.
//!
//! Each generated file is its own template call on its own context, so
//! files render independently. A [`Batch`] collects them as the tree is
//! laid out and, a few hundred at a time, renders each on whichever core
//! is free, parses it back (see [`super::verify`]) and hands it to the
//! [`Output`] on the thread that rendered it. A waiting file holds how to
//! make its context, not the context: each is made on the core that
//! renders the file, and only while it does. The error reported is the
//! first file's that fails, as one thread would find it.

use std::borrow::Cow;

use serde::Serialize;
use tera::Context;

use super::hcl_format;
use super::templates::Templates;
use super::verify;
use crate::aws::iam::PolicyText;
use crate::error::Result;
use crate::plan::{FileKind, GeneratedFile, Output};

/// How many files a batch holds before it renders: enough to keep every
/// core busy, few enough that their contexts and texts stay small.
const BATCH: usize = 256;

/// How to make a template's context from the model it borrows. Made when
/// the file renders, a waiting file holds a few references instead of its
/// template values: at organisation scale a batch's access entries and
/// kubeconfig maps were megabytes of them, made on one core.
pub(super) type MakeContext<'a> = Box<dyn Fn() -> Context + Send + Sync + 'a>;

/// One file to make.
struct Job<'a> {
    path: String,
    kind: FileKind,
    work: Work<'a>,
}

/// How a file's text is made.
enum Work<'a> {
    /// One template, as rendered.
    Template(&'static str, MakeContext<'a>),
    /// Terraform: templates rendered one after another, with a blank line
    /// between each two that render anything; then `=` aligned as
    /// `terraform fmt` does.
    Terraform(Vec<(&'static str, MakeContext<'a>)>),
    /// Already made (an IAM policy serialised from the model, Terraform
    /// rendered in rows).
    Text(String),
    /// A policy document of the model, laid out as it is written.
    Policy(&'a PolicyText),
}

/// Files waiting to be rendered into an output.
pub(super) struct Batch<'a, O: Output> {
    templates: &'a Templates,
    header: &'a str,
    output: &'a mut O,
    jobs: Vec<Job<'a>>,
}

impl<'a, O: Output> Batch<'a, O> {
    pub(super) fn new(templates: &'a Templates, header: &'a str, output: &'a mut O) -> Self {
        Batch {
            templates,
            header,
            output,
            jobs: Vec::with_capacity(BATCH),
        }
    }

    /// A file of `kind` of one template, as rendered.
    pub(super) fn file(
        &mut self,
        path: String,
        kind: FileKind,
        template: &'static str,
        context: impl Fn() -> Context + Send + Sync + 'a,
    ) -> Result<()> {
        self.push(path, kind, Work::Template(template, Box::new(context)))
    }

    /// A Terraform file of one or more templates.
    pub(super) fn terraform(
        &mut self,
        path: String,
        parts: Vec<(&'static str, MakeContext<'a>)>,
    ) -> Result<()> {
        self.push(path, FileKind::Terraform, Work::Terraform(parts))
    }

    /// A Terraform file of `template` over `items`, which it reads as
    /// `name`: rendered here, a few hundred items at a time, and joined as
    /// the parts of [`Batch::terraform`] are. For a file of a block per
    /// workload: as one context, an organisation's items would wait in
    /// the batch as template values. A template's error here (a
    /// bug in eksgrant's own templates) is reported at once, before those
    /// of the files waiting in the batch.
    pub(super) fn terraform_rows<T: Serialize>(
        &mut self,
        path: String,
        template: &'static str,
        context: &Context,
        name: &'static str,
        items: &[T],
    ) -> Result<()> {
        let text = joined(items.chunks(BATCH).map(|chunk| {
            self.templates
                .render(template, &super::with(context, name, chunk))
        }))?;
        self.push(path, FileKind::Terraform, Work::Text(text))
    }

    /// A policy document's file.
    pub(super) fn policy(&mut self, path: String, policy: &'a PolicyText) -> Result<()> {
        self.push(path, FileKind::Json, Work::Policy(policy))
    }

    /// A file of `kind` whose text is already made.
    pub(super) fn text(&mut self, path: String, kind: FileKind, text: String) -> Result<()> {
        self.push(path, kind, Work::Text(text))
    }

    fn push(&mut self, path: String, kind: FileKind, work: Work<'a>) -> Result<()> {
        self.jobs.push(Job { path, kind, work });
        if self.jobs.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Renders, checks and hands over every waiting file. The error
    /// reported is the first file's that fails, as one thread would find
    /// it.
    pub(super) fn flush(&mut self) -> Result<()> {
        let jobs = std::mem::take(&mut self.jobs);
        let (templates, header) = (self.templates, self.header);
        let output = &*self.output;
        let shares = crate::parallel::pulled(
            &jobs,
            || output.share(),
            |share, job| {
                let body = render(templates, &job.work)?;
                let file = GeneratedFile::new(job.kind, &body, header);
                drop(body);
                verify::check(&job.path, file.kind, &file.contents)?;
                output.accept(share, job.path.clone(), file)
            },
        )?;
        self.jobs = Vec::with_capacity(BATCH);
        self.output.gather(shares)
    }

    /// Hands over a file of `kind` made elsewhere, once it has parsed back.
    pub(super) fn add(&mut self, path: String, kind: FileKind, body: String) -> Result<()> {
        let file = GeneratedFile::of_owned(kind, body, self.header);
        verify::check(&path, file.kind, &file.contents)?;
        let mut share = self.output.share();
        self.output.accept(&mut share, path, file)?;
        self.output.gather(vec![share])
    }
}

/// One file's text.
fn render<'w>(templates: &Templates, work: &'w Work<'_>) -> Result<Cow<'w, str>> {
    Ok(match work {
        Work::Template(template, context) => templates.render(template, &context())?.into(),
        Work::Text(text) => text.as_str().into(),
        Work::Policy(policy) => policy.to_pretty_json().into(),
        Work::Terraform(parts) => match parts.as_slice() {
            [(template, context)] => {
                hcl_format::align_assignments(&templates.render(template, &context())?).into()
            }
            parts => joined(
                parts
                    .iter()
                    .map(|(template, context)| templates.render(template, &context())),
            )?
            .into(),
        },
    })
}

/// Terraform rendered in parts: a blank line between each two that render
/// anything, each part's `=` aligned. A blank line ends every run of
/// assignments that alignment lines up, so aligning the parts one by one
/// aligns the whole; only one part is held beside the text.
fn joined(parts: impl Iterator<Item = Result<String>>) -> Result<String> {
    let mut text = String::new();
    for body in parts {
        let body = body?;
        let body = body.trim_matches('\n');
        if body.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&hcl_format::align_assignments(body));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_aligned_one_by_one_read_as_the_whole_aligned() {
        let parts = [
            "\nresource \"a\" \"b\" {\n  x = 1\n  long_name = 2\n}\n",
            "\n\n",
            "a = 1\n",
            "bbbb = 2\nc = {\n  dd = 3\n  e = 4\n}",
        ];
        let kept: Vec<&str> = parts
            .iter()
            .map(|part| part.trim_matches('\n'))
            .filter(|part| !part.is_empty())
            .collect();
        let whole = hcl_format::align_assignments(&kept.join("\n\n"));
        let one_by_one = joined(parts.iter().map(|part| Ok(part.to_string()))).unwrap();
        assert_eq!(one_by_one, whole);
        assert!(one_by_one.contains("  x         = 1\n"), "{one_by_one}");
        assert!(
            one_by_one.contains("}\n\na = 1\n\nbbbb = 2\n"),
            "{one_by_one}"
        );
    }
}
