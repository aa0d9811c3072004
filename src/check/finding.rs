//! What `check` reports: findings, one report per file, and the totals.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::engine::ElementPath;

/// What is wrong in an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The file cannot be read as DICOM.
    Unreadable,
    /// An element the plan removes is present.
    ShouldBeGone,
    /// An element the plan empties has a value.
    NotEmpty,
    /// An element the plan replaces holds something else than the replacement.
    NotReplaced,
    /// A private element the plan does not keep.
    PrivateNotAllowed,
    /// A UID the plan remaps that is not a remapped UID (or is one of the source's).
    UidNotRemapped,
    /// A value the plan hashes that is not a pseudonym.
    NotHashed,
    /// Patient Identity Removed (0012,0062) is missing or not `YES`.
    IdentityRemovedMissing,
    /// The file meta does not agree with the data set, or holds what it must not.
    Meta,
    /// A value the plan removes from the source is found in the output.
    ResidualPhi,
    /// `--source` was given and there is no source file for this output.
    NoSource,
    /// A `reject when` of the plan holds for the instance, yet it was written.
    Rejected,
}

impl FindingKind {
    /// The name used in summaries and JSON.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Unreadable => "unreadable",
            FindingKind::ShouldBeGone => "should-be-gone",
            FindingKind::NotEmpty => "not-empty",
            FindingKind::NotReplaced => "not-replaced",
            FindingKind::PrivateNotAllowed => "private-not-allowed",
            FindingKind::UidNotRemapped => "uid-not-remapped",
            FindingKind::NotHashed => "not-hashed",
            FindingKind::IdentityRemovedMissing => "identity-removed-missing",
            FindingKind::Meta => "meta",
            FindingKind::ResidualPhi => "residual-phi",
            FindingKind::NoSource => "no-source",
            FindingKind::Rejected => "rejected-written",
        }
    }
}

/// One problem in one output. `message` names tags and places, never values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The tag path of the element concerned, `(gggg,eeee)[i]/(gggg,eeee)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Finding {
    pub(super) fn at(kind: FindingKind, path: &ElementPath, what: &str) -> Finding {
        let at = path.to_string();
        Finding {
            kind,
            message: format!("{what} at {at}"),
            at: Some(at),
        }
    }

    pub(super) fn file(kind: FindingKind, message: String) -> Finding {
        Finding {
            kind,
            at: None,
            message,
        }
    }
}

/// The findings of one output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The output file.
    pub path: PathBuf,
    /// The source it was compared with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<PathBuf>,
    pub findings: Vec<Finding>,
}

/// Totals over the checked files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub files: u64,
    pub clean: u64,
    pub with_findings: u64,
    /// Findings per kind name.
    pub findings: BTreeMap<&'static str, u64>,
}

impl CheckSummary {
    pub fn add(&mut self, r: &FileReport) {
        self.files += 1;
        if r.findings.is_empty() {
            self.clean += 1;
        } else {
            self.with_findings += 1;
        }
        for f in &r.findings {
            *self.findings.entry(f.kind.name()).or_insert(0) += 1;
        }
    }
}

impl fmt::Display for CheckSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "checked {} file{}: {} clean, {} with findings",
            self.files,
            if self.files == 1 { "" } else { "s" },
            self.clean,
            self.with_findings
        )?;
        if !self.findings.is_empty() {
            let parts: Vec<String> = self
                .findings
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}
