//! The forward destination: a C-STORE SCU over pooled associations.
//!
//! Presentation contexts are fixed when an association is made, and the node never
//! transcodes, so a pooled association carries one (SOP class, transfer syntax) pair and is
//! reused for the next instance of the same pair. An association that fails on reuse (the
//! destination dropped it while idle) is replaced once; the instance is then sent again,
//! which is harmless: C-STORE of the same SOP Instance UID replaces it.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dicom_ul::pdu::{PDataValue, PDataValueType, PresentationContextResultReason};
use dicom_ul::{ClientAssociation, ClientAssociationOptions, Pdu};

use super::dimse;
use super::instance::Header;

/// `AE@HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub ae_title: String,
    pub address: String,
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ae, addr) = s
            .split_once('@')
            .ok_or_else(|| format!("`{s}` is not AE@HOST:PORT"))?;
        super::check_ae_title(ae)?;
        if addr
            .rsplit_once(':')
            .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
        {
            return Err(format!("`{s}` is not AE@HOST:PORT"));
        }
        Ok(Target {
            ae_title: ae.to_string(),
            address: addr.to_string(),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.ae_title, self.address)
    }
}

/// Why an instance was not accepted by the destination.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Not reachable, association refused, connection lost, timeout, or a transient
    /// failure status: worth retrying later.
    #[error("the destination is unavailable: {0}")]
    Unavailable(String),
    /// The destination does not take this SOP class in this transfer syntax.
    #[error("the destination does not accept SOP class `{sop_class}` in transfer syntax `{ts}`")]
    NotNegotiated { sop_class: String, ts: String },
    /// The destination answered with a failure status.
    #[error("the destination refused the instance (status {0:04X}H)")]
    Refused(u16),
}

impl SendError {
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Unavailable(_))
    }
}

struct Conn {
    assoc: ClientAssociation<TcpStream>,
    sop_class: String,
    ts: String,
    context_id: u8,
    next_message_id: u16,
    idle_since: Instant,
}

/// A C-STORE SCU with a pool of idle associations.
pub struct Forwarder {
    target: Target,
    calling_ae: String,
    timeout: Duration,
    max_pdu: u32,
    idle: Mutex<Vec<Conn>>,
    max_idle: usize,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Idle associations older than this are released rather than reused.
const MAX_IDLE: Duration = Duration::from_secs(30);

fn ul_error(e: &dicom_ul::association::Error) -> String {
    crate::batch::error_chain(e)
}

impl Forwarder {
    pub fn new(
        target: Target,
        calling_ae: &str,
        timeout: Duration,
        max_pdu: u32,
        max_idle: usize,
    ) -> Self {
        Forwarder {
            target,
            calling_ae: calling_ae.to_string(),
            timeout,
            max_pdu,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    fn take_idle(&self, sop_class: &str, ts: &str) -> Option<Conn> {
        let mut idle = self.idle.lock().ok()?;
        let now = Instant::now();
        // drop the stale ones (their peers may have closed them)
        let (fresh, stale): (Vec<Conn>, Vec<Conn>) = idle
            .drain(..)
            .partition(|c| now.duration_since(c.idle_since) < MAX_IDLE);
        *idle = fresh;
        drop(idle);
        for c in stale {
            let _ = c.assoc.release();
        }
        let mut idle = self.idle.lock().ok()?;
        let pos = idle
            .iter()
            .position(|c| c.sop_class == sop_class && c.ts == ts)?;
        Some(idle.swap_remove(pos))
    }

    fn put_idle(&self, mut conn: Conn) {
        conn.idle_since = Instant::now();
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        if idle.len() < self.max_idle {
            idle.push(conn);
        } else {
            drop(idle);
            let _ = conn.assoc.release();
        }
    }

    fn connect(&self, sop_class: &str, ts: &str) -> Result<Conn, SendError> {
        let assoc = ClientAssociationOptions::new()
            .calling_ae_title(self.calling_ae.as_str())
            .called_ae_title(self.target.ae_title.as_str())
            .with_presentation_context(sop_class, vec![ts])
            .max_pdu_length(self.max_pdu)
            .connection_timeout(self.timeout)
            .read_timeout(self.timeout)
            .write_timeout(self.timeout)
            .establish(self.target.address.as_str())
            .map_err(|e| SendError::Unavailable(ul_error(&e)))?;
        let context = assoc
            .presentation_contexts()
            .iter()
            .find(|pc| pc.reason == PresentationContextResultReason::Acceptance)
            .map(|pc| pc.id);
        let Some(context_id) = context else {
            let _ = assoc.release();
            return Err(SendError::NotNegotiated {
                sop_class: sop_class.to_string(),
                ts: ts.to_string(),
            });
        };
        Ok(Conn {
            assoc,
            sop_class: sop_class.to_string(),
            ts: ts.to_string(),
            context_id,
            next_message_id: 1,
            idle_since: Instant::now(),
        })
    }

    /// Sends one de-identified instance; `Ok` when the destination has it.
    pub fn send(&self, header: &Header, part10: &[u8]) -> Result<(), SendError> {
        let data = part10
            .get(header.data_offset..)
            .ok_or_else(|| SendError::Unavailable("the instance has no data set".to_string()))?;
        if let Some(mut conn) = self.take_idle(&header.sop_class, &header.transfer_syntax) {
            match store(&mut conn, header, data) {
                Ok(status) => return self.finish(conn, status),
                // a reused association that broke: try once more on a new one
                Err(_) => drop(conn.assoc.abort()),
            }
        }
        let mut conn = self.connect(&header.sop_class, &header.transfer_syntax)?;
        match store(&mut conn, header, data) {
            Ok(status) => self.finish(conn, status),
            Err(why) => {
                let _ = conn.assoc.abort();
                Err(SendError::Unavailable(why))
            }
        }
    }

    fn finish(&self, conn: Conn, status: u16) -> Result<(), SendError> {
        self.put_idle(conn);
        if dimse::is_stored(status) {
            Ok(())
        } else if dimse::is_transient(status) {
            Err(SendError::Unavailable(format!(
                "the destination answered status {status:04X}H"
            )))
        } else {
            Err(SendError::Refused(status))
        }
    }

    /// Releases the idle associations (at shutdown).
    pub fn close(&self) {
        let conns: Vec<Conn> = match self.idle.lock() {
            Ok(mut idle) => idle.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for c in conns {
            let _ = c.assoc.release();
        }
    }
}

/// One C-STORE exchange on `conn`: the status, or why the exchange broke.
fn store(conn: &mut Conn, header: &Header, data: &[u8]) -> Result<u16, String> {
    let message_id = conn.next_message_id;
    conn.next_message_id = conn.next_message_id.wrapping_add(1).max(1);
    let command = dimse::store_request(message_id, &header.sop_class, &header.sop_instance);
    let pdu = Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: conn.context_id,
            value_type: PDataValueType::Command,
            is_last: true,
            data: command,
        }],
    };
    conn.assoc.send(&pdu).map_err(|e| ul_error(&e))?;
    {
        let mut writer = conn.assoc.send_pdata(conn.context_id);
        writer.write_all(data).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    let mut command = Vec::new();
    loop {
        match conn.assoc.receive().map_err(|e| ul_error(&e))? {
            Pdu::PData { data } => {
                for pdv in data {
                    if pdv.value_type != PDataValueType::Command {
                        return Err("the destination sent a data set in reply".to_string());
                    }
                    command.extend_from_slice(&pdv.data);
                    if pdv.is_last {
                        let rsp = dimse::decode(&command).map_err(|e| e.to_string())?;
                        if rsp.field != dimse::C_STORE_RSP || rsp.message_id != message_id {
                            return Err("the destination answered another request".to_string());
                        }
                        return rsp
                            .status
                            .ok_or_else(|| "the destination's answer has no status".to_string());
                    }
                }
                if command.len() > 1 << 20 {
                    return Err("the destination's answer is too long".to_string());
                }
            }
            Pdu::AbortRQ { .. } => return Err("the destination aborted the association".into()),
            other => {
                return Err(format!(
                    "the destination sent an unexpected {}",
                    other.short_description()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t: Target = "ARCHIVE@pacs.example:104".parse().unwrap();
        assert_eq!(t.ae_title, "ARCHIVE");
        assert_eq!(t.address, "pacs.example:104");
        assert_eq!(t.to_string(), "ARCHIVE@pacs.example:104");
        for bad in [
            "ARCHIVE",
            "@h:1",
            "A@h",
            "A@:104",
            "A@h:x",
            "WAY-TOO-LONG-AE-TITLE@h:1",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }
}
