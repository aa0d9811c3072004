//! Resolving an action into a step for one element, and typed values from literal text.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_object::mem::InMemElement;

use super::Step;
use crate::engine::resolve::{self};
use crate::plan::Action;

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
        Action::Clean => Step::Clean,
        Action::ShiftDays(d) => Step::ShiftDays(d),
        Action::HashWith(h) => Step::HashWith(h),
        Action::KeepYear => Step::KeepYear,
        Action::CapAge(n) => Step::CapAge(*n),
        Action::Truncate(n) => Step::Truncate(*n),
        Action::Lookup(l) => Step::Lookup(l),
        // `resolve` answers for every combined action; should it not, removing the
        // element is the choice that cannot leak
        Action::Combined(_) => Step::Delete,
    }
}

/// The attributes of the Code Sequence Macro (PS3.3 Table 8.8-1) that carry the code.
pub(super) const CODE_MACRO: [Tag; 6] = [
    Tag(0x0008, 0x0100), // Code Value
    Tag(0x0008, 0x0102), // Coding Scheme Designator
    Tag(0x0008, 0x0103), // Coding Scheme Version
    Tag(0x0008, 0x0104), // Code Meaning
    Tag(0x0008, 0x0119), // Long Code Value
    Tag(0x0008, 0x0120), // URN Code Value
];

pub(super) fn needs_text(action: &Action) -> bool {
    matches!(
        action,
        Action::Set(_)
            | Action::Uid
            | Action::Hash
            | Action::ShiftDate
            | Action::Regexp(_)
            | Action::Clean
            | Action::ShiftDays(_)
            | Action::HashWith(_)
            | Action::KeepYear
            | Action::CapAge(_)
            | Action::Truncate(_)
            | Action::Lookup(_)
    )
}

/// The values of an element as strings (padding removed).
pub(super) fn strings(elem: &InMemElement) -> Vec<String> {
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
