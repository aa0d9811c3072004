//! The layout of native pixel data (PS3.5 8.1.1, 8.2): where each pixel's samples are,
//! as bit offsets into the value, so that a rectangle becomes a list of bit ranges.

use super::{PixelError, Region};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// Rows, columns, samples and bits of an image, as its header describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub rows: u32,
    pub cols: u32,
    /// Samples per pixel.
    pub samples: u32,
    /// Bits allocated per sample: 1 or a multiple of 8.
    pub bits: u32,
    pub bits_stored: u32,
    /// Planar Configuration 1: one plane per sample.
    pub planar: bool,
    pub frames: u32,
    /// Photometric Interpretation (trimmed).
    pub photometric: String,
}

/// A region clipped to the image, in pixels: `x0..x1` × `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clipped {
    x0: u64,
    x1: u64,
    y0: u64,
    y1: u64,
}

/// The first value of a numeric (US, IS) element; a standard element stored as UN holds
/// raw bytes (US: 2 bytes little endian, IS: text).
fn number(obj: &InMemDicomObject, tag: Tag) -> Option<u64> {
    use dicom_core::PrimitiveValue as P;
    let e = obj.get(tag)?;
    let parse_text = |text: &str| -> Option<u64> {
        text.trim_matches(['\0', ' '])
            .split('\\')
            .next()?
            .trim_matches(['\0', ' '])
            .parse()
            .ok()
    };
    match e.value().primitive()? {
        // a value given as text (a data set built in memory, IS): its digits, padded or not
        P::Str(s) => return parse_text(s),
        P::Strs(s) => return parse_text(s.first()?),
        // raw bytes: a standard element stored as UN
        P::U8(bytes) => {
            return match bytes.as_slice() {
                [a, b] => Some(u64::from(u16::from_le_bytes([*a, *b]))),
                text => parse_text(std::str::from_utf8(text).ok()?),
            };
        }
        _ => {}
    }
    e.value().to_int::<u64>().ok()
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.value().to_str().ok()?;
    Some(s.trim_matches(['\0', ' ']).to_string())
}

impl Layout {
    /// The layout the header of `obj` describes.
    pub fn of(obj: &InMemDicomObject) -> Result<Layout, PixelError> {
        let need = |tag, name| {
            number(obj, tag)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or(PixelError::Attribute(name))
        };
        let rows = need(tags::ROWS, "Rows (0028,0010)")?;
        let cols = need(tags::COLUMNS, "Columns (0028,0011)")?;
        let bits = need(tags::BITS_ALLOCATED, "Bits Allocated (0028,0100)")?;
        let samples = number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        let samples = u32::try_from(samples)
            .map_err(|_| PixelError::Attribute("Samples per Pixel (0028,0002)"))?;
        let bits_stored = number(obj, tags::BITS_STORED)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(bits);
        let planar = samples > 1 && number(obj, tags::PLANAR_CONFIGURATION) == Some(1);
        let frames = match obj.get(tags::NUMBER_OF_FRAMES) {
            None => 1,
            Some(_) => need(tags::NUMBER_OF_FRAMES, "Number of Frames (0028,0008)")?,
        };
        let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        if rows == 0 || cols == 0 || frames == 0 {
            return Err(PixelError::Unsupported(
                "zero rows, columns or frames".to_string(),
            ));
        }
        if samples == 0 || samples > 4 {
            return Err(PixelError::Unsupported(format!(
                "{samples} samples per pixel"
            )));
        }
        if !(bits == 1 || (bits % 8 == 0 && (8..=64).contains(&bits))) {
            return Err(PixelError::Unsupported(format!("{bits} bits allocated")));
        }
        Ok(Layout {
            rows,
            cols,
            samples,
            bits,
            bits_stored,
            planar,
            frames,
            photometric,
        })
    }

    /// Native YBR_FULL_422 / YBR_PARTIAL_422: two pixels share one Cb and one Cr sample
    /// (Y Y Cb Cr), so a pixel takes two samples on average.
    fn pairs_422(&self) -> bool {
        self.samples == 3 && self.photometric.ends_with("_422")
    }

    /// Bits per frame (frames of 1-bit data are not byte-aligned: PS3.5 8.1.1).
    pub fn frame_bits(&self) -> u64 {
        let per_pixel = if self.pairs_422() {
            2
        } else {
            u64::from(self.samples)
        };
        u64::from(self.rows) * u64::from(self.cols) * per_pixel * u64::from(self.bits)
    }

    /// Bytes of all frames (rounded up to a whole byte).
    pub fn total_bytes(&self) -> u64 {
        (self.frame_bits() * u64::from(self.frames)).div_ceil(8)
    }

    /// Bytes of one frame, for decoded (byte-aligned) frames.
    pub fn frame_bytes(&self) -> u64 {
        self.frame_bits().div_ceil(8)
    }

    /// `r` clipped to the image; `None` when no pixel of it is inside.
    pub fn clip(&self, r: &Region) -> Option<Clipped> {
        let (cols, rows) = (u64::from(self.cols), u64::from(self.rows));
        let x0 = u64::from(r.x).min(cols);
        let x1 = (u64::from(r.x) + u64::from(r.width)).min(cols);
        let y0 = u64::from(r.y).min(rows);
        let y1 = (u64::from(r.y) + u64::from(r.height)).min(rows);
        (x0 < x1 && y0 < y1).then_some(Clipped { x0, x1, y0, y1 })
    }

    /// The bit ranges `[start, end)` of one frame (offsets from the frame's first bit)
    /// that the regions cover, sorted and merged.
    pub fn frame_ranges(&self, regions: &[Clipped]) -> Vec<(u64, u64)> {
        let cols = u64::from(self.cols);
        let bits = u64::from(self.bits);
        let mut out = Vec::new();
        if self.planar {
            let plane = u64::from(self.rows) * cols * bits;
            for s in 0..u64::from(self.samples) {
                for r in regions {
                    for y in r.y0..r.y1 {
                        let row = s * plane + y * cols * bits;
                        out.push((row + r.x0 * bits, row + r.x1 * bits));
                    }
                }
            }
        } else if self.pairs_422() {
            // a pair of pixels is 4 samples; cover whole pairs
            for r in regions {
                let (x0, x1) = (r.x0 & !1, (r.x1 + 1) & !1);
                for y in r.y0..r.y1 {
                    let row = y * cols * 2 * bits;
                    out.push((
                        row + x0 * 2 * bits,
                        row + x1.min(cols + (cols & 1)) * 2 * bits,
                    ));
                }
            }
        } else {
            let px = bits * u64::from(self.samples);
            for r in regions {
                for y in r.y0..r.y1 {
                    let row = y * cols * px;
                    out.push((row + r.x0 * px, row + r.x1 * px));
                }
            }
        }
        let frame = self.frame_bits();
        for range in &mut out {
            range.1 = range.1.min(frame);
        }
        merge(out)
    }

    /// The ranges of every frame, as offsets from the first bit of the value.
    pub fn all_ranges(&self, regions: &[Clipped]) -> impl Iterator<Item = (u64, u64)> + use<> {
        let one = self.frame_ranges(regions);
        let frame = self.frame_bits();
        (0..u64::from(self.frames)).flat_map(move |f| {
            one.clone()
                .into_iter()
                .map(move |(s, e)| (f * frame + s, f * frame + e))
        })
    }
}

fn merge(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.retain(|(s, e)| s < e);
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(rows: u32, cols: u32, samples: u32, bits: u32, planar: bool) -> Layout {
        Layout {
            rows,
            cols,
            samples,
            bits,
            bits_stored: bits,
            planar,
            frames: 2,
            photometric: if samples == 3 { "RGB" } else { "MONOCHROME2" }.to_string(),
        }
    }

    #[test]
    fn interleaved_rgb_rows() {
        let l = layout(4, 10, 3, 8, false);
        let c = l.clip(&Region::new(2, 1, 3, 2)).unwrap();
        assert_eq!(
            l.frame_ranges(&[c]),
            vec![(8 * 36, 8 * 45), (8 * 66, 8 * 75)]
        );
        let all: Vec<_> = l.all_ranges(&[c]).collect();
        assert_eq!(all.len(), 4);
        assert_eq!(all[2], (8 * 120 + 8 * 36, 8 * 120 + 8 * 45));
    }

    #[test]
    fn full_width_merges_and_clips() {
        let l = layout(4, 10, 1, 16, false);
        let c = l.clip(&Region::new(0, 2, 50, 50)).unwrap();
        assert_eq!(l.frame_ranges(&[c]), vec![(16 * 20, 16 * 40)]);
        assert!(l.clip(&Region::new(10, 0, 5, 5)).is_none());
        assert!(l.clip(&Region::new(0, 4, 5, 5)).is_none());
    }

    #[test]
    fn planar_has_one_range_per_plane_row() {
        let l = layout(2, 4, 3, 8, true);
        let c = l.clip(&Region::new(1, 0, 2, 1)).unwrap();
        assert_eq!(
            l.frame_ranges(&[c]),
            vec![(8, 24), (8 * 9, 8 * 11), (8 * 17, 8 * 19)]
        );
    }

    #[test]
    fn one_bit_frames_are_not_byte_aligned() {
        let mut l = layout(3, 3, 1, 1, false);
        l.frames = 3;
        assert_eq!(l.frame_bits(), 9);
        assert_eq!(l.total_bytes(), 4);
        let c = l.clip(&Region::new(0, 0, 1, 1)).unwrap();
        let all: Vec<_> = l.all_ranges(&[c]).collect();
        assert_eq!(all, vec![(0, 1), (9, 10), (18, 19)]);
    }

    #[test]
    fn ybr_422_covers_whole_pairs() {
        let mut l = layout(1, 6, 3, 8, false);
        l.photometric = "YBR_FULL_422".to_string();
        assert_eq!(l.frame_bits(), 6 * 2 * 8);
        let c = l.clip(&Region::new(1, 0, 2, 1)).unwrap();
        assert_eq!(l.frame_ranges(&[c]), vec![(0, 8 * 8)]);
        // in a later row, from a later pair: the row's offset and the pair's are added
        let mut l = layout(3, 6, 3, 8, false);
        l.photometric = "YBR_FULL_422".to_string();
        let c = l.clip(&Region::new(3, 2, 2, 1)).unwrap();
        // row 2 starts at byte 2 * 6 * 2; pixels 3-4 lie in pairs 2-3 and 4-5
        assert_eq!(l.frame_ranges(&[c]), vec![(8 * (24 + 4), 8 * (24 + 12))]);
    }

    #[test]
    fn numbers_as_binary_as_padded_text_and_as_raw_un_bytes() {
        use dicom_core::{DataElement, PrimitiveValue, VR};
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(Tag(0x0028, 0x0002), VR::US, PrimitiveValue::from("1 ")),
            DataElement::new(Tag(0x0028, 0x0010), VR::US, PrimitiveValue::from(480u16)),
            DataElement::new(
                Tag(0x0028, 0x0011),
                VR::UN,
                PrimitiveValue::U8(vec![0x80, 0x02].into()),
            ),
            DataElement::new(Tag(0x0028, 0x0008), VR::IS, PrimitiveValue::from("12\\3")),
        ]);
        assert_eq!(number(&obj, Tag(0x0028, 0x0002)), Some(1));
        assert_eq!(number(&obj, Tag(0x0028, 0x0010)), Some(480));
        assert_eq!(number(&obj, Tag(0x0028, 0x0011)), Some(640));
        assert_eq!(number(&obj, Tag(0x0028, 0x0008)), Some(12));
        assert_eq!(number(&obj, Tag(0x0028, 0x0100)), None);
    }
}
