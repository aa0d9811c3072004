//! Element headers read by the walk itself: the file meta check and the explicit VR
//! little endian fast path.

use super::ScanError;
use crate::io::TruncatedIn;
use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};
use dicom_encoding::decode::DecodeFrom;
use std::io::{self, Read, Seek};

/// Check that no file meta element (group 0002, explicit VR little endian, starting at
/// `start` right after `DICM`) claims more bytes than the file has: dicom-object's meta
/// reader allocates the claimed length before reading, so a forged 4 GB length would cost
/// 4 GB of memory. Stops quietly at the first element of another group or at anything odd;
/// dicom-object reports those.
pub(crate) fn check_meta<R: Read + Seek>(
    r: &mut R,
    start: u64,
    file_len: u64,
) -> Result<(), ScanError> {
    let decoder = dicom_encoding::decode::explicit_le::ExplicitVRLittleEndianDecoder::default();
    let mut pos = start;
    // dicom-object reads as many bytes as (0002,0000) says, whatever groups it meets on
    // the way: every element up to there is checked (an element of another group inside
    // the meta used to end this walk early, and the next forged length reached the
    // allocation; found by fuzzing)
    let mut end: Option<u64> = None;
    while file_len.saturating_sub(pos) >= 8 && end.is_none_or(|e| pos < e) {
        let Ok((header, n)) = decoder.decode_header(r) else {
            return Ok(());
        };
        let Some(len) = header.len.get() else {
            return Ok(());
        };
        let value_start = pos + n as u64;
        if value_start + u64::from(len) > file_len {
            return Err(ScanError::Truncated {
                place: TruncatedIn::Meta,
                offset: pos,
            });
        }
        if end.is_none() {
            if header.tag != Tag(0x0002, 0x0000) || len != 4 {
                return Ok(()); // dicom-object refuses it
            }
            let mut v = [0u8; 4];
            r.read_exact(&mut v).map_err(ScanError::Io)?;
            end = Some(value_start + 4 + u64::from(u32::from_le_bytes(v)));
        } else {
            r.seek_relative(i64::from(len)).map_err(ScanError::Io)?;
        }
        pos = value_start + u64::from(len);
    }
    Ok(())
}

/// An element header in explicit VR little endian, decoded exactly as dicom-encoding's
/// `ExplicitVRLittleEndianDecoder::decode_header` does (PS3.5 7.1.2; item tags have no VR;
/// an unknown VR is read as UN with a 32-bit length), with one read of 8 bytes instead of
/// four small ones through the decoder (the walk visits every header of every file).
pub(super) fn explicit_le_header<R: Read>(r: &mut R) -> io::Result<(DataElementHeader, usize)> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    let [g0, g1, e0, e1, v0, v1, l0, l1] = b;
    let tag = Tag(u16::from_le_bytes([g0, g1]), u16::from_le_bytes([e0, e1]));
    if tag.group() == 0xFFFE {
        let len = u32::from_le_bytes([v0, v1, l0, l1]);
        return Ok((DataElementHeader::new(tag, VR::UN, Length(len)), 8));
    }
    let vr = VR::from_binary([v0, v1]).unwrap_or(VR::UN);
    let short = crate::vr::has_short_length(vr);
    if short {
        let len = u32::from(u16::from_le_bytes([l0, l1]));
        return Ok((DataElementHeader::new(tag, vr, Length(len)), 8));
    }
    let mut l = [0u8; 4];
    r.read_exact(&mut l)?;
    Ok((
        DataElementHeader::new(tag, vr, Length(u32::from_le_bytes(l))),
        12,
    ))
}
