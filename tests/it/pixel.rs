//! Burned-in text (issue 14): pixel blackout at the io layer, checked by independent
//! readers. The images (tests/data/burned-in/, made by scripts/gen-burned-in.py) carry a
//! name, an ID and a date rendered in the band y = 0..60.
//!
//! - OCR (tesseract, reading what DCMTK's `dcmj2pnm` renders) finds the identifiers in each
//!   input and none of them in the output;
//! - every pixel outside the regions is compared: byte for byte with the source for native
//!   data, with DCMTK's decoding (`dcmdjpeg`) for JPEG (within the decoders' rounding);
//! - `dciodvfy` finds no error in the outputs.

use crate::support::{root, skipped};
use dicom_anonymizer::io::pixel::Region;
use dicom_anonymizer::io::{self, ReadOptions};
use dicom_dictionary_std::tags;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/data/burned-in").join(name)
}

/// The band the generator draws the identifiers into.
pub const BAND: Region = Region {
    x: 0,
    y: 0,
    width: 400,
    height: 60,
};

/// Identifier fragments that must not survive (tesseract reads `^` as `*` or drops it).
pub const IDENTIFIERS: &[&str] = &["DOE", "JANE", "73194628", "2024"];

fn black_out(src: &Path, dst: &Path, regions: &[Region], in_memory: bool) -> io::pixel::Blackout {
    let opts = ReadOptions {
        force_in_memory: in_memory,
        ..ReadOptions::default()
    };
    let mut loaded = io::read::load(src, &opts).unwrap();
    let done = loaded.black_out(regions, 1 << 30).unwrap();
    let mut out = std::fs::File::create(dst).unwrap();
    io::write::write(loaded, &mut out).unwrap();
    done
}

struct Image {
    rows: usize,
    cols: usize,
    samples: usize,
    bytes_per_sample: usize,
    planar: bool,
    frames: usize,
    ts: String,
    photometric: String,
    data: Vec<u8>,
}

fn image(path: &Path) -> Image {
    let obj = dicom_object::open_file(path).unwrap();
    let int = |t| obj.element(t).unwrap().to_int::<usize>().unwrap();
    let opt = |t| obj.get(t).map(|e| e.to_int::<usize>().unwrap());
    let samples = int(tags::SAMPLES_PER_PIXEL);
    Image {
        rows: int(tags::ROWS),
        cols: int(tags::COLUMNS),
        samples,
        bytes_per_sample: int(tags::BITS_ALLOCATED) / 8,
        planar: samples > 1 && opt(tags::PLANAR_CONFIGURATION) == Some(1),
        frames: opt(tags::NUMBER_OF_FRAMES).unwrap_or(1),
        ts: obj
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .to_string(),
        photometric: obj
            .element(tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_string(),
        data: obj
            .element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .to_vec(),
    }
}

impl Image {
    /// Byte offsets of sample `s` of pixel (x, y) in frame `f` (PS3.5 8.2, written out here
    /// independently of the tool's code).
    fn offsets(&self, f: usize, s: usize, x: usize, y: usize) -> std::ops::Range<usize> {
        let b = self.bytes_per_sample;
        let frame = self.rows * self.cols * self.samples * b;
        let at = if self.planar {
            f * frame + s * self.rows * self.cols * b + (y * self.cols + x) * b
        } else {
            f * frame + ((y * self.cols + x) * self.samples + s) * b
        };
        at..at + b
    }
}

fn inside(regions: &[Region], x: usize, y: usize) -> bool {
    regions.iter().any(|r| {
        (r.x as usize..(r.x + r.width) as usize).contains(&x)
            && (r.y as usize..(r.y + r.height) as usize).contains(&y)
    })
}

/// Every sample inside the regions is zero; every one outside is within `tolerance` of
/// the reference (0: equal bytes). Returns the samples compared outside.
fn compare(reference: &Image, out: &Image, regions: &[Region], tolerance: u8) -> usize {
    assert_eq!(
        (
            reference.rows,
            reference.cols,
            reference.samples,
            reference.frames
        ),
        (out.rows, out.cols, out.samples, out.frames)
    );
    let mut outside = 0;
    for f in 0..out.frames {
        for y in 0..out.rows {
            for x in 0..out.cols {
                for s in 0..out.samples {
                    let o = &out.data[out.offsets(f, s, x, y)];
                    if inside(regions, x, y) {
                        assert!(
                            o.iter().all(|b| *b == 0),
                            "frame {f} ({x}, {y}) sample {s} not black"
                        );
                    } else {
                        let r = &reference.data[reference.offsets(f, s, x, y)];
                        for (a, b) in r.iter().zip(o) {
                            assert!(
                                a.abs_diff(*b) <= tolerance,
                                "frame {f} ({x}, {y}) sample {s}: {a} became {b}"
                            );
                        }
                        outside += 1;
                    }
                }
            }
        }
    }
    // the bytes after the last frame (padding) are kept too
    let end = out.frames * out.rows * out.cols * out.samples * out.bytes_per_sample;
    if tolerance == 0 {
        assert_eq!(reference.data.get(end..), out.data.get(end..));
    }
    outside
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
}

/// What tesseract reads in the image DCMTK renders of `path` (`None`: a tool is missing).
pub fn ocr(path: &Path) -> Option<String> {
    if !have("tesseract") || !have("dcmj2pnm") {
        skipped("OCR of pixel data (tesseract, dcmj2pnm)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let pnm = dir.path().join("image.pnm");
    let ok = Command::new("dcmj2pnm")
        .arg(path)
        .arg(&pnm)
        .status()
        .unwrap()
        .success();
    assert!(ok, "dcmj2pnm could not render {}", path.display());
    let out = Command::new("tesseract")
        .arg(&pnm)
        .arg("stdout")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tesseract failed on {}",
        path.display()
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// OCR finds every identifier in `input` and none in `output`.
pub fn assert_text_removed(input: &Path, output: &Path) {
    let Some(before) = ocr(input) else { return };
    for id in IDENTIFIERS {
        assert!(
            before.contains(id),
            "OCR does not find {id} in the input: {before:?}"
        );
    }
    let after = ocr(output).unwrap_or_default();
    for id in IDENTIFIERS {
        assert!(
            !after.contains(id),
            "OCR still finds {id} in the output: {after:?}"
        );
    }
}

/// `dciodvfy` reports no error for `path`.
pub fn assert_valid(path: &Path) {
    if !have("dciodvfy") && Command::new("dciodvfy").output().is_err() {
        skipped("dciodvfy");
        return;
    }
    let out = Command::new("dciodvfy")
        .arg("-new")
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let errors: Vec<_> = text.lines().filter(|l| l.starts_with("Error")).collect();
    assert!(
        errors.is_empty(),
        "dciodvfy on {}: {errors:#?}",
        path.display()
    );
}

#[test]
fn native_ultrasound_streamed_and_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("us-native.dcm");
    for in_memory in [false, true] {
        let dst = dir.path().join(format!("out-{in_memory}.dcm"));
        let done = black_out(&src, &dst, &[BAND], in_memory);
        assert_eq!(done.applied, vec![true]);
        assert_eq!(done.decoded_from, None);
        let (a, b) = (image(&src), image(&dst));
        assert_eq!(b.ts, "1.2.840.10008.1.2.1");
        assert!(compare(&a, &b, &[BAND], 0) > 300 * 400 * 2);
        assert_text_removed(&src, &dst);
        assert_valid(&dst);
    }
}

#[test]
fn every_frame_every_layout() {
    let dir = tempfile::tempdir().unwrap();
    let regions = [Region::new(3, 2, 10, 7), Region::new(50, 40, 100, 100)];
    for name in [
        "us-planar-3frames.dcm",
        "sc-mono16-2frames.dcm",
        "sc-burned.dcm",
    ] {
        let src = fixture(name);
        for in_memory in [false, true] {
            let dst = dir.path().join(format!("{name}-{in_memory}"));
            let done = black_out(&src, &dst, &regions, in_memory);
            let (a, b) = (image(&src), image(&dst));
            assert_eq!(done.frames as usize, a.frames);
            compare(&a, &b, &regions, 0);
        }
    }
}

#[test]
fn region_outside_the_image_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("us-unflagged.dcm");
    let dst = dir.path().join("out.dcm");
    let regions = [Region::new(0, 0, 8, 8), Region::new(80, 0, 10, 10)];
    let done = black_out(&src, &dst, &regions, false);
    assert_eq!(done.applied, vec![true, false]);
    compare(&image(&src), &image(&dst), &regions, 0);
}

#[test]
fn jpeg_baseline_is_decoded_blacked_out_and_written_native() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("us-jpeg.dcm");
    for in_memory in [false, true] {
        let dst = dir.path().join(format!("out-{in_memory}.dcm"));
        let done = black_out(&src, &dst, &[BAND], in_memory);
        assert_eq!(done.decoded_from.as_deref(), Some("1.2.840.10008.1.2.4.50"));
        let out = image(&dst);
        assert_eq!(out.ts, "1.2.840.10008.1.2.1");
        assert_eq!(out.photometric, "RGB");
        assert!(!out.planar);
        let obj = dicom_object::open_file(&dst).unwrap();
        let text = |t| obj.element(t).unwrap().to_str().unwrap().trim().to_string();
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION), "01");
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION_METHOD), "ISO_10918_1");
        assert!(obj.get(tags::LOSSY_IMAGE_COMPRESSION_RATIO).is_some());
        // an independent decoder (DCMTK) gives the reference outside the band
        if have("dcmdjpeg") {
            let reference = dir.path().join("ref.dcm");
            let ok = Command::new("dcmdjpeg")
                .arg(&src)
                .arg(&reference)
                .status()
                .unwrap()
                .success();
            assert!(ok);
            let r = image(&reference);
            assert_eq!(r.photometric, "RGB");
            compare(&r, &out, &[BAND], 12);
        } else {
            skipped("dcmdjpeg");
        }
        assert_text_removed(&src, &dst);
        assert_valid(&dst);
    }
}

#[test]
fn undecodable_syntax_is_refused() {
    // JPEG 2000 from the corpus: no pure-Rust decoder is built in
    let src = root().join("tests/data/samples/site-b/patient-4/nm/IM0001.dcm");
    let mut loaded = io::read::load(&src, &ReadOptions::default()).unwrap();
    let err = loaded
        .black_out(&[Region::new(0, 0, 4, 4)], 1 << 30)
        .unwrap_err();
    assert!(
        matches!(err, io::pixel::PixelError::NoDecoder { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("1.2.840.10008.1.2.4.9"), "{err}");
}

// --- the whole run: pixel rules in the language, the policy, the claims ------------------

/// What [`run`] returns: (exit code, stdout+stderr, the report lines by file name, the
/// folder with `out/`).
pub type RunResult = (
    i32,
    String,
    std::collections::BTreeMap<String, serde_json::Value>,
    tempfile::TempDir,
);

/// `run` of `inputs` (fixture names) with `args`.
fn run(inputs: &[&str], args: &[&str]) -> RunResult {
    let paths: Vec<PathBuf> = inputs.iter().map(|i| fixture(i)).collect();
    run_files(&paths, args)
}

/// `run` of copies of the files `inputs` with `args`.
pub fn run_files(inputs: &[PathBuf], args: &[&str]) -> RunResult {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for i in inputs {
        std::fs::copy(i, src.join(i.file_name().unwrap())).unwrap();
    }
    let report = dir.path().join("report.jsonl");
    let out = crate::support::bin()
        .arg("run")
        .args(args)
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            let name = Path::new(v["source"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, v)
        })
        .collect();
    (out.status.code().unwrap_or(-1), text, lines, dir)
}

pub fn text_of(obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> Option<String> {
    obj.get(tag).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches(['\0', ' '])
            .to_string()
    })
}

pub fn codes(obj: &dicom_object::DefaultDicomObject) -> Vec<String> {
    let Some(e) = obj.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE) else {
        return Vec::new();
    };
    e.items()
        .unwrap()
        .iter()
        .map(|i| {
            i.element(tags::CODE_VALUE)
                .unwrap()
                .to_str()
                .unwrap()
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn a_matched_ultrasound_is_cleaned_and_says_so() {
    let acme = fixture("acme.anon");
    let (code, text, report, dir) = run(
        &["us-native.dcm", "us-jpeg.dcm"],
        &[
            "--profile",
            "builtin:basic",
            "--profile",
            acme.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
    for name in ["us-native.dcm", "us-jpeg.dcm"] {
        let line = &report[name];
        assert_eq!(line["outcome"], "written", "{line}");
        assert_eq!(line["counts"]["pixel-blackout"], 1, "{line}");
        assert!(line.get("warnings").is_none(), "{line}");
        let src = fixture(name);
        let out = dir.path().join("out").join(name);
        let obj = dicom_object::open_file(&out).unwrap();
        assert_eq!(
            text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
            Some("NO")
        );
        assert_eq!(codes(&obj), ["113100", "113101"]);
        assert_eq!(text_of(&obj, tags::PATIENT_NAME).as_deref(), Some(""));
        assert_text_removed(&src, &out);
        assert_valid(&out);
        if name == "us-native.dcm" {
            compare(&image(&src), &image(&out), &[BAND], 0);
        }
    }
    // `plan` shows the rule under its condition
    let plan = crate::support::bin()
        .args(["plan", "--profile", acme.to_str().unwrap()])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(
        shown.contains("when Manufacturer ~ \"(?i)^ACME\" and ManufacturerModelName == \"SONO 1\" and Rows == 300 {\n    pixel blackout (0, 0, 400, 60)  # "),
        "{shown}"
    );
}

#[test]
fn unmatched_burned_in_text_is_refused_or_flagged() {
    let files = ["sc-burned.dcm", "us-unflagged.dcm"];
    // default: YES rejected, a screen-capture class flagged
    let (code, text, report, dir) = run(&files, &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["sc-burned.dcm"]["outcome"], "rejected");
    let why = report["sc-burned.dcm"]["reason"].as_str().unwrap();
    assert!(
        why.contains("Burned In Annotation (0028,0301) is YES"),
        "{why}"
    );
    assert!(!dir.path().join("out/sc-burned.dcm").exists());
    let us = &report["us-unflagged.dcm"];
    assert_eq!(us["outcome"], "written");
    assert!(
        us["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("burned-in-risk: "),
        "{us}"
    );
    assert!(
        text.contains("1 rejected, 1 flagged burned-in-risk"),
        "{text}"
    );
    assert!(
        text.contains("us-unflagged.dcm: warning: burned-in-risk"),
        "{text}"
    );
    // warn: both written and flagged
    let (code, text, report, _dir) = run(&files, &["--on-burned-in", "warn"]);
    assert_eq!(code, 0, "{text}");
    for f in files {
        assert_eq!(report[f]["outcome"], "written");
        assert!(
            report[f]["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with("burned-in-risk")
        );
    }
    assert!(text.contains("2 flagged burned-in-risk"), "{text}");
    // reject: both rejected
    let (code, _, report, _dir) = run(&files, &["--on-burned-in", "reject"]);
    assert_eq!(code, 1);
    for f in files {
        assert_eq!(report[f]["outcome"], "rejected");
    }
    // keep: both written, nothing flagged
    let (code, text, report, _dir) = run(&files, &["--on-burned-in", "keep"]);
    assert_eq!(code, 0, "{text}");
    for f in files {
        assert_eq!(report[f]["outcome"], "written");
        assert!(report[f].get("warnings").is_none());
    }
    assert!(!text.contains("burned-in-risk"), "{text}");
}

#[test]
fn a_signature_whose_rectangle_misses_the_image_claims_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\nwhen Manufacturer ~ r\"ACME\" {\n  pixel blackout (0, 0, 400, 60), (1000, 1000, 5, 5)\n}\n",
    )
    .unwrap();
    let (code, text, report, dir) = run(
        &["us-native.dcm"],
        &[
            "--profile",
            profile.to_str().unwrap(),
            "--on-burned-in",
            "warn",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let line = &report["us-native.dcm"];
    assert!(
        line["warnings"][0]
            .as_str()
            .unwrap()
            .contains("outside the image"),
        "{line}"
    );
    let obj = dicom_object::open_file(dir.path().join("out/us-native.dcm")).unwrap();
    assert_eq!(codes(&obj), ["113100"]);
    assert_eq!(
        text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
        Some("YES")
    );
    // by default the instance, which says YES and is not cleaned whole, is rejected
    let (code, text, report, dir) = run(
        &["us-native.dcm"],
        &["--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{text}");
    let line = &report["us-native.dcm"];
    assert_eq!(line["outcome"], "rejected", "{line}");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("outside the image"),
        "{line}"
    );
    assert!(!dir.path().join("out/us-native.dcm").exists());
}
