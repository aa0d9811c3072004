//! Private creators: finding the creator of a private element, and dropping orphans.

use std::collections::HashMap;

use dicom_core::Tag;
use dicom_core::header::Header;
use dicom_object::InMemDicomObject;

use super::text_of;
use crate::tag::normalize_creator;

/// Overlay Data (60xx,3000) of one of the 16 overlay groups (even groups 6000–601E).
pub(super) fn is_overlay_data(tag: Tag) -> bool {
    (0x6000..=0x601E).contains(&tag.group()) && tag.group() % 2 == 0 && tag.element() == 0x3000
}

pub(super) fn is_creator(tag: Tag) -> bool {
    tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element())
}

/// Private creators of a data set: (group, block) → creator value.
pub(crate) fn creators_of(obj: &InMemDicomObject) -> HashMap<(u16, u8), String> {
    obj.iter()
        .filter(|e| is_creator(e.tag()))
        .filter_map(|e| {
            let block = u8::try_from(e.tag().element()).ok()?;
            let text = text_of(e)?;
            Some((
                (e.tag().group(), block),
                normalize_creator(&text).to_string(),
            ))
        })
        .collect()
}

/// Private creators of a data set as a list of (group, block, creator value): a handful
/// at most, so no hashing, and no allocation for the many data sets without any.
pub(super) fn creator_list(obj: &InMemDicomObject) -> Vec<(u16, u8, String)> {
    obj.iter()
        .filter(|e| is_creator(e.tag()))
        .filter_map(|e| {
            let block = u8::try_from(e.tag().element()).ok()?;
            let text = text_of(e)?;
            Some((e.tag().group(), block, normalize_creator(&text).to_string()))
        })
        .collect()
}

/// The creator of the block of a private data element, if it was declared.
pub(super) fn creator_of(creators: &[(u16, u8, String)], tag: Tag) -> Option<&str> {
    if tag.group() % 2 == 0 {
        return None;
    }
    let block = u8::try_from(tag.element() >> 8).unwrap_or(0);
    creators
        .iter()
        .find(|(g, b, _)| *g == tag.group() && *b == block)
        .map(|(_, _, c)| c.as_str())
}

/// Removes private creators whose block has no element left.
pub(super) fn drop_orphan_creators(obj: &mut InMemDicomObject) {
    let tags: Vec<Tag> = obj.tags().collect();
    for t in tags.iter().filter(|t| is_creator(**t)) {
        let used = tags
            .iter()
            .any(|o| o.group() == t.group() && o.element() >> 8 == t.element() && !is_creator(*o));
        if !used {
            obj.remove_element(*t);
        }
    }
}
