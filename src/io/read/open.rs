//! Opening a source, and what its metadata says about where it lives.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens a source without ever waiting: on Linux non-blocking, so that a FIFO put where
/// the walk saw a file is opened at once and refused by [`super::load_open`] as not a
/// regular file, instead of blocking until a writer comes (reads of a regular file are
/// the same either way).
pub(super) fn open_source(path: &Path) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::open(path, flags, Mode::empty())?))
    }
    #[cfg(not(target_os = "linux"))]
    {
        File::open(path)
    }
}

#[cfg(unix)]
pub(super) fn device_of(md: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::dev(md)
}

#[cfg(not(unix))]
pub(super) fn device_of(_md: &std::fs::Metadata) -> u64 {
    0
}
