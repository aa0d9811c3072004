//! The embedded tables, parsed on another thread while the profile compiles.
//!
//! The data dictionary's list (`data/dictionary.tsv`), dicom-rs's own tag index, the
//! PS3.15 tables (`data/standard/`) and the IOD table (`data/iod-table.txt`) are each
//! parsed once, on first use. Used one after the other they are about as much work as
//! compiling the default profile, all of it before the second worker has anything to do:
//! on 2 cores a short run spent a tenth of its wall time there. [`start`] parses them on a
//! thread of their own as soon as a profile starts compiling, in the order they are
//! needed (the compiler needs the first two, the claims the third, the first file the
//! last); whoever needs one before it is done waits for that one, never parses it twice.
//! Nothing changes but when the work is done: the tables are the same.

use std::sync::Once;

/// Starts parsing the tables on a thread of their own (once per process). If the thread
/// cannot be started, each table is parsed on first use, as without this.
pub(crate) fn start() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        // the thread is detached: it ends when the tables are parsed, or with the process
        let _ = std::thread::Builder::new()
            .name("tables".into())
            .spawn(parse_all);
    });
}

fn parse_all() {
    crate::dictionary::parse_now();
    crate::profile::conformance::parse_tables_now();
    crate::iod::parse_now();
}
