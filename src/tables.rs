//! The embedded tables, parsed on another thread while the profile compiles.
//!
//! The data dictionary's list (`data/dictionary.tsv`), dicom-rs's own tag index, the
//! PS3.15 tables (`data/standard/`) and the IOD table (`data/iod-table.txt`) are each
//! parsed once, on first use. Used one after the other they are about as much work as
//! compiling the default profile, all of it before the second worker has anything to do:
//! on 2 cores a short run spent a tenth of its wall time there. [`start`] parses them on a
//! thread of their own as soon as the first profile starts compiling, in the order they
//! are needed (the compiler needs the first two, the claims the third, the first file the
//! last); whoever needs one before it is done waits for that one, never parses it twice.
//! Nothing changes but when the work is done: the tables are the same.
//!
//! Every compile waits for the tables before it returns (the thread and the compile take
//! about as long): the one that started the thread joins it, any other forces each table
//! (waiting for the one in progress). So no thread outlives a compile, and a process that
//! forks after compiling (a Python `multiprocessing` pool) never inherits a table half
//! parsed by a thread the child does not have.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// Set once every table is parsed.
static PARSED: AtomicBool = AtomicBool::new(false);

/// Starts parsing the tables on a thread of their own, the first time it is called in a
/// process. `None` on later calls, or if the thread cannot be started.
pub(crate) fn start() -> Option<JoinHandle<()>> {
    static STARTED: Once = Once::new();
    let mut handle = None;
    STARTED.call_once(|| {
        handle = std::thread::Builder::new()
            .name("tables".into())
            .spawn(parse_all)
            .ok();
    });
    handle
}

/// Returns when every table is parsed: joins the thread if this caller started it, and
/// parses (or waits for) whatever is not done yet.
pub(crate) fn finish(handle: Option<JoinHandle<()>>) {
    if let Some(handle) = handle {
        // a panic there would be a bug in an embedded table; forcing it again below
        // shows it
        let _ = handle.join();
    }
    if !PARSED.load(Ordering::Acquire) {
        parse_all();
    }
}

fn parse_all() {
    crate::dictionary::parse_now();
    crate::profile::conformance::parse_tables_now();
    crate::iod::parse_now();
    PARSED.store(true, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a fresh process (this test binary, running only the ignored test below): the
    /// first compile starts the thread, and every table is parsed when it returns. Other
    /// tests of this process compile too, so the check needs a process of its own.
    #[test]
    fn the_first_compile_of_a_process_returns_with_every_table_parsed() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "tables::tests::first_compile_in_this_process",
                "--ignored",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("1 passed"), "{text}");
    }

    #[test]
    #[ignore = "run by the test above, in a process of its own"]
    fn first_compile_in_this_process() {
        if PARSED.load(Ordering::Acquire) {
            // run with the other tests (`--include-ignored`): not a fresh process, nothing
            // to check here; the test above runs this one on its own
            return;
        }
        let _ = crate::profile::compile_str("t.anon", "PatientName delete\n");
        assert!(PARSED.load(Ordering::Acquire));
        assert!(start().is_none(), "the thread was started once");
        // and the thread is gone (joined), not still running beside the caller (a few
        // milliseconds' grace for the kernel to drop an exited thread's entry)
        let alive = || {
            std::fs::read_dir("/proc/self/task")
                .map(|tasks| {
                    tasks
                        .flatten()
                        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                        .any(|name| name.trim() == "tables")
                })
                .unwrap_or(false)
        };
        let gone = (0..5).any(|_| {
            let gone = !alive();
            if !gone {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            gone
        });
        assert!(gone, "the tables thread outlived the compile");
    }
}
