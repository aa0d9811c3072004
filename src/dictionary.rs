//! What the tool needs from the standard data dictionary.
//!
//! Look-ups by tag and by keyword go to `dicom-dictionary-std` (the dictionary the
//! reader uses). That crate cannot list its entries and has no runtime "retired" flag,
//! so the list of every entry comes from `data/dictionary.tsv`, generated from the same
//! crate version by `scripts/gen-dictionary.py` (a test checks that both agree). The
//! list serves keyword suggestions, masks that match nothing, and retired keywords.

use std::collections::HashMap;
use std::sync::LazyLock;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::tag::TagPattern;

const TABLE: &str = include_str!("../data/dictionary.tsv");

/// One row of the dictionary list.
#[derive(Debug, Clone)]
pub struct Entry {
    pub pattern: TagPattern,
    pub keyword: &'static str,
    /// The VR as DCMTK writes it: two capitals, or lower case for a choice (`xs`, `ox`...).
    pub vr: &'static str,
    pub retired: bool,
}

struct Table {
    entries: Vec<Entry>,
    by_keyword: HashMap<&'static str, usize>,
}

static DICT: LazyLock<Table> = LazyLock::new(|| {
    let mut entries = Vec::with_capacity(5400);
    for line in TABLE.lines() {
        if line.starts_with('#') || line.starts_with("tag\t") {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(tag), Some(keyword), Some(vr), Some(retired)) =
            (cols.next(), cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        let Ok(pattern) = TagPattern::parse_tag(tag) else {
            continue;
        };
        entries.push(Entry {
            pattern,
            keyword,
            vr,
            retired: retired == "Y",
        });
    }
    let by_keyword = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.keyword, i))
        .collect();
    Table {
        entries,
        by_keyword,
    }
});

/// Parses the list and has dicom-rs build its index of tags, if not done yet
/// (`tables::start`).
pub(crate) fn parse_now() {
    LazyLock::force(&DICT);
    let _ = StandardDataDictionary.by_tag(Tag(0x0010, 0x0010));
}

/// Every entry of the standard dictionary, in tag order.
pub fn entries() -> &'static [Entry] {
    &DICT.entries
}

/// The dictionary entry of a keyword.
pub fn by_keyword(keyword: &str) -> Option<&'static Entry> {
    DICT.by_keyword
        .get(keyword)
        .and_then(|&i| DICT.entries.get(i))
}

/// Whether a keyword names a retired attribute.
pub fn is_retired_keyword(keyword: &str) -> bool {
    by_keyword(keyword).is_some_and(|e| e.retired)
}

/// Keyword of a public tag (repeating groups included), if the dictionary has it.
pub fn keyword_of(tag: Tag) -> Option<&'static str> {
    if tag.group() % 2 == 1 || tag.element() == 0 {
        return None;
    }
    StandardDataDictionary.by_tag(tag).map(|e| e.alias)
}

/// The VR the dictionary gives a public tag, if there is exactly one.
pub fn vr_of(tag: Tag) -> Option<VR> {
    if tag.group() % 2 == 1 {
        return None;
    }
    StandardDataDictionary
        .by_tag(tag)
        .and_then(|e| e.vr().exact())
}

/// The VR choices the dictionary gives a public tag (`US or SS`, `OB or OW`...).
pub fn vr_choices(tag: Tag) -> Vec<VR> {
    if tag.group() % 2 == 1 {
        return Vec::new();
    }
    match StandardDataDictionary.by_tag(tag).map(|e| e.vr()) {
        None => Vec::new(),
        Some(VirtualVr::Exact(vr)) => vec![vr],
        Some(VirtualVr::Xs) => vec![VR::US, VR::SS],
        Some(VirtualVr::Ox) | Some(VirtualVr::Px) => vec![VR::OB, VR::OW],
        Some(VirtualVr::Lt) => vec![VR::US, VR::OW],
        Some(other) => vec![other.relaxed()],
    }
}

/// Parses the VR column of the list into its choices.
pub fn vr_choices_of_entry(entry: &Entry) -> Vec<VR> {
    match entry.vr {
        "xs" => vec![VR::US, VR::SS],
        "ox" | "px" => vec![VR::OB, VR::OW],
        "lt" => vec![VR::US, VR::OW],
        s => s.parse::<VR>().ok().into_iter().collect(),
    }
}

/// Up to three keywords close to `word`, best first (for "did you mean"); retired
/// keywords only when they match exactly.
pub fn suggest_keywords(word: &str) -> Vec<String> {
    let keywords = entries()
        .iter()
        .filter(|e| !e.retired || e.keyword.eq_ignore_ascii_case(word))
        .map(|e| e.keyword);
    crate::fuzzy::closest(word, keywords, 0.88)
}

/// Dictionary entries a pattern selects (for masks: every listed tag that matches).
pub fn entries_matching(pattern: &TagPattern) -> Vec<&'static Entry> {
    match pattern {
        TagPattern::Exact(t) => entries()
            .iter()
            .filter(|e| match &e.pattern {
                TagPattern::Exact(et) => et == t,
                TagPattern::Masked(m) => m.matches(*t),
                TagPattern::Private(_) => false,
            })
            .collect(),
        TagPattern::Masked(m) => entries()
            .iter()
            .filter(|e| match &e.pattern {
                TagPattern::Exact(et) => m.matches(*et),
                // a repeating-group entry is selected if some tag of its range is
                TagPattern::Masked(em) => {
                    let common = m.bits() & em.bits();
                    m.value() & common == em.value() & common
                }
                TagPattern::Private(_) => false,
            })
            .collect(),
        TagPattern::Private(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_agrees_with_dicom_rs() {
        assert_eq!(entries().len(), 5346);
        for e in entries() {
            let by_name = StandardDataDictionary
                .by_name(e.keyword)
                .unwrap_or_else(|| panic!("{} missing in dicom-dictionary-std", e.keyword));
            let from_rs = TagPattern::from_keyword(e.keyword).unwrap();
            assert_eq!(from_rs, e.pattern, "{}", e.keyword);
            let rs_vr = by_name.vr();
            if let Some(vr) = rs_vr.exact() {
                assert_eq!(vr.to_string(), e.vr, "{}", e.keyword);
            }
        }
    }

    #[test]
    fn retired_and_lookups() {
        assert!(is_retired_keyword("OtherPatientIDs"));
        assert!(!is_retired_keyword("PatientName"));
        assert_eq!(keyword_of(Tag(0x0010, 0x0010)), Some("PatientName"));
        assert_eq!(keyword_of(Tag(0x6002, 0x3000)), Some("OverlayData"));
        assert_eq!(keyword_of(Tag(0x0009, 0x0010)), None);
        assert_eq!(vr_of(Tag(0x0008, 0x0018)), Some(VR::UI));
        assert_eq!(vr_choices(Tag(0x0028, 0x0106)), vec![VR::US, VR::SS]);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_keywords("patientname")[0], "PatientName");
        assert_eq!(suggest_keywords("StudyInstanceUId")[0], "StudyInstanceUID");
        assert!(suggest_keywords("Zzzzqqq").is_empty());
    }

    #[test]
    fn masks_select_entries() {
        let m = TagPattern::parse_tag("(60xx,4000)").unwrap();
        let hits = entries_matching(&m);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].keyword, "OverlayComments");
        let none = TagPattern::parse_tag("(0011,xxxx)").unwrap();
        assert!(entries_matching(&none).is_empty());
    }
}
