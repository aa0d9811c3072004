//! The steps an element can take, and counting them for the report.

use crate::engine::Counts;
use crate::engine::resolve::Branch;
use crate::plan::Regexp;

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
    Clean,
    ShiftDays(&'p crate::plan::DateShift),
    HashWith(&'p crate::plan::HashSpec),
    KeepYear,
    CapAge(u16),
    Truncate(usize),
    Lookup(&'p crate::plan::Lookup),
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
pub(super) const STEP_NAMES: [&str; 13] = [
    "keep",
    "delete",
    "empty",
    "replace",
    "uid",
    "hash",
    "shift-date",
    "regexp",
    "clean",
    "keep-year",
    "cap-age",
    "truncate",
    "lookup",
];
pub(super) const KEEP: usize = 0;
pub(super) const DELETE: usize = 1;

impl Step<'_> {
    /// Index of the action name in [`STEP_NAMES`].
    pub(super) fn kind(&self) -> usize {
        match self {
            Step::Keep => KEEP,
            Step::Delete => DELETE,
            Step::Empty => 2,
            Step::Dummy | Step::Set(_) => 3,
            Step::Uid => 4,
            Step::Hash | Step::HashWith(_) => 5,
            Step::ShiftDate | Step::ShiftDays(_) => 6,
            Step::Regexp(_) => 7,
            Step::Clean => 8,
            Step::KeepYear => 9,
            Step::CapAge(_) => 10,
            Step::Truncate(_) => 11,
            Step::Lookup(_) => 12,
        }
    }
}

/// Elements per action while walking: a counter per action kind, turned into the
/// report's name → count map once per file.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StepCounts([u64; STEP_NAMES.len()]);

impl StepCounts {
    pub(super) fn add(&mut self, kind: usize) {
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
