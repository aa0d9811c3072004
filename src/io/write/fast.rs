//! The common root elements encoded here, in one piece, instead of through
//! dicom-parser's token writer: a header and a value of text in ASCII, or of numbers, in
//! little endian. The bytes are exactly those dicom-parser writes for the element (a test
//! compares both on every kind of value); everything else (sequences, dates held as
//! dates, numbers of a DS or IS, text outside ASCII or in a character set that may not
//! write ASCII as itself, big endian, long values) goes through dicom-parser as before.
//!
//! dicom-parser encodes text one character at a time through the `encoding` crate and
//! hands each element through several layers of tokens: for a header of a hundred
//! elements that was most of the time spent writing it.

use dicom_core::header::DataElementHeader;
use dicom_core::value::PrimitiveValue;
use dicom_core::{Tag, VR};
use dicom_encoding::text::SpecificCharacterSet;
use dicom_encoding::text::TextCodec;

/// Values longer than this go through dicom-parser (which writes them without a copy).
const MAX_VALUE: usize = 64 * 1024;

/// Specific Character Set: always written by dicom-parser, which takes its text codec
/// from it.
pub(super) const CHARSET: Tag = Tag(0x0008, 0x0005);

/// How the root elements of one data set are encoded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fast {
    /// Explicit VR (else implicit); little endian either way.
    pub explicit: bool,
    /// Text in ASCII is written as itself: the text codec dicom-parser's writer holds at
    /// this point encodes ASCII as ASCII.
    pub ascii_text: bool,
}

impl Fast {
    /// After dicom-parser wrote a Specific Character Set whose first value is `first`: its
    /// writer takes the codec of that name, if it knows it (else it keeps the one it had).
    pub fn after_charset(&mut self, first: Option<&str>) {
        if let Some(cs) = first.and_then(SpecificCharacterSet::from_code) {
            self.ascii_text = ascii_as_itself(&cs);
        }
    }

    /// The encoded element (header and value), or `None` when dicom-parser must write it.
    pub fn encode(&self, header: &DataElementHeader, value: &PrimitiveValue) -> Option<Vec<u8>> {
        let vr = header.vr();
        if vr == VR::SQ || header.tag == CHARSET || header.tag.group() == 0x7FE0 {
            return None;
        }
        let mut v = Vec::new();
        let text_pad = if vr == VR::UI { 0 } else { b' ' };
        match value {
            PrimitiveValue::Empty => {}
            PrimitiveValue::Str(s) => {
                if !self.ascii_text || !s.is_ascii() {
                    return None;
                }
                v.extend_from_slice(s.as_bytes());
                pad(&mut v, text_pad);
            }
            PrimitiveValue::Strs(list) => {
                if !self.ascii_text || !list.iter().all(|s| s.is_ascii()) {
                    return None;
                }
                for (i, s) in list.iter().enumerate() {
                    if i > 0 {
                        v.push(b'\\');
                    }
                    v.extend_from_slice(s.as_bytes());
                }
                pad(&mut v, text_pad);
            }
            // numbers of a DS or IS are written as text; dates, times as dicom-parser
            // formats them
            _ if matches!(vr, VR::DS | VR::IS) => return None,
            // (dicom-parser writes an odd byte count with its padding byte outside the
            // length; that case stays with it)
            PrimitiveValue::U8(x) if x.len() % 2 == 1 => return None,
            PrimitiveValue::U8(x) => v.extend_from_slice(x),
            PrimitiveValue::I16(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::U16(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::I32(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::U32(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::I64(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::U64(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::F32(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::F64(x) => x.iter().for_each(|n| v.extend_from_slice(&n.to_le_bytes())),
            PrimitiveValue::Tags(x) => x.iter().for_each(|t| {
                v.extend_from_slice(&t.group().to_le_bytes());
                v.extend_from_slice(&t.element().to_le_bytes());
            }),
            _ => return None,
        }
        if v.len() > MAX_VALUE {
            return None;
        }
        let len = u32::try_from(v.len()).ok()?;
        let mut out = Vec::with_capacity(12 + v.len());
        out.extend_from_slice(&header.tag.group().to_le_bytes());
        out.extend_from_slice(&header.tag.element().to_le_bytes());
        if !self.explicit {
            out.extend_from_slice(&len.to_le_bytes());
        } else if short_length(vr) {
            out.extend_from_slice(&vr.to_bytes());
            out.extend_from_slice(&u16::try_from(len).ok()?.to_le_bytes());
        } else {
            out.extend_from_slice(&vr.to_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(&v);
        Some(out)
    }
}

/// Whether text of a character set's codec in ASCII is encoded as those same bytes (the
/// ISO 8859 parts, UTF-8, GB18030 and GBK); the Japanese and Korean codecs are left to
/// dicom-parser.
pub(super) fn ascii_as_itself(cs: &SpecificCharacterSet) -> bool {
    matches!(
        cs.name().as_ref(),
        "ISO_IR 6"
            | "ISO_IR 100"
            | "ISO_IR 101"
            | "ISO_IR 109"
            | "ISO_IR 110"
            | "ISO_IR 126"
            | "ISO_IR 127"
            | "ISO_IR 138"
            | "ISO_IR 144"
            | "ISO_IR 166"
            | "ISO_IR 192"
            | "GB18030"
            | "GBK"
    )
}

/// VRs whose explicit VR length field is 16 bits (PS3.5 7.1.2), as dicom-encoding
/// writes them.
fn short_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::AT
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::FL
            | VR::FD
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::SL
            | VR::SS
            | VR::ST
            | VR::TM
            | VR::UI
            | VR::UL
            | VR::US
    )
}

fn pad(v: &mut Vec<u8>, with: u8) {
    if v.len() % 2 == 1 {
        v.push(with);
    }
}

#[cfg(test)]
mod tests;
