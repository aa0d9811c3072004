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

/// The prefix of every marker.
const MARKER: &str = "ZQXLEAK";

/// Japanese text used as a marker in ISO 2022 IR 87 and UTF-8 person names.
const KANJI: &str = "漏洩試験";

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

/// PHI five sequences deep, in sequences the basic profile keeps; a private block, a
/// digital signature and a file meta element (0002,0016) inside items.
fn deep() -> Case {
    let level5 = [
        ex(0x0008, 0x0050, b"SH", &txt(&m(3))),
        ex(0x0010, 0x0010, b"PN", &txt(&format!("{}^DEEP", m(4)))),
        ex(0x0010, 0x0020, b"LO", &txt(&m(5))),
        ex(0x0010, 0x1001, b"PN", &txt(&m(6))),
        ex(0x0020, 0x000D, b"UI", &uid(&src_uid(4))),
    ]
    .concat();
    let level4 = [
        ex_sq(0x0008, 0x1115, &[level5]),
        ex(0x0019, 0x0010, b"LO", &txt(&format!("{} CREATOR", m(7)))),
        ex(0x0019, 0x1001, b"LO", &txt(&m(8))),
    ]
    .concat();
    let signature = ex(0x0400, 0x0120, b"OB", &txt(&m(9)));
    let level3 = [
        ex_sq(0x0018, 0x9346, &[level4]),
        ex_sq(0xFFFA, 0xFFFA, &[signature]),
    ]
    .concat();
    let level2 = [
        ex(0x0002, 0x0016, b"AE", &txt(&m(10))),
        ex_sq(0x0054, 0x0016, &[level3]),
    ]
    .concat();
    let level1 = ex_sq(0x0040, 0x0260, &[level2]);
    let ds = [
        sop(1),
        ex_sq(0x0008, 0x9215, &[level1]),
        ex(0x0010, 0x0010, b"PN", &txt(&format!("{}^ROOT", m(1)))),
        ex(0x0010, 0x0020, b"LO", &txt(&m(2))),
        ex(0x0020, 0x000D, b"UI", &uid(&src_uid(2))),
        ex(0x0020, 0x000E, b"UI", &uid(&src_uid(3))),
    ]
    .concat();
    Case {
        name: "deep.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1), &ds),
        secrets: uid_secrets(&[1, 2, 3, 4]),
    }
}

/// Private elements in explicit VR: with a creator (text, PN, UN, a sequence holding a
/// name, an odd-length OB), without a creator, and in the (gggg,0001-000F) range.
fn private_explicit() -> Case {
    let ds = [
        sop(11),
        ex(0x0009, 0x0010, b"LO", &txt(&format!("{} CREATOR", m(11)))),
        ex(0x0009, 0x1001, b"LO", &txt(&m(12))),
        ex(0x0009, 0x1002, b"PN", &txt(&m(13))),
        ex(0x0009, 0x1003, b"UN", &txt(&m(14))),
        ex_sq(0x0009, 0x1004, &[ex(0x0010, 0x0010, b"PN", &txt(&m(15)))]),
        ex(0x0009, 0x1005, b"OB", m(16).as_bytes()),
        ex(0x0011, 0x1001, b"LO", &txt(&m(17))),
        ex(0x0013, 0x0001, b"LO", &txt(&m(18))),
        ex(0x0020, 0x000D, b"UI", &uid(&src_uid(12))),
    ]
    .concat();
    Case {
        name: "private-explicit.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(11), &ds),
        secrets: uid_secrets(&[11, 12]),
    }
}

/// Private elements in implicit VR (their VR is unknown to every reader): with and
/// without a creator, an undefined-length private sequence holding a name, odd lengths.
fn private_implicit() -> Case {
    let ds = [
        im(0x0008, 0x0016, &uid(raw::CT_IMAGE)),
        im(0x0008, 0x0018, &uid(&src_uid(21))),
        im(0x0009, 0x0010, &txt(&format!("{} CREATOR", m(20)))),
        im(0x0009, 0x1001, &txt(&m(21))),
        im_sq(0x0009, 0x1002, &[im(0x0010, 0x0010, &txt(&m(22)))]),
        im(0x0009, 0x1003, m(25).as_bytes()),
        im(0x0010, 0x0010, format!("{}^ODD", m(24)).as_bytes()),
        im(0x0011, 0x1001, &txt(&m(23))),
        im(0x0020, 0x000D, &uid(&src_uid(22))),
    ]
    .concat();
    Case {
        name: "private-implicit.dcm",
        bytes: raw::simple(raw::IMPLICIT_LE, raw::CT_IMAGE, &src_uid(21), &ds),
        secrets: uid_secrets(&[21, 22]),
    }
}

/// Standard tags stored as explicit UN: a UID, names (one of odd length), sequences with
/// defined- and undefined-length items (as implicit VR inside, PS3.5 6.2.2).
fn explicit_un() -> Case {
    let inner_seq = im_sq(0x0008, 0x1115, &[im(0x0010, 0x0010, &txt(&m(35)))]);
    let undefined_items =
        items_undefined(&[[im(0x0010, 0x0010, &txt(&m(34))), inner_seq].concat()]);
    let ds = [
        ex(0x0008, 0x0016, b"UI", &uid(raw::CT_IMAGE)),
        ex(0x0008, 0x0018, b"UN", &uid(&src_uid(31))),
        ex(0x0008, 0x0090, b"UN", &txt(&m(36))),
        ex(
            0x0008,
            0x9215,
            b"UN",
            &items_defined(&[im(0x0010, 0x0010, &txt(&m(33)))]),
        ),
        ex(0x0010, 0x0010, b"UN", format!("{}^UNX", m(31)).as_bytes()),
        ex(
            0x0010,
            0x1002,
            b"UN",
            &items_defined(&[im(0x0010, 0x0020, &txt(&m(32)))]),
        ),
        ex(0x0020, 0x000D, b"UN", &uid(&src_uid(32))),
        ex(0x0040, 0x0260, b"UN", &undefined_items),
    ]
    .concat();
    Case {
        name: "explicit-un.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(31), &ds),
        secrets: uid_secrets(&[31, 32]),
    }
}

/// Odd-length values (not padded, as some writers do).
fn odd_lengths() -> Case {
    let ds = [
        ex(0x0008, 0x0016, b"UI", &uid(raw::CT_IMAGE)),
        ex(0x0008, 0x0018, b"UI", src_uid(41).as_bytes()),
        ex(0x0008, 0x0080, b"LO", format!("{}^HOSP", m(43)).as_bytes()),
        ex(0x0010, 0x0010, b"PN", format!("{}^ODD", m(41)).as_bytes()),
        ex(0x0010, 0x0020, b"LO", m(42).as_bytes()),
        ex(0x0010, 0x1000, b"LO", format!("{}ABC", m(44)).as_bytes()),
        ex(
            0x0020,
            0x000D,
            b"UI",
            format!("{}1", src_uid(42)).as_bytes(),
        ),
    ]
    .concat();
    let mut secrets = uid_secrets(&[41]);
    secrets.push((
        "odd study UID".into(),
        format!("{}1", src_uid(42)).into_bytes(),
    ));
    Case {
        name: "odd-lengths.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(41), &ds),
        secrets,
    }
}

/// The bytes of `text` in a character set (for the escape-sequence sets, without the
/// escapes around it, so that any re-encoding of the same text is found).
fn encoded(charset: &str, text: &str) -> Vec<u8> {
    let cs = SpecificCharacterSet::from_code(charset).unwrap();
    let bytes = cs.encode(text).unwrap();
    if bytes.first() == Some(&0x1B) {
        // ESC $ B ... ESC ( B
        bytes[3..bytes.len() - 3].to_vec()
    } else {
        bytes
    }
}

/// Person names in ISO 2022 IR 87 (Japanese, with escape sequences), as in PS3.5 H.3.1.
fn japanese() -> Case {
    let jis = SpecificCharacterSet::from_code("ISO_IR 87")
        .unwrap()
        .encode(KANJI)
        .unwrap();
    let mut name = format!("{}^TARO=", m(51)).into_bytes();
    name.extend_from_slice(&jis);
    name.extend_from_slice(b"^");
    name.extend_from_slice(&jis);
    let mut other = b"=".to_vec();
    other.extend_from_slice(&jis);
    let ds = [
        ex(0x0008, 0x0005, b"CS", &txt("\\ISO 2022 IR 87")),
        sop(51),
        ex(0x0008, 0x0090, b"PN", &txt_bytes(&other)),
        ex(0x0010, 0x0010, b"PN", &txt_bytes(&name)),
        ex(0x0010, 0x1001, b"PN", &txt_bytes(&other)),
        ex(0x0032, 0x1032, b"PN", &txt_bytes(&name)),
    ]
    .concat();
    Case {
        name: "iso2022-japanese.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(51), &ds),
        secrets: vec![
            ("kanji in JIS X 0208".into(), encoded("ISO_IR 87", KANJI)),
            (
                "kanji re-encoded in UTF-8".into(),
                KANJI.as_bytes().to_vec(),
            ),
        ],
    }
}

fn txt_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    if v.len() % 2 == 1 {
        v.push(b' ');
    }
    v
}

/// Person names in UTF-8 (ISO_IR 192).
fn utf8() -> Case {
    let name = format!("{}^Jörg={KANJI}^太郎", m(61));
    let ds = [
        ex(0x0008, 0x0005, b"CS", &txt("ISO_IR 192")),
        sop(61),
        ex(0x0008, 0x0090, b"PN", &txt(&format!("Müller^{}", m(62)))),
        ex(0x0010, 0x0010, b"PN", &txt(&name)),
        ex(0x0010, 0x1001, b"PN", &txt(&format!("{KANJI}^Ünal"))),
    ]
    .concat();
    Case {
        name: "utf8.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(61), &ds),
        secrets: vec![
            ("kanji in UTF-8".into(), KANJI.as_bytes().to_vec()),
            ("kanji re-encoded in UTF-16LE".into(), utf16le(KANJI)),
        ],
    }
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Curve data (50xx) and overlay comments and data (60xx).
fn overlay_curve() -> Case {
    let ds = [
        sop(71),
        ex(0x0010, 0x0010, b"PN", &txt("ANON")),
        ex(0x5000, 0x0005, b"US", &1u16.to_le_bytes()),
        ex(0x5000, 0x2500, b"LO", &txt(&m(71))),
        ex(0x5000, 0x3000, b"OB", &txt(&m(72))),
        ex(0x5002, 0x0022, b"LO", &txt(&m(73))),
        ex(0x6000, 0x0010, b"US", &8u16.to_le_bytes()),
        ex(0x6000, 0x0011, b"US", &8u16.to_le_bytes()),
        ex(0x6000, 0x3000, b"OW", &txt(&m(74))),
        ex(0x6000, 0x4000, b"LT", &txt(&m(75))),
        ex(0x6002, 0x4000, b"LT", &txt(&m(76))),
    ]
    .concat();
    Case {
        name: "overlay-curve.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(71), &ds),
        secrets: uid_secrets(&[71]),
    }
}

/// Digital signatures (FFFA,FFFA), at the root and inside a kept sequence; the
/// Original Attributes Sequence that keeps the values a previous edit replaced.
fn signatures() -> Case {
    let signature = [
        ex(0x0400, 0x0005, b"US", &1u16.to_le_bytes()),
        ex(0x0400, 0x0100, b"UI", &uid(&src_uid(82))),
        ex(0x0400, 0x0105, b"DT", &txt("20200101120000")),
        ex(0x0400, 0x0115, b"OB", &txt(&m(81))),
        ex(0x0400, 0x0120, b"OB", &txt(&m(82))),
    ]
    .concat();
    let modified = ex_sq(0x0400, 0x0550, &[ex(0x0010, 0x0010, b"PN", &txt(&m(83)))]);
    let nested_signature = ex_sq(0xFFFA, 0xFFFA, &[ex(0x0400, 0x0120, b"OB", &txt(&m(84)))]);
    let ds = [
        sop(81),
        ex_sq(0x0008, 0x9215, &[nested_signature]),
        ex_sq(0x0400, 0x0561, &[modified]),
        ex_sq(0xFFFA, 0xFFFA, &[signature]),
    ]
    .concat();
    Case {
        name: "signatures.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(81), &ds),
        secrets: uid_secrets(&[81, 82]),
    }
}

/// Root elements after the pixel data: a private block, a private element without a
/// creator, a signature, trailing padding, and an out-of-order public name.
fn trailer(base: u32) -> Vec<u8> {
    [
        ex(0x0010, 0x1001, b"PN", &txt(&m(base))),
        ex(
            0x7FE1,
            0x0010,
            b"LO",
            &txt(&format!("{} CREATOR", m(base + 1))),
        ),
        ex(0x7FE1, 0x1001, b"LO", &txt(&m(base + 2))),
        ex(0x7FE3, 0x0001, b"LO", &txt(&m(base + 3))),
        ex_sq(
            0xFFFA,
            0xFFFA,
            &[ex(0x0400, 0x0120, b"OB", &txt(&m(base + 4)))],
        ),
        ex(0xFFFC, 0xFFFC, b"OB", &txt(&m(base + 5))),
    ]
    .concat()
}

fn image_module() -> Vec<u8> {
    [
        ex(0x0028, 0x0002, b"US", &1u16.to_le_bytes()),
        ex(0x0028, 0x0004, b"CS", &txt("MONOCHROME2")),
        ex(0x0028, 0x0010, b"US", &2u16.to_le_bytes()),
        ex(0x0028, 0x0011, b"US", &2u16.to_le_bytes()),
        ex(0x0028, 0x0100, b"US", &8u16.to_le_bytes()),
        ex(0x0028, 0x0101, b"US", &8u16.to_le_bytes()),
        ex(0x0028, 0x0102, b"US", &7u16.to_le_bytes()),
        ex(0x0028, 0x0103, b"US", &0u16.to_le_bytes()),
    ]
    .concat()
}

/// Native pixel data followed by [`trailer`].
fn after_native_pixels() -> Case {
    let ds = [
        ex(0x0008, 0x0016, b"UI", &uid(raw::SC_IMAGE)),
        ex(0x0008, 0x0018, b"UI", &uid(&src_uid(91))),
        ex(0x0010, 0x0010, b"PN", &txt(&m(90))),
        image_module(),
        ex(0x7FE0, 0x0010, b"OB", &[1, 2, 3, 4]),
        trailer(91),
    ]
    .concat();
    Case {
        name: "after-native-pixels.dcm",
        bytes: raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, &src_uid(91), &ds),
        secrets: uid_secrets(&[91]),
    }
}

/// Encapsulated pixel data (JPEG baseline framing) followed by [`trailer`].
fn after_encapsulated_pixels() -> Case {
    let mut pixels = b"\xe0\x7f\x10\x00OB\0\0\xff\xff\xff\xff".to_vec();
    pixels.extend(items_defined(&[Vec::new(), vec![0xFF, 0xD8, 0xFF, 0xD9]]));
    pixels.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let ds = [
        ex(0x0008, 0x0016, b"UI", &uid(raw::SC_IMAGE)),
        ex(0x0008, 0x0018, b"UI", &uid(&src_uid(101))),
        ex(0x0010, 0x0010, b"PN", &txt(&m(100))),
        image_module(),
        pixels,
        trailer(101),
    ]
    .concat();
    Case {
        name: "after-encapsulated-pixels.dcm",
        bytes: raw::simple("1.2.840.10008.1.2.4.50", raw::SC_IMAGE, &src_uid(101), &ds),
        secrets: uid_secrets(&[101]),
    }
}

/// File meta: a preamble holding text, the AE titles, the presentation addresses, the
/// implementation version name, the private meta elements (0002,0100)/(0002,0102).
fn meta_fields() -> Case {
    let mut preamble = [0u8; 128];
    let text = format!("II*\0 {} preamble", m(111));
    preamble[..text.len()].copy_from_slice(text.as_bytes());
    let mut meta = raw::meta_elements(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(111));
    meta.extend([
        ex(0x0002, 0x0013, b"SH", &txt(&m(112))),
        ex(0x0002, 0x0016, b"AE", &txt(&m(113))),
        ex(0x0002, 0x0017, b"AE", &txt(&m(114))),
        ex(0x0002, 0x0018, b"AE", &txt(&m(115))),
        ex(
            0x0002,
            0x0026,
            b"UR",
            &txt(&format!("dicom://{}.example.org:104", m(116))),
        ),
        ex(0x0002, 0x0100, b"UI", &uid(&src_uid(112))),
        ex(0x0002, 0x0102, b"OB", &txt(&m(117))),
    ]);
    let ds = [sop(111), ex(0x0010, 0x0010, b"PN", &txt("ANON"))].concat();
    Case {
        name: "meta-fields.dcm",
        bytes: raw::part10(&preamble, &meta, None, &ds),
        secrets: uid_secrets(&[111, 112]),
    }
}

/// A meta group length that ends before the AE title and private meta elements: a
/// reader then finds them at the start of the data set.
fn meta_short_group_length() -> Case {
    let meta = raw::meta_elements(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(121));
    let group_length: u32 = meta.iter().map(|e| e.len() as u32).sum();
    let ds = [
        ex(0x0002, 0x0016, b"AE", &txt(&m(121))),
        ex(0x0002, 0x0100, b"UI", &uid(&src_uid(122))),
        ex(0x0002, 0x0102, b"OB", &txt(&m(122))),
        sop(121),
        ex(0x0010, 0x0010, b"PN", &txt(&m(123))),
    ]
    .concat();
    Case {
        name: "meta-short-group-length.dcm",
        bytes: raw::part10(&[0; 128], &meta, Some(group_length), &ds),
        secrets: uid_secrets(&[121, 122]),
    }
}

/// A bare data set (no preamble, no meta), implicit VR.
fn bare() -> Case {
    let ds = [
        im(0x0008, 0x0016, &uid(raw::CT_IMAGE)),
        im(0x0008, 0x0018, &uid(&src_uid(131))),
        im(0x0009, 0x0010, &txt("ACME 1.0")),
        im(0x0009, 0x1001, &txt(&m(132))),
        im(0x0010, 0x0010, &txt(&m(131))),
    ]
    .concat();
    Case {
        name: "bare-data-set.dcm",
        bytes: ds,
        secrets: uid_secrets(&[131]),
    }
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

#[test]
fn the_sources_hold_what_the_test_looks_for() {
    // guards the test itself: every marker and secret is in its source
    for case in cases() {
        let found = leaks(&case, &case.bytes);
        assert!(
            found.iter().any(|f| f.starts_with("marker")),
            "{}: no marker in the source",
            case.name
        );
        for (what, _) in case
            .secrets
            .iter()
            .filter(|(w, _)| !w.contains("re-encoded"))
        {
            assert!(
                found.iter().any(|f| f.starts_with(what.as_str())),
                "{}: {what} not in the source",
                case.name
            );
        }
    }
}

#[test]
fn adversarial_files_leak_nothing_under_the_basic_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    let cases = write_cases(&src);
    let key = key_file(tmp.path());
    let out = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains(MARKER) && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let mut problems: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (case, _) in &cases {
        let path = dst.join(case.name);
        let Ok(bytes) = fs::read(&path) else {
            problems
                .entry(case.name)
                .or_default()
                .push("no output".into());
            continue;
        };
        problems
            .entry(case.name)
            .or_default()
            .extend(leaks(case, &bytes));
        if let Some(e) = dcmdump_errors(&path) {
            if !e.is_empty() {
                problems
                    .entry(case.name)
                    .or_default()
                    .push(format!("dcmdump: {e}"));
            }
        }
        // the output is a de-identified Part 10 file with a remapped instance UID
        let obj = dicom_object::open_file(&path).unwrap();
        let removed = obj.element(dicom_core::Tag(0x0012, 0x0062)).unwrap();
        assert_eq!(removed.to_str().unwrap().trim(), "YES", "{}", case.name);
        assert!(
            obj.meta()
                .media_storage_sop_instance_uid()
                .starts_with("2.25."),
            "{}",
            case.name
        );
    }
    problems.retain(|_, v| !v.is_empty());
    assert!(
        problems.is_empty(),
        "leaks or invalid outputs: {problems:#?}"
    );
}

#[test]
fn kept_sequences_stored_as_un_are_walked_or_removed() {
    // implicit VR: a private sequence and an unknown public one, both with a defined
    // length, read as UN; the plan keeps them (`--keep-private`, `default keep`), so it must
    // apply inside their items. A UN value that starts like a sequence but does not parse
    // is removed, not kept.
    let unknown = dicom_core::Tag(0x0018, 0x9FF0);
    assert_eq!(dicom_anonymizer::dictionary::vr_of(unknown), None);
    let item = im(0x0010, 0x0010, &txt(&m(151)));
    let mut garbage = items_defined(std::slice::from_ref(&item));
    garbage.truncate(garbage.len() - 3);
    let ds = [
        im(0x0008, 0x0016, &uid(raw::CT_IMAGE)),
        im(0x0008, 0x0018, &uid(&src_uid(151))),
        im(0x0009, 0x0010, &txt("ACME 1.0")),
        im(0x0009, 0x1001, &items_defined(std::slice::from_ref(&item))),
        im(0x0009, 0x1002, &garbage),
        im(0x0009, 0x1003, &txt("KEPT PRIVATE")),
        im(
            0x0018,
            0x9FF0,
            &items_undefined(&[im(0x0010, 0x0020, &txt(&m(152)))]),
        ),
    ]
    .concat();
    let case = Case {
        name: "un-sequences.dcm",
        bytes: raw::simple(raw::IMPLICIT_LE, raw::CT_IMAGE, &src_uid(151), &ds),
        secrets: uid_secrets(&[151]),
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join(case.name);
    fs::write(&src, &case.bytes).unwrap();
    let dst = tmp.path().join("out.dcm");
    let key = key_file(tmp.path());
    bin()
        .args(["run", "-q", "--keep-private", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .assert()
        .success();
    let bytes = fs::read(&dst).unwrap();
    assert_eq!(leaks(&case, &bytes), Vec::<String>::new());
    let obj = dicom_object::open_file(&dst).unwrap();
    // the sequences are kept, with the plan applied inside; the garbage is gone
    let seq = obj.element(dicom_core::Tag(0x0009, 0x1001)).unwrap();
    assert_eq!(seq.items().map(|i| i.len()), Some(1));
    assert!(obj.get(dicom_core::Tag(0x0009, 0x1002)).is_none());
    assert!(obj.get(dicom_core::Tag(0x0009, 0x1003)).is_some());
    assert_eq!(
        obj.element(unknown).unwrap().items().map(|i| i.len()),
        Some(1)
    );
    assert_eq!(dcmdump_errors(&dst).unwrap_or_default(), "");
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

fn offset_of(bytes: &[u8], needle: &[u8]) -> usize {
    find_all(bytes, needle)[0]
}

/// Runs the binary as `nobody` when the tests run as root (root ignores permission bits),
/// with `setpriv` or else `runuser` (util-linux); `None` when permissions cannot be tested
/// (as root with neither: a failure when `CI` is set).
fn permission_runner() -> Option<Vec<String>> {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        return Some(Vec::new());
    }
    let candidates: [&[&str]; 2] = [
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &["runuser", "-u", "nobody", "--"],
    ];
    for argv in candidates {
        // it must really drop privileges
        let works = std::process::Command::new(argv[0])
            .args(&argv[1..])
            .args(["sh", "-c", "test \"$(id -u)\" != 0"])
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return Some(argv.iter().map(|a| a.to_string()).collect());
        }
    }
    crate::support::skipped("running as root without setpriv or runuser: the permission cases");
    None
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

/// A reason with its byte offsets (`at byte 770`) and temporary paths (`at path "…"`)
/// replaced by `N`, so that it can be compared with the documented text.
fn normalize_offsets(reason: &str) -> String {
    let mut out = reason.to_string();
    if let Some(i) = out.find(" at path \"") {
        out.replace_range(i.., " at path N");
    }
    if let Some(i) = out.find("(at byte ") {
        let digits = out
            .get(i + 9..)
            .unwrap()
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        out.replace_range(i + 9..i + 9 + digits, "N");
    }
    out
}

#[test]
#[cfg(unix)]
fn bad_inputs_fail_alone_with_one_line_each() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::create_dir_all(&dst).unwrap();
    let corpus = crate::support::root().join("tests/data/corpus/files");
    let put = |rel: &str, bytes: &[u8]| fs::write(src.join(rel), bytes).unwrap();

    // two good files
    fs::copy(corpus.join("pydicom__CT_small.dcm"), src.join("good-1.dcm")).unwrap();
    fs::copy(
        corpus.join("pydicom__MR_small.dcm"),
        src.join("sub/good-2.dcm"),
    )
    .unwrap();

    let image = marked_image();
    let pn = offset_of(&image, format!("{}^ROOT", m(1)).as_bytes());
    let deep_pn = offset_of(&image, m(4).as_bytes());
    let pixels = offset_of(&image, b"\xe0\x7f\x10\x00OB");
    let meta = raw::meta_elements(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1));
    let data_set = &image[132 + 12 + meta.iter().map(Vec::len).sum::<usize>()..];
    let mut random = Vec::with_capacity(4096);
    let mut x: u32 = 0x9E37_79B9;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        random.push(x as u8);
    }
    random[0] = 0xFF;
    let mut no_dicm = vec![0u8; 128];
    no_dicm.extend_from_slice(b"DICX");
    no_dicm.extend_from_slice(&image[132..]);
    let mut no_group_length = vec![0u8; 128];
    no_group_length.extend_from_slice(b"DICM");
    no_group_length.extend(meta.concat());
    no_group_length.extend_from_slice(data_set);
    let without_ts: Vec<Vec<u8>> = meta
        .iter()
        .filter(|e| e[..4] != [0x02, 0x00, 0x10, 0x00])
        .cloned()
        .collect();
    let no_ts = raw::part10(&[0; 128], &without_ts, None, data_set);
    let mut too_long = image.clone();
    // the root Patient Name's 16-bit length says 0xFFF0
    too_long[pn - 2..pn].copy_from_slice(&0xFFF0u16.to_le_bytes());
    let mut endless = raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1), &sop(1));
    endless.extend_from_slice(b"\x08\x00\x15\x92SQ\0\0\xff\xff\xff\xff");
    endless.extend(items_undefined(&[ex(0x0010, 0x0010, b"PN", &txt(&m(5)))]));
    endless.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    endless.extend(ex(0x0010, 0x0020, b"LO", &txt(&m(6))));

    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty.dcm", Vec::new()),
        ("random.bin", random),
        (
            "notes.txt",
            format!("patient {} seen today\n", m(1)).into_bytes(),
        ),
        ("cut-in-header.dcm", image[..pn + 4].to_vec()),
        ("sub/cut-in-sequence.dcm", image[..deep_pn + 4].to_vec()),
        ("cut-in-pixels.dcm", image[..pixels + 40].to_vec()),
        ("preamble-without-dicm.dcm", no_dicm),
        ("meta-without-group-length.dcm", no_group_length),
        ("meta-without-transfer-syntax.dcm", no_ts),
        ("length-past-the-end.dcm", too_long),
        ("sequence-never-ends.dcm", endless),
    ];
    for (rel, bytes) in &bad {
        put(rel, bytes);
    }
    fs::copy(
        corpus.join("pydicom__dicomdirtests_DICOMDIR"),
        src.join("sub/DICOMDIR"),
    )
    .unwrap();
    let mut expected: Vec<String> = bad.iter().map(|(r, _)| r.to_string()).collect();
    expected.push("sub/DICOMDIR".into());
    // the reason printed after `PATH: ` (byte offsets written as N)
    let not_dicom =
        "skipped: not DICOM: no `DICM` prefix and the first bytes are not a data element";
    let mut reasons: BTreeMap<&str, String> = [
        ("empty.dcm", "skipped: not DICOM: the file is empty"),
        ("random.bin", not_dicom),
        ("notes.txt", not_dicom),
        (
            "cut-in-header.dcm",
            "truncated file: it ends inside the header (at byte N)",
        ),
        (
            "sub/cut-in-sequence.dcm",
            "truncated file: it ends inside sequence (0008,9215) (at byte N)",
        ),
        (
            "cut-in-pixels.dcm",
            "truncated file: it ends inside the pixel data (at byte N)",
        ),
        ("preamble-without-dicm.dcm", not_dicom),
        (
            "meta-without-group-length.dcm",
            "unreadable: the file meta group has no group length (0002,0000)",
        ),
        (
            "meta-without-transfer-syntax.dcm",
            "unreadable: the file meta group has no transfer syntax (0002,0010)",
        ),
        (
            "length-past-the-end.dcm",
            "truncated file: it ends inside the header (at byte N)",
        ),
        (
            "sequence-never-ends.dcm",
            "truncated file: it ends inside sequence (0008,9215) (at byte N)",
        ),
        (
            "sub/DICOMDIR",
            "skipped: a DICOMDIR (it lists patient names; it is never copied)",
        ),
        ("sub/loop", "symbolic link loop"),
        (
            "broken-link.dcm",
            "broken symbolic link or file removed during the walk",
        ),
        (
            "unreadable.dcm",
            "could not read the file: Permission denied (os error 13)",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    reasons.insert(
        "read-only-output/good.dcm",
        format!(
            "cannot create a file in `{}`: Permission denied (os error 13) at path N",
            dst.join("read-only-output").display()
        ),
    );

    // a symbolic link loop and a broken link
    std::os::unix::fs::symlink("..", src.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("nowhere.dcm", src.join("broken-link.dcm")).unwrap();
    expected.push("sub/loop".into());
    expected.push("broken-link.dcm".into());

    // permissions: an unreadable input, and an output folder that is read-only
    let runner = permission_runner();
    if runner.is_some() {
        fs::copy(
            corpus.join("pydicom__CT_small.dcm"),
            src.join("unreadable.dcm"),
        )
        .unwrap();
        fs::create_dir_all(src.join("read-only-output")).unwrap();
        fs::copy(
            corpus.join("pydicom__CT_small.dcm"),
            src.join("read-only-output/good.dcm"),
        )
        .unwrap();
        fs::create_dir_all(dst.join("read-only-output")).unwrap();
        expected.push("unreadable.dcm".into());
        expected.push("read-only-output/good.dcm".into());
    }
    // everything readable by `nobody`, then the two permission cases
    for entry in walkdir::WalkDir::new(tmp.path()) {
        let entry = entry.unwrap();
        if entry.path_is_symlink() {
            continue;
        }
        chmod(
            entry.path(),
            if entry.file_type().is_dir() {
                0o777
            } else {
                0o644
            },
        );
    }
    if runner.is_some() {
        chmod(&src.join("unreadable.dcm"), 0o000);
        chmod(&dst.join("read-only-output"), 0o555);
    }

    let key = key_file(tmp.path());
    chmod(&key, 0o644);
    let bin_path = assert_cmd::cargo::cargo_bin("dicom-anonymizer");
    let mut argv: Vec<std::ffi::OsString> = runner
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    argv.push(bin_path.into());
    argv.extend(["run", "-q", "-j", "2", "--key-file"].map(Into::into));
    argv.extend([key.into_os_string(), src.clone().into(), dst.clone().into()]);
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains(MARKER),
        "a value in the messages: {stderr}"
    );
    assert!(!stderr.contains("CompressedSamples"), "{stderr}");

    // one line per bad input, naming it
    let lines: Vec<&str> = stderr.lines().collect();
    for rel in &expected {
        let path = src.join(rel).display().to_string();
        let mine: Vec<&&str> = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{path}: ")))
            .collect();
        assert_eq!(mine.len(), 1, "{rel}: {mine:?}\n{stderr}");
        let reason = mine[0].get(path.len() + 2..).unwrap();
        let normalized = normalize_offsets(reason);
        assert_eq!(
            Some(&normalized),
            reasons.get(rel.as_str()),
            "{rel}: the reason"
        );
    }
    // and nothing else but the summary
    let other: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            !expected
                .iter()
                .any(|r| l.starts_with(&src.join(r).display().to_string()))
        })
        .collect();
    assert_eq!(other.len(), 1, "{other:?}");
    // the DICOMDIR and the four files that are not DICOM are skips, the rest failures
    assert!(
        other[0].starts_with("2 written, 5 skipped (4 not DICOM),"),
        "{other:?}"
    );

    // the good files are written and valid; nothing else is, and no temporary file is left
    let written: Vec<PathBuf> = walkdir::WalkDir::new(&dst)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| e.path().strip_prefix(&dst).unwrap().to_path_buf())
        .collect();
    let mut written_sorted = written.clone();
    written_sorted.sort();
    assert_eq!(
        written_sorted,
        [PathBuf::from("good-1.dcm"), PathBuf::from("sub/good-2.dcm")]
    );
    for rel in &written {
        assert_eq!(dcmdump_errors(&dst.join(rel)).unwrap_or_default(), "");
    }
    if runner.is_some() {
        chmod(&dst.join("read-only-output"), 0o755);
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_output_disk_fails_the_file_and_leaves_nothing() {
    // a 64 KiB tmpfs mounted in a private mount namespace (`unshare`; as root, or as a
    // user where unprivileged user namespaces are allowed): a 200 KB output does not fit,
    // a 39 KB one does
    let usable = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !usable {
        crate::support::skipped("`unshare -rm` is not available here: the full-disk case");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    fs::create_dir_all(&src).unwrap();
    fs::create_dir_all(&dst).unwrap();
    let corpus = crate::support::root().join("tests/data/corpus/files");
    fs::copy(corpus.join("pydicom__CT_small.dcm"), src.join("small.dcm")).unwrap();
    let mut ds = [
        ex(0x0008, 0x0016, b"UI", &uid(raw::SC_IMAGE)),
        ex(0x0008, 0x0018, b"UI", &uid(&src_uid(161))),
    ]
    .concat();
    ds.extend(image_module());
    ds.extend(ex(0x7FE0, 0x0010, b"OB", &vec![3u8; 200_000]));
    fs::write(
        src.join("big.dcm"),
        raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, &src_uid(161), &ds),
    )
    .unwrap();
    let key = key_file(tmp.path());
    let bin_path = assert_cmd::cargo::cargo_bin("dicom-anonymizer");
    let script = r#"mount -t tmpfs -o size=64k tmpfs "$3" || exit 99
"$1" run -q -j 1 --key-file "$2" "$4" "$3"; rc=$?
cd "$3" && find . | sort; exit $rc"#;
    let out = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(bin_path)
        .arg(&key)
        .arg(&dst)
        .arg(&src)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(99) {
        crate::support::skipped(&format!(
            "cannot mount a tmpfs here ({}): the full-disk case",
            stderr.trim()
        ));
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        listing.lines().collect::<Vec<_>>(),
        // the manifest records the failed file and the written one
        [".", "./manifest.json", "./small.dcm"],
        "{stderr}"
    );
    let big = src.join("big.dcm").display().to_string();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&big)).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn every_corpus_output_parses_with_dcmdump_and_checks_clean() {
    // the whole test corpus through the binary: every output is valid for DCMTK, and
    // `check --source` finds nothing in any of them
    let tmp = tempfile::tempdir().unwrap();
    let src = crate::support::root().join("tests/data/corpus/files");
    let dst = tmp.path().join("out");
    let key = key_file(tmp.path());
    let out = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.ends_with("\n")
            && stderr
                .lines()
                .last()
                .unwrap()
                // dicognito__burned_in_yes.dcm: Burned In Annotation YES, no signature
                .starts_with("218 written, 5 skipped (1 not DICOM), 1 rejected, 70 flagged burned-in-risk (review them), 3 failed"),
        "{stderr}"
    );
    let outputs: Vec<PathBuf> = fs::read_dir(&dst)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !dicom_anonymizer::audit::manifest::is_manifest(p))
        .collect();
    assert_eq!(outputs.len(), 218);
    // one dcmdump for all of them (it names the file in its error lines)
    if let Ok(out) = std::process::Command::new("dcmdump")
        .arg("-q")
        .args(&outputs)
        .output()
    {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("E:") || l.starts_with("F:"))
            .collect();
        assert!(out.status.success() && errors.is_empty(), "{errors:#?}");
    } else {
        crate::support::skipped("dcmdump (DCMTK) is not installed: validating outputs with it");
    }
    let check = bin()
        .arg("check")
        .arg("--source")
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(stdout, "checked 218 files: 218 clean, 0 with findings\n");
    assert_eq!(check.status.code(), Some(0));
}
