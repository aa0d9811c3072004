//! [`Checker::check_tree`]: every output of a tree checked in parallel, the reports handed
//! on in the order of the outputs' paths as soon as they are ready, with memory flat in
//! the number of files.
//!
//! The walk of DST feeds the workers through a bounded queue; a report that is ready
//! before the ones of earlier paths waits, and the walk is held back when [`WINDOW`]
//! reports per worker are under way or waiting, so at most that many are in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{channel, sync_channel};

use super::{Checker, FileReport, Finding, FindingKind};

/// Reports under way or waiting for an earlier one, per worker.
pub const WINDOW: usize = 16;

/// The output files of a tree in sorted path order (each folder's entries by name, depth
/// first: the order of [`super::outputs`]), or DST itself when it is a file; the run's
/// manifests are not outputs.
pub fn outputs_in_order(dst: &Path) -> Box<dyn Iterator<Item = PathBuf> + Send> {
    if dst.is_file() {
        return Box::new(std::iter::once(dst.to_path_buf()));
    }
    Box::new(
        walkdir::WalkDir::new(dst)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .filter(|p| !crate::audit::manifest::is_manifest(p)),
    )
}

impl Checker<'_> {
    /// Checks one output of the tree `dst`: with `source` (a tree or a file), against the
    /// file at the same relative path (a finding when there is none).
    pub fn check_output(&self, output: &Path, dst: &Path, source: Option<&Path>) -> FileReport {
        let Some(src) = source else {
            return self.check_file(output, None);
        };
        match super::source_of(output, dst, src) {
            Some(s) => self.check_file(output, Some(&s)),
            None => {
                let mut r = self.check_file(output, None);
                r.findings.push(Finding {
                    kind: FindingKind::NoSource,
                    at: None,
                    message: "no source file at the same relative path".into(),
                });
                r
            }
        }
    }

    /// Checks every output of `dst` ([`outputs_in_order`]) on `jobs` threads (0: one per
    /// core) and hands each report to `on_report` in that order, on the calling thread.
    ///
    /// # Errors
    /// When no worker thread can be started.
    pub fn check_tree(
        &self,
        dst: &Path,
        source: Option<&Path>,
        jobs: usize,
        on_report: &mut dyn FnMut(FileReport),
    ) -> std::io::Result<()> {
        let workers = match jobs {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            n => n,
        };
        let (work_tx, work_rx) = sync_channel::<(u64, PathBuf)>(workers * 4);
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = channel::<(u64, FileReport)>();
        // one token per report under way or waiting: the walk waits for a free one
        let (token_tx, token_rx) = sync_channel::<()>(workers * WINDOW);
        std::thread::scope(|s| {
            let mut started = 0;
            for i in 0..workers {
                let done_tx = done_tx.clone();
                let work_rx = &work_rx;
                let worker = move || {
                    loop {
                        let next = work_rx.lock().ok().and_then(|r| r.recv().ok());
                        let Some((seq, output)) = next else { break };
                        // a panic in a parser on a hostile file is that file's finding,
                        // and the other workers and the order go on
                        let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.check_output(&output, dst, source)
                        }))
                        .unwrap_or_else(|_| FileReport {
                            path: output.clone(),
                            source: None,
                            findings: vec![Finding::file(
                                FindingKind::Unreadable,
                                "unreadable: the check of this file stopped on an internal error"
                                    .into(),
                            )],
                        });
                        if done_tx.send((seq, report)).is_err() {
                            break;
                        }
                    }
                };
                match std::thread::Builder::new()
                    .name(format!("dcmanon-check-{i}"))
                    .spawn_scoped(s, worker)
                {
                    Ok(_) => started += 1,
                    Err(e) if started == 0 => return Err(e),
                    Err(_) => break,
                }
            }
            drop(done_tx);
            let walk = std::thread::Builder::new()
                .name("dcmanon-check-walk".into())
                .spawn_scoped(s, move || {
                    for (seq, output) in (0u64..).zip(outputs_in_order(dst)) {
                        if token_tx.send(()).is_err() || work_tx.send((seq, output)).is_err() {
                            break;
                        }
                    }
                });
            // no walk: no work; the workers end when their queue's sender goes
            walk?;
            let mut waiting: BTreeMap<u64, FileReport> = BTreeMap::new();
            let mut next = 0u64;
            for (seq, report) in done_rx.iter() {
                waiting.insert(seq, report);
                while let Some(r) = waiting.remove(&next) {
                    on_report(r);
                    next += 1;
                    let _ = token_rx.recv();
                }
            }
            // (only if a worker ended early: what is left, in order; the walk stops)
            drop(token_rx);
            for (_, r) in waiting {
                on_report(r);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_order_is_the_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "a/b", "a.x", "a-b/c", "a/a/z", "b", "a0", "A", "a b/c", "a/b.c",
        ] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"x").unwrap();
        }
        let walked: Vec<PathBuf> = outputs_in_order(dir.path()).collect();
        assert_eq!(walked, super::super::outputs(dir.path()));
        assert_eq!(walked.len(), 9);
        let one = dir.path().join("b");
        assert_eq!(outputs_in_order(&one).collect::<Vec<_>>(), vec![one]);
    }
}
