//! The data set as dicom-parser's writer takes it: tokens straight from the object (no
//! copy of its elements), the common root elements already encoded by [`super::fast`].

use super::fast;
use super::{DicomCause, Ts, WriteError};
use dicom_core::DataElement;
use dicom_core::VR;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;
use dicom_parser::dataset::write::DataSetWriter;
use dicom_parser::dataset::{DataToken, IntoTokens};
use std::io::Write;

/// The elements of `dataset` in the encoding of `ts` (the data set adapter not applied).
pub(super) fn write_tokens(
    dataset: InMemDicomObject,
    to: impl Write,
    ts: &Ts,
) -> Result<(), WriteError> {
    let encode = |e: dicom_parser::dataset::write::Error| WriteError::Encode {
        cause: DicomCause::new(&e),
    };
    // root elements in one piece where `fast` can (little endian; a data set whose items
    // hold a Specific Character Set of their own would change the codec of dicom-parser's
    // writer behind its back: all of it goes through dicom-parser)
    let fast = (ts.endianness() == dicom_encoding::transfer_syntax::Endianness::Little
        && !dataset.iter().any(|e| holds_a_charset_in_items(e.value())))
    .then(|| fast::Fast {
        explicit: crate::io::read::is_explicit_vr(ts),
        ascii_text: true,
    });
    let mut writer = DataSetWriter::with_ts(to, ts).map_err(encode)?;
    writer
        .write_sequence(tokens_of(dataset, fast))
        .map_err(encode)?;
    writer.flush().map_err(encode)
}

/// Whether a value is a sequence with a Specific Character Set in an item, at any depth.
fn holds_a_charset_in_items(value: &Value<InMemDicomObject>) -> bool {
    value.items().is_some_and(|items| {
        items.iter().any(|item| {
            item.get(fast::CHARSET).is_some()
                || item.iter().any(|e| holds_a_charset_in_items(e.value()))
        })
    })
}

/// The tokens of a data set, as `InMemDicomObject::into_tokens` gives them to dicom-object's
/// writer, without its cost: it collects the tokens of every element into a new queue and
/// clones every value (when writing from a borrowed object). Here the two tokens of a
/// primitive element are handed over directly; sequences and encapsulated pixel data go
/// through dicom-parser's own token generator.
///
/// dicom-object also forces undefined sequence lengths in the tokens when the character set
/// was changed; the writer's default strategy writes every sequence and item with undefined
/// length anyway, so the bytes are the same.
///
/// With `fast`, a root element it can encode is handed over as those bytes, in one token
/// (`ItemValue`: the writer writes its bytes as they are); its state follows each Specific
/// Character Set the writer is given.
fn tokens_of(
    dataset: InMemDicomObject,
    mut fast: Option<fast::Fast>,
) -> impl Iterator<Item = DataToken> {
    let mut elements = dataset.into_iter();
    let mut pending = Pending::None;
    std::iter::from_fn(move || {
        loop {
            match std::mem::replace(&mut pending, Pending::None) {
                Pending::Value(v) => return Some(DataToken::PrimitiveValue(v)),
                Pending::Nested(mut tokens) => {
                    if let Some(t) = tokens.next() {
                        pending = Pending::Nested(tokens);
                        return Some(t);
                    }
                }
                Pending::None => {}
            }
            let (header, value) = elements.next()?.into_parts();
            if let (Some(f), Value::Primitive(v)) = (&mut fast, &value) {
                if header.tag == fast::CHARSET {
                    f.after_charset(match v {
                        PrimitiveValue::Str(s) => Some(s.as_str()),
                        PrimitiveValue::Strs(list) => list.first().map(String::as_str),
                        _ => None,
                    });
                } else if let Some(bytes) = f.encode(&header, v) {
                    return Some(DataToken::ItemValue(bytes));
                }
            }
            // what `DataToken::from(header)` makes a plain element header of
            let plain = header.vr() != VR::SQ
                && !(header.vr() == VR::OB
                    && header.tag == tags::PIXEL_DATA
                    && header.len.is_undefined());
            match value {
                Value::Primitive(v) if plain => {
                    pending = Pending::Value(v);
                    return Some(DataToken::ElementHeader(header));
                }
                other => {
                    let elem = DataElement::new_with_len(header.tag, header.vr, header.len, other);
                    pending = Pending::Nested(elem.into_tokens());
                }
            }
        }
    })
}

/// What [`tokens_of`] hands out next.
enum Pending {
    None,
    Value(PrimitiveValue),
    Nested(<InMemElement as IntoTokens>::Iter),
}
