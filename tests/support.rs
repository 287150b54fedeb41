//! Shared helpers: loading a spec, rendering it and its diagnostics the way
//! the snapshots record them.

use std::path::Path;

use eksgrant::render::{RenderOptions, render};
use eksgrant::{Error, Loaded, Plan, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme};

/// insta settings shared by every snapshot: flat names under tests/snapshots.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// Loads a spec file, naming it in diagnostics by its path relative to the
/// crate root, as a user running from there would see it.
pub(crate) fn load(path: &Path) -> Result<Loaded, Error> {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let shown = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path);
    eksgrant::load_source(SourceFile::new(shown, text))
}

/// Renders a valid spec as if its output directory were the spec's own.
pub(crate) fn plan(path: &Path) -> Plan {
    let loaded = load(path)
        .unwrap_or_else(|error| panic!("{} should be valid:\n{}", path.display(), report(&error)));
    let name = path.file_name().unwrap().to_string_lossy();
    let options = RenderOptions {
        spec: name.to_string(),
        regenerate: format!("eksgrant generate {name}"),
    };
    render(&loaded.model, &options).expect("a valid spec renders")
}

/// A diagnostic as the CLI prints it, without colour.
pub(crate) fn report(error: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false)
        .render_report(&mut out, error)
        .expect("rendering into a String cannot fail");
    out
}
