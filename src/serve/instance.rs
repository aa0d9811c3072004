//! The seam between the network and the library: a received instance goes in as Part 10
//! bytes, the de-identified Part 10 bytes (or why not) come out.
//!
//! The node adds no de-identification logic of its own: [`Deidentify`] is implemented over
//! the library's single entry point. This module also wraps a received data set into a
//! Part 10 buffer and reads back the few header facts a destination needs (the new UIDs,
//! the transfer syntax, where the data set starts), never any other value.

use std::collections::BTreeMap;
use std::io::Write;

use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, OpenFileOptions, file::ReadPreamble};

/// What the library made of one instance.
#[derive(Debug)]
pub enum Deidentified {
    /// The de-identified instance, as Part 10 bytes.
    Done {
        bytes: Vec<u8>,
        /// Elements per action, as in `run`'s report.
        counts: BTreeMap<String, u64>,
    },
    /// The policy refuses this instance (a `reject` rule, an encapsulated document, ...).
    Rejected { reason: String },
    /// It could not be read or de-identified.
    Failed { reason: String },
}

/// The library's entry point, as the node sees it.
pub trait Deidentify: Send + Sync {
    /// De-identifies one Part 10 instance held in memory.
    fn deidentify(&self, part10: Vec<u8>) -> Deidentified;
}

/// Starts a Part 10 buffer for a data set that will arrive in `ts`: 128-byte preamble,
/// `DICM`, a file meta group from the command's UIDs. The data set bytes are appended
/// as they arrive.
pub fn part10_prefix(sop_class: &str, sop_instance: &str, ts: &str) -> Result<Vec<u8>, String> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .transfer_syntax(ts)
        .build()
        .map_err(|e| format!("cannot build a file meta group: {e}"))?;
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(&[0u8; 128]);
    out.extend_from_slice(b"DICM");
    meta.write(&mut out)
        .map_err(|e| format!("cannot write a file meta group: {e}"))?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The header facts of a de-identified instance that its destinations need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub transfer_syntax: String,
    pub sop_class: String,
    pub sop_instance: String,
    pub study: String,
    pub series: String,
    /// Offset of the data set (after preamble, `DICM` and file meta).
    pub data_offset: usize,
}

fn clean(s: &str) -> String {
    s.trim_end_matches(['\0', ' ']).to_string()
}

/// A UID usable as a file name: digits and dots only, else `unknown`.
pub fn safe_uid(s: &str) -> String {
    if !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        s.to_string()
    } else {
        "unknown".to_string()
    }
}

/// Reads the header facts of a Part 10 buffer (the data set up to the pixel data only).
pub fn header(part10: &[u8]) -> Result<Header, String> {
    let body = part10
        .get(128..)
        .ok_or_else(|| "shorter than a preamble".to_string())?;
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .read_until(tags::PIXEL_DATA)
        .from_reader(body)
        .map_err(|e| format!("cannot read the de-identified header: {e}"))?;
    let meta = obj.meta();
    let text = |tag| {
        obj.get(tag)
            .and_then(|e| e.to_str().ok().map(|s| clean(&s)))
            .unwrap_or_default()
    };
    // preamble + DICM + (0002,0000) element (12 bytes) + the group it measures
    let data_offset = 128 + 4 + 12 + meta.information_group_length as usize;
    if data_offset > part10.len() {
        return Err("the file meta group is longer than the instance".to_string());
    }
    Ok(Header {
        transfer_syntax: clean(meta.transfer_syntax()),
        sop_class: clean(&meta.media_storage_sop_class_uid),
        sop_instance: clean(&meta.media_storage_sop_instance_uid),
        study: text(tags::STUDY_INSTANCE_UID),
        series: text(tags::SERIES_INSTANCE_UID),
        data_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_object::InMemDicomObject;
    use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;

    #[test]
    fn a_wrapped_data_set_reads_back() {
        let ts = EXPLICIT_VR_LITTLE_ENDIAN.erased();
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("1.2.3"),
            ),
            DataElement::new(
                tags::STUDY_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("4.5"),
            ),
            DataElement::new(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("6.7"),
            ),
        ]);
        let mut data = Vec::new();
        obj.write_dataset_with_ts(&mut data, &ts).unwrap();
        let mut buf = part10_prefix("1.2.840.10008.5.1.4.1.1.7", "1.2.3", ts.uid()).unwrap();
        let prefix = buf.len();
        buf.extend_from_slice(&data);
        let h = header(&buf).unwrap();
        assert_eq!(h.data_offset, prefix);
        assert_eq!(h.transfer_syntax, "1.2.840.10008.1.2.1");
        assert_eq!(h.sop_instance, "1.2.3");
        assert_eq!((h.study.as_str(), h.series.as_str()), ("4.5", "6.7"));
        assert_eq!(&buf[h.data_offset..], &data[..]);
    }

    #[test]
    fn unsafe_uids_do_not_become_paths() {
        assert_eq!(safe_uid("1.2.3"), "1.2.3");
        assert_eq!(safe_uid("../etc"), "unknown");
        assert_eq!(safe_uid(""), "unknown");
    }
}
