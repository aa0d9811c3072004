//! DIMSE command sets (PS3.7) for the services the node speaks: C-ECHO and C-STORE, as
//! requester and as performer. Commands are always Implicit VR Little Endian.
//!
//! This module only encodes and decodes command sets; it does not touch the network. The
//! statuses a C-STORE response carries are named here, with their meaning for a sender.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;

/// Command Field values (PS3.7 E.1).
pub const C_STORE_RQ: u16 = 0x0001;
pub const C_STORE_RSP: u16 = 0x8001;
pub const C_ECHO_RQ: u16 = 0x0030;
pub const C_ECHO_RSP: u16 = 0x8030;
/// Command Data Set Type: no data set follows.
pub const NO_DATA_SET: u16 = 0x0101;

/// C-STORE statuses the node answers with (PS3.4 B.2.3, PS3.7 C).
pub mod status {
    /// Stored: durably written, accepted by the forward destination, or durably queued.
    pub const SUCCESS: u16 = 0x0000;
    /// Refused, out of resources: the spool is full, a write failed, the instance is larger
    /// than `--max-instance-size`, the destination is down and there is no spool, or the
    /// node is shutting down. Transient: the sender should retry later.
    pub const OUT_OF_RESOURCES: u16 = 0xA700;
    /// Refused, not authorized: the de-identification policy rejects this instance (a
    /// `reject` rule of the profile, an encapsulated document, ...). Retrying will not help.
    pub const NOT_AUTHORIZED: u16 = 0x0124;
    /// Error, data set does not match SOP class: the Affected SOP Class of the command is
    /// not the presentation context's.
    pub const SOP_CLASS_MISMATCH: u16 = 0xA900;
    /// Error, cannot understand: the data set could not be read or de-identified.
    pub const CANNOT_UNDERSTAND: u16 = 0xC000;
    /// Error, cannot understand (destination): the forward destination refused the
    /// de-identified instance with a failure status of its own.
    pub const DESTINATION_REFUSED: u16 = 0xC001;
    /// Unrecognized operation: a command other than C-ECHO or C-STORE.
    pub const UNRECOGNIZED_OPERATION: u16 = 0x0211;
}

/// A decoded request command set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub field: u16,
    pub message_id: u16,
    pub sop_class: String,
    pub sop_instance: String,
    /// Whether a data set follows the command.
    pub has_data: bool,
    /// Status (responses only).
    pub status: Option<u16>,
}

/// Why a command set could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    #[error("the command set cannot be decoded")]
    Decode(#[source] dicom_object::ReadError),
    #[error("the command set has no {0}")]
    Missing(&'static str),
}

fn uid_text(s: &str) -> String {
    s.trim_end_matches(['\0', ' ']).to_string()
}

/// Decodes a command set (Implicit VR Little Endian).
pub fn decode(bytes: &[u8]) -> Result<Command, CommandError> {
    let ts = IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, &ts).map_err(CommandError::Decode)?;
    let u16_of = |tag| {
        obj.get(tag)
            .and_then(|e: &dicom_object::mem::InMemElement| e.to_int::<u16>().ok())
    };
    let str_of = |tag| {
        obj.get(tag)
            .and_then(|e: &dicom_object::mem::InMemElement| e.to_str().ok().map(|s| uid_text(&s)))
            .unwrap_or_default()
    };
    let field = u16_of(tags::COMMAND_FIELD).ok_or(CommandError::Missing("Command Field"))?;
    let message_id = u16_of(tags::MESSAGE_ID)
        .or_else(|| u16_of(tags::MESSAGE_ID_BEING_RESPONDED_TO))
        .ok_or(CommandError::Missing("Message ID"))?;
    let data_type = u16_of(tags::COMMAND_DATA_SET_TYPE)
        .ok_or(CommandError::Missing("Command Data Set Type"))?;
    Ok(Command {
        field,
        message_id,
        sop_class: str_of(tags::AFFECTED_SOP_CLASS_UID),
        sop_instance: str_of(tags::AFFECTED_SOP_INSTANCE_UID),
        has_data: data_type != NO_DATA_SET,
        status: u16_of(tags::STATUS),
    })
}

fn encode(obj: &InMemDicomObject) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    let ts = IMPLICIT_VR_LITTLE_ENDIAN.erased();
    // writing a handful of primitive elements into memory cannot fail; an empty command
    // would be refused by the peer, never misread
    if obj.write_dataset_with_ts(&mut out, &ts).is_err() {
        out.clear();
    }
    out
}

fn us(tag: dicom_core::Tag, v: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

fn ui(tag: dicom_core::Tag, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::UI, PrimitiveValue::from(v))
}

/// C-ECHO-RSP to `message_id`, status success.
pub fn echo_response(message_id: u16) -> Vec<u8> {
    encode(&InMemDicomObject::command_from_element_iter([
        ui(
            tags::AFFECTED_SOP_CLASS_UID,
            dicom_dictionary_std::uids::VERIFICATION,
        ),
        us(tags::COMMAND_FIELD, C_ECHO_RSP),
        us(tags::MESSAGE_ID_BEING_RESPONDED_TO, message_id),
        us(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
        us(tags::STATUS, status::SUCCESS),
    ]))
}

/// C-STORE-RSP to a request (the UIDs are the request's, echoed as PS3.7 requires).
pub fn store_response(request: &Command, status: u16) -> Vec<u8> {
    encode(&InMemDicomObject::command_from_element_iter([
        ui(tags::AFFECTED_SOP_CLASS_UID, &request.sop_class),
        us(tags::COMMAND_FIELD, C_STORE_RSP),
        us(tags::MESSAGE_ID_BEING_RESPONDED_TO, request.message_id),
        us(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
        us(tags::STATUS, status),
        ui(tags::AFFECTED_SOP_INSTANCE_UID, &request.sop_instance),
    ]))
}

/// A response to any other request (`response.field` already has the response bit):
/// the status only, like "unrecognized operation".
pub fn generic_response(response: &Command, status: u16) -> Vec<u8> {
    let mut elements = vec![
        us(tags::COMMAND_FIELD, response.field),
        us(tags::MESSAGE_ID_BEING_RESPONDED_TO, response.message_id),
        us(tags::COMMAND_DATA_SET_TYPE, NO_DATA_SET),
        us(tags::STATUS, status),
    ];
    if !response.sop_class.is_empty() {
        elements.push(ui(tags::AFFECTED_SOP_CLASS_UID, &response.sop_class));
    }
    encode(&InMemDicomObject::command_from_element_iter(elements))
}

/// C-STORE-RQ, medium priority, a data set follows.
pub fn store_request(message_id: u16, sop_class: &str, sop_instance: &str) -> Vec<u8> {
    encode(&InMemDicomObject::command_from_element_iter([
        ui(tags::AFFECTED_SOP_CLASS_UID, sop_class),
        us(tags::COMMAND_FIELD, C_STORE_RQ),
        us(tags::MESSAGE_ID, message_id),
        us(tags::PRIORITY, 0),
        us(tags::COMMAND_DATA_SET_TYPE, 0x0000),
        ui(tags::AFFECTED_SOP_INSTANCE_UID, sop_instance),
    ]))
}

/// Whether a C-STORE response status means the destination has the instance (success or
/// a warning: coercion, elements discarded, data set does not match SOP class).
pub fn is_stored(status: u16) -> bool {
    matches!(status, 0x0000 | 0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF)
}

/// Whether a failure status from a destination is worth retrying later (out of
/// resources, or a refusal during shutdown).
pub fn is_transient(status: u16) -> bool {
    matches!(status, 0xA700..=0xA7FF | 0x0213 | 0xFE00)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_request_round_trips() {
        let bytes = store_request(7, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.4");
        let c = decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.field, C_STORE_RQ);
        assert_eq!(c.message_id, 7);
        assert_eq!(c.sop_class, "1.2.840.10008.5.1.4.1.1.2");
        assert_eq!(c.sop_instance, "1.2.3.4");
        assert!(c.has_data);
        // the group length is present and right
        assert_eq!(&bytes[..4], &[0, 0, 0, 0]);
    }

    #[test]
    fn store_response_echoes_the_request() {
        let rq = decode(&store_request(9, "1.2.3", "4.5.6")).unwrap_or_else(|e| panic!("{e}"));
        let rsp = decode(&store_response(&rq, status::OUT_OF_RESOURCES))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rsp.field, C_STORE_RSP);
        assert_eq!(rsp.message_id, 9);
        assert_eq!(rsp.status, Some(0xA700));
        assert_eq!(rsp.sop_instance, "4.5.6");
        assert!(!rsp.has_data);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\0\0\0\0\x04\0\0\0",
        ] {
            assert!(decode(bytes).is_err());
        }
    }
}
