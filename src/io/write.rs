//! Writing a [`Loaded`] file: preamble, `DICM`, file meta and header encoded by
//! dicom-object and dicom-parser (the common root elements in one piece by `fast`, to the
//! same bytes), then the pixel data copied byte for byte from the source (streamed files),
//! then the root elements above (7FE0,0010).
//!
//! The output is always a Part 10 file in the source's transfer syntax; this module never
//! re-encodes pixel data or changes element values. The preamble is written as 128 zero
//! bytes (dicom-object does so too), which drops whatever the source had there.
//!
//! It writes only to the `File` it is given, from that file's current position. Creating
//! the temporary file and renaming it is the caller's job.

use super::pixel::{self, PixelEdit};
use super::read::{Loaded, ReadMode, StreamedPixels, Ts, charset_of};
use super::{DicomCause, SafeUid, WriteError};
use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::transfer_syntax::{Codec, TransferSyntaxIndex};
use dicom_object::{FileDicomObject, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Write};

mod fast;
mod tokens;
use tokens::write_tokens;

/// What [`write()`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WriteStats {
    /// Bytes written to the output.
    pub bytes_written: u64,
    /// Pixel data value bytes copied from the source (0 for in-memory files).
    pub pixel_bytes_copied: u64,
    /// The sha256 of the source and of the output, taken on the way
    /// ([`write_hashing`]; empty from [`write()`]).
    pub hashes: FileHashes,
}

/// The sha256 of a source file and of its output, of the bytes this writer read and
/// wrote. `None` where they do not all pass through it: the output when its pixel data is
/// blacked out (written by the pixel module), the source when it was read whole or
/// rewritten before reading (a UN sequence); the caller hashes those files itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FileHashes {
    pub source: Option<[u8; 32]>,
    pub output: Option<[u8; 32]>,
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
    write_with(loaded, out, false)
}

/// [`write()`], and the sha256 of the output and of the source taken on the way (for a
/// run's manifest): the output's from every byte written, the source's from its header
/// read again (one positional read), the pixel data as it is copied (read once, through
/// this process instead of by the kernel, for both hashes) and whatever follows it, to
/// the source's end. See [`FileHashes`] for what is left out.
///
/// # Errors
/// As [`write()`].
pub fn write_hashing(loaded: Loaded, out: &mut File) -> Result<WriteStats, WriteError> {
    write_with(loaded, out, true)
}

fn write_with(loaded: Loaded, out: &mut File, hash: bool) -> Result<WriteStats, WriteError> {
    // the source's bytes are the ones read here only for a file streamed from its source
    let source_hashable = hash && loaded.mode == ReadMode::Streamed && loaded.un_sequences == 0;
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

    let mut sink = Sink {
        out,
        count: 0,
        hash: hash.then(Sha256::new),
    };
    let Some(px) = pixel else {
        write_head(object, ts, None, &mut sink)?;
        return Ok(WriteStats {
            bytes_written: sink.count,
            pixel_bytes_copied: 0,
            hashes: FileHashes {
                source: None,
                output: sink.digest(),
            },
        });
    };
    if object.get(tags::PIXEL_DATA).is_some() {
        return Err(WriteError::PixelDataConflict);
    }
    // INVARIANT: elements above (7FE0,0010) go after the copied pixel data, so the
    // output keeps ascending tag order.
    let above: Vec<Tag> = object.tags().filter(|t| *t > tags::PIXEL_DATA).collect();
    let after: Vec<_> = above.into_iter().filter_map(|t| object.take(t)).collect();
    let cs = (!after.is_empty()).then(|| charset_of(&object));
    write_head(object, ts, Some(&px), &mut sink)?;
    let mut source_hash = (source_hashable && px.edit.is_none()).then(Sha256::new);
    let copied = copy_pixels(px, &mut sink, source_hash.as_mut())?;
    let mut tail = BufWriter::new(&mut sink);
    if let Some(cs) = cs {
        InMemDicomObject::from_element_iter(after)
            .write_dataset_with_ts_cs(&mut tail, ts, cs)
            .map_err(|e| WriteError::Encode {
                cause: DicomCause::new(&e),
            })?;
    }
    tail.flush()?;
    drop(tail);
    Ok(WriteStats {
        bytes_written: sink.count,
        pixel_bytes_copied: copied,
        hashes: FileHashes {
            source: source_hash.map(|h| h.finalize().into()),
            output: sink.digest(),
        },
    })
}

/// Preamble, magic, meta and the data set of `object`, then the header of the Pixel
/// Data element when its value is copied from the source; returns the bytes written.
///
/// The data set is written with dicom-parser's `DataSetWriter` as dicom-object's own
/// `write_dataset` does, but from the object itself rather than from a clone of every
/// element, and with a buffer in front of a data set adapter (deflate): dicom-object hands
/// the adapter every primitive value as its own `write` call, and flate2 clears its 32 KiB
/// output buffer on each call, which made a deflated file with 16-bit pixel data cost
/// seconds of `memset`.
fn write_head(
    object: FileDicomObject<InMemDicomObject>,
    ts: &Ts,
    pixel: Option<&StreamedPixels>,
    out: &mut Sink<'_>,
) -> Result<(), WriteError> {
    // one `write` for a header under 64 KiB: dicom-object flushes after the meta and
    // after the data set, so the flushes it asks for are not passed on (`Unflushed`), and
    // the buffer goes out once, at the end
    let mut w = Unflushed(BufWriter::with_capacity(64 * 1024, out));
    w.write_all(&[0u8; 128])?;
    w.write_all(b"DICM")?;
    object.meta().write(&mut w).map_err(|e| WriteError::Meta {
        cause: DicomCause::new(&e),
    })?;
    let dataset = object.into_inner();
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
    if let Some(px) = pixel {
        w.write_all(&pixel_header(px, ts)?)?;
    }
    let mut w = w.0;
    w.flush()?;
    Ok(())
}

/// A writer whose `flush` does nothing (the owner flushes the inner writer itself).
struct Unflushed<W>(W);

impl<W: Write> Write for Unflushed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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

/// The output: counts the bytes it passes on and, when asked, hashes them.
struct Sink<'a> {
    out: &'a mut File,
    count: u64,
    /// `None` also once bytes went to `out` around it (a blacked-out pixel data).
    hash: Option<Sha256>,
}

impl Sink<'_> {
    fn digest(self) -> Option<[u8; 32]> {
        self.hash.map(|h| h.finalize().into())
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.count += n as u64;
        if let Some(h) = &mut self.hash {
            h.update(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The encoded header of the root Pixel Data element of a streamed file.
fn pixel_header(px: &StreamedPixels, ts: &Ts) -> Result<Vec<u8>, WriteError> {
    if let Some(PixelEdit::Decode(edit)) = &px.edit {
        return Ok(pixel::native_header(edit).map_err(pixel_error)?.0);
    }
    let range = &px.range;
    let len = range.value_end - range.value_start;
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
    Ok(head)
}

/// The value bytes of the Pixel Data from the source (its header is already written), a
/// padding byte for odd native data, and the sequence delimiter when the source had none;
/// returns the value bytes copied.
///
/// The source is not looked at again before the copy (no `statx`, no `lseek`): a source
/// that shrank since it was read makes the copy come up short, which is refused here.
///
/// With `source_hash` (a plain copy only), the source's bytes go into it in file order:
/// its header read again, the pixel data as it is copied, then the rest of the source.
fn copy_pixels(
    px: StreamedPixels,
    out: &mut Sink<'_>,
    source_hash: Option<&mut Sha256>,
) -> Result<u64, WriteError> {
    let StreamedPixels {
        source,
        source_dev,
        range,
        edit,
    } = px;
    let len = range.value_end - range.value_start;
    if edit.is_some() {
        // written around the sink: its hash would miss them
        out.hash = None;
    }
    let copied = match (&edit, source_hash) {
        (None, Some(h)) => {
            let head = super::copy::read_seen(&source, 0, range.value_start, &mut |b| h.update(b))?;
            if head != range.value_start {
                return Err(WriteError::SourceChanged {
                    expected: range.value_start,
                    copied: head,
                });
            }
            let copied =
                super::copy::copy_seen(&source, range.value_start, len, out, &mut |b| h.update(b))?;
            if copied == len {
                super::copy::read_seen(&source, range.value_end, u64::MAX, &mut |b| h.update(b))?;
            }
            copied
        }
        (None, None) if out.hash.is_some() => {
            super::copy::copy_seen(&source, range.value_start, len, out, &mut |_| {})?
        }
        (None, None) => {
            let n = super::copy::copy_range(&source, source_dev, range.value_start, len, out.out)?;
            out.count += n;
            n
        }
        (Some(PixelEdit::Native { layout, regions }), _) => {
            let mut src = pixel::FileRange {
                file: &source,
                dev: source_dev,
                base: range.value_start,
            };
            let n = pixel::copy_with_blackout(&mut src, len, out.out, layout.all_ranges(regions))?;
            out.count += n;
            n
        }
        (Some(PixelEdit::Decode(edit)), _) => {
            let written =
                pixel::write_decoded(edit, &source, range.value_start, range.value_end, out.out)
                    .map_err(pixel_error)?;
            out.count += written;
            return Ok(len);
        }
    };
    if copied != len {
        return Err(WriteError::SourceChanged {
            expected: len,
            copied,
        });
    }
    let mut end = Vec::new();
    if !range.encapsulated && len % 2 == 1 {
        // dicom-object pads odd values the same way on a full write
        end.push(0);
    }
    if range.missing_delimiter {
        end.extend_from_slice(&SEQUENCE_DELIMITER_LE);
    }
    if !end.is_empty() {
        out.write_all(&end)?;
    }
    Ok(copied)
}

fn pixel_error(e: pixel::PixelError) -> WriteError {
    WriteError::Pixel { cause: e }
}
