//! The traversal: every element of a data set, at every depth, gets the action the
//! plan decides for its tag, and the combined PS3.15 actions are resolved here.
//!
//! Elements are matched by tag, never by the VR they happen to carry: an element of a
//! standard tag stored as `UN` is re-typed with the dictionary VR first, so a UID or a
//! name hidden in a UN element is still remapped or replaced. Private creators are not
//! subject to rules: each is kept exactly when an element of its block is kept.

mod creators;
mod params;
mod step;
mod un;
mod values;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::error::{ApplyError, ElementPath};
use super::keyed::{Keys, shift_date_text};
use crate::plan::{Action, Plan};
use crate::vr;

pub(crate) use creators::creators_of;
use creators::{creator_list, creator_of, drop_orphan_creators, is_creator, is_overlay_data};
pub(crate) use params::Originals;
use step::{DELETE, KEEP};
pub(crate) use step::{Step, StepCounts};
use un::retype_un;
pub(crate) use un::text_of;
use values::{CODE_MACRO, strings};
pub(crate) use values::{resolve_action, typed_value};

/// Sequences deeper than this are refused (the reader would have to be malicious).
pub const MAX_DEPTH: usize = 64;

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
    /// what parameterised actions need of the original values
    pub originals: params::Originals,
    pub counts: StepCounts,
    pub dates_shifted: bool,
    /// mappings and fallback decisions, for the audit sinks
    pub facts: super::facts::Recorder,
    /// tags of the enclosing sequences, for IOD look-ups
    seq_path: Vec<Tag>,
    /// the same with item indices, for error messages
    error_path: Vec<(Tag, Option<usize>)>,
    /// the instance's identifying values, for `clean` (engine/clean.rs)
    pub clean: Vec<String>,
}

impl<'a> Walker<'a> {
    pub fn new(plan: &'a Plan, keys: &'a Keys, sop_class: Option<String>, shift_days: i64) -> Self {
        Walker {
            clean: Vec::new(),
            plan,
            keys,
            sop_class,
            shift_days,
            originals: params::Originals::default(),
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
            let decision =
                plan.decide_in(tag, creator_of(&creators, tag), elem.vr(), &self.seq_path);
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

    /// Dates of an element moved by `days` (a DA range shifts both ends; a value that is
    /// not a date is emptied: an unshifted date would leak).
    fn shift(&mut self, elem: InMemElement, days: i64) -> Option<InMemElement> {
        let tag = elem.tag();
        let vr = elem.vr();
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
                            shift_date_text(p, days)
                        }
                    })
                    .collect();
                parts
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(|p| p.join("-"))
            } else {
                shift_date_text(t, days)
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
            Step::Clean if vr == VR::SQ => {
                let seq = self.inside_items(elem)?;
                Some(super::clean::clean_content(seq, &self.clean, |e| {
                    self.dummy(e)
                }))
            }
            Step::Clean => Some(super::clean::clean_element(elem, &self.clean)),
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
            Step::ShiftDays(_)
            | Step::HashWith(_)
            | Step::KeepYear
            | Step::CapAge(_)
            | Step::Truncate(_)
            | Step::Lookup(_) => self.apply_param(elem, step)?,
            Step::ShiftDate => self.shift(elem, self.shift_days),
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
        // a dummy Content Sequence also replaces the text, name, date and time leaves
        // of its content items (docs/semantics.md, "Structured reports")
        let leaves: &[Tag] = if tag == super::sr::CONTENT_SEQUENCE {
            &super::sr::LEAVES
        } else {
            &[]
        };
        for item in &mut items {
            for &code in CODE_MACRO.iter().chain(leaves) {
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

#[cfg(test)]
mod tests;
