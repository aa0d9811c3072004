//! The audit outputs of `run` end to end on the sample tree: the encrypted linkage file
//! (read back by `linkage show`/`find` and by the standard `age` tool, checked against
//! the outputs' own values), the manifest (`check --manifest` finds exactly what a test
//! changes; signatures), and coverage (counts checked against the outputs, read here
//! with dicom-object).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use dicom_core::Tag;
use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_object::{InMemDicomObject, open_file};

use dicom_anonymizer::plan::{Decision, Disposition};
use dicom_anonymizer::profile::{self, Entry};

use crate::support::{bin, root};

mod coverage;
mod linkage;
mod manifest;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn samples() -> PathBuf {
    root().join("tests/data/samples")
}

struct Setup {
    dir: tempfile::TempDir,
    key: PathBuf,
    identity: PathBuf,
    recipient: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.bin");
    std::fs::write(&key, KEY).unwrap();
    let id = age::x25519::Identity::generate();
    let identity = dir.path().join("broker.key");
    std::fs::write(&identity, format!("{}\n", id.to_string().expose_secret())).unwrap();
    Setup {
        recipient: id.to_public().to_string(),
        dir,
        key,
        identity,
    }
}

/// Every DICOM file under `dir` (relative path → absolute path), `.dcm` only.
fn dicom_files(dir: &Path) -> BTreeMap<PathBuf, PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "dcm"))
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                e.path().to_path_buf(),
            )
        })
        .collect()
}

/// The text of an element (a UN one decoded from its bytes, as the engine reads it).
fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.get(tag)
        .and_then(|e| {
            if e.vr() == dicom_core::VR::UN {
                e.to_bytes()
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            } else {
                e.to_str().ok().map(|s| s.into_owned())
            }
        })
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default()
}

/// An ed25519 key pair as PEM files (PKCS#8 private, SPKI public), made with ed25519-dalek.
pub(crate) fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    std::fs::write(
        &private,
        key.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        &public,
        key.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    (private, public)
}
