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
mod tests;
