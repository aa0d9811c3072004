//! Writing a [`Loaded`] file: preamble, `DICM`, file meta and header encoded by
//! dicom-object, then the pixel data copied byte for byte from the source (streamed files),
//! then the root elements above (7FE0,0010).
//!
//! The output is always a Part 10 file in the source's transfer syntax; this module never
//! re-encodes pixel data or changes element values. The preamble is written as 128 zero
//! bytes (dicom-object does so too), which drops whatever the source had there.
//!
//! It writes only to the `File` it is given, from that file's current position. Creating
//! the temporary file and renaming it is the caller's job.

use super::read::{Loaded, StreamedPixels, Ts, charset_of};
use super::{DicomCause, SafeUid, WriteError};
use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::{FileDicomObject, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// What [`write()`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WriteStats {
    /// Bytes written to the output.
    pub bytes_written: u64,
    /// Pixel data value bytes copied from the source (0 for in-memory files).
    pub pixel_bytes_copied: u64,
}

/// Sequence delimitation item (FFFE,E0DD) with zero length, little endian (encapsulated
/// pixel data is always little endian).
const SEQUENCE_DELIMITER_LE: [u8; 8] = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];

/// Write `loaded` to `out` (an already created temporary file; the caller renames it).
///
/// Streamed files: meta and every element below (7FE0,0010) through dicom-object, then
/// the Pixel Data header (encapsulated data is labelled `OB` whatever the source said, as
/// the standard requires and as dicom-object's full write does) and its value bytes copied
/// from the source with `std::io::copy` (`copy_file_range` on Linux), then the elements
/// above (7FE0,0010) that the engine left in `object`, in the same transfer syntax.
/// In-memory files: the whole object through dicom-object.
///
/// # Errors
/// [`WriteError`]; in particular the transfer syntax in the meta must not have been
/// changed since loading, and a streamed object must not have gained a Pixel Data element.
pub fn write(loaded: Loaded, out: &mut File) -> Result<WriteStats, WriteError> {
    let start = out.stream_position()?;
    let Loaded {
        mut object,
        ts_uid,
        pixel,
        ..
    } = loaded;
    let now = object.meta().transfer_syntax();
    if now != ts_uid {
        return Err(WriteError::TransferSyntaxChanged {
            from: SafeUid::new(&ts_uid),
            to: SafeUid::new(now),
        });
    }
    let ts = TransferSyntaxRegistry
        .get(&ts_uid)
        .ok_or_else(|| WriteError::Encode {
            cause: DicomCause::fixed("unknown transfer syntax"),
        })?;

    let mut copied = 0;
    match pixel {
        None => write_head(&object, out)?,
        Some(px) => {
            if object.get(tags::PIXEL_DATA).is_some() {
                return Err(WriteError::PixelDataConflict);
            }
            // INVARIANT: elements above (7FE0,0010) go after the copied pixel data, so the
            // output keeps ascending tag order.
            let above: Vec<Tag> = object.tags().filter(|t| *t > tags::PIXEL_DATA).collect();
            let after: Vec<_> = above.into_iter().filter_map(|t| object.take(t)).collect();
            write_head(&object, out)?;
            copied = copy_pixels(px, ts, out)?;
            if !after.is_empty() {
                let cs = charset_of(&object);
                let mut w = BufWriter::new(&mut *out);
                InMemDicomObject::from_element_iter(after)
                    .write_dataset_with_ts_cs(&mut w, ts, cs)
                    .map_err(|e| WriteError::Encode {
                        cause: DicomCause::new(&e),
                    })?;
                w.flush()?;
            }
        }
    }
    let end = out.stream_position()?;
    Ok(WriteStats {
        bytes_written: end.saturating_sub(start),
        pixel_bytes_copied: copied,
    })
}

/// Preamble, magic, meta and the data set of `object`.
fn write_head(
    object: &FileDicomObject<InMemDicomObject>,
    out: &mut File,
) -> Result<(), WriteError> {
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    w.write_all(&[0u8; 128])?;
    w.write_all(b"DICM")?;
    object.meta().write(&mut w).map_err(|e| WriteError::Meta {
        cause: DicomCause::new(&e),
    })?;
    object
        .write_dataset(&mut w)
        .map_err(|e| WriteError::Encode {
            cause: DicomCause::new(&e),
        })?;
    w.flush()?;
    Ok(())
}

/// The Pixel Data element header, then the value bytes from the source.
fn copy_pixels(px: StreamedPixels, ts: &Ts, out: &mut File) -> Result<u64, WriteError> {
    let StreamedPixels {
        mut source,
        source_len,
        range,
    } = px;
    let len = range.value_end - range.value_start;
    let now_len = source.metadata()?.len();
    if now_len != source_len {
        return Err(WriteError::SourceChanged {
            expected: len,
            copied: 0,
        });
    }
    let odd = !range.encapsulated && len % 2 == 1;
    let header = if range.encapsulated {
        DataElementHeader::new(tags::PIXEL_DATA, VR::OB, Length::UNDEFINED)
    } else {
        let padded = u32::try_from(len + u64::from(odd)).map_err(|_| WriteError::Encode {
            cause: DicomCause::fixed("pixel data longer than 4 GiB"),
        })?;
        DataElementHeader::new(tags::PIXEL_DATA, range.vr, Length(padded))
    };
    let encoder = ts
        .encoder_for::<Vec<u8>>()
        .ok_or_else(|| WriteError::Encode {
            cause: DicomCause::fixed("no encoder for the transfer syntax"),
        })?;
    let mut head = Vec::with_capacity(12);
    encoder
        .encode_element_header(&mut head, header)
        .map_err(|e| WriteError::Encode {
            cause: DicomCause::new(&e),
        })?;
    out.write_all(&head)?;

    source.seek(SeekFrom::Start(range.value_start))?;
    // `Take<&mut File>` into `&mut File`: std specialises this to copy_file_range/sendfile.
    let copied = io::copy(&mut (&mut source).take(len), out)?;
    if copied != len {
        return Err(WriteError::SourceChanged {
            expected: len,
            copied,
        });
    }
    if odd {
        // dicom-object pads odd values the same way on a full write
        out.write_all(&[0])?;
    }
    if range.missing_delimiter {
        out.write_all(&SEQUENCE_DELIMITER_LE)?;
    }
    Ok(copied)
}
