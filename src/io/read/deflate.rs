//! Deflated data sets: inflated into memory under the in-memory bound, walked, then parsed.

use super::errors::{dataset_error, scan_error};
use super::{
    HeldInMemory, InMemoryReason, Loaded, ReadMode, ReadOptions, check_dicomdir_dataset,
    finish_meta, guard, lookup_ts,
};
use crate::io::posread::PosReader;
use crate::io::scan::{self, ScanError};
use crate::io::{DicomCause, ReadError, SafeUid, TruncatedIn};
use dicom_dictionary_std::uids;
use dicom_encoding::transfer_syntax::DataRWAdapter;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTable;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

/// Read the deflated data set that starts at `dataset_start`.
pub(super) fn load_deflated(
    mut r: PosReader,
    adapter: &dyn DataRWAdapter,
    dataset_start: u64,
    file_len: u64,
    meta: FileMetaTable,
    ts_uid: String,
    opts: &ReadOptions,
) -> Result<Loaded, ReadError> {
    // Deflated: inflate into memory (bounded by the limit), walk the inflated bytes
    // like any data set (so no forged length reaches dicom-parser's allocations),
    // then parse them.
    let reason = InMemoryReason::DeflatedTransferSyntax;
    let held = HeldInMemory::WholeFile(reason);
    guard(file_len, opts, held)?;
    r.seek(SeekFrom::Start(dataset_start))?;
    let limit = opts.max_in_memory_bytes;
    let mut inflated = Vec::new();
    let read = Limited {
        inner: adapter.adapt_reader(Box::new(&mut r)),
        left: limit,
    }
    .read_to_end(&mut inflated);
    if let Err(e) = read {
        return Err(if chain_has_limit(&e) {
            ReadError::TooLarge {
                size: limit.saturating_add(1),
                limit,
                held,
            }
        } else if DicomCause::chain_has_eof(&e) {
            ReadError::Truncated {
                place: TruncatedIn::DeflatedDataSet,
                offset: inflated.len() as u64,
            }
        } else {
            ReadError::Malformed {
                cause: DicomCause::new(&e),
            }
        });
    }
    let explicit_le = lookup_ts(uids::EXPLICIT_VR_LITTLE_ENDIAN)?;
    let decoder = explicit_le
        .decoder_for::<io::Cursor<&[u8]>>()
        .ok_or_else(|| ReadError::UnsupportedTransferSyntax {
            uid: SafeUid::new(&ts_uid),
        })?;
    let inflated_len = inflated.len() as u64;
    match scan::scan(
        &mut io::Cursor::new(&inflated[..]),
        &*decoder,
        0,
        inflated_len,
        true,
        true,
    ) {
        Ok(report) if report.dicomdir => return Err(ReadError::Dicomdir),
        Ok(_) | Err(ScanError::Structure { .. }) => {}
        Err(ScanError::Truncated { offset, .. }) => {
            return Err(ReadError::Truncated {
                place: TruncatedIn::DeflatedDataSet,
                offset,
            });
        }
        Err(e) => return Err(scan_error(e)),
    }
    let obj = InMemDicomObject::read_dataset_with_ts(&inflated[..], explicit_le)
        .map_err(|e| dataset_error(&e, TruncatedIn::DeflatedDataSet, inflated_len))?;
    let object = finish_meta(obj, meta);
    check_dicomdir_dataset(&object)?;
    Ok(Loaded {
        object,
        mode: ReadMode::InMemory { reason },
        ts_uid,
        had_meta: true,
        pixel: None,
    })
}

/// True if the chain holds the [`Limited`] reader's marker.
fn chain_has_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut level = Some(e);
    while let Some(l) = level {
        if let Some(io) = l.downcast_ref::<io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<LimitExceeded>())
            {
                return true;
            }
        }
        level = l.source();
    }
    false
}

/// Marker inside the `io::Error` returned by [`Limited`] when the limit is reached.
#[derive(Debug)]
struct LimitExceeded;

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("in-memory size limit reached")
    }
}

impl std::error::Error for LimitExceeded {}

/// A reader that fails (instead of ending) after `left` bytes: bounds what an inflated
/// stream can make us allocate.
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            if buf.is_empty() || self.inner.read(&mut [0u8; 1])? == 0 {
                return Ok(0);
            }
            return Err(io::Error::other(LimitExceeded));
        }
        let max = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(buf.get_mut(..max).unwrap_or_default())?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limited_reader_fails_past_the_limit() {
        let data = [7u8; 10];
        let mut ok = Limited {
            inner: &data[..],
            left: 10,
        };
        let mut out = Vec::new();
        assert_eq!(ok.read_to_end(&mut out).unwrap(), 10);
        let mut over = Limited {
            inner: &data[..],
            left: 9,
        };
        let err = over.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.get_ref().unwrap().is::<LimitExceeded>());
    }
}
