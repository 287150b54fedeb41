//! Rendering templates on every core.
//!
//! Each generated file is its own template call on its own context, so
//! files render independently. A [`Batch`] collects them in the order the
//! plan is built and renders a few hundred at a time across threads, then
//! adds them to the plan in that order: the output is the same as one
//! thread's, and only one batch of contexts is alive at once.

use tera::Context;

use super::hcl_format;
use super::templates::Templates;
use crate::error::Result;
use crate::plan::Plan;

/// How many files a batch holds before it renders: enough to keep every
/// core busy, few enough that their contexts stay small beside the plan.
const BATCH: usize = 256;

/// One file to render.
struct Job {
    path: String,
    /// Templates rendered one after another into the file, each with its
    /// context.
    parts: Vec<(&'static str, Context)>,
    layout: Layout,
}

/// How a file's rendered parts become its text.
#[derive(Clone, Copy)]
enum Layout {
    /// As rendered (one part).
    Plain,
    /// Terraform: one part as rendered, or several with a blank line between
    /// each two that render anything; then `=` aligned as `terraform fmt`
    /// does.
    Terraform,
}

/// Files waiting to be rendered into a plan.
pub(super) struct Batch<'a> {
    templates: &'a Templates,
    header: &'a str,
    jobs: Vec<Job>,
}

impl<'a> Batch<'a> {
    pub(super) fn new(templates: &'a Templates, header: &'a str) -> Self {
        Batch {
            templates,
            header,
            jobs: Vec::with_capacity(BATCH),
        }
    }

    /// A file of one template, as rendered.
    pub(super) fn file(
        &mut self,
        plan: &mut Plan,
        path: String,
        template: &'static str,
        context: Context,
    ) -> Result<()> {
        self.push(plan, path, vec![(template, context)], Layout::Plain)
    }

    /// A Terraform file of one or more templates.
    pub(super) fn terraform(
        &mut self,
        plan: &mut Plan,
        path: String,
        parts: Vec<(&'static str, Context)>,
    ) -> Result<()> {
        self.push(plan, path, parts, Layout::Terraform)
    }

    fn push(
        &mut self,
        plan: &mut Plan,
        path: String,
        parts: Vec<(&'static str, Context)>,
        layout: Layout,
    ) -> Result<()> {
        self.jobs.push(Job {
            path,
            parts,
            layout,
        });
        if self.jobs.len() >= BATCH {
            self.flush(plan)?;
        }
        Ok(())
    }

    /// Renders every waiting file into `plan`, in the order they came. The
    /// error reported is the first file's that fails, as one thread would
    /// find it.
    pub(super) fn flush(&mut self, plan: &mut Plan) -> Result<()> {
        let jobs = std::mem::take(&mut self.jobs);
        let templates = self.templates;
        let rendered = crate::parallel::chunks(
            &jobs,
            || (),
            |(), chunk| {
                chunk
                    .iter()
                    .map(|job| render(templates, job))
                    .collect::<Result<Vec<String>>>()
            },
        );
        let bodies = rendered.into_iter().collect::<Result<Vec<Vec<String>>>>()?;
        for (job, body) in jobs.into_iter().zip(bodies.into_iter().flatten()) {
            plan.add(job.path, &body, self.header);
        }
        self.jobs = Vec::with_capacity(BATCH);
        Ok(())
    }
}

/// One file's text.
fn render(templates: &Templates, job: &Job) -> Result<String> {
    match (job.layout, job.parts.as_slice()) {
        (Layout::Plain, [(template, context)]) => templates.render(template, context),
        (Layout::Terraform, [(template, context)]) => Ok(hcl_format::align_assignments(
            &templates.render(template, context)?,
        )),
        (_, parts) => {
            let mut blocks = Vec::new();
            for (template, context) in parts {
                let body = templates.render(template, context)?;
                let body = body.trim_matches('\n');
                if !body.is_empty() {
                    blocks.push(body.to_string());
                }
            }
            Ok(hcl_format::align_assignments(&blocks.join("\n\n")))
        }
    }
}
