//! Hiding places inside the data set: deep sequences, private blocks (explicit and
//! implicit), UN, odd lengths, other character sets, overlays and curves, signatures.

use super::*;

/// Japanese text used as a marker in ISO 2022 IR 87 and UTF-8 person names.
const KANJI: &str = "漏洩試験";

/// PHI five sequences deep, in sequences the basic profile keeps; a private block, a
/// digital signature and a file meta element (0002,0016) inside items.
pub(super) fn deep() -> Case {
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
pub(super) fn private_explicit() -> Case {
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
pub(super) fn private_implicit() -> Case {
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
pub(super) fn explicit_un() -> Case {
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
pub(super) fn odd_lengths() -> Case {
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
pub(super) fn japanese() -> Case {
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
pub(super) fn utf8() -> Case {
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

/// Curve data (50xx) and overlay comments and data (60xx).
pub(super) fn overlay_curve() -> Case {
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
pub(super) fn signatures() -> Case {
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
