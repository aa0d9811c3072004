//! The errors of the I/O layer. Element values never appear in them.

use super::{DicomCause, HeldInMemory};
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
        help(
            "its items are implicit VR (CP-246); it is read as a sequence only where no item or sequence of defined length encloses it: convert the file to implicit VR little endian (e.g. `dcmconv +ti`) and try again"
        )
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

    /// The data set has no SOP Class UID or no SOP Instance UID: the file meta of the
    /// output could not name it.
    #[error("unreadable: the data set has no {}", sop_name(*tag))]
    #[diagnostic(
        code(anon::io::read::missing_sop_uid),
        help(
            "a Part 10 file names its SOP Class and Instance in the file meta; a data set without them cannot be written as one"
        )
    )]
    MissingSopUid {
        /// (0008,0016) or (0008,0018).
        tag: Tag,
    },

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
    /// [`ReadError::MissingSopUid`]
    MissingSopUid,
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
            ReadError::MissingSopUid { .. } => ReadErrorKind::MissingSopUid,
            ReadError::Malformed { .. } => ReadErrorKind::Malformed,
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(source: std::io::Error) -> Self {
        ReadError::Io { source }
    }
}

fn sop_name(tag: Tag) -> String {
    let name = if tag == dicom_dictionary_std::tags::SOP_CLASS_UID {
        "SOP Class UID"
    } else {
        "SOP Instance UID"
    };
    format!("{name} {tag}")
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

    /// The pixel data could not be blacked out while writing (a frame that does not
    /// decode); the output is incomplete and must be discarded.
    #[error("could not black out the pixel data")]
    #[diagnostic(code(anon::io::write::pixel))]
    Pixel {
        /// Why.
        #[source]
        cause: super::pixel::PixelError,
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

#[cfg(test)]
mod tests {
    use super::*;

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
