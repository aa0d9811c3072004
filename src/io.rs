//! Reading DICOM files into memory (header only where possible) and writing them back.
//!
//! This layer sits between the file system and the anonymization engine:
//!
//! ```text
//! read::load(path) ──▶ Loaded { object, (pixel data still on disk) }
//!                          │  engine changes `loaded.object` in place
//!                          ▼
//! write::write(loaded, &mut tmp_file)   (the caller renames the temp file)
//! ```
//!
//! * **Streaming** (the normal case): the header (file meta + every element before the
//!   root Pixel Data) and the few root elements after Pixel Data are read into
//!   [`Loaded::object`]; the Pixel Data value stays in the source file and is copied byte
//!   for byte on write (`copy_file_range` on Linux, `copy`). Memory is O(header) whatever the
//!   pixel data size.
//! * **In memory** (fallback): deflated transfer syntaxes, files without root Pixel Data,
//!   bare data sets (no `DICM` prefix), data sets encoded in implicit VR under an explicit
//!   VR transfer syntax, and files whose layout the pre-scan cannot stream. Guarded by
//!   [`ReadOptions::max_in_memory_bytes`].
//!
//! Every file is first walked at byte level (`scan`, element headers only, values are
//! skipped with seeks) so that truncation, undefined-length UN elements, DICOMDIRs and
//! absurd nesting are reported the same way in both modes, before dicom-object sees the
//! file.
//!
//! Measured on the test corpus (227 real files, `tests/it/io.rs`): 157 are streamed,
//! 58 have no pixel data, 1 is deflated, 3 are bare data sets, 8 are refused (4 DICOMDIRs,
//! 2 meta groups dicom-object cannot read, 1 truncated, 1 not DICOM). For all 219 others
//! the streamed and the in-memory outputs are element-equal, and equal to the source except
//! one odd-length value that dicom-object pads. A 200 MB native plus a 64 MB encapsulated
//! file are loaded and written with a peak RSS under 10 MB (debug build); the pixel copy is
//! one `copy_file_range` call (strace).
//!
//! This module must not change element values (that is the engine's job), must not write
//! anywhere but the writer it is given, and must never put element values into an error
//! or a log line: they are PHI. Errors name tags, byte offsets and the cause only; they do
//! not name the file either (the caller knows the path and adds it).
//!
//! ## What dicom-rs error texts can leak (checked in the 0.10.1 sources)
//!
//! * `dicom_parser::stateful::decode::Error::{InvalidDateValue, InvalidTimeValue,
//!   InvalidDateTimeValue}` print the offending text (only with the `Interpreted` value
//!   strategy, which we do not use, but the variants exist);
//! * `dicom_object::ReadError::UnexpectedToken` and
//!   `dicom_parser::dataset::write::Error::UnexpectedToken` print a `DataToken` with `{:?}`,
//!   which can hold a primitive value;
//! * `UnsupportedCharacterSet` prints the Specific Character Set term from the file;
//! * `dicom_encoding::text::DecodeTextError` carries a free-form message from the text codec;
//! * `dicom_core::value::DeserializeError` prints single characters of a value;
//! * `ConvertValueError` can carry such a deserialization error as its cause;
//! * `Read/WriteUnrecognizedTransferSyntax` print the transfer syntax text from the file,
//!   which is not checked to be a UID.
//!
//! So no dicom-rs error is ever exposed as a `source()`: [`DicomCause`] renders the chain
//! into a sanitized string (the leaky levels above are replaced by a fixed text) and drops
//! the original error.

mod cause;
mod copy;
pub(crate) use copy::read_seen;
#[doc(hidden)]
pub mod differential;
mod error;
pub mod pixel;
mod posread;
pub mod read;
pub mod report;
mod scan;
pub mod walk;
pub mod write;

/// True if `bytes` is a complete implicit VR little endian data set as the structure walk
/// sees it: no truncation, no length past the end, sequences nested at most 64 deep. The
/// engine checks a sequence stored as UN with it before parsing the value.
pub(crate) fn well_formed_implicit(bytes: &[u8]) -> bool {
    let decoder = dicom_encoding::decode::implicit_le::ImplicitVRLittleEndianDecoder::default();
    let mut cursor = std::io::Cursor::new(bytes);
    scan::scan(&mut cursor, &decoder, 0, bytes.len() as u64, false, true).is_ok()
}

pub use cause::DicomCause;
pub use error::{NotDicomReason, ReadError, ReadErrorKind, SafeUid, TruncatedIn, WriteError};
pub use read::{BareEncoding, HeldInMemory, InMemoryReason, Loaded, ReadMode, ReadOptions, load};
pub use write::{FileHashes, WriteStats, write, write_hashing};
