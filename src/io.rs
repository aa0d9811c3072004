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
//!   for byte on write (`copy_file_range` on Linux). Memory is O(header) whatever the
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

pub use read::{BareEncoding, HeldInMemory, InMemoryReason, Loaded, ReadMode, ReadOptions, load};
pub use write::{WriteStats, write};

use dicom_core::Tag;
use std::fmt;

/// Why a file could not be read. Element values never appear in the message.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ReadError {
    /// The operating system refused or failed an operation on the source file.
    #[error("could not read the file")]
    #[diagnostic(code(anon::io::read::io))]
    Io {
        /// The I/O error (permission denied, is a directory, ...).
        #[source]
        source: std::io::Error,
    },

    /// The bytes are not DICOM at all.
    #[error("not a DICOM file: {reason}")]
    #[diagnostic(
        code(anon::io::read::not_dicom),
        help(
            "a DICOM file starts with a 128-byte preamble and `DICM`, or is a bare data set whose first element is in group 0004 to 0030"
        )
    )]
    NotDicom {
        /// What was found instead.
        reason: NotDicomReason,
    },

    /// The file ends in the middle of an element.
    #[error("truncated file: it ends inside {place} (at byte {offset})")]
    #[diagnostic(code(anon::io::read::truncated))]
    Truncated {
        /// The structure the file ends in.
        place: TruncatedIn,
        /// The byte offset (from the start of the file) where the missing bytes start.
        offset: u64,
    },

    /// The file meta group has no (0002,0000) group length; dicom-object cannot read it.
    #[error("unreadable: the file meta group has no group length (0002,0000)")]
    #[diagnostic(
        code(anon::io::read::meta_without_group_length),
        help("rewrite the file with a conformant tool (e.g. `dcmconv`) before de-identifying it")
    )]
    MetaWithoutGroupLength,

    /// The file meta group has no (0002,0010) Transfer Syntax UID.
    #[error("unreadable: the file meta group has no transfer syntax (0002,0010)")]
    #[diagnostic(
        code(anon::io::read::meta_without_transfer_syntax),
        help("rewrite the file with a conformant tool (e.g. `dcmconv`) before de-identifying it")
    )]
    MetaWithoutTransferSyntax,

    /// The file meta group is malformed in another way.
    #[error("unreadable: malformed file meta group")]
    #[diagnostic(code(anon::io::read::malformed_meta))]
    MalformedMeta {
        /// What dicom-object reported (sanitized).
        #[source]
        cause: DicomCause,
    },

    /// An explicit-VR UN element with undefined length (CP-246), which dicom-object 0.10
    /// cannot read.
    #[error("unreadable: UN element {tag} with undefined length at byte {offset}")]
    #[diagnostic(
        code(anon::io::read::undefined_length_un),
        help("convert the file to implicit VR little endian (e.g. `dcmconv +ti`) and try again")
    )]
    UndefinedLengthUn {
        /// The tag of the element.
        tag: Tag,
        /// Byte offset of the element header.
        offset: u64,
    },

    /// Sequences nested deeper than the reader accepts.
    #[error("unreadable: sequences nested deeper than {limit} levels at byte {offset}")]
    #[diagnostic(code(anon::io::read::too_deep))]
    TooDeep {
        /// The nesting limit.
        limit: usize,
        /// Byte offset where the limit was exceeded.
        offset: u64,
    },

    /// The transfer syntax is unknown or cannot be decoded.
    #[error("unsupported transfer syntax `{uid}`")]
    #[diagnostic(code(anon::io::read::unsupported_transfer_syntax))]
    UnsupportedTransferSyntax {
        /// The UID, or a placeholder when the value is not a UID.
        uid: SafeUid,
    },

    /// The file would have to be read into memory and is larger than allowed.
    #[error("too large to read into memory ({size} bytes, limit {limit} bytes): {held}")]
    #[diagnostic(
        code(anon::io::read::too_large),
        help("raise the in-memory limit if the machine has enough memory")
    )]
    TooLarge {
        /// Bytes that would be held in memory (file size, or header size when streaming).
        size: u64,
        /// The configured limit.
        limit: u64,
        /// What must be held in memory, and why.
        held: HeldInMemory,
    },

    /// A DICOMDIR (media directory). It holds patient names and is never copied.
    #[error("DICOMDIR media directory: skipped")]
    #[diagnostic(
        code(anon::io::read::dicomdir),
        help(
            "a DICOMDIR indexes the other files and names patients; rebuild it from the de-identified files instead"
        )
    )]
    Dicomdir,

    /// The data set could not be parsed.
    #[error("unreadable: malformed data set")]
    #[diagnostic(code(anon::io::read::malformed))]
    Malformed {
        /// What went wrong (sanitized).
        #[source]
        cause: DicomCause,
    },
}

/// The kind of a [`ReadError`], without its details: for reports, counters and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// [`ReadError::Io`]
    Io,
    /// [`ReadError::NotDicom`]
    NotDicom,
    /// [`ReadError::Truncated`]
    Truncated,
    /// [`ReadError::MetaWithoutGroupLength`]
    MetaWithoutGroupLength,
    /// [`ReadError::MetaWithoutTransferSyntax`]
    MetaWithoutTransferSyntax,
    /// [`ReadError::MalformedMeta`]
    MalformedMeta,
    /// [`ReadError::UndefinedLengthUn`]
    UndefinedLengthUn,
    /// [`ReadError::TooDeep`]
    TooDeep,
    /// [`ReadError::UnsupportedTransferSyntax`]
    UnsupportedTransferSyntax,
    /// [`ReadError::TooLarge`]
    TooLarge,
    /// [`ReadError::Dicomdir`]
    Dicomdir,
    /// [`ReadError::Malformed`]
    Malformed,
}

impl ReadError {
    /// The kind of this error.
    pub fn kind(&self) -> ReadErrorKind {
        match self {
            ReadError::Io { .. } => ReadErrorKind::Io,
            ReadError::NotDicom { .. } => ReadErrorKind::NotDicom,
            ReadError::Truncated { .. } => ReadErrorKind::Truncated,
            ReadError::MetaWithoutGroupLength => ReadErrorKind::MetaWithoutGroupLength,
            ReadError::MetaWithoutTransferSyntax => ReadErrorKind::MetaWithoutTransferSyntax,
            ReadError::MalformedMeta { .. } => ReadErrorKind::MalformedMeta,
            ReadError::UndefinedLengthUn { .. } => ReadErrorKind::UndefinedLengthUn,
            ReadError::TooDeep { .. } => ReadErrorKind::TooDeep,
            ReadError::UnsupportedTransferSyntax { .. } => ReadErrorKind::UnsupportedTransferSyntax,
            ReadError::TooLarge { .. } => ReadErrorKind::TooLarge,
            ReadError::Dicomdir => ReadErrorKind::Dicomdir,
            ReadError::Malformed { .. } => ReadErrorKind::Malformed,
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(source: std::io::Error) -> Self {
        ReadError::Io { source }
    }
}

/// What a non-DICOM file looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotDicomReason {
    /// Zero bytes.
    Empty,
    /// No `DICM` prefix (at 0 or after a 128-byte preamble) and the first bytes are not a
    /// plausible data element.
    NoMagic,
}

impl fmt::Display for NotDicomReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotDicomReason::Empty => "the file is empty",
            NotDicomReason::NoMagic => {
                "no `DICM` prefix and the first bytes are not a data element"
            }
        })
    }
}

/// Where a truncated file ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TruncatedIn {
    /// The 128-byte preamble or the file meta group.
    Meta,
    /// A root-level element before the pixel data.
    Header,
    /// An element inside the sequence with this (root-level) tag.
    Sequence(Tag),
    /// The pixel data (native value or encapsulated fragments).
    PixelData,
    /// A root-level element after the pixel data.
    AfterPixelData,
    /// The deflated data set; the offset counts inflated bytes from its start.
    DeflatedDataSet,
}

impl fmt::Display for TruncatedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TruncatedIn::Meta => f.write_str("the file meta group"),
            TruncatedIn::Header => f.write_str("the header"),
            TruncatedIn::Sequence(tag) => write!(f, "sequence {tag}"),
            TruncatedIn::PixelData => f.write_str("the pixel data"),
            TruncatedIn::AfterPixelData => f.write_str("an element after the pixel data"),
            TruncatedIn::DeflatedDataSet => f.write_str("the deflated data set"),
        }
    }
}

/// A UID from the file, shown only when it really is a UID (digits and dots, at most 64
/// characters), because any other text could be anything, PHI included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafeUid(Option<String>);

impl SafeUid {
    /// Keep `s` if it looks like a UID.
    pub fn new(s: &str) -> Self {
        let s = s.trim_end_matches(['\0', ' ']);
        let ok =
            !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        SafeUid(ok.then(|| s.to_owned()))
    }

    /// The UID, if the value was one.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl fmt::Display for SafeUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(uid) => f.write_str(uid),
            None => f.write_str("<not a UID>"),
        }
    }
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum WriteError {
    /// The output (or the source, while copying pixel data) failed at the OS level.
    #[error("could not write the output file")]
    #[diagnostic(code(anon::io::write::io))]
    Io {
        /// The I/O error (no space left, ...).
        #[source]
        source: std::io::Error,
    },

    /// dicom-object could not encode the file meta group.
    #[error("could not encode the file meta group")]
    #[diagnostic(code(anon::io::write::meta))]
    Meta {
        /// What dicom-object reported (sanitized).
        #[source]
        cause: DicomCause,
    },

    /// dicom-object could not encode the data set.
    #[error("could not encode the data set")]
    #[diagnostic(code(anon::io::write::encode))]
    Encode {
        /// What dicom-object reported (sanitized).
        #[source]
        cause: DicomCause,
    },

    /// The source file is shorter than when it was read, so the pixel data cannot be copied.
    #[error(
        "the source file changed since it was read (pixel data: expected {expected} bytes, copied {copied})"
    )]
    #[diagnostic(code(anon::io::write::source_changed))]
    SourceChanged {
        /// Pixel data bytes expected.
        expected: u64,
        /// Pixel data bytes actually available.
        copied: u64,
    },

    /// The file meta transfer syntax was changed after loading; this layer does not re-encode.
    #[error(
        "the transfer syntax was changed from `{from}` to `{to}` after reading; re-encoding is not supported"
    )]
    #[diagnostic(code(anon::io::write::transfer_syntax_changed))]
    TransferSyntaxChanged {
        /// The transfer syntax of the source.
        from: SafeUid,
        /// The transfer syntax found in the meta at write time.
        to: SafeUid,
    },

    /// The engine put a root Pixel Data element into a streamed object.
    #[error(
        "the data set holds a Pixel Data element (7FE0,0010) although its pixel data is copied from the source"
    )]
    #[diagnostic(code(anon::io::write::pixel_data_conflict))]
    PixelDataConflict,
}

impl From<std::io::Error> for WriteError {
    fn from(source: std::io::Error) -> Self {
        WriteError::Io { source }
    }
}

/// The cause reported by dicom-rs, rendered without element values.
///
/// The original error is dropped on purpose (see the module docs): some dicom-rs messages
/// embed values. The chain is rendered level by level, `": "`-separated; the levels known
/// to embed values are replaced by a fixed text. `source()` is always `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DicomCause(String);

impl DicomCause {
    /// Render `err` and its sources without element values.
    pub fn new(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut parts: Vec<String> = Vec::new();
        let mut level: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = level {
            let text = sanitized_level(e);
            if parts.last() != Some(&text) {
                parts.push(text);
            }
            level = e.source();
        }
        DicomCause(parts.join(": "))
    }

    /// A cause with a fixed text of our own.
    pub(crate) fn fixed(text: &str) -> Self {
        DicomCause(text.to_owned())
    }

    /// The rendered text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True if an I/O error in the chain says the input ended early.
    pub(crate) fn chain_has_eof(err: &(dyn std::error::Error + 'static)) -> bool {
        let mut level = Some(err);
        while let Some(e) = level {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::UnexpectedEof {
                    return true;
                }
            }
            level = e.source();
        }
        false
    }
}

impl fmt::Display for DicomCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DicomCause {}

/// One level of a dicom-rs error chain, with the value-bearing variants replaced.
fn sanitized_level(e: &(dyn std::error::Error + 'static)) -> String {
    use dicom_parser::stateful::decode::Error as DecodeError;
    if let Some(d) = e.downcast_ref::<DecodeError>() {
        match d {
            DecodeError::InvalidDateValue { position, .. } => {
                return format!("invalid DA value at position {position}");
            }
            DecodeError::InvalidTimeValue { position, .. } => {
                return format!("invalid TM value at position {position}");
            }
            DecodeError::InvalidDateTimeValue { position, .. } => {
                return format!("invalid DT value at position {position}");
            }
            DecodeError::UnsupportedCharacterSet { .. } => {
                return "unsupported character set".to_owned();
            }
            _ => {}
        }
    }
    match e.downcast_ref::<dicom_object::ReadError>() {
        Some(dicom_object::ReadError::UnexpectedToken { .. }) => {
            return "unexpected data set token".to_owned();
        }
        Some(dicom_object::ReadError::ReadUnrecognizedTransferSyntax { .. }) => {
            return "unrecognized transfer syntax".to_owned();
        }
        _ => {}
    }
    if let Some(dicom_object::WriteError::WriteUnrecognizedTransferSyntax { .. }) = e.downcast_ref()
    {
        return "unrecognized transfer syntax".to_owned();
    }
    if let Some(w) = e.downcast_ref::<dicom_parser::dataset::write::Error>() {
        match w {
            dicom_parser::dataset::write::Error::UnexpectedToken { .. } => {
                return "unexpected data set token".to_owned();
            }
            dicom_parser::dataset::write::Error::UnsupportedCharacterSet { .. } => {
                return "unsupported character set".to_owned();
            }
            _ => {}
        }
    }
    if let Some(dicom_parser::stateful::encode::Error::UnsupportedCharacterSet { .. }) =
        e.downcast_ref()
    {
        return "unsupported character set".to_owned();
    }
    if e.is::<dicom_encoding::text::DecodeTextError>() {
        return "could not decode text".to_owned();
    }
    if e.is::<dicom_encoding::text::EncodeTextError>() {
        return "could not encode text".to_owned();
    }
    if e.is::<dicom_core::value::DeserializeError>()
        || e.is::<dicom_core::value::ConvertValueError>()
        || e.is::<dicom_core::value::InvalidValueReadError>()
    {
        return "invalid value".to_owned();
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
    use dicom_parser::dataset::read::{DataSetReader, DataSetReaderOptions, ValueReadStrategy};

    fn full_chain(e: &(dyn std::error::Error + 'static)) -> String {
        let mut s = e.to_string();
        let mut level = e.source();
        while let Some(l) = level {
            s.push_str(": ");
            s.push_str(&l.to_string());
            level = l.source();
        }
        s
    }

    #[test]
    fn dicom_cause_drops_values_that_dicom_rs_prints() {
        // (0008,0020) DA "19AB0101" read with the Interpreted strategy: dicom-parser's
        // error text quotes the value
        let mut bytes = vec![0x08, 0x00, 0x20, 0x00, b'D', b'A', 8, 0];
        bytes.extend_from_slice(b"19AB0101");
        let ts = dicom_transfer_syntax_registry::TransferSyntaxRegistry
            .get("1.2.840.10008.1.2.1")
            .unwrap();
        let options = DataSetReaderOptions::default().value_read(ValueReadStrategy::Interpreted);
        let reader = DataSetReader::new_with_ts_options(&bytes[..], ts, options).unwrap();
        let err = reader.filter_map(Result::err).next().unwrap();
        assert!(
            full_chain(&err).contains("19AB0101"),
            "{}",
            full_chain(&err)
        );
        let cause = DicomCause::new(&err);
        assert!(!cause.as_str().contains("19AB0101"), "{cause}");
        assert!(
            cause.as_str().contains("invalid DA value at position"),
            "{cause}"
        );
    }

    #[test]
    fn safe_uid_hides_non_uids() {
        assert_eq!(
            SafeUid::new("1.2.840.10008.1.2.1\0").to_string(),
            "1.2.840.10008.1.2.1"
        );
        assert_eq!(SafeUid::new("Doe^John").to_string(), "<not a UID>");
        assert_eq!(SafeUid::new("").to_string(), "<not a UID>");
    }
}
