//! [`ManifestBuilder`]: the manifest gathered while a run goes on, with memory flat in the
//! number of files. Each input's entry goes to a [`Spill`] (sorted runs in a temporary
//! file); at the end the entries are merged in the manifest's order and written (and
//! signed) as they come out of the merge, never all held at once.
//!
//! The file is the same bytes as `serde_json::to_vec_pretty` of the whole [`Manifest`]
//! with its `files` sorted (a test compares them): the head is serialised by serde with
//! no files, and each entry, serialised by serde too, is put in the place of its `[]`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ed25519_dalek::pkcs8::DecodePrivateKey;
use sha2::Digest;

use super::spill::Spill;
use super::{FileEntry, Manifest, ManifestError, Signature, relative};
use crate::io::report::{FileOutcome, Outcome};

/// Gathers the manifest while a run goes on.
pub struct ManifestBuilder {
    head: Manifest,
    src_root: PathBuf,
    dst_root: PathBuf,
    /// with `--rename uid`: source paths are hashed with this
    hide_sources: Option<crate::engine::Keys>,
    files: Mutex<Spill>,
}

impl std::fmt::Debug for ManifestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestBuilder")
            .field("dst_root", &self.dst_root)
            .finish_non_exhaustive()
    }
}

/// What [`ManifestBuilder::finish`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Entries in `files`.
    pub files: u64,
    pub signed: bool,
}

impl ManifestBuilder {
    /// `head` is the manifest without files; inputs are made relative to `src_root`
    /// (the folder, or the file's folder), outputs to `dst_root`. With `hide_sources`,
    /// source paths are written as keyed hashes. Entries wait in a temporary file in
    /// `dst_root` (see [`ManifestBuilder::spill_in`]).
    pub fn new(
        head: Manifest,
        src_root: &Path,
        dst_root: &Path,
        hide_sources: Option<crate::engine::Keys>,
    ) -> Self {
        ManifestBuilder {
            head,
            src_root: src_root.to_path_buf(),
            dst_root: dst_root.to_path_buf(),
            hide_sources,
            files: Mutex::new(Spill::new(dst_root.to_path_buf())),
        }
    }

    /// Where the entries wait until the end of the run (an unnamed temporary file in
    /// `dir`, created when needed): the manifest's own folder.
    pub fn spill_in(self, dir: &Path) -> Self {
        self.with_spill(Spill::new(dir.to_path_buf()))
    }

    fn with_spill(mut self, spill: Spill) -> Self {
        self.files = Mutex::new(spill);
        self
    }

    /// Adds the entry of one input and its output, with the hashes the writer took on the
    /// way (`o.hashes`, a run with `RunOptions::hash`); what it did not take is hashed here,
    /// in the calling worker, by reading the file.
    pub fn record(&self, o: &FileOutcome) {
        let taken = o.hashes.unwrap_or_default();
        let rel = relative(&o.source, &self.src_root);
        let source = match &self.hide_sources {
            Some(k) => format!(
                "keyed:{}",
                k.pseudonym(&format!("manifest-source:{rel}"), 26)
            ),
            None => rel,
        };
        let output_sha256 = match (&o.output, o.outcome) {
            (Some(_), Outcome::Written) if taken.output.is_some() => {
                taken.output.map(|h| crate::audit::hex(&h))
            }
            (Some(out), Outcome::Written | Outcome::Failed | Outcome::Skipped) => {
                crate::audit::sha256_file(out).ok()
            }
            _ => None,
        };
        let source_sha256 = match taken.source {
            Some(h) => Some(crate::audit::hex(&h)),
            None => crate::audit::sha256_file(&o.source).ok(),
        };
        let entry = FileEntry {
            source,
            source_sha256,
            output: o.output.as_deref().map(|p| relative(p, &self.dst_root)),
            output_sha256,
            outcome: serde_json::to_value(o.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        if let Ok(mut f) = self.files.lock() {
            f.push(entry);
        }
    }

    /// Writes the manifest to `path` (via a temporary file renamed over it), signed with
    /// `sign` if given.
    pub fn finish(
        self,
        path: &Path,
        artifacts: Vec<String>,
        sign: Option<&Path>,
    ) -> Result<Written, ManifestError> {
        let write_err = |source| ManifestError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut head = self.head;
        head.files = Vec::new();
        head.signature = None;
        let own = relative(path, &self.dst_root);
        head.artifacts = artifacts.into_iter().filter(|a| *a != own).collect();
        head.artifacts.sort();
        let mut files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.seal().map_err(write_err)?;
        if let Some(key) = sign {
            head.signature = Some(sign_streamed(&head, &files, key)?);
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".dcmanon-manifest-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(write_err)?;
        {
            let mut w = std::io::BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
            write_json(&head, &mut |f| files.each(f), &mut w).map_err(write_err)?;
            w.flush().map_err(write_err)?;
        }
        tmp.persist(path).map_err(|e| write_err(e.error))?;
        Ok(Written {
            files: files.len(),
            signed: head.signature.is_some(),
        })
    }
}

/// The place of the files in the head's JSON (the head has none).
const NO_FILES: &str = "\n  \"files\": []";

/// The files of a manifest, handed one by one to the function given.
pub(super) type EachFile<'a> =
    dyn FnMut(&mut dyn FnMut(FileEntry) -> std::io::Result<()>) -> std::io::Result<()> + 'a;

/// The manifest `head` with the entries `each` gives in its `files`, as
/// `serde_json::to_vec_pretty` writes the whole manifest.
pub(super) fn write_json(
    head: &Manifest,
    each: &mut EachFile<'_>,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(head).map_err(std::io::Error::other)?;
    // before and after the `[]` of the files (serde writes raw newlines only between
    // members: a newline in a value is `\n`)
    let at = text
        .find(NO_FILES)
        .map(|i| i + NO_FILES.len() - 1)
        .ok_or_else(|| std::io::Error::other("the manifest's head has no `files`"))?;
    let (before, after) = text.split_at_checked(at).unwrap_or((&text, ""));
    w.write_all(before.as_bytes())?;
    let mut first = true;
    each(&mut |e| {
        w.write_all(if first { b"\n    " } else { b",\n    " })?;
        first = false;
        let one = serde_json::to_string_pretty(&e).map_err(std::io::Error::other)?;
        w.write_all(one.replace('\n', "\n    ").as_bytes())
    })?;
    if !first {
        w.write_all(b"\n  ")?;
    }
    w.write_all(after.as_bytes())
}

/// Hands what is written to a function: the message of an ed25519 signature to the hash
/// that signs it, or to the verifier that checks it (`stream::verify`).
pub(super) struct Feed<F: FnMut(&[u8])>(pub(super) F);

impl<F: FnMut(&[u8])> Write for Feed<F> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.0)(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The ed25519 signature of the manifest without its signature (the bytes
/// [`Manifest::signed_bytes`] gives for it), computed over the bytes as they are made:
/// ed25519 hashes its message twice, so they are made twice.
fn sign_streamed(
    head: &Manifest,
    files: &Spill,
    key_file: &Path,
) -> Result<Signature, ManifestError> {
    let pem = std::fs::read_to_string(key_file).map_err(|source| ManifestError::Read {
        path: key_file.to_path_buf(),
        source,
    })?;
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|_| ManifestError::Key {
        path: key_file.to_path_buf(),
        what: "private",
    })?;
    let esk = ed25519_dalek::hazmat::ExpandedSecretKey::from(key.as_bytes());
    let failed = std::cell::RefCell::new(None);
    let sig = ed25519_dalek::hazmat::raw_sign_byupdate::<sha2::Sha512, _>(
        &esk,
        |digest| {
            write_json(
                head,
                &mut |f| files.each(f),
                &mut Feed(|b: &[u8]| digest.update(b)),
            )
            .map_err(|e| {
                *failed.borrow_mut() = Some(e);
                ed25519_dalek::SignatureError::new()
            })
        },
        &key.verifying_key(),
    );
    let sig = match (sig, failed.into_inner()) {
        (Ok(s), None) => s,
        (_, Some(source)) => {
            return Err(ManifestError::Read {
                path: key_file.to_path_buf(),
                source,
            });
        }
        (Err(_), None) => {
            return Err(ManifestError::Key {
                path: key_file.to_path_buf(),
                what: "private",
            });
        }
    };
    Ok(Signature {
        algorithm: "ed25519".into(),
        public_key: crate::audit::hex(key.verifying_key().as_bytes()),
        value: crate::audit::hex(&sig.to_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Manifest {
        Manifest {
            format: super::super::FORMAT.into(),
            version: 1,
            tool: "t \"quoted\"\nline".into(),
            profiles: vec![super::super::ProfileHash {
                name: "builtin:basic".into(),
                sha256: "ab".into(),
            }],
            plan_sha256: "p".into(),
            deidentification_codes: vec![],
            key_fingerprint: "k".into(),
            random_key: false,
            shard: Some("1/2".into()),
            artifacts: vec![],
            files: vec![],
            signature: None,
        }
    }

    fn outcome(i: u32) -> FileOutcome {
        let src = PathBuf::from(format!("/src/P{:02}/IM{i:04}.dcm", i % 17));
        match i % 4 {
            0 => FileOutcome::failed(src, "x".into()),
            1 => FileOutcome::skipped(src, "not DICOM".into()),
            _ => FileOutcome {
                output: Some(PathBuf::from(format!("/dst/P{:02}/IM{i:04}.dcm", i % 17))),
                outcome: Outcome::Written,
                ..FileOutcome::failed(src, String::new())
            },
        }
    }

    /// The manifest as it was made before entries were spilled: all in memory, sorted,
    /// signed with [`Manifest::sign`], `to_vec_pretty`.
    fn in_memory(outcomes: &[FileOutcome], artifacts: &[&str], key: Option<&Path>) -> Vec<u8> {
        let b = ManifestBuilder::new(head(), Path::new("/src"), Path::new("/dst"), None);
        let mut m = head();
        for o in outcomes {
            b.record(o);
        }
        let mut spill = b.files.into_inner().unwrap();
        spill.seal().unwrap();
        spill
            .each(&mut |e| {
                m.files.push(e);
                Ok(())
            })
            .unwrap();
        // the order of the old in-memory sort
        let mut sorted = m.files.clone();
        sorted.sort_by(|a, b| (&a.output, &a.source).cmp(&(&b.output, &b.source)));
        assert_eq!(m.files, sorted);
        m.artifacts = artifacts.iter().map(|s| s.to_string()).collect();
        m.artifacts.sort();
        if let Some(k) = key {
            m.sign(k).unwrap();
        }
        serde_json::to_vec_pretty(&m).unwrap()
    }

    #[test]
    fn the_streamed_manifest_is_the_in_memory_one_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("sign.pem");
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let pem = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(
            &signing,
            ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
        )
        .unwrap();
        std::fs::write(&key, pem.as_bytes()).unwrap();
        // completion order: not the manifest's
        let outcomes: Vec<FileOutcome> =
            (0..700u32).rev().map(|i| outcome((i * 37) % 700)).collect();
        for n in [0usize, 1, 5, 700] {
            for sign in [None, Some(key.as_path())] {
                let b = ManifestBuilder::new(head(), Path::new("/src"), Path::new("/dst"), None)
                    .with_spill(Spill::with_sizes(dir.path().join("spill"), 9, 3));
                for o in outcomes.iter().take(n) {
                    b.record(o);
                }
                let path = dir.path().join("out/manifest.json");
                let w = b
                    .finish(&path, vec!["report.jsonl".into(), "a".into()], sign)
                    .unwrap();
                assert_eq!(w.files, n as u64);
                assert_eq!(w.signed, sign.is_some());
                let got = std::fs::read(&path).unwrap();
                let want = in_memory(&outcomes[..n], &["a", "report.jsonl"], sign);
                assert_eq!(
                    String::from_utf8(got.clone()).unwrap(),
                    String::from_utf8(want).unwrap()
                );
                // it reads back and its signature verifies
                let m = Manifest::read(&path).unwrap();
                assert_eq!(m.files.len(), n);
                assert_eq!(m.verify(&path, None).unwrap().is_some(), sign.is_some());
            }
        }
        // nothing is left beside the manifest
        let left: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().collect();
        assert_eq!(left.len(), 1);
    }
}
