//! The walk over an output's elements: each one against what the plan does to it.

use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::{Finding, FindingKind, WRITTEN_BY_TOOL};
use crate::engine::{self, ElementPath, Expected};
use crate::plan::Plan;

/// True for a UID made by the keyed remapping: `2.25.` + the decimal of a 128-bit UUID
/// of version 8, variant 10 (what [`Keys::uid`](crate::engine::Keys::uid) makes), or a UID of the standard.
pub fn looks_remapped(uid: &str) -> bool {
    let uid = uid.trim_end_matches(['\0', ' ']);
    if uid.is_empty() || uid.starts_with("1.2.840.10008.") {
        return true;
    }
    let Some(n) = uid.strip_prefix("2.25.") else {
        return false;
    };
    if n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(v) = n.parse::<u128>() else {
        return false;
    };
    let b = v.to_be_bytes();
    b.get(6).is_some_and(|x| x >> 4 == 8) && b.get(8).is_some_and(|x| x >> 6 == 0b10)
}

/// True for a pseudonym `hash` makes: 16 characters of `A-Z2-7`, or digits for IS/DS.
pub(super) fn looks_hashed(vr: VR, value: &str) -> bool {
    let v = value.trim_end_matches(['\0', ' ']);
    if v.is_empty() {
        return true;
    }
    match vr {
        VR::IS | VR::DS => v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()),
        _ => {
            v.len() == 16
                && v.bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        }
    }
}

pub(super) fn is_creator(tag: Tag) -> bool {
    tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element())
}

pub(super) fn creator_of(
    creators: &std::collections::HashMap<(u16, u8), String>,
    tag: Tag,
) -> Option<&str> {
    if tag.group() % 2 == 0 {
        return None;
    }
    let block = u8::try_from(tag.element() >> 8).ok()?;
    creators.get(&(tag.group(), block)).map(String::as_str)
}

/// The string values of an element (padding removed), or nothing for non-text values.
pub(super) fn values(e: &InMemElement) -> Vec<String> {
    match e.value() {
        Value::Primitive(PrimitiveValue::Empty) => Vec::new(),
        Value::Primitive(PrimitiveValue::Str(s)) => vec![s.trim_end_matches([' ', '\0']).into()],
        Value::Primitive(PrimitiveValue::Strs(v)) => v
            .iter()
            .map(|s| s.trim_end_matches([' ', '\0']).to_string())
            .collect(),
        Value::Primitive(_) if e.vr() == VR::UN => engine::text_value(e)
            .map(|t| t.split('\\').map(str::to_string).collect())
            .unwrap_or_default(),
        Value::Primitive(p) if crate::vr::is_text(e.vr()) => p
            .to_multi_str()
            .iter()
            .map(|s| s.trim_end_matches([' ', '\0']).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn is_empty(e: &InMemElement) -> bool {
    match e.value() {
        Value::Primitive(PrimitiveValue::Empty) => true,
        Value::Primitive(p) => match p {
            PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => {
                values(e).iter().all(|v| v.is_empty())
            }
            other => other.calculate_byte_len() == 0,
        },
        Value::Sequence(s) => s.items().is_empty(),
        Value::PixelSequence(_) => false,
    }
}

/// The walk over an output's elements.
pub(super) struct OutputWalk<'a, 'f> {
    pub(super) plan: &'a Plan,
    pub(super) sop_class: Option<&'a str>,
    pub(super) seq_path: Vec<Tag>,
    pub(super) path: Vec<(Tag, Option<usize>)>,
    pub(super) findings: &'f mut Vec<Finding>,
}

impl OutputWalk<'_, '_> {
    fn here(&self, tag: Tag) -> ElementPath {
        let mut p = self.path.clone();
        p.push((tag, None));
        ElementPath(p)
    }

    pub(super) fn dataset(&mut self, obj: &InMemDicomObject, root: bool) {
        let creators = engine::private_creators(obj);
        for elem in obj {
            let tag = elem.tag();
            if (root && WRITTEN_BY_TOOL.contains(&tag)) || is_creator(tag) {
                continue;
            }
            let creator = creator_of(&creators, tag);
            let expected = engine::expected(
                self.plan,
                tag,
                creator,
                elem.vr(),
                self.sop_class,
                &self.seq_path,
            );
            let here = self.here(tag);
            let push = |f: &mut Vec<Finding>, kind, what| f.push(Finding::at(kind, &here, what));
            let descend = matches!(expected, Expected::Keep | Expected::Dummy | Expected::Clean);
            if let Some((kind, what)) = verdict(&expected, elem, tag) {
                push(self.findings, kind, what);
            }
            if let (true, Value::Sequence(seq)) = (descend, elem.value()) {
                self.seq_path.push(tag);
                for (i, item) in seq.items().iter().enumerate() {
                    self.path.push((tag, Some(i)));
                    self.dataset(item, false);
                    self.path.pop();
                }
                self.seq_path.pop();
            }
        }
    }
}

/// What is wrong with an output element, given what the plan does to it.
pub(super) fn verdict(
    expected: &Expected,
    elem: &InMemElement,
    tag: Tag,
) -> Option<(FindingKind, &'static str)> {
    let vr = elem.vr();
    let any = |bad: &dyn Fn(&str) -> bool| values(elem).iter().any(|v| bad(v));
    match expected {
        Expected::Delete if tag.group() % 2 == 1 => Some((
            FindingKind::PrivateNotAllowed,
            "private element not allowed by the plan",
        )),
        Expected::Delete => Some((FindingKind::ShouldBeGone, "should be gone")),
        Expected::Empty => (!is_empty(elem)).then_some((FindingKind::NotEmpty, "should be empty")),
        Expected::Uid => any(&|v| !looks_remapped(v))
            .then_some((FindingKind::UidNotRemapped, "UID not remapped")),
        Expected::Dummy if vr == VR::UI => any(&|v| !looks_remapped(v))
            .then_some((FindingKind::UidNotRemapped, "UID not remapped")),
        Expected::Dummy => match crate::vr::dummy_text(vr) {
            Some(dummy) if crate::vr::is_text(vr) => any(&|v| !v.is_empty() && v != dummy)
                .then_some((
                    FindingKind::NotReplaced,
                    "should hold the replacement value",
                )),
            _ => None,
        },
        Expected::Set(literal) if crate::vr::is_text(vr) => {
            let want: Vec<&str> = literal.split('\\').collect();
            (values(elem) != want)
                .then_some((FindingKind::NotReplaced, "should hold the plan's literal"))
        }
        Expected::Hash => {
            any(&|v| !looks_hashed(vr, v)).then_some((FindingKind::NotHashed, "not a pseudonym"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Keys;

    #[test]
    fn remapped_uids_are_recognised() {
        let keys = Keys::from_bytes(b"0123456789abcdef");
        for uid in ["1.2.3.4", "1.2.826.0.1.3680043.2.1125.1", ""] {
            assert!(looks_remapped(&keys.uid(uid)), "{uid}");
        }
        assert!(looks_remapped("1.2.840.10008.5.1.4.1.1.2"));
        assert!(!looks_remapped("1.2.826.0.1.3680043.2.1125.1"));
        // a random (version 4) UUID UID is not one of ours
        assert!(!looks_remapped(
            "2.25.329800735698586629295641978511506172918"
        ));
        assert!(!looks_remapped("2.25.0123"));
    }

    #[test]
    fn pseudonyms_are_recognised() {
        let keys = Keys::from_bytes(b"0123456789abcdef");
        assert!(looks_hashed(VR::LO, &keys.pseudonym("Doe", 16)));
        assert!(looks_hashed(VR::IS, &keys.numeric_pseudonym("12", 9)));
        assert!(!looks_hashed(VR::LO, "PAT-0001"));
    }
}
