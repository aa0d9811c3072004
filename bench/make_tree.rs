//! Benchmark inputs (not a test, not run by CI): `bench/run.sh` calls this.
//!
//! ```text
//! cargo run --release --example bench_make_tree -- tree CORPUS_DIR OUT_DIR N
//! cargo run --release --example bench_make_tree -- large OUT.dcm MB native|encapsulated
//! ```
//!
//! `tree` writes N files in `P0000/ST0/SE0/IM00000.dcm` folders (80 files per patient,
//! 2 studies of 2 series of 20 instances), taken in turn from the readable files of the
//! corpus (dicom-object opens them; DICOMDIRs are left out). Each copy gets its own
//! Patient ID and Name, Study, Series and SOP Instance UIDs and Study Date, so every file
//! differs and the keyed mappings do real work. Prints the file count and total bytes.
//!
//! `large` writes one file with MB mebibytes of pixel data (512x512 16-bit frames), without
//! holding it in memory: the header through dicom-object, then the Pixel Data written
//! in 1 MiB blocks (native OW, or encapsulated with an empty basic offset table and one
//! fragment per frame), then a (FFFC,FFFC) Data Set Trailing Padding element after it.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark input generator"
)]

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileDicomObject, FileMetaTableBuilder, InMemDicomObject, open_file};

const ROOT: &str = "1.2.826.0.1.3680043.10.543.7";

fn usage() -> ! {
    eprintln!(
        "usage: bench_make_tree tree CORPUS_DIR OUT_DIR N\n       bench_make_tree large OUT.dcm MB native|encapsulated"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["tree", corpus, out, n] => tree(Path::new(corpus), Path::new(out), n.parse().unwrap()),
        ["large", out, mb, kind] => large(
            Path::new(out),
            mb.parse().unwrap(),
            match *kind {
                "native" => false,
                "encapsulated" => true,
                _ => usage(),
            },
        ),
        _ => usage(),
    }
}

fn fixtures(corpus: &Path) -> Vec<(PathBuf, FileDicomObject<InMemDicomObject>)> {
    let mut paths: Vec<PathBuf> = fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let obj = open_file(&p).ok()?;
            let dicomdir = obj.meta().media_storage_sop_class_uid() == "1.2.840.10008.1.3.10"
                || obj.get(tags::DIRECTORY_RECORD_SEQUENCE).is_some();
            let has_instance = obj.get(tags::SOP_INSTANCE_UID).is_some();
            // an instance that says Burned In Annotation YES is rejected by the default
            // profile (no signature cleans it): the tree is for timing runs that write
            // every file, so it is left out
            let burned_in = obj
                .get(tags::BURNED_IN_ANNOTATION)
                .and_then(|e| e.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("YES"));
            (!dicomdir && has_instance && !burned_in).then_some((p, obj))
        })
        .collect()
}

fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn tree(corpus: &Path, out: &Path, n: usize) {
    let fixtures = fixtures(corpus);
    assert!(
        !fixtures.is_empty(),
        "no readable fixture in {}",
        corpus.display()
    );
    let mut bytes = 0u64;
    for i in 0..n {
        let (_, src) = &fixtures[i % fixtures.len()];
        let (patient, study, series) = (i / 80, (i / 40) % 2, (i / 20) % 2);
        let mut obj = src.clone();
        let study_uid = format!("{ROOT}.{patient}.{study}");
        let series_uid = format!("{study_uid}.{series}");
        let instance_uid = format!("{series_uid}.{i}");
        put_str(
            &mut obj,
            tags::PATIENT_ID,
            VR::LO,
            &format!("BENCH-{patient:05}"),
        );
        put_str(
            &mut obj,
            tags::PATIENT_NAME,
            VR::PN,
            &format!("Bench^Patient{patient}"),
        );
        put_str(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, &study_uid);
        put_str(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, &series_uid);
        put_str(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &instance_uid);
        let day = 1 + (patient * 2 + study) % 28;
        put_str(
            &mut obj,
            tags::STUDY_DATE,
            VR::DA,
            &format!("2019{:02}{day:02}", 1 + patient % 12),
        );
        obj.update_meta(|m| m.media_storage_sop_instance_uid = instance_uid.clone());
        let dir = out.join(format!("P{patient:04}/ST{study}/SE{series}"));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("IM{i:05}.dcm"));
        obj.write_to_file(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        bytes += fs::metadata(&path).unwrap().len();
    }
    println!("{n} files, {bytes} bytes, {} fixtures", fixtures.len());
}

fn large(out: &Path, mb: u64, encapsulated: bool) {
    const ROWS: u16 = 512;
    const COLS: u16 = 512;
    let frame = u64::from(ROWS) * u64::from(COLS) * 2;
    let frames = (mb << 20) / frame;
    let ts = if encapsulated {
        "1.2.840.10008.1.2.5" // RLE Lossless: the bytes are never decoded
    } else {
        "1.2.840.10008.1.2.1"
    };
    let mut obj = InMemDicomObject::new_empty();
    let instance = format!("{ROOT}.9.{}", u8::from(encapsulated));
    put_str(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.5.1.4.1.1.2",
    );
    put_str(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &instance);
    put_str(&mut obj, tags::STUDY_DATE, VR::DA, "20190301");
    put_str(&mut obj, tags::MODALITY, VR::CS, "CT");
    put_str(&mut obj, tags::PATIENT_NAME, VR::PN, "Large^File");
    put_str(&mut obj, tags::PATIENT_ID, VR::LO, "BENCH-LARGE");
    put_str(
        &mut obj,
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        &format!("{ROOT}.9"),
    );
    put_str(
        &mut obj,
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        &format!("{ROOT}.9.0"),
    );
    obj.put(DataElement::new(
        tags::SAMPLES_PER_PIXEL,
        VR::US,
        PrimitiveValue::from(1u16),
    ));
    put_str(
        &mut obj,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        "MONOCHROME2",
    );
    put_str(
        &mut obj,
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        &frames.to_string(),
    );
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(ROWS),
    ));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(COLS),
    ));
    for (tag, v) in [
        (tags::BITS_ALLOCATED, 16u16),
        (tags::BITS_STORED, 16),
        (tags::HIGH_BIT, 15),
        (tags::PIXEL_REPRESENTATION, 0),
    ] {
        obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    }
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(ts)
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.2")
        .media_storage_sop_instance_uid(&instance)
        .build()
        .unwrap();
    let file = obj.with_exact_meta(meta);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out).unwrap());
    file.write_all(&mut w).unwrap();

    // a block of pseudo-random bytes, repeated
    let mut block = vec![0u8; frame as usize];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in block.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let header = |w: &mut BufWriter<File>, g: u16, e: u16, vr: &[u8; 2], len: u32| {
        w.write_all(&g.to_le_bytes()).unwrap();
        w.write_all(&e.to_le_bytes()).unwrap();
        w.write_all(vr).unwrap();
        w.write_all(&[0, 0]).unwrap();
        w.write_all(&len.to_le_bytes()).unwrap();
    };
    let item = |w: &mut BufWriter<File>, e: u16, len: u32| {
        w.write_all(&0xFFFEu16.to_le_bytes()).unwrap();
        w.write_all(&e.to_le_bytes()).unwrap();
        w.write_all(&len.to_le_bytes()).unwrap();
    };
    if encapsulated {
        header(&mut w, 0x7FE0, 0x0010, b"OB", u32::MAX);
        item(&mut w, 0xE000, 0); // empty basic offset table
        for _ in 0..frames {
            item(&mut w, 0xE000, frame as u32);
            w.write_all(&block).unwrap();
        }
        item(&mut w, 0xE0DD, 0);
    } else {
        header(&mut w, 0x7FE0, 0x0010, b"OW", (frames * frame) as u32);
        for _ in 0..frames {
            w.write_all(&block).unwrap();
        }
    }
    header(&mut w, 0xFFFC, 0xFFFC, b"OB", 16);
    w.write_all(&[0u8; 16]).unwrap();
    w.flush().unwrap();
    println!(
        "{}: {} bytes, {frames} frames",
        out.display(),
        fs::metadata(out).unwrap().len()
    );
}
