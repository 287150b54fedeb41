//! A hook the tests use to stop a real `eksgrant generate` part-way through
//! writing, so that they can kill it exactly there. Nothing sets it but the
//! tests; it is not part of the command line users see.

use std::io::Write as _;
use std::time::Duration;

use eksgrant::outdir::BeforeChange;

/// `EKSGRANT_TEST_STALL_AFTER=N`: make N changes in the output directory,
/// then say so on stderr and wait forever for the test to kill the process.
const STALL_AFTER: &str = "EKSGRANT_TEST_STALL_AFTER";

/// The hook the environment asks for, if any.
pub(crate) fn before_change() -> Option<BeforeChange> {
    let limit = std::env::var(STALL_AFTER)
        .ok()
        .and_then(|n| n.parse::<usize>().ok())?;
    let mut made = 0;
    Some(Box::new(move |path| {
        if made == limit {
            let _ = writeln!(
                std::io::stderr(),
                "eksgrant: {STALL_AFTER}: stalled before changing {path}"
            );
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        made += 1;
        Ok(())
    }))
}
