//! The options of [`load`](super::load) and what it returns.

use crate::io::scan;
use dicom_dictionary_std::uids;
use dicom_object::{FileDicomObject, InMemDicomObject};
use std::fmt;
use std::fs::File;

/// Options for [`load`](crate::io::read::load).
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
    /// A UN element of undefined length was rewritten as a sequence (its items are
    /// implicit VR): the file is read again, whole, from the rewritten bytes.
    UnSequence,
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
            InMemoryReason::UnSequence => {
                "a UN element of undefined length, read as a sequence of implicit VR items"
            }
            InMemoryReason::PreScanFailed => "the structure walk could not follow the file",
        })
    }
}

/// What must be held in memory, for [`ReadError::TooLarge`](crate::io::ReadError::TooLarge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeldInMemory {
    /// The header and the elements after the pixel data of a streamed file.
    Header,
    /// The whole file.
    WholeFile(InMemoryReason),
    /// A bare data set.
    BareDataSet,
    /// The inflated data set of a deflated file (its size is only known past the limit).
    Inflated,
}

impl fmt::Display for HeldInMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeldInMemory::Header => f.write_str("the header is held in memory"),
            HeldInMemory::WholeFile(r) => write!(f, "{r}"),
            HeldInMemory::BareDataSet => f.write_str("bare data sets are read whole"),
            HeldInMemory::Inflated => f.write_str(
                "the deflated data set inflates to more than the limit (a deflate bomb?)",
            ),
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

/// A loaded file, ready for the engine and then for [`write`](crate::io::write::write()).
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
    /// Zero bytes after the last element, dropped (for the report).
    pub(crate) padding: u64,
    /// UN elements of undefined length read as implicit VR items (rewritten as SQ).
    pub(crate) un_sequences: u32,
    pub(crate) pixel: Option<StreamedPixels>,
}

/// The pixel data of a streamed file: still in the source file.
pub(crate) struct StreamedPixels {
    pub(crate) source: File,
    /// The device of the source's file system (which way the kernel copies from it is
    /// remembered per device: `io::copy`).
    pub(crate) source_dev: u64,
    pub(crate) range: scan::PixelRange,
    /// Regions to black out on the way (see [`Loaded::black_out`]).
    pub(crate) edit: Option<crate::io::pixel::PixelEdit>,
}

impl Loaded {
    /// A file already in memory (the library's `dataset` entry point), for the steps that
    /// work on a [`Loaded`] (pixel blackout).
    pub(crate) fn held(object: FileDicomObject<InMemDicomObject>, ts_uid: String) -> Loaded {
        Loaded {
            object,
            mode: ReadMode::InMemory {
                reason: InMemoryReason::Forced,
            },
            ts_uid,
            had_meta: true,
            padding: 0,
            pixel: None,
            un_sequences: 0,
        }
    }

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

    /// Zero bytes found after the last element (trailing padding): not part of the data
    /// set, not written. For a deflated file, counted in inflated bytes.
    pub fn trailing_padding(&self) -> u64 {
        self.padding
    }

    /// How many UN elements of undefined length were read as sequences of implicit VR
    /// items (CP-246), for the report.
    pub fn un_sequences_read(&self) -> u32 {
        self.un_sequences
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
