//! Evaluating the plan's conditions on an instance's original values, and taking the
//! original values parameterised actions need, before the walk changes anything.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

use super::walk;
use crate::plan::Plan;
use crate::plan::condition::{Outcome, Values};

/// Which conditions of the plan hold for this data set (index = condition index).
pub(super) fn evaluate(plan: &Plan, obj: &InMemDicomObject) -> Outcome {
    let values = Values::of(plan.condition_tags(), |t| original_text(obj, t));
    plan.conditions()
        .iter()
        .map(|c| c.condition.holds(&values))
        .collect()
}

/// The text of a top-level element as conditions read it (`None`: absent; a value that
/// is not text reads as empty).
pub(super) fn original_text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| walk::text_of(e).unwrap_or_default())
}

/// The original values the plan's `lookup ... by` and `shift-date by table` read.
pub(super) fn originals(
    plan: &Plan,
    obj: &InMemDicomObject,
    patient_key: String,
) -> walk::Originals {
    let text = |tag: Tag| {
        obj.get(tag)
            .and_then(walk::text_of)
            .map(|v| v.trim_matches([' ', '\0']).to_string())
    };
    let reads = plan.original_reads();
    walk::Originals {
        patient_key,
        patient_id: reads
            .patient_id
            .then(|| text(Tag(0x0010, 0x0020)))
            .flatten(),
        by: reads.by.iter().map(|&by| (by, text(by))).collect(),
    }
}
