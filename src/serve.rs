//! `serve`: an anonymizing DICOM node. It accepts associations (C-ECHO, and C-STORE of
//! every storage SOP class of the dictionary), de-identifies each received instance through
//! the library's entry point, and stores it (`--out`) or forwards it (`--forward`, with an
//! on-disk spool while the destination is down).
//!
//! ```text
//!  listener ── one thread per association (bounded) ── association: PDUs → DIMSE message
//!     │                                                  → instance (Part 10 bytes)
//!     │                                                  → Deidentify (the library)
//!     │                                                  → sinks: out / forward / spool
//!     │                                                  → C-STORE-RSP status
//!     └─ spool sender thread: spool → forward, oldest first
//! ```
//!
//! The node holds no de-identification logic: [`instance::Deidentify`] is the seam, and
//! what comes back is written as it is. Success is answered only when the instance is
//! durably stored, accepted by the destination, or durably spooled.

use std::collections::HashMap;
use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::ServerAssociationOptions;
use dicom_ul::association::server::{AcceptAny, DefaultNegotiation};

pub mod association;
pub mod dimse;
pub mod forward;
pub mod instance;
pub mod library;
pub mod listener;
pub mod report;
pub mod sink;
pub mod spool;
pub mod tls;

pub use listener::serve;

/// The storage SOP classes the node accepts (`UID<TAB>Keyword`), from the dictionary.
const STORAGE_SOP_CLASSES: &str = include_str!("../data/storage-sop-classes.tsv");

/// The storage SOP class UIDs accepted by the node.
pub fn storage_sop_classes() -> impl Iterator<Item = &'static str> {
    STORAGE_SOP_CLASSES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split('\t').next())
}

/// The transfer syntaxes the node accepts: every one the tool reads and writes (the
/// registry's, except those whose data set encoding is unsupported).
pub fn transfer_syntaxes() -> Vec<&'static str> {
    TransferSyntaxRegistry
        .iter()
        .filter(|ts| !ts.is_unsupported())
        .map(|ts| ts.uid())
        .collect()
}

/// Checks an AE title: 1 to 16 characters of the default repertoire, no backslash or
/// control characters, not only spaces.
pub fn check_ae_title(ae: &str) -> Result<(), String> {
    let ok = !ae.trim().is_empty()
        && ae.len() <= 16
        && ae
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '\\');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{ae}` is not an AE title (1 to 16 printable ASCII characters, no backslash)"
        ))
    }
}

/// An `--allow AE[@HOST]` rule. HOST is resolved once, at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowRule {
    pub ae_title: String,
    pub hosts: Option<Vec<IpAddr>>,
    pub shown: String,
}

impl std::str::FromStr for AllowRule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ae, host) = match s.split_once('@') {
            Some((ae, host)) => (ae, Some(host)),
            None => (s, None),
        };
        check_ae_title(ae)?;
        let hosts = match host {
            None => None,
            Some(h) => {
                let ips: Vec<IpAddr> = match h.parse::<IpAddr>() {
                    Ok(ip) => vec![ip],
                    Err(_) => (h, 0)
                        .to_socket_addrs()
                        .map_err(|e| format!("cannot resolve the host `{h}` of `{s}`: {e}"))?
                        .map(|a| a.ip())
                        .collect(),
                };
                Some(ips)
            }
        };
        Ok(AllowRule {
            ae_title: ae.trim().to_string(),
            hosts,
            shown: s.to_string(),
        })
    }
}

impl AllowRule {
    /// Whether a calling AE title from `peer` is admitted.
    pub fn admits(&self, calling: &str, peer: Option<IpAddr>) -> bool {
        let host_ok = match (&self.hosts, peer) {
            (None, _) => true,
            (Some(hosts), Some(ip)) => hosts.iter().any(|h| same_ip(*h, ip)),
            (Some(_), None) => false,
        };
        host_ok && calling == self.ae_title
    }
}

fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    let canon = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    canon(a) == canon(b)
}

/// Limits of the node.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_associations: usize,
    /// Largest PDU received (the strict limit offered to peers).
    pub max_pdu: u32,
    /// Largest data set received, in bytes.
    pub max_instance: u64,
    /// Socket read/write timeout: a peer silent this long loses its association.
    pub timeout: Duration,
    /// Longest time one message may take to arrive (a peer trickling bytes).
    pub message_timeout: Duration,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// `ADDR:PORT` (port 0 picks a free one; the chosen address is printed).
    pub listen: String,
    pub ae_title: String,
    pub allow: Vec<AllowRule>,
    pub limits: Limits,
    pub out: Option<PathBuf>,
    pub forward: Option<forward::Target>,
    pub spool: Option<PathBuf>,
    pub spool_max_bytes: u64,
    /// Wait after a failed send from the spool (doubles up to 32 times).
    pub retry: Duration,
    pub report: Option<PathBuf>,
    /// DICOM over TLS on the listening port (see [`tls::server_config`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

struct Slot {
    stream: TcpStream,
    busy_since: Option<Instant>,
}

/// State shared by the listener and the association threads.
pub(crate) struct Shared {
    pub deid: Arc<dyn instance::Deidentify>,
    pub sinks: sink::Sinks,
    pub reporter: report::Reporter,
    pub limits: Limits,
    pub allow: Vec<AllowRule>,
    pub options: ServerAssociationOptions<'static, AcceptAny, DefaultNegotiation>,
    pub tls: Option<tls::Terminator>,
    stop: Arc<AtomicBool>,
    slots: Mutex<HashMap<u64, Slot>>,
}

impl Shared {
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Marks an association as receiving a message (or idle between messages).
    pub fn set_busy(&self, id: u64, busy: bool) {
        if let Ok(mut slots) = self.slots.lock() {
            if let Some(s) = slots.get_mut(&id) {
                s.busy_since = busy.then(Instant::now);
            }
        }
    }

    fn register(&self, id: u64, stream: TcpStream) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(
                id,
                Slot {
                    stream,
                    busy_since: Some(Instant::now()),
                },
            );
        }
    }

    fn unregister(&self, id: u64) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.remove(&id);
        }
    }

    fn active(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Cuts the connections that are idle (at shutdown: nothing in flight there) or
    /// that have been receiving one message for too long.
    fn reap(&self, idle_too: bool) {
        let now = Instant::now();
        if let Ok(slots) = self.slots.lock() {
            for s in slots.values() {
                let cut = match s.busy_since {
                    None => idle_too,
                    Some(t) => now.duration_since(t) > self.limits.message_timeout,
                };
                if cut {
                    let _ = s.stream.shutdown(std::net::Shutdown::Both);
                }
            }
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::dictionary::UidDictionary;
    use dicom_dictionary_std::StandardSopClassDictionary;

    #[test]
    fn the_storage_sop_classes_are_the_dictionary_s() {
        let all: Vec<&str> = storage_sop_classes().collect();
        assert_eq!(all.len(), 214);
        for uid in &all {
            let e = StandardSopClassDictionary
                .by_uid(uid)
                .unwrap_or_else(|| panic!("{uid} is not in the dictionary"));
            assert!(e.name.contains("Storage"), "{uid}");
        }
        assert!(all.contains(&dicom_dictionary_std::uids::CT_IMAGE_STORAGE));
        assert!(all.contains(&dicom_dictionary_std::uids::ENCAPSULATED_PDF_STORAGE));
        assert!(!all.contains(&dicom_dictionary_std::uids::MEDIA_STORAGE_DIRECTORY_STORAGE));
    }

    #[test]
    fn transfer_syntaxes_include_the_usual_ones() {
        let ts = transfer_syntaxes();
        for uid in [
            "1.2.840.10008.1.2",
            "1.2.840.10008.1.2.1",
            "1.2.840.10008.1.2.1.99",
            "1.2.840.10008.1.2.4.50",
        ] {
            assert!(ts.contains(&uid), "{uid}");
        }
    }

    #[test]
    fn allow_rules() {
        let r: AllowRule = "MODALITY@127.0.0.1".parse().unwrap();
        assert!(r.admits("MODALITY", Some("127.0.0.1".parse().unwrap())));
        assert!(r.admits("MODALITY", Some("::ffff:127.0.0.1".parse().unwrap())));
        assert!(!r.admits("MODALITY", Some("127.0.0.2".parse().unwrap())));
        assert!(!r.admits("OTHER", Some("127.0.0.1".parse().unwrap())));
        let any_host: AllowRule = "PACS".parse().unwrap();
        assert!(any_host.admits("PACS", None));
        assert!("".parse::<AllowRule>().is_err());
        assert!("A\\B".parse::<AllowRule>().is_err());
    }
}
