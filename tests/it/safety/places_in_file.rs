//! Hiding places in the file's structure: after native or encapsulated pixel data, in
//! the file meta group, and in a bare data set.

use super::*;

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

pub(super) fn image_module() -> Vec<u8> {
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
pub(super) fn after_native_pixels() -> Case {
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
pub(super) fn after_encapsulated_pixels() -> Case {
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
pub(super) fn meta_fields() -> Case {
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
pub(super) fn meta_short_group_length() -> Case {
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
pub(super) fn bare() -> Case {
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
