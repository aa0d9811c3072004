//! Writing: bare data sets become Part 10 files, engine changes are written with pixel
//! data kept, inconsistent objects refused, odd lengths padded, OW-labelled fragments.

use super::*;

fn registry_ts(uid: &str) -> &'static dicom_encoding::transfer_syntax::TransferSyntax {
    use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
    dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(uid)
        .unwrap()
}

#[test]
fn bare_data_sets_become_part10_files() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, encoding) in [
        (
            "pydicom__ExplVR_LitEndNoMeta.dcm",
            BareEncoding::ExplicitVrLittleEndian,
        ),
        (
            "pydicom__ExplVR_BigEndNoMeta.dcm",
            BareEncoding::ExplicitVrBigEndian,
        ),
        (
            "pydicom__rtstruct.dcm",
            BareEncoding::ImplicitVrLittleEndian,
        ),
    ] {
        let path = corpus(name);
        let loaded = io::load(&path, &ReadOptions::default()).unwrap();
        assert_eq!(loaded.how(), ReadMode::BareDataSet { encoding }, "{name}");
        assert!(!loaded.had_meta());
        assert_eq!(loaded.transfer_syntax(), encoding.uid());
        let reference = InMemDicomObject::read_dataset_with_ts(
            File::open(&path).unwrap(),
            registry_ts(encoding.uid()),
        )
        .unwrap();
        let sop_class = reference
            .element(tags::SOP_CLASS_UID)
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches('\0')
            .to_owned();

        let out_path = tmp.path().join(name);
        io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap();
        let out = dicom_object::open_file(&out_path).unwrap();
        assert_eq!(out.meta().transfer_syntax(), encoding.uid());
        assert_eq!(out.meta().media_storage_sop_class_uid(), sop_class);
        assert_eq!(
            canonical_dump_dataset(&out),
            canonical_dump_dataset(&reference),
            "{name}"
        );
        assert_eq!(dcmdump_errors(&out_path).unwrap_or_default(), "", "{name}");
    }
}

#[test]
fn engine_changes_are_written_and_pixel_data_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let src = corpus("pydicom__CT_small.dcm");
    let mut loaded = io::load(&src, &ReadOptions::default()).unwrap();
    assert_eq!(loaded.how(), ReadMode::Streamed);
    assert!(
        loaded.object.get(Tag(0xFFFC, 0xFFFC)).is_some(),
        "trailing element visible"
    );
    loaded.object.put(DataElement::new(
        tags::PATIENT_NAME,
        VR::PN,
        PrimitiveValue::from("Anonymous"),
    ));
    loaded.object.remove_element(Tag(0xFFFC, 0xFFFC));
    loaded.object.put(DataElement::new(
        Tag(0x7FE1, 0x0010),
        VR::LO,
        "KEPT CREATOR",
    ));
    let out_path = tmp.path().join("out.dcm");
    io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap();

    let out = dicom_object::open_file(&out_path).unwrap();
    let original = dicom_object::open_file(&src).unwrap();
    assert_eq!(
        out.element(tags::PATIENT_NAME).unwrap().to_str().unwrap(),
        "Anonymous"
    );
    assert!(out.get(Tag(0xFFFC, 0xFFFC)).is_none());
    assert_eq!(
        out.element(Tag(0x7FE1, 0x0010)).unwrap().to_str().unwrap(),
        "KEPT CREATOR"
    );
    assert_eq!(
        pixel_line(&canonical_dump(&out)),
        pixel_line(&canonical_dump(&original))
    );
}

#[test]
fn write_refuses_inconsistent_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let src = corpus("pydicom__CT_small.dcm");
    let out_path = tmp.path().join("out.dcm");

    let mut loaded = io::load(&src, &ReadOptions::default()).unwrap();
    loaded.object.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        dicom_value!(U16, [1, 2]),
    ));
    let err = io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap_err();
    assert!(matches!(err, io::WriteError::PixelDataConflict), "{err}");

    let mut loaded = io::load(&src, &ReadOptions::default()).unwrap();
    loaded
        .object
        .update_meta(|m| m.transfer_syntax = "1.2.840.10008.1.2".to_owned());
    let err = io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the transfer syntax was changed from `1.2.840.10008.1.2.1` to `1.2.840.10008.1.2` after reading; re-encoding is not supported"
    );

    // the source shrinks between load and write
    let copy = tmp.path().join("copy.dcm");
    fs::copy(&src, &copy).unwrap();
    let loaded = io::load(&copy, &ReadOptions::default()).unwrap();
    let f = fs::OpenOptions::new().write(true).open(&copy).unwrap();
    f.set_len(fs::metadata(&copy).unwrap().len() - 1000)
        .unwrap();
    let err = io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap_err();
    assert!(matches!(err, io::WriteError::SourceChanged { .. }), "{err}");
}

#[test]
fn odd_length_native_pixel_data_is_padded_like_dicom_object_does() {
    let mut ds = explicit_header(0x0008, 0x0016, b"UI", 26);
    ds.extend_from_slice(b"1.2.840.10008.5.1.4.1.1.7\0");
    ds.extend(explicit_header(0x7FE0, 0x0010, b"OB", 5));
    ds.extend_from_slice(&[1, 2, 3, 4, 5]);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("odd.dcm");
    fs::write(&path, part10("1.2.840.10008.1.2.1", &ds)).unwrap();
    let (mode, dump) = both_modes_agree(&path);
    assert_eq!(mode, ReadMode::Streamed);
    assert!(dump.contains("(7FE0,0010) OB PixelData <6 bytes"), "{dump}");
}

#[test]
fn encapsulated_pixel_data_labelled_ow_is_written_as_ob() {
    let ow = b"\xe0\x7f\x10\x00OW\0\0\xff\xff\xff\xff";
    let ob = b"\xe0\x7f\x10\x00OB\0\0\xff\xff\xff\xff";
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "pydicom__MR_small_jp2klossless.dcm",
        "pydicom__rtdose_rle.dcm",
    ] {
        let src = fs::read(corpus(name)).unwrap();
        assert!(rfind(&src, ow).is_some());
        let (out, mode) =
            round_trip(&corpus(name), &ReadOptions::default(), tmp.path(), name).unwrap();
        assert_eq!(mode, ReadMode::Streamed);
        let out = fs::read(out).unwrap();
        assert!(rfind(&out, ow).is_none(), "{name}");
        assert!(rfind(&out, ob).is_some(), "{name}");
    }
}
