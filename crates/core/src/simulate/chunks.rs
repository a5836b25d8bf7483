//! The parallel chunk driver: chunks on worker threads, merged in order.

use super::CHUNK_TRIALS;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::{Condvar, Mutex};

/// Calls `work` on every chunk of `trials` on `threads` worker threads and
/// hands the results to `merge` strictly in chunk order, on the calling
/// thread, as soon as each is next in line. Workers take chunks in order
/// and never wait for each other (no batches, no barriers); a worker only
/// waits when it is `4 * threads` chunks ahead of the merge, so at most that
/// many results are alive at once and memory does not grow with the number
/// of trials. `progress` gets the trials merged.
pub fn for_each_chunk<T: Send>(
    trials: u64,
    threads: usize,
    work: impl Fn(u64, u64) -> T + Sync,
    mut merge: impl FnMut(T) -> ControlFlow<()>,
    progress: &dyn Fn(u64),
) -> Result<(), rayon::ThreadPoolBuildError> {
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let chunks = trials.div_ceil(CHUNK_TRIALS);
    let ahead = 4 * threads as u64;
    let queue = ChunkQueue {
        state: Mutex::new(QueueState {
            next: 0,
            merged: 0,
            ready: BTreeMap::new(),
            failed: false,
        }),
        changed: Condvar::new(),
    };
    pool.in_place_scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                let _stop = StopOnPanic(&queue);
                while let Some(c) = queue.claim(chunks, ahead) {
                    let first = c * CHUNK_TRIALS;
                    let result = work(first, CHUNK_TRIALS.min(trials - first));
                    queue.deliver(c, result);
                }
            });
        }
        // A worker that panicked leaves its chunk missing: stop merging,
        // and the scope passes the panic on. A panic in `merge` likewise
        // releases workers waiting to run ahead.
        let _stop = StopOnPanic(&queue);
        for c in 0..chunks {
            let Some(result) = queue.take(c) else { break };
            let flow = merge(result);
            progress(((c + 1) * CHUNK_TRIALS).min(trials));
            if flow.is_break() {
                // Enough: no more chunks are handed out; those running or
                // done are dropped unmerged.
                queue.lock().failed = true;
                queue.changed.notify_all();
                break;
            }
        }
    });
    Ok(())
}

/// Marks the queue failed if its thread unwinds, so nobody waits for it.
struct StopOnPanic<'q, T>(&'q ChunkQueue<T>);

impl<T> Drop for StopOnPanic<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().failed = true;
            self.0.changed.notify_all();
        }
    }
}

/// The chunks handed out and the results waiting to be merged.
struct QueueState<T> {
    next: u64,
    merged: u64,
    ready: BTreeMap<u64, T>,
    /// No more chunks are wanted: a worker panicked, or the merge has
    /// enough.
    failed: bool,
}

struct ChunkQueue<T> {
    state: Mutex<QueueState<T>>,
    changed: Condvar,
}

impl<T> ChunkQueue<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState<T>> {
        // Poisoned only if a thread panicked while holding it; the state
        // is then still consistent (every update is a single step).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next chunk to run, once it is fewer than `ahead` chunks past the
    /// merge; `None` when every chunk is handed out.
    fn claim(&self, chunks: u64, ahead: u64) -> Option<u64> {
        let mut state = self.lock();
        loop {
            if state.next >= chunks || state.failed {
                return None;
            }
            if state.next < state.merged + ahead {
                state.next += 1;
                return Some(state.next - 1);
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn deliver(&self, chunk: u64, result: T) {
        self.lock().ready.insert(chunk, result);
        self.changed.notify_all();
    }

    /// Waits for chunk `c`'s result (all before it are taken); `None` once
    /// a worker has panicked.
    fn take(&self, c: u64) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(result) = state.ready.remove(&c) {
                state.merged = c + 1;
                drop(state);
                self.changed.notify_all();
                return Some(result);
            }
            if state.failed {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn chunks_merge_in_order_with_bounded_results_alive() {
        for threads in 1..=4 {
            let trials = 37 * CHUNK_TRIALS + 5;
            let alive = AtomicU64::new(0);
            let most_alive = AtomicU64::new(0);
            let mut merged = Vec::new();
            let reported = std::cell::RefCell::new(Vec::new());
            for_each_chunk(
                trials,
                threads,
                |first, count| {
                    let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                    most_alive.fetch_max(now, Ordering::SeqCst);
                    (first, count)
                },
                |chunk| {
                    alive.fetch_sub(1, Ordering::SeqCst);
                    merged.push(chunk);
                    ControlFlow::Continue(())
                },
                &|n| reported.borrow_mut().push(n),
            )
            .expect("pool");
            let expected: Vec<(u64, u64)> = (0..38)
                .map(|c| {
                    (
                        c * CHUNK_TRIALS,
                        CHUNK_TRIALS.min(trials - c * CHUNK_TRIALS),
                    )
                })
                .collect();
            assert_eq!(merged, expected, "threads {threads}");
            // Waiting or being made, plus the one being merged.
            let limit = 4 * threads as u64 + 1;
            let most = most_alive.into_inner();
            assert!(most <= limit, "threads {threads}: {most} results alive");
            let reported = reported.into_inner();
            assert!(reported.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(reported.last(), Some(&trials));
        }
    }

    /// A panic in a chunk or in the merge reaches the caller instead of
    /// leaving the other threads waiting for each other.
    #[test]
    fn a_panic_in_work_or_merge_is_passed_on_not_a_hang() {
        for panic_in_work in [true, false] {
            let (done, finished) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let result = std::panic::catch_unwind(|| {
                    for_each_chunk(
                        100 * CHUNK_TRIALS,
                        2,
                        |first, _| {
                            assert!(!(panic_in_work && first == 3 * CHUNK_TRIALS), "work");
                            first
                        },
                        |first| {
                            assert!(panic_in_work || first != 3 * CHUNK_TRIALS, "merge");
                            ControlFlow::Continue(())
                        },
                        &|_| {},
                    )
                });
                let _ = done.send(result.is_err());
            });
            let panicked = finished.recv_timeout(std::time::Duration::from_secs(60));
            assert_eq!(panicked, Ok(true), "panic in work: {panic_in_work}");
        }
    }

    /// A merge that has enough stops the run: chunks after it are never
    /// merged, whatever the threads ran ahead.
    #[test]
    fn a_merge_that_has_enough_stops_after_that_chunk() {
        for threads in 1..=3 {
            let mut merged = Vec::new();
            for_each_chunk(
                50 * CHUNK_TRIALS,
                threads,
                |first, _| first / CHUNK_TRIALS,
                |c| {
                    merged.push(c);
                    match c == 6 {
                        true => ControlFlow::Break(()),
                        false => ControlFlow::Continue(()),
                    }
                },
                &|_| {},
            )
            .unwrap();
            assert_eq!(merged, (0..=6).collect::<Vec<_>>(), "{threads} threads");
        }
    }
}
