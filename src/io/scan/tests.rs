use super::*;
use dicom_encoding::decode::explicit_le::ExplicitVRLittleEndianDecoder;
use dicom_encoding::decode::implicit_le::ImplicitVRLittleEndianDecoder;
use std::io::Cursor;

fn el_explicit(out: &mut Vec<u8>, g: u16, e: u16, vr: &[u8; 2], value: &[u8]) {
    out.extend_from_slice(&g.to_le_bytes());
    out.extend_from_slice(&e.to_le_bytes());
    out.extend_from_slice(vr);
    let long = matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT");
    if long {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
}

fn item(out: &mut Vec<u8>, e: u16, len: u32) {
    out.extend_from_slice(&0xFFFEu16.to_le_bytes());
    out.extend_from_slice(&e.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
}

fn run_explicit(bytes: &[u8]) -> Result<ScanReport, ScanError> {
    let mut c = Cursor::new(bytes.to_vec());
    let dec = ExplicitVRLittleEndianDecoder::default();
    scan(&mut c, &dec, 0, bytes.len() as u64, true, true)
}

fn encapsulated(fragments: &[&[u8]], with_delimiter: bool) -> Vec<u8> {
    let mut v = Vec::new();
    el_explicit(&mut v, 0x0008, 0x0016, b"UI", b"1.2\0");
    v.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0]);
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    item(&mut v, 0xE000, 0); // empty basic offset table
    for f in fragments {
        item(&mut v, 0xE000, f.len() as u32);
        v.extend_from_slice(f);
    }
    if with_delimiter {
        item(&mut v, 0xE0DD, 0);
    }
    v
}

#[test]
fn native_pixel_range() {
    let mut v = Vec::new();
    el_explicit(&mut v, 0x0008, 0x0016, b"UI", b"1.2\0");
    el_explicit(&mut v, 0x7FE0, 0x0010, b"OW", &[1, 2, 3, 4]);
    el_explicit(&mut v, 0xFFFC, 0xFFFC, b"OB", &[0, 0]);
    let r = run_explicit(&v).unwrap();
    let px = r.pixel.unwrap();
    assert_eq!(px.header_start, 12);
    assert_eq!(px.value_start, 24);
    assert_eq!(px.value_end, 28);
    assert!(!px.encapsulated);
    assert_eq!(r.unusual_layout, None);
}

#[test]
fn encapsulated_with_empty_offset_table() {
    // the facts' gotcha: an empty basic offset table must still be counted as an item
    let v = encapsulated(&[b"abcd", b"ef"], true);
    let r = run_explicit(&v).unwrap();
    let px = r.pixel.unwrap();
    assert!(px.encapsulated);
    assert_eq!(px.value_start, 24);
    assert_eq!(px.value_end, v.len() as u64);
    assert!(!px.missing_delimiter);
}

#[test]
fn fragment_containing_delimiter_bytes_is_skipped() {
    let v = encapsulated(&[&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]], true);
    let r = run_explicit(&v).unwrap();
    assert_eq!(r.pixel.unwrap().value_end, v.len() as u64);
}

#[test]
fn missing_sequence_delimiter_at_eof_is_accepted() {
    let v = encapsulated(&[b"abcd"], false);
    let r = run_explicit(&v).unwrap();
    let px = r.pixel.unwrap();
    assert!(px.missing_delimiter);
    assert_eq!(px.value_end, v.len() as u64);
}

#[test]
fn truncated_fragment() {
    let v = encapsulated(&[b"abcdefgh"], true);
    let cut = &v[..v.len() - 12];
    match run_explicit(cut) {
        Err(ScanError::Truncated { place, .. }) => assert_eq!(place, TruncatedIn::PixelData),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_in_sequence_and_header() {
    let mut v = Vec::new();
    el_explicit(&mut v, 0x0008, 0x0016, b"UI", b"1.2\0");
    v.extend_from_slice(&[0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0]);
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    item(&mut v, 0xE000, u32::MAX);
    el_explicit(&mut v, 0x0008, 0x1150, b"UI", b"1.2.3.4\0");
    item(&mut v, 0xE00D, 0);
    item(&mut v, 0xE0DD, 0);
    assert!(run_explicit(&v).is_ok());
    for cut in [24, 30, 40, 50, v.len() - 1] {
        match run_explicit(&v[..cut]) {
            Err(ScanError::Truncated { place, .. }) => {
                assert_eq!(
                    place,
                    TruncatedIn::Sequence(Tag(0x0008, 0x1140)),
                    "cut {cut}"
                )
            }
            other => panic!("cut {cut}: {other:?}"),
        }
    }
    match run_explicit(&v[..5]) {
        Err(ScanError::Truncated { place, offset }) => {
            assert_eq!((place, offset), (TruncatedIn::Header, 0))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn undefined_length_un_is_reported() {
    let mut v = Vec::new();
    v.extend_from_slice(&[0x09, 0x00, 0x10, 0x10, b'U', b'N', 0, 0]);
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    item(&mut v, 0xE000, u32::MAX);
    match run_explicit(&v) {
        Err(ScanError::UndefinedLengthUn {
            tag,
            offset,
            convertible,
        }) => {
            assert_eq!((tag, offset, convertible), (Tag(0x0009, 0x1010), 0, true))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_nesting_is_refused() {
    let mut v = Vec::new();
    for _ in 0..(MAX_DEPTH + 1) {
        v.extend_from_slice(&[0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0]);
        v.extend_from_slice(&u32::MAX.to_le_bytes());
        item(&mut v, 0xE000, u32::MAX);
    }
    assert!(matches!(run_explicit(&v), Err(ScanError::TooDeep { .. })));
}

#[test]
fn implicit_vr_sequence_and_layout() {
    // (0008,1140) SQ undefined, one empty item, then a tag above pixel data, then pixel data
    let mut v = Vec::new();
    v.extend_from_slice(&[0x08, 0x00, 0x40, 0x11]);
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    item(&mut v, 0xE000, 0);
    item(&mut v, 0xE0DD, 0);
    v.extend_from_slice(&[0xE1, 0x7F, 0x10, 0x00, 2, 0, 0, 0, b'a', b'b']);
    v.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, 2, 0, 0, 0, 1, 2]);
    let mut c = Cursor::new(v.clone());
    let dec = ImplicitVRLittleEndianDecoder::default();
    let r = scan(&mut c, &dec, 0, v.len() as u64, false, true).unwrap();
    assert!(r.pixel.is_some());
    assert!(r.unusual_layout.is_some());
}
