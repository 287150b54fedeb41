//! The binary's allocator, mimalloc, and when it hands freed memory back.
//!
//! A large run makes millions of small allocations (the model, template
//! contexts, parse checks): glibc's allocator was a fifth of its time. What
//! mimalloc keeps after frees counts in the peak a run is measured by, so
//! the binary asks it to hand memory back where most was just freed.
//!
//! mimalloc's purge delay, how long freed pages wait before they go back,
//! stays at its default of a second. At 50 ms the peak of a 10,000-workload
//! run was 20 MB lower, but the run took 5 to 10% longer (rendering faults
//! in again the pages just handed back): enough to take a cold run on tmpfs
//! past its goal of twice `cp -r`, for a memory goal out of reach either
//! way. `MIMALLOC_PURGE_DELAY` sets it for a run.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Hands the pages mimalloc keeps after frees (its own and those of threads
/// that ended) back to the system at once. Between resolving and rendering
/// an organisation's spec this lowers the peak by 20 MB or so, at no
/// measurable cost.
pub(crate) fn return_freed_memory() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps and takes no
    // pointer of ours; it is safe to call at any point.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
