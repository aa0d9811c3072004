//! The streaming copy with blackout: bytes outside the ranges are copied unchanged (long
//! stretches by the kernel: `io::copy::copy_range`, `copy_file_range` on Linux), bits
//! inside are cleared. Memory is bounded by [`CHUNK`] whatever the value's size.

use std::fs::File;
use std::io::{self, Write};

/// Where the value is read from, at offsets from its first byte.
pub(crate) trait RangeSource<W> {
    /// Fills `buf` from `offset`.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    /// Copies `len` bytes from `offset` to `out`; returns the bytes copied.
    fn copy_to(&mut self, offset: u64, len: u64, out: &mut W) -> io::Result<u64>;
}

/// A value in memory.
impl<W: Write> RangeSource<W> for &[u8] {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let at =
            usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let src = self
            .get(at..at + buf.len())
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn copy_to(&mut self, offset: u64, len: u64, out: &mut W) -> io::Result<u64> {
        let (Ok(at), Ok(n)) = (usize::try_from(offset), usize::try_from(len)) else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        let src = self
            .get(at..at + n)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        out.write_all(src)?;
        Ok(len)
    }
}

/// The value of a streamed Pixel Data element, `base` bytes into the source file.
#[derive(Debug)]
pub(crate) struct FileRange<'a> {
    pub file: &'a File,
    /// The device of the source's file system (see `io::copy`).
    pub dev: u64,
    pub base: u64,
}

impl RangeSource<File> for FileRange<'_> {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        read_exact_at(self.file, buf, self.base + offset)
    }

    fn copy_to(&mut self, offset: u64, len: u64, out: &mut File) -> io::Result<u64> {
        crate::io::copy::copy_range(self.file, self.dev, self.base + offset, len, out)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, at) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = buf.get_mut(n..).unwrap_or_default();
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Stretches at least this long are copied by `io::copy` rather than through the buffer.
const LONG_GAP: u64 = 128 * 1024;
/// The buffer is written out when it holds this much, and windows are read in chunks of
/// this size.
const CHUNK: u64 = 256 * 1024;

/// Copies `len` bytes of `src` to `out` (at its position), clearing the bits of
/// `ranges` (bit offsets from the first byte copied, ascending, not overlapping, within
/// `len * 8`; bit 0 of a byte is its least significant bit, PS3.5 8.1.1). Returns the bytes
/// copied (always `len`, or an error).
pub(crate) fn copy_with_blackout<R: RangeSource<W>, W: Write>(
    src: &mut R,
    len: u64,
    out: &mut W,
    ranges: impl Iterator<Item = (u64, u64)>,
) -> io::Result<u64> {
    let mut c = Copier {
        src,
        out,
        buf: Vec::with_capacity(usize::try_from(CHUNK * 2).unwrap_or(0)),
        pos: 0,
    };
    let mut ranges = ranges.peekable();
    let mut window: Vec<(u64, u64)> = Vec::new();
    while let Some((s, e)) = ranges.next() {
        window.clear();
        window.push((s, e));
        let start = s / 8;
        let mut end = e.div_ceil(8);
        // ranges that share a byte with this window are cleared in the same read
        while let Some(&(s2, e2)) = ranges.peek() {
            if s2 / 8 >= end {
                break;
            }
            end = end.max(e2.div_ceil(8));
            window.push((s2, e2));
            ranges.next();
        }
        if start < c.pos || end > len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "blackout range outside the pixel data",
            ));
        }
        c.gap(start)?;
        c.clear_window(end, &window)?;
    }
    c.gap(len)?;
    c.flush()?;
    Ok(len)
}

struct Copier<'a, R, W> {
    src: &'a mut R,
    out: &'a mut W,
    buf: Vec<u8>,
    /// bytes of the value consumed from `src` so far
    pos: u64,
}

impl<R: RangeSource<W>, W: Write> Copier<'_, R, W> {
    /// Copies unchanged up to byte `to`.
    fn gap(&mut self, to: u64) -> io::Result<()> {
        let n = to - self.pos;
        if n >= LONG_GAP {
            self.flush()?;
            let copied = self.src.copy_to(self.pos, n, self.out)?;
            if copied != n {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.pos = to;
        } else if n > 0 {
            self.read_into_buf(n)?;
            self.flush_if_full()?;
        }
        Ok(())
    }

    /// Reads bytes `pos..to` and clears the bits of `ranges` in them.
    fn clear_window(&mut self, to: u64, ranges: &[(u64, u64)]) -> io::Result<()> {
        while self.pos < to {
            let chunk_start = self.pos;
            let n = (to - chunk_start).min(CHUNK);
            let at = self.buf.len();
            self.read_into_buf(n)?;
            let bytes = self.buf.get_mut(at..).unwrap_or_default();
            let (lo, hi) = (chunk_start * 8, (chunk_start + n) * 8);
            for &(s, e) in ranges {
                let (s, e) = (s.max(lo), e.min(hi));
                if s < e {
                    clear_bits(bytes, s - lo, e - lo);
                }
            }
            self.flush_if_full()?;
        }
        Ok(())
    }

    fn read_into_buf(&mut self, n: u64) -> io::Result<()> {
        let at = self.buf.len();
        let n_us = usize::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        self.buf.resize(at + n_us, 0);
        self.src
            .read_at(self.buf.get_mut(at..).unwrap_or_default(), self.pos)?;
        self.pos += n;
        Ok(())
    }

    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() as u64 >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Clears bits `s..e` of `bytes` (bit 0 = least significant bit of byte 0).
pub(crate) fn clear_bits(bytes: &mut [u8], s: u64, e: u64) {
    let (Ok(s), Ok(e)) = (usize::try_from(s), usize::try_from(e)) else {
        return;
    };
    let e = e.min(bytes.len() * 8);
    if s >= e {
        return;
    }
    let (first, last) = (s / 8, (e - 1) / 8);
    // bits lo..hi of one byte
    let mask = |lo: usize, hi: usize| ((1u16 << hi) - (1u16 << lo)) as u8;
    if first == last {
        if let Some(b) = bytes.get_mut(first) {
            *b &= !mask(s % 8, (e - 1) % 8 + 1);
        }
        return;
    }
    if let Some(b) = bytes.get_mut(first) {
        *b &= !mask(s % 8, 8);
    }
    if let Some(mid) = bytes.get_mut(first + 1..last) {
        mid.fill(0);
    }
    if let Some(b) = bytes.get_mut(last) {
        *b &= !mask(0, (e - 1) % 8 + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(data: &[u8], ranges: Vec<(u64, u64)>) -> Vec<u8> {
        let mut out = Vec::new();
        let n = copy_with_blackout(
            &mut &data[..],
            data.len() as u64,
            &mut out,
            ranges.into_iter(),
        )
        .unwrap();
        assert_eq!(n, data.len() as u64);
        out
    }

    #[test]
    fn clears_whole_bytes_and_keeps_the_rest() {
        let data: Vec<u8> = (1..=20).collect();
        let out = run(&data, vec![(16, 40), (80, 88)]);
        let mut want = data.clone();
        want[2..5].fill(0);
        want[10] = 0;
        assert_eq!(out, want);
    }

    #[test]
    fn clears_single_bits() {
        let data = vec![0xFFu8; 4];
        let out = run(&data, vec![(1, 3), (7, 10), (12, 13), (31, 32)]);
        assert_eq!(out, vec![0b0111_1001, 0b1110_1100, 0xFF, 0b0111_1111]);
        assert_eq!(run(&data, vec![(0, 32)]), vec![0; 4]);
        assert_eq!(run(&data, vec![(4, 12)]), vec![0x0F, 0xF0, 0xFF, 0xFF]);
    }

    #[test]
    fn long_gaps_and_big_windows() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8 | 1).collect();
        let ranges = vec![
            (8 * 10, 8 * 20),
            (8 * 500_000, 8 * 1_700_000),
            (8 * 2_999_990, 8 * 3_000_000),
        ];
        let out = run(&data, ranges.clone());
        for (i, (a, b)) in data.iter().zip(&out).enumerate() {
            let inside = ranges
                .iter()
                .any(|(s, e)| (s / 8..e / 8).contains(&(i as u64)));
            assert_eq!(*b, if inside { 0 } else { *a }, "byte {i}");
        }
    }

    #[test]
    fn range_past_the_end_is_an_error() {
        let data = [1u8; 4];
        let mut out = Vec::new();
        assert!(copy_with_blackout(&mut &data[..], 4, &mut out, [(0, 40)].into_iter()).is_err());
    }
}
