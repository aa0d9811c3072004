//! Proof of safety: files that hide identifying data where tools usually miss it, run
//! through the real binary with the default profile; none of it may reach an output.
//! Bad inputs: every one gives a one-line reason, no output, and leaves the rest of the
//! run alone. Every output parses with dcmdump (DCMTK).
//!
//! Each hiding place holds a unique marker `ZQXLEAKnn` (and, where the place has its own
//! encoding, the marker's bytes in that encoding); a test fails with the marker's number,
//! which names the place. docs/safety.md lists the places.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use dicom_encoding::text::{SpecificCharacterSet, TextCodec};

use crate::support::raw::{self, ex, ex_sq, im, im_sq, items_defined, items_undefined, txt, uid};
use crate::support::{bin, dcmdump_errors};

mod dcmdump;
mod failures;
mod leaks;
mod places_in_data_set;
mod places_in_file;

use places_in_data_set::{
    deep, explicit_un, japanese, odd_lengths, overlay_curve, private_explicit, private_implicit,
    signatures, utf8,
};
use places_in_file::{
    after_encapsulated_pixels, after_native_pixels, bare, image_module, meta_fields,
    meta_short_group_length,
};

/// The prefix of every marker.
const MARKER: &str = "ZQXLEAK";

fn m(n: u32) -> String {
    format!("{MARKER}{n:02}")
}

/// A UID of the source that must not survive (remapped everywhere).
fn src_uid(n: u32) -> String {
    format!("1.2.826.0.1.3680043.10.543.{}", 7000 + n)
}

/// A fixed 32-byte key, so outputs are reproducible.
pub fn key_file(dir: &Path) -> PathBuf {
    let path = dir.join("key.bin");
    fs::write(&path, b"0123456789abcdef0123456789abcdef").unwrap();
    path
}

/// One adversarial input: its bytes and what must not appear in its output besides the
/// `ZQXLEAK` markers (original UIDs, text in other encodings).
pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub secrets: Vec<(String, Vec<u8>)>,
}

fn uid_secrets(ns: &[u32]) -> Vec<(String, Vec<u8>)> {
    ns.iter()
        .map(|n| (format!("source UID #{n}"), src_uid(*n).into_bytes()))
        .collect()
}

/// Standard identifying elements at the root of an explicit VR data set (below
/// (0008,0020) so that callers can append in tag order).
fn sop(n: u32) -> Vec<u8> {
    [
        ex(0x0008, 0x0016, b"UI", &uid(raw::CT_IMAGE)),
        ex(0x0008, 0x0018, b"UI", &uid(&src_uid(n))),
    ]
    .concat()
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Every adversarial input.
pub fn cases() -> Vec<Case> {
    vec![
        deep(),
        private_explicit(),
        private_implicit(),
        explicit_un(),
        odd_lengths(),
        japanese(),
        utf8(),
        overlay_curve(),
        signatures(),
        after_native_pixels(),
        after_encapsulated_pixels(),
        meta_fields(),
        meta_short_group_length(),
        bare(),
    ]
}

/// Where `needle` occurs in `hay`.
fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return Vec::new();
    }
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// What of the secrets of `case` is in `bytes`: marker numbers and secret names.
pub fn leaks(case: &Case, bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for (encoding, needle) in [
        ("ascii", MARKER.as_bytes().to_vec()),
        ("utf-16le", utf16le(MARKER)),
        ("utf-16be", utf16be(MARKER)),
    ] {
        for at in find_all(bytes, &needle) {
            // the marker's number names the hiding place (ASCII only)
            let digits: String = bytes
                .iter()
                .skip(at + needle.len())
                .take(3)
                .take_while(|b| encoding == "ascii" && b.is_ascii_digit())
                .map(|b| char::from(*b))
                .collect();
            found.push(format!("marker {MARKER}{digits} ({encoding}) at byte {at}"));
        }
    }
    for (what, needle) in &case.secrets {
        for at in find_all(bytes, needle) {
            found.push(format!("{what} at byte {at}"));
        }
    }
    found
}

/// Writes every case into `dir` and returns the paths.
pub fn write_cases(dir: &Path) -> Vec<(Case, PathBuf)> {
    fs::create_dir_all(dir).unwrap();
    cases()
        .into_iter()
        .map(|c| {
            let p = dir.join(c.name);
            fs::write(&p, &c.bytes).unwrap();
            (c, p)
        })
        .collect()
}

/// An image with markers at the root, five sequences deep and in the pixel data's
/// neighbourhood: the base of the truncated and malformed inputs.
pub fn marked_image() -> Vec<u8> {
    let deep = deep();
    // the data set of `deep()` (after its meta), then the image
    let meta_len = 132
        + 12
        + raw::meta_elements(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1))
            .iter()
            .map(Vec::len)
            .sum::<usize>();
    let mut ds = deep.bytes[meta_len..].to_vec();
    ds.extend(image_module());
    ds.extend(ex(0x7FE0, 0x0010, b"OB", &[7u8; 64]));
    raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1), &ds)
}
