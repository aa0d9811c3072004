//! dicom-rs errors rendered without element values (see the [module docs](super)).

use std::fmt;

/// The cause reported by dicom-rs, rendered without element values.
///
/// The original error is dropped on purpose (see the module docs): some dicom-rs messages
/// embed values. The chain is rendered level by level, `": "`-separated; the levels known
/// to embed values are replaced by a fixed text. `source()` is always `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DicomCause(String);

impl DicomCause {
    /// Render `err` and its sources without element values.
    pub fn new(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut parts: Vec<String> = Vec::new();
        let mut level: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = level {
            let text = sanitized_level(e);
            if parts.last() != Some(&text) {
                parts.push(text);
            }
            level = e.source();
        }
        DicomCause(parts.join(": "))
    }

    /// A cause with a fixed text of our own.
    pub(crate) fn fixed(text: &str) -> Self {
        DicomCause(text.to_owned())
    }

    /// The rendered text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True if an I/O error in the chain says the input ended early.
    pub(crate) fn chain_has_eof(err: &(dyn std::error::Error + 'static)) -> bool {
        let mut level = Some(err);
        while let Some(e) = level {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::UnexpectedEof {
                    return true;
                }
            }
            level = e.source();
        }
        false
    }
}

impl fmt::Display for DicomCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DicomCause {}

/// One level of a dicom-rs error chain, with the value-bearing variants replaced.
fn sanitized_level(e: &(dyn std::error::Error + 'static)) -> String {
    use dicom_parser::stateful::decode::Error as DecodeError;
    if let Some(d) = e.downcast_ref::<DecodeError>() {
        match d {
            DecodeError::InvalidDateValue { position, .. } => {
                return format!("invalid DA value at position {position}");
            }
            DecodeError::InvalidTimeValue { position, .. } => {
                return format!("invalid TM value at position {position}");
            }
            DecodeError::InvalidDateTimeValue { position, .. } => {
                return format!("invalid DT value at position {position}");
            }
            DecodeError::UnsupportedCharacterSet { .. } => {
                return "unsupported character set".to_owned();
            }
            DecodeError::UndefinedValueLength { position, .. } => {
                return format!("undefined value length at position {position}");
            }
            _ => {}
        }
    }
    // a tag in a parser error may have been read out of step, from value bytes: never
    // printed (issue 13)
    if let Some(d) = e.downcast_ref::<dicom_parser::dataset::read::Error>() {
        use dicom_parser::dataset::read::Error as R;
        match d {
            R::ReadValue { len, .. } => return format!("could not read {len} value bytes"),
            R::UnexpectedItemTag { .. } => {
                return "unexpected item tag while reading an element header".to_owned();
            }
            R::InvalidElementLength { bytes_read, .. } => {
                return format!("invalid element length at byte {bytes_read:#x}");
            }
            _ => {}
        }
    }
    match e.downcast_ref::<dicom_object::ReadError>() {
        Some(dicom_object::ReadError::UnexpectedToken { .. }) => {
            return "unexpected data set token".to_owned();
        }
        Some(dicom_object::ReadError::ReadUnrecognizedTransferSyntax { .. }) => {
            return "unrecognized transfer syntax".to_owned();
        }
        _ => {}
    }
    if let Some(dicom_object::WriteError::WriteUnrecognizedTransferSyntax { .. }) = e.downcast_ref()
    {
        return "unrecognized transfer syntax".to_owned();
    }
    if let Some(w) = e.downcast_ref::<dicom_parser::dataset::write::Error>() {
        match w {
            dicom_parser::dataset::write::Error::UnexpectedToken { .. } => {
                return "unexpected data set token".to_owned();
            }
            dicom_parser::dataset::write::Error::UnsupportedCharacterSet { .. } => {
                return "unsupported character set".to_owned();
            }
            _ => {}
        }
    }
    if let Some(dicom_parser::stateful::encode::Error::UnsupportedCharacterSet { .. }) =
        e.downcast_ref()
    {
        return "unsupported character set".to_owned();
    }
    if e.is::<dicom_encoding::text::DecodeTextError>() {
        return "could not decode text".to_owned();
    }
    if e.is::<dicom_encoding::text::EncodeTextError>() {
        return "could not encode text".to_owned();
    }
    if e.is::<dicom_core::value::DeserializeError>()
        || e.is::<dicom_core::value::ConvertValueError>()
        || e.is::<dicom_core::value::InvalidValueReadError>()
    {
        return "invalid value".to_owned();
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
    use dicom_parser::dataset::read::{DataSetReader, DataSetReaderOptions, ValueReadStrategy};

    fn full_chain(e: &(dyn std::error::Error + 'static)) -> String {
        let mut s = e.to_string();
        let mut level = e.source();
        while let Some(l) = level {
            s.push_str(": ");
            s.push_str(&l.to_string());
            level = l.source();
        }
        s
    }

    #[test]
    fn dicom_cause_drops_values_that_dicom_rs_prints() {
        // (0008,0020) DA "19AB0101" read with the Interpreted strategy: dicom-parser's
        // error text quotes the value
        let mut bytes = vec![0x08, 0x00, 0x20, 0x00, b'D', b'A', 8, 0];
        bytes.extend_from_slice(b"19AB0101");
        let ts = dicom_transfer_syntax_registry::TransferSyntaxRegistry
            .get("1.2.840.10008.1.2.1")
            .unwrap();
        let options = DataSetReaderOptions::default().value_read(ValueReadStrategy::Interpreted);
        let reader = DataSetReader::new_with_ts_options(&bytes[..], ts, options).unwrap();
        let err = reader.filter_map(Result::err).next().unwrap();
        assert!(
            full_chain(&err).contains("19AB0101"),
            "{}",
            full_chain(&err)
        );
        let cause = DicomCause::new(&err);
        assert!(!cause.as_str().contains("19AB0101"), "{cause}");
        assert!(
            cause.as_str().contains("invalid DA value at position"),
            "{cause}"
        );
    }
}
