//! [`Deidentify`] over the library's entry point ([`crate::deid::Deidentifier::bytes`]):
//! the received Part 10 bytes go in, exactly the bytes `run` would write for a file
//! holding them come out. Nothing here decides anything about an instance.

use super::instance::{Deidentified, Deidentify};
use crate::deid::{Deidentifier, Stopped};

/// The library, as the node calls it.
#[derive(Debug)]
pub struct Library {
    deid: Deidentifier<'static>,
}

impl Library {
    /// `deid` lives as long as the node (its plan and keys are made once at start).
    pub fn new(deid: Deidentifier<'static>) -> Library {
        Library { deid }
    }
}

impl Deidentify for Library {
    fn deidentify(&self, part10: Vec<u8>) -> Deidentified {
        match self.deid.bytes(&part10) {
            Ok(done) => Deidentified::Done {
                bytes: done.bytes,
                counts: done.counts,
            },
            // a skipped instance (a DICOMDIR sent by C-STORE) is refused like a rejected one
            Err(stop @ (Stopped::Rejected(_) | Stopped::Skipped(_))) => Deidentified::Rejected {
                reason: stop.reason().to_string(),
            },
            Err(stop) => Deidentified::Failed {
                reason: stop.reason().to_string(),
            },
        }
    }
}
