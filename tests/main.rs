//! The one integration-test binary (one link on a 2-core machine).

mod cli;
mod diagnostics;
mod generate;
mod import;
mod regenerate;
mod scenario;
mod support;
