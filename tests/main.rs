//! The one integration-test binary (one link on a 2-core machine).

mod apply_order;
mod cli;
#[cfg(unix)]
mod convergence;
mod cross_account;
mod diagnostics;
mod explain;
mod generate;
mod import;
mod lints;
mod regenerate;
mod scenario;
mod schema;
mod support;
mod tags;
mod writer;
