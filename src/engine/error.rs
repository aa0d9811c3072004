//! The engine's error type. Errors name a tag path and what went wrong, never a value.

use std::fmt;

use dicom_core::{Tag, VR};

use crate::tag::fmt_tag;

/// Where an element is: the sequence tags and item indices from the top level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementPath(pub Vec<(Tag, Option<usize>)>);

impl fmt::Display for ElementPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (tag, item)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            f.write_str(&fmt_tag(*tag))?;
            if let Some(item) = item {
                write!(f, "[{item}]")?;
            }
        }
        Ok(())
    }
}

/// Why a plan could not be applied to a data set. The file is then not written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ApplyError {
    /// A `replace "VALUE"` or `regexp` result does not fit the element's VR.
    #[error("the value the plan writes into {path} does not fit its VR {vr}: it {problem}")]
    #[diagnostic(code(anon::apply::value_does_not_fit))]
    ValueDoesNotFit {
        path: ElementPath,
        vr: VR,
        problem: crate::vr::LiteralProblem,
    },
    /// `lookup` (without `else hash`) or `shift-date by table` found no row for the
    /// file's key. Names the table and the attribute, never the value.
    #[error("table `{table}` has no row for the {attribute} of this file")]
    #[diagnostic(code(anon::apply::lookup_missing))]
    LookupMissing { table: String, attribute: String },
    /// An instance the plan does not let through (a `reject when` that holds, or an
    /// encapsulated document): not an error of the file, a decision (outcome `rejected`).
    #[error("{reason}")]
    #[diagnostic(code(anon::apply::rejected))]
    Rejected { reason: String },
    /// Sequences nested deeper than the engine follows.
    #[error("sequences are nested more than {max} levels deep at {path}")]
    #[diagnostic(code(anon::apply::too_deep))]
    TooDeep { path: ElementPath, max: usize },
}
