//! Instances that header rules cannot make safe: encapsulated documents (PDF, CDA, STL,
//! OBJ, MTL...). Their content is a document the plan cannot look into, so they are
//! rejected by default: not written, outcome `rejected` with a reason. A profile lets a
//! SOP class through with `accept sop-class "UID"` (lint warns: the document's content is
//! not de-identified).

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

use crate::plan::Plan;

/// The SOP classes of encapsulated documents (PS3.4 B.5): every UID under this root.
const DOCUMENT_ROOT: &str = "1.2.840.10008.5.1.4.1.1.104.";

/// (0042,0011) Encapsulated Document.
const ENCAPSULATED_DOCUMENT: Tag = Tag(0x0042, 0x0011);
const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);

/// The name of an encapsulated document SOP class, or `None` for another class.
pub fn document_class(uid: &str) -> Option<&'static str> {
    let rest = uid.strip_prefix(DOCUMENT_ROOT)?;
    Some(match rest {
        "1" => "Encapsulated PDF Storage",
        "2" => "Encapsulated CDA Storage",
        "3" => "Encapsulated STL Storage",
        "4" => "Encapsulated OBJ Storage",
        "5" => "Encapsulated MTL Storage",
        _ => "an encapsulated document storage SOP class",
    })
}

/// Why the plan does not let this instance through, or `None`. The reason names the SOP
/// class (a UID of the standard), never a value of the instance.
pub fn rejection(plan: &Plan, obj: &InMemDicomObject) -> Option<String> {
    let sop_class = obj
        .get(SOP_CLASS_UID)
        .and_then(super::walk::text_of)
        .unwrap_or_default();
    let class = document_class(&sop_class);
    let has_document = obj.get(ENCAPSULATED_DOCUMENT).is_some();
    if class.is_none() && !has_document {
        return None;
    }
    if plan.accepted_sop_classes().contains(&sop_class) {
        return None;
    }
    let what = match class {
        Some(name) => format!("an encapsulated document ({name}, {sop_class})"),
        None => "an instance with (0042,0011) Encapsulated Document".to_string(),
    };
    let accept = if sop_class.is_empty() {
        String::new()
    } else {
        format!("; `accept sop-class \"{sop_class}\"` in the profile writes it anyway")
    };
    Some(format!(
        "{what}: header rules cannot de-identify the document's content{accept}"
    ))
}
