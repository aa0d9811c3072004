//! Holes that mutation testing found in the suite (docs/safety.md, "Mutation testing"):
//! each test here failed on a broken variant of the engine or of `check` that the rest of
//! the suite let through. Sources are built from a real file with dicom-object; the
//! library entry points are the ones `run` and `check` call.

use std::fs;
use std::path::{Path, PathBuf};

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::mem::InMemElement;
use dicom_object::{DefaultDicomObject, InMemDicomObject, open_file};

use dicom_anonymizer::check::{Checker, Finding, FindingKind};
use dicom_anonymizer::io::report::Outcome;
use dicom_anonymizer::plan::Plan;
use dicom_anonymizer::profile::{self, Entry};
use dicom_anonymizer::{Deidentifier, Keys, Policy};

use crate::support::{bin, root};

mod checker;
mod engine;
mod runs;

const KEY: &[u8] = b"holes test key: 0123456789abcdef";

pub fn keys() -> Keys {
    Keys::from_bytes(KEY)
}

pub fn default_plan() -> Plan {
    plan_of(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
    ])
}

pub fn plan_of(entries: &[Entry]) -> Plan {
    let c = profile::compile(entries);
    c.plan
        .unwrap_or_else(|| panic!("does not compile: {:?}", c.diagnostics))
}

pub fn text_plan(text: &str) -> Plan {
    let c = profile::compile_str("holes.anon", text);
    c.plan
        .unwrap_or_else(|| panic!("does not compile: {:?}", c.diagnostics))
}

/// A real CT image (pydicom's CT_small) to build sources from.
pub fn base() -> DefaultDicomObject {
    open_file(root().join("tests/data/corpus/files/pydicom__CT_small.dcm")).unwrap()
}

pub fn text(tag: Tag, vr: VR, s: &str) -> InMemElement {
    DataElement::new(tag, vr, PrimitiveValue::from(s))
}

pub fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> InMemElement {
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

pub fn item(elements: Vec<InMemElement>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

/// De-identifies `src` into `dst` as `run` does; the output must be written.
pub fn deid(plan: &Plan, src: &Path, dst: &Path) {
    let keys = keys();
    let done = Deidentifier::new(plan, &keys, Policy::default()).file(src, dst);
    assert_eq!(done.outcome, Outcome::Written, "{:?}", done.error);
}

fn findings(plan: &Plan, out: &Path, src: Option<&Path>) -> Vec<Finding> {
    Checker::new(plan).check_file(out, src).findings
}

fn messages(f: &[Finding]) -> Vec<String> {
    f.iter().map(|f| f.message.clone()).collect()
}

/// Rewrites an output file through dicom-object.
fn doctor(path: &Path, f: impl FnOnce(&mut DefaultDicomObject)) {
    let mut obj = open_file(path).unwrap();
    f(&mut obj);
    obj.write_to_file(path).unwrap();
}

/// The element at a path of (sequence tag, item index) steps, then a tag.
fn at<'o>(obj: &'o InMemDicomObject, steps: &[(Tag, usize)], tag: Tag) -> Option<&'o InMemElement> {
    let mut o = obj;
    for (t, i) in steps {
        o = o.get(*t)?.items()?.get(*i)?;
    }
    o.get(tag)
}

fn str_at(obj: &InMemDicomObject, steps: &[(Tag, usize)], tag: Tag) -> Option<String> {
    at(obj, steps, tag).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches([' ', '\0'])
            .to_string()
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

const RADIOPHARMACEUTICAL: Tag = Tag(0x0054, 0x0016); // not in the basic profile: kept
const RADIONUCLIDE_CODE: Tag = Tag(0x0054, 0x0300); // not in the basic profile: kept
const CODE_MEANING: Tag = Tag(0x0008, 0x0104);
