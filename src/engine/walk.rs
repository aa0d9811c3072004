//! The traversal: every element of a data set, at every depth, gets the action the
//! plan decides for its tag, and the combined PS3.15 actions are resolved here.
//!
//! Elements are matched by tag, never by the VR they happen to carry: an element of a
//! standard tag stored as `UN` is re-typed with the dictionary VR first, so a UID or a
//! name hidden in a UN element is still remapped or replaced. Private creators are not
//! subject to rules: each is kept exactly when an element of its block is kept.

use std::collections::HashMap;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::Counts;
use super::error::{ApplyError, ElementPath};
use super::keyed::{Keys, shift_date_text};
use super::resolve::{self, Branch};
use crate::plan::{Action, Plan, Regexp};
use crate::tag::normalize_creator;
use crate::{dictionary, vr};

/// Sequences deeper than this are refused (the reader would have to be malicious).
pub const MAX_DEPTH: usize = 64;

/// What the engine does to one element, after resolving combined actions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'p> {
    Keep,
    Delete,
    Empty,
    Dummy,
    Set(&'p str),
    Uid,
    Hash,
    ShiftDate,
    Regexp(&'p Regexp),
}

impl From<Branch> for Step<'_> {
    fn from(b: Branch) -> Self {
        match b {
            Branch::Delete => Step::Delete,
            Branch::Empty => Step::Empty,
            Branch::Replace => Step::Dummy,
            Branch::Uid => Step::Uid,
            Branch::Keep => Step::Keep,
        }
    }
}

/// The action names that reports count, in the order of [`Step::kind`].
const STEP_NAMES: [&str; 8] = [
    "keep",
    "delete",
    "empty",
    "replace",
    "uid",
    "hash",
    "shift-date",
    "regexp",
];
const KEEP: usize = 0;
const DELETE: usize = 1;

impl Step<'_> {
    /// Index of the action name in [`STEP_NAMES`].
    fn kind(&self) -> usize {
        match self {
            Step::Keep => KEEP,
            Step::Delete => DELETE,
            Step::Empty => 2,
            Step::Dummy | Step::Set(_) => 3,
            Step::Uid => 4,
            Step::Hash => 5,
            Step::ShiftDate => 6,
            Step::Regexp(_) => 7,
        }
    }
}

/// Elements per action while walking: a counter per action kind, turned into the
/// report's name → count map once per file.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StepCounts([u64; STEP_NAMES.len()]);

impl StepCounts {
    fn add(&mut self, kind: usize) {
        if let Some(n) = self.0.get_mut(kind) {
            *n += 1;
        }
    }

    /// The counts by action name (actions never applied are left out).
    pub(crate) fn to_map(self) -> Counts {
        STEP_NAMES
            .iter()
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| ((*name).to_string(), n))
            .collect()
    }
}

/// What the first pass over a data set decided for an element that changes.
#[derive(Clone, Copy)]
enum Fate<'p> {
    /// Removed (counted already).
    Delete,
    /// Taken out, changed by the action and put back.
    Apply(&'p Action),
}

/// Per-file state of the traversal.
pub(crate) struct Walker<'a> {
    pub plan: &'a Plan,
    pub keys: &'a Keys,
    /// SOP Class UID of the instance, for resolving combined actions by the IOD
    pub sop_class: Option<String>,
    /// days to shift dates by (from the patient's original identity)
    pub shift_days: i64,
    pub counts: StepCounts,
    pub dates_shifted: bool,
    /// mappings and fallback decisions, for the audit sinks
    pub facts: super::facts::Recorder,
    /// tags of the enclosing sequences, for IOD look-ups
    seq_path: Vec<Tag>,
    /// the same with item indices, for error messages
    error_path: Vec<(Tag, Option<usize>)>,
}

impl<'a> Walker<'a> {
    pub fn new(plan: &'a Plan, keys: &'a Keys, sop_class: Option<String>, shift_days: i64) -> Self {
        Walker {
            plan,
            keys,
            sop_class,
            shift_days,
            counts: StepCounts::default(),
            dates_shifted: false,
            facts: super::facts::Recorder::default(),
            seq_path: Vec::new(),
            error_path: Vec::new(),
        }
    }

    fn path_to(&self, tag: Tag) -> ElementPath {
        let mut p = self.error_path.clone();
        p.push((tag, None));
        ElementPath(p)
    }

    /// Applies the plan to every element of `obj` and of its sequence items.
    pub fn dataset(&mut self, obj: &mut InMemDicomObject) -> Result<(), ApplyError> {
        if self.seq_path.len() > MAX_DEPTH {
            return Err(ApplyError::TooDeep {
                path: ElementPath(self.error_path.clone()),
                max: MAX_DEPTH,
            });
        }
        let plan: &'a Plan = self.plan;
        let creators = creator_list(obj);
        // First pass, without changing the data set: elements that stay as they are (most
        // of them) are only counted, never taken out and put back.
        let mut changes: Vec<(Tag, Fate<'a>)> = Vec::new();
        let mut overlays: Vec<u16> = Vec::new();
        let mut has_creators = false;
        let mut private: Vec<Tag> = Vec::new();
        let mark = self.facts.mark();
        for elem in obj.iter() {
            let tag = elem.tag();
            if is_overlay_data(tag) {
                overlays.push(tag.group());
            }
            if is_creator(tag) {
                has_creators = true;
                continue;
            }
            if always_removed(tag) {
                self.counts.add(DELETE);
                changes.push((tag, Fate::Delete));
                continue;
            }
            if tag.group() % 2 == 1 {
                private.push(tag);
            }
            let decision = plan.decide(tag, creator_of(&creators, tag));
            self.facts.decided(tag, elem.vr(), &decision);
            let action = decision.action();
            match action {
                // `keep` leaves every element but sequences (walked inside) and UN
                // (re-typed first) as it is (`resolve_action` gives `Keep` for it)
                Action::Keep if !matches!(elem.vr(), VR::SQ | VR::UN) => self.counts.add(KEEP),
                // `delete` applies to any VR and depends on nothing
                Action::Delete => {
                    self.counts.add(DELETE);
                    changes.push((tag, Fate::Delete));
                }
                _ => changes.push((tag, Fate::Apply(action))),
            }
        }
        for (tag, fate) in changes {
            match fate {
                Fate::Delete => {
                    obj.remove_element(tag);
                }
                Fate::Apply(action) => {
                    let Some(elem) = obj.take(tag) else {
                        continue;
                    };
                    if let Some(new) = self.element(elem, action)? {
                        obj.put(new);
                    }
                }
            }
        }
        for group in overlays {
            if self.drop_overlay_without_data(obj, group) {
                self.facts.removed_group(mark, group);
            }
        }
        if has_creators {
            drop_orphan_creators(obj);
            self.facts.blocks(&creators, &private, obj.tags());
        }
        Ok(())
    }

    /// An overlay group whose Overlay Data (60xx,3000) the plan removed or emptied is
    /// removed whole: an Overlay Plane module without its data violates every IOD (Overlay
    /// Data is Type 1), and the module is optional wherever it appears.
    fn drop_overlay_without_data(&mut self, obj: &mut InMemDicomObject, group: u16) -> bool {
        let data = Tag(group, 0x3000);
        let has_data = obj
            .get(data)
            .is_some_and(|e| !matches!(e.value(), Value::Primitive(PrimitiveValue::Empty)));
        if has_data {
            return false;
        }
        let rest: Vec<Tag> = obj.tags().filter(|t| t.group() == group).collect();
        for t in rest {
            obj.remove_element(t);
            self.counts.add(DELETE);
        }
        true
    }

    fn element(
        &mut self,
        elem: InMemElement,
        action: &'a Action,
    ) -> Result<Option<InMemElement>, ApplyError> {
        let tag = elem.tag();
        let (elem, opaque) = retype_un(elem, action);
        let vr = elem.vr();
        let step = match self.resolve(action, tag, vr) {
            // a sequence stored as UN whose items cannot be read: keeping its bytes would
            // keep whatever the plan removes inside them
            Step::Keep if opaque => Step::Delete,
            step => step,
        };
        self.counts.add(step.kind());
        self.apply(elem, step)
    }

    /// Turns an action into what to do with this element (combined actions and `empty`
    /// on sequences by the IOD; actions that cannot apply to the element's VR fall back
    /// to `delete`).
    fn resolve<'p>(&self, action: &'p Action, tag: Tag, vr: VR) -> Step<'p> {
        resolve_action(action, tag, vr, self.sop_class.as_deref(), &self.seq_path)
    }

    fn apply(
        &mut self,
        elem: InMemElement,
        step: Step<'_>,
    ) -> Result<Option<InMemElement>, ApplyError> {
        let tag = elem.tag();
        let vr = elem.vr();
        Ok(match step {
            Step::Delete => None,
            Step::Keep if vr == VR::SQ => Some(self.inside_items(elem)?),
            // a dummy sequence: its items are kept with the plan applied inside, and the
            // codes its items hold (a person's or an institution's identification code)
            // are replaced too, because the code is the identifying value
            Step::Dummy if vr == VR::SQ => {
                let seq = self.inside_items(elem)?;
                Some(self.dummy_codes(seq))
            }
            Step::Keep => Some(elem),
            Step::Empty => Some(if vr == VR::SQ {
                DataElement::new(
                    tag,
                    VR::SQ,
                    DataSetSequence::<InMemDicomObject>::new(Vec::new(), Length::UNDEFINED),
                )
            } else {
                DataElement::empty(tag, vr)
            }),
            Step::Dummy => Some(self.dummy(elem)),
            Step::Set(text) => {
                if let Err(problem) = vr::check_literal(vr, text) {
                    return Err(ApplyError::ValueDoesNotFit {
                        path: self.path_to(tag),
                        vr,
                        problem,
                    });
                }
                Some(DataElement::new(tag, vr, typed_value(vr, text)))
            }
            Step::Uid => {
                let values: Vec<String> = strings(&elem).iter().map(|u| self.keys.uid(u)).collect();
                Some(DataElement::new(
                    tag,
                    vr,
                    PrimitiveValue::Strs(values.into()),
                ))
            }
            Step::Hash => {
                let values: Vec<String> = strings(&elem)
                    .iter()
                    .map(|v| self.pseudonym(vr, v))
                    .collect();
                Some(DataElement::new(
                    tag,
                    vr,
                    PrimitiveValue::Strs(values.into()),
                ))
            }
            Step::ShiftDate => {
                let mut out = Vec::new();
                for v in strings(&elem).iter() {
                    let t = v.trim_end_matches([' ', '\0']);
                    if t.is_empty() {
                        out.push(String::new());
                        continue;
                    }
                    // a range (`20200101-20200131`) shifts both ends
                    let shifted = if vr == VR::DA && t.contains('-') {
                        let parts: Vec<Option<String>> = t
                            .split('-')
                            .map(|p| {
                                if p.is_empty() {
                                    Some(String::new())
                                } else {
                                    shift_date_text(p, self.shift_days)
                                }
                            })
                            .collect();
                        parts
                            .into_iter()
                            .collect::<Option<Vec<_>>>()
                            .map(|p| p.join("-"))
                    } else {
                        shift_date_text(t, self.shift_days)
                    };
                    match shifted {
                        Some(s) => {
                            self.dates_shifted = true;
                            out.push(s);
                        }
                        // not a date we can shift: an unshifted date would leak, so
                        // nothing is kept
                        None => out.push(String::new()),
                    }
                }
                if out.iter().all(String::is_empty) {
                    Some(DataElement::empty(tag, vr))
                } else {
                    Some(DataElement::new(tag, vr, PrimitiveValue::Strs(out.into())))
                }
            }
            Step::Regexp(r) => {
                let values: Vec<String> = strings(&elem)
                    .iter()
                    .map(|v| r.find.replace_all(v, r.replace.as_str()).into_owned())
                    .collect();
                let joined = values.join("\\");
                if let Err(problem) = vr::check_literal(vr, &joined) {
                    return Err(ApplyError::ValueDoesNotFit {
                        path: self.path_to(tag),
                        vr,
                        problem,
                    });
                }
                Some(DataElement::new(
                    tag,
                    vr,
                    PrimitiveValue::Strs(values.into()),
                ))
            }
        })
    }

    fn pseudonym(&self, vr: VR, value: &str) -> String {
        let v = value.trim_end_matches([' ', '\0']);
        if v.is_empty() {
            return String::new();
        }
        match vr {
            VR::IS => self.keys.numeric_pseudonym(v, 9),
            VR::DS => self.keys.numeric_pseudonym(v, 15),
            _ => self.keys.pseudonym(v, 16),
        }
    }

    /// The `replace` dummy for an element of its VR (docs/semantics.md, "dummies").
    fn dummy(&self, elem: InMemElement) -> InMemElement {
        let tag = elem.tag();
        let vr = elem.vr();
        if vr == VR::UI {
            let values: Vec<String> = strings(&elem).iter().map(|u| self.keys.uid(u)).collect();
            return DataElement::new(tag, vr, PrimitiveValue::Strs(values.into()));
        }
        if let Some(text) = vr::dummy_for(tag, vr) {
            return DataElement::new(tag, vr, typed_value(vr, text));
        }
        match vr {
            VR::OB | VR::OW | VR::OD | VR::OF | VR::OL | VR::OV | VR::UN => {
                let len = elem.value().to_bytes().map(|b| b.len()).unwrap_or(0);
                DataElement::new(tag, vr, PrimitiveValue::U8(vec![0u8; len].into()))
            }
            _ => DataElement::empty(tag, vr),
        }
    }

    /// Replaces the Code Sequence Macro attributes that sit directly in the items of a
    /// sequence with their dummies (docs/semantics.md, "Dummies").
    fn dummy_codes(&self, elem: InMemElement) -> InMemElement {
        let tag = elem.tag();
        let Value::Sequence(seq) = elem.into_value() else {
            return DataElement::empty(tag, VR::SQ);
        };
        let mut items: Vec<InMemDicomObject> = seq.into_items().into_vec();
        for item in &mut items {
            for code in CODE_MACRO {
                if let Some(e) = item.take(code) {
                    item.put(self.dummy(e));
                }
            }
        }
        DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
    }

    /// Applies the plan inside each item of a sequence element.
    fn inside_items(&mut self, elem: InMemElement) -> Result<InMemElement, ApplyError> {
        let tag = elem.tag();
        let vr = elem.vr();
        let Value::Sequence(seq) = elem.into_value() else {
            return Ok(DataElement::empty(tag, vr));
        };
        let mut items: Vec<InMemDicomObject> = seq.into_items().into_vec();
        self.seq_path.push(tag);
        for (i, item) in items.iter_mut().enumerate() {
            self.error_path.push((tag, Some(i)));
            let r = self.dataset(item);
            self.error_path.pop();
            if let Err(e) = r {
                self.seq_path.pop();
                return Err(e);
            }
        }
        self.seq_path.pop();
        Ok(DataElement::new(
            tag,
            VR::SQ,
            DataSetSequence::new(items, Length::UNDEFINED),
        ))
    }
}

/// Elements removed whatever the plan says: retired group lengths (they would be wrong
/// after any change); signatures and trailing padding (they cannot survive
/// de-identification); file meta elements (group 0002) and command elements (group 0000),
/// which have no place in a data set (a meta group length that is too short puts group
/// 0002 there; a network capture saved as a file can carry group 0000, with AE titles).
pub(crate) fn always_removed(tag: Tag) -> bool {
    tag.element() == 0x0000
        || tag.group() == 0x0002
        || tag.group() == 0x0000
        || tag == Tag(0xFFFA, 0xFFFA)
        || tag == Tag(0xFFFC, 0xFFFC)
}

/// What to do with an element of `tag` and `vr` under `action`, in an instance of
/// `sop_class`, inside the sequences `seq_path` (outermost first): combined actions (and
/// `empty` on sequences) are resolved by the IOD (`resolve.rs`); an action that cannot
/// apply to the VR becomes `delete`. The walk and `check` both call this.
pub(crate) fn resolve_action<'p>(
    action: &'p Action,
    tag: Tag,
    vr: VR,
    sop_class: Option<&str>,
    seq_path: &[Tag],
) -> Step<'p> {
    let fits =
        crate::plan::check_action_vr(action, vr).is_ok() && !(vr == VR::UN && needs_text(action));
    if !fits {
        // only reachable through masks, private rules or unknown VRs: removing the
        // element is the one choice that cannot leak
        return Step::Delete;
    }
    if resolve::depends_on_iod(action, vr) {
        let mut path = seq_path.to_vec();
        path.push(tag);
        if let Some(r) = resolve::resolve(action, vr, sop_class, &path) {
            return Step::from(r.branch);
        }
    }
    match action {
        Action::Keep => Step::Keep,
        Action::Delete => Step::Delete,
        Action::Empty => Step::Empty,
        Action::Replace => Step::Dummy,
        Action::Set(v) => Step::Set(v),
        Action::Uid => Step::Uid,
        Action::Hash => Step::Hash,
        Action::ShiftDate => Step::ShiftDate,
        Action::Regexp(r) => Step::Regexp(r),
        // `resolve` answers for every combined action; should it not, removing the
        // element is the choice that cannot leak
        Action::Combined(_) => Step::Delete,
    }
}

/// The attributes of the Code Sequence Macro (PS3.3 Table 8.8-1) that carry the code.
const CODE_MACRO: [Tag; 6] = [
    Tag(0x0008, 0x0100), // Code Value
    Tag(0x0008, 0x0102), // Coding Scheme Designator
    Tag(0x0008, 0x0103), // Coding Scheme Version
    Tag(0x0008, 0x0104), // Code Meaning
    Tag(0x0008, 0x0119), // Long Code Value
    Tag(0x0008, 0x0120), // URN Code Value
];

fn needs_text(action: &Action) -> bool {
    matches!(
        action,
        Action::Set(_) | Action::Uid | Action::Hash | Action::ShiftDate | Action::Regexp(_)
    )
}

/// The values of an element as strings (padding removed).
fn strings(elem: &InMemElement) -> Vec<String> {
    match elem.value() {
        Value::Primitive(PrimitiveValue::Empty) => Vec::new(),
        Value::Primitive(p) => p
            .to_multi_str()
            .iter()
            .map(|s| s.trim_end_matches([' ', '\0']).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// A value of `vr` from literal text (`\` separates values).
pub(crate) fn typed_value(vr: VR, text: &str) -> PrimitiveValue {
    let parts = text.split('\\');
    macro_rules! nums {
        ($variant:ident, $t:ty) => {
            PrimitiveValue::$variant(parts.filter_map(|p| p.trim().parse::<$t>().ok()).collect())
        };
    }
    match vr {
        VR::US => nums!(U16, u16),
        VR::SS => nums!(I16, i16),
        VR::UL => nums!(U32, u32),
        VR::SL => nums!(I32, i32),
        VR::UV => nums!(U64, u64),
        VR::SV => nums!(I64, i64),
        VR::FL => nums!(F32, f32),
        VR::FD => nums!(F64, f64),
        _ if text.is_empty() => PrimitiveValue::Empty,
        VR::LT | VR::ST | VR::UT | VR::UR => PrimitiveValue::Str(text.to_string()),
        _ => PrimitiveValue::Strs(parts.map(str::to_string).collect()),
    }
}

/// Overlay Data (60xx,3000) of one of the 16 overlay groups (even groups 6000–601E).
fn is_overlay_data(tag: Tag) -> bool {
    (0x6000..=0x601E).contains(&tag.group()) && tag.group() % 2 == 0 && tag.element() == 0x3000
}

fn is_creator(tag: Tag) -> bool {
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
fn creator_list(obj: &InMemDicomObject) -> Vec<(u16, u8, String)> {
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
fn creator_of(creators: &[(u16, u8, String)], tag: Tag) -> Option<&str> {
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
fn drop_orphan_creators(obj: &mut InMemDicomObject) {
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

/// The text of an element, decoding raw bytes when it is stored as UN.
pub(crate) fn text_of(e: &InMemElement) -> Option<String> {
    if e.vr() == VR::UN {
        let bytes = e.value().to_bytes().ok()?;
        return Some(
            String::from_utf8_lossy(&bytes)
                .trim_end_matches([' ', '\0'])
                .to_string(),
        );
    }
    e.value()
        .to_str()
        .ok()
        .map(|s| s.trim_end_matches([' ', '\0']).to_string())
}

/// The item tag (FFFE,E000), little endian: a UN value that starts with it holds a
/// sequence.
const ITEM_TAG_LE: [u8; 4] = [0xFE, 0xFF, 0x00, 0xE0];

/// Re-types an element stored as UN, so the action applies to its real value and the
/// output carries the right VR: a standard tag gets its dictionary VR; a sequence (a
/// standard SQ tag, or any tag whose value starts with an item) has its items parsed so
/// the plan applies inside them. A kept text value that is not ASCII is left as it is
/// (its meaning depends on the character set); so is an unknown non-sequence element.
///
/// The flag is true for a sequence whose items cannot be read: it is returned as UN, and
/// must not be kept.
fn retype_un(elem: InMemElement, action: &Action) -> (InMemElement, bool) {
    if elem.vr() != VR::UN {
        return (elem, false);
    }
    let tag = elem.tag();
    let Ok(bytes) = elem.value().to_bytes().map(|b| b.into_owned()) else {
        return (elem, false);
    };
    let vr = match dictionary::vr_of(tag) {
        Some(VR::UN) | None if bytes.starts_with(&ITEM_TAG_LE) => VR::SQ,
        Some(VR::UN) | None => return (elem, false),
        Some(vr) => vr,
    };
    // a kept text value is only re-typed when that cannot change it
    if matches!(action, Action::Keep) && vr::is_text(vr) && !bytes.is_ascii() {
        return (elem, false);
    }
    let value: Value<InMemDicomObject> = match vr {
        VR::SQ => match parse_un_items(tag, &bytes) {
            Some(items) => Value::Sequence(DataSetSequence::new(items, Length::UNDEFINED)),
            None => return (elem, true),
        },
        vr if vr::is_text(vr) => {
            let text = String::from_utf8_lossy(&bytes)
                .trim_end_matches([' ', '\0'])
                .to_string();
            Value::Primitive(if text.is_empty() {
                PrimitiveValue::Empty
            } else if matches!(vr, VR::LT | VR::ST | VR::UT | VR::UR) {
                PrimitiveValue::Str(text)
            } else {
                PrimitiveValue::Strs(text.split('\\').map(str::to_string).collect())
            })
        }
        VR::US => Value::Primitive(PrimitiveValue::U16(le(&bytes, u16::from_le_bytes))),
        VR::SS => Value::Primitive(PrimitiveValue::I16(le(&bytes, i16::from_le_bytes))),
        VR::UL => Value::Primitive(PrimitiveValue::U32(le(&bytes, u32::from_le_bytes))),
        VR::SL => Value::Primitive(PrimitiveValue::I32(le(&bytes, i32::from_le_bytes))),
        VR::FL => Value::Primitive(PrimitiveValue::F32(le(&bytes, f32::from_le_bytes))),
        VR::FD => Value::Primitive(PrimitiveValue::F64(le(&bytes, f64::from_le_bytes))),
        _ => Value::Primitive(PrimitiveValue::U8(bytes.into())),
    };
    (DataElement::new(tag, vr, value), false)
}

/// Little-endian numbers of `N` bytes each (a trailing partial number is dropped).
fn le<T, const N: usize, C: FromIterator<T>>(bytes: &[u8], f: fn([u8; N]) -> T) -> C {
    bytes
        .chunks_exact(N)
        .filter_map(|c| <[u8; N]>::try_from(c).ok())
        .map(f)
        .collect()
}

/// Reads the items of a sequence stored as UN: implicit VR little endian, as PS3.5 6.2.2
/// prescribes, items of defined or undefined length.
///
/// The value is wrapped as an undefined-length element of an implicit VR data set and
/// walked by the I/O layer's structure check first (nesting depth, lengths that run past
/// the end), so that a hostile value cannot make the parser recurse without bound or
/// allocate what is not there. `None` when anything does not parse.
fn parse_un_items(tag: Tag, bytes: &[u8]) -> Option<Vec<InMemDicomObject>> {
    let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let mut wrapped = Vec::with_capacity(bytes.len() + 16);
    wrapped.extend_from_slice(&tag.group().to_le_bytes());
    wrapped.extend_from_slice(&tag.element().to_le_bytes());
    wrapped.extend_from_slice(&u32::MAX.to_le_bytes());
    wrapped.extend_from_slice(bytes);
    wrapped.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    if !crate::io::well_formed_implicit(&wrapped) {
        return None;
    }
    let mut obj = InMemDicomObject::read_dataset_with_ts(wrapped.as_slice(), &ts).ok()?;
    // anything else than the one sequence means the value was not a sequence
    if obj.tags().count() != 1 {
        return None;
    }
    match obj.take(tag)?.into_value() {
        Value::Sequence(seq) => Some(seq.into_items().into_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Applied, Engine};

    const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
    const SEGMENTATION: &str = "1.2.840.10008.5.1.4.1.1.66.4";

    fn apply(profile: &str, obj: &mut InMemDicomObject) -> Applied {
        let compiled = crate::profile::compile_str("test.anon", profile);
        let plan = compiled.plan.unwrap();
        let keys = Keys::from_bytes(b"unit test key, sixteen bytes or more");
        Engine::new(&plan, &keys).apply_dataset(obj).unwrap()
    }

    fn text(tag: Tag, vr: VR, value: &str) -> InMemElement {
        DataElement::new(tag, vr, PrimitiveValue::from(value))
    }

    fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> InMemElement {
        DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
    }

    fn items(obj: &InMemDicomObject, tag: Tag) -> Option<usize> {
        obj.get(tag).and_then(|e| e.items()).map(<[_]>::len)
    }

    fn item(obj: &InMemDicomObject, tag: Tag) -> &InMemDicomObject {
        &obj.get(tag).unwrap().items().unwrap()[0]
    }

    fn object(sop_class: &str, rest: Vec<InMemElement>) -> InMemDicomObject {
        let mut all = vec![text(Tag(0x0008, 0x0016), VR::UI, sop_class)];
        all.extend(rest);
        InMemDicomObject::from_element_iter(all)
    }

    fn code_item() -> InMemDicomObject {
        InMemDicomObject::from_element_iter([
            text(Tag(0x0008, 0x0100), VR::SH, "X1"),
            text(Tag(0x0008, 0x0102), VR::SH, "99LOCAL"),
        ])
    }

    #[test]
    fn empty_keeps_the_items_of_a_type_1_sequence() {
        // Person Identification Code Sequence: Type 1 inside Referring Physician
        // Identification Sequence of a CT image, not in the IOD at the top level
        let person = Tag(0x0040, 0x1101);
        let referring = Tag(0x0008, 0x0096);
        let mut obj = object(
            CT,
            vec![
                seq(
                    referring,
                    vec![InMemDicomObject::from_element_iter([seq(
                        person,
                        vec![code_item()],
                    )])],
                ),
                seq(person, vec![code_item()]),
            ],
        );
        let applied = apply(
            "default keep\n(0040,1101) empty\n(0008,0102) delete\n",
            &mut obj,
        );
        assert_eq!(items(&obj, person), Some(0), "top level: emptied");
        let inner = item(&obj, referring);
        assert_eq!(items(inner, person), Some(1), "Type 1: items kept");
        // the plan applied inside the kept items
        assert!(item(inner, person).get(Tag(0x0008, 0x0102)).is_none());
        // SOP Class UID, the outer sequence, the Type 1 sequence and its Code Value
        assert_eq!(applied.counts.get("keep").copied(), Some(4));
        assert_eq!(applied.counts.get("empty").copied(), Some(1));
    }

    #[test]
    fn uid_sequences_in_functional_groups_are_kept_and_remapped() {
        // Per-frame Functional Groups > Derivation Image > Source Image Sequence (X/Z/U*):
        // the table does not describe Functional Group macros, so the default branch
        // applies (kept, UIDs remapped inside); at the top level it is Type 3 (removed)
        let source = Tag(0x0008, 0x2112);
        let derivation = Tag(0x0008, 0x9124);
        let per_frame = Tag(0x5200, 0x9230);
        let referenced =
            || InMemDicomObject::from_element_iter([text(Tag(0x0008, 0x1155), VR::UI, "1.2.3.4")]);
        let mut obj = object(
            SEGMENTATION,
            vec![
                seq(source, vec![referenced()]),
                seq(
                    per_frame,
                    vec![InMemDicomObject::from_element_iter([seq(
                        derivation,
                        vec![InMemDicomObject::from_element_iter([seq(
                            source,
                            vec![referenced()],
                        )])],
                    )])],
                ),
            ],
        );
        apply(
            "default keep\n(0008,2112) X/Z/U*\n(0008,1155) uid\n",
            &mut obj,
        );
        assert!(obj.get(source).is_none());
        let inner = item(item(item(&obj, per_frame), derivation), source);
        let uid = inner.get(Tag(0x0008, 0x1155)).and_then(text_of).unwrap();
        assert!(uid.starts_with("2.25."), "remapped");
    }

    #[test]
    fn an_overlay_without_its_data_is_removed_whole() {
        let overlay = |g: u16| {
            vec![
                DataElement::new(Tag(g, 0x0010), VR::US, PrimitiveValue::from(8_u16)),
                DataElement::new(Tag(g, 0x0011), VR::US, PrimitiveValue::from(8_u16)),
                text(Tag(g, 0x0040), VR::CS, "G"),
                DataElement::new(
                    Tag(g, 0x3000),
                    VR::OW,
                    PrimitiveValue::U8(vec![0; 8].into()),
                ),
            ]
        };
        let mut elements = overlay(0x6000);
        elements.extend(overlay(0x6002));
        let mut obj = object(CT, elements);
        apply("default keep\n(6000,3000) delete\n", &mut obj);
        assert_eq!(obj.tags().filter(|t| t.group() == 0x6000).count(), 0);
        assert_eq!(obj.tags().filter(|t| t.group() == 0x6002).count(), 4);
        // emptied data goes the same way; a group that never had data is left alone
        let mut obj = object(CT, overlay(0x6000));
        obj.remove_element(Tag(0x6000, 0x3000));
        obj.put(DataElement::new(
            Tag(0x6004, 0x3000),
            VR::OW,
            PrimitiveValue::U8(vec![0; 8].into()),
        ));
        obj.put(text(Tag(0x6004, 0x0040), VR::CS, "G"));
        apply("default keep\n(60xx,3000) empty\n", &mut obj);
        assert_eq!(obj.tags().filter(|t| t.group() == 0x6000).count(), 3);
        assert_eq!(obj.tags().filter(|t| t.group() == 0x6004).count(), 0);
    }

    #[test]
    fn a_dummy_sequence_replaces_the_codes_it_holds() {
        // Person Identification Code Sequence is `D` in the basic profile: keeping its
        // items with the plan inside would keep the person's code (Code Value is not a
        // rule of its own), so the codes directly in its items get dummies too
        let person = Tag(0x0040, 0x1101);
        let concept = Tag(0x0040, 0xA043);
        let mut inner = code_item();
        inner.put(seq(concept, vec![code_item()]));
        let mut obj = object(CT, vec![seq(person, vec![inner])]);
        apply("(0040,1101) replace\n", &mut obj);
        let it = item(&obj, person);
        let value = |o: &InMemDicomObject, t: Tag| o.get(t).unwrap().to_str().unwrap().to_string();
        assert_eq!(value(it, Tag(0x0008, 0x0100)), "ANONYMIZED");
        assert_eq!(value(it, Tag(0x0008, 0x0102)), "ANONYMIZED");
        // codes deeper down are not the sequence's own code: the plan decides them
        assert_eq!(value(item(it, concept), Tag(0x0008, 0x0100)), "X1");
        // a kept sequence keeps its codes
        let mut kept = object(CT, vec![seq(person, vec![code_item()])]);
        apply("(0040,1101) keep\n", &mut kept);
        assert_eq!(value(item(&kept, person), Tag(0x0008, 0x0100)), "X1");
    }

    #[test]
    fn command_and_meta_elements_never_stay_in_a_data_set() {
        let mut obj = object(
            CT,
            vec![
                text(Tag(0x0000, 0x0600), VR::AE, "MOVE_DEST"),
                text(Tag(0x0000, 0x1000), VR::UI, "1.2.3"),
                text(Tag(0x0002, 0x0016), VR::AE, "SOURCE_AE"),
                text(Tag(0x0010, 0x0000), VR::UL, "8"),
            ],
        );
        apply("default keep\n(0000,0600) keep\n", &mut obj);
        assert!(
            obj.tags()
                .all(|t| t.group() != 0x0000 && t.group() != 0x0002 && t.element() != 0)
        );
    }

    #[test]
    fn literals_become_typed_values() {
        assert_eq!(
            typed_value(VR::US, "1\\2"),
            PrimitiveValue::U16([1, 2].into())
        );
        assert_eq!(
            typed_value(VR::LO, "a\\b"),
            PrimitiveValue::Strs(["a".to_string(), "b".to_string()].into())
        );
        assert_eq!(
            typed_value(VR::LT, "a\\b"),
            PrimitiveValue::Str("a\\b".into())
        );
        assert_eq!(typed_value(VR::LO, ""), PrimitiveValue::Empty);
    }
}
