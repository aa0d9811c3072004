//! The fragments of an encapsulated value: read from a streamed file (item by item,
//! within the read limit), and matched to frames (one fragment each, the basic offset
//! table, or JPEG start-of-image markers).

use super::PixelError;
use dicom_core::Tag;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// The basic offset table and fragments of a streamed value, read from `src` (the value
/// starts at `start`, ends at `end`).
pub(crate) fn read_fragments(
    mut src: &File,
    start: u64,
    end: u64,
    limit: u64,
) -> Result<(Vec<u32>, Vec<Vec<u8>>), PixelError> {
    if end - start > limit {
        return Err(PixelError::TooLarge {
            size: end - start,
            limit,
        });
    }
    src.seek(SeekFrom::Start(start))?;
    let mut r = std::io::BufReader::new(src.take(end - start));
    let mut items = Vec::new();
    let mut left = end - start;
    loop {
        let mut h = [0u8; 8];
        match r.read_exact(&mut h) {
            Ok(()) => {}
            // a missing sequence delimiter at the end of the file
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.into()),
        }
        let [g0, g1, e0, e1, l0, l1, l2, l3] = h;
        let tag = Tag(u16::from_le_bytes([g0, g1]), u16::from_le_bytes([e0, e1]));
        let len = u32::from_le_bytes([l0, l1, l2, l3]);
        if tag == Tag(0xFFFE, 0xE0DD) {
            break;
        }
        if tag != Tag(0xFFFE, 0xE000) || len == u32::MAX {
            return Err(PixelError::Malformed("an element that is not an item"));
        }
        left = left.saturating_sub(8);
        if u64::from(len) > left {
            return Err(PixelError::Malformed(
                "a fragment past the end of the value",
            ));
        }
        left -= u64::from(len);
        let mut v = vec![0u8; len as usize];
        r.read_exact(&mut v)
            .map_err(|_| PixelError::Malformed("a fragment past the end of the value"))?;
        items.push(v);
    }
    let mut items = items.into_iter();
    let bot = items
        .next()
        .ok_or(PixelError::Malformed("no basic offset table"))?;
    let offsets = bot
        .chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .map(u32::from_le_bytes)
        .collect();
    Ok((offsets, items.collect()))
}

/// The fragments of each frame (indices into `fragments`).
pub(super) fn frame_fragments(
    frames: u32,
    offsets: &[u32],
    fragments: &[Vec<u8>],
    jpeg: bool,
) -> Result<Vec<std::ops::Range<usize>>, PixelError> {
    let n = fragments.len();
    let frames_us = frames as usize;
    if frames == 1 {
        return Ok(std::iter::once(0..n).collect());
    }
    if n == frames_us {
        return Ok((0..n).map(|i| i..i + 1).collect());
    }
    if offsets.len() == frames_us {
        // offsets count the bytes of the items (8-byte item headers included)
        let mut starts = Vec::with_capacity(n);
        let mut at = 0u64;
        for f in fragments {
            starts.push(at);
            at += 8 + f.len() as u64;
        }
        let index_of = |off: u32| starts.iter().position(|s| *s == u64::from(off));
        let mut out = Vec::with_capacity(frames_us);
        for (i, off) in offsets.iter().enumerate() {
            let first = index_of(*off).ok_or(PixelError::Malformed(
                "an offset table entry between fragments",
            ))?;
            let next = match offsets.get(i + 1) {
                Some(o) => index_of(*o).ok_or(PixelError::Malformed(
                    "an offset table entry between fragments",
                ))?,
                None => n,
            };
            if next <= first {
                return Err(PixelError::Malformed("offset table entries out of order"));
            }
            out.push(first..next);
        }
        return Ok(out);
    }
    if jpeg {
        // no offset table: a frame starts with a JPEG SOI marker
        let mut out: Vec<std::ops::Range<usize>> = Vec::new();
        for (i, f) in fragments.iter().enumerate() {
            if f.starts_with(&[0xFF, 0xD8]) || out.is_empty() {
                out.push(i..i + 1);
            } else if let Some(last) = out.last_mut() {
                last.end = i + 1;
            }
        }
        if out.len() == frames_us {
            return Ok(out);
        }
    }
    Err(PixelError::Malformed(
        "the fragments cannot be matched to the frames",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_match_frames() {
        let frags = vec![vec![0xFF, 0xD8, 1, 2], vec![3, 4], vec![0xFF, 0xD8, 5, 6]];
        assert_eq!(
            frame_fragments(1, &[], &frags, false).unwrap(),
            std::iter::once(0..3).collect::<Vec<_>>()
        );
        assert_eq!(
            frame_fragments(2, &[0, 22], &frags, false).unwrap(),
            vec![0..2, 2..3]
        );
        assert_eq!(
            frame_fragments(2, &[], &frags, true).unwrap(),
            vec![0..2, 2..3]
        );
        assert!(frame_fragments(2, &[], &frags, false).is_err());
        assert!(frame_fragments(2, &[0, 5], &frags, false).is_err());
        assert_eq!(
            frame_fragments(3, &[], &frags, false).unwrap(),
            vec![0..1, 1..2, 2..3]
        );
    }
}
