//! The binary's allocator, mimalloc, and when it hands freed memory back.
//!
//! A large run makes millions of small allocations (the model, template
//! contexts, parse checks): glibc's allocator was a fifth of its time. What
//! mimalloc keeps after frees counts in the peak a run is measured by, so
//! the binary asks it to hand memory back at the points that free most.

use std::os::raw::{c_int, c_long};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its place in mimalloc's `mi_option_e`
/// (`mimalloc.h`), which keeps retired options in place so that the numbers
/// stay put. `libmimalloc-sys` names it only for mimalloc 2.
const PURGE_DELAY: c_int = 15;

/// How long, in milliseconds, freed pages wait before mimalloc hands them
/// back. Its default, a second, is as long as resolving an organisation's
/// spec: what parsing and the early passes freed still counted at the
/// peak. At 50 ms the peak of a 10,000-workload run was 20 MB lower, at no
/// time measurable among alternating runs; at 10 ms, lower still but slower.
const PURGE_DELAY_MS: c_long = 50;

/// Shortens mimalloc's purge delay, unless `MIMALLOC_PURGE_DELAY` sets it.
pub(crate) fn return_freed_memory_sooner() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: setting an option only stores a number mimalloc reads
        // when it purges; it is safe at any point.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
    }
}

/// Hands the pages mimalloc keeps after frees (its own and those of threads
/// that ended) back to the system at once. Between resolving and rendering
/// an organisation's spec this lowers the peak by 20 MB or so, at no
/// measurable cost.
pub(crate) fn return_freed_memory() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps and takes no
    // pointer of ours; it is safe to call at any point.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading and setting options only reads and stores numbers.
        unsafe {
            let before = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                assert_eq!(before, 1000, "mimalloc 3's default purge delay");
            }
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 77);
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 77);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, before);
        }
    }
}
