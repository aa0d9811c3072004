//! Mapping the errors of the structure walk and of dicom-object to [`ReadError`].

use crate::io::scan::{self, Fingerprint, ScanError};
use crate::io::{DicomCause, ReadError, SafeUid, TruncatedIn};
use dicom_object::InMemDicomObject;

pub(super) fn scan_error(e: ScanError) -> ReadError {
    match e {
        ScanError::Io(source) => ReadError::Io { source },
        ScanError::Truncated { place, offset } => ReadError::Truncated { place, offset },
        ScanError::UndefinedLengthUn { tag, offset, .. } => {
            ReadError::UndefinedLengthUn { tag, offset }
        }
        ScanError::TooDeep { offset } => ReadError::TooDeep {
            limit: scan::MAX_DEPTH,
            offset,
        },
        ScanError::Structure { offset, what } => ReadError::Malformed {
            cause: DicomCause::fixed(&format!("{what} at byte {offset}")),
        },
    }
}

/// Map an error of dicom-object's meta reader.
pub(super) fn meta_error(e: dicom_object::meta::Error, meta_at: u64) -> ReadError {
    use dicom_object::meta::Error as M;
    match &e {
        M::UnexpectedTag { .. } => ReadError::MetaWithoutGroupLength,
        M::MissingElement { alias, .. } if *alias == "TransferSyntax" => {
            ReadError::MetaWithoutTransferSyntax
        }
        _ if DicomCause::chain_has_eof(&e) => ReadError::Truncated {
            place: TruncatedIn::Meta,
            offset: meta_at,
        },
        _ => ReadError::MalformedMeta {
            cause: DicomCause::new(&e),
        },
    }
}

/// Map an error of a data set read by dicom-object. `place` is where an end of file would
/// be (the structure walk has already placed every truncation it can see, so this is
/// reached for deflated data sets and for cases the walk accepts but dicom-parser does not).
pub(super) fn dataset_error(
    e: &(dyn std::error::Error + 'static),
    place: TruncatedIn,
    file_len: u64,
) -> ReadError {
    let mut level = Some(e);
    while let Some(l) = level {
        if let Some(
            dicom_object::ReadError::ReadUnsupportedTransferSyntax { uid, .. }
            | dicom_object::ReadError::ReadUnsupportedTransferSyntaxWithSuggestion { uid, .. },
        ) = l.downcast_ref::<dicom_object::ReadError>()
        {
            return ReadError::UnsupportedTransferSyntax {
                uid: SafeUid::new(uid),
            };
        }
        level = l.source();
    }
    if DicomCause::chain_has_eof(e) {
        return ReadError::Truncated {
            place,
            offset: file_len,
        };
    }
    ReadError::Malformed {
        cause: DicomCause::new(e),
    }
}

/// Refuse `obj` unless dicom-object read exactly the elements and items the structure walk
/// saw (`expected`): one reading of the bytes. A difference means the two readers split
/// the bytes differently, and what the engine sees might not be what another reader sees
/// (issue 13); the message names no tag, because a tag read out of step is made of value
/// bytes.
pub(super) fn same_elements(
    expected: Fingerprint,
    obj: &InMemDicomObject,
) -> Result<(), ReadError> {
    if Fingerprint::of_object(obj) == expected {
        return Ok(());
    }
    Err(ReadError::Malformed {
        cause: DicomCause::fixed(
            "ambiguous structure: dicom-parser and the structure walk read different elements (or a tag twice in one item)",
        ),
    })
}
