//! `clean` (PS3.15 `C`): free text with the instance's own identifying values taken out.
//!
//! The identifying values of an instance are the original values of every element the
//! plan takes out (removes, empties, replaces, remaps, hashes or shifts), at any depth:
//! names and each of their components, IDs, accession numbers, institution and physician
//! names, UIDs, dates (also in the written forms `2021-03-04`, `04/03/2021`, `03/04/2021`,
//! `04.03.2021`). `check --source` searches outputs for the same set
//! ([`identifying_values`]).
//!
//! [`scrub`] replaces, case-insensitively and longest first, every occurrence of one of
//! them with [`MARKER`], and so values that identify by their shape: dates, e-mail
//! addresses and phone numbers. It is deterministic: the same text and values give the
//! same result.

use std::sync::OnceLock;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::{ElementPath, Expected};
use crate::plan::Plan;

/// What `clean` puts where an identifying value was.
pub const MARKER: &str = "[REMOVED]";

/// Values of the instance the plan takes out, with where each one is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifying {
    pub path: ElementPath,
    /// The values (a person name also by component).
    pub texts: Vec<String>,
    /// A UID the plan remaps.
    pub uid: bool,
}

const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// The identifying values of `obj` under `plan` (read before the plan changes it).
pub fn identifying_values(plan: &Plan, obj: &InMemDicomObject) -> Vec<Identifying> {
    let sop_class = obj
        .get(Tag(0x0008, 0x0016))
        .and_then(super::walk::text_of)
        .filter(|s| !s.is_empty());
    let mut out = Vec::new();
    collect(
        plan,
        obj,
        sop_class.as_deref(),
        &mut Vec::new(),
        &mut Vec::new(),
        &mut out,
    );
    out
}

fn collect(
    plan: &Plan,
    obj: &InMemDicomObject,
    sop_class: Option<&str>,
    seq_path: &mut Vec<Tag>,
    path: &mut Vec<(Tag, Option<usize>)>,
    out: &mut Vec<Identifying>,
) {
    if seq_path.len() > super::MAX_DEPTH {
        return;
    }
    let creators = super::private_creators(obj);
    for elem in obj {
        let tag = elem.tag();
        let creator_tag = tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element());
        if creator_tag || tag == PIXEL_DATA {
            continue;
        }
        let creator = (tag.group() % 2 == 1)
            .then(|| u8::try_from(tag.element() >> 8).ok())
            .flatten()
            .and_then(|block| creators.get(&(tag.group(), block)))
            .map(String::as_str);
        let expected = super::expected(plan, tag, creator, elem.vr(), sop_class, seq_path);
        // a kept value is the plan's choice, so is a `regexp` or `clean` result
        let keeps = matches!(
            expected,
            Expected::Keep | Expected::Regexp | Expected::Clean
        );
        let text_vr = crate::vr::is_text(elem.vr()) || elem.vr() == VR::UN;
        if !keeps && text_vr && !matches!(elem.value(), Value::Sequence(_)) {
            let mut texts: Vec<String> = super::walk::text_of(elem)
                .map(|t| t.split('\\').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default();
            if elem.vr() == VR::PN {
                let parts: Vec<String> = texts
                    .iter()
                    .flat_map(|v| {
                        v.split(['^', '='])
                            .map(|s| s.trim().to_string())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                texts.extend(parts);
            }
            texts.retain(|t| !t.is_empty());
            if !texts.is_empty() {
                let mut p = path.clone();
                p.push((tag, None));
                out.push(Identifying {
                    path: ElementPath(p),
                    texts,
                    uid: elem.vr() == VR::UI && matches!(expected, Expected::Uid | Expected::Dummy),
                });
            }
        }
        if let Value::Sequence(seq) = elem.value() {
            seq_path.push(tag);
            for (i, item) in seq.items().iter().enumerate() {
                path.push((tag, Some(i)));
                collect(plan, item, sop_class, seq_path, path, out);
                path.pop();
            }
            seq_path.pop();
        }
    }
}

/// Whether a source value is worth searching for: at least 4 characters, not a number of
/// fewer than 8 characters (`70`, `1.75`, `2`; dates like `19600101` are searched), not
/// a UID of the standard, and printable text (no control or replacement characters, which
/// come from binary values).
pub fn searchable(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 {
        return false;
    }
    if v.starts_with("1.2.840.10008.") {
        return false;
    }
    let numeric = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && v.chars().any(|c| c.is_ascii_digit());
    if numeric && v.len() < 8 {
        return false;
    }
    // a zero written with many digits (`0.000000`) is a measurement nobody is named by
    if numeric && !v.chars().any(|c| c.is_ascii_digit() && c != '0') {
        return false;
    }
    !v.chars().any(|c| c.is_control() || c == '\u{FFFD}')
}

/// The written forms of a DA value `YYYYMMDD` that free text uses.
fn date_forms(v: &str) -> Vec<String> {
    let b = v.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return Vec::new();
    }
    let (Some(y), Some(m), Some(d)) = (v.get(0..4), v.get(4..6), v.get(6..8)) else {
        return Vec::new();
    };
    vec![
        format!("{y}-{m}-{d}"),
        format!("{d}/{m}/{y}"),
        format!("{m}/{d}/{y}"),
        format!("{d}.{m}.{y}"),
    ]
}

/// Values that identify by their shape: e-mail addresses, dates, phone numbers.
fn shapes() -> Option<&'static regex::Regex> {
    static SHAPES: OnceLock<Option<regex::Regex>> = OnceLock::new();
    SHAPES
        .get_or_init(|| {
            regex::Regex::new(concat!(
                r"(?i)[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}",
                r"|\b(19|20)\d{2}[-/.](0?[1-9]|1[0-2])[-/.](0?[1-9]|[12]\d|3[01])\b",
                r"|\b(0?[1-9]|[12]\d|3[01])[-/.](0?[1-9]|1[0-2])[-/.](19|20)\d{2}\b",
                r"|\b(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\b",
                r"|\+?\(?\b\d{2,4}\)?[ .-]\d{2,4}[ .-]\d{2,4}([ .-]\d{2,4})?\b",
            ))
            .ok()
        })
        .as_ref()
}

/// The needles [`scrub`] looks for: the identifying values worth searching (as `check`
/// searches them, [`searchable`]), with dates also in their written forms,
/// lower case, longest first.
pub fn needles(values: &[Identifying]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        for t in &v.texts {
            let mut forms = vec![t.clone()];
            forms.extend(date_forms(t));
            for f in forms {
                if searchable(&f) {
                    out.push(f.to_lowercase());
                }
            }
        }
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// `text` with every occurrence of a needle (case-insensitive) and every value of an
/// identifying shape replaced by [`MARKER`].
pub fn scrub(text: &str, needles: &[String]) -> String {
    let mut out = text.to_string();
    if !needles.is_empty() {
        if let Ok(m) = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(needles)
        {
            out = m.replace_all(&out, &vec![MARKER; needles.len()]);
        }
        // needles with non-ASCII letters: compared in lower case
        for n in needles.iter().filter(|n| !n.is_ascii()) {
            out = replace_caseless(&out, n);
        }
    }
    match shapes() {
        Some(re) => re.replace_all(&out, MARKER).into_owned(),
        None => out,
    }
}

fn replace_caseless(text: &str, needle: &str) -> String {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // lower-casing changed the byte lengths: positions would not line up
        return text.replace(needle, MARKER);
    }
    let mut out = String::new();
    let mut last = 0;
    for (i, _) in lower.match_indices(needle) {
        if i < last {
            continue;
        }
        out.push_str(text.get(last..i).unwrap_or_default());
        out.push_str(MARKER);
        last = i + needle.len();
    }
    out.push_str(text.get(last..).unwrap_or_default());
    out
}

/// `clean` on a text element: each value scrubbed, cut to the VR's length if the marker
/// made it longer.
pub(crate) fn clean_element(elem: InMemElement, needles: &[String]) -> InMemElement {
    let tag = elem.tag();
    let vr = elem.vr();
    let values: Vec<String> = super::walk::text_of(&elem)
        .map(|t| {
            t.split('\\')
                .map(|v| {
                    let cleaned = scrub(v, needles);
                    match crate::vr::max_len(vr) {
                        Some(max) if cleaned.chars().count() > max => {
                            cleaned.chars().take(max).collect()
                        }
                        _ => cleaned,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if values.iter().all(String::is_empty) {
        return DataElement::empty(tag, vr);
    }
    DataElement::new(tag, vr, PrimitiveValue::Strs(values.into()))
}

/// `clean` on a sequence whose items were walked: in a Content Sequence, the TEXT and
/// PNAME leaves of its items are cleaned and the DATE, TIME and DATETIME leaves get
/// `dummy` (a date is identifying as a whole).
pub(crate) fn clean_content(
    elem: InMemElement,
    needles: &[String],
    dummy: impl Fn(InMemElement) -> InMemElement,
) -> InMemElement {
    let tag = elem.tag();
    if tag != super::sr::CONTENT_SEQUENCE {
        return elem;
    }
    let Value::Sequence(seq) = elem.into_value() else {
        return DataElement::empty(tag, VR::SQ);
    };
    let mut items: Vec<InMemDicomObject> = seq.into_items().into_vec();
    for item in &mut items {
        for leaf in super::sr::LEAVES {
            if let Some(e) = item.take(leaf) {
                item.put(if super::sr::is_text_leaf(leaf) {
                    clean_element(e, needles)
                } else {
                    dummy(e)
                });
            }
        }
    }
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(texts: &[&str]) -> Vec<Identifying> {
        vec![Identifying {
            path: ElementPath::default(),
            texts: texts.iter().map(|t| t.to_string()).collect(),
            uid: false,
        }]
    }

    #[test]
    fn identifying_values_and_shapes_are_replaced() {
        let n = needles(&values(&[
            "Doeberg^Jane",
            "Doeberg",
            "Jane",
            "MRN4471923",
            "20210304",
        ]));
        let out = scrub(
            "Dr JANE DOEBERG (mrn4471923), seen 2021-03-04 and 04/03/2021; call +44 20 7946 0958 or jane.doe@example.org",
            &n,
        );
        for leak in ["JANE", "DOEBERG", "4471923", "2021", "7946", "example"] {
            assert!(
                !out.to_lowercase().contains(&leak.to_lowercase()),
                "{leak}: {out}"
            );
        }
        assert!(
            out.starts_with("Dr [REMOVED] [REMOVED] ([REMOVED]), seen [REMOVED]"),
            "{out}"
        );
        // ordinary words and measurements stay
        assert_eq!(
            scrub("lesion 12 mm in the left lobe", &n),
            "lesion 12 mm in the left lobe"
        );
        // deterministic
        assert_eq!(scrub("Jane", &n), scrub("Jane", &n));
    }
}
