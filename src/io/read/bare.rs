//! Bare data sets: files without preamble, `DICM` or file meta.

use super::errors::{dataset_error, same_elements, scan_error};
use super::{
    BareEncoding, HeldInMemory, Loaded, ReadMode, ReadOptions, check_dicomdir_dataset, guard,
    lookup_ts,
};
use crate::io::posread::PosReader;
use crate::io::scan;
use crate::io::{DicomCause, ReadError, SafeUid, TruncatedIn};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use std::io::{Read, Seek, SeekFrom};

/// Decide whether the first bytes of a file without `DICM` are a data element, and in
/// which encoding.
///
/// Explicit VR if bytes 4..6 are a known VR; the group number's byte order gives the
/// endianness. Implicit VR (always little endian) otherwise, if the 32-bit length fits in
/// the file. In both cases the first group must be even and in 0004..=0030 (a data set
/// starts with group 0008 in practice: (0008,0005), (0008,0008), (0008,0016), or a group
/// length), which rules out text files and almost all random bytes.
pub(crate) fn detect_bare(b: &[u8], file_len: u64) -> Option<BareEncoding> {
    let plausible = |g: u16| g % 2 == 0 && (0x0004..=0x0030).contains(&g);
    let [b0, b1, _, _, b4, b5, b6, b7, ..] = *b else {
        return None;
    };
    let g_le = u16::from_le_bytes([b0, b1]);
    let g_be = u16::from_be_bytes([b0, b1]);
    if dicom_core::VR::from_binary([b4, b5]).is_some() {
        if plausible(g_le) {
            return Some(BareEncoding::ExplicitVrLittleEndian);
        }
        if plausible(g_be) {
            return Some(BareEncoding::ExplicitVrBigEndian);
        }
        return None;
    }
    let len = u32::from_le_bytes([b4, b5, b6, b7]);
    let len_ok = len == u32::MAX || u64::from(len) <= file_len.saturating_sub(8);
    (plausible(g_le) && len_ok).then_some(BareEncoding::ImplicitVrLittleEndian)
}

pub(super) fn load_bare(
    mut r: PosReader,
    encoding: BareEncoding,
    file_len: u64,
    opts: &ReadOptions,
) -> Result<Loaded, ReadError> {
    guard(file_len, opts, HeldInMemory::BareDataSet)?;
    let ts = lookup_ts(encoding.uid())?;
    let decoder =
        ts.decoder_for::<PosReader>()
            .ok_or_else(|| ReadError::UnsupportedTransferSyntax {
                uid: SafeUid::new(encoding.uid()),
            })?;
    r.seek(SeekFrom::Start(0))?;
    let explicit = encoding != BareEncoding::ImplicitVrLittleEndian;
    let little = encoding != BareEncoding::ExplicitVrBigEndian;
    // refused for the same reason as in `load_part10`
    let report =
        scan::scan(&mut r, &*decoder, 0, file_len, explicit, little).map_err(scan_error)?;
    if report.dicomdir {
        return Err(ReadError::Dicomdir);
    }
    r.seek(SeekFrom::Start(0))?;
    let obj = InMemDicomObject::read_dataset_with_ts((&mut r).take(report.data_end), ts)
        .map_err(|e| dataset_error(&e, TruncatedIn::Header, file_len))?;
    same_elements(report.fingerprint, &obj)?;
    // only a UID may go into the meta: any other text makes a meta group that no reader
    // accepts (found by fuzzing); without one the element is empty
    let uid_of = |tag: Tag| {
        obj.get(tag)
            .filter(|e| e.vr() == dicom_core::VR::UI)
            .and_then(|e| e.value().to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
            .filter(|s| s.len() <= 64 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .unwrap_or_default()
    };
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(encoding.uid())
        .media_storage_sop_class_uid(uid_of(tags::SOP_CLASS_UID))
        .media_storage_sop_instance_uid(uid_of(tags::SOP_INSTANCE_UID))
        .build()
        .map_err(|e| ReadError::MalformedMeta {
            cause: DicomCause::new(&e),
        })?;
    let object = obj.with_exact_meta(meta);
    check_dicomdir_dataset(&object)?;
    Ok(Loaded {
        object,
        mode: ReadMode::BareDataSet { encoding },
        ts_uid: encoding.uid().to_owned(),
        had_meta: false,
        padding: file_len - report.data_end,
        un_sequences: 0,
        pixel: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_detection() {
        let explicit_le = b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100";
        let explicit_be = b"\x00\x08\x00\x05CS\x00\x0aISO_IR 100";
        let implicit = b"\x08\x00\x05\x00\x0a\x00\x00\x00ISO_IR 100";
        assert_eq!(
            detect_bare(explicit_le, 100),
            Some(BareEncoding::ExplicitVrLittleEndian)
        );
        assert_eq!(
            detect_bare(explicit_be, 100),
            Some(BareEncoding::ExplicitVrBigEndian)
        );
        assert_eq!(
            detect_bare(implicit, 100),
            Some(BareEncoding::ImplicitVrLittleEndian)
        );
        assert_eq!(detect_bare(b"hello world, not dicom", 100), None);
        assert_eq!(detect_bare(b"\x20\x08\x00\x05\x00CS\x0a\x00", 100), None);
        assert_eq!(detect_bare(b"\x08\x00", 100), None);
    }
}
