//! The engine: carries out a [`Plan`] on a DICOM data set.
//!
//! ```text
//! Engine::apply_file(&mut FileDicomObject)
//!   ├─ per-file context: SOP class (for combined actions), patient key (date shift)
//!   ├─ walk: every element at every depth → plan.decide(tag) → one step   (walk.rs)
//!   │    combined actions, `empty` on sequences: resolved by the IOD       (resolve.rs)
//!   ├─ de-identification attributes: (0012,0062) (0012,0063) (0012,0064) (0028,0303)
//!   └─ file meta: SOP class/instance follow the data set, our implementation UID,
//!      AE titles and private meta information removed
//! ```
//!
//! The engine never sees profile syntax, spans or file names, and never reports an
//! element value: errors name tag paths only. It does no I/O: reading and writing
//! files is the `io` layer's job.

use std::collections::BTreeMap;

use dicom_core::{Tag, VR};
use dicom_object::{FileDicomObject, InMemDicomObject};

use crate::plan::{Decision, Plan};

pub mod clean;
mod conditions;
mod deid_attributes;
pub mod documents;
pub mod error;
pub mod facts;
pub mod keyed;
pub mod pixel;
pub mod resolve;
pub mod sr;
mod walk;

use deid_attributes::Earlier;
pub use deid_attributes::NOT_CONFORMANT;
pub use error::{ApplyError, ElementPath};
pub use facts::{BlockFate, Facts, Mapping};
pub use keyed::{KeyError, Keys};
pub use resolve::{Branch, IodType, Resolution, resolve};
pub use walk::MAX_DEPTH;

/// How many elements each action was applied to (by canonical action name).
pub type Counts = BTreeMap<String, u64>;

/// True for a value that can go into a file meta UID element: digits and dots, at most
/// 64 characters (leading zeros, common in real files, are accepted as readers do).
fn meta_uid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// What the engine does to one element, after resolving combined actions: what `check`
/// expects to find in an output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// Kept as it is (a sequence: kept, with the plan applied inside its items).
    Keep,
    /// Removed.
    Delete,
    /// Zero length (a sequence: no items).
    Empty,
    /// The VR's dummy (a UI: keyed new UIDs; a sequence: kept, plan applied inside).
    Dummy,
    /// This literal.
    Set(String),
    /// Keyed new UIDs.
    Uid,
    /// Keyed pseudonyms.
    Hash,
    /// Shifted dates.
    ShiftDate,
    /// A regular-expression substitution.
    Regexp,
    /// Free text cleaned of the instance's identifying values (a sequence: kept, plan
    /// applied inside).
    Clean,
}

/// Resolves the plan for one element exactly as the engine does: the element's tag,
/// its private creator (for private elements), its VR (a standard tag stored as UN is
/// resolved with its dictionary VR, as the engine re-types it), the instance's SOP Class
/// UID and the tags of the enclosing sequences (outermost first), for combined actions.
/// Elements that are always removed (group lengths, group 0002 in a data set, (FFFA,FFFA),
/// (FFFC,FFFC)) give [`Expected::Delete`].
pub fn expected(
    plan: &Plan,
    tag: Tag,
    creator: Option<&str>,
    vr: VR,
    sop_class: Option<&str>,
    seq_path: &[Tag],
) -> Expected {
    if walk::always_removed(tag) {
        return Expected::Delete;
    }
    let vr = if vr == VR::UN {
        crate::dictionary::vr_of(tag).unwrap_or(VR::UN)
    } else {
        vr
    };
    // the value leaves of a content item follow what the Content Sequence gets (sr.rs)
    if let Some((_, above)) = seq_path.split_last() {
        if sr::is_content_leaf(tag, seq_path) {
            match expected(plan, sr::CONTENT_SEQUENCE, None, VR::SQ, sop_class, above) {
                Expected::Dummy => return Expected::Dummy,
                Expected::Clean if sr::is_text_leaf(tag) => return Expected::Clean,
                Expected::Clean => return Expected::Dummy,
                _ => {}
            }
        }
    }
    let decision = plan.decide_in(tag, creator, vr, seq_path);
    match walk::resolve_action(decision.action(), tag, vr, sop_class, seq_path) {
        walk::Step::Keep => Expected::Keep,
        walk::Step::Delete => Expected::Delete,
        walk::Step::Empty => Expected::Empty,
        walk::Step::Dummy => Expected::Dummy,
        walk::Step::Set(v) => Expected::Set(v.to_string()),
        walk::Step::Uid => Expected::Uid,
        walk::Step::Hash => Expected::Hash,
        walk::Step::ShiftDate => Expected::ShiftDate,
        walk::Step::Clean => Expected::Clean,
        walk::Step::ShiftDays(_) => Expected::ShiftDate,
        // values derived from the original (kept in part, or mapped): like a regexp
        walk::Step::Regexp(_)
        | walk::Step::HashWith(_)
        | walk::Step::KeepYear
        | walk::Step::CapAge(_)
        | walk::Step::Truncate(_)
        | walk::Step::Lookup(_) => Expected::Regexp,
    }
}

/// The private creators of a data set: (group, block) → creator (trimmed).
pub fn private_creators(obj: &InMemDicomObject) -> std::collections::HashMap<(u16, u8), String> {
    walk::creators_of(obj)
}

/// The text of an element (trailing padding removed), decoding raw bytes of a UN element
/// as text; `None` for sequences and values that are not text.
pub fn text_value(e: &dicom_object::mem::InMemElement) -> Option<String> {
    walk::text_of(e)
}

/// The implementation class UID written into every output's file meta
/// (a UUID-derived UID, `2.25.` + UUID 0xd05dd0d8-…, fixed for this tool).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.276963588038270806786887064480709140832";

/// The implementation version name written into every output's file meta (SH, ≤16).
pub const IMPLEMENTATION_VERSION_NAME: &str = concat!("DCMANON_", env!("CARGO_PKG_VERSION"));

/// The plan one instance gets: without `when` blocks or `reject when`, the plan itself;
/// else the plan specialised to which conditions hold on `original` (the instance's
/// original values; cached per outcome). `Err` with the reason when a `reject when`
/// holds.
pub fn instance_plan<'p>(
    plan: &'p Plan,
    original: &InMemDicomObject,
) -> Result<InstancePlan<'p>, String> {
    if plan.conditions().is_empty() {
        return Ok(InstancePlan::Same(plan));
    }
    let outcome = conditions::evaluate(plan, original);
    if let Some(reason) = plan.rejected(&outcome) {
        return Err(reason.to_string());
    }
    Ok(InstancePlan::Specialised(plan.specialised(&outcome)))
}

/// The plan of one instance (see [`instance_plan`]).
#[derive(Debug, Clone)]
pub enum InstancePlan<'p> {
    Same(&'p Plan),
    Specialised(std::sync::Arc<Plan>),
}

impl std::ops::Deref for InstancePlan<'_> {
    type Target = Plan;
    fn deref(&self) -> &Plan {
        match self {
            InstancePlan::Same(p) => p,
            InstancePlan::Specialised(p) => p,
        }
    }
}

/// What applying the plan did to one data set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Elements per action (resolved: combined actions count as the branch taken).
    pub counts: Counts,
    /// Whether any date was shifted.
    pub dates_shifted: bool,
    /// The mappings made and the decisions left to fallbacks (holds original values:
    /// for the audit sinks only, never for logs).
    pub facts: Facts,
    /// What the instance's own plan (under its conditions) does with a top-level Pixel
    /// Data (7FE0,0010) that the I/O layer left on disk, which the walk never sees.
    pub streamed_pixel: PixelFate,
}

/// What an instance's plan does with a top-level Pixel Data the walk never saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PixelFate {
    /// Kept by a rule.
    #[default]
    Kept,
    /// Kept because no rule decides it and the fallback is `default keep`.
    KeptByDefault,
    /// Deleted: the I/O layer must not copy it.
    Deleted,
}

impl PixelFate {
    fn of(plan: &Plan) -> Self {
        let decision = plan.decide_public(Tag(0x7FE0, 0x0010));
        match decision {
            _ if matches!(decision.action(), crate::plan::Action::Delete) => PixelFate::Deleted,
            Decision::Fallback(_) => PixelFate::KeptByDefault,
            Decision::Rule(_) => PixelFate::Kept,
        }
    }
}

/// Applies a plan to data sets with a key.
#[derive(Debug, Clone)]
pub struct Engine<'a> {
    plan: &'a Plan,
    keys: &'a Keys,
    /// whether a rule cleans (then each instance's identifying values are collected)
    cleans: bool,
}

const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);
const SOP_INSTANCE_UID: Tag = Tag(0x0008, 0x0018);
const PATIENT_ID: Tag = Tag(0x0010, 0x0020);
const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const STUDY_INSTANCE_UID: Tag = Tag(0x0020, 0x000D);
const PATIENT_IDENTITY_REMOVED: Tag = Tag(0x0012, 0x0062);
const DEIDENTIFICATION_METHOD: Tag = Tag(0x0012, 0x0063);
const DEIDENTIFICATION_METHOD_CODES: Tag = Tag(0x0012, 0x0064);
const LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED: Tag = Tag(0x0028, 0x0303);

impl<'a> Engine<'a> {
    pub fn new(plan: &'a Plan, keys: &'a Keys) -> Self {
        let cleans = plan
            .all_rules()
            .iter()
            .any(|r| r.action == crate::plan::Action::Clean);
        Engine { plan, keys, cleans }
    }

    /// The key a patient's date shift derives from: the original Patient ID, else the
    /// Patient's Name, else the Study Instance UID (so that a study stays consistent).
    fn patient_key(obj: &InMemDicomObject) -> String {
        [PATIENT_ID, PATIENT_NAME, STUDY_INSTANCE_UID]
            .iter()
            .filter_map(|t| obj.get(*t).and_then(walk::text_of))
            .find(|s| !s.trim().is_empty())
            .unwrap_or_default()
    }

    /// Applies the plan to a data set (every element, every depth), then writes the
    /// de-identification attributes. File meta is not touched: see [`Engine::apply_file`].
    pub fn apply_dataset(&self, obj: &mut InMemDicomObject) -> Result<Applied, ApplyError> {
        if let Some(reason) = documents::rejection(self.plan, obj) {
            return Err(ApplyError::Rejected { reason });
        }
        let sop_class = obj
            .get(SOP_CLASS_UID)
            .and_then(walk::text_of)
            .filter(|s| !s.is_empty());
        let patient_key = Self::patient_key(obj);
        let shift_days = self.keys.date_shift_days(&patient_key);
        // conditions see the original values: evaluated once, before anything changes
        let plan =
            instance_plan(self.plan, obj).map_err(|reason| ApplyError::Rejected { reason })?;
        let plan = &*plan;
        let linked = |obj: &InMemDicomObject| {
            facts::LINKED.map(|t| obj.get(t).and_then(walk::text_of).unwrap_or_default())
        };
        let originals = linked(obj);
        let earlier = Earlier::of(obj);
        let mut w = walk::Walker::new(plan, self.keys, sop_class, shift_days);
        if self.cleans {
            w.clean = clean::needles(&clean::identifying_values(plan, obj));
        }
        w.originals = conditions::originals(plan, obj, patient_key);
        w.dataset(obj)?;
        let mappings = facts::LINKED
            .iter()
            .zip(originals)
            .zip(linked(obj))
            .filter(|((_, original), _)| !original.trim().is_empty())
            .map(|((tag, original), new)| Mapping {
                tag: *tag,
                original,
                new,
            })
            .collect();
        let (kept_by_default, private_blocks) = w.facts.finish();
        let applied = Applied {
            counts: w.counts.to_map(),
            dates_shifted: w.dates_shifted,
            facts: Facts {
                mappings,
                shift_days: w.dates_shifted.then_some(shift_days),
                kept_by_default,
                private_blocks,
            },
            streamed_pixel: PixelFate::of(plan),
        };
        Self::write_deid_attributes(plan, obj, earlier);
        Ok(applied)
    }

    /// Applies the plan to a file's data set and makes its file meta agree: Media
    /// Storage SOP Class/Instance UID from the data set, this tool's implementation
    /// class UID and version name, no AE titles, no private meta information.
    pub fn apply_file(
        &self,
        file: &mut FileDicomObject<InMemDicomObject>,
    ) -> Result<Applied, ApplyError> {
        let original_meta_instance = file.meta().media_storage_sop_instance_uid.clone();
        let applied = self.apply_dataset(file)?;
        // only UIDs go into the meta: a data set value with other characters would make a
        // meta group that no reader accepts (found by fuzzing)
        let sop_class = file
            .get(SOP_CLASS_UID)
            .and_then(walk::text_of)
            .filter(|s| meta_uid(s));
        let sop_instance = file
            .get(SOP_INSTANCE_UID)
            .and_then(walk::text_of)
            .filter(|s| meta_uid(s));
        let instance = match sop_instance {
            Some(uid) => uid,
            // the data set has no instance UID (deleted by the plan, or never there):
            // the meta's must not survive unless the plan keeps instance UIDs
            None => match self.plan.decide_public(SOP_INSTANCE_UID) {
                Decision::Rule(r) if matches!(r.action, crate::plan::Action::Keep) => {
                    original_meta_instance
                }
                _ => self.keys.uid(&original_meta_instance),
            },
        };
        file.update_meta(|m| {
            if let Some(c) = sop_class {
                m.media_storage_sop_class_uid = c;
            }
            m.media_storage_sop_instance_uid = instance;
            m.implementation_class_uid = IMPLEMENTATION_CLASS_UID.to_string();
            m.implementation_version_name = Some(IMPLEMENTATION_VERSION_NAME.to_string());
            m.source_application_entity_title = None;
            m.sending_application_entity_title = None;
            m.receiving_application_entity_title = None;
            m.private_information_creator_uid = None;
            m.private_information = None;
        });
        Ok(applied)
    }

    /// Adds to the facts a top-level Pixel Data of `vr` that the walk never saw (the I/O
    /// layer kept it on disk), as the instance's plan decided it: kept by `default keep`
    /// or not.
    pub fn note_streamed_pixel_data(applied: &mut Applied, vr: VR) {
        if applied.streamed_pixel == PixelFate::KeptByDefault {
            let facts = &mut applied.facts;
            facts.kept_by_default.push((Tag(0x7FE0, 0x0010), vr));
            facts.kept_by_default.sort_unstable();
            facts.kept_by_default.dedup();
        }
    }
}

impl Plan {
    /// Applies the plan to a data set (every element, every depth) and writes the
    /// de-identification attributes. Same as [`Engine::apply_dataset`].
    pub fn apply(&self, obj: &mut InMemDicomObject, keys: &Keys) -> Result<Applied, ApplyError> {
        Engine::new(self, keys).apply_dataset(obj)
    }

    /// Applies the plan to a file's data set and makes its file meta agree. Same as
    /// [`Engine::apply_file`].
    pub fn apply_file(
        &self,
        file: &mut FileDicomObject<InMemDicomObject>,
        keys: &Keys,
    ) -> Result<Applied, ApplyError> {
        Engine::new(self, keys).apply_file(file)
    }
}
