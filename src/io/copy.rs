//! Copying a byte range of the source to the output, by the kernel where it can.
//!
//! On Linux the range is copied with `copy_file_range(2)` at an explicit source offset:
//! no `lseek` of the source, and no `statx` probing of either file (which `std::io::copy`
//! does on every call to decide how to copy). When the kernel refuses it for a pair of
//! file systems (`EXDEV` across file systems, `EOPNOTSUPP`, `EINVAL`, ...), the copy goes
//! on with `sendfile(2)`, and the refusal is remembered for the source's file system, so
//! every later file from it goes to `sendfile` at once instead of failing first. When
//! `sendfile` is refused too, the bytes go through a buffer (`pread`, `write`). All three
//! give the same bytes; the remembered choice only saves system calls.
//!
//! The output is written at its current position, which the copy moves on.

use std::fs::File;
use std::io::{self, Write};

/// Copies at most `len` bytes of `src` from `offset` to `out` (at its position); returns
/// the bytes copied, fewer than `len` only when `src` ends first. `src_dev` is the device
/// of `src`'s file system (the key of the remembered fallback).
pub(crate) fn copy_range(
    src: &File,
    src_dev: u64,
    offset: u64,
    len: u64,
    out: &mut File,
) -> io::Result<u64> {
    imp::copy_range(src, src_dev, offset, len, out)
}

/// The portable copy: positional reads into a buffer, writes to `out`.
fn buffered(src: &File, offset: u64, len: u64, out: &mut File) -> io::Result<u64> {
    read_through(src, offset, len, &mut |chunk| out.write_all(chunk))
}

/// Copies at most `len` bytes of `src` from `offset` to `out` through this process,
/// handing every chunk to `seen` before it is written (the hashes of the manifest: the
/// pixel bytes are read once, for the copy and for both hashes); returns the bytes
/// copied, fewer than `len` only when `src` ends first.
pub(crate) fn copy_seen(
    src: &File,
    offset: u64,
    len: u64,
    out: &mut dyn Write,
    seen: &mut dyn FnMut(&[u8]),
) -> io::Result<u64> {
    read_through(src, offset, len, &mut |chunk| {
        seen(chunk);
        out.write_all(chunk)
    })
}

/// Hands `src` from `offset` to its end (at most `len` bytes) to `seen`, in chunks;
/// returns the bytes read.
pub(crate) fn read_seen(
    src: &File,
    offset: u64,
    len: u64,
    seen: &mut dyn FnMut(&[u8]),
) -> io::Result<u64> {
    read_through(src, offset, len, &mut |chunk| {
        seen(chunk);
        Ok(())
    })
}

/// Bytes of the buffer each thread reads through (kept: a new one per file would be
/// fresh pages every time).
const BUFFER: usize = 256 * 1024;

thread_local! {
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Positional reads of `src` from `offset`, at most `len` bytes, each chunk handed to
/// `each`; returns the bytes read.
fn read_through(
    src: &File,
    mut offset: u64,
    len: u64,
    each: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<u64> {
    BUF.with(|buf| {
        // a re-entered buffer (never here) gets one of its own
        let mut own = Vec::new();
        let mut borrowed = buf.try_borrow_mut();
        let buf = match borrowed.as_mut() {
            Ok(b) => &mut **b,
            Err(_) => &mut own,
        };
        let size = usize::try_from(len).unwrap_or(BUFFER).clamp(1, BUFFER);
        if buf.len() < size {
            buf.resize(size, 0);
        }
        let mut done = 0u64;
        while done < len {
            let want = usize::try_from(len - done).unwrap_or(usize::MAX).min(size);
            let Some(chunk) = buf.get_mut(..want) else {
                break;
            };
            let n = match read_at(src, chunk, offset) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            each(chunk.get(..n).unwrap_or_default())?;
            offset += n as u64;
            done += n as u64;
        }
        Ok(done)
    })
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

#[cfg(target_os = "linux")]
mod imp {
    use rustix::io::Errno;
    use std::fs::File;
    use std::io;
    use std::sync::RwLock;

    /// How the kernel copies from a source file system, once known to differ from the
    /// first choice (`copy_file_range`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Method {
        Sendfile,
        Buffered,
    }

    /// Source file systems (by device) whose copies do not start with `copy_file_range`.
    static FALLBACK: RwLock<Vec<(u64, Method)>> = RwLock::new(Vec::new());

    fn remembered(dev: u64) -> Option<Method> {
        FALLBACK
            .read()
            .ok()
            .and_then(|f| f.iter().find(|(d, _)| *d == dev).map(|(_, m)| *m))
    }

    fn remember(dev: u64, method: Method) {
        if let Ok(mut f) = FALLBACK.write() {
            match f.iter_mut().find(|(d, _)| *d == dev) {
                Some(entry) => entry.1 = method,
                None => f.push((dev, method)),
            }
        }
    }

    /// Errors by which the kernel refuses a way of copying for these files (rather than
    /// failing to read or write them).
    fn refused(e: Errno) -> bool {
        [
            Errno::XDEV,
            Errno::INVAL,
            Errno::OPNOTSUPP,
            Errno::NOSYS,
            Errno::PERM,
            Errno::BADF,
        ]
        .contains(&e)
    }

    /// Bytes asked of the kernel in one call.
    const CALL: u64 = 1 << 30;

    pub(super) fn copy_range(
        src: &File,
        dev: u64,
        offset: u64,
        len: u64,
        out: &mut File,
    ) -> io::Result<u64> {
        let mut pos = offset;
        let mut copied = 0u64;
        let mut method = remembered(dev);
        if method.is_none() {
            while copied < len {
                let want = usize::try_from((len - copied).min(CALL)).unwrap_or(usize::MAX);
                match rustix::fs::copy_file_range(src, Some(&mut pos), &*out, None, want) {
                    Ok(0) => return Ok(copied),
                    Ok(n) => copied += n as u64,
                    Err(Errno::INTR) => {}
                    Err(e) if refused(e) => {
                        remember(dev, Method::Sendfile);
                        method = Some(Method::Sendfile);
                        break;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if method == Some(Method::Sendfile) {
            while copied < len {
                let want = usize::try_from((len - copied).min(CALL)).unwrap_or(usize::MAX);
                match rustix::fs::sendfile(&*out, src, Some(&mut pos), want) {
                    Ok(0) => return Ok(copied),
                    Ok(n) => copied += n as u64,
                    Err(Errno::INTR) => {}
                    Err(e) if refused(e) => {
                        remember(dev, Method::Buffered);
                        method = Some(Method::Buffered);
                        break;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if method == Some(Method::Buffered) && copied < len {
            copied += super::buffered(src, pos, len - copied, out)?;
        }
        Ok(copied)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::io::{Read, Seek, SeekFrom, Write};

        fn source(n: usize) -> (File, Vec<u8>) {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
            let mut f = tempfile::tempfile().unwrap();
            f.write_all(&bytes).unwrap();
            (f, bytes)
        }

        fn copied(out: &mut File) -> Vec<u8> {
            let mut v = Vec::new();
            out.seek(SeekFrom::Start(0)).unwrap();
            out.read_to_end(&mut v).unwrap();
            v
        }

        /// Every method copies the same bytes, after what the output already holds, and
        /// stops short at the end of the source.
        #[test]
        fn every_method_copies_the_range() {
            let (src, bytes) = source(300_000);
            // devices that no real file system has: each test picks its method
            for (dev, method) in [
                (u64::MAX - 1, None),
                (u64::MAX - 2, Some(Method::Sendfile)),
                (u64::MAX - 3, Some(Method::Buffered)),
            ] {
                if let Some(m) = method {
                    remember(dev, m);
                }
                let mut out = tempfile::tempfile().unwrap();
                out.write_all(b"head").unwrap();
                let n = copy_range(&src, dev, 1000, 200_000, &mut out).unwrap();
                assert_eq!(n, 200_000, "{method:?}");
                let got = copied(&mut out);
                assert_eq!(&got[..4], b"head");
                assert_eq!(&got[4..], &bytes[1000..201_000], "{method:?}");
                // past the end: only what is there
                let mut out = tempfile::tempfile().unwrap();
                let n = copy_range(&src, dev, 250_000, 100_000, &mut out).unwrap();
                assert_eq!(n, 50_000, "{method:?}");
                assert_eq!(copied(&mut out), &bytes[250_000..], "{method:?}");
                assert_eq!(
                    remembered(dev),
                    method,
                    "a copy that worked changes nothing"
                );
            }
        }

        /// A refusal is remembered: an output opened for appending makes
        /// `copy_file_range` fail with EBADF, and the copy goes on with `sendfile` (which
        /// refuses it too on some kernels: then through the buffer).
        #[test]
        fn a_refused_copy_falls_back_and_is_remembered() {
            let (src, bytes) = source(10_000);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("out");
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap();
            let dev = u64::MAX - 4;
            let n = copy_range(&src, dev, 10, 5000, &mut out).unwrap();
            assert_eq!(n, 5000);
            assert_eq!(std::fs::read(&path).unwrap(), &bytes[10..5010]);
            assert!(remembered(dev).is_some());
            // the next copy starts with the remembered method, and gives the same bytes
            let n = copy_range(&src, dev, 5010, 10_000, &mut out).unwrap();
            assert_eq!(n, 4990);
            assert_eq!(std::fs::read(&path).unwrap(), &bytes[10..]);
        }

        /// A source that cannot be read ends the copy with its error, by every method
        /// (not a retry forever, not a short copy called done).
        #[test]
        fn a_read_error_of_the_source_is_returned() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("src");
            std::fs::write(&path, vec![7u8; 4096]).unwrap();
            // opened for writing only: every read of it fails with EBADF
            let src = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            let mut out = tempfile::tempfile().unwrap();
            assert!(super::super::buffered(&src, 0, 4096, &mut out).is_err());
            for dev in [u64::MAX - 5, u64::MAX - 6] {
                if dev == u64::MAX - 6 {
                    remember(dev, Method::Buffered);
                }
                assert!(copy_range(&src, dev, 0, 4096, &mut out).is_err());
            }
            assert_eq!(copied(&mut out), Vec::<u8>::new());
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::fs::File;
    use std::io;

    pub(super) fn copy_range(
        src: &File,
        _dev: u64,
        offset: u64,
        len: u64,
        out: &mut File,
    ) -> io::Result<u64> {
        super::buffered(src, offset, len, out)
    }
}
