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

use super::posread::PosReader;
use super::scan::{self, ScanError, ScanReport};
use super::{DicomCause, NotDicomReason, ReadError, SafeUid, TruncatedIn};
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
use dicom_object::{FileDicomObject, FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};
use dicom_parser::stateful::decode::StatefulDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The transfer syntax type of the registry.
pub(crate) type Ts = dicom_encoding::transfer_syntax::TransferSyntax;

/// Options for [`load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest number of bytes held in memory for one file: the whole file for an
    /// in-memory read (a full read then peaks at about twice this while writing), or the
    /// header plus the elements after the pixel data when streaming. For deflated files the
    /// limit applies to the inflated data set. Default: 1 GiB.
    pub max_in_memory_bytes: u64,
    /// Read the whole file into memory even when it could be streamed (for tests and
    /// comparisons).
    pub force_in_memory: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_in_memory_bytes: 1 << 30,
            force_in_memory: false,
        }
    }
}

/// How a [`Loaded`] file holds its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadMode {
    /// Header in memory; the root Pixel Data is copied from the still-open source on write.
    Streamed,
    /// The whole Part 10 file is in memory.
    InMemory {
        /// Why it could not be streamed.
        reason: InMemoryReason,
    },
    /// A bare data set (no preamble, `DICM` or file meta) read into memory; a file meta
    /// group was built for it.
    BareDataSet {
        /// The encoding that was detected from the first element.
        encoding: BareEncoding,
    },
}

/// Why a Part 10 file was read into memory instead of being streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InMemoryReason {
    /// [`ReadOptions::force_in_memory`] was set.
    Forced,
    /// Deflated transfer syntax: the pixel data is inside the compressed stream.
    DeflatedTransferSyntax,
    /// There is no root Pixel Data element.
    NoPixelData,
    /// The transfer syntax says explicit VR but the data set is encoded in implicit VR;
    /// it is read with dicom-encoding's adaptive decoder, which only works on a full read.
    ImplicitVrUnderExplicitTs,
    /// A root element above (7FE0,0010) before the pixel data, or two root Pixel Data
    /// elements: `read_until(PixelData)` would stop too early.
    UnusualLayout,
    /// The structure walk met something it does not understand. No longer produced: such a
    /// file is refused (its lengths cannot be checked before parsing).
    PreScanFailed,
}

impl fmt::Display for InMemoryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InMemoryReason::Forced => "a full read was requested",
            InMemoryReason::DeflatedTransferSyntax => "deflated transfer syntax",
            InMemoryReason::NoPixelData => "no pixel data",
            InMemoryReason::ImplicitVrUnderExplicitTs => {
                "implicit VR data set under an explicit VR transfer syntax"
            }
            InMemoryReason::UnusualLayout => "unusual element order around the pixel data",
            InMemoryReason::PreScanFailed => "the structure walk could not follow the file",
        })
    }
}

/// What must be held in memory, for [`ReadError::TooLarge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeldInMemory {
    /// The header and the elements after the pixel data of a streamed file.
    Header,
    /// The whole file.
    WholeFile(InMemoryReason),
    /// A bare data set.
    BareDataSet,
}

impl fmt::Display for HeldInMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeldInMemory::Header => f.write_str("the header is held in memory"),
            HeldInMemory::WholeFile(r) => write!(f, "{r}"),
            HeldInMemory::BareDataSet => f.write_str("bare data sets are read whole"),
        }
    }
}

/// The encoding of a bare data set, detected from its first element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BareEncoding {
    /// Implicit VR Little Endian (1.2.840.10008.1.2).
    ImplicitVrLittleEndian,
    /// Explicit VR Little Endian (1.2.840.10008.1.2.1).
    ExplicitVrLittleEndian,
    /// Explicit VR Big Endian (1.2.840.10008.1.2.2, retired).
    ExplicitVrBigEndian,
}

impl BareEncoding {
    /// The transfer syntax UID.
    pub fn uid(self) -> &'static str {
        match self {
            BareEncoding::ImplicitVrLittleEndian => uids::IMPLICIT_VR_LITTLE_ENDIAN,
            BareEncoding::ExplicitVrLittleEndian => uids::EXPLICIT_VR_LITTLE_ENDIAN,
            // the `uids` constant is deprecated (retired UID)
            BareEncoding::ExplicitVrBigEndian => "1.2.840.10008.1.2.2",
        }
    }
}

/// A loaded file, ready for the engine and then for [`write`](super::write::write).
///
/// `Debug` shows the mode and counts only, never values.
pub struct Loaded {
    /// File meta + every data element of the file except the root Pixel Data when it is
    /// streamed. Root elements that follow Pixel Data (e.g. (FFFA,FFFA), (FFFC,FFFC),
    /// private groups above 7FE0) are read too and are part of `object`: the engine must
    /// see them, they can hold PHI.
    pub object: FileDicomObject<InMemDicomObject>,
    pub(crate) mode: ReadMode,
    /// Transfer syntax UID of the source (trimmed), checked again on write.
    pub(crate) ts_uid: String,
    pub(crate) had_meta: bool,
    pub(crate) pixel: Option<StreamedPixels>,
}

/// The pixel data of a streamed file: still in the source file.
pub(crate) struct StreamedPixels {
    pub(crate) source: File,
    /// Size of the source at load time; the writer refuses to copy from a shrunk file.
    pub(crate) source_len: u64,
    pub(crate) range: scan::PixelRange,
}

impl Loaded {
    /// How the data is held.
    pub fn how(&self) -> ReadMode {
        self.mode
    }

    /// The transfer syntax UID of the source (and of the output).
    pub fn transfer_syntax(&self) -> &str {
        &self.ts_uid
    }

    /// False when the source had no file meta group (bare data set). The meta in
    /// `object` was then built here from SOP Class/Instance UID, and the engine must set
    /// MediaStorageSOPClassUID/InstanceUID like for any file.
    pub fn had_meta(&self) -> bool {
        self.had_meta
    }

    /// Forgets the streamed pixel data: the output will have no Pixel Data (for a plan
    /// that deletes it). No effect on files read into memory, whose Pixel Data the engine
    /// sees and handles like any element.
    pub fn drop_streamed_pixel_data(&mut self) {
        self.pixel = None;
    }

    /// The VR of the pixel data left in the source (streamed files only).
    pub fn streamed_pixel_vr(&self) -> Option<dicom_core::VR> {
        self.pixel.as_ref().map(|p| p.range.vr)
    }

    /// Number of pixel data value bytes left in the source (streamed files only).
    pub fn streamed_pixel_bytes(&self) -> Option<u64> {
        self.pixel
            .as_ref()
            .map(|p| p.range.value_end - p.range.value_start)
    }
}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("mode", &self.mode)
            .field("transfer_syntax", &self.ts_uid)
            .field("had_meta", &self.had_meta)
            .field("root_elements", &self.object.tags().count())
            .field("streamed_pixel_bytes", &self.streamed_pixel_bytes())
            .finish_non_exhaustive()
    }
}

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
    let file = File::open(path)?;
    let md = file.metadata()?;
    if md.is_dir() {
        return Err(io::Error::from(io::ErrorKind::IsADirectory).into());
    }
    let file_len = md.len();
    if file_len == 0 {
        return Err(ReadError::NotDicom {
            reason: NotDicomReason::Empty,
        });
    }
    let mut r = PosReader::new(file, file_len);
    let mut first = [0u8; 132];
    let n = read_up_to(&mut r, &mut first)?;
    let first = first.get(..n).unwrap_or_default();
    if first.get(128..132) == Some(b"DICM") {
        load_part10(r, 128, file_len, opts)
    } else if first.get(..4) == Some(b"DICM") {
        load_part10(r, 0, file_len, opts)
    } else if let Some(encoding) = detect_bare(first, file_len) {
        load_bare(r, encoding, file_len, opts)
    } else {
        Err(ReadError::NotDicom {
            reason: NotDicomReason::NoMagic,
        })
    }
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

/// Decide whether the first bytes of a file without `DICM` are a data element, and in
/// which encoding.
///
/// Explicit VR if bytes 4..6 are a known VR; the group number's byte order gives the
/// endianness. Implicit VR (always little endian) otherwise, if the 32-bit length fits in
/// the file. In both cases the first group must be even and in 0004..=0030 (a data set
/// starts with group 0008 in practice: (0008,0005), (0008,0008), (0008,0016), or a group
/// length), which rules out text files and almost all random bytes.
fn detect_bare(b: &[u8], file_len: u64) -> Option<BareEncoding> {
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
            return Ok(Loaded {
                object,
                mode: ReadMode::InMemory { reason },
                ts_uid,
                had_meta: true,
                pixel: None,
            });
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
        Ok(report) => Some(report),
        Err(e) => return Err(scan_error(e)),
    };
    if report.as_ref().is_some_and(|r| r.dicomdir) {
        return Err(ReadError::Dicomdir);
    }

    // INVARIANT: streaming needs a complete walk (so `range.value_end <= file_len` and the
    // bytes between header and trailer are exactly the Pixel Data value) and a root layout
    // where every element before the pixel data has a smaller tag (so `read_until` stops
    // exactly at it). Anything else is read whole, after the same walk.
    let streamable = match &report {
        Some(ScanReport {
            pixel: Some(px),
            unusual_layout: None,
            ..
        }) => Ok(*px),
        Some(ScanReport { pixel: None, .. }) => Err(InMemoryReason::NoPixelData),
        Some(ScanReport { .. }) => Err(InMemoryReason::UnusualLayout),
        None => Err(InMemoryReason::PreScanFailed),
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
            if range.value_end < file_len {
                r.seek(SeekFrom::Start(range.value_end))?;
                let cs = charset_of(&object);
                let after = InMemDicomObject::read_dataset_with_ts_cs(
                    (&mut r).take(file_len - range.value_end),
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
            Ok(Loaded {
                object,
                mode: ReadMode::Streamed,
                ts_uid,
                had_meta: true,
                pixel: Some(StreamedPixels {
                    source: r.into_inner(),
                    source_len: file_len,
                    range,
                }),
            })
        }
        Err(reason) => {
            guard(file_len, opts, HeldInMemory::WholeFile(reason))?;
            let object = if flexible {
                r.seek(SeekFrom::Start(dataset_start))?;
                let decoder = StatefulDecoder::new(
                    &mut r,
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
                    .from_reader(&mut r)
                    .map_err(|e| dataset_error(&e, TruncatedIn::Header, file_len))?
            };
            check_dicomdir_dataset(&object)?;
            Ok(Loaded {
                object,
                mode: ReadMode::InMemory { reason },
                ts_uid,
                had_meta: true,
                pixel: None,
            })
        }
    }
}

fn load_bare(
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
    match scan::scan(&mut r, &*decoder, 0, file_len, explicit, little) {
        Ok(report) if report.dicomdir => return Err(ReadError::Dicomdir),
        Ok(_) => {}
        // refused for the same reason as in `load_part10`
        Err(e) => return Err(scan_error(e)),
    }
    r.seek(SeekFrom::Start(0))?;
    let obj = InMemDicomObject::read_dataset_with_ts(&mut r, ts)
        .map_err(|e| dataset_error(&e, TruncatedIn::Header, file_len))?;
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
        pixel: None,
    })
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
    let [_, _, _, _, b4, b5, b6, b7] = h;
    if dicom_core::VR::from_binary([b4, b5]).is_some() {
        return Ok(false);
    }
    let len = u32::from_le_bytes([b4, b5, b6, b7]);
    Ok(len == u32::MAX || u64::from(len) <= file_len - start - 8)
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

fn scan_error(e: ScanError) -> ReadError {
    match e {
        ScanError::Io(source) => ReadError::Io { source },
        ScanError::Truncated { place, offset } => ReadError::Truncated { place, offset },
        ScanError::UndefinedLengthUn { tag, offset } => {
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
fn meta_error(e: dicom_object::meta::Error, meta_at: u64) -> ReadError {
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

/// Map an error of a data set read by dicom-object. `place` is where an end of file would
/// be (the structure walk has already placed every truncation it can see, so this is
/// reached for deflated data sets and for cases the walk accepts but dicom-parser does not).
fn dataset_error(
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

    #[test]
    fn loaded_is_send() {
        fn is_send<T: Send>() {}
        is_send::<Loaded>();
    }
}
