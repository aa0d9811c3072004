//! Unusual structures read the same in both modes: implicit data sets under an explicit
//! syntax, undefined-length UN, nesting depth, missing delimiters, element order.

use super::*;

/// `name`'s data set bytes behind a new meta group that says `ts` (for files whose meta
/// group length is right).
fn with_meta_ts(name: &str, ts: &str) -> Vec<u8> {
    let path = corpus(name);
    let bytes = fs::read(&path).unwrap();
    let group_len = u32::from_le_bytes(bytes[140..144].try_into().unwrap()) as usize;
    let data_set = &bytes[144 + group_len..];
    let original = dicom_object::open_file(&path).unwrap();
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(ts)
        .media_storage_sop_class_uid(original.meta().media_storage_sop_class_uid())
        .media_storage_sop_instance_uid(original.meta().media_storage_sop_instance_uid())
        .build()
        .unwrap();
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    meta.write(&mut out).unwrap();
    out.extend_from_slice(data_set);
    out
}

#[test]
fn implicit_data_set_under_explicit_transfer_syntax_is_read() {
    // like pydicom's SC_rgb_jpeg.dcm (not in the corpus): built from an implicit VR file
    let tmp = tempfile::tempdir().unwrap();
    let name = "octave-dicom__simple-test.dcm";
    let src = tmp.path().join("mislabelled.dcm");
    fs::write(&src, with_meta_ts(name, "1.2.840.10008.1.2.1")).unwrap();
    assert!(
        dicom_object::open_file(&src).is_err(),
        "dicom-object alone fails"
    );

    let loaded = io::load(&src, &ReadOptions::default()).unwrap();
    assert_eq!(
        loaded.how(),
        ReadMode::InMemory {
            reason: InMemoryReason::ImplicitVrUnderExplicitTs
        }
    );
    let out_path = tmp.path().join("out.dcm");
    io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap();
    let out = dicom_object::open_file(&out_path).unwrap();
    assert_eq!(out.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
    let original = dicom_object::open_file(corpus(name)).unwrap();
    assert_eq!(
        canonical_dump_dataset(&out),
        canonical_dump_dataset(&original)
    );
    assert_eq!(dcmdump_errors(&out_path).unwrap_or_default(), "");
}

#[test]
fn un_with_undefined_length_is_read_as_implicit_items_or_refused_clearly() {
    // like pydicom's UN_sequence.dcm (not in the corpus): CP-246, the items are implicit VR
    let mut un = explicit_header(0x0009, 0x1010, b"UN", u32::MAX);
    un.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    un.extend_from_slice(&[0x08, 0x00, 0x00, 0x01, 4, 0, 0, 0, b'a', b'b', b'c', b'd']);
    un.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
    un.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let mut ds = explicit_header(0x0008, 0x0016, b"UI", 26);
    ds.extend_from_slice(b"1.2.840.10008.5.1.4.1.1.7\0");
    ds.extend(explicit_header(0x0009, 0x0010, b"LO", 8));
    ds.extend_from_slice(b"CREATOR ");
    let head = ds.clone();
    ds.extend_from_slice(&un);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("un.dcm");
    fs::write(&path, part10("1.2.840.10008.1.2.1", &ds)).unwrap();
    let loaded = io::load(&path, &ReadOptions::default()).unwrap();
    assert_eq!(loaded.un_sequences_read(), 1);
    let seq = loaded.object.get(Tag(0x0009, 0x1010)).unwrap();
    assert_eq!(seq.vr(), dicom_core::VR::SQ);
    let item = &seq.items().unwrap()[0];
    let code = item.get(Tag(0x0008, 0x0100)).unwrap();
    assert_eq!(
        (code.vr(), code.to_str().unwrap().as_ref()),
        (dicom_core::VR::SH, "abcd")
    );

    // inside an item of defined length the rewrite would break that length: refused
    let mut nested = head;
    nested.extend(explicit_header(0x0008, 0x1140, b"SQ", 8 + un.len() as u32));
    nested.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
    nested.extend_from_slice(&(un.len() as u32).to_le_bytes());
    let un_at_in_ds = nested.len();
    nested.extend_from_slice(&un);
    let file = part10("1.2.840.10008.1.2.1", &nested);
    let un_at = file.len() - nested.len() + un_at_in_ds;
    fs::write(&path, file).unwrap();
    let err = io::load(&path, &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::UndefinedLengthUn {
                tag: Tag(0x0009, 0x1010),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("unreadable: UN element (0009,1010) with undefined length at byte {un_at}")
    );
}

#[test]
fn absurd_nesting_is_refused_before_dicom_object_recurses() {
    let mut ds = Vec::new();
    for _ in 0..10_000 {
        ds.extend(explicit_header(0x0008, 0x1140, b"SQ", u32::MAX));
        ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("deep.dcm");
    fs::write(&path, part10("1.2.840.10008.1.2.1", &ds)).unwrap();
    let err = io::load(&path, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ReadErrorKind::TooDeep, "{err}");
}

#[test]
fn nesting_up_to_the_limit_reads_in_both_modes() {
    let depth = 64;
    let mut ds = Vec::new();
    for _ in 0..depth {
        ds.extend(explicit_header(0x0008, 0x1140, b"SQ", u32::MAX));
        ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    ds.extend(explicit_header(0x0008, 0x1150, b"UI", 4));
    ds.extend_from_slice(b"1.2\0");
    for _ in 0..depth {
        ds.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        ds.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    }
    ds.extend(explicit_header(0x7FE0, 0x0010, b"OW", 4));
    ds.extend_from_slice(&[1, 2, 3, 4]);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("nested.dcm");
    fs::write(&path, part10("1.2.840.10008.1.2.1", &ds)).unwrap();
    let (mode, dump) = both_modes_agree(&path);
    assert_eq!(mode, ReadMode::Streamed);
    assert!(dump.contains(&format!("{}(0008,1150) UI", "    ".repeat(depth))));
}

#[test]
fn missing_sequence_delimiter_is_added() {
    // encapsulated pixel data that runs to the end of file without (FFFE,E0DD)
    let name = "debian-pydicom__SC_rgb_jpeg_lossy_gdcm.dcm";
    let bytes = fs::read(corpus(name)).unwrap();
    assert_eq!(&bytes[bytes.len() - 8..], b"\xfe\xff\xdd\xe0\0\0\0\0");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("no-delimiter.dcm");
    fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
    let (mode, dump) = both_modes_agree(&path);
    assert_eq!(mode, ReadMode::Streamed);
    let original = canonical_dump(&dicom_object::open_file(corpus(name)).unwrap());
    assert_eq!(pixel_line(&dump), pixel_line(&original));
}

#[test]
fn element_above_pixel_data_before_it_falls_back_to_memory() {
    // (7FE1,0010) written before (7FE0,0010): read_until(PixelData) would stop at it
    let mut ds = explicit_header(0x0008, 0x0016, b"UI", 26);
    ds.extend_from_slice(b"1.2.840.10008.5.1.4.1.1.7\0");
    ds.extend(explicit_header(0x7FE1, 0x0010, b"LO", 4));
    ds.extend_from_slice(b"PRIV");
    ds.extend(explicit_header(0x7FE0, 0x0010, b"OW", 4));
    ds.extend_from_slice(&[1, 2, 3, 4]);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("layout.dcm");
    fs::write(&path, part10("1.2.840.10008.1.2.1", &ds)).unwrap();
    let (mode, dump) = both_modes_agree(&path);
    assert_eq!(
        mode,
        ReadMode::InMemory {
            reason: InMemoryReason::UnusualLayout
        }
    );
    assert!(
        dump.contains("(7FE1,0010) LO VariablePixelData [PRIV]"),
        "{dump}"
    );
    assert!(dump.contains("(7FE0,0010) OW PixelData <4 bytes"), "{dump}");
}
