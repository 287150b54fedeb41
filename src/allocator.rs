//! The binary's allocator, mimalloc, and when it hands freed memory back.
//!
//! A large run makes millions of small allocations (the model, template
//! contexts, parse checks), which glibc's allocator made a large share of
//! its time. What mimalloc keeps after frees counts in the peak a run is
//! measured by, so the binary asks it to hand memory back where most was
//! just freed.
//!
//! The binary builds mimalloc 2 (the crate's `v2` feature), not the
//! crate's default, mimalloc 3: it hands freed pages back after 10 ms,
//! mimalloc 3 after a second, and peaks lower in the same time. Handing
//! them back at once (`MIMALLOC_PURGE_DELAY=0`, which sets it for a run)
//! lowers the peak further but slows rendering, which faults in again the
//! pages just handed back: enough to take a cold run on tmpfs past its
//! goal of twice `cp -r`. (bench/README.md, "What the speed and memory
//! machinery is for", has the figures.)

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc 2's option `abandoned_page_purge` (`mi_option_abandoned_page_purge`
/// in its `mimalloc.h`, which the sys crate does not name).
const ABANDONED_PAGE_PURGE: libmimalloc_sys::mi_option_t = 12;

/// mimalloc 2's option `allow_thp`, likewise.
#[cfg(target_os = "linux")]
const ALLOW_THP: libmimalloc_sys::mi_option_t = 37;

/// Sets mimalloc's options as the binary starts; the environment
/// (`MIMALLOC_ABANDONED_PAGE_PURGE`, `MIMALLOC_ALLOW_THP`) still overrides
/// them.
///
/// Rendering starts threads for each batch of files, and a thread that
/// ends leaves its heap's freed pages to be purged when another thread
/// claims them: they are purged as the thread ends instead, which lowers
/// the peak of a cold run at no measurable cost.
///
/// On Linux, the process also does without transparent huge pages, which
/// count a 2 MiB page whole in the peak however little of it is used.
/// (bench/README.md, "What the speed and memory machinery is for", has
/// the figures of both.) mimalloc reads its own
/// option as it starts, before this runs, so the binary does what that
/// option does: it asks the kernel (`PR_SET_THP_DISABLE`) and sets the
/// option for what mimalloc maps from here on.
pub(crate) fn configure() {
    eksgrant::freed::set_hook(return_freed_memory);
    // SAFETY: `mi_option_set_default` writes mimalloc's option table, and
    // only sets an option that is not read yet, as this one is not before
    // the first thread ends.
    unsafe { libmimalloc_sys::mi_option_set_default(ABANDONED_PAGE_PURGE, 1) }
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: `PR_SET_THP_DISABLE` only sets a flag of this process's
        // memory (a kernel that refuses it leaves the pages as they were,
        // which is no error); `mi_option_set` writes mimalloc's option
        // table, which it reads as it maps memory.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
            libmimalloc_sys::mi_option_set(ALLOW_THP, 0);
        }
    }
}

/// Hands the pages mimalloc keeps after frees (its own and those of threads
/// that ended) back to the system at once: the hook at the library's
/// points where much was just freed (`eksgrant::freed`). Called on the
/// main thread, a forced collect also takes over the segments that ended
/// threads left, so that what was freed in them is reused.
///
/// Between resolving and rendering, and after the spec as written is freed
/// (it was parsed on both cores, and freed on one, whose pages were reused
/// only when a thread happened to take over the segments holding them),
/// this lowers the peak at no measurable cost (bench/README.md).
pub(crate) fn return_freed_memory() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps and takes no
    // pointer of ours; it is safe to call at any point.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
