//! What applying the plan to one data set did, beyond counts: the mappings it made
//! (for the linkage file) and the decisions the profile left to its fallbacks (for
//! coverage). The walk records them as it decides; nothing here re-reads a data set.
//!
//! These facts hold original values (PHI): they go to the audit sinks (`crate::audit`),
//! which encrypt them or keep only tags, never to logs or reports.

use std::collections::BTreeMap;

use dicom_core::{Tag, VR};

use crate::plan::Decision;

/// The attributes whose original → new mapping is recorded, at the top level of a data set.
pub const LINKED: [Tag; 6] = [
    Tag(0x0010, 0x0020), // PatientID
    Tag(0x0010, 0x0010), // PatientName
    Tag(0x0008, 0x0050), // AccessionNumber
    Tag(0x0020, 0x000D), // StudyInstanceUID
    Tag(0x0020, 0x000E), // SeriesInstanceUID
    Tag(0x0008, 0x0018), // SOPInstanceUID
];

/// One original → new value of a [`LINKED`] attribute (new is empty when the plan
/// emptied or removed the attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub tag: Tag,
    pub original: String,
    pub new: String,
}

/// What was done to one private block (a creator in a group) of one data set, at any depth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockFate {
    /// Elements of the block (its creator element not counted).
    pub elements: u64,
    /// Those still in the output.
    pub kept: u64,
}

/// Private blocks by (creator, group).
pub type Blocks = BTreeMap<(String, u16), BlockFate>;

/// The facts of one data set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Original → new of the linked attributes (only those the input had, non-empty).
    pub mappings: Vec<Mapping>,
    /// The patient's date shift, when a date of this data set was shifted.
    pub shift_days: Option<i64>,
    /// Elements (at any depth) that no rule matched and `default keep` kept: their tag
    /// and VR, each once.
    pub kept_by_default: Vec<(Tag, VR)>,
    /// Private blocks seen (creator, normalised, and group) and what became of them.
    pub private_blocks: Blocks,
}

/// Collects facts while the walk runs.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    kept_by_default: Vec<(Tag, VR)>,
    private_blocks: Blocks,
}

impl Recorder {
    /// The walk decided `decision` for a (non-creator) element of `tag` and `vr`.
    pub(crate) fn decided(&mut self, tag: Tag, vr: VR, decision: &Decision<'_>) {
        if let Decision::Fallback(f) = decision {
            if tag.group() % 2 == 0 && f.disposition == crate::plan::Disposition::Keep {
                // a standard tag stored as UN is re-typed by the walk, as here
                let vr = match vr {
                    VR::UN => crate::dictionary::vr_of(tag).unwrap_or(VR::UN),
                    vr => vr,
                };
                self.kept_by_default.push((tag, vr));
            }
        }
    }

    /// How many kept-by-default entries there are (a mark for [`Recorder::removed_group`]).
    pub(crate) fn mark(&self) -> usize {
        self.kept_by_default.len()
    }

    /// The walk removed `group` whole after deciding its elements (an overlay without
    /// its data): entries recorded since `mark` for that group were not kept after all.
    pub(crate) fn removed_group(&mut self, mark: usize, group: u16) {
        let mut i = 0usize;
        self.kept_by_default.retain(|(t, _)| {
            i += 1;
            i <= mark || t.group() != group
        });
    }

    /// A data set's private blocks after the walk changed it: `before` holds, per
    /// (group, block), its creator and how many elements it had; `after` is the data set.
    pub(crate) fn blocks(
        &mut self,
        creators: &[(u16, u8, String)],
        before: &[Tag],
        after: impl Iterator<Item = Tag>,
    ) {
        let block_of = |t: &Tag| -> Option<(u16, u8)> {
            let b = u8::try_from(t.element() >> 8).ok()?;
            (t.group() % 2 == 1 && t.element() > 0x00FF).then_some((t.group(), b))
        };
        let after: Vec<(u16, u8)> = after.filter_map(|t| block_of(&t)).collect();
        for (group, block, creator) in creators {
            let elements = before
                .iter()
                .filter(|t| block_of(t) == Some((*group, *block)))
                .count() as u64;
            let kept = after.iter().filter(|k| **k == (*group, *block)).count() as u64;
            let fate = self
                .private_blocks
                .entry((creator.clone(), *group))
                .or_default();
            fate.elements += elements;
            fate.kept += kept;
        }
    }

    pub(crate) fn finish(mut self) -> (Vec<(Tag, VR)>, Blocks) {
        self.kept_by_default.sort_unstable();
        self.kept_by_default.dedup();
        (self.kept_by_default, self.private_blocks)
    }
}
