//! Loading one DICOM file: detect its layout, walk its structure, read the header (or the
//! whole file when it must), and keep the source open for the pixel data copy.
//!
//! [`load`] opens the file once. The sequence is: first bytes → `DICM` prefix (Part 10) or
//! a bare data set → file meta (our own read of it, with dicom-object's parser) →
//! structure walk (`scan`) → header read with `OpenFileOptions::read_until(PixelData)`
//! on the same handle plus a read of the root elements after the pixel data (streamed), or
//! a full read (in memory).
//!
//! It must not change any element (the meta included: fixing Media Storage UIDs,
//! implementation class UID and AE titles is the engine's job), and must not keep pixel
//! bytes in memory when streaming.

mod bare;
mod deflate;
mod errors;
mod loaded;
mod open;
mod un_sequence;

pub(crate) use loaded::StreamedPixels;
pub use loaded::{BareEncoding, HeldInMemory, InMemoryReason, Loaded, ReadMode, ReadOptions};
use open::{device_of, open_source};

use super::posread::PosReader;
use super::scan::{self, ScanReport};
use super::{NotDicomReason, ReadError, SafeUid, TruncatedIn};
pub(crate) use bare::detect_bare;
use bare::load_bare;
use dicom_core::Tag;
use dicom_core::header::{DataElementHeader, Length};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::decode::DecodeFrom;
use dicom_encoding::decode::adaptive_le::StandardAdaptiveVRLittleEndianDecoder;
use dicom_encoding::decode::basic::BasicDecoder;
use dicom_encoding::text::SpecificCharacterSet;
use dicom_encoding::transfer_syntax::{Codec, Endianness, TransferSyntaxIndex};
use dicom_object::file::ReadPreamble;
use dicom_object::meta::FileMetaTable;
use dicom_object::{FileDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_parser::stateful::decode::StatefulDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use errors::{dataset_error, meta_error, same_elements, scan_error};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The transfer syntax type of the registry.
pub(crate) type Ts = dicom_encoding::transfer_syntax::TransferSyntax;

/// Read `path` for de-identification. See the [module docs](self) and [`Loaded`].
///
/// # Errors
/// Every failure is a [`ReadError`]; [`ReadError::Dicomdir`] is distinct because callers
/// skip DICOMDIRs. Errors never contain element values.
///
/// # Example
/// ```no_run
/// use dicom_anonymizer::io::{self, ReadOptions};
/// let loaded = io::read::load("in.dcm".as_ref(), &ReadOptions::default())?;
/// let mut tmp = std::fs::File::create("out.dcm.tmp")?;
/// io::write::write(loaded, &mut tmp)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(path: &Path, opts: &ReadOptions) -> Result<Loaded, ReadError> {
    load_open(open_source(path)?, opts)
}

/// [`load`] on a file that is already open (its position does not matter: every read is
/// positional). The entry point reads byte buffers through an anonymous temporary file
/// with it, so that a buffer and a file on disk take exactly the same path.
pub fn load_open(file: File, opts: &ReadOptions) -> Result<Loaded, ReadError> {
    load_open_after(file, opts, 0)
}

/// At most this many UN sequences of undefined length are rewritten in one file.
const MAX_UN_REWRITES: u32 = 16;

/// [`load_open`] of a file in which `rewrites` UN sequences were rewritten already.
fn load_open_after(file: File, opts: &ReadOptions, rewrites: u32) -> Result<Loaded, ReadError> {
    let md = file.metadata()?;
    if md.is_dir() {
        return Err(io::Error::from(io::ErrorKind::IsADirectory).into());
    }
    if !md.is_file() {
        // a FIFO, socket or device (the batch skips those it sees before opening)
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file").into());
    }
    let file_len = md.len();
    let dev = device_of(&md);
    if file_len == 0 {
        return Err(ReadError::NotDicom {
            reason: NotDicomReason::Empty,
        });
    }
    let mut r = PosReader::new(file, file_len);
    let mut first = [0u8; 132];
    let n = read_up_to(&mut r, &mut first)?;
    let first = first.get(..n).unwrap_or_default();
    let mut loaded = if first.get(128..132) == Some(b"DICM") {
        load_part10(r, 128, file_len, opts, rewrites).and_then(with_sop_uids)
    } else if first.get(..4) == Some(b"DICM") {
        load_part10(r, 0, file_len, opts, rewrites).and_then(with_sop_uids)
    } else if let Some(encoding) = detect_bare(first, file_len) {
        load_bare(r, encoding, file_len, opts).and_then(with_sop_uids)
    } else {
        Err(ReadError::NotDicom {
            reason: NotDicomReason::NoMagic,
        })
    }?;
    if let Some(px) = loaded.pixel.as_mut() {
        // a rewritten file's pixel data is in its temporary file, whose device is set
        if loaded.un_sequences == 0 {
            px.source_dev = dev;
        }
    }
    Ok(loaded)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Whether `ts` encodes VRs explicitly (dicom-encoding 0.10 has no public accessor):
/// encode a UI header and look for the VR bytes.
pub(crate) fn is_explicit_vr(ts: &Ts) -> bool {
    let Some(encoder) = ts.encoder_for::<Vec<u8>>() else {
        return false;
    };
    let mut buf = Vec::with_capacity(12);
    let header = DataElementHeader::new(tags::SOP_CLASS_UID, dicom_core::VR::UI, Length(0));
    encoder.encode_element_header(&mut buf, header).is_ok() && buf.get(4..6) == Some(b"UI")
}

fn lookup_ts(uid: &str) -> Result<&'static Ts, ReadError> {
    TransferSyntaxRegistry
        .get(uid)
        .ok_or_else(|| ReadError::UnsupportedTransferSyntax {
            uid: SafeUid::new(uid),
        })
}

fn load_part10(
    mut r: PosReader,
    meta_at: u64,
    file_len: u64,
    opts: &ReadOptions,
    rewrites: u32,
) -> Result<Loaded, ReadError> {
    r.seek(SeekFrom::Start(meta_at + 4))?;
    scan::check_meta(&mut r, meta_at + 4, file_len).map_err(scan_error)?;
    r.seek(SeekFrom::Start(meta_at))?;
    let meta = FileMetaTable::from_reader(&mut r).map_err(|e| meta_error(e, meta_at))?;
    let dataset_start = r.stream_position()?;
    if meta.media_storage_sop_class_uid() == uids::MEDIA_STORAGE_DIRECTORY_STORAGE {
        return Err(ReadError::Dicomdir);
    }
    let ts_uid = meta.transfer_syntax().to_owned();
    let ts = lookup_ts(&ts_uid)?;
    let preamble = if meta_at == 0 {
        ReadPreamble::Never
    } else {
        ReadPreamble::Always
    };
    match ts.codec() {
        Codec::Dataset(None) => {
            return Err(ReadError::UnsupportedTransferSyntax {
                uid: SafeUid::new(&ts_uid),
            });
        }
        Codec::Dataset(Some(adapter)) => {
            return deflate::load_deflated(
                r,
                &**adapter,
                dataset_start,
                file_len,
                meta,
                ts_uid,
                opts,
            );
        }
        Codec::None | Codec::EncapsulatedPixelData(..) => {}
    }

    let flexible = ts.endianness() == Endianness::Little
        && is_explicit_vr(ts)
        && looks_implicit(&mut r, dataset_start, file_len)?;
    let decoder: Box<dyn DecodeFrom<PosReader>> = if flexible {
        Box::new(StandardAdaptiveVRLittleEndianDecoder::default())
    } else {
        ts.decoder_for::<PosReader>()
            .ok_or_else(|| ReadError::UnsupportedTransferSyntax {
                uid: SafeUid::new(&ts_uid),
            })?
    };
    let explicit = !flexible && is_explicit_vr(ts);
    r.seek(SeekFrom::Start(dataset_start))?;
    let little = ts.endianness() == Endianness::Little;
    let scanned = scan::scan(&mut r, &*decoder, dataset_start, file_len, explicit, little);
    // A structure the walk cannot follow is refused, not handed to dicom-object: past that
    // point no length has been checked against the file, and a forged one makes the
    // parser allocate and zero-fill it (4 GB and a minute for a 1 KB file, found by
    // fuzzing).
    let report = match scanned {
        Err(scan::ScanError::UndefinedLengthUn {
            tag,
            offset,
            convertible: true,
        }) if rewrites < MAX_UN_REWRITES => {
            return reread_un_sequence(r, (tag, offset), file_len, opts, rewrites);
        }
        other => other.map_err(scan_error)?,
    };
    if report.dicomdir {
        return Err(ReadError::Dicomdir);
    }
    let data_end = report.data_end;
    let padding = file_len - data_end;

    // INVARIANT: streaming needs a complete walk (so `range.value_end <= file_len` and the
    // bytes between header and trailer are exactly the Pixel Data value) and a root layout
    // where every element before the pixel data has a smaller tag (so `read_until` stops
    // exactly at it). Anything else is read whole, after the same walk.
    let streamable = match &report {
        ScanReport {
            pixel: Some(px),
            unusual_layout: None,
            ..
        } => Ok(*px),
        ScanReport { pixel: None, .. } => Err(InMemoryReason::NoPixelData),
        ScanReport { .. } => Err(InMemoryReason::UnusualLayout),
    };
    let streamable = match streamable {
        _ if flexible => Err(InMemoryReason::ImplicitVrUnderExplicitTs),
        Ok(_) if opts.force_in_memory => Err(InMemoryReason::Forced),
        other => other,
    };

    match streamable {
        Ok(range) => {
            // header (meta included) + elements after the pixel data
            let held = range.header_start + (file_len - range.value_end);
            guard(held, opts, HeldInMemory::Header)?;
            r.seek(SeekFrom::Start(0))?;
            let mut object = OpenFileOptions::new()
                .read_preamble(preamble)
                .read_until(tags::PIXEL_DATA)
                .from_reader(&mut r)
                .map_err(|e| dataset_error(&e, TruncatedIn::Header, file_len))?;
            if range.value_end < data_end {
                r.seek(SeekFrom::Start(range.value_end))?;
                let cs = charset_of(&object);
                let after = InMemDicomObject::read_dataset_with_ts_cs(
                    (&mut r).take(data_end - range.value_end),
                    ts,
                    cs,
                )
                .map_err(|e| dataset_error(&e, TruncatedIn::AfterPixelData, file_len))?;
                // INVARIANT: no root (7FE0,0010) can come from here (a second one makes the
                // layout unusual), so a streamed `object` never holds Pixel Data.
                for elem in after {
                    object.put(elem);
                }
            }
            check_dicomdir_dataset(&object)?;
            let expected = report.fingerprint.minus(report.pixel_fingerprint);
            same_elements(expected, &object)?;
            Ok(Loaded {
                object,
                mode: ReadMode::Streamed,
                ts_uid,
                had_meta: true,
                padding,
                un_sequences: 0,
                pixel: Some(StreamedPixels {
                    source: r.into_inner(),
                    // set by `load_open`, which has the file's metadata
                    source_dev: 0,
                    range,
                    edit: None,
                }),
            })
        }
        Err(reason) => {
            guard(file_len, opts, HeldInMemory::WholeFile(reason))?;
            let object = if flexible {
                r.seek(SeekFrom::Start(dataset_start))?;
                let decoder = StatefulDecoder::new(
                    (&mut r).take(data_end - dataset_start),
                    StandardAdaptiveVRLittleEndianDecoder::default(),
                    BasicDecoder::from(Endianness::Little),
                    SpecificCharacterSet::default(),
                );
                let obj = InMemDicomObject::read_dataset(decoder)
                    .map_err(|e| dataset_error(&e, TruncatedIn::Header, file_len))?;
                finish_meta(obj, meta)
            } else {
                r.seek(SeekFrom::Start(0))?;
                OpenFileOptions::new()
                    .read_preamble(preamble)
                    .from_reader((&mut r).take(data_end))
                    .map_err(|e| dataset_error(&e, TruncatedIn::Header, file_len))?
            };
            check_dicomdir_dataset(&object)?;
            same_elements(report.fingerprint, &object)?;
            Ok(Loaded {
                object,
                mode: ReadMode::InMemory { reason },
                ts_uid,
                had_meta: true,
                padding,
                un_sequences: 0,
                pixel: None,
            })
        }
    }
}

/// A file with a UN element of undefined length (implicit VR items, CP-246) that no
/// defined-length item encloses: read whole (within `--max-in-memory`), the element
/// rewritten as an explicit SQ (`un_sequence`), and the result read again from an
/// anonymous temporary file by the ordinary path, structure walk included.
fn reread_un_sequence(
    mut r: PosReader,
    (tag, offset): (Tag, u64),
    file_len: u64,
    opts: &ReadOptions,
    rewrites: u32,
) -> Result<Loaded, ReadError> {
    guard(
        file_len,
        opts,
        HeldInMemory::WholeFile(InMemoryReason::UnSequence),
    )?;
    let mut bytes = Vec::new();
    r.seek(SeekFrom::Start(0))?;
    r.read_to_end(&mut bytes)?;
    let at = usize::try_from(offset).map_err(|_| ReadError::UndefinedLengthUn { tag, offset })?;
    let rewritten = un_sequence::rewrite(&bytes, at).map_err(|what| ReadError::Malformed {
        cause: crate::io::DicomCause::fixed(&format!(
            "the UN element {tag} of undefined length at byte {offset} is not a sequence of implicit VR items: {what}"
        )),
    })?;
    drop(bytes);
    guard(
        rewritten.len() as u64,
        opts,
        HeldInMemory::WholeFile(InMemoryReason::UnSequence),
    )?;
    let mut tmp = tempfile::tempfile()?;
    io::Write::write_all(&mut tmp, &rewritten)?;
    drop(rewritten);
    let mut loaded = load_open_after(tmp, opts, rewrites + 1)?;
    loaded.un_sequences += 1;
    Ok(loaded)
}

/// True if the first data set element's VR bytes are not a VR while the header is a
/// plausible implicit VR one: an implicit VR data set under an explicit VR LE syntax.
fn looks_implicit(r: &mut PosReader, start: u64, file_len: u64) -> io::Result<bool> {
    if file_len.saturating_sub(start) < 8 {
        return Ok(false);
    }
    r.seek(SeekFrom::Start(start))?;
    let mut h = [0u8; 8];
    r.read_exact(&mut h)?;
    Ok(implicit_first_header(h, file_len - start - 8))
}

/// [`looks_implicit`] on a data set held in memory.
pub(crate) fn looks_implicit_bytes(data: &[u8]) -> bool {
    match data.get(..8).and_then(|h| <[u8; 8]>::try_from(h).ok()) {
        Some(h) => implicit_first_header(h, data.len() as u64 - 8),
        None => false,
    }
}

fn implicit_first_header(h: [u8; 8], rest: u64) -> bool {
    let [_, _, _, _, b4, b5, b6, b7] = h;
    if dicom_core::VR::from_binary([b4, b5]).is_some() {
        return false;
    }
    let len = u32::from_le_bytes([b4, b5, b6, b7]);
    len == u32::MAX || u64::from(len) <= rest
}

/// Refuse a file whose output would carry an empty Media Storage SOP Class or Instance UID
/// in its file meta (an invalid Part 10 file; issue 13): the data set has no SOP Class UID
/// (or no SOP Instance UID) and the source's meta does not name it either.
fn with_sop_uids(loaded: Loaded) -> Result<Loaded, ReadError> {
    let meta = loaded.object.meta();
    let named = |s: &str| !s.trim_end_matches(['\0', ' ']).is_empty();
    for (tag, in_meta) in [
        (tags::SOP_CLASS_UID, meta.media_storage_sop_class_uid()),
        (
            tags::SOP_INSTANCE_UID,
            meta.media_storage_sop_instance_uid(),
        ),
    ] {
        let in_data_set = loaded
            .object
            .get(tag)
            .and_then(|e| e.value().to_str().ok())
            .is_some_and(|s| named(&s));
        if !in_data_set && !named(in_meta) {
            return Err(ReadError::MissingSopUid { tag });
        }
    }
    Ok(loaded)
}

/// Attach the meta read by us to a data set read by us, filling empty Media Storage UIDs
/// from the data set the way dicom-object's own reader does.
fn finish_meta(
    obj: InMemDicomObject,
    mut meta: FileMetaTable,
) -> FileDicomObject<InMemDicomObject> {
    let uid_of = |tag: Tag| {
        obj.get(tag)
            .and_then(|e| e.value().to_str().ok())
            .map(|s| s.into_owned())
    };
    if meta.media_storage_sop_class_uid().is_empty() {
        if let Some(uid) = uid_of(tags::SOP_CLASS_UID) {
            meta.media_storage_sop_class_uid = uid;
        }
    }
    if meta.media_storage_sop_instance_uid().is_empty() {
        if let Some(uid) = uid_of(tags::SOP_INSTANCE_UID) {
            meta.media_storage_sop_instance_uid = uid;
        }
    }
    obj.with_exact_meta(meta)
}

/// A DICOMDIR whose meta does not say so (or a bare one) still has its record sequence.
fn check_dicomdir_dataset(obj: &FileDicomObject<InMemDicomObject>) -> Result<(), ReadError> {
    if obj.get(tags::DIRECTORY_RECORD_SEQUENCE).is_some() {
        return Err(ReadError::Dicomdir);
    }
    Ok(())
}

fn guard(size: u64, opts: &ReadOptions, held: HeldInMemory) -> Result<(), ReadError> {
    if size > opts.max_in_memory_bytes {
        return Err(ReadError::TooLarge {
            size,
            limit: opts.max_in_memory_bytes,
            held,
        });
    }
    Ok(())
}

/// The Specific Character Set of `obj` (first value), for decoding or encoding elements
/// outside the main data set pass.
pub(crate) fn charset_of(obj: &InMemDicomObject) -> SpecificCharacterSet {
    obj.get(tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.value().to_multi_str().ok())
        .and_then(|v| v.first().and_then(|s| SpecificCharacterSet::from_code(s)))
        .unwrap_or_default()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_vr_probe() {
        assert!(!is_explicit_vr(
            lookup_ts(uids::IMPLICIT_VR_LITTLE_ENDIAN).unwrap()
        ));
        assert!(is_explicit_vr(
            lookup_ts(uids::EXPLICIT_VR_LITTLE_ENDIAN).unwrap()
        ));
        assert!(is_explicit_vr(lookup_ts("1.2.840.10008.1.2.2").unwrap()));
        assert!(is_explicit_vr(lookup_ts(uids::JPEG_BASELINE8_BIT).unwrap()));
    }

    #[test]
    fn loaded_is_send() {
        fn is_send<T: Send>() {}
        is_send::<Loaded>();
    }
}
