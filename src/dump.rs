//! A canonical, stable text dump of a DICOM object, for element-level comparisons and
//! snapshot tests.
//!
//! Byte comparison of DICOM files is the wrong test for this tool: dicom-rs rewrites every
//! sequence and item with undefined length, pads odd values, labels encapsulated pixel
//! data `OB`, and writes a zero preamble. Two files are "the same" for us when their dumps
//! are equal.
//!
//! Format (one line per element, file meta first):
//!
//! ```text
//! # file meta
//! (0002,0010) UI TransferSyntaxUID [1.2.840.10008.1.2.1]
//! # data set
//! (0008,0016) UI SOPClassUID [1.2.840.10008.5.1.4.1.1.2]
//! (0008,1140) SQ ReferencedImageSequence (1 item)
//!   item 1
//!     (0008,1150) UI ReferencedSOPClassUID [1.2.840.10008.5.1.4.1.1.2]
//! (0028,0010) US Rows 512
//! (7FE0,0010) OW PixelData <524288 bytes sha256:0123456789ab>
//! ```
//!
//! * text values as stored, each value trimmed of trailing spaces and NULs (the padding),
//!   joined with `\`, in `[...]`; an empty value is `(empty)`;
//! * numbers in Rust's shortest round-trip form, joined with `\`; more than 32 numbers
//!   are summarised as `<N values, M bytes sha256:...>`;
//! * binary values (OB, OW, OD, OF, OL, OV, UN and any `U8` value) as
//!   `<N bytes sha256:first-12-hex>`, the hash taken over the little-endian bytes;
//! * Pixel Data is never printed: native as above, encapsulated as
//!   `<encapsulated: offset table N entries, K fragments, M bytes sha256:...>`;
//! * keywords from the standard dictionary, `?` for unknown (private) tags.
//!
//! The dump contains element values (it is a test tool): never log it for real data.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::mem::InMemElement;
use dicom_object::{FileDicomObject, InMemDicomObject};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Largest number of numeric values printed one by one.
const MAX_LISTED_NUMBERS: usize = 32;

/// Dump a file object: `# file meta` section, then `# data set`.
///
/// # Example
/// ```
/// use dicom_core::{DataElement, VR};
/// use dicom_dictionary_std::tags;
/// use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
///
/// let obj = InMemDicomObject::from_element_iter([
///     DataElement::new(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.7"),
///     DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, "2.25.1"),
///     DataElement::new(tags::PATIENT_NAME, VR::PN, "Doe^John "),
/// ]);
/// let file = obj
///     .with_meta(FileMetaTableBuilder::new().transfer_syntax("1.2.840.10008.1.2.1"))
///     .unwrap();
/// let dump = dicom_anonymizer::dump::canonical_dump(&file);
/// assert!(dump.contains("(0010,0010) PN PatientName [Doe^John]\n"));
/// ```
pub fn canonical_dump(obj: &FileDicomObject<InMemDicomObject>) -> String {
    let mut out = String::from("# file meta\n");
    for elem in obj.meta().to_element_iter() {
        let _ = writeln!(
            out,
            "{} {} {} {}",
            elem.tag(),
            elem.vr(),
            keyword(elem.tag()),
            render_value(elem.tag(), elem.vr(), elem.value())
        );
    }
    out.push_str("# data set\n");
    dump_dataset_into(&mut out, obj, 0);
    out
}

/// Dump a data set (no meta section), e.g. an item or a bare data set.
pub fn canonical_dump_dataset(obj: &InMemDicomObject) -> String {
    let mut out = String::new();
    dump_dataset_into(&mut out, obj, 0);
    out
}

fn dump_dataset_into(out: &mut String, obj: &InMemDicomObject, depth: usize) {
    for elem in obj {
        dump_element(out, elem, depth);
    }
}

fn dump_element(out: &mut String, elem: &InMemElement, depth: usize) {
    let indent = "  ".repeat(depth * 2);
    let tag = elem.tag();
    let _ = write!(out, "{indent}{tag} {} {} ", elem.vr(), keyword(tag));
    match elem.value() {
        Value::Sequence(seq) => {
            let items = seq.items();
            let n = items.len();
            let _ = writeln!(out, "({n} item{})", if n == 1 { "" } else { "s" });
            for (i, item) in items.iter().enumerate() {
                let _ = writeln!(out, "{indent}  item {}", i + 1);
                dump_dataset_into(out, item, depth + 1);
            }
        }
        other => {
            let _ = writeln!(out, "{}", render_value(tag, elem.vr(), other));
        }
    }
}

fn keyword(tag: Tag) -> &'static str {
    // Private data elements are not in the dictionary; the dictionary would call a
    // private creator "PrivateCreator", which is fine.
    StandardDataDictionary
        .by_tag(tag)
        .map(|e| e.alias())
        .unwrap_or("?")
}

/// Render a non-sequence value on one line.
fn render_value<I, P: AsRef<[u8]>>(tag: Tag, vr: VR, value: &Value<I, P>) -> String {
    match value {
        Value::Primitive(p) => render_primitive(tag, vr, p),
        Value::PixelSequence(seq) => {
            let mut h = Sha256::new();
            let mut total = 0usize;
            for frag in seq.fragments() {
                let bytes = frag.as_ref();
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
                total += bytes.len();
            }
            format!(
                "<encapsulated: offset table {} entries, {} fragments, {} bytes sha256:{}>",
                seq.offset_table().len(),
                seq.fragments().len(),
                total,
                short_hex(&h.finalize())
            )
        }
        Value::Sequence(seq) => format!("({} items)", seq.items().len()),
    }
}

fn render_primitive(tag: Tag, vr: VR, p: &PrimitiveValue) -> String {
    let binary_vr = matches!(
        vr,
        VR::OB | VR::OW | VR::OD | VR::OF | VR::OL | VR::OV | VR::UN
    );
    let pixel = tag == dicom_dictionary_std::tags::PIXEL_DATA;
    match p {
        PrimitiveValue::Empty => "(empty)".to_owned(),
        PrimitiveValue::Str(s) => format!("[{}]", trim_padding(s)),
        PrimitiveValue::Strs(v) => {
            let parts: Vec<&str> = v.iter().map(|s| trim_padding(s)).collect();
            format!("[{}]", parts.join("\\"))
        }
        PrimitiveValue::Date(_) | PrimitiveValue::Time(_) | PrimitiveValue::DateTime(_) => {
            format!("[{}]", trim_padding(&p.to_str()))
        }
        PrimitiveValue::Tags(v) => {
            let parts: Vec<String> = v.iter().map(|t| t.to_string()).collect();
            parts.join("\\")
        }
        PrimitiveValue::U8(v) => bytes_summary(v),
        _ if binary_vr || pixel => bytes_summary(&le_bytes(p)),
        PrimitiveValue::I16(v) => numbers(v),
        PrimitiveValue::U16(v) => numbers(v),
        PrimitiveValue::I32(v) => numbers(v),
        PrimitiveValue::U32(v) => numbers(v),
        PrimitiveValue::I64(v) => numbers(v),
        PrimitiveValue::U64(v) => numbers(v),
        PrimitiveValue::F32(v) => numbers(v),
        PrimitiveValue::F64(v) => numbers(v),
    }
}

fn numbers<T: std::fmt::Display>(v: &[T]) -> String {
    if v.len() > MAX_LISTED_NUMBERS {
        let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        let joined = text.join("\\");
        return format!(
            "<{} values, {} chars sha256:{}>",
            v.len(),
            joined.len(),
            short_hex(&Sha256::digest(joined.as_bytes()))
        );
    }
    let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    text.join("\\")
}

/// Little-endian bytes of a numeric value (the hash must not depend on the source's byte
/// order, which the reader has already undone).
fn le_bytes(p: &PrimitiveValue) -> Vec<u8> {
    fn flat<T, const N: usize>(v: &[T], f: impl Fn(&T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(f).collect()
    }
    match p {
        PrimitiveValue::U8(v) => v.to_vec(),
        PrimitiveValue::I16(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::U16(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::I32(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::U32(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::I64(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::U64(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::F32(v) => flat(v, |x| x.to_le_bytes()),
        PrimitiveValue::F64(v) => flat(v, |x| x.to_le_bytes()),
        other => other.to_bytes().into_owned(),
    }
}

fn bytes_summary(bytes: &[u8]) -> String {
    format!(
        "<{} bytes sha256:{}>",
        bytes.len(),
        short_hex(&Sha256::digest(bytes))
    )
}

/// First 12 hex digits of a digest.
fn short_hex(digest: &[u8]) -> String {
    digest.iter().take(6).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn trim_padding(s: &str) -> &str {
    s.trim_end_matches([' ', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::PixelFragmentSequence;
    use dicom_core::{DataElement, dicom_value};
    use dicom_dictionary_std::tags;
    use dicom_object::FileMetaTableBuilder;

    fn file(elems: Vec<InMemElement>) -> FileDicomObject<InMemDicomObject> {
        InMemDicomObject::from_element_iter(elems)
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax("1.2.840.10008.1.2.1")
                    .media_storage_sop_class_uid("1.2.3")
                    .media_storage_sop_instance_uid("1.2.3.4")
                    .implementation_class_uid("1.2.3.4.5")
                    .implementation_version_name("TEST"),
            )
            .unwrap()
    }

    #[test]
    fn dump_format() {
        let item = InMemDicomObject::from_element_iter([DataElement::new(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            "1.2.3\0",
        )]);
        let obj = file(vec![
            DataElement::new(
                tags::IMAGE_TYPE,
                VR::CS,
                dicom_value!(Strs, ["ORIGINAL ", "PRIMARY"]),
            ),
            DataElement::new(tags::STUDY_DATE, VR::DA, PrimitiveValue::Empty),
            DataElement::new(
                tags::REFERENCED_IMAGE_SEQUENCE,
                VR::SQ,
                Value::from(dicom_core::value::DataSetSequence::from(vec![item])),
            ),
            DataElement::new(tags::ROWS, VR::US, dicom_value!(U16, [512])),
            DataElement::new(tags::PIXEL_SPACING, VR::DS, "0.5\\0.5 "),
            DataElement::new(Tag(0x0009, 0x1001), VR::UN, dicom_value!(U8, [1, 2, 3])),
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                Value::from(PixelFragmentSequence::new(
                    vec![],
                    vec![vec![1u8, 2], vec![3u8]],
                )),
            ),
        ]);
        insta::assert_snapshot!(canonical_dump(&obj), @r"
        # file meta
        (0002,0000) UL FileMetaInformationGroupLength 102
        (0002,0001) OB FileMetaInformationVersion <2 bytes sha256:b413f47d13ee>
        (0002,0002) UI MediaStorageSOPClassUID [1.2.3]
        (0002,0003) UI MediaStorageSOPInstanceUID [1.2.3.4]
        (0002,0010) UI TransferSyntaxUID [1.2.840.10008.1.2.1]
        (0002,0012) UI ImplementationClassUID [1.2.3.4.5]
        (0002,0013) SH ImplementationVersionName [TEST]
        # data set
        (0008,0008) CS ImageType [ORIGINAL\PRIMARY]
        (0008,0020) DA StudyDate (empty)
        (0008,1140) SQ ReferencedImageSequence (1 item)
          item 1
            (0008,1155) UI ReferencedSOPInstanceUID [1.2.3]
        (0009,1001) UN ? <3 bytes sha256:039058c6f2c0>
        (0028,0010) US Rows 512
        (0028,0030) DS PixelSpacing [0.5\0.5]
        (7FE0,0010) OB PixelData <encapsulated: offset table 0 entries, 2 fragments, 3 bytes sha256:491a9c4c5f07>
        ");
    }

    #[test]
    fn native_pixel_data_is_hashed_not_printed() {
        let obj = file(vec![DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            dicom_value!(U16, [1, 2, 3, 4]),
        )]);
        let dump = canonical_dump(&obj);
        assert!(
            dump.contains("(7FE0,0010) OW PixelData <8 bytes sha256:"),
            "{dump}"
        );
    }

    #[test]
    fn long_number_lists_are_summarised() {
        let v: Vec<u16> = (0..100).collect();
        let obj = file(vec![DataElement::new(
            Tag(0x0028, 0x3006),
            VR::US,
            PrimitiveValue::U16(v.into()),
        )]);
        let dump = canonical_dump(&obj);
        assert!(dump.contains("LUTData <100 values"), "{dump}");
    }
}
