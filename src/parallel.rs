//! Independent work shared among the cores.
//!
//! Rendering, parse-checking and hashing thousands of files are each a list
//! of independent jobs. [`chunks`] cuts the list into one contiguous part
//! per core and returns the parts' results in list order, so that callers
//! stay deterministic: the first error they report is the first in the
//! list, as one thread would find it.

/// Runs `work` on `items` cut into one contiguous chunk per core, each on
/// its own thread, and returns each chunk's result in order. `state` runs
/// on the calling thread once per chunk and hands its thread what it needs
/// that cannot be shared (a view of a directory with its own caches). A
/// panic in a thread resumes in the caller.
pub(crate) fn chunks<T, S, R>(
    items: &[T],
    mut state: impl FnMut() -> S,
    work: impl Fn(S, &[T]) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    S: Send,
    R: Send,
{
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let size = items.len().div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(size)
            .map(|chunk| {
                let state = state();
                scope.spawn(move || work(state, chunk))
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_list_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1_000).collect();
        let sums = chunks(&items, || (), |(), chunk| chunk.to_vec());
        assert_eq!(sums.concat(), items);
        assert!(chunks(&[] as &[u32], || (), |(), chunk| chunk.len()).is_empty());
    }
}
