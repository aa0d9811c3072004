//! A buffered reader over a file that seeks without system calls.
//!
//! Loading a file reads its first bytes several times (magic, meta, structure walk, header
//! parse) and jumps over the pixel data in between. `std::io::BufReader` drops its buffer
//! and calls `lseek` on every seek, so each pass cost an `lseek` and a new `read`. Here the
//! first [`HEAD`] bytes are read once and kept, a second buffer serves everything else,
//! reads use the position explicitly (`pread`), and seeking only moves a number.
//!
//! The file's own position is never used (nor changed), so the `File` can be handed on
//! afterwards ([`PosReader::into_inner`]) and positioned by its next user.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// One positional read (`pread`); it does not use or change the file position on Unix.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

/// One positional read (it moves the file position on Windows, which nothing here uses).
#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

/// Bytes read from the start of the file and kept: the preamble, meta and a typical
/// header, read again by each pass without touching the file.
const HEAD: usize = 16 * 1024;
/// The buffer for reads elsewhere, filled when reading on from where it ends.
const WINDOW: usize = 16 * 1024;
/// A read after a jump (over pixel data, to an item header) fetches only this much.
const JUMP: usize = 4 * 1024;

/// See the [module docs](self).
#[derive(Debug)]
pub(crate) struct PosReader {
    file: File,
    len: u64,
    pos: u64,
    head: Vec<u8>,
    /// whether `head` was read (it may be shorter than [`HEAD`]: a short file)
    head_read: bool,
    /// allocated once at [`WINDOW`] bytes; `window_len` of them are valid
    window: Vec<u8>,
    window_len: usize,
    window_start: u64,
}

impl PosReader {
    /// A reader at position 0 of `file`, whose length is `len`.
    pub(crate) fn new(file: File, len: u64) -> Self {
        PosReader {
            file,
            len,
            pos: 0,
            head: Vec::new(),
            head_read: false,
            window: Vec::new(),
            window_len: 0,
            window_start: 0,
        }
    }

    /// The file, for the next user (its position was not used or changed).
    pub(crate) fn into_inner(self) -> File {
        self.file
    }

    /// Fill `buf` from `at` until it is full or the file ends; returns the bytes read.
    fn read_full_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
        let mut n = 0;
        while let Some(rest) = buf.get_mut(n..) {
            if rest.is_empty() {
                break;
            }
            match read_at(file, rest, at + n as u64) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// The bytes buffered from the current position on (empty if none).
    #[inline]
    fn buffered(&self) -> &[u8] {
        if let Some(rest) = usize::try_from(self.pos)
            .ok()
            .and_then(|p| self.head.get(p..))
            .filter(|r| !r.is_empty())
        {
            return rest;
        }
        self.pos
            .checked_sub(self.window_start)
            .and_then(|off| usize::try_from(off).ok())
            .and_then(|off| self.window.get(off..self.window_len))
            .unwrap_or_default()
    }

    /// Make bytes at the current position buffered, unless `want` is large enough to be
    /// read directly (then returns false).
    fn fill(&mut self, want: usize) -> io::Result<bool> {
        if !self.head_read && self.pos < HEAD as u64 {
            // one read for the whole head (`read_to_end` would take two)
            let size = usize::try_from(self.len).map_or(HEAD, |l| l.min(HEAD));
            self.head = vec![0; size];
            let n = Self::read_full_at(&self.file, &mut self.head, 0)?;
            self.head.truncate(n);
            self.head_read = true;
            if !self.buffered().is_empty() {
                return Ok(true);
            }
        }
        if want >= WINDOW {
            return Ok(false);
        }
        let sequential = self.pos == self.window_start + self.window_len as u64
            || self.pos == self.head.len() as u64;
        if self.window.is_empty() {
            self.window = vec![0; WINDOW];
        }
        let size = if sequential { WINDOW } else { JUMP };
        let buf = self.window.get_mut(..size).unwrap_or_default();
        self.window_len = Self::read_full_at(&self.file, buf, self.pos)?;
        self.window_start = self.pos;
        Ok(true)
    }
}

impl Read for PosReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        if self.buffered().is_empty() && !self.fill(buf.len())? {
            // large reads (values, pixel data on a full read) bypass the buffers
            let n = read_at(&self.file, buf, self.pos)?;
            self.pos += n as u64;
            return Ok(n);
        }
        let src = self.buffered();
        let n = src.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), src.get(..n)) {
            to.copy_from_slice(from);
        }
        self.pos += n as u64;
        Ok(n)
    }

    #[inline]
    fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        // the decoders read a few bytes at a time: serve those without the loop
        if let Some(from) = self.buffered().get(..buf.len()) {
            buf.copy_from_slice(from);
            self.pos += buf.len() as u64;
            return Ok(());
        }
        let mut rest = buf;
        while !rest.is_empty() {
            match self.read(rest) {
                // the same error as std's `read_exact`
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "failed to fill whole buffer",
                    ));
                }
                Ok(n) => rest = rest.get_mut(n..).unwrap_or_default(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Seek for PosReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let Some(target) = target else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative or overflowing position",
            ));
        };
        self.pos = target;
        Ok(target)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_and_seeks_like_the_file() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&data).unwrap();
        let mut r = PosReader::new(f, data.len() as u64);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        // jumps forwards and back, small and large reads, past the end
        for (at, len) in [
            (0usize, 10usize),
            (50_000, 8),
            (16_380, 10),
            (3, 40_000),
            (99_990, 20),
            (20_000, 5),
            (20_005, 30_000),
        ] {
            r.seek(SeekFrom::Start(at as u64)).unwrap();
            let mut buf = vec![0u8; len];
            let mut got = 0;
            while got < len {
                let n = r.read(&mut buf[got..]).unwrap();
                if n == 0 {
                    break;
                }
                got += n;
            }
            let end = (at + len).min(data.len());
            assert_eq!(&buf[..got], &data[at..end], "at {at} len {len}");
            assert_eq!(r.stream_position().unwrap(), end as u64);
        }
        r.seek(SeekFrom::End(-4)).unwrap();
        let mut tail = Vec::new();
        r.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, &data[data.len() - 4..]);
        assert!(r.seek(SeekFrom::Current(-200_000)).is_err());
    }
}
