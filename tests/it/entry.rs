//! The entry point (`Deidentifier`) against `run`: for every corpus file, `bytes()` gives
//! exactly the bytes that `run` writes with the same key, `dataset()` gives an
//! element-equal data set, `file()` the same file, and what `run` refuses the entry point
//! refuses the same way.

use std::path::{Path, PathBuf};

use dicom_anonymizer::dump::canonical_dump;
use dicom_anonymizer::io::read::{self, ReadOptions};
use dicom_anonymizer::io::report::Outcome;
use dicom_anonymizer::profile::{self, Entry};
use dicom_anonymizer::{Deidentifier, Keys, Policy, Stopped};

use crate::support::{bin, root};

const KEY: &[u8] = b"entry-point-key-0123456789abcdef";

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/data/corpus/files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// `run` over the corpus folder with the key; returns the output folder.
fn run_corpus(tmp: &Path) -> PathBuf {
    let key = tmp.join("key.bin");
    std::fs::write(&key, KEY).unwrap();
    let out = tmp.join("out");
    bin()
        .arg("run")
        .arg("--key-file")
        .arg(&key)
        .arg("-q")
        .arg(root().join("tests/data/corpus/files"))
        .arg(&out)
        .assert()
        .code(1); // the corpus holds unreadable files on purpose
    out
}

#[test]
fn bytes_dataset_and_file_agree_with_run_on_every_corpus_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_corpus(tmp.path());
    let plan = profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
        Entry::Builtin("pixel-signatures".into()),
    ])
    .plan
    .unwrap();
    let keys = Keys::from_bytes(KEY);
    let deid = Deidentifier::new(&plan, &keys, Policy::default());
    let (mut same_bytes, mut same_dataset, mut refused) = (0, 0, 0);
    let mut problems = Vec::new();
    for src in corpus_files() {
        let name = src.file_name().unwrap().to_owned();
        let written = out.join(&name);
        let input = std::fs::read(&src).unwrap();
        let by_bytes = deid.bytes(&input);
        let by_file = deid.file(&src, &tmp.path().join("file").join(&name));
        if !written.exists() {
            // refused by run: refused here too, with the same outcome
            refused += 1;
            match &by_bytes {
                Err(stop) => {
                    assert_eq!(stop.outcome(), by_file.outcome, "{}", src.display());
                    assert_eq!(Some(stop.reason()), by_file.error.as_deref());
                }
                Ok(_) => problems.push(format!("{}: run refused, bytes() wrote", src.display())),
            }
            continue;
        }
        let expected = std::fs::read(&written).unwrap();
        match by_bytes {
            Ok(d) if d.bytes == expected => same_bytes += 1,
            Ok(_) => problems.push(format!("{}: bytes() differ from run", src.display())),
            Err(e) => problems.push(format!("{}: bytes() refused: {e}", src.display())),
        }
        assert_eq!(by_file.outcome, Outcome::Written, "{}", src.display());
        let by_file_bytes = std::fs::read(by_file.output.as_ref().unwrap()).unwrap();
        assert!(
            by_file_bytes == expected,
            "{}: file() differs",
            src.display()
        );
        assert_eq!(by_file.bytes, expected.len() as u64);

        // dataset(): on dicom-object's own full read where it can read the file, else on
        // this crate's reader's in-memory read (bare data sets)
        let mut obj = match dicom_object::open_file(&src) {
            Ok(o) => o,
            Err(_) => {
                let forced = ReadOptions {
                    force_in_memory: true,
                    ..ReadOptions::default()
                };
                read::load(&src, &forced).unwrap().object
            }
        };
        match deid.dataset(&mut obj) {
            Ok(_) => {
                // element-equal as written: in memory a few values keep another
                // representation that encodes to the same bytes (an empty UI as one empty
                // string, an AT read as UN as its bytes)
                let want = canonical_dump(&dicom_object::open_file(&written).unwrap());
                let again = tmp.path().join("dataset.dcm");
                obj.write_to_file(&again).unwrap();
                let obj = dicom_object::open_file(&again).unwrap();
                if canonical_dump(&obj) == want {
                    same_dataset += 1;
                } else {
                    let got = canonical_dump(&obj);
                    let diff: Vec<String> = got
                        .lines()
                        .zip(want.lines())
                        .filter(|(a, b)| a != b)
                        .take(3)
                        .map(|(a, b)| format!("  dataset(): {a}\n  run:       {b}"))
                        .collect();
                    problems.push(format!(
                        "{}: dataset() not element-equal\n{}",
                        src.display(),
                        diff.join("\n")
                    ));
                }
            }
            Err(e) => problems.push(format!("{}: dataset() refused: {e}", src.display())),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(same_bytes >= 200, "only {same_bytes} files compared");
    assert_eq!(same_bytes, same_dataset);
    assert!(refused >= 1, "the corpus has files run refuses");
}

#[test]
fn outcomes_say_skipped_or_failed_with_a_reason_and_no_values() {
    let plan = profile::compile(&[Entry::Builtin("basic".into())])
        .plan
        .unwrap();
    let keys = Keys::from_bytes(KEY);
    let deid = Deidentifier::new(&plan, &keys, Policy::default());
    // bytes that are not DICOM are skipped, with the reason, in every front door
    let not_dicom = deid.bytes(b"Doe^Jane is not a DICOM file").unwrap_err();
    assert_eq!(not_dicom.outcome(), Outcome::Skipped);
    assert!(not_dicom.reason().starts_with("not DICOM"), "{not_dicom}");
    assert!(!not_dicom.to_string().contains("Doe"));
    let empty = deid.bytes(b"").unwrap_err();
    assert!(matches!(empty, Stopped::Skipped(_)), "{empty}");

    // a DICOMDIR from the corpus is skipped by bytes(), dataset() and file()
    let dicomdir = corpus_files()
        .into_iter()
        .find(|p| {
            let b = std::fs::read(p).unwrap();
            matches!(deid.bytes(&b), Err(Stopped::Skipped(_)))
        })
        .expect("the corpus has a DICOMDIR");
    let done = deid.file(&dicomdir, &std::env::temp_dir().join("never-written.dcm"));
    assert_eq!(done.outcome, Outcome::Skipped);
    assert!(done.error.unwrap().contains("DICOMDIR"));
    if let Ok(mut obj) = dicom_object::open_file(&dicomdir) {
        assert!(matches!(deid.dataset(&mut obj), Err(Stopped::Skipped(_))));
    }

    // file() never writes onto its source
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in.dcm");
    std::fs::copy(
        root().join("tests/data/samples/site-a/patient-1/ct/IM0001.dcm"),
        &src,
    )
    .unwrap();
    let before = std::fs::read(&src).unwrap();
    let done = deid.file(&src, &src);
    assert_eq!(done.outcome, Outcome::Failed);
    assert!(done.error.unwrap().contains("inside the source"));
    assert_eq!(std::fs::read(&src).unwrap(), before);
}
