//! One association, from A-ASSOCIATE to release or abort: C-ECHO, C-STORE (receive the
//! whole data set, de-identify through the library, deliver, answer), limits.
//!
//! Anything wrong on the wire (garbage, a malformed or oversized PDU, a peer that stalls
//! past the timeout or disconnects mid-instance) ends this association only. An instance
//! is handed on only once its last fragment has arrived, so a broken transfer leaves
//! nothing behind; its sender never heard success and keeps it.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr, TcpStream};

use dicom_ul::association::Association;
use dicom_ul::association::server::AccessControl;
use dicom_ul::pdu::{
    AssociationRJServiceUserReason, PDataValue, PDataValueType, PresentationContextResultReason,
    UserIdentity,
};
use dicom_ul::{Pdu, ServerAssociation};

use super::dimse::{self, Command, status};
use super::instance::{self, Deidentified};
use super::report::{Outcome, Record};
use super::{AllowRule, Shared};

/// The node's access rule: the called AE title must be ours; the calling AE title (and
/// host) must be on the allow-list when there is one.
struct Access<'a> {
    allow: &'a [AllowRule],
    peer: Option<IpAddr>,
}

impl AccessControl for Access<'_> {
    fn check_access(
        &self,
        this_ae_title: &str,
        calling_ae_title: &str,
        called_ae_title: &str,
        _user_identity: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        if called_ae_title.trim() != this_ae_title.trim() {
            return Err(AssociationRJServiceUserReason::CalledAETitleNotRecognized);
        }
        let calling = calling_ae_title.trim();
        if self.allow.is_empty() || self.allow.iter().any(|r| r.admits(calling, self.peer)) {
            Ok(())
        } else {
            Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized)
        }
    }
}

/// A received DIMSE message.
enum Message {
    Echo(Command, u8),
    Store(Command, u8, Received),
    Other(Command, u8),
    Released,
    Aborted,
}

/// The data set of a C-STORE, as it arrived.
enum Received {
    /// A Part 10 buffer: our file meta, then the data set bytes as received.
    Complete(Vec<u8>),
    /// Larger than `--max-instance-size` (the bytes were read and dropped).
    TooLarge(u64),
    /// The command cannot be stored (its SOP class is not the context's, or its UIDs
    /// cannot make a file meta group).
    Unusable(u16, String),
}

/// Largest command set accepted (commands are a few hundred bytes).
const MAX_COMMAND: usize = 64 * 1024;

fn wire(e: &dicom_ul::association::Error) -> String {
    crate::batch::error_chain(e)
}

/// Handles one connection to its end.
/// `peer` is the address of the remote node (with TLS, `stream` is the loopback end of
/// the decrypted connection).
pub(crate) fn handle(shared: &Shared, stream: TcpStream, peer: Option<SocketAddr>, id: u64) {
    let options = shared.options.clone().ae_access_control(Access {
        allow: &shared.allow,
        peer: peer.map(|p| p.ip()),
    });
    let shown_peer = peer.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
    let mut assoc = match options.establish(stream) {
        Ok(a) => a,
        Err(e) => {
            shared
                .reporter
                .counters
                .refused_associations
                .fetch_add(1, RELAXED);
            say!(
                "association {id} from {shown_peer}: not established: {}",
                wire(&e)
            );
            return;
        }
    };
    let calling = assoc.peer_ae_title().trim().to_string();
    shared.reporter.counters.associations.fetch_add(1, RELAXED);
    let accepted = assoc
        .presentation_contexts()
        .iter()
        .filter(|pc| pc.reason == PresentationContextResultReason::Acceptance)
        .count();
    say!(
        "association {id} from {calling}@{shown_peer}: accepted ({accepted} presentation contexts)"
    );
    let mut messages = 0u64;
    let mut pending = VecDeque::new();
    loop {
        shared.set_busy(id, false);
        if shared.stopping() {
            say!("association {id}: closed for shutdown after {messages} messages");
            let _ = assoc.abort();
            return;
        }
        let message = match read_message(shared, &mut assoc, &mut pending, id) {
            Ok(m) => m,
            Err(why) => {
                shared
                    .reporter
                    .counters
                    .aborted_associations
                    .fetch_add(1, RELAXED);
                let why = if shared.stopping() {
                    "closed for shutdown".to_string()
                } else {
                    why
                };
                say!("association {id} from {calling}: ended: {why}");
                let _ = assoc.abort();
                return;
            }
        };
        messages += 1;
        let (context, reply) = match message {
            Message::Released => {
                let _ = assoc.send(&Pdu::ReleaseRP);
                say!(
                    "association {id} from {calling}: released after {} messages",
                    messages - 1
                );
                return;
            }
            Message::Aborted => {
                shared
                    .reporter
                    .counters
                    .aborted_associations
                    .fetch_add(1, RELAXED);
                say!("association {id} from {calling}: aborted by the peer");
                return;
            }
            Message::Echo(cmd, context) => {
                shared.reporter.echo();
                (context, dimse::echo_response(cmd.message_id))
            }
            Message::Other(cmd, context) => {
                let mut rsp = cmd.clone();
                rsp.field |= 0x8000;
                (
                    context,
                    dimse::generic_response(&rsp, status::UNRECOGNIZED_OPERATION),
                )
            }
            Message::Store(cmd, context, received) => {
                let code = store(shared, &cmd, received, id, &calling);
                (context, dimse::store_response(&cmd, code))
            }
        };
        let pdu = Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: context,
                value_type: PDataValueType::Command,
                is_last: true,
                data: reply,
            }],
        };
        if let Err(e) = assoc.send(&pdu) {
            shared
                .reporter
                .counters
                .aborted_associations
                .fetch_add(1, RELAXED);
            say!(
                "association {id} from {calling}: cannot answer: {}",
                wire(&e)
            );
            let _ = assoc.abort();
            return;
        }
    }
}

const RELAXED: std::sync::atomic::Ordering = std::sync::atomic::Ordering::Relaxed;

/// De-identifies and delivers one instance; the status for the sender.
fn store(shared: &Shared, cmd: &Command, received: Received, id: u64, calling: &str) -> u16 {
    let mut record = Record {
        source: format!("assoc-{id}/msg-{}", cmd.message_id),
        output: None,
        outcome: Outcome::Failed,
        error: None,
        counts: Default::default(),
        bytes: 0,
        status: None,
        calling_ae: calling.to_string(),
        association: id,
        sop_instance: None,
    };
    let code = match received {
        Received::TooLarge(n) => {
            record.error = Some(format!(
                "the instance is larger than the limit ({n} > {} bytes)",
                shared.limits.max_instance
            ));
            status::OUT_OF_RESOURCES
        }
        Received::Unusable(code, why) => {
            record.error = Some(why);
            code
        }
        Received::Complete(part10) => match shared.deid.deidentify(part10) {
            Deidentified::Rejected { reason } => {
                record.outcome = Outcome::Rejected;
                record.error = Some(reason);
                status::NOT_AUTHORIZED
            }
            Deidentified::Failed { reason } => {
                record.error = Some(reason);
                status::CANNOT_UNDERSTAND
            }
            Deidentified::Done { bytes, counts } => {
                record.counts = counts;
                match instance::header(&bytes) {
                    Err(e) => {
                        record.error = Some(e);
                        status::CANNOT_UNDERSTAND
                    }
                    Ok(h) => {
                        record.sop_instance = Some(h.sop_instance.clone());
                        match shared.sinks.deliver(&bytes, &h) {
                            Ok(d) => {
                                record.outcome = d.outcome;
                                record.output = d.output;
                                record.bytes = bytes.len() as u64;
                                status::SUCCESS
                            }
                            Err(u) => {
                                record.error = Some(u.error);
                                u.status
                            }
                        }
                    }
                }
            }
        },
    };
    record.status = Some(format!("{code:04X}"));
    shared.reporter.record(&record);
    code
}

/// Reads PDUs until one whole DIMSE message (command, and data set if any) is in.
fn read_message(
    shared: &Shared,
    assoc: &mut ServerAssociation<TcpStream>,
    pending: &mut VecDeque<PDataValue>,
    id: u64,
) -> Result<Message, String> {
    let mut command_bytes = Vec::new();
    let mut command: Option<(Command, u8)> = None;
    let mut data: Option<Vec<u8>> = None;
    let mut data_len = 0u64;
    let mut unusable: Option<(u16, String)> = None;
    let mut first = true;
    loop {
        let Some(pdv) = pending.pop_front() else {
            let pdu = assoc.receive().map_err(|e| wire(&e))?;
            if first {
                shared.set_busy(id, true);
                first = false;
            }
            match pdu {
                Pdu::PData { data } => pending.extend(data),
                Pdu::ReleaseRQ if command.is_none() && command_bytes.is_empty() => {
                    return Ok(Message::Released);
                }
                Pdu::AbortRQ { .. } => return Ok(Message::Aborted),
                other => {
                    return Err(format!(
                        "unexpected {} from the peer",
                        other.short_description()
                    ));
                }
            }
            continue;
        };
        {
            let ctx = pdv.presentation_context_id;
            let Some(pc) = assoc.presentation_contexts().iter().find(|pc| {
                pc.id == ctx && pc.reason == PresentationContextResultReason::Acceptance
            }) else {
                return Err(format!(
                    "data on presentation context {ctx}, which was not accepted"
                ));
            };
            match (&pdv.value_type, &command) {
                (PDataValueType::Command, None) => {
                    command_bytes.extend_from_slice(&pdv.data);
                    if command_bytes.len() > MAX_COMMAND {
                        return Err("a command set longer than 64 KiB".to_string());
                    }
                    if !pdv.is_last {
                        continue;
                    }
                    let cmd = dimse::decode(&command_bytes).map_err(|e| e.to_string())?;
                    let is_store = cmd.field == dimse::C_STORE_RQ;
                    if !cmd.has_data {
                        return Ok(match cmd.field {
                            dimse::C_ECHO_RQ => Message::Echo(cmd, ctx),
                            _ if is_store => Message::Store(
                                cmd,
                                ctx,
                                Received::Unusable(
                                    status::CANNOT_UNDERSTAND,
                                    "a C-STORE without a data set".into(),
                                ),
                            ),
                            _ => Message::Other(cmd, ctx),
                        });
                    }
                    if is_store {
                        let abstract_syntax = pc.abstract_syntax.trim_end_matches(['\0', ' ']);
                        if cmd.sop_class != abstract_syntax {
                            unusable = Some((
                                status::SOP_CLASS_MISMATCH,
                                "the Affected SOP Class is not the presentation context's".into(),
                            ));
                        } else {
                            match instance::part10_prefix(
                                &cmd.sop_class,
                                &cmd.sop_instance,
                                pc.transfer_syntax.trim_end_matches(['\0', ' ']),
                            ) {
                                Ok(prefix) => data = Some(prefix),
                                Err(e) => unusable = Some((status::CANNOT_UNDERSTAND, e)),
                            }
                        }
                    }
                    command = Some((cmd, ctx));
                }
                (PDataValueType::Command, Some(_)) => {
                    return Err("a command arrived inside a data set".to_string());
                }
                (PDataValueType::Data, None) => {
                    return Err("a data set arrived before its command".to_string());
                }
                (PDataValueType::Data, Some((_, cctx))) => {
                    if ctx != *cctx {
                        return Err("a data set on another presentation context".to_string());
                    }
                    data_len += pdv.data.len() as u64;
                    if data_len > shared.limits.max_instance {
                        data = None;
                    } else if let Some(buf) = data.as_mut() {
                        buf.extend_from_slice(&pdv.data);
                    }
                    if !pdv.is_last {
                        continue;
                    }
                    let Some((cmd, cctx)) = command.take() else {
                        return Err("a data set arrived before its command".to_string());
                    };
                    if cmd.field != dimse::C_STORE_RQ {
                        return Ok(Message::Other(cmd, cctx));
                    }
                    let received = if let Some((code, why)) = unusable.take() {
                        Received::Unusable(code, why)
                    } else if data_len > shared.limits.max_instance {
                        Received::TooLarge(data_len)
                    } else {
                        match data.take() {
                            Some(buf) => Received::Complete(buf),
                            None => Received::Unusable(status::CANNOT_UNDERSTAND, "no data".into()),
                        }
                    };
                    return Ok(Message::Store(cmd, cctx, received));
                }
            }
        }
    }
}
