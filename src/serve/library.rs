//! [`Deidentify`] over the library's entry point, with the plan and keys of the node.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::instance::{Deidentified, Deidentify};
use crate::engine::Keys;
use crate::io::report::Outcome;
use crate::plan::Plan;

/// The library, as the node calls it.
#[derive(Debug)]
pub struct Library {
    plan: Plan,
    keys: Keys,
    scratch: tempfile::TempDir,
    next: AtomicU64,
}

impl Library {
    /// # Errors
    /// When no scratch folder can be made in the system's temporary folder.
    pub fn new(plan: Plan, keys: Keys) -> std::io::Result<Library> {
        Ok(Library {
            plan,
            keys,
            scratch: tempfile::Builder::new()
                .prefix("dcmanon-serve-")
                .tempdir()?,
            next: AtomicU64::new(0),
        })
    }

    fn scratch_pair(&self) -> (PathBuf, PathBuf) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (
            self.scratch.path().join(format!("in-{n}.dcm")),
            self.scratch.path().join(format!("out-{n}.dcm")),
        )
    }
}

impl Deidentify for Library {
    fn deidentify(&self, part10: Vec<u8>) -> Deidentified {
        let (src, dst) = self.scratch_pair();
        if let Err(e) = std::fs::write(&src, &part10) {
            return Deidentified::Failed {
                reason: format!("cannot stage the instance: {e}"),
            };
        }
        drop(part10);
        let done = crate::batch::deidentify_file(&self.plan, &self.keys, &src, &dst);
        let _ = std::fs::remove_file(&src);
        let result = match done.outcome {
            Outcome::Written => match std::fs::read(&dst) {
                Ok(bytes) => Deidentified::Done {
                    bytes,
                    counts: done.counts,
                },
                Err(e) => Deidentified::Failed {
                    reason: format!("cannot read the de-identified instance back: {e}"),
                },
            },
            Outcome::Skipped => Deidentified::Rejected {
                reason: done.error.unwrap_or_default(),
            },
            _ => Deidentified::Failed {
                reason: done.error.unwrap_or_else(|| "failed".to_string()),
            },
        };
        let _ = std::fs::remove_file(&dst);
        result
    }
}
