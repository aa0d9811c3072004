//! `check`: verifies de-identified files against a plan, so that a user can prove on their
//! own data what an output tree holds.
//!
//! For each output file:
//!
//! * every element, at every depth, against what the plan does to it (the engine's own
//!   resolution, [`crate::engine::expected`]): present although removed, a value although
//!   emptied, another value than the replacement, a private element the plan does not keep,
//!   a UID that does not look remapped, a value that is not a pseudonym;
//! * Patient Identity Removed (0012,0062) is `YES` when the plan satisfies the Basic
//!   Profile (`Plan::claims`);
//! * the file meta agrees with the data set (Media Storage SOP Class/Instance UID), holds
//!   no other elements than the ones the tool writes (no AE titles, presentation addresses
//!   or private meta information), and the preamble is zeros;
//! * with a source file (the same relative path under SRC): the **residual scan**. Every
//!   text value of the source that the plan removes, empties, replaces, hashes, remaps or shifts is
//!   searched in the output: in every decoded text value at any depth (case-insensitive),
//!   and in the file's bytes (ASCII case-insensitive): every byte but the root Pixel Data
//!   value of a streamed output (which `run` copies from the source unchanged), that value
//!   too with [`Checker::scan_pixels`] (`--scan-pixels`).
//!
//! A value is not searched when it is trivial ([`searchable`]: fewer than 4 characters, a
//! number of fewer than 8 characters, a UID of the standard, control characters, a value
//! the tool writes itself). It is searched in kept elements too: a source value that the
//! plan takes out and that an element the plan keeps also holds is a leak, unless that
//! element held it in the source already and PS3.15 Table E.1-1 lists nothing on its path
//! (an attribute the standard keeps, like Manufacturer). Person names
//! are also searched by component (family, given... of 4 characters or more).
//!
//! Findings name files and tag paths, never values: this module never puts an element
//! value into a finding.

mod finding;
mod meta;
mod output;
mod residual;
mod stream;

use std::path::{Path, PathBuf};

use dicom_core::Tag;

pub use finding::{CheckSummary, FileReport, Finding, FindingKind};
pub use output::looks_remapped;
pub use residual::searchable;
pub use stream::{WINDOW, outputs_in_order};

use crate::engine::{self, Engine, Keys};
use crate::io::{self, ReadOptions};
use crate::plan::Plan;
use output::OutputWalk;

/// Elements the engine writes into every output (not checked against the plan).
pub(super) const WRITTEN_BY_TOOL: [Tag; 4] = [
    Tag(0x0012, 0x0062),
    Tag(0x0012, 0x0063),
    Tag(0x0012, 0x0064),
    Tag(0x0028, 0x0303),
];
pub(super) const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);
pub(super) const SOP_INSTANCE_UID: Tag = Tag(0x0008, 0x0018);

/// Checks outputs against a plan.
#[derive(Debug)]
pub struct Checker<'a> {
    plan: &'a Plan,
    read: ReadOptions,
    /// Whether the byte scan reads the root Pixel Data value too (`--scan-pixels`).
    scan_pixels: bool,
    /// Texts the tool writes itself (dummies, De-identification Method...): never searched.
    tool_texts: Vec<String>,
    /// The tags PS3.15 Table E.1-1 lists (the attributes that can identify).
    listed: std::collections::HashSet<Tag>,
}

impl<'a> Checker<'a> {
    pub fn new(plan: &'a Plan) -> Self {
        let keys = Keys::from_bytes(b"check");
        let engine = Engine::new(plan, &keys);
        let mut tool_texts: Vec<String> = engine.method_values();
        tool_texts.extend(
            crate::vr::DUMMY_TABLE_VRS
                .iter()
                .filter_map(|vr| crate::vr::dummy_text(*vr))
                .map(str::to_string),
        );
        for o in crate::plan::DeidOption::ALL {
            tool_texts.push(o.meaning().to_string());
        }
        tool_texts.push(engine::NOT_CONFORMANT.to_string());
        tool_texts.extend(["YES", "MODIFIED", "UNMODIFIED", "REMOVED", "DCM"].map(String::from));
        // literals of the plan (`replace "VALUE"`) are written on purpose
        for rule in plan.all_rules() {
            if let crate::plan::Action::Set(v) = &rule.action {
                tool_texts.extend(v.split('\\').map(str::to_string));
            }
        }
        let tool_texts = tool_texts.iter().map(|t| t.to_lowercase()).collect();
        Checker {
            plan,
            read: ReadOptions::default(),
            scan_pixels: false,
            tool_texts,
            listed: crate::profile::conformance::rows()
                .iter()
                .filter_map(|r| r.pattern.exact())
                .collect(),
        }
    }

    /// With `true`, the residual byte scan reads the output's root Pixel Data value too
    /// (`check --scan-pixels`); by default it reads every byte of the file but that value.
    pub fn scan_pixels(mut self, yes: bool) -> Self {
        self.scan_pixels = yes;
        self
    }

    /// Checks one output, and with `source` the residual scan against it.
    pub fn check_file(&self, output: &Path, source: Option<&Path>) -> FileReport {
        let mut findings = Vec::new();
        let loaded = match io::read::load(output, &self.read) {
            Ok(l) => l,
            Err(e) => {
                findings.push(Finding::file(
                    FindingKind::Unreadable,
                    format!("unreadable: {}", crate::batch::error_chain(&e)),
                ));
                return FileReport {
                    path: output.to_path_buf(),
                    source: source.map(Path::to_path_buf),
                    findings,
                };
            }
        };
        let obj = &loaded.object;
        // a plan with `when` blocks: the rules of this instance, from its source's original
        // values (without a source, from the output's, which the plan may have changed)
        let original = source.map(|s| io::read::load(s, &self.read));
        let conditions_on = match &original {
            Some(Ok(o)) => &o.object,
            _ => obj,
        };
        let plan = match engine::instance_plan(self.plan, conditions_on) {
            Ok(p) => p,
            Err(_) => {
                findings.push(Finding::file(
                    FindingKind::Rejected,
                    "written although a `reject when` of the plan holds for it".into(),
                ));
                engine::InstancePlan::Same(self.plan)
            }
        };
        let sop_class = obj
            .get(SOP_CLASS_UID)
            .and_then(engine::text_value)
            .filter(|s| !s.is_empty());
        let mut walk = OutputWalk {
            plan: &plan,
            sop_class: sop_class.as_deref(),
            seq_path: Vec::new(),
            path: Vec::new(),
            findings: &mut findings,
        };
        walk.dataset(obj, true);

        match obj.get(Tag(0x0012, 0x0062)).and_then(engine::text_value) {
            // a plan that does not satisfy the Basic Profile does not claim it
            _ if !plan.claims().basic => {}
            Some(v) if v.trim() == "YES" => {}
            Some(_) => findings.push(Finding::file(
                FindingKind::IdentityRemovedMissing,
                "(0012,0062) Patient Identity Removed is not `YES`".into(),
            )),
            None => findings.push(Finding::file(
                FindingKind::IdentityRemovedMissing,
                "(0012,0062) Patient Identity Removed is missing".into(),
            )),
        }
        self.check_meta(output, obj, &mut findings);
        if let (Some(source), Some(read)) = (source, &original) {
            // the byte ranges to scan: all but a streamed Pixel Data value, unless asked
            let pixels = loaded
                .pixel
                .as_ref()
                .filter(|_| !self.scan_pixels)
                .map(|px| (&px.source, px.range.value_start, px.range.value_end));
            self.residual(&plan, (output, pixels), obj, (source, read), &mut findings);
        }
        FileReport {
            path: output.to_path_buf(),
            source: source.map(Path::to_path_buf),
            findings,
        }
    }
}

/// The output files of a tree (sorted), or DST itself when it is a file.
pub fn outputs(dst: &Path) -> Vec<PathBuf> {
    if dst.is_file() {
        return vec![dst.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dst)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        // the run's manifest is not an output
        .filter(|p| !crate::audit::manifest::is_manifest(p))
        .collect();
    files.sort();
    files
}

/// The source of an output: the same relative path under `src` (or `src` itself when
/// both are files).
pub fn source_of(output: &Path, dst: &Path, src: &Path) -> Option<PathBuf> {
    if src.is_file() {
        return Some(src.to_path_buf());
    }
    let rel = output.strip_prefix(dst).ok()?;
    let candidate = src.join(rel);
    candidate.is_file().then_some(candidate)
}
