//! The run manifest: which tool, profiles, plan and key made this tree, and per input
//! its relative paths, the sha256 of input and output, and the outcome. `check
//! --manifest` verifies a tree against it; an optional ed25519 signature covers it all.
//!
//! What it covers: every input of the run and every output that is in DST when the file
//! ends (a resumed run's outputs that already existed are listed with the hash they
//! have). It never lists itself, nor the side files the run wrote into DST (linkage,
//! coverage, report: listed under `artifacts`, and skipped by `check`).
//!
//! The signature is over the manifest's JSON without its `signature` member, exactly as
//! [`Manifest::signed_bytes`] serialises it (members in a fixed order, no floats), so a
//! verifier re-serialises the parsed manifest and compares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};

mod builder;
mod spill;
pub mod stream;

pub use builder::{ManifestBuilder, Written};

/// Why a signature does not verify over the manifest as it is.
const NOT_AS_SIGNED: &str =
    "the manifest was changed after it was signed, or the signature is not of this key";

/// The `format` member.
pub const FORMAT: &str = "dicom-anonymizer-manifest";

/// Errors of the manifest (paths and causes only).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ManifestError {
    #[error("cannot write the manifest `{}`", path.display())]
    #[diagnostic(code(anon::manifest::write))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code(anon::manifest::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a manifest of this tool: {why}", path.display())]
    #[diagnostic(code(anon::manifest::format))]
    Format { path: PathBuf, why: String },
    #[error("`{}` is not an ed25519 {what} key in PEM (PKCS#8 / SPKI) form", path.display())]
    #[diagnostic(
        code(anon::manifest::key),
        help(
            "make one with `openssl genpkey -algorithm ed25519 -out sign.pem`; its public key with `openssl pkey -in sign.pem -pubout -out sign.pub.pem`"
        )
    )]
    Key { path: PathBuf, what: &'static str },
    #[error("the signature of `{}` does not verify: {why}", path.display())]
    #[diagnostic(code(anon::manifest::signature))]
    Signature { path: PathBuf, why: String },
}

/// A profile source and the sha256 of its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileHash {
    pub name: String,
    pub sha256: String,
}

/// A CID 7050 code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub code: String,
    pub meaning: String,
}

/// One input of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to SRC (with `--rename uid`, a keyed hash of it: file names identify).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    /// Relative to DST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The output's sha256, when it is in DST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_sha256: Option<String>,
    /// `written`, `skipped`, `failed`.
    pub outcome: String,
}

/// An ed25519 signature over [`Manifest::signed_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub algorithm: String,
    /// The public key, hex (32 bytes).
    pub public_key: String,
    /// The signature, hex (64 bytes).
    pub value: String,
}

/// The manifest file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// `dicom-anonymizer VERSION`.
    pub tool: String,
    /// Every profile source that was compiled (includes too), in load order.
    pub profiles: Vec<ProfileHash>,
    /// sha256 of the plan as `dicom-anonymizer plan` prints it.
    pub plan_sha256: String,
    /// The CID 7050 codes the plan satisfies.
    pub deidentification_codes: Vec<Code>,
    /// [`crate::Keys::fingerprint`].
    pub key_fingerprint: String,
    /// Whether the key was made up for the run (no --key-file).
    pub random_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Files the run wrote into DST besides the outputs (relative; not verified).
    #[serde(default)]
    pub artifacts: Vec<String>,
    pub files: Vec<FileEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

impl Manifest {
    /// The bytes a signature covers: the manifest without its signature, as JSON.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature = None;
        serde_json::to_vec_pretty(&unsigned).unwrap_or_default()
    }

    /// Signs the manifest with an ed25519 private key (PKCS#8 PEM file).
    pub fn sign(&mut self, key_file: &Path) -> Result<(), ManifestError> {
        let pem = std::fs::read_to_string(key_file).map_err(|source| ManifestError::Read {
            path: key_file.to_path_buf(),
            source,
        })?;
        let key =
            ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|_| ManifestError::Key {
                path: key_file.to_path_buf(),
                what: "private",
            })?;
        self.signature = None;
        let sig = key.sign(&self.signed_bytes());
        self.signature = Some(Signature {
            algorithm: "ed25519".into(),
            public_key: super::hex(key.verifying_key().as_bytes()),
            value: super::hex(&sig.to_bytes()),
        });
        Ok(())
    }

    /// Verifies the signature: against `trusted` (a public key PEM file) when given,
    /// else against the key the manifest names. `Ok(None)`: not signed.
    pub fn verify(
        &self,
        path: &Path,
        trusted: Option<&Path>,
    ) -> Result<Option<String>, ManifestError> {
        let Some((key, sig, hex)) = self.signer(path, trusted)? else {
            return Ok(None);
        };
        key.verify(&self.signed_bytes(), &sig)
            .map_err(|_| ManifestError::Signature {
                path: path.to_path_buf(),
                why: NOT_AS_SIGNED.into(),
            })?;
        Ok(Some(hex))
    }

    /// The key to verify the signature with (`trusted`, a public key PEM file, when
    /// given: it must be the one the manifest names), the signature, and the key in hex;
    /// `None` when the manifest is not signed and no key was given.
    fn signer(
        &self,
        path: &Path,
        trusted: Option<&Path>,
    ) -> Result<
        Option<(
            ed25519_dalek::VerifyingKey,
            ed25519_dalek::Signature,
            String,
        )>,
        ManifestError,
    > {
        let fail = |why: &str| ManifestError::Signature {
            path: path.to_path_buf(),
            why: why.to_string(),
        };
        let Some(sig) = &self.signature else {
            return match trusted {
                Some(_) => Err(fail("the manifest is not signed")),
                None => Ok(None),
            };
        };
        if sig.algorithm != "ed25519" {
            return Err(fail("unknown algorithm"));
        }
        let named = unhex::<32>(&sig.public_key)
            .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(|| fail("the public key is malformed"))?;
        let key = match trusted {
            Some(p) => {
                let pem = std::fs::read_to_string(p).map_err(|source| ManifestError::Read {
                    path: p.to_path_buf(),
                    source,
                })?;
                let k = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).map_err(|_| {
                    ManifestError::Key {
                        path: p.to_path_buf(),
                        what: "public",
                    }
                })?;
                if k != named {
                    return Err(fail("it was made with another key than the one given"));
                }
                k
            }
            None => named,
        };
        let value = unhex::<64>(&sig.value).ok_or_else(|| fail("the signature is malformed"))?;
        Ok(Some((
            key,
            ed25519_dalek::Signature::from_bytes(&value),
            sig.public_key.clone(),
        )))
    }

    /// Reads a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(path, &text)
    }

    /// The manifest whose text (read from `path`) is `text`.
    fn from_text(path: &Path, text: &str) -> Result<Manifest, ManifestError> {
        let m: Manifest = serde_json::from_str(text).map_err(|e| ManifestError::Format {
            path: path.to_path_buf(),
            why: format!("line {}: {}", e.line(), e.classify_kind()),
        })?;
        check_format(&m, path)?;
        Ok(m)
    }
}

/// A manifest of this tool says so in its `format`.
fn check_format(m: &Manifest, path: &Path) -> Result<(), ManifestError> {
    if m.format != FORMAT {
        return Err(ManifestError::Format {
            path: path.to_path_buf(),
            why: "its `format` is not `dicom-anonymizer-manifest`".into(),
        });
    }
    Ok(())
}

trait ClassifyKind {
    fn classify_kind(&self) -> &'static str;
}

impl ClassifyKind for serde_json::Error {
    fn classify_kind(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "cannot be read",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "a member is missing or of the wrong type",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Whether `path` is a manifest of this tool (its first bytes say so): `check` skips
/// such files in an output tree.
pub fn is_manifest(path: &Path) -> bool {
    if path.extension().is_none_or(|e| e != "json") {
        return false;
    }
    let mut head = [0u8; 96];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(head.get(..n).unwrap_or(&[]));
    head.trim_start().starts_with('{') && head.contains(&format!("\"format\": \"{FORMAT}\""))
}

/// A path relative to `root`, with `/` separators (the path as given when not under it).
pub fn relative(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What `check --manifest` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Outputs whose bytes match.
    pub verified: u64,
    /// In DST, in no manifest.
    pub added: Vec<String>,
    /// In a manifest, not in DST.
    pub missing: Vec<String>,
    /// In both, with other bytes.
    pub changed: Vec<String>,
    /// The signing keys (hex) of the signatures that verified.
    pub signed_by: Vec<String>,
}

impl Verification {
    pub fn is_clean(&self) -> bool {
        self.added.is_empty() && self.missing.is_empty() && self.changed.is_empty()
    }
}

/// Verifies the tree `dst` against manifests (several for a sharded run): every listed
/// output is there with its bytes, and nothing else is (the manifests themselves and
/// their artifacts aside).
pub fn verify_tree(dst: &Path, manifests: &[(PathBuf, Manifest)]) -> Verification {
    let mut expected: BTreeMap<String, Option<&str>> = BTreeMap::new();
    let mut ignored: BTreeSet<String> = BTreeSet::new();
    for (path, m) in manifests {
        ignored.insert(relative(
            &crate::io::walk::absolute(path),
            &crate::io::walk::absolute(dst),
        ));
        ignored.extend(m.artifacts.iter().cloned());
        for f in &m.files {
            if let (Some(out), Some(sha)) = (&f.output, &f.output_sha256) {
                expected.insert(out.clone(), Some(sha.as_str()));
            }
        }
    }
    let mut v = Verification::default();
    let mut present: BTreeSet<String> = BTreeSet::new();
    for entry in walkdir::WalkDir::new(dst).sort_by_file_name() {
        let Ok(entry) = entry else {
            continue;
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = relative(entry.path(), dst);
        if ignored.contains(&rel) {
            continue;
        }
        match expected.get(&rel) {
            None => v.added.push(rel.clone()),
            Some(sha) => match super::sha256_file(entry.path()) {
                Ok(h) if Some(h.as_str()) == *sha => v.verified += 1,
                _ => v.changed.push(rel.clone()),
            },
        }
        present.insert(rel);
    }
    v.missing = expected
        .keys()
        .filter(|k| !present.contains(*k))
        .cloned()
        .collect();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Manifest {
        Manifest {
            format: FORMAT.into(),
            version: 1,
            tool: "t".into(),
            profiles: vec![],
            plan_sha256: "p".into(),
            deidentification_codes: vec![],
            key_fingerprint: "k".into(),
            random_key: false,
            shard: None,
            artifacts: vec![],
            files: vec![],
            signature: None,
        }
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex::<2>("0aff"), Some([0x0a, 0xff]));
        assert_eq!(unhex::<2>("0af"), None);
        assert_eq!(unhex::<1>("zz"), None);
    }

    #[test]
    fn unsigned_verifies_as_unsigned() {
        assert_eq!(head().verify(Path::new("m"), None).unwrap(), None);
    }
}
