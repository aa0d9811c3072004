//! `run` end to end on real files: no PHI gets through, outputs are valid and
//! consistent, the source is untouched, and the command line behaves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, open_file};

use dicom_anonymizer::plan::{Action, Plan};
use dicom_anonymizer::profile::{self, Entry};

use crate::support::root;

mod canary;
mod command_line;
mod outputs;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn bin() -> Command {
    Command::cargo_bin("dicom-anonymizer").unwrap()
}

fn corpus(name: &str) -> PathBuf {
    root().join("tests/data/corpus/files").join(name)
}

fn key_file(dir: &Path) -> PathBuf {
    let p = dir.join("key.bin");
    std::fs::write(&p, KEY).unwrap();
    p
}

/// Every regular file under `dir` (the run's manifest aside), relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn text(tag: Tag, vr: VR, s: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(s))
}

#[test]
fn canonical_dumps_of_deidentified_files() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    for f in [
        "pydicom__CT_small.dcm",
        "pydicom__MR_small.dcm",
        "pydicom__rtdose.dcm",
        "pydicom__rtstruct.dcm",
        "pydicom-data__liver.dcm",
        "pydicom__reportsi.dcm",
        "pydicom__waveform_ecg.dcm",
        "pydicom__priv_SQ.dcm",
        "pydicom-data__explicit_VR-UN.dcm",
        "pydicom__ExplVR_BigEndNoMeta.dcm",
        "pydicom__JPEG2000.dcm",
        "dicognito__p01_s01_s01_i01.dcm",
        "pydicom__examples_ybr_color.dcm",
        "deid-data__ctbrain2.dcm",
    ] {
        let out = dir.path().join(f);
        bin()
            .args(["run", "-q", "--key-file"])
            .arg(&key)
            .arg(corpus(f))
            .arg(&out)
            .assert()
            .success();
        let dump = dicom_anonymizer::dump::canonical_dump(&open_file(&out).unwrap());
        insta::assert_snapshot!(f, dump);
    }
}
