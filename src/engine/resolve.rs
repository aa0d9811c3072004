//! Resolution by the IOD: what a PS3.15 combined action (`X/Z`, `X/D`, `Z/D`, `X/Z/D`,
//! `X/Z/U*`), or `empty` on a sequence, does to one element of one instance.
//!
//! The right branch of a combined action depends on the attribute's Type in the IOD of
//! the instance: remove it where it is optional (Type 3), empty it where it must be present
//! (Type 2), give it a dummy where it must have a value (Type 1). This module looks the
//! Type up in the embedded table ([`crate::iod`]) from the instance's SOP Class UID and the
//! element's path, and applies the rule of docs/semantics.md ("Combined actions").
//!
//! It is the one place that rule lives: the engine's walk calls [`resolve`] for every
//! element whose action depends on the IOD, and `plan --sop-class` calls the same function
//! to show what `run` will do. It never sees element values.

use std::fmt;

use dicom_core::{Tag, VR};

use crate::iod::{self, AttributeType, IodLookup};
use crate::plan::{Action, Combined};

/// What the IOD table says about the attribute at a path, as the resolution uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IodType {
    /// The IOD lists the attribute with this Type. `path` is the path the table lists: the
    /// element's own path, or that path with a recursive sequence (SR Content Sequence
    /// nested deeper than the table goes) folded onto the deepest level the table lists.
    Listed {
        attribute_type: AttributeType,
        path: Vec<Tag>,
    },
    /// The table describes the enclosing sequence (or the top level), and the IOD of the
    /// SOP class has no such attribute there.
    NotInIod,
    /// The table cannot say.
    Unknown(Unknown),
}

/// Why the table cannot say what Type an attribute has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// The data set has no SOP Class UID.
    NoSopClass,
    /// The table does not list the SOP class (added after 2020, retired, or not a storage
    /// class).
    SopClass,
    /// The table never describes the inside of the enclosing sequence, in any IOD: the
    /// Functional Group macros inside (5200,9229) and (5200,9230), a private sequence, or a
    /// sequence without Basic Profile attributes in it.
    Container,
}

/// The branch an element gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// `X`: removed.
    Delete,
    /// `Z`: a zero-length value (a sequence with no items).
    Empty,
    /// `D`: the dummy of the VR (UI: remapped; a sequence: kept with the plan applied
    /// inside its items).
    Replace,
    /// `U`: the UIDs remapped.
    Uid,
    /// Kept: a sequence with the plan applied inside its items.
    Keep,
}

impl Branch {
    /// The action name, as `plan` prints it and reports count it.
    pub fn name(self) -> &'static str {
        match self {
            Branch::Delete => "delete",
            Branch::Empty => "empty",
            Branch::Replace => "replace",
            Branch::Uid => "uid",
            Branch::Keep => "keep",
        }
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an action resolved for one element, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub branch: Branch,
    /// what the table said (the reason for the branch)
    pub iod: IodType,
}

/// Whether what `action` does to an element of `vr` depends on the IOD: combined actions
/// always, `empty` on a sequence (a Type 1 sequence keeps its items), nothing else.
pub fn depends_on_iod(action: &Action, vr: VR) -> bool {
    match action {
        Action::Combined(_) => true,
        Action::Empty => vr == VR::SQ,
        _ => false,
    }
}

/// Resolves `action` for an element of `vr` at `path` (the tags of the enclosing sequences
/// from the top level down, then the element's own tag) in an instance of `sop_class`.
///
/// `None` when the action does not depend on the IOD (see [`depends_on_iod`]): it then
/// applies as written.
///
/// ```
/// use dicom_anonymizer::engine::resolve::{resolve, Branch};
/// use dicom_anonymizer::plan::{Action, Combined};
/// use dicom_core::{Tag, VR};
///
/// // Acquisition DateTime, X/Z/D: Type 1 in 12-lead ECG, Type 2 in Encapsulated PDF,
/// // Type 3 in CT Image
/// let branch = |sop: &str| {
///     let action = Action::Combined(Combined::XZD);
///     resolve(&action, VR::DT, Some(sop), &[Tag(0x0008, 0x002A)]).map(|r| r.branch)
/// };
/// assert_eq!(branch("1.2.840.10008.5.1.4.1.1.9.1.1"), Some(Branch::Replace));
/// assert_eq!(branch("1.2.840.10008.5.1.4.1.1.104.1"), Some(Branch::Empty));
/// assert_eq!(branch("1.2.840.10008.5.1.4.1.1.2"), Some(Branch::Delete));
/// ```
pub fn resolve(
    action: &Action,
    vr: VR,
    sop_class: Option<&str>,
    path: &[Tag],
) -> Option<Resolution> {
    if !depends_on_iod(action, vr) {
        return None;
    }
    let iod = iod_type(sop_class, path);
    let branch = match action {
        Action::Combined(c) => combined_branch(*c, vr, &iod),
        _ => empty_sequence_branch(&iod),
    };
    Some(Resolution { branch, iod })
}

/// The Type of the attribute at `path` in the IOD of `sop_class`, as far as the table
/// knows it.
///
/// A path the table does not list is tried again with its longest run of one repeated
/// sequence tag shortened, level by level: SR content items nest to any depth, the table
/// lists (0040,A730) Content Sequence at most twice in a row, and an item at depth 5 has the
/// attributes of one at depth 2. A path that is still not listed is [`IodType::NotInIod`]
/// when the table describes its enclosing sequence ([`iod::describes_inside`]) and
/// [`Unknown::Container`] otherwise.
pub fn iod_type(sop_class: Option<&str>, path: &[Tag]) -> IodType {
    let Some(sop) = sop_class.filter(|s| !s.trim_matches(['\0', ' ']).is_empty()) else {
        return IodType::Unknown(Unknown::NoSopClass);
    };
    if !iod::knows_sop_class(sop) {
        return IodType::Unknown(Unknown::SopClass);
    }
    let mut candidate = path.to_vec();
    let mut described = false;
    loop {
        match iod::lookup(sop, &candidate) {
            IodLookup::Listed { attribute_type, .. } => {
                return IodType::Listed {
                    attribute_type,
                    path: candidate,
                };
            }
            IodLookup::UnknownSopClass => return IodType::Unknown(Unknown::SopClass),
            IodLookup::NotInIod => {}
        }
        let container = candidate.split_last().map_or(&[][..], |(_, c)| c);
        described |= iod::describes_inside(container);
        if !fold_longest_run(&mut candidate) {
            break;
        }
    }
    if described {
        IodType::NotInIod
    } else {
        IodType::Unknown(Unknown::Container)
    }
}

/// Shortens the longest run of one tag repeated back to back (the last one of equal
/// length) by one; `false` when no tag repeats back to back.
fn fold_longest_run(path: &mut Vec<Tag>) -> bool {
    let mut best: Option<(usize, usize)> = None; // (end index of the run, length)
    let mut run = 1;
    for i in 1..path.len() {
        if path.get(i) == path.get(i - 1) {
            run += 1;
            if best.is_none_or(|(_, len)| run >= len) {
                best = Some((i, run));
            }
        } else {
            run = 1;
        }
    }
    match best {
        Some((end, _)) => {
            path.remove(end);
            true
        }
        None => false,
    }
}

/// The branch of a combined action for an element of `vr`, given what the IOD says.
///
/// | Type | branch |
/// |---|---|
/// | 1, 1C | `D` if the action has it, else `Z`; a sequence is kept rather than emptied |
/// | 2, 2C | `Z` if the action has it, else `D` |
/// | 3, not in the IOD | `X` if the action has it, else `Z` |
/// | `X/Z/U*`, Type 1, 1C, 2, 2C | UI: `U`; a sequence: kept, the plan applied inside |
/// | unknown | the old tool's choice: `Z/D`, `X/D`, `X/Z/D` → `D`; `X/Z` → `Z`; `X/Z/U*` → `U` for UI, kept for a sequence, else `Z` |
///
/// On a sequence, `D` keeps the items with the plan applied inside them.
pub fn combined_branch(c: Combined, vr: VR, iod: &IodType) -> Branch {
    let attribute_type = match iod {
        IodType::Listed { attribute_type, .. } => *attribute_type,
        IodType::NotInIod => AttributeType::Type3,
        IodType::Unknown(_) => return default_branch(c, vr),
    };
    match attribute_type {
        AttributeType::Type1 | AttributeType::Type1C => match c {
            Combined::XZU => uid_branch(vr),
            _ if c.has_dummy() => Branch::Replace,
            // `X/Z` on a Type 1 sequence: an empty one would break the IOD; the items stay
            // and the plan applies inside them
            _ if vr == VR::SQ => Branch::Keep,
            _ => Branch::Empty,
        },
        AttributeType::Type2 | AttributeType::Type2C => match c {
            Combined::XZU => uid_branch(vr),
            _ if c.has_empty() => Branch::Empty,
            _ => Branch::Replace,
        },
        AttributeType::Type3 => {
            if c.has_remove() {
                Branch::Delete
            } else {
                Branch::Empty
            }
        }
    }
}

/// `U` of `X/Z/U*` on a required attribute: UIDs remapped, a sequence kept (its UIDs are
/// remapped inside by their own rules), anything else emptied.
fn uid_branch(vr: VR) -> Branch {
    match vr {
        VR::UI => Branch::Uid,
        VR::SQ => Branch::Keep,
        _ => Branch::Empty,
    }
}

/// Where the table cannot say: the old tool's branch for each combined action.
fn default_branch(c: Combined, vr: VR) -> Branch {
    match c {
        Combined::ZD | Combined::XD | Combined::XZD => Branch::Replace,
        Combined::XZ => Branch::Empty,
        Combined::XZU => uid_branch(vr),
    }
}

/// `empty` on a sequence: a Type 1 or 1C sequence must have items, so it keeps them with
/// the plan applied inside; any other is emptied as written.
pub fn empty_sequence_branch(iod: &IodType) -> Branch {
    match iod {
        IodType::Listed {
            attribute_type: AttributeType::Type1 | AttributeType::Type1C,
            ..
        } => Branch::Keep,
        _ => Branch::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
    const ECG: &str = "1.2.840.10008.5.1.4.1.1.9.1.1";
    const PDF: &str = "1.2.840.10008.5.1.4.1.1.104.1";
    const ENHANCED_CT: &str = "1.2.840.10008.5.1.4.1.1.2.1";
    const SEGMENTATION: &str = "1.2.840.10008.5.1.4.1.1.66.4";
    const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
    const ACQUISITION_DATETIME: Tag = Tag(0x0008, 0x002A);
    const CONTENT_SEQUENCE: Tag = Tag(0x0040, 0xA730);
    const PERSON_NAME: Tag = Tag(0x0040, 0xA123);

    fn listed(attribute_type: AttributeType, path: &[Tag]) -> IodType {
        IodType::Listed {
            attribute_type,
            path: path.to_vec(),
        }
    }

    #[test]
    fn combined_actions_follow_the_attribute_type() {
        use AttributeType::*;
        let l = |t| listed(t, &[]);
        let b = combined_branch;
        assert_eq!(b(Combined::XZD, VR::LO, &l(Type1)), Branch::Replace);
        assert_eq!(b(Combined::XZD, VR::LO, &l(Type1C)), Branch::Replace);
        assert_eq!(b(Combined::XZD, VR::LO, &l(Type2)), Branch::Empty);
        assert_eq!(b(Combined::XZD, VR::LO, &l(Type2C)), Branch::Empty);
        assert_eq!(b(Combined::XZD, VR::LO, &l(Type3)), Branch::Delete);
        assert_eq!(b(Combined::XZD, VR::LO, &IodType::NotInIod), Branch::Delete);
        assert_eq!(b(Combined::XZ, VR::LO, &l(Type1)), Branch::Empty);
        assert_eq!(b(Combined::XZ, VR::LO, &l(Type2)), Branch::Empty);
        assert_eq!(b(Combined::XZ, VR::LO, &l(Type3)), Branch::Delete);
        assert_eq!(b(Combined::XD, VR::LO, &l(Type1)), Branch::Replace);
        assert_eq!(b(Combined::XD, VR::LO, &l(Type2)), Branch::Replace);
        assert_eq!(b(Combined::XD, VR::LO, &l(Type3)), Branch::Delete);
        assert_eq!(b(Combined::ZD, VR::LO, &l(Type1)), Branch::Replace);
        assert_eq!(b(Combined::ZD, VR::LO, &l(Type2)), Branch::Empty);
        assert_eq!(b(Combined::ZD, VR::LO, &l(Type3)), Branch::Empty);
        assert_eq!(b(Combined::ZD, VR::LO, &IodType::NotInIod), Branch::Empty);
    }

    #[test]
    fn sequences_that_must_have_items_keep_them() {
        use AttributeType::*;
        let l = |t| listed(t, &[]);
        let b = combined_branch;
        // D on a sequence: kept, the plan applied inside (the walk does this for `replace`)
        assert_eq!(b(Combined::XZD, VR::SQ, &l(Type1)), Branch::Replace);
        // X/Z on a Type 1 sequence: no dummy, but an empty sequence would break the IOD
        assert_eq!(b(Combined::XZ, VR::SQ, &l(Type1)), Branch::Keep);
        assert_eq!(b(Combined::XZ, VR::SQ, &l(Type1C)), Branch::Keep);
        assert_eq!(b(Combined::XZ, VR::SQ, &l(Type2)), Branch::Empty);
        assert_eq!(b(Combined::XZ, VR::SQ, &l(Type3)), Branch::Delete);
        // plain `empty`
        assert_eq!(empty_sequence_branch(&l(Type1)), Branch::Keep);
        assert_eq!(empty_sequence_branch(&l(Type1C)), Branch::Keep);
        assert_eq!(empty_sequence_branch(&l(Type2)), Branch::Empty);
        assert_eq!(empty_sequence_branch(&l(Type3)), Branch::Empty);
        assert_eq!(empty_sequence_branch(&IodType::NotInIod), Branch::Empty);
        assert_eq!(
            empty_sequence_branch(&IodType::Unknown(Unknown::SopClass)),
            Branch::Empty
        );
    }

    #[test]
    fn uid_sequences_are_kept_and_uids_remapped_where_required() {
        use AttributeType::*;
        let l = |t| listed(t, &[]);
        let b = combined_branch;
        for t in [Type1, Type1C, Type2, Type2C] {
            assert_eq!(b(Combined::XZU, VR::UI, &l(t)), Branch::Uid, "{t}");
            assert_eq!(b(Combined::XZU, VR::SQ, &l(t)), Branch::Keep, "{t}");
            assert_eq!(b(Combined::XZU, VR::CS, &l(t)), Branch::Empty, "{t}");
        }
        assert_eq!(b(Combined::XZU, VR::SQ, &l(Type3)), Branch::Delete);
        assert_eq!(b(Combined::XZU, VR::UI, &IodType::NotInIod), Branch::Delete);
    }

    #[test]
    fn unknown_types_take_the_old_tools_branch() {
        for why in [Unknown::NoSopClass, Unknown::SopClass, Unknown::Container] {
            let u = IodType::Unknown(why);
            let b = combined_branch;
            assert_eq!(b(Combined::XZD, VR::LO, &u), Branch::Replace);
            assert_eq!(b(Combined::XD, VR::DA, &u), Branch::Replace);
            assert_eq!(b(Combined::ZD, VR::LO, &u), Branch::Replace);
            assert_eq!(b(Combined::XZ, VR::LO, &u), Branch::Empty);
            assert_eq!(b(Combined::XZU, VR::UI, &u), Branch::Uid);
            assert_eq!(b(Combined::XZU, VR::SQ, &u), Branch::Keep);
            assert_eq!(b(Combined::XZU, VR::CS, &u), Branch::Empty);
        }
    }

    #[test]
    fn the_same_attribute_resolves_three_ways_in_three_iods() {
        let action = Action::Combined(Combined::XZD);
        let r = |sop| resolve(&action, VR::DT, Some(sop), &[ACQUISITION_DATETIME]);
        let ecg = r(ECG).unwrap();
        assert_eq!(ecg.branch, Branch::Replace);
        assert_eq!(
            ecg.iod,
            listed(AttributeType::Type1, &[ACQUISITION_DATETIME])
        );
        assert_eq!(r(ENHANCED_CT).unwrap().branch, Branch::Replace);
        assert_eq!(r(PDF).unwrap().branch, Branch::Empty);
        assert_eq!(r(CT).unwrap().branch, Branch::Delete);
        assert_eq!(
            r("1.2.3.4").unwrap(),
            Resolution {
                branch: Branch::Replace,
                iod: IodType::Unknown(Unknown::SopClass)
            }
        );
        assert_eq!(
            resolve(&action, VR::DT, None, &[ACQUISITION_DATETIME])
                .unwrap()
                .iod,
            IodType::Unknown(Unknown::NoSopClass)
        );
    }

    #[test]
    fn only_combined_actions_and_empty_sequences_depend_on_the_iod() {
        let p = [Tag(0x0008, 0x1110)];
        assert_eq!(resolve(&Action::Keep, VR::SQ, Some(CT), &p), None);
        assert_eq!(resolve(&Action::Replace, VR::SQ, Some(CT), &p), None);
        assert_eq!(resolve(&Action::Empty, VR::LO, Some(CT), &p), None);
        assert!(resolve(&Action::Empty, VR::SQ, Some(CT), &p).is_some());
        assert!(depends_on_iod(&Action::Combined(Combined::XZ), VR::LO));
        assert!(!depends_on_iod(&Action::Uid, VR::UI));
    }

    #[test]
    fn nested_paths_are_looked_up_whole() {
        let action = Action::Combined(Combined::XZU);
        // Referenced Series Sequence > Referenced Instance Sequence > Referenced SOP Instance UID
        let path = [
            Tag(0x0008, 0x1115),
            Tag(0x0008, 0x114A),
            Tag(0x0008, 0x1155),
        ];
        let r = resolve(&action, VR::UI, Some(SEGMENTATION), &path).unwrap();
        assert_eq!(r.iod, listed(AttributeType::Type1, &path));
        assert_eq!(r.branch, Branch::Uid);
        // Source Image Sequence: Type 3 at the top level of a Segmentation
        let top = resolve(&action, VR::SQ, Some(SEGMENTATION), &[Tag(0x0008, 0x2112)]).unwrap();
        assert_eq!(top.branch, Branch::Delete);
    }

    #[test]
    fn not_in_the_iod_needs_a_described_container() {
        // Patient's Name inside Referenced Study Sequence: the table describes that
        // sequence, and it holds no Patient's Name
        assert_eq!(
            iod_type(Some(CT), &[Tag(0x0008, 0x1110), Tag(0x0010, 0x0010)]),
            IodType::NotInIod
        );
        // a top-level attribute the IOD does not have
        assert_eq!(iod_type(Some(CT), &[PERSON_NAME]), IodType::NotInIod);
        // inside a Functional Group: the table has no Functional Group macros
        let fg = [
            Tag(0x5200, 0x9230),
            Tag(0x0008, 0x9124),
            Tag(0x0008, 0x2112),
        ];
        assert_eq!(
            iod_type(Some(SEGMENTATION), &fg),
            IodType::Unknown(Unknown::Container)
        );
        let r = resolve(
            &Action::Combined(Combined::XZU),
            VR::SQ,
            Some(SEGMENTATION),
            &fg,
        );
        assert_eq!(r.map(|r| r.branch), Some(Branch::Keep));
        // inside a private sequence
        assert_eq!(
            iod_type(Some(CT), &[Tag(0x0029, 0x1010), Tag(0x0008, 0x0080)]),
            IodType::Unknown(Unknown::Container)
        );
        // Content Sequence in an IOD that has none: the table describes that sequence
        assert_eq!(
            iod_type(Some(CT), &[CONTENT_SEQUENCE, PERSON_NAME]),
            IodType::NotInIod
        );
    }

    #[test]
    fn deep_sr_content_folds_onto_the_deepest_listed_level() {
        use AttributeType::Type1C;
        let at = |depth: usize| {
            let mut p = vec![CONTENT_SEQUENCE; depth];
            p.push(PERSON_NAME);
            p
        };
        // Comprehensive SR: the table lists one level of Content Sequence
        assert_eq!(
            iod_type(Some(COMPREHENSIVE_SR), &at(0)),
            listed(Type1C, &at(0))
        );
        assert_eq!(
            iod_type(Some(COMPREHENSIVE_SR), &at(1)),
            listed(Type1C, &at(1))
        );
        for depth in 2..8 {
            assert_eq!(
                iod_type(Some(COMPREHENSIVE_SR), &at(depth)),
                listed(Type1C, &at(1)),
                "depth {depth}"
            );
        }
        // Encapsulated PDF: two levels; deeper ones fold onto the second
        assert_eq!(iod_type(Some(PDF), &at(2)), listed(Type1C, &at(2)));
        assert_eq!(iod_type(Some(PDF), &at(5)), listed(Type1C, &at(2)));
    }

    #[test]
    fn folding_shortens_the_longest_run_first() {
        let a = Tag(0x0040, 0xA730);
        let b = Tag(0x0008, 0x1199);
        let c = Tag(0x0040, 0xA123);
        let mut p = vec![a, a, a, b, b, c];
        assert!(fold_longest_run(&mut p));
        assert_eq!(p, [a, a, b, b, c]);
        assert!(fold_longest_run(&mut p));
        assert_eq!(p, [a, a, b, c]);
        assert!(fold_longest_run(&mut p));
        assert_eq!(p, [a, b, c]);
        assert!(!fold_longest_run(&mut p));
        let mut empty: Vec<Tag> = Vec::new();
        assert!(!fold_longest_run(&mut empty));
    }
}
