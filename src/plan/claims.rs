//! What a plan earns the right to say about its outputs: the de-identification attributes
//! (0012,0062), (0012,0064) and (0028,0303).
//!
//! The claims are computed by the compiler (`profile::conformance`), which compares the
//! plan with PS3.15 Table E.1-1 row by row; the engine only writes them. A plan built
//! without the compiler claims nothing.

use super::DeidOption;

/// What the plan does to dates and times: the value of Longitudinal Temporal Information
/// Modified (0028,0303), PS3.15 E.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Longitudinal {
    /// Dates and times are removed, emptied or replaced by dummies.
    #[default]
    Removed,
    /// Dates are shifted (times of day kept or removed).
    Modified,
    /// Some dates are kept as they are.
    Unmodified,
}

impl Longitudinal {
    /// The code string written into (0028,0303).
    pub fn as_str(self) -> &'static str {
        match self {
            Longitudinal::Removed => "REMOVED",
            Longitudinal::Modified => "MODIFIED",
            Longitudinal::Unmodified => "UNMODIFIED",
        }
    }
}

/// The claims a plan earns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Claims {
    /// The Basic Profile (with the options in `options`) is satisfied: (0012,0062) `YES`
    /// and code 113100 may be written.
    pub basic: bool,
    /// The options satisfied (CID 7050), Basic not included, in code order. Empty when
    /// `basic` is false: an option modifies the Basic Profile.
    pub options: Vec<DeidOption>,
    /// (0028,0303).
    pub longitudinal: Longitudinal,
}

impl Claims {
    /// The CID 7050 codes written into (0012,0064): 113100 and the options, or none.
    pub fn codes(&self) -> Vec<DeidOption> {
        if !self.basic {
            return Vec::new();
        }
        let mut v = vec![DeidOption::Basic];
        v.extend(
            self.options
                .iter()
                .copied()
                .filter(|o| *o != DeidOption::Basic),
        );
        v
    }
}
