//! What a run leaves behind for the people who answer for it: an encrypted linkage file
//! (original → new identities, for an honest broker), a run manifest (which tool,
//! profile and key made which output from which input, verifiable later) and a
//! coverage report (what the profile left to its fallbacks).
//!
//! ```text
//! batch worker ── FileOutcome (+ InputFacts from the engine) ──▶ Audit::record
//!                                    ├─ LinkageWriter  (dedup, age-encrypted stream)
//!                                    ├─ ManifestBuilder (sha256 of input and output)
//!                                    └─ Coverage        (counts by tag, block, class)
//! Audit::finish ─▶ linkage file renamed into place, manifest.json, coverage.json
//! ```
//!
//! The sinks are fed by whoever runs the batch (the CLI's `run` today, any front door
//! later) and never read a DICOM file: every fact comes from the engine's result. They
//! are safe to call from every worker at once.

pub mod coverage;
pub mod linkage;
pub mod manifest;

use crate::io::report::FileOutcome;

pub use coverage::Coverage;
pub use linkage::LinkageWriter;
pub use manifest::ManifestBuilder;

/// The sinks of one run (each optional).
#[derive(Debug, Default)]
pub struct Audit {
    pub linkage: Option<LinkageWriter>,
    pub manifest: Option<ManifestBuilder>,
    pub coverage: Option<Coverage>,
}

impl Audit {
    /// Records one input's outcome in every sink (call from any worker).
    pub fn record(&self, outcome: &FileOutcome) {
        if let Some(l) = &self.linkage {
            l.record(outcome);
        }
        if let Some(m) = &self.manifest {
            m.record(outcome);
        }
        if let Some(c) = &self.coverage {
            c.record(outcome);
        }
    }

    /// Whether any sink is on.
    pub fn is_empty(&self) -> bool {
        self.linkage.is_none() && self.manifest.is_none() && self.coverage.is_none()
    }
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sha256 of a file's bytes (hex), read in chunks. Only regular files are read: a
/// FIFO, socket or device among the inputs (skipped by the run) would block or never end.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::Digest;
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    // positional reads into the copy's buffer, one per thread
    crate::io::read_seen(&f, 0, u64::MAX, &mut |b| h.update(b))?;
    Ok(hex(&h.finalize()))
}

/// The sha256 of bytes (hex).
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// `links.age` → `links.2-of-8.age` for shard 2 of 8 (each shard writes its own file).
pub fn shard_path(path: &std::path::Path, shard: Option<(u32, u32)>) -> std::path::PathBuf {
    let Some((k, n)) = shard else {
        return path.to_path_buf();
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.{k}-of-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{k}-of-{n}"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn shard_names() {
        assert_eq!(
            shard_path(Path::new("/x/links.age"), Some((2, 8))),
            Path::new("/x/links.2-of-8.age")
        );
        assert_eq!(
            shard_path(Path::new("links"), Some((1, 3))),
            Path::new("links.1-of-3")
        );
        assert_eq!(shard_path(Path::new("m.json"), None), Path::new("m.json"));
    }
}
