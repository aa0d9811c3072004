//! Actions: what the plan does to an element, and which VRs each can apply to.

use std::fmt;

use dicom_core::VR;

/// `keep` or `delete`, for elements no rule matches (`default`, `private`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    Keep,
    Delete,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Keep => "keep",
            Disposition::Delete => "delete",
        }
    }
}

/// The PS3.15 combined actions, resolved per element by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Combined {
    /// `Z/D`: empty, or a dummy where a value is required.
    ZD,
    /// `X/Z`: remove, or empty where the attribute is required.
    XZ,
    /// `X/D`: remove, or a dummy where a value is required.
    XD,
    /// `X/Z/D`: remove, empty or dummy by the attribute's Type.
    XZD,
    /// `X/Z/U*`: remove, empty, or remap the UIDs (in sequences: inside the items).
    XZU,
}

impl Combined {
    pub fn code(self) -> &'static str {
        match self {
            Combined::ZD => "Z/D",
            Combined::XZ => "X/Z",
            Combined::XD => "X/D",
            Combined::XZD => "X/Z/D",
            Combined::XZU => "X/Z/U*",
        }
    }

    pub fn has_remove(self) -> bool {
        !matches!(self, Combined::ZD)
    }

    pub fn has_empty(self) -> bool {
        matches!(
            self,
            Combined::ZD | Combined::XZ | Combined::XZD | Combined::XZU
        )
    }

    pub fn has_dummy(self) -> bool {
        matches!(self, Combined::ZD | Combined::XD | Combined::XZD)
    }
}

/// A compiled `regexp` action.
#[derive(Debug, Clone)]
pub struct Regexp {
    pub find: regex::Regex,
    pub replace: String,
}

impl PartialEq for Regexp {
    fn eq(&self, other: &Self) -> bool {
        self.find.as_str() == other.find.as_str() && self.replace == other.replace
    }
}

/// What to do with an element.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `keep` (`K`): leave the element as it is.
    Keep,
    /// `delete` (`X`): remove the element.
    Delete,
    /// `empty` (`Z`): a zero-length value (a sequence with no items).
    Empty,
    /// `replace` (`D`): a dummy value consistent with the VR.
    Replace,
    /// `replace "VALUE"`: a literal, checked against the VR.
    Set(String),
    /// `uid` (`U`): keyed, consistent remapping of UIDs.
    Uid,
    /// `hash`: a keyed pseudonym that fits the VR.
    Hash,
    /// `shift-date`: move DA/DT values by a keyed per-patient number of days.
    ShiftDate,
    /// `regexp "FIND" "REPLACE"`: the old tool's regular-expression substitution.
    Regexp(Box<Regexp>),
    /// `clean` (`C`): free text with the instance's own identifying values taken out
    /// (a sequence: kept, plan applied inside, its content items' text cleaned).
    Clean,
    /// A PS3.15 combined action, resolved per element from the IOD.
    Combined(Combined),
    /// `shift-date days A..B` or `shift-date by table T`.
    ShiftDays(Box<super::DateShift>),
    /// `hash length N prefix "P"`.
    HashWith(Box<super::HashSpec>),
    /// `keep-year`: DA and DT values become January 1st of their year.
    KeepYear,
    /// `cap-age N`: AS values above N years become N+1 years.
    CapAge(u16),
    /// `truncate N`: text values cut to N characters.
    Truncate(usize),
    /// `lookup TABLE [by ATTRIBUTE] [else hash]`.
    Lookup(Box<super::Lookup>),
}

/// A string literal in the language's syntax: a raw string `r"..."` when the text has
/// backslashes and no quote (regexes read as written), else a quoted string with `\\`
/// and `\"` escaped.
fn quote(s: &str) -> String {
    if s.contains('\\') && !s.contains('"') {
        return format!("r\"{s}\"");
    }
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Action {
    /// The canonical name, as `plan` prints it and reports count it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Delete => "delete",
            Action::Empty => "empty",
            Action::Replace | Action::Set(_) => "replace",
            Action::Uid => "uid",
            Action::Hash => "hash",
            Action::ShiftDate | Action::ShiftDays(_) => "shift-date",
            Action::Regexp(_) => "regexp",
            Action::Clean => "clean",
            Action::Combined(c) => c.code(),
            Action::HashWith(_) => "hash",
            Action::KeepYear => "keep-year",
            Action::CapAge(_) => "cap-age",
            Action::Truncate(_) => "truncate",
            Action::Lookup(_) => "lookup",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Set(v) => write!(f, "replace {}", quote(v)),
            Action::Regexp(r) => {
                write!(f, "regexp {} {}", quote(r.find.as_str()), quote(&r.replace))
            }
            Action::ShiftDays(d) => match d.as_ref() {
                super::DateShift::Range(a, b) => write!(f, "shift-date days {a}..{b}"),
                super::DateShift::Table(t) => write!(f, "shift-date by table {}", t.name),
            },
            Action::HashWith(h) => {
                write!(f, "hash length {}", h.length)?;
                if !h.prefix.is_empty() {
                    write!(f, " prefix {}", quote(&h.prefix))?;
                }
                Ok(())
            }
            Action::CapAge(n) => write!(f, "cap-age {n}"),
            Action::Truncate(n) => write!(f, "truncate {n}"),
            Action::Lookup(l) => {
                write!(f, "lookup {}", l.table.name)?;
                if let Some(by) = l.by {
                    let kw = crate::dictionary::keyword_of(by)
                        .map_or_else(|| by.to_string(), str::to_string);
                    write!(f, " by {kw}")?;
                }
                if l.else_hash {
                    f.write_str(" else hash")?;
                }
                Ok(())
            }
            other => f.write_str(other.name()),
        }
    }
}

/// Why an action cannot apply to a VR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionVrProblem {
    UidNeedsUi,
    ShiftNeedsDate,
    ShiftOnTime,
    HashOnUid,
    HashOnDate,
    NeedsText,
    LiteralNotAllowed,
    KeepYearNeedsDate,
    CapAgeNeedsAge,
}

impl ActionVrProblem {
    /// How to fix it.
    pub fn help(self) -> &'static str {
        match self {
            ActionVrProblem::UidNeedsUi => {
                "`uid` remaps UID (UI) values; use `replace`, `empty` or `delete` for other elements, or `X/Z/U*` for sequences that hold UIDs"
            }
            ActionVrProblem::ShiftNeedsDate => {
                "`shift-date` moves DA and DT values; use `replace`, `empty` or `delete` for other elements"
            }
            ActionVrProblem::ShiftOnTime => {
                "a shift by whole days leaves times of day unchanged: `keep` them, or `empty` them"
            }
            ActionVrProblem::HashOnUid => {
                "use `uid` for UIDs: it makes valid UIDs and maps each one the same way everywhere"
            }
            ActionVrProblem::HashOnDate => "use `shift-date` for dates, or `replace` for a dummy",
            ActionVrProblem::NeedsText => {
                "this action works on text values; use `replace`, `empty` or `delete` for binary values and sequences"
            }
            ActionVrProblem::KeepYearNeedsDate => {
                "`keep-year` keeps the year of DA and DT values; times (TM) are removed or emptied by the usual rules"
            }
            ActionVrProblem::CapAgeNeedsAge => "`cap-age` caps ages (AS values, like `093Y`)",
            ActionVrProblem::LiteralNotAllowed => {
                "a literal can only be given for text and number VRs; use `replace` (dummy), `empty` or `delete`"
            }
        }
    }
}

/// Whether `action` can apply to an element of VR `vr` (literal values are checked
/// separately, by [`crate::vr::check_literal`]).
pub fn check_action_vr(action: &Action, vr: VR) -> Result<(), ActionVrProblem> {
    use crate::vr::{accepts_literal, is_text};
    match action {
        Action::Keep | Action::Delete | Action::Empty | Action::Replace | Action::Combined(_) => {
            Ok(())
        }
        Action::Set(_) if accepts_literal(vr) => Ok(()),
        Action::Set(_) => Err(ActionVrProblem::LiteralNotAllowed),
        Action::Uid if vr == VR::UI => Ok(()),
        Action::Uid => Err(ActionVrProblem::UidNeedsUi),
        Action::ShiftDate | Action::ShiftDays(_) if matches!(vr, VR::DA | VR::DT) => Ok(()),
        Action::ShiftDate | Action::ShiftDays(_) if vr == VR::TM => {
            Err(ActionVrProblem::ShiftOnTime)
        }
        Action::ShiftDate | Action::ShiftDays(_) => Err(ActionVrProblem::ShiftNeedsDate),
        Action::KeepYear if matches!(vr, VR::DA | VR::DT) => Ok(()),
        Action::KeepYear => Err(ActionVrProblem::KeepYearNeedsDate),
        Action::CapAge(_) if vr == VR::AS => Ok(()),
        Action::CapAge(_) => Err(ActionVrProblem::CapAgeNeedsAge),
        Action::Hash | Action::HashWith(_) if vr == VR::UI => Err(ActionVrProblem::HashOnUid),
        Action::Hash | Action::HashWith(_) if matches!(vr, VR::DA | VR::DT | VR::TM | VR::AS) => {
            Err(ActionVrProblem::HashOnDate)
        }
        Action::Clean
            if matches!(
                vr,
                VR::LO | VR::LT | VR::SH | VR::ST | VR::UT | VR::UC | VR::PN | VR::SQ
            ) =>
        {
            Ok(())
        }
        Action::Clean => Err(ActionVrProblem::NeedsText),
        Action::Hash
        | Action::HashWith(_)
        | Action::Regexp(_)
        | Action::Truncate(_)
        | Action::Lookup(_)
            if is_text(vr) =>
        {
            Ok(())
        }
        Action::Hash
        | Action::HashWith(_)
        | Action::Regexp(_)
        | Action::Truncate(_)
        | Action::Lookup(_) => Err(ActionVrProblem::NeedsText),
    }
}
