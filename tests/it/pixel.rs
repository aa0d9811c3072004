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

mod io_layer;
mod whole_run;

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
