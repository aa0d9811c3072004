//! What the node tells: one JSON line per instance (`--report FILE.jsonl`, like `run`'s,
//! plus the association), one line per association event on stderr, and a summary at
//! shutdown. Lines name AE titles, addresses, new UIDs, statuses and causes, never an
//! element value or an original UID of the received instance.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// How one received instance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Durably written to `--out` (and forwarded, when `--forward` is given too).
    Written,
    /// Accepted by the forward destination.
    Forwarded,
    /// Durably queued in `--spool` for the forward destination.
    Spooled,
    /// Sent from the spool to the forward destination (a line of the spool sender).
    SentFromSpool,
    /// Refused by the de-identification policy.
    Rejected,
    /// Not stored (failure status to the sender, or moved to `refused/` from the spool).
    Failed,
}

/// One JSON line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// `assoc-N/msg-M` (association number since start, DIMSE message id).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
    /// Bytes of the de-identified instance.
    #[serde(skip_serializing_if = "is_zero")]
    pub bytes: u64,
    /// The C-STORE status answered, like `0000` or `A700`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub calling_ae: String,
    pub association: u64,
    /// The new SOP Instance UID (after de-identification).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sop_instance: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Counters for the summary.
#[derive(Debug, Default)]
pub struct Counters {
    pub associations: AtomicU64,
    pub refused_associations: AtomicU64,
    pub aborted_associations: AtomicU64,
    pub echoes: AtomicU64,
    pub written: AtomicU64,
    pub forwarded: AtomicU64,
    pub spooled: AtomicU64,
    pub sent_from_spool: AtomicU64,
    pub rejected: AtomicU64,
    pub failed: AtomicU64,
    pub bytes: AtomicU64,
}

/// The report sink and the counters.
#[derive(Debug, Default)]
pub struct Reporter {
    file: Mutex<Option<std::io::BufWriter<std::fs::File>>>,
    pub counters: Counters,
    write_failed: std::sync::atomic::AtomicBool,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Reporter {
    /// A reporter appending to `path` (created when missing), or counting only.
    pub fn new(path: Option<&std::path::Path>) -> std::io::Result<Reporter> {
        let file = match path {
            Some(p) => Some(std::io::BufWriter::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            )),
            None => None,
        };
        Ok(Reporter {
            file: Mutex::new(file),
            ..Reporter::default()
        })
    }

    /// Counts and writes one record (flushed at once, so that `tail -f` follows it).
    pub fn record(&self, r: &Record) {
        let c = &self.counters;
        match r.outcome {
            Outcome::Written => bump(&c.written),
            Outcome::Forwarded => bump(&c.forwarded),
            Outcome::Spooled => bump(&c.spooled),
            Outcome::SentFromSpool => bump(&c.sent_from_spool),
            Outcome::Rejected => bump(&c.rejected),
            Outcome::Failed => bump(&c.failed),
        }
        c.bytes.fetch_add(r.bytes, Ordering::Relaxed);
        if matches!(r.outcome, Outcome::Failed | Outcome::Rejected) {
            say!(
                "{} from {}: {}: {}",
                r.source,
                r.calling_ae,
                if r.outcome == Outcome::Rejected {
                    "rejected"
                } else {
                    "failed"
                },
                r.error.as_deref().unwrap_or("")
            );
        }
        let Ok(mut file) = self.file.lock() else {
            return;
        };
        if let Some(w) = file.as_mut() {
            let line = serde_json::to_string(r).unwrap_or_else(|_| "{}".to_string());
            if writeln!(w, "{line}").and_then(|()| w.flush()).is_err() {
                self.write_failed.store(true, Ordering::Relaxed);
            }
        }
    }

    pub fn echo(&self) {
        bump(&self.counters.echoes);
    }

    /// Whether some report line could not be written.
    pub fn failed_to_write(&self) -> bool {
        self.write_failed.load(Ordering::Relaxed)
    }

    /// The summary line printed at shutdown.
    pub fn summary(&self) -> String {
        let c = &self.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "{} associations ({} refused, {} aborted), {} echoes; instances: {} written, {} forwarded, {} spooled, {} sent from the spool, {} rejected, {} failed; {:.1} MB",
            g(&c.associations),
            g(&c.refused_associations),
            g(&c.aborted_associations),
            g(&c.echoes),
            g(&c.written),
            g(&c.forwarded),
            g(&c.spooled),
            g(&c.sent_from_spool),
            g(&c.rejected),
            g(&c.failed),
            g(&c.bytes) as f64 / 1e6
        )
    }
}
