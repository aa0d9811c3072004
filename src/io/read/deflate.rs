//! Deflated data sets: measured under the in-memory bound, walked, then parsed.

use super::errors::{dataset_error, same_elements, scan_error};
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
///
/// The stream is first inflated to measure it, stopping at the in-memory bound (a deflate
/// bomb costs nothing). If the inflated data set takes at most half the bound, its bytes
/// are kept from that pass, and the structure walk and dicom-object read them from memory:
/// the bytes and the object built from them fit in the bound together. A larger one is
/// not held: it is inflated twice more, once for the structure walk (values skipped by
/// reading) and once for dicom-object, so memory is what dicom-object builds, as for any
/// file read whole. Either way the walk and the parse see the same bytes.
pub(super) fn load_deflated(
    mut r: PosReader,
    adapter: &dyn DataRWAdapter,
    dataset_start: u64,
    file_len: u64,
    meta: FileMetaTable,
    ts_uid: String,
    opts: &ReadOptions,
) -> Result<Loaded, ReadError> {
    let reason = InMemoryReason::DeflatedTransferSyntax;
    guard(file_len, opts, HeldInMemory::WholeFile(reason))?;
    let limit = opts.max_in_memory_bytes;

    // 1: the inflated size, bounded; the bytes kept while they fit in half the bound
    r.seek(SeekFrom::Start(dataset_start))?;
    let mut measured = Limited {
        inner: adapter.adapt_reader(Box::new(&mut r)),
        left: limit,
        read: 0,
    };
    let mut kept = Keep::new(held_cap(limit));
    let copied = io::copy(&mut measured, &mut kept);
    let inflated_len = measured.read;
    drop(measured);
    if let Err(e) = copied {
        return Err(if chain_has_limit(&e) {
            ReadError::TooLarge {
                size: limit.saturating_add(1),
                limit,
                held: HeldInMemory::Inflated,
            }
        } else if DicomCause::chain_has_eof(&e) {
            ReadError::Truncated {
                place: TruncatedIn::DeflatedDataSet,
                offset: inflated_len,
            }
        } else {
            ReadError::Malformed {
                cause: DicomCause::new(&e),
            }
        });
    }

    // 2: the structure walk, like any data set (so no forged length reaches dicom-parser's
    // allocations)
    let explicit_le = lookup_ts(uids::EXPLICIT_VR_LITTLE_ENDIAN)?;
    let unsupported = || ReadError::UnsupportedTransferSyntax {
        uid: SafeUid::new(&ts_uid),
    };
    let kept = kept.bytes;
    // The held bytes are walked as the stream is, forward only, so that the two ways
    // accept the same files (a reader that cannot seek back refuses a few zero bytes that
    // end the data set within an element header).
    let scanned = if let Some(bytes) = &kept {
        let mut forward = Forward {
            inner: bytes.as_slice(),
        };
        let decoder = explicit_le
            .decoder_for::<Forward<&[u8]>>()
            .ok_or_else(unsupported)?;
        scan::scan(&mut forward, &*decoder, 0, inflated_len, true, true)
    } else {
        r.seek(SeekFrom::Start(dataset_start))?;
        let mut forward = Forward {
            inner: adapter.adapt_reader(Box::new(&mut r)),
        };
        let decoder = explicit_le
            .decoder_for::<Forward<Box<dyn Read + '_>>>()
            .ok_or_else(unsupported)?;
        scan::scan(&mut forward, &*decoder, 0, inflated_len, true, true)
    };
    let report = match scanned {
        Ok(report) if report.dicomdir => return Err(ReadError::Dicomdir),
        Ok(report) => report,
        Err(ScanError::Truncated { offset, .. }) => {
            return Err(ReadError::Truncated {
                place: TruncatedIn::DeflatedDataSet,
                offset,
            });
        }
        Err(e) => return Err(scan_error(e)),
    };

    // 3: the parse, checked against the walk
    let parsed = if let Some(bytes) = &kept {
        InMemDicomObject::read_dataset_with_ts(bytes.as_slice().take(report.data_end), explicit_le)
    } else {
        r.seek(SeekFrom::Start(dataset_start))?;
        let inflating = adapter.adapt_reader(Box::new(&mut r));
        InMemDicomObject::read_dataset_with_ts(inflating.take(report.data_end), explicit_le)
    };
    drop(kept);
    let obj = parsed.map_err(|e| dataset_error(&e, TruncatedIn::DeflatedDataSet, inflated_len))?;
    same_elements(report.fingerprint, &obj)?;
    let object = finish_meta(obj, meta);
    check_dicomdir_dataset(&object)?;
    Ok(Loaded {
        object,
        mode: ReadMode::InMemory { reason },
        ts_uid,
        had_meta: true,
        padding: inflated_len - report.data_end,
        un_sequences: 0,
        pixel: None,
    })
}

/// An inflating stream (or the bytes held from it) seen by the structure walk: it only
/// ever skips forward, which is done by reading.
struct Forward<R> {
    inner: R,
}

impl<R: Read> Read for Forward<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Read> Seek for Forward<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match pos {
            SeekFrom::Current(n) if n >= 0 => {
                let n = n.unsigned_abs();
                let skipped = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
                if skipped < n {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                // the walk keeps its own position
                Ok(0)
            }
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "an inflating stream only skips forward",
            )),
        }
    }
}

/// The most inflated bytes held: half the in-memory bound, so that the bytes and the
/// object dicom-object builds from them (about as large) fit in the bound together.
fn held_cap(limit: u64) -> u64 {
    limit / 2
}

/// Where the first inflation goes: the bytes, as long as they stay within `cap`; past it
/// they are dropped and only counted (by [`Limited`]).
struct Keep {
    bytes: Option<Vec<u8>>,
    cap: u64,
}

impl Keep {
    fn new(cap: u64) -> Self {
        Self {
            bytes: Some(Vec::new()),
            cap,
        }
    }
}

impl io::Write for Keep {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(bytes) = &mut self.bytes {
            let needed = bytes.len() + buf.len();
            if needed as u64 > self.cap {
                self.bytes = None;
            } else {
                if needed > bytes.capacity() {
                    // grow by doubling, but never past the cap: the capacity is the memory
                    let cap = usize::try_from(self.cap).unwrap_or(usize::MAX);
                    let target = needed.max(bytes.capacity().saturating_mul(2)).min(cap);
                    bytes.reserve_exact(target - bytes.len());
                }
                bytes.extend_from_slice(buf);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
    /// Bytes passed on so far.
    read: u64,
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
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_holds_the_bytes_up_to_its_cap_and_never_more_memory() {
        use std::io::Write;
        let mut keep = Keep::new(1000);
        for _ in 0..10 {
            keep.write_all(&[1u8; 100]).unwrap();
            let held = keep.bytes.as_ref().unwrap();
            assert!(held.capacity() <= 1000, "{}", held.capacity());
        }
        assert_eq!(keep.bytes.as_deref(), Some(&[1u8; 1000][..]));
        // one byte more: nothing is held, and later writes are still taken
        keep.write_all(&[2u8]).unwrap();
        assert!(keep.bytes.is_none());
        assert_eq!(keep.write(&[3u8; 7]).unwrap(), 7);
        assert!(keep.bytes.is_none());
    }

    /// The capacity is the memory held: never past the cap, and never grown by a write
    /// that fits in it, whatever the sizes of the writes (the inflater's are irregular).
    #[test]
    fn keep_grows_only_when_needed_and_never_past_its_cap() {
        use std::io::Write;
        for sizes in [
            &[100usize, 150, 70, 300, 200, 80][..],
            &[64, 64, 128, 256, 388],
            &[100; 9],
        ] {
            let mut keep = Keep::new(900);
            for &n in sizes {
                let before = keep.bytes.as_ref().unwrap().capacity();
                let fits = keep.bytes.as_ref().unwrap().len() + n <= before;
                keep.write_all(&vec![7u8; n]).unwrap();
                let held = keep.bytes.as_ref().unwrap();
                assert!(held.capacity() <= 900, "{sizes:?}: {}", held.capacity());
                if fits {
                    assert_eq!(held.capacity(), before, "{sizes:?}: grown though it fit");
                }
            }
            assert_eq!(keep.bytes.unwrap().len(), 900);
        }
    }

    #[test]
    fn a_data_set_of_more_than_half_the_bound_is_not_held() {
        use std::io::Write;
        for (limit, len, held) in [
            (1000u64, 500usize, true),
            (1000, 501, false),
            (1001, 500, true),
        ] {
            let mut keep = Keep::new(held_cap(limit));
            keep.write_all(&vec![0u8; len]).unwrap();
            assert_eq!(keep.bytes.is_some(), held, "{len} of {limit}");
        }
    }

    #[test]
    fn limited_reader_fails_past_the_limit() {
        let data = [7u8; 10];
        let mut ok = Limited {
            inner: &data[..],
            left: 10,
            read: 0,
        };
        let mut out = Vec::new();
        assert_eq!(ok.read_to_end(&mut out).unwrap(), 10);
        let mut over = Limited {
            inner: &data[..],
            left: 9,
            read: 0,
        };
        let err = over.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.get_ref().unwrap().is::<LimitExceeded>());
    }
}
