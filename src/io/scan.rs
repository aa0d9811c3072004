//! Byte-level walk over the element headers of a data set, skipping values with seeks.
//!
//! It finds the byte range of the root Pixel Data element (native or encapsulated) so that
//! the writer can copy it, and it checks the structure of the whole file before
//! dicom-object parses it: truncation, undefined-length UN elements, nesting depth, and a
//! DICOMDIR's Directory Record Sequence are reported from here, identically whether the file
//! is then streamed or read into memory.
//!
//! It decodes headers with the transfer syntax's own dicom-encoding decoder, so it agrees
//! with dicom-parser on VRs and lengths. It never reads a value (apart from skipping it) and
//! never allocates per element. It must not be used on deflated data sets (their bytes are
//! compressed).
//!
//! Measured/checked behaviour of dicom-parser 0.10.1 `DataSetReader` that this walk
//! mirrors (dataset/read.rs):
//! * an element with undefined length is a sequence whatever its VR, except (7FE0,0010),
//!   which is encapsulated pixel data (at any depth);
//! * an item delimiter (FFFE,E00D) at the root is ignored;
//! * an end of file where the next item header of encapsulated pixel data is expected is
//!   taken as the end of the data set (missing sequence delimiter). We accept it for the
//!   root pixel data only; the writer then adds the delimiter.
//!
//! Stricter than dicom-parser (which stops quietly when a file ends at an element boundary
//! inside a sequence, or inside the 4 bytes of a tag): any end of file that is not at a
//! root element boundary is reported as truncation.

mod fingerprint;
mod header;
mod walk;

pub(crate) use fingerprint::{Fingerprint, misaligned};

pub(crate) use header::check_meta;

use crate::io::TruncatedIn;
use dicom_core::{Tag, VR};
use dicom_encoding::decode::DecodeFrom;
use std::io::{self, Read, Seek};

/// Deepest sequence nesting accepted. dicom-object builds nested items recursively, so a
/// hostile file with thousands of levels would overflow the stack there; we refuse it first.
pub(crate) const MAX_DEPTH: usize = 64;

/// Byte range of the root Pixel Data element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PixelRange {
    /// Offset of the element header.
    pub header_start: u64,
    /// Offset of the first value byte (after the header).
    pub value_start: u64,
    /// Offset one past the last value byte (for encapsulated data: past the sequence
    /// delimitation item, or the end of file when it is missing).
    pub value_end: u64,
    /// The VR in the header (for implicit VR: the dictionary's choice).
    pub vr: VR,
    /// Undefined length: a sequence of fragments.
    pub encapsulated: bool,
    /// Encapsulated data that ends at the end of file without a sequence delimiter.
    pub missing_delimiter: bool,
}

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanReport {
    /// The first root Pixel Data element, if any.
    pub pixel: Option<PixelRange>,
    /// A root (0004,1220) Directory Record Sequence was seen: the file is a DICOMDIR.
    pub dicomdir: bool,
    /// Why the root layout cannot be streamed with `read_until(PixelData)`, if it cannot.
    pub unusual_layout: Option<&'static str>,
    /// The elements and items the walk saw, as a [`Fingerprint`]: dicom-object's reading
    /// of the same bytes must give the same one (see `verify`).
    pub fingerprint: Fingerprint,
    /// The part of `fingerprint` that comes from the first root Pixel Data element (which
    /// a streamed object does not hold).
    pub pixel_fingerprint: Fingerprint,
    /// Where the data set ends: the end of the file, or the start of trailing zero bytes
    /// (padding that DCMTK and pydicom accept; dropped, and noted in the report).
    pub data_end: u64,
}

/// Why the walk stopped.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// The OS failed a read or seek.
    Io(io::Error),
    /// The file ends inside an element; `offset` is where that element (or item) starts.
    Truncated { place: TruncatedIn, offset: u64 },
    /// Explicit-VR UN element with undefined length. `convertible`: little endian, and no
    /// item or sequence of defined length encloses it (so that it can be rewritten as an
    /// explicit SQ without breaking a length: `read::un_sequence`).
    UndefinedLengthUn {
        tag: Tag,
        offset: u64,
        convertible: bool,
    },
    /// More than [`MAX_DEPTH`] nested sequences.
    TooDeep { offset: u64 },
    /// A structure the walk does not understand: the file is refused.
    Structure { offset: u64, what: &'static str },
}

/// One element or item seen by the walk: nesting depth, tag, length (items: (FFFE,E000)
/// and length 0; encapsulated pixel data: length 0xFFFFFFFE). dicom-parser's tokens give
/// the same list for the same bytes, or the readers disagree.
pub type Seen = (usize, Tag, u32);

/// Walk the data set that starts at `start` (the reader must be positioned there) up to
/// `file_len`. `explicit` is whether the transfer syntax (as decoded by `decoder`) has
/// explicit VR, `little_endian` whether it is little endian.
pub(crate) fn scan<R: Read + Seek>(
    r: &mut R,
    decoder: &dyn DecodeFrom<R>,
    start: u64,
    file_len: u64,
    explicit: bool,
    little_endian: bool,
) -> Result<ScanReport, ScanError> {
    walk::walk(r, decoder, start, file_len, explicit, little_endian, None).map(|(report, _)| report)
}

/// [`scan`], also listing every element and item seen (for the differential test).
pub(crate) fn scan_traced<R: Read + Seek>(
    r: &mut R,
    decoder: &dyn DecodeFrom<R>,
    start: u64,
    file_len: u64,
    explicit: bool,
    little_endian: bool,
) -> Result<(ScanReport, Vec<Seen>), ScanError> {
    walk::walk(
        r,
        decoder,
        start,
        file_len,
        explicit,
        little_endian,
        Some(Vec::new()),
    )
    .map(|(report, trace)| (report, trace.unwrap_or_default()))
}

#[cfg(test)]
mod tests;
