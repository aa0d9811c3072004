//! Burned-in text: blacking out rectangles of the image, in every frame.
//!
//! ```text
//! Loaded::black_out(regions)
//!   ├─ native pixel data, streamed: the regions become bit ranges of the value; the writer
//!   │    copies the rest from the source (copy_file_range for long stretches) and writes
//!   │    the ranges as zeros (native.rs). Memory stays O(1) in the file size.
//!   ├─ native pixel data, in memory: the same ranges cleared in the value
//!   └─ encapsulated pixel data: every frame decoded with dicom-rs's codecs (JPEG, RLE),
//!        blacked out, written as native Explicit VR Little Endian; the transfer syntax,
//!        Photometric Interpretation, Planar Configuration and the Lossy Image
//!        Compression history follow (encapsulated.rs). A transfer syntax without a
//!        decoder is refused: the file is never written uncleaned.
//! ```
//!
//! A region is set to zero in every sample it covers (black for MONOCHROME2, RGB and the
//! luminance of YBR; the lowest stored value otherwise). Parts of a region outside
//! Rows × Columns are ignored; a region entirely outside is reported as not applied.
//! An Icon Image Sequence (0088,0200) is removed (its thumbnail shows the same text).
//!
//! Errors name attributes and numbers from the header (sizes, bit depths), never values
//! of other elements.

mod encapsulated;
mod layout;
mod native;

pub(crate) use encapsulated::{EncapsulatedEdit, native_header, write_decoded};
pub(crate) use layout::Layout;
pub(crate) use native::{FileRange, copy_with_blackout};

use super::SafeUid;

/// A rectangle in pixel coordinates: `x` columns from the left, `y` rows from the top,
/// `width` × `height` pixels. Sizes are at least 1 (the profile compiler checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    pub fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Region {
            x,
            y,
            width,
            height,
        }
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "({}, {}, {}, {})",
            self.x, self.y, self.width, self.height
        )
    }
}

/// What [`Loaded::black_out`](super::Loaded::black_out) did (or will do on write).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Blackout {
    /// For each region given, whether any part of it lies inside the image.
    pub applied: Vec<bool>,
    /// Frames the regions are blacked out in.
    pub frames: u32,
    /// The encapsulated transfer syntax the pixel data was decoded from (the output is
    /// then Explicit VR Little Endian).
    pub decoded_from: Option<String>,
    /// An Icon Image Sequence was removed.
    pub icon_removed: bool,
}

/// Why pixel data cannot be blacked out. The instance must then not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum PixelError {
    /// An attribute the image layout needs is missing or not a number.
    #[error("the image has no usable {0}")]
    #[diagnostic(code(anon::io::pixel::attribute))]
    Attribute(&'static str),
    /// A layout this tool cannot black out.
    #[error("pixel data with {0} cannot be blacked out")]
    #[diagnostic(code(anon::io::pixel::unsupported))]
    Unsupported(String),
    /// The value is shorter than Rows × Columns × frames says.
    #[error("the pixel data holds {actual} bytes, its attributes describe {expected}")]
    #[diagnostic(code(anon::io::pixel::short))]
    TooShort { expected: u64, actual: u64 },
    /// No decoder for the encapsulated transfer syntax.
    #[error("no decoder for the transfer syntax {uid} of the pixel data")]
    #[diagnostic(
        code(anon::io::pixel::no_decoder),
        help(
            "JPEG (baseline, extended, lossless) and RLE can be decoded; convert other syntaxes first (e.g. `dcmdjpls`, `opj_decompress`)"
        )
    )]
    NoDecoder { uid: SafeUid },
    /// A frame could not be decoded.
    #[error("frame {frame} of the pixel data could not be decoded: {cause}")]
    #[diagnostic(code(anon::io::pixel::decode))]
    Decode { frame: u32, cause: String },
    /// The fragments (or the decoded frames) would not fit the memory limit.
    #[error("the pixel data needs {size} bytes in memory to be decoded (limit {limit})")]
    #[diagnostic(code(anon::io::pixel::too_large))]
    TooLarge { size: u64, limit: u64 },
    /// The encapsulated value is malformed.
    #[error("malformed encapsulated pixel data: {0}")]
    #[diagnostic(code(anon::io::pixel::malformed))]
    Malformed(&'static str),
    /// Reading the source failed.
    #[error("could not read the pixel data: {0}")]
    #[diagnostic(code(anon::io::pixel::io))]
    Io(String),
}

impl From<std::io::Error> for PixelError {
    fn from(e: std::io::Error) -> Self {
        PixelError::Io(e.kind().to_string())
    }
}

/// How the writer changes a streamed Pixel Data value.
#[derive(Debug, Clone)]
pub(crate) enum PixelEdit {
    /// Native: copy, clearing these bit ranges in every frame.
    Native {
        layout: Layout,
        regions: Vec<layout::Clipped>,
    },
    /// Encapsulated: decode, black out, write native.
    Decode(EncapsulatedEdit),
}

impl super::Loaded {
    /// Black out `regions` (pixel coordinates, applied to every frame) in the output, and
    /// remove the Icon Image Sequence. Native pixel data are changed in the copy (streamed)
    /// or in place (in memory); encapsulated ones are decoded and written as Explicit VR
    /// Little Endian, the header updated to say so (see the [module docs](self)).
    /// `limit` bounds the bytes held in memory to decode encapsulated data.
    ///
    /// Call it on the source's header (before the plan changes Rows, Columns, ...).
    ///
    /// # Errors
    /// A [`PixelError`] when the pixel data cannot be blacked out (no decoder, a layout
    /// not supported, a value shorter than its attributes say): the instance must not be
    /// written. Nothing has been changed then.
    pub fn black_out(&mut self, regions: &[Region], limit: u64) -> Result<Blackout, PixelError> {
        let layout = Layout::of(&self.object)?;
        let clipped: Vec<_> = regions.iter().map(|r| layout.clip(r)).collect();
        let applied: Vec<bool> = clipped.iter().map(Option::is_some).collect();
        let inside: Vec<layout::Clipped> = clipped.into_iter().flatten().collect();
        let big_endian = self.ts_uid == "1.2.840.10008.1.2.2";
        if layout.bits == 1 && big_endian {
            return Err(PixelError::Unsupported(
                "1 bit allocated in big endian".to_string(),
            ));
        }
        let mut done = Blackout {
            applied,
            frames: layout.frames,
            decoded_from: None,
            icon_removed: false,
        };
        if let Some(px) = self.pixel.as_mut() {
            let range = px.range;
            if range.encapsulated {
                let compressed = range.value_end - range.value_start;
                let edit = encapsulated::prepare(
                    &mut self.object,
                    &self.ts_uid,
                    layout,
                    inside,
                    limit,
                    compressed,
                )?;
                done.decoded_from = Some(std::mem::replace(
                    &mut self.ts_uid,
                    dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN.to_string(),
                ));
                px.edit = Some(PixelEdit::Decode(edit));
            } else {
                let actual = range.value_end - range.value_start;
                if actual < layout.total_bytes() {
                    return Err(PixelError::TooShort {
                        expected: layout.total_bytes(),
                        actual,
                    });
                }
                px.edit = Some(PixelEdit::Native {
                    layout,
                    regions: inside,
                });
            }
        } else {
            self.black_out_in_memory(layout, inside, limit, &mut done)?;
        }
        done.icon_removed = self
            .object
            .remove_element(dicom_dictionary_std::tags::ICON_IMAGE_SEQUENCE);
        Ok(done)
    }

    fn black_out_in_memory(
        &mut self,
        layout: Layout,
        inside: Vec<layout::Clipped>,
        limit: u64,
        done: &mut Blackout,
    ) -> Result<(), PixelError> {
        use dicom_dictionary_std::tags::{DOUBLE_FLOAT_PIXEL_DATA, FLOAT_PIXEL_DATA, PIXEL_DATA};
        // Float (7FE0,0008) and Double Float Pixel Data (7FE0,0009) are native samples of
        // 32 and 64 bits: all bits zero is 0.0
        for (tag, bits) in [
            (PIXEL_DATA, None),
            (FLOAT_PIXEL_DATA, Some(32)),
            (DOUBLE_FLOAT_PIXEL_DATA, Some(64)),
        ] {
            if self.object.get(tag).is_none() {
                continue;
            }
            if let Some(bits) = bits
                && layout.bits != bits
            {
                return Err(PixelError::Unsupported(format!(
                    "{} bits allocated for {} ({bits} required)",
                    layout.bits,
                    if bits == 32 {
                        "Float Pixel Data (7FE0,0008)"
                    } else {
                        "Double Float Pixel Data (7FE0,0009)"
                    }
                )));
            }
            self.black_out_element(tag, &layout, &inside, limit, done)?;
        }
        Ok(())
    }

    /// Blacks out the pixel data element `tag` (present) in memory.
    fn black_out_element(
        &mut self,
        tag: dicom_core::Tag,
        layout: &Layout,
        inside: &[layout::Clipped],
        limit: u64,
        done: &mut Blackout,
    ) -> Result<(), PixelError> {
        use dicom_core::value::Value;
        let Some(elem) = self.object.get(tag) else {
            return Ok(());
        };
        match elem.value() {
            Value::PixelSequence(seq) => {
                let compressed: u64 = seq.fragments().iter().map(|f| f.len() as u64).sum();
                let uid = self.ts_uid.clone();
                let edit = encapsulated::prepare(
                    &mut self.object,
                    &uid,
                    layout.clone(),
                    inside.to_vec(),
                    limit,
                    compressed,
                )?;
                encapsulated::decode_in_place(&mut self.object, &edit)?;
                done.decoded_from = Some(std::mem::replace(
                    &mut self.ts_uid,
                    dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN.to_string(),
                ));
            }
            Value::Primitive(v) => {
                let bytes = v.to_bytes();
                let actual = bytes.len() as u64;
                if actual < layout.total_bytes() {
                    return Err(PixelError::TooShort {
                        expected: layout.total_bytes(),
                        actual,
                    });
                }
                let mut out = Vec::with_capacity(bytes.len());
                copy_with_blackout(
                    &mut bytes.as_ref(),
                    actual,
                    &mut out,
                    layout.all_ranges(inside),
                )?;
                let value = same_kind(v, &out);
                let vr = elem.vr();
                self.object
                    .put(dicom_core::DataElement::new(tag, vr, value));
            }
            Value::Sequence(_) => return Err(PixelError::Malformed("pixel data as a sequence")),
        }
        Ok(())
    }
}

/// `bytes` (the native-endian bytes of a value like `like`) as a value of the same kind:
/// words stay words, floats floats, so that the writer encodes them as it would have.
fn same_kind(
    like: &dicom_core::value::PrimitiveValue,
    bytes: &[u8],
) -> dicom_core::value::PrimitiveValue {
    use dicom_core::value::PrimitiveValue;
    fn words<const N: usize>(bytes: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        bytes
            .chunks_exact(N)
            .map(|c| std::array::from_fn(|i| c.get(i).copied().unwrap_or(0)))
    }
    match like {
        PrimitiveValue::U16(_) => {
            PrimitiveValue::U16(words(bytes).map(u16::from_ne_bytes).collect())
        }
        PrimitiveValue::F32(_) => {
            PrimitiveValue::F32(words(bytes).map(f32::from_ne_bytes).collect())
        }
        PrimitiveValue::F64(_) => {
            PrimitiveValue::F64(words(bytes).map(f64::from_ne_bytes).collect())
        }
        _ => PrimitiveValue::U8(bytes.to_vec().into()),
    }
}
