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
use dicom_encoding::transfer_syntax::{Codec, TransferSyntaxIndex};
use dicom_object::{FileDicomObject, InMemDicomObject};
use dicom_parser::dataset::IntoTokens;
use dicom_parser::dataset::write::DataSetWriter;
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
        None => write_head(&object, ts, out)?,
        Some(px) => {
            if object.get(tags::PIXEL_DATA).is_some() {
                return Err(WriteError::PixelDataConflict);
            }
            // INVARIANT: elements above (7FE0,0010) go after the copied pixel data, so the
            // output keeps ascending tag order.
            let above: Vec<Tag> = object.tags().filter(|t| *t > tags::PIXEL_DATA).collect();
            let after: Vec<_> = above.into_iter().filter_map(|t| object.take(t)).collect();
            write_head(&object, ts, out)?;
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
///
/// The data set is written with dicom-parser's `DataSetWriter`, as dicom-object's own
/// `write_dataset` does, except that a data set adapter (deflate) gets a buffer in front
/// of it: dicom-object hands the adapter every primitive value as its own `write` call, and
/// flate2 clears its 32 KiB output buffer on each call, which made a deflated file with
/// 16-bit pixel data cost seconds of `memset`.
fn write_head(
    object: &FileDicomObject<InMemDicomObject>,
    ts: &Ts,
    out: &mut File,
) -> Result<(), WriteError> {
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    w.write_all(&[0u8; 128])?;
    w.write_all(b"DICM")?;
    object.meta().write(&mut w).map_err(|e| WriteError::Meta {
        cause: DicomCause::new(&e),
    })?;
    let dataset: &InMemDicomObject = object;
    match ts.codec() {
        Codec::Dataset(Some(adapter)) => {
            let mut sink = ErrorKeeper {
                inner: &mut w,
                error: None,
            };
            {
                let mut buffered =
                    BufWriter::with_capacity(64 * 1024, adapter.adapt_writer(Box::new(&mut sink)));
                write_tokens(dataset, &mut buffered, ts)?;
                buffered.flush()?;
                // dropping the adapter finishes the compressed stream; its errors are kept
                // by `sink`
            }
            if let Some(e) = sink.error.take() {
                return Err(e.into());
            }
        }
        Codec::Dataset(None) => {
            return Err(WriteError::Encode {
                cause: DicomCause::fixed("no data set adapter for the transfer syntax"),
            });
        }
        Codec::None | Codec::EncapsulatedPixelData(..) => write_tokens(dataset, &mut w, ts)?,
    }
    w.flush()?;
    Ok(())
}

/// The elements of `dataset` in the encoding of `ts` (the data set adapter not applied).
fn write_tokens(dataset: &InMemDicomObject, to: impl Write, ts: &Ts) -> Result<(), WriteError> {
    let encode = |e: dicom_parser::dataset::write::Error| WriteError::Encode {
        cause: DicomCause::new(&e),
    };
    let mut writer = DataSetWriter::with_ts(to, ts).map_err(encode)?;
    writer
        .write_sequence(dataset.into_tokens())
        .map_err(encode)?;
    writer.flush().map_err(encode)
}

/// A writer that keeps the first error of the writer it wraps, for writers that drop
/// errors (a deflate stream finished on drop).
struct ErrorKeeper<'a, W: Write> {
    inner: &'a mut W,
    error: Option<io::Error>,
}

impl<W: Write> Write for ErrorKeeper<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| self.keep(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().inspect_err(|e| self.keep(e))
    }
}

impl<W: Write> ErrorKeeper<'_, W> {
    fn keep(&mut self, e: &io::Error) {
        if self.error.is_none() {
            self.error = Some(io::Error::new(e.kind(), e.to_string()));
        }
    }
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
