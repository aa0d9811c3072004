//! Elements stored as UN: decoding their text and re-typing them (sequences included).

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use crate::plan::Action;
use crate::{dictionary, vr};

/// The text of an element, decoding raw bytes when it is stored as UN.
pub(crate) fn text_of(e: &InMemElement) -> Option<String> {
    if e.vr() == VR::UN {
        let bytes = e.value().to_bytes().ok()?;
        return Some(
            String::from_utf8_lossy(&bytes)
                .trim_end_matches([' ', '\0'])
                .to_string(),
        );
    }
    e.value()
        .to_str()
        .ok()
        .map(|s| s.trim_end_matches([' ', '\0']).to_string())
}

/// The item tag (FFFE,E000), little endian: a UN value that starts with it holds a
/// sequence.
pub(super) const ITEM_TAG_LE: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];

/// Re-types an element stored as UN, so the action applies to its real value and the
/// output carries the right VR: a standard tag gets its dictionary VR; a sequence (a
/// standard SQ tag, or any tag whose value starts with an item) has its items parsed so
/// the plan applies inside them. A kept text value that is not ASCII is left as it is
/// (its meaning depends on the character set); so is an unknown non-sequence element.
///
/// The flag is true for a sequence whose items cannot be read: it is returned as UN, and
/// must not be kept.
pub(super) fn retype_un(elem: InMemElement, action: &Action) -> (InMemElement, bool) {
    if elem.vr() != VR::UN {
        return (elem, false);
    }
    let tag = elem.tag();
    let Ok(bytes) = elem.value().to_bytes().map(|b| b.into_owned()) else {
        return (elem, false);
    };
    let vr = match dictionary::vr_of(tag) {
        Some(VR::UN) | None if bytes.starts_with(&ITEM_TAG_LE) => VR::SQ,
        Some(VR::UN) | None => return (elem, false),
        Some(vr) => vr,
    };
    // a kept text value is only re-typed when that cannot change it
    if matches!(action, Action::Keep) && vr::is_text(vr) && !bytes.is_ascii() {
        return (elem, false);
    }
    // a value too long for the 16-bit length of its VR in explicit VR stays UN, as PS3.5
    // 6.2.2 allows (e.g. a Contour Data of more than 65 534 bytes; issue 13)
    if bytes.len() > 0xFFFE && crate::vr::has_short_length(vr) {
        return (elem, false);
    }
    let value: Value<InMemDicomObject> = match vr {
        VR::SQ => match parse_un_items(tag, &bytes) {
            Some(items) => Value::Sequence(DataSetSequence::new(items, Length::UNDEFINED)),
            None => return (elem, true),
        },
        vr if vr::is_text(vr) => {
            let text = String::from_utf8_lossy(&bytes)
                .trim_end_matches([' ', '\0'])
                .to_string();
            Value::Primitive(if text.is_empty() {
                PrimitiveValue::Empty
            } else if matches!(vr, VR::LT | VR::ST | VR::UT | VR::UR) {
                PrimitiveValue::Str(text)
            } else {
                PrimitiveValue::Strs(text.split('\\').map(str::to_string).collect())
            })
        }
        VR::US => Value::Primitive(PrimitiveValue::U16(le(&bytes, u16::from_le_bytes))),
        VR::SS => Value::Primitive(PrimitiveValue::I16(le(&bytes, i16::from_le_bytes))),
        VR::UL => Value::Primitive(PrimitiveValue::U32(le(&bytes, u32::from_le_bytes))),
        VR::SL => Value::Primitive(PrimitiveValue::I32(le(&bytes, i32::from_le_bytes))),
        VR::FL => Value::Primitive(PrimitiveValue::F32(le(&bytes, f32::from_le_bytes))),
        VR::FD => Value::Primitive(PrimitiveValue::F64(le(&bytes, f64::from_le_bytes))),
        _ => Value::Primitive(PrimitiveValue::U8(bytes.into())),
    };
    (DataElement::new(tag, vr, value), false)
}

/// Little-endian numbers of `N` bytes each (a trailing partial number is dropped).
pub(super) fn le<T, const N: usize, C: FromIterator<T>>(bytes: &[u8], f: fn([u8; N]) -> T) -> C {
    bytes
        .chunks_exact(N)
        .filter_map(|c| <[u8; N]>::try_from(c).ok())
        .map(f)
        .collect()
}

/// Reads the items of a sequence stored as UN: implicit VR little endian, as PS3.5 6.2.2
/// prescribes, items of defined or undefined length.
///
/// The value is wrapped as an undefined-length element of an implicit VR data set and
/// walked by the I/O layer's structure check first (nesting depth, lengths that run past
/// the end), so that a hostile value cannot make the parser recurse without bound or
/// allocate what is not there. `None` when anything does not parse.
pub(super) fn parse_un_items(tag: Tag, bytes: &[u8]) -> Option<Vec<InMemDicomObject>> {
    let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let mut wrapped = Vec::with_capacity(bytes.len() + 16);
    wrapped.extend_from_slice(&tag.group().to_le_bytes());
    wrapped.extend_from_slice(&tag.element().to_le_bytes());
    wrapped.extend_from_slice(&u32::MAX.to_le_bytes());
    wrapped.extend_from_slice(bytes);
    wrapped.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    if !crate::io::well_formed_implicit(&wrapped) {
        return None;
    }
    let mut obj = InMemDicomObject::read_dataset_with_ts(wrapped.as_slice(), &ts).ok()?;
    // anything else than the one sequence means the value was not a sequence
    if obj.tags().count() != 1 {
        return None;
    }
    match obj.take(tag)?.into_value() {
        Value::Sequence(seq) => Some(seq.into_items().into_vec()),
        _ => None,
    }
}
