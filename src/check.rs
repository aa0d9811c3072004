//! `check`: verifies de-identified files against a plan, so that a user can prove on their
//! own data what an output tree holds.
//!
//! For each output file:
//!
//! * every element, at every depth, against what the plan does to it (the engine's own
//!   resolution, [`crate::engine::expected`]): present although removed, a value although
//!   emptied, another value than the replacement, a private element the plan does not keep,
//!   a UID that does not look remapped, a value that is not a pseudonym;
//! * Patient Identity Removed (0012,0062) is `YES`;
//! * the file meta agrees with the data set (Media Storage SOP Class/Instance UID), holds
//!   no other elements than the ones the tool writes (no AE titles, presentation addresses
//!   or private meta information), and the preamble is zeros;
//! * with a source file (the same relative path under SRC): the **residual scan**. Every
//!   text value of the source that the plan removes, empties, replaces, hashes or remaps is
//!   searched in the output: in every decoded text value at any depth (case-insensitive),
//!   and in the whole file's bytes (pixel data included, ASCII case-insensitive).
//!
//! A value is not searched when it is trivial ([`searchable`]: fewer than 4 characters, a
//! number of fewer than 8 characters, a UID of the standard, control characters, a value
//! the tool writes itself) or when the source holds the same text in an element the plan
//! keeps (its presence is then the plan's choice). Person names are also searched by
//! component (family, given... of 4 characters or more).
//!
//! Findings name files and tag paths, never values: this module never puts an element
//! value into a finding.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;
use serde::Serialize;

use crate::engine::{self, ElementPath, Engine, Expected, Keys};
use crate::io::{self, ReadOptions};
use crate::plan::Plan;

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
    fn at(kind: FindingKind, path: &ElementPath, what: &str) -> Finding {
        let at = path.to_string();
        Finding {
            kind,
            message: format!("{what} at {at}"),
            at: Some(at),
        }
    }

    fn file(kind: FindingKind, message: String) -> Finding {
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

/// Elements the engine writes into every output (not checked against the plan).
const WRITTEN_BY_TOOL: [Tag; 4] = [
    Tag(0x0012, 0x0062),
    Tag(0x0012, 0x0063),
    Tag(0x0012, 0x0064),
    Tag(0x0028, 0x0303),
];
const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);
const SOP_INSTANCE_UID: Tag = Tag(0x0008, 0x0018);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

/// File meta elements the tool writes; any other is a finding.
const META_ALLOWED: [u16; 7] = [0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x0012, 0x0013];

/// Checks outputs against a plan.
#[derive(Debug)]
pub struct Checker<'a> {
    plan: &'a Plan,
    read: ReadOptions,
    /// Texts the tool writes itself (dummies, De-identification Method...): never searched.
    tool_texts: Vec<String>,
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
        for o in engine.method_codes(&engine::Applied {
            dates_shifted: true,
            ..Default::default()
        }) {
            tool_texts.push(o.meaning().to_string());
        }
        tool_texts.extend(["YES", "MODIFIED", "DCM"].map(String::from));
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
            tool_texts,
        }
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
        let sop_class = obj
            .get(SOP_CLASS_UID)
            .and_then(engine::text_value)
            .filter(|s| !s.is_empty());
        let mut walk = OutputWalk {
            plan: self.plan,
            sop_class: sop_class.as_deref(),
            seq_path: Vec::new(),
            path: Vec::new(),
            findings: &mut findings,
        };
        walk.dataset(obj, true);

        match obj.get(Tag(0x0012, 0x0062)).and_then(engine::text_value) {
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
        if let Some(source) = source {
            self.residual(output, obj, source, &mut findings);
        }
        FileReport {
            path: output.to_path_buf(),
            source: source.map(Path::to_path_buf),
            findings,
        }
    }

    fn check_meta(
        &self,
        output: &Path,
        obj: &dicom_object::FileDicomObject<InMemDicomObject>,
        findings: &mut Vec<Finding>,
    ) {
        let meta = obj.meta();
        let trim = |s: &str| s.trim_end_matches(['\0', ' ']).to_string();
        let ds = |t: Tag| obj.get(t).and_then(engine::text_value);
        // a data set without the UID (a bare LUT, a fragment) has nothing to agree with
        if ds(SOP_CLASS_UID).is_some_and(|c| trim(meta.media_storage_sop_class_uid()) != c) {
            findings.push(Finding::file(
                FindingKind::Meta,
                "file meta: (0002,0002) Media Storage SOP Class UID does not match (0008,0016) SOP Class UID".into(),
            ));
        }
        let meta_instance = trim(meta.media_storage_sop_instance_uid());
        match ds(SOP_INSTANCE_UID) {
            Some(i) if i != meta_instance => findings.push(Finding::file(
                FindingKind::Meta,
                "file meta: (0002,0003) Media Storage SOP Instance UID does not match (0008,0018) SOP Instance UID".into(),
            )),
            Some(_) => {}
            None => {
                let remaps = matches!(
                    engine::expected(self.plan, SOP_INSTANCE_UID, None, VR::UI, None, &[]),
                    Expected::Uid | Expected::Dummy
                );
                if remaps && !looks_remapped(&meta_instance) {
                    findings.push(Finding::file(
                        FindingKind::UidNotRemapped,
                        "file meta: (0002,0003) Media Storage SOP Instance UID is not remapped"
                            .into(),
                    ));
                }
            }
        }
        // dicom-object drops meta elements it does not know: read the group from the bytes
        let (preamble, tags) = match raw_meta(output) {
            Ok(x) => x,
            Err(e) => {
                findings.push(Finding::file(
                    FindingKind::Meta,
                    format!("file meta: cannot read it again: {e}"),
                ));
                return;
            }
        };
        if preamble.iter().any(|b| *b != 0) {
            findings.push(Finding::file(
                FindingKind::Meta,
                "file meta: the 128-byte preamble is not zeros".into(),
            ));
        }
        for t in tags {
            if !META_ALLOWED.contains(&t.element()) {
                findings.push(Finding::file(
                    FindingKind::Meta,
                    format!(
                        "file meta: {} must not be in the file meta",
                        crate::tag::fmt_tag(t)
                    ),
                ));
            }
        }
    }

    fn residual(
        &self,
        output: &Path,
        obj: &InMemDicomObject,
        source: &Path,
        findings: &mut Vec<Finding>,
    ) {
        let loaded = match io::read::load(source, &self.read) {
            Ok(l) => l,
            Err(e) => {
                findings.push(Finding::file(
                    FindingKind::NoSource,
                    format!(
                        "the source `{}` cannot be read: {}",
                        source.display(),
                        crate::batch::error_chain(&e)
                    ),
                ));
                return;
            }
        };
        let src = &loaded.object;
        let sop_class = src
            .get(SOP_CLASS_UID)
            .and_then(engine::text_value)
            .filter(|s| !s.is_empty());
        let mut collect = SourceWalk {
            plan: self.plan,
            sop_class: sop_class.as_deref(),
            seq_path: Vec::new(),
            path: Vec::new(),
            removed: Vec::new(),
            kept: Vec::new(),
        };
        collect.dataset(src, false);
        let SourceWalk { removed, kept, .. } = collect;
        let kept: Vec<String> = kept.iter().map(|k| k.to_lowercase()).collect();

        // one needle per distinct text, with the first source path it came from
        let mut needles: BTreeMap<String, (ElementPath, bool)> = BTreeMap::new();
        for r in removed {
            for text in r.texts {
                let lower = text.to_lowercase();
                if !searchable(&text)
                    || self.tool_texts.iter().any(|t| t.contains(&lower))
                    || kept.iter().any(|k| k.contains(&lower))
                {
                    continue;
                }
                needles.entry(lower).or_insert((r.path.clone(), r.uid));
            }
        }
        if needles.is_empty() {
            return;
        }

        // decoded text of the output, at any depth
        let mut texts: Vec<(ElementPath, String)> = Vec::new();
        output_texts(obj, &mut Vec::new(), &mut texts, 0);
        let lowered: Vec<(ElementPath, String)> = texts
            .into_iter()
            .map(|(p, t)| (p, t.to_lowercase()))
            .collect();
        let mut not_in_text: Vec<&str> = Vec::new();
        for (needle, (from, uid)) in &needles {
            let hits: Vec<&ElementPath> = lowered
                .iter()
                .filter(|(_, t)| t.contains(needle.as_str()))
                .map(|(p, _)| p)
                .collect();
            if hits.is_empty() {
                not_in_text.push(needle);
            }
            for at in hits {
                findings.push(residual_finding(*uid, from, Some(at), None));
            }
        }
        // the whole file's bytes (binary values, pixel data)
        match bytes_containing(output, &not_in_text) {
            Ok(found) => {
                for (needle, offset) in found {
                    if let Some((from, uid)) = needles.get(needle) {
                        findings.push(residual_finding(*uid, from, None, Some(offset)));
                    }
                }
            }
            Err(e) => findings.push(Finding::file(
                FindingKind::Unreadable,
                format!("cannot read the file's bytes: {e}"),
            )),
        }
    }
}

fn residual_finding(
    uid: bool,
    from: &ElementPath,
    at: Option<&ElementPath>,
    offset: Option<u64>,
) -> Finding {
    let (kind, what) = if uid {
        (FindingKind::UidNotRemapped, "a UID the plan remaps")
    } else {
        (
            FindingKind::ResidualPhi,
            "residual PHI: a value the plan takes out",
        )
    };
    let place = match (at, offset) {
        (Some(at), _) => format!("at {at}"),
        (None, Some(o)) => format!("in the file's bytes at byte {o}"),
        (None, None) => "in the file".to_string(),
    };
    Finding {
        kind,
        at: at.map(ToString::to_string),
        message: format!("{what} at {from} in the source is found {place}"),
    }
}

/// Whether a source value is worth searching for: at least 4 characters, not a number of
/// fewer than 8 characters (`70`, `1.75`, `2`; dates like `19600101` are searched), not
/// a UID of the standard, and printable text (no control or replacement characters, which
/// come from binary values).
pub fn searchable(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 {
        return false;
    }
    if v.starts_with("1.2.840.10008.") {
        return false;
    }
    let numeric = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && v.chars().any(|c| c.is_ascii_digit());
    if numeric && v.len() < 8 {
        return false;
    }
    !v.chars().any(|c| c.is_control() || c == '\u{FFFD}')
}

/// True for a UID made by the keyed remapping: `2.25.` + the decimal of a 128-bit UUID
/// of version 8, variant 10 (what [`Keys::uid`] makes), or a UID of the standard.
pub fn looks_remapped(uid: &str) -> bool {
    let uid = uid.trim_end_matches(['\0', ' ']);
    if uid.is_empty() || uid.starts_with("1.2.840.10008.") {
        return true;
    }
    let Some(n) = uid.strip_prefix("2.25.") else {
        return false;
    };
    if n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Ok(v) = n.parse::<u128>() else {
        return false;
    };
    let b = v.to_be_bytes();
    b.get(6).is_some_and(|x| x >> 4 == 8) && b.get(8).is_some_and(|x| x >> 6 == 0b10)
}

/// True for a pseudonym `hash` makes: 16 characters of `A-Z2-7`, or digits for IS/DS.
fn looks_hashed(vr: VR, value: &str) -> bool {
    let v = value.trim_end_matches(['\0', ' ']);
    if v.is_empty() {
        return true;
    }
    match vr {
        VR::IS | VR::DS => v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()),
        _ => {
            v.len() == 16
                && v.bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        }
    }
}

fn is_creator(tag: Tag) -> bool {
    tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element())
}

fn creator_of(creators: &std::collections::HashMap<(u16, u8), String>, tag: Tag) -> Option<&str> {
    if tag.group() % 2 == 0 {
        return None;
    }
    let block = u8::try_from(tag.element() >> 8).ok()?;
    creators.get(&(tag.group(), block)).map(String::as_str)
}

/// The string values of an element (padding removed), or nothing for non-text values.
fn values(e: &InMemElement) -> Vec<String> {
    match e.value() {
        Value::Primitive(PrimitiveValue::Empty) => Vec::new(),
        Value::Primitive(PrimitiveValue::Str(s)) => vec![s.trim_end_matches([' ', '\0']).into()],
        Value::Primitive(PrimitiveValue::Strs(v)) => v
            .iter()
            .map(|s| s.trim_end_matches([' ', '\0']).to_string())
            .collect(),
        Value::Primitive(_) if e.vr() == VR::UN => engine::text_value(e)
            .map(|t| t.split('\\').map(str::to_string).collect())
            .unwrap_or_default(),
        Value::Primitive(p) if crate::vr::is_text(e.vr()) => p
            .to_multi_str()
            .iter()
            .map(|s| s.trim_end_matches([' ', '\0']).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

fn is_empty(e: &InMemElement) -> bool {
    match e.value() {
        Value::Primitive(PrimitiveValue::Empty) => true,
        Value::Primitive(p) => match p {
            PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => {
                values(e).iter().all(|v| v.is_empty())
            }
            other => other.calculate_byte_len() == 0,
        },
        Value::Sequence(s) => s.items().is_empty(),
        Value::PixelSequence(_) => false,
    }
}

/// The walk over an output's elements.
struct OutputWalk<'a, 'f> {
    plan: &'a Plan,
    sop_class: Option<&'a str>,
    seq_path: Vec<Tag>,
    path: Vec<(Tag, Option<usize>)>,
    findings: &'f mut Vec<Finding>,
}

impl OutputWalk<'_, '_> {
    fn here(&self, tag: Tag) -> ElementPath {
        let mut p = self.path.clone();
        p.push((tag, None));
        ElementPath(p)
    }

    fn dataset(&mut self, obj: &InMemDicomObject, root: bool) {
        let creators = engine::private_creators(obj);
        for elem in obj {
            let tag = elem.tag();
            if (root && WRITTEN_BY_TOOL.contains(&tag)) || is_creator(tag) {
                continue;
            }
            let creator = creator_of(&creators, tag);
            let expected = engine::expected(
                self.plan,
                tag,
                creator,
                elem.vr(),
                self.sop_class,
                &self.seq_path,
            );
            let here = self.here(tag);
            let push = |f: &mut Vec<Finding>, kind, what| f.push(Finding::at(kind, &here, what));
            let descend = matches!(expected, Expected::Keep | Expected::Dummy);
            if let Some((kind, what)) = verdict(&expected, elem, tag) {
                push(self.findings, kind, what);
            }
            if let (true, Value::Sequence(seq)) = (descend, elem.value()) {
                self.seq_path.push(tag);
                for (i, item) in seq.items().iter().enumerate() {
                    self.path.push((tag, Some(i)));
                    self.dataset(item, false);
                    self.path.pop();
                }
                self.seq_path.pop();
            }
        }
    }
}

/// What is wrong with an output element, given what the plan does to it.
fn verdict(
    expected: &Expected,
    elem: &InMemElement,
    tag: Tag,
) -> Option<(FindingKind, &'static str)> {
    let vr = elem.vr();
    let any = |bad: &dyn Fn(&str) -> bool| values(elem).iter().any(|v| bad(v));
    match expected {
        Expected::Delete if tag.group() % 2 == 1 => Some((
            FindingKind::PrivateNotAllowed,
            "private element not allowed by the plan",
        )),
        Expected::Delete => Some((FindingKind::ShouldBeGone, "should be gone")),
        Expected::Empty => (!is_empty(elem)).then_some((FindingKind::NotEmpty, "should be empty")),
        Expected::Uid => any(&|v| !looks_remapped(v))
            .then_some((FindingKind::UidNotRemapped, "UID not remapped")),
        Expected::Dummy if vr == VR::UI => any(&|v| !looks_remapped(v))
            .then_some((FindingKind::UidNotRemapped, "UID not remapped")),
        Expected::Dummy => match crate::vr::dummy_text(vr) {
            Some(dummy) if crate::vr::is_text(vr) => any(&|v| !v.is_empty() && v != dummy)
                .then_some((
                    FindingKind::NotReplaced,
                    "should hold the replacement value",
                )),
            _ => None,
        },
        Expected::Set(literal) if crate::vr::is_text(vr) => {
            let want: Vec<&str> = literal.split('\\').collect();
            (values(elem) != want)
                .then_some((FindingKind::NotReplaced, "should hold the plan's literal"))
        }
        Expected::Hash => {
            any(&|v| !looks_hashed(vr, v)).then_some((FindingKind::NotHashed, "not a pseudonym"))
        }
        _ => None,
    }
}

/// Values of the source the plan takes out, with where they are.
struct Removed {
    path: ElementPath,
    texts: Vec<String>,
    /// Remapped UIDs (reported as `uid-not-remapped` when found).
    uid: bool,
}

/// The walk over a source's elements: what the plan removes, and what it keeps.
struct SourceWalk<'a> {
    plan: &'a Plan,
    sop_class: Option<&'a str>,
    seq_path: Vec<Tag>,
    path: Vec<(Tag, Option<usize>)>,
    removed: Vec<Removed>,
    kept: Vec<String>,
}

impl SourceWalk<'_> {
    fn dataset(&mut self, obj: &InMemDicomObject, removed_above: bool) {
        if self.seq_path.len() > engine::MAX_DEPTH {
            return;
        }
        let creators = engine::private_creators(obj);
        for elem in obj {
            let tag = elem.tag();
            if is_creator(tag) || tag == PIXEL_DATA {
                continue;
            }
            let creator = creator_of(&creators, tag);
            let expected = engine::expected(
                self.plan,
                tag,
                creator,
                elem.vr(),
                self.sop_class,
                &self.seq_path,
            );
            let keeps = matches!(
                expected,
                Expected::Keep | Expected::ShiftDate | Expected::Regexp
            );
            let mut texts = values(elem);
            if elem.vr() == VR::PN {
                let parts: Vec<String> = texts
                    .iter()
                    .flat_map(|v| v.split(['^', '=']).map(str::to_string).collect::<Vec<_>>())
                    .collect();
                texts.extend(parts);
            }
            let modified = matches!(expected, Expected::ShiftDate | Expected::Regexp);
            if keeps {
                // inside a removed sequence, what the plan would keep is gone too, but it
                // is not searched (only what the plan itself takes out is)
                if !removed_above && !modified {
                    self.kept.extend(values(elem));
                }
            } else if !texts.is_empty() {
                let mut p = self.path.clone();
                p.push((tag, None));
                self.removed.push(Removed {
                    path: ElementPath(p),
                    texts,
                    uid: elem.vr() == VR::UI && matches!(expected, Expected::Uid | Expected::Dummy),
                });
            }
            if let Value::Sequence(seq) = elem.value() {
                let gone = removed_above || matches!(expected, Expected::Delete | Expected::Empty);
                self.seq_path.push(tag);
                for (i, item) in seq.items().iter().enumerate() {
                    self.path.push((tag, Some(i)));
                    self.dataset(item, gone);
                    self.path.pop();
                }
                self.seq_path.pop();
            }
        }
    }
}

/// Every text value of an output, with its path (sequences included, at any depth).
fn output_texts(
    obj: &InMemDicomObject,
    path: &mut Vec<(Tag, Option<usize>)>,
    out: &mut Vec<(ElementPath, String)>,
    depth: usize,
) {
    if depth > engine::MAX_DEPTH {
        return;
    }
    for elem in obj {
        let tag = elem.tag();
        if let Value::Sequence(seq) = elem.value() {
            for (i, item) in seq.items().iter().enumerate() {
                path.push((tag, Some(i)));
                output_texts(item, path, out, depth + 1);
                path.pop();
            }
            continue;
        }
        let text = values(elem).join("\\");
        if !text.is_empty() {
            let mut p = path.clone();
            p.push((tag, None));
            out.push((ElementPath(p), text));
        }
    }
}

/// The preamble and the tags of the file meta group, read from the file's bytes.
fn raw_meta(path: &Path) -> std::io::Result<([u8; 128], Vec<Tag>)> {
    let mut f = File::open(path)?;
    let mut head = [0u8; 132];
    f.read_exact(&mut head)?;
    let mut preamble = [0u8; 128];
    preamble.copy_from_slice(head.get(..128).unwrap_or(&[0; 128]));
    let mut tags = Vec::new();
    if head.get(128..) != Some(b"DICM".as_slice()) {
        return Err(std::io::Error::other(
            "no `DICM` prefix: not a Part 10 file",
        ));
    }
    loop {
        let mut h = [0u8; 8];
        if f.read_exact(&mut h).is_err() {
            break;
        }
        let [g0, g1, e0, e1, v0, v1, l0, l1] = h;
        let group = u16::from_le_bytes([g0, g1]);
        if group != 0x0002 {
            break;
        }
        tags.push(Tag(group, u16::from_le_bytes([e0, e1])));
        let long = matches!(
            &[v0, v1],
            b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"UC" | b"UN" | b"UR" | b"UT"
        );
        let len = if long {
            let mut l = [0u8; 4];
            f.read_exact(&mut l)?;
            u64::from(u32::from_le_bytes(l))
        } else {
            u64::from(u16::from_le_bytes([l0, l1]))
        };
        f.seek(SeekFrom::Current(i64::try_from(len).unwrap_or(i64::MAX)))?;
        if tags.len() > 1000 {
            break;
        }
    }
    Ok((preamble, tags))
}

/// Which of `needles` (lower case) occur in the file's bytes (ASCII case-insensitive), and
/// the offset of the first occurrence of each. Read in chunks: memory stays small.
fn bytes_containing<'n>(path: &Path, needles: &[&'n str]) -> std::io::Result<Vec<(&'n str, u64)>> {
    if needles.is_empty() {
        return Ok(Vec::new());
    }
    const CHUNK: usize = 4 << 20;
    let matcher = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(needles)
        .map_err(std::io::Error::other)?;
    let longest = needles.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut found: Vec<Option<u64>> = vec![None; needles.len()];
    let mut f = File::open(path)?;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + longest);
    let mut base: u64 = 0; // file offset of buf[0]
    loop {
        let n = (&mut f).take(CHUNK as u64).read_to_end(&mut buf)?;
        for m in matcher.find_overlapping_iter(&buf) {
            if let Some(slot @ None) = found.get_mut(m.pattern().as_usize()) {
                *slot = Some(base + m.start() as u64);
            }
        }
        if n == 0 || found.iter().all(Option::is_some) {
            break;
        }
        // keep the tail so that a needle across two chunks is found
        let tail = buf.len().saturating_sub(longest.saturating_sub(1));
        base += tail as u64;
        buf.drain(..tail);
    }
    Ok(needles
        .iter()
        .zip(found)
        .filter_map(|(n, f)| f.map(|o| (*n, o)))
        .collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remapped_uids_are_recognised() {
        let keys = Keys::from_bytes(b"0123456789abcdef");
        for uid in ["1.2.3.4", "1.2.826.0.1.3680043.2.1125.1", ""] {
            assert!(looks_remapped(&keys.uid(uid)), "{uid}");
        }
        assert!(looks_remapped("1.2.840.10008.5.1.4.1.1.2"));
        assert!(!looks_remapped("1.2.826.0.1.3680043.2.1125.1"));
        // a random (version 4) UUID UID is not one of ours
        assert!(!looks_remapped(
            "2.25.329800735698586629295641978511506172918"
        ));
        assert!(!looks_remapped("2.25.0123"));
    }

    #[test]
    fn trivial_values_are_not_searched() {
        for v in [
            "M",
            "CT",
            "70",
            "1.75",
            "0.5",
            "-12.5",
            "123456",
            "1.2.840.10008.1.2.1",
        ] {
            assert!(!searchable(v), "{v}");
        }
        for v in ["DOE", "Doe^John", "19600101", "ACC12345", "St. Mary"] {
            assert_eq!(searchable(v), v.len() >= 4, "{v}");
        }
        assert!(!searchable("ab\u{1}cd"));
    }

    #[test]
    fn pseudonyms_are_recognised() {
        let keys = Keys::from_bytes(b"0123456789abcdef");
        assert!(looks_hashed(VR::LO, &keys.pseudonym("Doe", 16)));
        assert!(looks_hashed(VR::IS, &keys.numeric_pseudonym("12", 9)));
        assert!(!looks_hashed(VR::LO, "PAT-0001"));
    }
}
