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

impl Step<'_> {
    fn name(&self) -> &'static str {
        match self {
            Step::Keep => "keep",
            Step::Delete => "delete",
            Step::Empty => "empty",
            Step::Dummy | Step::Set(_) => "replace",
            Step::Uid => "uid",
            Step::Hash => "hash",
            Step::ShiftDate => "shift-date",
            Step::Regexp(_) => "regexp",
        }
    }
}

/// Per-file state of the traversal.
pub(crate) struct Walker<'a> {
    pub plan: &'a Plan,
    pub keys: &'a Keys,
    /// SOP Class UID of the instance, for resolving combined actions by the IOD
    pub sop_class: Option<String>,
    /// days to shift dates by (from the patient's original identity)
    pub shift_days: i64,
    pub counts: Counts,
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
            counts: Counts::default(),
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
        let creators = creators_of(obj);
        let tags: Vec<Tag> = obj.tags().collect();
        for tag in tags {
            if is_creator(tag) {
                continue;
            }
            let Some(elem) = obj.take(tag) else {
                continue;
            };
            let creator = if tag.group() % 2 == 1 {
                let block = u8::try_from(tag.element() >> 8).unwrap_or(0);
                creators.get(&(tag.group(), block)).map(String::as_str)
            } else {
                None
            };
            if let Some(new) = self.element(elem, creator)? {
                obj.put(new);
            }
        }
        drop_orphan_creators(obj);
        Ok(())
    }

    fn count(&mut self, step: &str) {
        *self.counts.entry(step.to_string()).or_insert(0) += 1;
    }

    fn element(
        &mut self,
        elem: InMemElement,
        creator: Option<&str>,
    ) -> Result<Option<InMemElement>, ApplyError> {
        let tag = elem.tag();
        if always_removed(tag) {
            self.count("delete");
            return Ok(None);
        }
        let action = self.plan.decide(tag, creator).action().clone();
        let (elem, opaque) = retype_un(elem, &action);
        let vr = elem.vr();
        let step = match self.resolve(&action, tag, vr) {
            // a sequence stored as UN whose items cannot be read: keeping its bytes would
            // keep whatever the plan removes inside them
            Step::Keep if opaque => Step::Delete,
            step => step,
        };
        self.count(step.name());
        self.apply(elem, step)
    }

    /// Turns an action into what to do with this element (combined actions by the
    /// IOD; actions that cannot apply to the element's VR fall back to `delete`).
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

/// Elements removed whatever the plan says: retired group lengths (they would be wrong
/// after any change); signatures and trailing padding (they cannot survive
/// de-identification); file meta elements (group 0002), which have no place in a data set
/// (a meta group length that is too short puts them there).
pub(crate) fn always_removed(tag: Tag) -> bool {
    tag.element() == 0x0000
        || tag.group() == 0x0002
        || tag == Tag(0xFFFA, 0xFFFA)
        || tag == Tag(0xFFFC, 0xFFFC)
}

/// What to do with an element of `tag` and `vr` under `action`, in an instance of
/// `sop_class`, inside the sequences `seq_path` (outermost first): combined actions are
/// resolved by the IOD; an action that cannot apply to the VR becomes `delete`.
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
        Action::Combined(c) => {
            let lookup = match sop_class {
                Some(sop) => {
                    let mut path = seq_path.to_vec();
                    path.push(tag);
                    iod::lookup(sop, &path)
                }
                None => IodLookup::UnknownSopClass,
            };
            resolve_by_type(*c, vr, lookup)
        }
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

/// Re-types an element stored as UN, so the action applies to its real value: a standard
/// tag gets its dictionary VR; a sequence (a standard SQ tag, or any tag whose value starts
/// with an item) has its items parsed so the plan applies inside them. Kept non-sequence
/// elements are left as they are (their bytes are not touched).
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
    if matches!(action, Action::Keep) && vr != VR::SQ {
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
