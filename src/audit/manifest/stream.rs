//! Reading a manifest without holding its files: `check --manifest` on an archive.
//!
//! A manifest lists every input of a run (about 265 bytes each: 265 MB for a million
//! files). Parsed whole, re-serialised for its signature and indexed for the tree, it
//! cost about four times that in memory. Here it is read as a stream, three times:
//!
//! 1. [`read_head`]: everything but the files, and whether the files are in the order
//!    the run writes them (by output path, `spill::order`);
//! 2. [`verify`]: the signature, over the manifest re-serialised as it is read
//!    (ed25519-dalek's `verify_stream`; the bytes are the ones [`Manifest::signed_bytes`]
//!    gives, made by the writer's own `write_json`);
//! 3. [`verify_tree`]: the outputs merged, in path order, with a walk of DST sorted the
//!    same way (each folder's entries by name, a folder's name followed by `/`: the
//!    order of the relative paths as strings), several manifests (shards) merged on the
//!    way, the files hashed in parallel in small batches.
//!
//! What stays in memory: one entry per manifest in flight, a batch of files to hash,
//! and the findings (paths that were added, are missing or changed). A manifest whose
//! files are not in that order (edited by hand; the tool never writes one) is checked
//! in memory as before ([`super::verify_tree`]), with the same findings.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};
use std::fmt;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use sha2::Digest;

use super::{ClassifyKind, FileEntry, Manifest, ManifestError, Verification, relative};

/// A manifest's members but its files, and what a first read of the files found.
#[derive(Debug, Clone)]
pub struct Head {
    /// The manifest, with `files` empty.
    pub manifest: Manifest,
    /// Entries in `files`.
    pub files: u64,
    /// The outputs listed come in ascending path order (as the tool writes them).
    pub sorted: bool,
    /// The sha256 of the file's bytes: each later read must see the same bytes, or the
    /// file changed while it was checked (and the check stops).
    digest: [u8; 32],
}

/// Reads `path` once, keeping all but its files (pass 1 of the module docs).
///
/// # Errors
/// As [`Manifest::read`]: the file cannot be read, is not JSON, or not a manifest.
pub fn read_head(path: &Path) -> Result<Head, ManifestError> {
    let mut files = 0u64;
    let mut sorted = true;
    let mut last: Option<String> = None;
    let (manifest, digest) = parse(path, &mut |e| {
        files += 1;
        if let (Some(out), Some(_)) = (e.output, e.output_sha256) {
            if last.as_ref().is_some_and(|l| *l > out) {
                sorted = false;
            }
            last = Some(out);
        }
        Ok(())
    })?;
    Ok(Head {
        manifest,
        files,
        sorted,
        digest,
    })
}

/// Verifies the signature of the manifest at `path` whose head is `head`, reading its
/// files again as a stream (pass 2). As [`Manifest::verify`]: `Ok(None)` when it is not
/// signed (and no key was given), the signer's public key (hex) when it verifies.
///
/// # Errors
/// [`ManifestError::Signature`] when it does not verify; a read or key error.
pub fn verify(
    head: &Head,
    path: &Path,
    trusted: Option<&Path>,
) -> Result<Option<String>, ManifestError> {
    let Some((key, sig, hex)) = head.manifest.signer(path, trusted)? else {
        return Ok(None);
    };
    let fail = |why: &str| ManifestError::Signature {
        path: path.to_path_buf(),
        why: why.to_string(),
    };
    let mut verifier = key
        .verify_stream(&sig)
        .map_err(|_| fail("the signature is malformed"))?;
    let mut unsigned = head.manifest.clone();
    unsigned.signature = None;
    let stopped: RefCell<Option<ManifestError>> = RefCell::new(None);
    let written = super::builder::write_json(
        &unsigned,
        &mut |emit| {
            parse(path, &mut |e| emit(e))
                .and_then(|(_, digest)| same_bytes(head, path, digest))
                .map_err(|e| {
                    *stopped.borrow_mut() = Some(e);
                    std::io::Error::other("the manifest could not be read again")
                })
        },
        &mut super::builder::Feed(|b: &[u8]| verifier.update(b)),
    );
    if let Some(e) = stopped.into_inner() {
        return Err(e);
    }
    written.map_err(|source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    verifier
        .finalize_and_verify()
        .map_err(|_| fail(super::NOT_AS_SIGNED))?;
    Ok(Some(hex))
}

/// Whether a later read of `path` saw the bytes [`read_head`] saw.
fn same_bytes(head: &Head, path: &Path, digest: [u8; 32]) -> Result<(), ManifestError> {
    if digest == head.digest {
        return Ok(());
    }
    Err(ManifestError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::other("the manifest changed while it was checked"),
    })
}

/// A reader that hashes what it reads.
struct Hashing<R> {
    inner: R,
    hash: sha2::Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// Reads the manifest at `path` as a stream: every entry of its `files` is handed to
/// `on_file` as it is read; returns the rest (with `files` empty) and the sha256 of the
/// file's bytes (all of them: the reading goes on to the end of the file).
fn parse(
    path: &Path,
    on_file: &mut dyn FnMut(FileEntry) -> std::io::Result<()>,
) -> Result<(Manifest, [u8; 32]), ManifestError> {
    let read_err = |source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut hashing = Hashing {
        inner: file,
        hash: sha2::Sha256::new(),
    };
    let mut de =
        serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, &mut hashing));
    let stopped: RefCell<Option<std::io::Error>> = RefCell::new(None);
    let members = ManifestSeed {
        on_file,
        stopped: &stopped,
    }
    .deserialize(&mut de)
    .and_then(|m| de.end().map(|()| m));
    if let Some(source) = stopped.into_inner() {
        return Err(read_err(source));
    }
    let format = |e: serde_json::Error| ManifestError::Format {
        path: path.to_path_buf(),
        why: format!("line {}: {}", e.line(), e.classify_kind()),
    };
    let manifest: Manifest = serde_json::from_value(serde_json::Value::Object(
        members.map_err(format)?,
    ))
    .map_err(|e| ManifestError::Format {
        path: path.to_path_buf(),
        why: e.classify_kind().to_string(),
    })?;
    super::check_format(&manifest, path)?;
    drop(de);
    Ok((manifest, hashing.hash.finalize().into()))
}

/// The top-level object of a manifest: members kept as JSON values, `files` handed on.
struct ManifestSeed<'a, 'f> {
    on_file: &'f mut dyn FnMut(FileEntry) -> std::io::Result<()>,
    stopped: &'a RefCell<Option<std::io::Error>>,
}

impl<'de> DeserializeSeed<'de> for ManifestSeed<'_, '_> {
    type Value = serde_json::Map<String, serde_json::Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ManifestSeed<'_, '_> {
    type Value = serde_json::Map<String, serde_json::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a manifest object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if members.contains_key(&key) {
                // as the derived reading of the whole manifest refuses it
                return Err(de::Error::custom("a member appears twice"));
            }
            let value = if key == "files" {
                map.next_value_seed(FilesSeed {
                    on_file: &mut *self.on_file,
                    stopped: self.stopped,
                })?;
                serde_json::Value::Array(Vec::new())
            } else {
                map.next_value::<serde_json::Value>()?
            };
            members.insert(key, value);
        }
        Ok(members)
    }
}

/// The `files` array: each entry handed on as it is read.
struct FilesSeed<'a, 'f> {
    on_file: &'f mut dyn FnMut(FileEntry) -> std::io::Result<()>,
    stopped: &'a RefCell<Option<std::io::Error>>,
}

impl<'de> DeserializeSeed<'de> for FilesSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FilesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of files")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<FileEntry>()? {
            if let Err(e) = (self.on_file)(entry) {
                *self.stopped.borrow_mut() = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// Verifies the tree `dst` against manifests (pass 3): as [`super::verify_tree`], with
/// memory that does not grow with the number of files. Manifests whose files are not in
/// path order are read whole and checked with [`super::verify_tree`].
///
/// # Errors
/// A manifest that cannot be read again (it changed since [`read_head`]).
pub fn verify_tree(
    dst: &Path,
    manifests: &[(PathBuf, Head)],
) -> Result<Verification, ManifestError> {
    if manifests.iter().any(|(_, h)| !h.sorted) {
        let whole = manifests
            .iter()
            .map(|(p, h)| read_whole(p, h).map(|m| (p.clone(), m)))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(super::verify_tree(dst, &whole));
    }
    let mut ignored: BTreeSet<String> = BTreeSet::new();
    for (path, h) in manifests {
        ignored.insert(relative(
            &crate::io::walk::absolute(path),
            &crate::io::walk::absolute(dst),
        ));
        ignored.extend(h.manifest.artifacts.iter().cloned());
    }
    std::thread::scope(|s| {
        let mut feeds = Vec::new();
        let mut readers = Vec::new();
        for (path, head) in manifests {
            let (tx, rx) = mpsc::sync_channel::<(String, String)>(1024);
            readers.push(s.spawn(move || {
                let mut last: Option<String> = None;
                parse(path, &mut |e| {
                    let (Some(out), Some(sha)) = (e.output, e.output_sha256) else {
                        return Ok(());
                    };
                    if last.as_ref().is_some_and(|l| *l > out) {
                        return Err(std::io::Error::other(
                            "the manifest changed while it was read",
                        ));
                    }
                    last = Some(out.clone());
                    // a closed receiver: the merge stopped early; nothing more to send
                    tx.send((out, sha))
                        .map_err(|_| std::io::Error::other("stopped"))
                })
                .and_then(|(_, digest)| same_bytes(head, path, digest))
            }));
            feeds.push(rx);
        }
        let v = merge_join(dst, &ignored, Merged::new(feeds));
        for r in readers {
            match r.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(ManifestError::Format {
                        path: dst.to_path_buf(),
                        why: "a manifest reader stopped".into(),
                    });
                }
            }
        }
        Ok(v)
    })
}

/// The manifest at `path` read whole, if its bytes are still the ones [`read_head`] read.
fn read_whole(path: &Path, head: &Head) -> Result<Manifest, ManifestError> {
    let read_err = |source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(read_err)?;
    same_bytes(head, path, sha2::Sha256::digest(&bytes).into())?;
    let text = String::from_utf8(bytes)
        .map_err(|e| read_err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    Manifest::from_text(path, &text)
}

/// The outputs of several manifests, each in path order, merged into one list in path
/// order; where two list the same output, the later manifest's entry counts (as in
/// [`super::verify_tree`], where it overwrites the earlier).
struct Merged {
    feeds: Vec<mpsc::Receiver<(String, String)>>,
    heap: BinaryHeap<Next>,
}

/// The next entry of feed `feed` (a min-heap on the path, the later feed first).
#[derive(PartialEq, Eq)]
struct Next {
    path: String,
    sha: String,
    feed: usize,
}

impl Ord for Next {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .path
            .cmp(&self.path)
            .then_with(|| self.feed.cmp(&other.feed))
    }
}

impl PartialOrd for Next {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Merged {
    fn new(feeds: Vec<mpsc::Receiver<(String, String)>>) -> Self {
        let mut m = Merged {
            feeds,
            heap: BinaryHeap::new(),
        };
        for feed in 0..m.feeds.len() {
            m.pull(feed);
        }
        m
    }

    fn pull(&mut self, feed: usize) {
        if let Some((path, sha)) = self.feeds.get(feed).and_then(|rx| rx.recv().ok()) {
            self.heap.push(Next { path, sha, feed });
        }
    }
}

impl Iterator for Merged {
    type Item = (String, String);

    fn next(&mut self) -> Option<(String, String)> {
        let first = self.heap.pop()?;
        self.pull(first.feed);
        let mut best = first;
        // the same output again (later in one manifest, or in another): the last counts
        while self.heap.peek().is_some_and(|n| n.path == best.path) {
            let Some(n) = self.heap.pop() else { break };
            self.pull(n.feed);
            if n.feed >= best.feed {
                best = n;
            }
        }
        Some((best.path, best.sha))
    }
}

/// Files to hash at once (in parallel), in path order.
const BATCH: usize = 64;

/// Walks `dst` in path order beside `expected` (in path order) and compares.
fn merge_join(
    dst: &Path,
    ignored: &BTreeSet<String>,
    expected: impl Iterator<Item = (String, String)>,
) -> Verification {
    let mut v = Verification::default();
    let mut expected = expected.peekable();
    let mut batch: Vec<(PathBuf, String, String)> = Vec::with_capacity(BATCH);
    let walk = walkdir::WalkDir::new(dst)
        .sort_by(|a, b| sort_key(a).cmp(&sort_key(b)))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir());
    for entry in walk {
        let rel = relative(entry.path(), dst);
        if ignored.contains(&rel) {
            continue;
        }
        while let Some((path, _)) = expected.next_if(|(p, _)| *p < rel) {
            v.missing.push(path);
        }
        match expected.next_if(|(p, _)| *p == rel) {
            Some((_, sha)) => {
                batch.push((entry.into_path(), rel, sha));
                if batch.len() == BATCH {
                    hash_batch(&mut batch, &mut v);
                }
            }
            None => v.added.push(rel),
        }
    }
    hash_batch(&mut batch, &mut v);
    v.missing.extend(expected.map(|(p, _)| p));
    v
}

/// The order of a folder's entries that makes a depth-first walk list relative paths
/// in ascending string order: a folder sorts as its name followed by `/`.
fn sort_key(e: &walkdir::DirEntry) -> String {
    let mut name = e.file_name().to_string_lossy().into_owned();
    if e.file_type().is_dir() {
        name.push('/');
    }
    name
}

/// Hashes the files of `batch` in parallel and records each as verified or changed.
fn hash_batch(batch: &mut Vec<(PathBuf, String, String)>, v: &mut Verification) {
    let results: Vec<bool> = batch
        .par_iter()
        .map(|(path, _, sha)| crate::audit::sha256_file(path).is_ok_and(|h| h == *sha))
        .collect();
    for ((_, rel, _), same) in batch.drain(..).zip(results) {
        if same {
            v.verified += 1;
        } else {
            v.changed.push(rel);
        }
    }
}

#[cfg(test)]
mod tests;
