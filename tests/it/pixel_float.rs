//! Float (7FE0,0008) and Double Float Pixel Data (7FE0,0009) under a matching pixel rule
//! (issue 14): blacked out (0.0 inside the rectangle, every other sample unchanged) or, when
//! the header does not describe them, refused; never written with the text while claiming
//! clean pixels. The files are built here (a parametric map, 6 × 4, two frames).

use crate::pixel::{codes, run_files, text_of};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use std::path::{Path, PathBuf};

const ROWS: u16 = 4;
const COLS: u16 = 6;
const FRAMES: usize = 2;

/// A parametric map whose samples are `1.5 + index`, as Float or Double Float Pixel Data.
fn build(dir: &Path, name: &str, double: bool, bits_allocated: u16) -> PathBuf {
    let n = usize::from(ROWS) * usize::from(COLS) * FRAMES;
    let uid = format!("1.2.826.0.1.3680043.10.1080.14.90.{}", u8::from(double));
    let mut obj = InMemDicomObject::new_empty();
    let s = |obj: &mut InMemDicomObject, tag: Tag, vr: VR, v: &str| {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    };
    s(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.5.1.4.1.1.30",
    );
    s(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &uid);
    s(
        &mut obj,
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        "1.2.826.0.1.3680043.10.1080.14.91",
    );
    s(
        &mut obj,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        "1.2.826.0.1.3680043.10.1080.14.92",
    );
    s(&mut obj, tags::MODALITY, VR::CS, "MR");
    s(&mut obj, tags::MANUFACTURER, VR::LO, "ACME Medical");
    s(&mut obj, tags::PATIENT_NAME, VR::PN, "DOE^JANE");
    s(
        &mut obj,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        "MONOCHROME2",
    );
    s(&mut obj, tags::NUMBER_OF_FRAMES, VR::IS, "2");
    for (tag, v) in [
        (tags::SAMPLES_PER_PIXEL, 1u16),
        (tags::ROWS, ROWS),
        (tags::COLUMNS, COLS),
        (tags::BITS_ALLOCATED, bits_allocated),
    ] {
        obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    }
    let values = (0..n).map(|i| 1.5 + i as f64);
    if double {
        obj.put(DataElement::new(
            tags::DOUBLE_FLOAT_PIXEL_DATA,
            VR::OD,
            PrimitiveValue::F64(values.collect()),
        ));
    } else {
        obj.put(DataElement::new(
            tags::FLOAT_PIXEL_DATA,
            VR::OF,
            PrimitiveValue::F32(values.map(|v| v as f32).collect()),
        ));
    }
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax("1.2.840.10008.1.2.1")
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.30")
        .media_storage_sop_instance_uid(&uid)
        .build()
        .unwrap();
    let path = dir.join(name);
    obj.with_exact_meta(meta).write_to_file(&path).unwrap();
    path
}

/// The samples of the output as f64.
fn samples(path: &Path, double: bool) -> Vec<f64> {
    let obj = dicom_object::open_file(path).unwrap();
    let tag = if double {
        tags::DOUBLE_FLOAT_PIXEL_DATA
    } else {
        tags::FLOAT_PIXEL_DATA
    };
    let bytes = obj.element(tag).unwrap().to_bytes().unwrap().to_vec();
    if double {
        bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    } else {
        bytes
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
            .collect()
    }
}

fn profile(dir: &Path) -> String {
    let p = dir.join("p.anon");
    std::fs::write(
        &p,
        "include builtin:basic\nwhen Manufacturer ~ r\"^ACME\" {\n  pixel blackout (1, 1, 2, 2)\n}\n",
    )
    .unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn float_and_double_float_pixel_data_are_blacked_out() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        build(tmp.path(), "float.dcm", false, 32),
        build(tmp.path(), "double.dcm", true, 64),
    ];
    let p = profile(tmp.path());
    let (code, text, report, dir) = run_files(&files, &["--profile", &p]);
    assert_eq!(code, 0, "{text}");
    for (name, double) in [("float.dcm", false), ("double.dcm", true)] {
        let line = &report[name];
        assert_eq!(line["outcome"], "written", "{line}");
        assert_eq!(line["counts"]["pixel-blackout"], 1, "{line}");
        let out = dir.path().join("out").join(name);
        let got = samples(&out, double);
        assert_eq!(got.len(), usize::from(ROWS) * usize::from(COLS) * FRAMES);
        for (i, v) in got.iter().enumerate() {
            let (x, y) = (
                i % usize::from(COLS),
                (i / usize::from(COLS)) % usize::from(ROWS),
            );
            let inside = (1..3).contains(&x) && (1..3).contains(&y);
            let want = if inside { 0.0 } else { 1.5 + i as f64 };
            assert_eq!(*v, want, "{name}: sample {i} ({x}, {y})");
        }
        let obj = dicom_object::open_file(&out).unwrap();
        assert_eq!(codes(&obj), ["113100", "113101"], "{name}");
        assert_eq!(
            text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
            Some("NO")
        );
    }
}

#[test]
fn float_pixel_data_the_header_does_not_describe_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [build(tmp.path(), "float16.dcm", false, 16)];
    let p = profile(tmp.path());
    let (code, text, report, dir) = run_files(&files, &["--profile", &p]);
    assert_eq!(code, 1, "{text}");
    let line = &report["float16.dcm"];
    assert_eq!(line["outcome"], "rejected", "{line}");
    let why = line["reason"].as_str().unwrap();
    assert!(why.contains("Float Pixel Data (7FE0,0008)"), "{why}");
    assert!(!dir.path().join("out/float16.dcm").exists());
}
