//! Encapsulated pixel data: decoded frame by frame with the codecs of
//! dicom-transfer-syntax-registry (features `jpeg`, `rle`: pure Rust), blacked out, and
//! written as native pixel data in Explicit VR Little Endian.
//!
//! Memory: the compressed fragments (checked against the read limit) plus one decoded
//! frame. The header is made to say what the output is: Transfer Syntax UID, Photometric
//! Interpretation (a 3-sample JPEG is decoded to RGB), Planar Configuration 0, and the
//! Lossy Image Compression history (PS3.3 C.7.6.1.1.5): a lossy source syntax sets
//! (0028,2110) to `01` and, when its method is not listed yet, appends the method and the
//! ratio.

mod fragments;

use super::layout::Clipped;
use super::{Layout, PixelError, native};
use crate::io::SafeUid;
use dicom_core::value::{C, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::adapters::{PixelDataObject, RawPixelData};
use dicom_encoding::transfer_syntax::{Codec, TransferSyntaxIndex};
use dicom_object::{FileDicomObject, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::borrow::Cow;
use std::fs::File;
use std::io::Write;

use fragments::{frame_fragments, read_fragments};

/// What the writer needs to decode and black out a streamed encapsulated value.
#[derive(Debug, Clone)]
pub(crate) struct EncapsulatedEdit {
    /// The source's (encapsulated) transfer syntax.
    pub ts_uid: String,
    /// The layout of the source as the codecs see it (before the header changes).
    pub source: Layout,
    /// The layout of the decoded frames.
    pub decoded: Layout,
    pub regions: Vec<Clipped>,
    /// Bytes the fragments may take in memory.
    pub limit: u64,
}

/// The method code (0028,2114) of a lossy transfer syntax; `None` when lossless.
fn lossy_method(ts_uid: &str) -> Option<&'static str> {
    match ts_uid {
        "1.2.840.10008.1.2.4.50" | "1.2.840.10008.1.2.4.51" => Some("ISO_10918_1"),
        "1.2.840.10008.1.2.4.81" => Some("ISO_14495_1"),
        "1.2.840.10008.1.2.4.91" | "1.2.840.10008.1.2.4.93" => Some("ISO_15444_1"),
        _ => None,
    }
}

fn is_jpeg(ts_uid: &str) -> bool {
    matches!(
        ts_uid,
        "1.2.840.10008.1.2.4.50"
            | "1.2.840.10008.1.2.4.51"
            | "1.2.840.10008.1.2.4.57"
            | "1.2.840.10008.1.2.4.70"
    )
}

/// Checks that `ts_uid` can be decoded and makes the header of `obj` describe the native
/// output (see the module docs). Returns the edit for the writer.
pub(crate) fn prepare(
    obj: &mut FileDicomObject<InMemDicomObject>,
    ts_uid: &str,
    source: Layout,
    regions: Vec<Clipped>,
    limit: u64,
    compressed_len: u64,
) -> Result<EncapsulatedEdit, PixelError> {
    let ts = TransferSyntaxRegistry.get(ts_uid);
    let decodable = matches!(
        ts.map(|t| t.codec()),
        Some(Codec::EncapsulatedPixelData(Some(_), _))
    );
    if !decodable {
        return Err(PixelError::NoDecoder {
            uid: SafeUid::new(ts_uid),
        });
    }
    if source.bits != 8 && source.bits != 16 {
        return Err(PixelError::Unsupported(format!(
            "{} bits allocated in encapsulated form",
            source.bits
        )));
    }
    let mut decoded = source.clone();
    decoded.planar = false;
    if source.samples == 3 && is_jpeg(ts_uid) {
        decoded.photometric = "RGB".to_string();
    }
    let frame_bytes = decoded.frame_bytes();
    if compressed_len.saturating_add(frame_bytes) > limit {
        return Err(PixelError::TooLarge {
            size: compressed_len.saturating_add(frame_bytes),
            limit,
        });
    }
    // the header says what the output is
    let ds: &mut InMemDicomObject = obj;
    if decoded.photometric != source.photometric {
        ds.put(DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(decoded.photometric.as_str()),
        ));
    }
    if decoded.samples > 1 {
        ds.put(DataElement::new(
            tags::PLANAR_CONFIGURATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ));
    }
    for t in [
        tags::EXTENDED_OFFSET_TABLE,
        tags::EXTENDED_OFFSET_TABLE_LENGTHS,
    ] {
        ds.remove_element(t);
    }
    if let Some(method) = lossy_method(ts_uid) {
        record_lossy(ds, method, &decoded, compressed_len);
    }
    obj.update_meta(|m| m.transfer_syntax = uids::EXPLICIT_VR_LITTLE_ENDIAN.to_string());
    Ok(EncapsulatedEdit {
        ts_uid: ts_uid.to_string(),
        source,
        decoded,
        regions,
        limit,
    })
}

/// Lossy Image Compression (0028,2110) `01`; the method and ratio appended unless the
/// method is already listed.
fn record_lossy(ds: &mut InMemDicomObject, method: &str, layout: &Layout, compressed: u64) {
    let strings = |ds: &InMemDicomObject, t: Tag| -> Vec<String> {
        ds.get(t)
            .and_then(|e| e.value().to_multi_str().ok())
            .map(|v| {
                v.iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    ds.put(DataElement::new(
        tags::LOSSY_IMAGE_COMPRESSION,
        VR::CS,
        PrimitiveValue::from("01"),
    ));
    let mut methods = strings(ds, tags::LOSSY_IMAGE_COMPRESSION_METHOD);
    if methods.iter().any(|m| m == method) {
        return;
    }
    let mut ratios = strings(ds, tags::LOSSY_IMAGE_COMPRESSION_RATIO);
    let original = layout.total_bytes() as f64;
    let ratio = if compressed > 0 {
        original / compressed as f64
    } else {
        1.0
    };
    // DS: at most 16 characters
    let mut text = format!("{ratio:.2}");
    text.truncate(16);
    ratios.truncate(methods.len());
    while ratios.len() < methods.len() {
        ratios.push("1".to_string());
    }
    ratios.push(text);
    methods.push(method.to_string());
    ds.put(DataElement::new(
        tags::LOSSY_IMAGE_COMPRESSION_RATIO,
        VR::DS,
        PrimitiveValue::Strs(ratios.into_iter().collect()),
    ));
    ds.put(DataElement::new(
        tags::LOSSY_IMAGE_COMPRESSION_METHOD,
        VR::CS,
        PrimitiveValue::Strs(methods.into_iter().collect()),
    ));
}

/// One frame for a codec.
struct OneFrame<'a> {
    ts_uid: &'a str,
    layout: &'a Layout,
    data: Vec<u8>,
}

impl PixelDataObject for OneFrame<'_> {
    fn transfer_syntax_uid(&self) -> &str {
        self.ts_uid
    }
    fn rows(&self) -> Option<u16> {
        u16::try_from(self.layout.rows).ok()
    }
    fn cols(&self) -> Option<u16> {
        u16::try_from(self.layout.cols).ok()
    }
    fn samples_per_pixel(&self) -> Option<u16> {
        u16::try_from(self.layout.samples).ok()
    }
    fn bits_allocated(&self) -> Option<u16> {
        u16::try_from(self.layout.bits).ok()
    }
    fn bits_stored(&self) -> Option<u16> {
        u16::try_from(self.layout.bits_stored).ok()
    }
    fn photometric_interpretation(&self) -> Option<&str> {
        Some(&self.layout.photometric)
    }
    fn number_of_frames(&self) -> Option<u32> {
        Some(1)
    }
    fn number_of_fragments(&self) -> Option<u32> {
        Some(1)
    }
    fn fragment(&self, fragment: usize) -> Option<Cow<'_, [u8]>> {
        (fragment == 0).then_some(Cow::Borrowed(self.data.as_slice()))
    }
    fn offset_table(&self) -> Option<Cow<'_, [u32]>> {
        Some(Cow::Borrowed(&[]))
    }
    fn raw_pixel_data(&self) -> Option<RawPixelData> {
        Some(RawPixelData {
            fragments: C::from_vec(vec![self.data.clone()]),
            offset_table: C::new(),
        })
    }
}

/// Decodes every frame, blacks out the regions and hands each native frame to `sink`.
fn each_frame(
    edit: &EncapsulatedEdit,
    offsets: &[u32],
    fragments: &[Vec<u8>],
    mut sink: impl FnMut(&[u8]) -> Result<(), PixelError>,
) -> Result<(), PixelError> {
    let Some(Codec::EncapsulatedPixelData(Some(reader), _)) =
        TransferSyntaxRegistry.get(&edit.ts_uid).map(|t| t.codec())
    else {
        return Err(PixelError::NoDecoder {
            uid: SafeUid::new(&edit.ts_uid),
        });
    };
    let groups = frame_fragments(
        edit.source.frames,
        offsets,
        fragments,
        is_jpeg(&edit.ts_uid),
    )?;
    let want = edit.decoded.frame_bytes();
    let ranges = edit.decoded.frame_ranges(&edit.regions);
    let mut out = Vec::new();
    for (frame, group) in (0u32..).zip(groups) {
        let data = fragments.get(group).unwrap_or_default().concat();
        let one = OneFrame {
            ts_uid: &edit.ts_uid,
            layout: &edit.source,
            data,
        };
        out.clear();
        reader
            .decode_frame(&one, 0, &mut out)
            .map_err(|e| PixelError::Decode {
                frame,
                cause: crate::io::DicomCause::new(&e).to_string(),
            })?;
        if out.len() as u64 != want {
            return Err(PixelError::Decode {
                frame,
                cause: format!("{} bytes decoded, {want} expected", out.len()),
            });
        }
        for &(s, e) in &ranges {
            native::clear_bits(&mut out, s, e);
        }
        sink(&out)?;
    }
    Ok(())
}

/// The native Pixel Data header (Explicit VR Little Endian) of the decoded value, and the
/// value's length (padded to even).
pub(crate) fn native_header(edit: &EncapsulatedEdit) -> Result<(Vec<u8>, u64), PixelError> {
    let len = edit.decoded.total_bytes();
    let padded = len + len % 2;
    let len32 = u32::try_from(padded).map_err(|_| {
        PixelError::Unsupported("more than 4 GiB of decoded pixel data".to_string())
    })?;
    let vr = if edit.decoded.bits > 8 {
        *b"OW"
    } else {
        *b"OB"
    };
    let mut h = Vec::with_capacity(12);
    h.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
    h.extend_from_slice(&vr);
    h.extend_from_slice(&[0, 0]);
    h.extend_from_slice(&len32.to_le_bytes());
    Ok((h, padded))
}

/// Decodes the streamed value `start..end` of `src` and writes the native value to `out`;
/// returns the bytes written.
pub(crate) fn write_decoded(
    edit: &EncapsulatedEdit,
    src: &File,
    start: u64,
    end: u64,
    out: &mut File,
) -> Result<u64, PixelError> {
    let (offsets, fragments) = read_fragments(src, start, end, edit.limit)?;
    let mut w = std::io::BufWriter::with_capacity(256 * 1024, out);
    let mut written = 0u64;
    each_frame(edit, &offsets, &fragments, |frame| {
        w.write_all(frame)?;
        written += frame.len() as u64;
        Ok(())
    })?;
    if written % 2 == 1 {
        w.write_all(&[0])?;
        written += 1;
    }
    w.flush()?;
    Ok(written)
}

/// Decodes the encapsulated Pixel Data held in `obj` and puts the native value in its
/// place.
pub(crate) fn decode_in_place(
    obj: &mut FileDicomObject<InMemDicomObject>,
    edit: &EncapsulatedEdit,
) -> Result<(), PixelError> {
    let (offsets, fragments) = match obj.get(tags::PIXEL_DATA).map(|e| e.value()) {
        Some(Value::PixelSequence(seq)) => (seq.offset_table().to_vec(), seq.fragments().to_vec()),
        _ => return Err(PixelError::Malformed("no fragments")),
    };
    let mut value = Vec::with_capacity(usize::try_from(edit.decoded.total_bytes()).unwrap_or(0));
    each_frame(edit, &offsets, &fragments, |frame| {
        value.extend_from_slice(frame);
        Ok(())
    })?;
    if value.len() % 2 == 1 {
        value.push(0);
    }
    let vr = if edit.decoded.bits > 8 {
        VR::OW
    } else {
        VR::OB
    };
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        vr,
        PrimitiveValue::U8(value.into()),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_method_appended_once() {
        let mut ds = InMemDicomObject::new_empty();
        let layout = Layout {
            rows: 10,
            cols: 10,
            samples: 1,
            bits: 8,
            bits_stored: 8,
            planar: false,
            frames: 1,
            photometric: "MONOCHROME2".to_string(),
        };
        record_lossy(&mut ds, "ISO_10918_1", &layout, 20);
        record_lossy(&mut ds, "ISO_10918_1", &layout, 20);
        let text = |t| ds.get(t).unwrap().value().to_str().unwrap().to_string();
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION), "01");
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION_METHOD), "ISO_10918_1");
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION_RATIO), "5.00");
    }
}
