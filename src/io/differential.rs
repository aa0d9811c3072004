//! Two independent readings of the same bytes, for the differential test
//! (`tests/it/reader.rs`): the structure walk's list of elements and dicom-parser's.
//!
//! [`load`](super::load) refuses a file whenever the two could differ (the walk refuses
//! what dicom-parser reads differently, and the loaded object is checked against the
//! walk); the test checks that claim from outside, on the corpus and on mutants.

use super::DicomCause;
use super::read::{BareEncoding, Ts, detect_bare, is_explicit_vr, looks_implicit_bytes};
use super::scan::{self, Seen};
use dicom_core::Tag;
use dicom_encoding::decode::DecodeFrom;
use dicom_encoding::decode::adaptive_le::StandardAdaptiveVRLittleEndianDecoder;
use dicom_encoding::decode::basic::BasicDecoder;
use dicom_encoding::text::SpecificCharacterSet;
use dicom_encoding::transfer_syntax::{Codec, Endianness, TransferSyntaxIndex};
use dicom_object::meta::FileMetaTable;
use dicom_parser::dataset::DataToken;
use dicom_parser::dataset::read::{DataSetReader, DataSetReaderOptions};
use dicom_parser::stateful::decode::StatefulDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::io::{Cursor, Read};

/// What each reader saw: every element and item in file order, or why it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readings {
    /// The structure walk.
    pub scan: Result<Vec<Seen>, String>,
    /// dicom-parser's token stream (run only when the walk accepts the bytes: a walk
    /// error already refuses the file).
    pub parser: Option<Result<Vec<Seen>, String>>,
}

/// Both readings of the data set in `bytes` (a Part 10 file or a bare data set), or
/// `None` when the bytes have no data set to read (no DICOM prefix and not a bare data
/// set, unreadable meta, unknown transfer syntax).
pub fn two_readings(bytes: &[u8]) -> Option<Readings> {
    let meta_at = if bytes.get(128..132) == Some(b"DICM") {
        Some(128)
    } else if bytes.get(..4) == Some(b"DICM") {
        Some(0)
    } else {
        None
    };
    let (data, ts): (std::borrow::Cow<'_, [u8]>, &Ts) = match meta_at {
        Some(at) => {
            // as `load` does first: dicom-object's meta reader allocates (and zeroes) what
            // an element claims before reading it, gigabytes for a forged length; such a
            // meta cannot be read either way, so there is no data set (as before, without
            // the allocation)
            let mut whole = Cursor::new(bytes);
            whole.set_position(at as u64 + 4);
            scan::check_meta(&mut whole, at as u64 + 4, bytes.len() as u64).ok()?;
            let mut c = Cursor::new(bytes.get(at..)?);
            let meta = FileMetaTable::from_reader(&mut c).ok()?;
            let start = at + usize::try_from(c.position()).ok()?;
            let ts = TransferSyntaxRegistry.get(meta.transfer_syntax())?;
            let rest = bytes.get(start..)?;
            match ts.codec() {
                Codec::Dataset(None) => return None,
                Codec::Dataset(Some(adapter)) => {
                    let mut inflated = Vec::new();
                    adapter
                        .adapt_reader(Box::new(rest))
                        .take(64 << 20)
                        .read_to_end(&mut inflated)
                        .ok()?;
                    let explicit = TransferSyntaxRegistry.get("1.2.840.10008.1.2.1")?;
                    (inflated.into(), explicit)
                }
                _ => (rest.into(), ts),
            }
        }
        None => {
            let encoding = detect_bare(bytes, bytes.len() as u64)?;
            let uid = match encoding {
                BareEncoding::ImplicitVrLittleEndian => "1.2.840.10008.1.2",
                BareEncoding::ExplicitVrLittleEndian => "1.2.840.10008.1.2.1",
                _ => "1.2.840.10008.1.2.2",
            };
            (bytes.into(), TransferSyntaxRegistry.get(uid)?)
        }
    };
    let data = &data[..];
    let little = ts.endianness() == Endianness::Little;
    let flexible = little && is_explicit_vr(ts) && looks_implicit_bytes(data);
    let explicit = !flexible && is_explicit_vr(ts);
    let len = data.len() as u64;
    let scanned = if flexible {
        let decoder = StandardAdaptiveVRLittleEndianDecoder::default();
        scan::scan_traced(&mut Cursor::new(data), &decoder, 0, len, explicit, little)
    } else {
        let decoder: Box<dyn DecodeFrom<Cursor<&[u8]>>> = ts.decoder_for()?;
        scan::scan_traced(&mut Cursor::new(data), &*decoder, 0, len, explicit, little)
    };
    let (scan, data) = match scanned {
        // dicom-object is given the data set without its trailing zero padding
        Ok((report, seen)) => (
            seen,
            data.get(..usize::try_from(report.data_end).unwrap_or(data.len()))
                .unwrap_or(data),
        ),
        Err(e) => {
            return Some(Readings {
                scan: Err(format!("{e:?}")),
                parser: None,
            });
        }
    };
    let len = data.len() as u64;
    let parser = if flexible {
        let decoder = StatefulDecoder::new(
            data,
            StandardAdaptiveVRLittleEndianDecoder::default(),
            BasicDecoder::from(Endianness::Little),
            SpecificCharacterSet::default(),
        );
        tokens(DataSetReader::new(decoder, object_options()), len)
    } else {
        match DataSetReader::new_with_ts_options(data, ts, object_options()) {
            Ok(reader) => tokens(reader, len),
            Err(e) => Err(DicomCause::new(&e).to_string()),
        }
    };
    Some(Readings {
        scan: Ok(scan),
        parser: Some(parser),
    })
}

/// dicom-object's options (values `Preserved`): how the values are read decides how many
/// bytes dicom-parser takes for them (`Raw` would take the whole length every time).
fn object_options() -> DataSetReaderOptions {
    DataSetReaderOptions::default()
}

/// dicom-parser's elements and items, with the walk's conventions. A length longer than
/// the data stops the reading before dicom-parser allocates it.
fn tokens<S>(reader: DataSetReader<S>, len: u64) -> Result<Vec<Seen>, String>
where
    DataSetReader<S>: Iterator<Item = dicom_parser::dataset::read::Result<DataToken>>,
{
    let mut seen = Vec::new();
    // one entry per open sequence: true for encapsulated pixel data
    let mut open: Vec<bool> = Vec::new();
    for token in reader {
        let token = token.map_err(|e| DicomCause::new(&e).to_string())?;
        let depth = open.len();
        match token {
            DataToken::ElementHeader(h) => {
                if u64::from(h.len.0) > len {
                    return Err("a length past the end of the data".into());
                }
                seen.push((depth, h.tag, h.len.0));
            }
            DataToken::SequenceStart { tag, len } => {
                seen.push((depth, tag, len.0));
                open.push(false);
            }
            DataToken::PixelSequenceStart => {
                seen.push((depth, Tag(0x7FE0, 0x0010), 0xFFFF_FFFE));
                open.push(true);
            }
            DataToken::ItemStart { len: item_len } => match open.last() {
                Some(true) => {
                    if u64::from(item_len.0) > len {
                        return Err("a fragment length past the end of the data".into());
                    }
                }
                _ => seen.push((depth, Tag(0xFFFE, 0xE000), 0)),
            },
            DataToken::SequenceEnd => {
                open.pop();
            }
            _ => {}
        }
    }
    Ok(seen)
}
