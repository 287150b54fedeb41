//! Independent work shared among the cores.
//!
//! Rendering, parse-checking and hashing thousands of files are each a list
//! of independent jobs. [`chunks`] cuts the list into one contiguous part
//! per core and returns the parts' results in list order, so that callers
//! stay deterministic: the first error they report is the first in the
//! list, as one thread would find it.
//!
//! Not rayon: the callers need parts of equal weight with a state made on
//! the calling thread, per-core states handed back ([`pulled`]), and the
//! first error in list order, none of which rayon gives as it is;
//! bench/README.md says what the one tuning here measured.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// What handling one file costs besides its bytes (a lookup, an open, a
/// rename), counted as bytes: the weight of a file for [`chunks_weighed`]
/// is its length plus this.
pub(crate) const PER_FILE: usize = 4096;

/// Runs `work` on `items` cut into one contiguous chunk per core, each on
/// its own thread, and returns each chunk's result in order. `state` runs
/// on the calling thread once per chunk and hands its thread what it needs
/// that cannot be shared (a view of a directory with its own caches). A
/// panic in a thread resumes in the caller.
pub(crate) fn chunks<T, S, R>(
    items: &[T],
    state: impl FnMut() -> S,
    work: impl Fn(S, &[T]) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    S: Send,
    R: Send,
{
    chunks_weighed(items, |_| 1, state, work)
}

/// [`chunks`], with chunks of about the same total `weight` rather than
/// the same number of items: for work whose cost grows with the item (the
/// bytes of a file to parse).
pub(crate) fn chunks_weighed<T, S, R>(
    items: &[T],
    weight: impl Fn(&T) -> usize,
    mut state: impl FnMut() -> S,
    work: impl Fn(S, &[T]) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    S: Send,
    R: Send,
{
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let total: usize = items.iter().map(&weight).sum();
    let share = total.div_ceil(threads).max(1);
    let mut parts = Vec::with_capacity(threads);
    let (mut start, mut carried) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let weight = weight(item);
        if carried > 0 && carried + weight > share && parts.len() + 1 < threads {
            parts.push(&items[start..i]);
            (start, carried) = (i, 0);
        }
        carried += weight;
    }
    if start < items.len() {
        parts.push(&items[start..]);
    }
    let inputs: Vec<(S, &[T])> = parts.into_iter().map(|chunk| (state(), chunk)).collect();
    each_on_a_thread(inputs, |(state, chunk)| work(state, chunk))
}

/// Runs `work` on each input on a thread of its own, the first on the
/// calling thread, and returns the results in input order; a panic in a
/// thread resumes in the caller.
///
/// The calling thread takes a part instead of waiting: what a part makes
/// and frees on a thread that then ends stays in pages the allocator
/// cannot hand back while the part's results live in them, and the calling
/// thread's own pages are reused by what it allocates next, which lowers the
/// peak of resolving an organisation's spec, no slower (bench/README.md).
fn each_on_a_thread<I: Send, R: Send>(inputs: Vec<I>, work: impl Fn(I) -> R + Sync) -> Vec<R> {
    let work = &work;
    let mut inputs = inputs.into_iter();
    let Some(first) = inputs.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = inputs
            .map(|input| scope.spawn(move || work(input)))
            .collect();
        let mut results = vec![work(first)];
        results.extend(workers.into_iter().map(|worker| {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        results
    })
}

/// Runs `work` on every item, on every core, each thread taking the next
/// item no thread has taken yet: for items whose cost is not known before
/// the work (templates to render), so that one large item does not leave a
/// core idle while the other works through it. `state` runs on the calling
/// thread once per thread; the states come back in no particular order.
///
/// The error is the first in list order, as one thread would find it:
/// once an item fails, no thread takes an item after it, and every item
/// before it was taken and is finished.
pub(crate) fn pulled<T, S, E>(
    items: &[T],
    mut state: impl FnMut() -> S,
    work: impl Fn(&mut S, &T) -> Result<(), E> + Sync,
) -> Result<Vec<S>, E>
where
    T: Sync,
    S: Send,
    E: Send,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<(usize, E)>> = Mutex::new(None);
    let first_failure = AtomicUsize::new(usize::MAX);
    let run = |mut state: S| {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= items.len() || i > first_failure.load(Ordering::Relaxed) {
                break;
            }
            if let Err(error) = work(&mut state, &items[i]) {
                first_failure.fetch_min(i, Ordering::Relaxed);
                let mut failed = failed.lock().unwrap_or_else(PoisonError::into_inner);
                if failed.as_ref().is_none_or(|(at, _)| i < *at) {
                    *failed = Some((i, error));
                }
            }
        }
        state
    };
    let states = each_on_a_thread((0..threads).map(|_| state()).collect(), run);
    match failed.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some((_, error)) => Err(error),
        None => Ok(states),
    }
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

    #[test]
    fn weighed_chunks_share_the_weight_and_keep_the_order() {
        let items: Vec<usize> = (0..100).map(|i| if i == 99 { 1_000 } else { 1 }).collect();
        let parts = chunks_weighed(&items, |&w| w, || (), |(), chunk| chunk.to_vec());
        assert_eq!(parts.concat(), items);
        if std::thread::available_parallelism().map_or(1, usize::from) > 1 {
            // The heavy last item is a chunk of its own.
            assert_eq!(parts.last().unwrap(), &[1_000]);
            let even = chunks(&items[..98], || (), |(), chunk| chunk.len());
            assert_eq!(even.iter().sum::<usize>(), 98);
            assert!(
                even.iter().all(|&n| n.abs_diff(98 / even.len()) <= 1),
                "{even:?}"
            );
        }
    }

    #[test]
    fn pulled_items_are_each_worked_once_and_the_first_failure_wins() {
        let items: Vec<usize> = (0..1_000).collect();
        let states = pulled(&items, Vec::new, |seen: &mut Vec<usize>, &i| {
            seen.push(i);
            Ok::<(), usize>(())
        })
        .unwrap();
        let mut seen = states.concat();
        seen.sort_unstable();
        assert_eq!(seen, items);
        // Items 300 and 700 fail: 300 is reported, whichever thread met
        // either first, and every item before it was worked.
        for _ in 0..20 {
            let worked = Mutex::new(Vec::new());
            let result = pulled(
                &items,
                || (),
                |(), &i| {
                    worked.lock().unwrap().push(i);
                    if i == 300 || i == 700 { Err(i) } else { Ok(()) }
                },
            );
            assert_eq!(result.unwrap_err(), 300);
            let worked = worked.into_inner().unwrap();
            assert!((0..=300).all(|i| worked.contains(&i)));
        }
    }

    #[test]
    fn a_panic_in_any_part_resumes_in_the_caller() {
        // The first part runs on the calling thread, the others on threads
        // of their own: a panic in either kind reaches the caller.
        for panicking in [0_u32, 3] {
            let caught = std::panic::catch_unwind(|| {
                each_on_a_thread((0..4).collect(), |i: u32| {
                    assert!(i != panicking, "part {i}");
                    i
                })
            });
            let payload = caught.expect_err("the panic reaches the caller");
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .unwrap_or_default();
            assert_eq!(message, format!("part {panicking}"));
        }
        assert_eq!(
            each_on_a_thread((0..4).collect(), |i: u32| i * 2),
            [0, 2, 4, 6]
        );
        assert!(each_on_a_thread(Vec::<u32>::new(), |i| i).is_empty());
    }
}
