//! The linkage file: each distinct original → new mapping of a run, encrypted with the
//! `age` format to X25519 recipients. Plain text never touches the disk: rows are
//! streamed into the age encryptor, whose output goes to a temporary file that is renamed
//! into place when the run ends.
//!
//! The plain text (what `age -d` prints) is JSON Lines: a header object, then one row per
//! mapping, `{"patient":…,"attribute":…,"original":…,"new":…}` (`patient` is the
//! original Patient ID the row belongs to; the date shift is the row `DateShiftDays`).
//!
//! Duplicates: a row is written only if its digest (SHA-256 under a key made for the run,
//! truncated to 128 bits, so memory holds no values) was not seen. Patient-, study- and
//! series-level rows are few and remembered for the whole run; instance rows (one per
//! file) go into a set bounded at [`INSTANCE_DIGESTS`] entries, cleared when full: past
//! that many files a repeated instance (the same SOP Instance in two input files) may be
//! written twice. Readers collapse repeats, so nothing is lost either way; memory stays
//! about 24 bytes per distinct study/series plus at most 100 MB for instances.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::engine::facts::Mapping;
use crate::io::report::{FileOutcome, Outcome};

mod read;

pub use read::{find_new, find_patient, read_file, read_files, read_identities, to_csv};

/// How many instance digests are remembered before the set is cleared.
pub const INSTANCE_DIGESTS: usize = 4 << 20;

/// The `format` of the header line.
pub const FORMAT: &str = "dicom-anonymizer-linkage";

/// Errors of the linkage file (never holding a value: paths and causes only).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum LinkageError {
    #[error("`{0}` is not an age X25519 recipient (a public key starting with `age1`)")]
    #[diagnostic(code(anon::linkage::recipient))]
    Recipient(String),
    #[error("the linkage file needs at least one --recipient")]
    #[diagnostic(code(anon::linkage::no_recipient))]
    NoRecipient,
    #[error("the linkage file `{}` exists (use --overwrite to replace it)", .0.display())]
    #[diagnostic(code(anon::linkage::exists))]
    Exists(PathBuf),
    #[error("cannot write the linkage file `{}`", path.display())]
    #[diagnostic(code(anon::linkage::write))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the identity file `{}`", path.display())]
    #[diagnostic(code(anon::linkage::identity))]
    Identity {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` holds no usable age identity", .0.display())]
    #[diagnostic(code(anon::linkage::identity))]
    NoIdentity(PathBuf),
    #[error("cannot decrypt `{}`: {why}", path.display())]
    #[diagnostic(
        code(anon::linkage::decrypt),
        help("the file is not an age file, or none of the identities is one of its recipients")
    )]
    Decrypt { path: PathBuf, why: String },
    #[error("`{}` line {line}: not a linkage record", path.display())]
    #[diagnostic(code(anon::linkage::format))]
    Format { path: PathBuf, line: usize },
}

/// The first line of the plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// `dicom-anonymizer VERSION`.
    pub tool: String,
    /// [`crate::Keys::fingerprint`] of the key the new values derive from.
    pub key_fingerprint: String,
    /// `K/N` when the run was one shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// One mapping.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Row {
    /// The original Patient ID of the instance the mapping was seen in (empty if none).
    pub patient: String,
    /// `PatientID`, `PatientName`, `AccessionNumber`, `StudyInstanceUID`,
    /// `SeriesInstanceUID`, `SOPInstanceUID` or `DateShiftDays`.
    pub attribute: String,
    pub original: String,
    /// The value in the output (empty when the plan emptied or removed it; for
    /// `DateShiftDays`, the days dates moved, negative into the past).
    pub new: String,
}

/// The attribute keyword a mapping's row names.
fn attribute_name(m: &Mapping) -> String {
    crate::dictionary::keyword_of(m.tag)
        .map(str::to_string)
        .unwrap_or_else(|| m.tag.to_string())
}

/// The rows of one file's facts.
pub fn rows_of(facts: &crate::engine::Facts) -> Vec<Row> {
    let patient = facts
        .mappings
        .iter()
        .find(|m| m.tag == dicom_core::Tag(0x0010, 0x0020))
        .map(|m| m.original.clone())
        .unwrap_or_default();
    let mut rows: Vec<Row> = facts
        .mappings
        .iter()
        .map(|m| Row {
            patient: patient.clone(),
            attribute: attribute_name(m),
            original: m.original.clone(),
            new: m.new.clone(),
        })
        .collect();
    if let Some(days) = facts.shift_days {
        rows.push(Row {
            patient: patient.clone(),
            attribute: "DateShiftDays".to_string(),
            original: patient,
            new: days.to_string(),
        });
    }
    rows
}

/// Parses `age1…` recipients.
pub fn parse_recipients(texts: &[String]) -> Result<Vec<age::x25519::Recipient>, LinkageError> {
    if texts.is_empty() {
        return Err(LinkageError::NoRecipient);
    }
    texts
        .iter()
        .map(|t| {
            t.trim()
                .parse::<age::x25519::Recipient>()
                .map_err(|_| LinkageError::Recipient(t.trim().chars().take(80).collect()))
        })
        .collect()
}

type Stream = age::stream::StreamWriter<BufWriter<tempfile::NamedTempFile>>;

#[derive(Default)]
struct State {
    stream: Option<Stream>,
    error: Option<std::io::Error>,
    rows: u64,
    few: HashSet<u128>,
    instances: HashSet<u128>,
}

/// Streams the run's mappings into an age-encrypted file.
pub struct LinkageWriter {
    path: PathBuf,
    salt: [u8; 32],
    state: Mutex<State>,
}

impl std::fmt::Debug for LinkageWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkageWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl LinkageWriter {
    /// Starts the linkage file `path` (written under a temporary name next to it until
    /// [`LinkageWriter::finish`]) for `recipients`, and writes its header.
    pub fn create(
        path: &Path,
        recipients: &[age::x25519::Recipient],
        header: &Header,
        overwrite: bool,
    ) -> Result<LinkageWriter, LinkageError> {
        if recipients.is_empty() {
            return Err(LinkageError::NoRecipient);
        }
        if !overwrite && path.exists() {
            return Err(LinkageError::Exists(path.to_path_buf()));
        }
        let write_err = |source| LinkageError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".dcmanon-linkage-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(write_err)?;
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| write_err(std::io::Error::other(e.to_string())))?;
        let mut stream = encryptor
            .wrap_output(BufWriter::new(tmp))
            .map_err(write_err)?;
        let line = serde_json::to_string(header).map_err(|e| write_err(e.into()))?;
        writeln!(stream, "{line}").map_err(write_err)?;
        let mut salt = [0u8; 32];
        getrandom::fill(&mut salt).map_err(|e| write_err(std::io::Error::other(e.to_string())))?;
        Ok(LinkageWriter {
            path: path.to_path_buf(),
            salt,
            state: Mutex::new(State {
                stream: Some(stream),
                ..State::default()
            }),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn digest(&self, row: &Row) -> u128 {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.salt);
        for part in [&row.patient, &row.attribute, &row.original, &row.new] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let d = h.finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(d.get(..16).unwrap_or(&[0; 16]));
        u128::from_le_bytes(b)
    }

    /// Adds the mappings of one written output.
    pub fn record(&self, outcome: &FileOutcome) {
        if outcome.outcome != Outcome::Written {
            return;
        }
        let Some(facts) = &outcome.facts else {
            return;
        };
        let rows: Vec<(Row, u128)> = rows_of(&facts.applied)
            .into_iter()
            .map(|r| {
                let d = self.digest(&r);
                (r, d)
            })
            .collect();
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let mut out = String::new();
        for (row, digest) in rows {
            let fresh = if row.attribute == "SOPInstanceUID" {
                if s.instances.len() >= INSTANCE_DIGESTS {
                    s.instances.clear();
                }
                s.instances.insert(digest)
            } else {
                s.few.insert(digest)
            };
            if fresh {
                if let Ok(line) = serde_json::to_string(&row) {
                    out.push_str(&line);
                    out.push('\n');
                    s.rows += 1;
                }
            }
        }
        if out.is_empty() || s.error.is_some() {
            return;
        }
        let result = match s.stream.as_mut() {
            Some(w) => w.write_all(out.as_bytes()),
            None => Ok(()),
        };
        if let Err(e) = result {
            s.error = Some(e);
        }
    }

    /// Finishes the encryption and moves the file into place; gives the number of rows.
    pub fn finish(self) -> Result<u64, LinkageError> {
        let path = self.path.clone();
        let write_err = |source| LinkageError::Write {
            path: path.clone(),
            source,
        };
        let s = self
            .state
            .into_inner()
            .map_err(|_| write_err(std::io::Error::other("a worker panicked")))?;
        if let Some(e) = s.error {
            return Err(write_err(e));
        }
        let Some(stream) = s.stream else {
            return Err(write_err(std::io::Error::other("already finished")));
        };
        let buf = stream.finish().map_err(write_err)?;
        let tmp = buf
            .into_inner()
            .map_err(|e| write_err(std::io::Error::other(e.to_string())))?;
        tmp.as_file().sync_all().map_err(write_err)?;
        tmp.persist(&path).map_err(|e| write_err(e.error))?;
        Ok(s.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Facts;
    use dicom_core::Tag;

    fn facts(pid: &str, sop: &str) -> Facts {
        Facts {
            mappings: vec![
                Mapping {
                    tag: Tag(0x0010, 0x0020),
                    original: pid.into(),
                    new: format!("new-{pid}"),
                },
                Mapping {
                    tag: Tag(0x0008, 0x0018),
                    original: sop.into(),
                    new: format!("2.25.{sop}"),
                },
            ],
            shift_days: Some(-42),
            ..Facts::default()
        }
    }

    #[test]
    fn round_trip_without_duplicates_and_without_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.age");
        let identity = age::x25519::Identity::generate();
        let header = Header {
            format: FORMAT.into(),
            version: 1,
            tool: "t".into(),
            key_fingerprint: "f".into(),
            shard: None,
        };
        let w = LinkageWriter::create(&path, &[identity.to_public()], &header, false).unwrap();
        // identifiers long enough that random ciphertext cannot contain them by chance (a
        // two-byte "P1" is in one file out of a few dozen)
        let (p1, p2) = ("PATIENT-ONE-0001", "PATIENT-TWO-0002");
        let (s11, s12, s21) = ("1.2.3.4.5.1.1", "1.2.3.4.5.1.2", "1.2.3.4.5.2.1");
        for (pid, sop) in [(p1, s11), (p1, s12), (p2, s21), (p1, s11)] {
            let mut o = FileOutcome::failed("x".into(), String::new());
            o.outcome = Outcome::Written;
            o.error = None;
            o.facts = Some(Box::new(crate::io::report::InputFacts {
                applied: facts(pid, sop),
                ..Default::default()
            }));
            w.record(&o);
        }
        // patient rows of P1 once, three instances, P2's rows
        assert_eq!(w.finish().unwrap(), 2 + 2 + 1 + 2);
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("age-encryption.org/v1"));
        for plain in [p1, p2, s11, s12, s21] {
            assert!(!text.contains(plain), "{plain} in the encrypted file");
        }
        let ids: Vec<Box<dyn age::Identity>> = vec![Box::new(identity)];
        let (h, rows) = read_file(&path, &ids).unwrap();
        assert_eq!(h, header);
        assert_eq!(rows.len(), 7);
        assert_eq!(find_patient(&rows, p2).len(), 3);
        let found = find_new(&rows, &format!("2.25.{s12}"), &|a| a.ends_with("UID"));
        assert_eq!(found.len(), 3, "{found:?}");
        // another identity cannot read it
        let other: Vec<Box<dyn age::Identity>> = vec![Box::new(age::x25519::Identity::generate())];
        assert!(matches!(
            read_file(&path, &other),
            Err(LinkageError::Decrypt { .. })
        ));
    }

    #[test]
    fn csv_quotes() {
        let r = Row {
            patient: "a,b".into(),
            attribute: "PatientName".into(),
            original: "Doe^\"J\"".into(),
            new: String::new(),
        };
        assert_eq!(
            to_csv(&[&r]),
            "patient,attribute,original,new\n\"a,b\",PatientName,\"Doe^\"\"J\"\"\",\n"
        );
    }

    #[test]
    fn bad_recipient() {
        assert!(matches!(
            parse_recipients(&["nope".into()]),
            Err(LinkageError::Recipient(_))
        ));
        assert!(matches!(
            parse_recipients(&[]),
            Err(LinkageError::NoRecipient)
        ));
    }
}
