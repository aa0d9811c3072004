//! The I/O layer over the whole corpus and over synthetic files: streamed and in-memory
//! reads give the same output, pixel data survives byte for byte, bad files give the
//! expected error kind and never panic.

use crate::support::dcmdump_errors;
use dicom_anonymizer::dump::{canonical_dump, canonical_dump_dataset};
use dicom_anonymizer::io::{
    self, BareEncoding, InMemoryReason, ReadError, ReadErrorKind, ReadMode, ReadOptions,
    TruncatedIn,
};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

mod bad_input;
mod corpus;
mod size;
mod structure;
mod write;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus/files")
}

fn corpus(name: &str) -> PathBuf {
    corpus_dir().join(name)
}

fn forced() -> ReadOptions {
    ReadOptions {
        force_in_memory: true,
        ..ReadOptions::default()
    }
}

/// Load and write into `dir/name`; returns the output path and the read mode.
fn round_trip(
    path: &Path,
    opts: &ReadOptions,
    dir: &Path,
    name: &str,
) -> Result<(PathBuf, ReadMode), ReadError> {
    let loaded = io::load(path, opts)?;
    let mode = loaded.how();
    let out_path = dir.join(name);
    let mut out = File::create(&out_path).unwrap();
    let stats = io::write(loaded, &mut out).unwrap();
    assert_eq!(stats.bytes_written, out.metadata().unwrap().len());
    Ok((out_path, mode))
}

/// The root Pixel Data line of a dump, without its VR (encapsulated OW becomes OB).
fn pixel_line(dump: &str) -> Option<String> {
    dump.lines()
        .find(|l| l.starts_with("(7FE0,0010)"))
        .map(|l| {
            let mut parts: Vec<&str> = l.split(' ').collect();
            parts.remove(1);
            parts.join(" ")
        })
}

/// The error and its causes on one line, as a CLI would print them.
fn render(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// Offset of the last `pattern` in `bytes`.
fn rfind(bytes: &[u8], pattern: &[u8]) -> Option<usize> {
    bytes.windows(pattern.len()).rposition(|w| w == pattern)
}

/// Explicit VR LE element header bytes.
fn explicit_header(group: u16, element: u16, vr: &[u8; 2], len: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&group.to_le_bytes());
    v.extend_from_slice(&element.to_le_bytes());
    v.extend_from_slice(vr);
    if matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT") {
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&len.to_le_bytes());
    } else {
        v.extend_from_slice(&(len as u16).to_le_bytes());
    }
    v
}

fn part10(ts: &str, data_set: &[u8]) -> Vec<u8> {
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(ts)
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
        .media_storage_sop_instance_uid("2.25.7")
        .build()
        .unwrap();
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    meta.write(&mut out).unwrap();
    out.extend_from_slice(data_set);
    out
}

/// Load in both modes, write both, and check the re-read outputs are element-equal;
/// returns the streaming mode and the streamed output's dump.
fn both_modes_agree(path: &Path) -> (ReadMode, String) {
    let tmp = tempfile::tempdir().unwrap();
    let (s_out, s_mode) = round_trip(path, &ReadOptions::default(), tmp.path(), "s.dcm").unwrap();
    let (f_out, _) = round_trip(path, &forced(), tmp.path(), "f.dcm").unwrap();
    let s = canonical_dump(&dicom_object::open_file(&s_out).unwrap());
    let f = canonical_dump(&dicom_object::open_file(&f_out).unwrap());
    assert_eq!(s, f);
    assert_eq!(dcmdump_errors(&s_out).unwrap_or_default(), "");
    (s_mode, s)
}
