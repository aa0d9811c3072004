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

/// Gaps shorter than this between two ranges are read and written with them (one read and
/// one write instead of a kernel copy per gap: the rows between two rectangles, the rest
/// of a row beside a narrow one).
const SHORT_GAP: u64 = 64 * 1024;
/// The largest piece of the value held in memory: a span of ranges is read, cleared and
/// written in pieces of at most this size.
const CHUNK: u64 = 256 * 1024;

/// Copies `len` bytes of `src` to `out` (at its position), clearing the bits of
/// `ranges` (bit offsets from the first byte copied, ascending, not overlapping, within
/// `len * 8`; bit 0 of a byte is its least significant bit, PS3.5 8.1.1). Returns the bytes
/// copied (always `len`, or an error).
///
/// Only the bytes of the ranges (and short gaps between them) pass through the process,
/// in one read and one write per piece of at most [`CHUNK`] bytes; a piece the ranges
/// cover whole is not read at all. Everything else is copied by `src` (the kernel for a
/// file), as on a copy without blackout.
pub(crate) fn copy_with_blackout<R: RangeSource<W>, W: Write>(
    src: &mut R,
    len: u64,
    out: &mut W,
    ranges: impl Iterator<Item = (u64, u64)>,
) -> io::Result<u64> {
    let mut ranges = ranges.peekable();
    let mut span: Vec<(u64, u64)> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    // bytes of the value written so far
    let mut pos = 0u64;
    while let Some((s, e)) = ranges.next() {
        span.clear();
        span.push((s, e));
        let start = s / 8;
        let mut end = e.div_ceil(8);
        // ranges that share a byte with the span must join it; ranges after a short gap
        // join while the span stays within one piece
        while let Some(&(s2, e2)) = ranges.peek() {
            let shares = s2 / 8 < end;
            let near = (s2 / 8).saturating_sub(end) < SHORT_GAP && e2.div_ceil(8) - start <= CHUNK;
            if !(shares || near) {
                break;
            }
            end = end.max(e2.div_ceil(8));
            span.push((s2, e2));
            ranges.next();
        }
        if start < pos || end > len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "blackout range outside the pixel data",
            ));
        }
        copy_exact(src, pos, start - pos, out)?;
        let mut at = start;
        while at < end {
            let n = (end - at).min(CHUNK);
            let piece = piece(&mut buf, n)?;
            let (lo, hi) = (at * 8, (at + n) * 8);
            if covered(&span, lo, hi) {
                piece.fill(0);
            } else {
                src.read_at(piece, at)?;
                for &(s, e) in &span {
                    let (s, e) = (s.max(lo), e.min(hi));
                    if s < e {
                        clear_bits(piece, s - lo, e - lo);
                    }
                }
            }
            out.write_all(piece)?;
            at += n;
        }
        pos = end;
    }
    copy_exact(src, pos, len - pos, out)?;
    Ok(len)
}

/// Copies `n` bytes from `offset` unchanged, refusing a short copy.
fn copy_exact<R: RangeSource<W>, W>(
    src: &mut R,
    offset: u64,
    n: u64,
    out: &mut W,
) -> io::Result<()> {
    if n > 0 && src.copy_to(offset, n, out)? != n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// The first `n` bytes of `buf`, grown to hold them.
fn piece(buf: &mut Vec<u8>, n: u64) -> io::Result<&mut [u8]> {
    let n = usize::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    if buf.len() < n {
        buf.resize(n, 0);
    }
    buf.get_mut(..n)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Whether the sorted, non-overlapping `ranges` cover every bit of `lo..hi`.
fn covered(ranges: &[(u64, u64)], lo: u64, hi: u64) -> bool {
    let mut at = lo;
    for &(s, e) in ranges {
        if e <= at {
            continue;
        }
        if s > at {
            return false;
        }
        at = e;
        if at >= hi {
            return true;
        }
    }
    at >= hi
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

    /// A value in memory that counts what is read and what is copied.
    struct Counted<'a> {
        data: &'a [u8],
        read: u64,
        copied: u64,
    }

    impl RangeSource<Vec<u8>> for Counted<'_> {
        fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
            self.read += buf.len() as u64;
            RangeSource::<Vec<u8>>::read_at(&mut self.data, buf, offset)
        }

        fn copy_to(&mut self, offset: u64, len: u64, out: &mut Vec<u8>) -> io::Result<u64> {
            self.copied += len;
            self.data.copy_to(offset, len, out)
        }
    }

    fn counted(data: &[u8], ranges: &[(u64, u64)]) -> (Vec<u8>, u64, u64) {
        let mut src = Counted {
            data,
            read: 0,
            copied: 0,
        };
        let mut out = Vec::new();
        copy_with_blackout(
            &mut src,
            data.len() as u64,
            &mut out,
            ranges.iter().copied(),
        )
        .unwrap();
        (out, src.read, src.copied)
    }

    #[test]
    fn whole_bytes_are_written_unread_and_the_rest_is_copied() {
        let data = vec![7u8; 1_000_000];
        // a band across the top of two "frames", byte aligned
        let (out, read, copied) = counted(&data, &[(0, 8 * 72_000), (8 * 500_000, 8 * 572_000)]);
        assert_eq!(read, 0);
        assert_eq!(copied, 1_000_000 - 144_000);
        assert!(out[..72_000].iter().all(|b| *b == 0));
        assert!(out[72_000..500_000].iter().all(|b| *b == 7));
        assert!(out[500_000..572_000].iter().all(|b| *b == 0));
        assert!(out[572_000..].iter().all(|b| *b == 7));
        // two ranges more than a short gap apart are two spans, even within one piece
        let (_, read, copied) = counted(&data, &[(0, 8 * 1000), (8 * 150_000, 8 * 151_000)]);
        assert_eq!((read, copied), (0, 1_000_000 - 2000));
        // a range larger than a piece, not aligned at its ends: only the pieces with its
        // ends are read
        let (out, read, _) = counted(&data, &[(3, 8 * 600_000 + 5)]);
        assert_eq!(read, CHUNK + (600_001 - 2 * CHUNK));
        assert_eq!(out[0], 7 & 0b0000_0111);
        assert!(out[1..600_000].iter().all(|b| *b == 0));
        assert_eq!(out[600_000], 7 & 0b1110_0000);
        assert!(out[600_001..].iter().all(|b| *b == 7));
    }

    #[test]
    fn narrow_rows_are_read_once_with_the_gaps_between_them() {
        let data: Vec<u8> = (0..400_000u32).map(|i| (i % 253) as u8 | 0x80).collect();
        // 60 rows of a 1280-wide RGB image, 100 pixels of each blacked out: gaps of 3540
        // bytes between the rows' ranges
        let ranges: Vec<(u64, u64)> = (0..60u64)
            .map(|y| (8 * (y * 3840 + 30), 8 * (y * 3840 + 330)))
            .collect();
        let (out, read, copied) = counted(&data, &ranges);
        // one span from the first range to the last, read once; the rest copied
        let span = 59 * 3840 + 330 - 30;
        assert_eq!(read, span);
        assert_eq!(copied, 400_000 - span);
        for (i, (a, b)) in data.iter().zip(&out).enumerate() {
            let i = i as u64;
            let inside = i < 60 * 3840 && (30..330).contains(&(i % 3840));
            assert_eq!(*b, if inside { 0 } else { *a }, "byte {i}");
        }
    }

    #[test]
    fn ranges_sharing_a_byte_join_even_past_a_piece() {
        let data = vec![0xFFu8; 2 * CHUNK as usize];
        let c = 8 * CHUNK;
        // the second range starts in the last byte of the first (1-bit data), and ends past
        // a piece from the first's start
        let ranges = [(0, c - 4), (c - 2, c + 100)];
        let (out, _, _) = counted(&data, &ranges);
        let mut want = data.clone();
        for (s, e) in ranges {
            for bit in s..e {
                want[(bit / 8) as usize] &= !(1u8 << (bit % 8));
            }
        }
        assert!(out == want);
    }

    #[test]
    fn agrees_with_clearing_bit_by_bit() {
        let data: Vec<u8> = (0..700_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..20 {
            let mut ranges = Vec::new();
            let mut at = next(50_000);
            while at < 8 * 700_000 {
                let long = next(4) == 0;
                let len = 1 + next(if long { 8 * 300_000 } else { 64 });
                let end = (at + len).min(8 * 700_000);
                ranges.push((at, end));
                let far = next(3) == 0;
                at = end + next(if far { 8 * 200_000 } else { 100 });
            }
            let out = run(&data, ranges.clone());
            let mut want = data.clone();
            for (s, e) in &ranges {
                for bit in *s..*e {
                    want[(bit / 8) as usize] &= !(1u8 << (bit % 8));
                }
            }
            assert!(out == want, "ranges {ranges:?}");
        }
    }

    #[test]
    fn range_past_the_end_is_an_error() {
        let data = [1u8; 4];
        let mut out = Vec::new();
        assert!(copy_with_blackout(&mut &data[..], 4, &mut out, [(0, 40)].into_iter()).is_err());
    }
}
