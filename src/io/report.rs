//! What happened to each input, and the run's summary.
//!
//! A [`FileOutcome`] is what `--report FILE.jsonl` writes (one JSON object per line) and
//! what the summary counts. It holds paths, an outcome, counts and an error *message*;
//! error messages are built from tags and paths only, never from element values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How one input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The output was written.
    Written,
    /// `--dry-run`: everything but the write succeeded.
    WouldWrite,
    /// Deliberately not processed (a DICOMDIR).
    Skipped,
    /// Refused by the run's policy (see [`crate::deid::Policy`]); nothing was written.
    Rejected,
    /// Not written because of an error.
    Failed,
}

/// The record of one input. Paths are written as text; a path that is not UTF-8 is
/// written with U+FFFD in place of each bad byte, and its exact bytes, in hexadecimal,
/// go into `source_hex` / `output_hex` (see [`FileOutcome::to_json_line`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileOutcome {
    #[serde(serialize_with = "lossy")]
    pub source: PathBuf,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "lossy_option"
    )]
    pub output: Option<PathBuf>,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the input was rejected (`reject when ... "REASON"`), for outcome `rejected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Elements per action (combined actions as the branch they resolved to).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
    /// Bytes written.
    #[serde(skip_serializing_if = "is_zero")]
    pub bytes: u64,
    /// How the input was read (`streamed`, `in-memory`, `bare-data-set`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<&'static str>,
    /// What the engine reported and what the input was, for the audit sinks (never in
    /// the report: the facts hold original values).
    #[serde(skip)]
    pub facts: Option<Box<InputFacts>>,
    /// Zero bytes after the last element of the input (trailing padding), dropped.
    #[serde(skip_serializing_if = "is_zero")]
    pub trailing_zeros_dropped: u64,
    /// Warnings about a written output, like `burned-in-risk: ...` (a file to review).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// UN elements of undefined length read as sequences of implicit VR items (CP-246)
    /// and written as SQ.
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub un_sequences_read: u32,
    /// The sha256 of the source and of the output, taken while the output was written
    /// (when the run keeps a manifest), for the manifest; never in the report.
    #[serde(skip)]
    pub hashes: Option<crate::io::FileHashes>,
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// The audit facts of one input that the plan was applied to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputFacts {
    /// The input's SOP Class UID (file meta, else data set).
    pub sop_class: Option<String>,
    /// The input's transfer syntax UID.
    pub transfer_syntax: Option<String>,
    /// What the engine reported.
    pub applied: crate::engine::Facts,
}

fn lossy<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn lossy_option<S: serde::Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => lossy(p, s),
        None => s.serialize_none(),
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl FileOutcome {
    pub fn failed(source: PathBuf, error: String) -> Self {
        FileOutcome {
            source,
            output: None,
            outcome: Outcome::Failed,
            error: Some(error),
            reason: None,
            counts: BTreeMap::new(),
            bytes: 0,
            read: None,
            facts: None,
            trailing_zeros_dropped: 0,
            warnings: Vec::new(),
            un_sequences_read: 0,
            hashes: None,
        }
    }

    pub fn skipped(source: PathBuf, reason: String) -> Self {
        FileOutcome {
            outcome: Outcome::Skipped,
            ..FileOutcome::failed(source, reason)
        }
    }

    /// One JSON line. A path that is not UTF-8 keeps its bytes: `source_hex` (and
    /// `output_hex`) hold them in hexadecimal, next to the lossy `source` text.
    pub fn to_json_line(&self) -> String {
        let Ok(mut line) = serde_json::to_string(self) else {
            return "{}".to_string();
        };
        let extra = [
            ("source_hex", crate::path_text::hex(&self.source)),
            (
                "output_hex",
                self.output.as_deref().and_then(crate::path_text::hex),
            ),
        ];
        for (key, hex) in extra {
            if let Some(hex) = hex {
                // the line is an object: the field goes before its closing brace
                line.pop();
                line.push_str(&format!(",\"{key}\":\"{hex}\"}}"));
            }
        }
        line
    }
}

/// The reason of an input skipped because it is not DICOM (a README, `.DS_Store`).
pub const SKIP_NOT_DICOM: &str = "not DICOM";
/// The reason of an input skipped because its output is already there (a run again).
pub const SKIP_EXISTS: &str = "exists";

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub written: u64,
    pub would_write: u64,
    pub skipped: u64,
    /// Of the skipped: not DICOM.
    pub not_dicom: u64,
    /// Of the skipped: the output was already there.
    pub already_there: u64,
    pub rejected: u64,
    pub failed: u64,
    pub bytes: u64,
    /// Written (or would be) with a `burned-in-risk` warning: files to review.
    pub burned_in_risk: u64,
}

impl Summary {
    pub fn add(&mut self, o: &FileOutcome) {
        match o.outcome {
            Outcome::Written => self.written += 1,
            Outcome::WouldWrite => self.would_write += 1,
            Outcome::Skipped => {
                self.skipped += 1;
                let reason = o.error.as_deref().unwrap_or("");
                if reason.starts_with(SKIP_NOT_DICOM) {
                    self.not_dicom += 1;
                } else if reason.starts_with(SKIP_EXISTS) {
                    self.already_there += 1;
                }
            }
            Outcome::Rejected => self.rejected += 1,
            Outcome::Failed => self.failed += 1,
        }
        self.bytes += o.bytes;
        let written = matches!(o.outcome, Outcome::Written | Outcome::WouldWrite);
        if written && o.warnings.iter().any(|w| w.starts_with("burned-in-risk")) {
            self.burned_in_risk += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.written + self.would_write + self.skipped + self.rejected + self.failed
    }
}
