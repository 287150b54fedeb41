//! The one integration-test binary (one link on a 2-core machine).

mod applier;
mod apply_order;
mod cli;
#[cfg(unix)]
mod convergence;
mod cross_account;
mod diagnostics;
mod diff;
mod explain;
mod formats;
mod generate;
mod help;
mod import;
mod init;
mod layout;
mod lints;
mod nesting;
mod output;
mod packaging;
mod regenerate;
mod scenario;
mod schema;
mod support;
mod tags;
mod writer;
