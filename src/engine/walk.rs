//! The traversal: every element of a data set, at every depth, gets the action the
//! plan decides for its tag, and the combined PS3.15 actions are resolved here.
//!
//! Elements are matched by tag, never by the VR they happen to carry: an element of a
//! standard tag stored as `UN` is re-typed with the dictionary VR first, so a UID or a
//! name hidden in a UN element is still remapped or replaced. Private creators are not
//! subject to rules: each is kept exactly when an element of its block is kept.

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::Counts;
use super::error::{ApplyError, ElementPath};
use super::keyed::{Keys, shift_date_text};
use crate::iod::{self, AttributeType, IodLookup};
use crate::plan::{Action, Combined, Plan, Regexp};
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

    #[cfg(test)]
    fn name(&self) -> &'static str {
        STEP_NAMES.get(self.kind()).copied().unwrap_or("delete")
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
        let creators = creators_of(obj);
        // First pass, without changing the data set: elements that stay as they are (most
        // of them) are only counted, never taken out and put back.
        let mut changes: Vec<(Tag, Fate<'a>)> = Vec::new();
        let mut has_creators = false;
        for elem in obj.iter() {
            let tag = elem.tag();
            if is_creator(tag) {
                has_creators = true;
                continue;
            }
            // retired group lengths would be wrong after any change; signatures and
            // trailing padding cannot survive de-identification
            if tag.element() == 0x0000 || tag == Tag(0xFFFA, 0xFFFA) || tag == Tag(0xFFFC, 0xFFFC) {
                self.counts.add(DELETE);
                changes.push((tag, Fate::Delete));
                continue;
            }
            let action = plan.decide(tag, creator_of(&creators, tag)).action();
            match action {
                // `keep` leaves every element but sequences (walked inside) and UN
                // (re-typed first when the dictionary knows a sequence) as it is
                Action::Keep if !matches!(elem.vr(), VR::SQ | VR::UN) => self.counts.add(KEEP),
                // `delete` applies to any VR
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
        if has_creators {
            drop_orphan_creators(obj);
        }
        Ok(())
    }

    fn element(
        &mut self,
        elem: InMemElement,
        action: &'a Action,
    ) -> Result<Option<InMemElement>, ApplyError> {
        let tag = elem.tag();
        let elem = retype_un(elem, action);
        let vr = elem.vr();
        let step = self.resolve(action, tag, vr);
        self.counts.add(step.kind());
        self.apply(elem, step)
    }

    /// Turns an action into what to do with this element (combined actions by the
    /// IOD; actions that cannot apply to the element's VR fall back to `delete`).
    fn resolve<'p>(&mut self, action: &'p Action, tag: Tag, vr: VR) -> Step<'p> {
        let fits = crate::plan::check_action_vr(action, vr).is_ok()
            && !(vr == VR::UN && needs_text(action));
        if !fits {
            // only reachable through masks, private rules or unknown VRs: removing the
            // element is the one choice that cannot leak
            return Step::Delete;
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
            Action::Combined(c) => self.resolve_combined(*c, tag, vr),
        }
    }

    fn resolve_combined<'p>(&mut self, c: Combined, tag: Tag, vr: VR) -> Step<'p> {
        let lookup = match &self.sop_class {
            Some(sop) => {
                self.seq_path.push(tag);
                let found = iod::lookup(sop, &self.seq_path);
                self.seq_path.pop();
                found
            }
            None => IodLookup::UnknownSopClass,
        };
        resolve_by_type(c, vr, lookup)
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
            Step::Keep | Step::Dummy if vr == VR::SQ => Some(self.inside_items(elem)?),
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
        if let Some(text) = vr::dummy_text(vr) {
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

/// The branch of a combined action for an element, given what the IOD says.
///
/// Type 1/1C: `D` if the action has it, else `Z`. Type 2/2C: `Z` if it has it, else
/// `D`. Type 3 or not in the IOD: `X` if it has it (else `Z`). `X/Z/U*`: UIDs of a
/// Type 1/2 attribute are remapped and its sequences kept with the plan applied
/// inside. Unknown SOP class: the old tool's choice (`Z/D`, `X/D`, `X/Z/D` → dummy;
/// `X/Z` → empty; `X/Z/U*` → remap UIDs, else empty).
pub(crate) fn resolve_by_type<'p>(c: Combined, vr: VR, lookup: IodLookup) -> Step<'p> {
    let dummy_or_inside = Step::Dummy; // on SQ, a dummy keeps the items with the plan applied
    match lookup {
        IodLookup::UnknownSopClass => match c {
            Combined::ZD | Combined::XD | Combined::XZD => dummy_or_inside,
            Combined::XZ => Step::Empty,
            Combined::XZU if vr == VR::UI => Step::Uid,
            Combined::XZU if vr == VR::SQ => Step::Keep,
            Combined::XZU => Step::Empty,
        },
        IodLookup::Listed { attribute_type, .. } => match attribute_type {
            AttributeType::Type1 | AttributeType::Type1C => match c {
                Combined::XZU if vr == VR::UI => Step::Uid,
                Combined::XZU if vr == VR::SQ => Step::Keep,
                _ if c.has_dummy() => dummy_or_inside,
                // `X/Z` on a Type 1 sequence: an empty one would break the IOD
                _ if vr == VR::SQ => Step::Keep,
                _ => Step::Empty,
            },
            AttributeType::Type2 | AttributeType::Type2C => match c {
                Combined::XZU if vr == VR::UI => Step::Uid,
                Combined::XZU if vr == VR::SQ => Step::Keep,
                _ if c.has_empty() => Step::Empty,
                _ => dummy_or_inside,
            },
            AttributeType::Type3 => type3(c),
        },
        IodLookup::NotInIod => type3(c),
    }
}

fn type3<'p>(c: Combined) -> Step<'p> {
    if c.has_remove() {
        Step::Delete
    } else {
        Step::Empty
    }
}

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

fn is_creator(tag: Tag) -> bool {
    tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element())
}

/// Private creators of a data set: (group, block, creator value). A handful at most, so a
/// list: no hashing, and no allocation for the many data sets without private elements.
fn creators_of(obj: &InMemDicomObject) -> Vec<(u16, u8, String)> {
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

/// Re-types an element of a standard tag stored as UN with the dictionary VR, so the
/// action applies to its real value. Kept non-sequence elements are left as they are
/// (their bytes are not touched).
fn retype_un(elem: InMemElement, action: &Action) -> InMemElement {
    if elem.vr() != VR::UN {
        return elem;
    }
    let tag = elem.tag();
    let Some(vr) = dictionary::vr_of(tag) else {
        return elem;
    };
    if vr == VR::UN || (matches!(action, Action::Keep) && vr != VR::SQ) {
        return elem;
    }
    let Ok(bytes) = elem.value().to_bytes().map(|b| b.into_owned()) else {
        return elem;
    };
    let value: Option<Value<InMemDicomObject>> = match vr {
        VR::SQ => parse_un_items(&bytes)
            .map(|items| Value::Sequence(DataSetSequence::new(items, Length::UNDEFINED))),
        vr if vr::is_text(vr) => {
            let text = String::from_utf8_lossy(&bytes)
                .trim_end_matches([' ', '\0'])
                .to_string();
            Some(Value::Primitive(if text.is_empty() {
                PrimitiveValue::Empty
            } else if matches!(vr, VR::LT | VR::ST | VR::UT | VR::UR) {
                PrimitiveValue::Str(text)
            } else {
                PrimitiveValue::Strs(text.split('\\').map(str::to_string).collect())
            }))
        }
        VR::US => Some(Value::Primitive(PrimitiveValue::U16(le(
            &bytes,
            u16::from_le_bytes,
        )))),
        VR::SS => Some(Value::Primitive(PrimitiveValue::I16(le(
            &bytes,
            i16::from_le_bytes,
        )))),
        VR::UL => Some(Value::Primitive(PrimitiveValue::U32(le(
            &bytes,
            u32::from_le_bytes,
        )))),
        VR::SL => Some(Value::Primitive(PrimitiveValue::I32(le(
            &bytes,
            i32::from_le_bytes,
        )))),
        VR::FL => Some(Value::Primitive(PrimitiveValue::F32(le(
            &bytes,
            f32::from_le_bytes,
        )))),
        VR::FD => Some(Value::Primitive(PrimitiveValue::F64(le(
            &bytes,
            f64::from_le_bytes,
        )))),
        _ => Some(Value::Primitive(PrimitiveValue::U8(bytes.into()))),
    };
    match value {
        Some(v) => DataElement::new(tag, vr, v),
        // a sequence whose items cannot be read: return it as it is, typed SQ-less;
        // the caller's action still applies (and `keep` keeps unreadable bytes only
        // when the profile asked to keep this tag)
        None => elem,
    }
}

/// Little-endian numbers of `N` bytes each (a trailing partial number is dropped).
fn le<T, const N: usize, C: FromIterator<T>>(bytes: &[u8], f: fn([u8; N]) -> T) -> C {
    bytes
        .chunks_exact(N)
        .filter_map(|c| <[u8; N]>::try_from(c).ok())
        .map(f)
        .collect()
}

/// Reads the items of a sequence stored as UN (implicit VR little endian, defined
/// lengths, as PS3.5 6.2.2 prescribes for UN).
fn parse_un_items(bytes: &[u8]) -> Option<Vec<InMemDicomObject>> {
    let ts = dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let mut items = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let word = |at: usize| {
            bytes
                .get(at..at + 2)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_le_bytes)
        };
        let group = word(pos)?;
        let element = word(pos + 2)?;
        let len = bytes
            .get(pos + 4..pos + 8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)?;
        pos += 8;
        match (group, element) {
            (0xFFFE, 0xE000) if len != u32::MAX => {
                let end = pos.checked_add(usize::try_from(len).ok()?)?;
                let body = bytes.get(pos..end)?;
                let item = InMemDicomObject::read_dataset_with_ts(body, &ts).ok()?;
                items.push(item);
                pos = end;
            }
            (0xFFFE, 0xE0DD) => break,
            _ => return None,
        }
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_actions_follow_the_attribute_type() {
        use AttributeType::*;
        let listed = |t| IodLookup::Listed {
            attribute_type: t,
            usage: iod::ModuleUsage::Mandatory,
        };
        let name = |s: Step<'_>| s.name();
        assert_eq!(
            name(resolve_by_type(Combined::XZD, VR::LO, listed(Type1))),
            "replace"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZD, VR::LO, listed(Type2))),
            "empty"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZD, VR::LO, listed(Type3))),
            "delete"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZ, VR::LO, listed(Type1))),
            "empty"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XD, VR::LO, listed(Type2))),
            "replace"
        );
        assert_eq!(
            name(resolve_by_type(Combined::ZD, VR::LO, listed(Type3))),
            "empty"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZU, VR::UI, listed(Type1))),
            "uid"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZU, VR::SQ, listed(Type2))),
            "keep"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZU, VR::SQ, listed(Type3))),
            "delete"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZ, VR::SQ, listed(Type1))),
            "keep"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZD, VR::LO, IodLookup::NotInIod)),
            "delete"
        );
        // unknown SOP class: the old tool's choices
        let unknown = IodLookup::UnknownSopClass;
        assert_eq!(
            name(resolve_by_type(Combined::XZD, VR::LO, unknown)),
            "replace"
        );
        assert_eq!(
            name(resolve_by_type(Combined::XZ, VR::LO, unknown)),
            "empty"
        );
        assert_eq!(name(resolve_by_type(Combined::XZU, VR::UI, unknown)), "uid");
        assert_eq!(
            name(resolve_by_type(Combined::XZU, VR::CS, unknown)),
            "empty"
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
