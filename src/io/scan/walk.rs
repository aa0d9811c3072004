//! The walk itself: a stack of open sequences and items, one element or item header at a
//! time, with the checks that refuse a file before dicom-object parses it.

use super::header::explicit_le_header;
use super::{Fingerprint, MAX_DEPTH, PixelRange, ScanError, ScanReport, Seen, misaligned};
use crate::io::TruncatedIn;
use dicom_core::header::{DataElementHeader, SequenceItemHeader};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::decode::DecodeFrom;
use std::io::{self, Read, Seek};

#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Inside a sequence value: expecting item headers or the sequence delimiter.
    Seq { end: Option<u64>, pixel: bool },
    /// Inside an item of a data set sequence: expecting element headers or the item delimiter.
    Item { end: Option<u64> },
}

struct Walk<'a, R> {
    r: &'a mut R,
    decoder: &'a dyn DecodeFrom<R>,
    file_len: u64,
    explicit: bool,
    /// explicit VR little endian: element headers are decoded here (see `explicit_le_header`)
    explicit_le: bool,
    pos: u64,
    stack: Vec<Frame>,
    /// Root tag of the outermost open sequence (for messages).
    root_seq: Option<Tag>,
    report: ScanReport,
    /// Nesting of sequences currently open.
    seq_depth: usize,
    /// Every element and item seen, in file order (for the differential test only).
    trace: Option<Vec<Seen>>,
}

pub(super) fn walk<R: Read + Seek>(
    r: &mut R,
    decoder: &dyn DecodeFrom<R>,
    start: u64,
    file_len: u64,
    explicit: bool,
    little_endian: bool,
    trace: Option<Vec<Seen>>,
) -> Result<(ScanReport, Option<Vec<Seen>>), ScanError> {
    let mut walk = Walk {
        r,
        decoder,
        file_len,
        explicit,
        explicit_le: explicit && little_endian,
        pos: start,
        stack: Vec::new(),
        root_seq: None,
        report: ScanReport {
            pixel: None,
            dicomdir: false,
            unusual_layout: None,
            fingerprint: Fingerprint::default(),
            pixel_fingerprint: Fingerprint::default(),
            data_end: file_len,
        },
        seq_depth: 0,
        trace,
    };
    walk.run()?;
    Ok((walk.report, walk.trace))
}

impl<R: Read + Seek> Walk<'_, R> {
    fn run(&mut self) -> Result<(), ScanError> {
        loop {
            match self.stack.last().copied() {
                None => {
                    if self.pos >= self.file_len {
                        return Ok(());
                    }
                    let start = self.pos;
                    let header = match self.element_header() {
                        Ok(header) => header,
                        Err(e @ ScanError::Truncated { .. }) => {
                            if self.zeros_to_end(start, true)? {
                                return Ok(());
                            }
                            return Err(e);
                        }
                        Err(e) => return Err(e),
                    };
                    // only a header of zeros can start the padding: the rest is read
                    // only then
                    if header.tag == Tag(0, 0)
                        && header.len.0 == 0
                        && self.zeros_to_end(start, false)?
                    {
                        return Ok(());
                    }
                    self.element(header, start, true)?;
                }
                Some(Frame::Seq { end, pixel }) => {
                    if self.at_end(end)? {
                        self.pop();
                        continue;
                    }
                    self.sequence_step(pixel)?;
                }
                Some(Frame::Item { end }) => {
                    if self.at_end(end)? {
                        self.pop();
                        continue;
                    }
                    let start = self.pos;
                    let header = self.element_header()?;
                    match header.tag {
                        Tag(0xFFFE, 0xE00D) => self.pop(),
                        Tag(0xFFFE, _) => {
                            return Err(ScanError::Structure {
                                offset: start,
                                what: "item or sequence delimiter where an element was expected",
                            });
                        }
                        _ => self.element(header, start, false)?,
                    }
                }
            }
        }
    }

    /// True if a defined-length frame ends here; an error if the walk went past its end.
    fn at_end(&self, end: Option<u64>) -> Result<bool, ScanError> {
        match end {
            Some(end) if self.pos == end => Ok(true),
            Some(end) if self.pos > end => Err(ScanError::Structure {
                offset: end,
                what: "content runs past the length of its sequence or item",
            }),
            _ => Ok(false),
        }
    }

    /// True if every byte from `start` (a root element boundary) to the end of the file is
    /// zero: trailing padding. The data set then ends at `start`. `reread`: the reader is
    /// somewhere after `start` (a header cut short) and is moved back there first;
    /// otherwise it is at `self.pos` (after a header of zeros) and is left there when the
    /// bytes are not all zero. A reader that cannot seek back (an inflating stream) gives
    /// `false` or an error: such a file is refused as before.
    fn zeros_to_end(&mut self, start: u64, reread: bool) -> Result<bool, ScanError> {
        let from = if reread { start } else { self.pos };
        if reread && self.r.seek(io::SeekFrom::Start(start)).is_err() {
            return Ok(false);
        }
        let mut left = self.file_len.saturating_sub(from);
        let mut buf = [0u8; 8192];
        while left > 0 {
            let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
            let chunk = buf.get_mut(..n).unwrap_or_default();
            self.r.read_exact(chunk).map_err(ScanError::Io)?;
            left -= n as u64;
            if chunk.iter().any(|&b| b != 0) {
                if !reread {
                    self.r
                        .seek(io::SeekFrom::Start(self.pos))
                        .map_err(ScanError::Io)?;
                }
                return Ok(false);
            }
        }
        self.report.data_end = start;
        self.pos = self.file_len;
        Ok(true)
    }

    fn seen(&mut self, depth: usize, tag: Tag, len: u32) {
        if let Some(trace) = self.trace.as_mut() {
            trace.push((depth, tag, len));
        }
    }

    fn pop(&mut self) {
        if let Some(Frame::Seq { .. }) = self.stack.pop() {
            self.seq_depth = self.seq_depth.saturating_sub(1);
        }
        if self.stack.is_empty() {
            self.root_seq = None;
        }
    }

    /// One step inside a sequence: an item header or the sequence delimiter.
    fn sequence_step(&mut self, pixel: bool) -> Result<(), ScanError> {
        let start = self.pos;
        let root_pixel = pixel && self.stack.len() == 1;
        if root_pixel && self.file_len.saturating_sub(self.pos) < 8 {
            // dicom-parser ends the data set here (see module docs); so do we, and the
            // writer adds the missing sequence delimiter.
            if let Some(px) = self.report.pixel.as_mut() {
                px.value_end = self.pos;
                px.missing_delimiter = true;
            }
            self.pos = self.file_len;
            self.stack.clear();
            self.seq_depth = 0;
            self.root_seq = None;
            return Ok(());
        }
        let item = self
            .decoder
            .decode_item_header(self.r)
            .map_err(|e| self.decode_error(&e, start, None))?;
        self.pos += 8;
        match item {
            SequenceItemHeader::Item { len } => match (len.get(), pixel) {
                (Some(len), true) => {
                    self.skip(u64::from(len), start, None)?;
                }
                (None, true) => {
                    return Err(ScanError::Structure {
                        offset: start,
                        what: "pixel data fragment with undefined length",
                    });
                }
                (len, false) => {
                    let end = len.map(|l| self.pos + u64::from(l));
                    if end.is_some_and(|e| e > self.file_len) {
                        return Err(self.truncated(start, None));
                    }
                    self.report.fingerprint.add_item(self.seq_depth);
                    self.seen(self.seq_depth, Tag(0xFFFE, 0xE000), 0);
                    self.stack.push(Frame::Item { end });
                }
            },
            SequenceItemHeader::SequenceDelimiter => {
                self.pop();
                if root_pixel {
                    if let Some(px) = self.report.pixel.as_mut() {
                        px.value_end = self.pos;
                    }
                }
            }
            SequenceItemHeader::ItemDelimiter => {
                return Err(ScanError::Structure {
                    offset: start,
                    what: "item delimiter where an item was expected",
                });
            }
        }
        Ok(())
    }

    /// Handle a decoded element header (not a delimiter) at `start`.
    fn element(
        &mut self,
        header: DataElementHeader,
        start: u64,
        root: bool,
    ) -> Result<(), ScanError> {
        let tag = header.tag;
        if root {
            if tag == Tag(0xFFFE, 0xE00D) {
                // ignored by dicom-parser at the root
                return Ok(());
            }
            if tag.group() == 0xFFFE {
                return Err(ScanError::Structure {
                    offset: start,
                    what: "item header at the root of the data set",
                });
            }
            if tag == tags::DIRECTORY_RECORD_SEQUENCE {
                self.report.dicomdir = true;
            }
            if tag > tags::PIXEL_DATA && self.report.pixel.is_none() {
                self.report
                    .unusual_layout
                    .get_or_insert("a root element above (7FE0,0010) comes before the pixel data");
            }
            if tag == tags::PIXEL_DATA && self.report.pixel.is_some() {
                self.report
                    .unusual_layout
                    .get_or_insert("two root Pixel Data elements");
            }
        }
        let first_root_pixel = root && tag == tags::PIXEL_DATA && self.report.pixel.is_none();

        if header.len.is_undefined() || header.vr == VR::SQ {
            let pixel = tag == tags::PIXEL_DATA && header.len.is_undefined();
            if header.len.is_undefined() && header.vr == VR::UN && self.explicit && !pixel {
                let convertible = self.explicit_le
                    && self.stack.iter().all(|f| match f {
                        Frame::Seq { end, .. } | Frame::Item { end } => end.is_none(),
                    });
                return Err(ScanError::UndefinedLengthUn {
                    tag,
                    offset: start,
                    convertible,
                });
            }
            if self.seq_depth >= MAX_DEPTH {
                return Err(ScanError::TooDeep { offset: start });
            }
            let end = header.len.get().map(|l| self.pos + u64::from(l));
            let print = Fingerprint::sequence(self.seq_depth, tag, header.len, pixel);
            self.seen(
                self.seq_depth,
                tag,
                if pixel { 0xFFFF_FFFE } else { header.len.0 },
            );
            self.report.fingerprint.add(print);
            if first_root_pixel {
                self.report.pixel_fingerprint = print;
                self.report.pixel = Some(PixelRange {
                    header_start: start,
                    value_start: self.pos,
                    value_end: self.pos,
                    vr: header.vr,
                    encapsulated: true,
                    missing_delimiter: false,
                });
            }
            if root {
                self.root_seq = Some(tag);
            }
            if end.is_some_and(|e| e > self.file_len) {
                return Err(self.truncated(start, Some(tag)));
            }
            self.stack.push(Frame::Seq { end, pixel });
            self.seq_depth += 1;
            return Ok(());
        }

        // dicom-parser reads a value of a fixed-size VR as whole numbers and leaves the
        // remainder of a length that is not a multiple of the size in the stream, where it
        // becomes the start of the next element: the two readers would see different
        // elements (a name hidden in a made-up one; issue 13). Refused.
        if misaligned(tag, header.vr, header.len.0) {
            return Err(ScanError::Structure {
                offset: start,
                what: "an element whose length is not a multiple of the size of its values, which readers split differently",
            });
        }
        let print = Fingerprint::primitive(self.seq_depth, tag, header.len);
        self.seen(self.seq_depth, tag, header.len.0);
        self.report.fingerprint.add(print);
        let len = u64::from(header.len.0);
        self.skip(len, start, Some(tag))?;
        if first_root_pixel {
            self.report.pixel_fingerprint = print;
            self.report.pixel = Some(PixelRange {
                header_start: start,
                value_start: self.pos - len,
                value_end: self.pos,
                vr: header.vr,
                encapsulated: false,
                missing_delimiter: false,
            });
        }
        Ok(())
    }

    fn element_header(&mut self) -> Result<DataElementHeader, ScanError> {
        let start = self.pos;
        let (header, n) = if self.explicit_le {
            explicit_le_header(self.r).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    self.truncated(start, None)
                } else {
                    ScanError::Io(io::Error::new(e.kind(), "reading an element header"))
                }
            })?
        } else {
            self.decoder
                .decode_header(self.r)
                .map_err(|e| self.decode_error(&e, start, None))?
        };
        self.pos += n as u64;
        Ok(header)
    }

    /// Skip `len` value bytes of the element or item starting at `start`.
    fn skip(&mut self, len: u64, start: u64, tag: Option<Tag>) -> Result<(), ScanError> {
        if self.pos.saturating_add(len) > self.file_len {
            return Err(self.truncated(start, tag));
        }
        let offset = i64::try_from(len).map_err(|_| ScanError::Structure {
            offset: start,
            what: "length out of range",
        })?;
        self.r.seek_relative(offset).map_err(ScanError::Io)?;
        self.pos += len;
        Ok(())
    }

    fn decode_error(
        &self,
        e: &dicom_encoding::decode::Error,
        start: u64,
        tag: Option<Tag>,
    ) -> ScanError {
        use dicom_encoding::decode::Error as E;
        let io = match e {
            E::ReadHeaderTag { source, .. }
            | E::ReadItemHeader { source, .. }
            | E::ReadItemLength { source, .. }
            | E::ReadTag { source, .. }
            | E::ReadReserved { source, .. }
            | E::ReadLength { source, .. }
            | E::ReadVr { source, .. } => source,
            E::BadSequenceHeader { .. } => {
                return ScanError::Structure {
                    offset: start,
                    what: "bad sequence item header",
                };
            }
            _ => {
                return ScanError::Structure {
                    offset: start,
                    what: "undecodable header",
                };
            }
        };
        if io.kind() == io::ErrorKind::UnexpectedEof {
            self.truncated(start, tag)
        } else {
            ScanError::Io(io::Error::new(io.kind(), "reading an element header"))
        }
    }

    /// A truncation error for the element (or item) at `start`, placed by the open frames.
    fn truncated(&self, start: u64, tag: Option<Tag>) -> ScanError {
        let place = match self.stack.first() {
            Some(Frame::Seq { pixel: true, .. }) => TruncatedIn::PixelData,
            // INVARIANT: `root_seq` is set whenever the stack is not empty
            Some(_) => self
                .root_seq
                .map_or(TruncatedIn::Header, TruncatedIn::Sequence),
            None if tag == Some(tags::PIXEL_DATA) => TruncatedIn::PixelData,
            // a root sequence whose declared length runs past the end of file
            None if tag.is_some() && tag == self.root_seq => self
                .root_seq
                .map_or(TruncatedIn::Header, TruncatedIn::Sequence),
            None if self.report.pixel.is_some() => TruncatedIn::AfterPixelData,
            None => TruncatedIn::Header,
        };
        ScanError::Truncated {
            place,
            offset: start,
        }
    }
}
