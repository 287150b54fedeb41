//! The points where a run has just freed much of what it held, and the
//! hook the binary hangs there.
//!
//! An allocator keeps what is freed for reuse, and memory freed on one
//! thread in pages that another thread, now ended, allocated is reused by
//! no one until something collects it: the spec is parsed on every core
//! and freed on one. The library says where much was freed; the binary,
//! which chose the allocator, says what to do there (src/allocator.rs).
//! Without a hook, nothing happens.

use std::sync::OnceLock;

static HOOK: OnceLock<fn()> = OnceLock::new();

/// Hangs `hook` at every point; a second call changes nothing.
pub fn set_hook(hook: fn()) {
    let _ = HOOK.set(hook);
}

/// Calls the hook, if one is set: on the thread that ran the pass that
/// freed, which for resolving and generating is the one that started them.
pub(crate) fn much_was_freed() {
    if let Some(hook) = HOOK.get() {
        hook();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::source::SourceFile;

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        CALLS.fetch_add(1, Ordering::SeqCst);
    }

    /// Resolving calls the hook once the spec as written is freed (other
    /// tests may call it too, meanwhile: it is one hook per process).
    #[test]
    fn resolving_calls_the_hook() {
        super::set_hook(count);
        let before = CALLS.load(Ordering::SeqCst);
        let spec = "version = 1\n\n[aws]\naccount_id = \"111122223333\"\nregion = \"eu-west-2\"\n\n[clusters.platform]\n";
        crate::load::load_source(SourceFile::new(Path::new("spec.toml"), spec)).unwrap();
        assert!(CALLS.load(Ordering::SeqCst) > before);
    }
}
