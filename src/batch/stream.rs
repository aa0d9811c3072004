//! [`Batch::run_stream`]: the inputs flow from the walk through a bounded queue to the
//! workers, and each outcome goes to the caller as soon as it is known.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::Batch;
use super::queue::Queue;
use crate::io::report::{FileOutcome, Outcome};
use crate::io::walk::Input;

impl Batch<'_> {
    /// Processes the inputs as `inputs` hands them out, on `jobs` worker threads fed
    /// through a bounded queue, and hands each outcome to `on_outcome` in completion order
    /// (with one worker: input order). Nothing per file is kept once its outcome is handed
    /// over. Returns how many inputs were not started (cancelled, or after a failure with
    /// `--fail-fast`); the walk is run to its end to count them.
    ///
    /// # Errors
    /// When no worker thread can be started.
    pub fn run_stream(
        &self,
        inputs: impl Iterator<Item = Input> + Send,
        on_outcome: &(dyn Fn(&FileOutcome) + Sync),
    ) -> std::io::Result<u64> {
        let workers = match self.options.jobs {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            n => n,
        };
        let stop = AtomicBool::new(false);
        let not_started = AtomicU64::new(0);
        // enough inputs per worker that no worker waits for the walk, and that the walk
        // wakes once per half a queue, not once per file (see `queue`)
        let queue = Queue::new((workers * 32).max(64));
        let halted = || stop.load(Ordering::Relaxed) || self.cancelled();
        std::thread::scope(|s| {
            let mut started = 0;
            for i in 0..workers {
                let taker = queue.taker();
                let (halted, stop, not_started) = (&halted, &stop, &not_started);
                let worker = move || {
                    while let Some(input) = taker.next() {
                        if halted() {
                            not_started.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        let outcome = match &input {
                            Input::File(job) => self.process(job),
                            Input::Unreadable { path, reason } => {
                                FileOutcome::failed(path.clone(), reason.clone())
                            }
                        };
                        if self.options.fail_fast && outcome.outcome == Outcome::Failed {
                            stop.store(true, Ordering::Relaxed);
                        }
                        on_outcome(&outcome);
                    }
                };
                match std::thread::Builder::new()
                    .name(format!("dcmanon-{i}"))
                    .spawn_scoped(s, worker)
                {
                    Ok(_) => started += 1,
                    Err(e) if started == 0 => return Err(e),
                    Err(_) => break,
                }
            }
            for input in inputs {
                if halted() || queue.push(input).is_err() {
                    // stopped, or every worker is gone
                    not_started.fetch_add(1, Ordering::Relaxed);
                }
            }
            queue.close();
            Ok(())
        })?;
        Ok(not_started.into_inner())
    }
}
