//! Where de-identified instances go: `--out DIR` (durable write), `--forward AE@HOST:PORT`
//! (C-STORE to the next node), and `--spool DIR` when that node is down. A delivery
//! succeeds only when every destination has the instance durably.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::dimse::status;
use super::forward::{Forwarder, SendError};
use super::instance::{self, Header};
use super::report::{Outcome, Record, Reporter};
use super::spool::{Spool, write_durably};

/// The destinations of the node.
#[derive(Debug)]
pub struct Sinks {
    pub out: Option<PathBuf>,
    pub forward: Option<Arc<Forwarder>>,
    pub spool: Option<Arc<Spool>>,
}

/// What a successful delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub output: Option<PathBuf>,
    pub outcome: Outcome,
}

/// A failed delivery: the status for the sender and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered {
    pub status: u16,
    pub error: String,
}

fn undelivered(status: u16, error: impl Into<String>) -> Undelivered {
    Undelivered {
        status,
        error: error.into(),
    }
}

impl Sinks {
    /// `DIR/Study/Series/SOPInstance.dcm` from the new UIDs.
    pub fn out_path(dir: &Path, h: &Header) -> PathBuf {
        dir.join(instance::safe_uid(&h.study))
            .join(instance::safe_uid(&h.series))
            .join(format!("{}.dcm", instance::safe_uid(&h.sop_instance)))
    }

    /// Delivers one de-identified instance to every destination.
    pub fn deliver(&self, part10: &[u8], h: &Header) -> Result<Delivered, Undelivered> {
        let mut done = Delivered {
            output: None,
            outcome: Outcome::Written,
        };
        if let Some(dir) = &self.out {
            let path = Self::out_path(dir, h);
            write_durably(&path, part10).map_err(|e| {
                undelivered(
                    status::OUT_OF_RESOURCES,
                    format!("cannot write `{}`: {e}", path.display()),
                )
            })?;
            done.output = Some(path);
        }
        let Some(forward) = &self.forward else {
            return Ok(done);
        };
        // once instances wait in the spool, new ones queue behind them (arrival order)
        let direct = match &self.spool {
            Some(spool) if !spool.is_empty() => None,
            _ => Some(forward.send(h, part10)),
        };
        let why = match direct {
            Some(Ok(())) => {
                if done.output.is_none() {
                    done.outcome = Outcome::Forwarded;
                }
                return Ok(done);
            }
            Some(Err(SendError::Refused(s))) => {
                return Err(undelivered(
                    status::DESTINATION_REFUSED,
                    format!(
                        "{} refused the instance (status {s:04X}H)",
                        forward.target()
                    ),
                ));
            }
            Some(Err(e @ SendError::NotNegotiated { .. })) => {
                return Err(undelivered(status::DESTINATION_REFUSED, e.to_string()));
            }
            Some(Err(e)) => format!("{}: {e}", forward.target()),
            None => "instances are waiting in the spool".to_string(),
        };
        let Some(spool) = &self.spool else {
            return Err(undelivered(status::OUT_OF_RESOURCES, why));
        };
        match spool.push(part10) {
            Ok(path) => {
                if done.output.is_none() {
                    done.output = Some(path);
                    done.outcome = Outcome::Spooled;
                }
                Ok(done)
            }
            Err(e) => Err(undelivered(status::OUT_OF_RESOURCES, format!("{why}; {e}"))),
        }
    }
}

/// Sends the spool's entries to the destination, oldest first, until `stop`; waits
/// `retry` after a failure (doubling up to 32 times `retry`).
pub fn run_spool_sender(
    spool: &Spool,
    forward: &Forwarder,
    reporter: &Reporter,
    stop: &AtomicBool,
    retry: Duration,
) {
    let mut backoff = retry;
    let mut told_down = false;
    while !stop.load(Ordering::Relaxed) {
        let Some(path) = spool.front(Duration::from_millis(200)) else {
            continue;
        };
        let record = |outcome, error: Option<String>, output, bytes| {
            reporter.record(&Record {
                source: format!(
                    "spool/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                output,
                outcome,
                error,
                counts: Default::default(),
                bytes,
                status: None,
                calling_ae: String::new(),
                association: 0,
                sop_instance: None,
            });
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let aside = spool.set_aside(&path).ok();
                record(Outcome::Failed, Some(format!("cannot read: {e}")), aside, 0);
                continue;
            }
        };
        let header = match instance::header(&bytes) {
            Ok(h) => h,
            Err(e) => {
                let aside = spool.set_aside(&path).ok();
                record(Outcome::Failed, Some(e), aside, 0);
                continue;
            }
        };
        match forward.send(&header, &bytes) {
            Ok(()) => {
                backoff = retry;
                if told_down {
                    say!("forward destination {} is back", forward.target());
                    told_down = false;
                }
                if let Err(e) = spool.remove(&path) {
                    say!(
                        "error: cannot remove `{}` from the spool: {e}",
                        path.display()
                    );
                    // never send it twice in a loop: stop here, a restart resumes
                    return;
                }
                record(Outcome::SentFromSpool, None, None, bytes.len() as u64);
            }
            Err(e) if e.is_transient() => {
                if !told_down {
                    say!(
                        "forward destination {} is down ({} waiting in the spool): {e}",
                        forward.target(),
                        spool.len()
                    );
                    told_down = true;
                }
                // in short steps, so that a stop is seen at once
                let until = std::time::Instant::now() + backoff;
                while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(50));
                }
                backoff = (backoff * 2).min(retry * 32);
            }
            Err(e) => {
                let aside = spool.set_aside(&path).ok();
                record(Outcome::Failed, Some(e.to_string()), aside, 0);
            }
        }
    }
}
