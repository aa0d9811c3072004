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
const OTHER_PATIENT_IDS_SEQ: Tag = Tag(0x0010, 0x1002); // X: removed
const MANUFACTURER: Tag = Tag(0x0008, 0x0070);

#[test]
fn the_residual_scan_searches_values_removed_at_every_depth() {
    // values the plan takes out inside a removed sequence and two kept sequences deep;
    // each is planted in an output (at the root, deep in a kept sequence, in the pixel
    // data bytes) and `check --source` must find it there, naming both places
    let plan = default_plan();
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    obj.put(seq(
        OTHER_PATIENT_IDS_SEQ,
        vec![item(vec![
            text(Tag(0x0010, 0x0020), VR::LO, "ZQXHOLE01"),
            seq(
                Tag(0x0010, 0x1002),
                vec![item(vec![text(Tag(0x0010, 0x0020), VR::LO, "ZQXHOLE02")])],
            ),
        ])],
    ));
    obj.put(seq(
        RADIOPHARMACEUTICAL,
        vec![item(vec![seq(
            RADIONUCLIDE_CODE,
            vec![item(vec![
                text(Tag(0x0008, 0x0100), VR::SH, "C-111A1"),
                text(CODE_MEANING, VR::LO, "^18^Fluorine"),
                text(Tag(0x0010, 0x1040), VR::LO, "ZQXHOLE03 STREET"),
            ])],
        )])],
    ));
    obj.write_to_file(&src).unwrap();
    let clean = tmp.path().join("clean.dcm");
    deid(&plan, &src, &clean);
    assert_eq!(
        messages(&findings(&plan, &clean, Some(&src))),
        Vec::<String>::new()
    );
    let bytes = fs::read(&clean).unwrap();
    for m in ["ZQXHOLE01", "ZQXHOLE02", "ZQXHOLE03"] {
        assert!(!contains(&bytes, m.as_bytes()), "{m} leaked");
    }

    let from = [
        ("ZQXHOLE01", "(0010,1002)[0]/(0010,0020)"),
        ("ZQXHOLE02", "(0010,1002)[0]/(0010,1002)[0]/(0010,0020)"),
        (
            "ZQXHOLE03 STREET",
            "(0054,0016)[0]/(0054,0300)[0]/(0010,1040)",
        ),
    ];
    let deep = [(RADIOPHARMACEUTICAL, 0), (RADIONUCLIDE_CODE, 0)];
    for (value, source_path) in from {
        // at the root, in an element the plan keeps
        let out = tmp.path().join("root.dcm");
        fs::copy(&clean, &out).unwrap();
        doctor(&out, |o| {
            o.put(text(MANUFACTURER, VR::LO, value));
        });
        let want = format!(
            "residual PHI: a value the plan takes out at {source_path} in the source is found at (0008,0070)"
        );
        assert_eq!(
            messages(&findings(&plan, &out, Some(&src))),
            [want],
            "{value}"
        );

        // two kept sequences deep
        doctor(&out, |o| {
            o.put(text(MANUFACTURER, VR::LO, "SOMEBODY"));
            let mut top = o.take(RADIOPHARMACEUTICAL).unwrap().into_value();
            let Value::Sequence(s) = &mut top else {
                panic!()
            };
            let inner = s.items_mut()[0].get(RADIONUCLIDE_CODE).unwrap().clone();
            let mut inner = inner.into_value();
            let Value::Sequence(i) = &mut inner else {
                panic!()
            };
            i.items_mut()[0].put(text(CODE_MEANING, VR::LO, value));
            s.items_mut()[0].put(DataElement::new(RADIONUCLIDE_CODE, VR::SQ, inner));
            o.put(DataElement::new(RADIOPHARMACEUTICAL, VR::SQ, top));
        });
        let obj = open_file(&out).unwrap();
        assert_eq!(str_at(&obj, &deep, CODE_MEANING).as_deref(), Some(value));
        let want = format!(
            "residual PHI: a value the plan takes out at {source_path} in the source is found at (0054,0016)[0]/(0054,0300)[0]/(0008,0104)"
        );
        assert_eq!(
            messages(&findings(&plan, &out, Some(&src))),
            [want],
            "{value}"
        );

        // in the bytes of the pixel data
        let out = tmp.path().join("pixels.dcm");
        let mut b = bytes.clone();
        let n = b.len();
        b[n - 100..n - 100 + value.len()].copy_from_slice(value.as_bytes());
        fs::write(&out, &b).unwrap();
        // scanned only when asked (`check --scan-pixels`)
        assert_eq!(
            messages(&findings(&plan, &out, Some(&src))),
            Vec::<String>::new()
        );
        let got = messages(
            &Checker::new(&plan)
                .scan_pixels(true)
                .check_file(&out, Some(&src))
                .findings,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        let want = format!(
            "residual PHI: a value the plan takes out at {source_path} in the source is found in the file's bytes at byte {}",
            n - 100
        );
        assert_eq!(got[0], want);
    }
}

#[test]
fn check_finds_values_that_are_not_replaced_or_not_hashed() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("holes.anon");
    fs::write(
        &profile,
        "profile \"holes\"\n\
         (0010,0010) replace\n\
         (0010,0020) hash\n\
         (0020,0011) hash\n\
         (0008,0080) replace \"SOMEWHERE\"\n\
         (0008,1010) replace \"ONE\\\\TWO\"\n",
    )
    .unwrap();
    let plan = plan_of(&[Entry::Builtin("basic".into()), Entry::Path(profile.clone())]);
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    obj.put(text(Tag(0x0010, 0x0010), VR::PN, "ZQXDOE^JOHN"));
    obj.put(text(Tag(0x0010, 0x0020), VR::LO, "ZQXPAT-77"));
    obj.put(text(Tag(0x0020, 0x0011), VR::IS, "4"));
    obj.put(text(Tag(0x0008, 0x0080), VR::LO, "ZQX HOSPITAL"));
    obj.put(text(Tag(0x0008, 0x1010), VR::SH, "ZQXSTATION"));
    obj.write_to_file(&src).unwrap();
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    let o = open_file(&out).unwrap();
    assert_eq!(
        str_at(&o, &[], Tag(0x0008, 0x0080)).as_deref(),
        Some("SOMEWHERE")
    );
    assert_eq!(
        str_at(&o, &[], Tag(0x0008, 0x1010)).as_deref(),
        Some("ONE\\TWO")
    );
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );

    let cases: [(&str, InMemElement, FindingKind, &str); 6] = [
        (
            "dummy",
            text(Tag(0x0010, 0x0010), VR::PN, "SOME^ONE"),
            FindingKind::NotReplaced,
            "should hold the replacement value at (0010,0010)",
        ),
        (
            "literal",
            text(Tag(0x0008, 0x0080), VR::LO, "ELSEWHERE"),
            FindingKind::NotReplaced,
            "should hold the plan's literal at (0008,0080)",
        ),
        (
            "literal-values",
            text(Tag(0x0008, 0x1010), VR::SH, "ONE"),
            FindingKind::NotReplaced,
            "should hold the plan's literal at (0008,1010)",
        ),
        (
            "text-hash",
            text(Tag(0x0010, 0x0020), VR::LO, "PAT-0001"),
            FindingKind::NotHashed,
            "not a pseudonym at (0010,0020)",
        ),
        (
            "short-hash",
            text(Tag(0x0010, 0x0020), VR::LO, "ABCDEFGHIJKLMNO"),
            FindingKind::NotHashed,
            "not a pseudonym at (0010,0020)",
        ),
        (
            "number-hash",
            text(Tag(0x0020, 0x0011), VR::IS, "-5"),
            FindingKind::NotHashed,
            "not a pseudonym at (0020,0011)",
        ),
    ];
    for (name, element, kind, message) in cases {
        let doctored = tmp.path().join(format!("{name}.dcm"));
        fs::copy(&out, &doctored).unwrap();
        doctor(&doctored, |o| {
            o.put(element);
        });
        let f = findings(&plan, &doctored, None);
        assert_eq!(f.len(), 1, "{name}: {f:?}");
        assert_eq!(f[0].kind, kind, "{name}");
        assert_eq!(f[0].message, message, "{name}");
    }
    // what the tool itself would write passes: an empty value, another pseudonym
    for (name, element) in [
        (
            "empty-dummy",
            DataElement::empty(Tag(0x0010, 0x0010), VR::PN),
        ),
        (
            "other-pseudonym",
            text(Tag(0x0010, 0x0020), VR::LO, "ABCDEFGHIJKLMNOP"),
        ),
        (
            "other-number",
            text(Tag(0x0020, 0x0011), VR::IS, "123456789"),
        ),
    ] {
        let doctored = tmp.path().join(format!("{name}.dcm"));
        fs::copy(&out, &doctored).unwrap();
        doctor(&doctored, |o| {
            o.put(element);
        });
        assert_eq!(
            messages(&findings(&plan, &doctored, None)),
            Vec::<String>::new(),
            "{name}"
        );
    }
}

#[test]
fn private_creators_are_taken_from_the_same_item() {
    // two blocks in one group, the same block number in two groups, and an item whose
    // creators differ from the root's: each element is decided by its own block's creator
    let plan = text_plan(
        // the base file's StationName holds the value of its private SuiteId: under
        // `default keep` that is a real residual, so this plan takes it out
        "default keep\nprivate delete\nStationName delete\n\
         (0011,\"KEEP ME\",01) keep\n\
         (0013,\"KEEP ME\",01) keep\n",
    );
    let block = |creators: &[(u16, u16, &str)], elements: &[(u16, u16, &str)]| {
        let mut v: Vec<InMemElement> = creators
            .iter()
            .map(|(g, e, c)| text(Tag(*g, *e), VR::LO, c))
            .collect();
        v.extend(
            elements
                .iter()
                .map(|(g, e, s)| text(Tag(*g, *e), VR::LO, s)),
        );
        v
    };
    let layout = |root: bool| {
        let (a, b) = if root {
            ("KEEP ME", "DROP ME")
        } else {
            ("DROP ME", "KEEP ME")
        };
        block(
            &[
                (0x0011, 0x0010, a),
                (0x0011, 0x0011, b),
                (0x0013, 0x0010, b),
                (0x0013, 0x0011, a),
            ],
            &[
                (0x0011, 0x1001, "BLOCK-10-OF-11"),
                (0x0011, 0x1101, "BLOCK-11-OF-11"),
                (0x0013, 0x1001, "BLOCK-10-OF-13"),
                (0x0013, 0x1101, "BLOCK-11-OF-13"),
            ],
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    for e in layout(true) {
        obj.put(e);
    }
    obj.put(seq(RADIOPHARMACEUTICAL, vec![item(layout(false))]));
    obj.write_to_file(&src).unwrap();
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    let o = open_file(&out).unwrap();
    let present = |steps: &[(Tag, usize)], g: u16, e: u16| at(&o, steps, Tag(g, e)).is_some();
    let item0 = [(RADIOPHARMACEUTICAL, 0)];
    // root: block 10 of 0011 and block 11 of 0013 are "KEEP ME"
    assert!(present(&[], 0x0011, 0x1001));
    assert!(!present(&[], 0x0011, 0x1101));
    assert!(!present(&[], 0x0013, 0x1001));
    assert!(present(&[], 0x0013, 0x1101));
    // in the item, the other way round
    assert!(!present(&item0, 0x0011, 0x1001));
    assert!(present(&item0, 0x0011, 0x1101));
    assert!(present(&item0, 0x0013, 0x1001));
    assert!(!present(&item0, 0x0013, 0x1101));
    // creators stay exactly where an element of their block stays
    assert!(present(&[], 0x0011, 0x0010) && !present(&[], 0x0011, 0x0011));
    assert!(!present(&item0, 0x0011, 0x0010) && present(&item0, 0x0011, 0x0011));
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );

    // check decides by the item's own creators too
    let doctored = tmp.path().join("doctored.dcm");
    fs::copy(&out, &doctored).unwrap();
    doctor(&doctored, |o| {
        let mut top = o.take(RADIOPHARMACEUTICAL).unwrap().into_value();
        let Value::Sequence(s) = &mut top else {
            panic!()
        };
        s.items_mut()[0].put(text(Tag(0x0011, 0x0010), VR::LO, "DROP ME"));
        s.items_mut()[0].put(text(Tag(0x0011, 0x1001), VR::LO, "BACK AGAIN"));
        o.put(DataElement::new(RADIOPHARMACEUTICAL, VR::SQ, top));
        o.put(text(Tag(0x0013, 0x0011), VR::LO, "KEEP ME"));
        o.put(text(Tag(0x0013, 0x1101), VR::LO, "ALLOWED"));
    });
    assert_eq!(
        messages(&findings(&plan, &doctored, None)),
        ["private element not allowed by the plan at (0054,0016)[0]/(0011,1001)"]
    );
}

#[test]
fn an_action_that_cannot_apply_to_the_vr_removes_the_element() {
    // only reachable where the VR is known from the file alone (private elements,
    // elements stored as UN): removing is the one choice that cannot leak
    let plan = text_plan(
        "default keep\nprivate keep\n\
         (0009,\"ACME\",01) uid\n\
         (0009,\"ACME\",02) shift-date\n\
         (0009,\"ACME\",03) hash\n\
         (0009,\"ACME\",04) hash\n\
         (0009,\"ACME\",05) hash\n\
         (0009,\"ACME\",06) regexp \"Z\" \"Y\"\n\
         (0009,\"ACME\",07) hash\n\
         (0009,\"ACME\",08) replace \"ABC\"\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    obj.put(text(Tag(0x0009, 0x0010), VR::LO, "ACME"));
    obj.put(text(Tag(0x0009, 0x1001), VR::LO, "ZQXNOTAUID"));
    obj.put(text(Tag(0x0009, 0x1002), VR::LO, "ZQXNOTADATE"));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1003),
        VR::OB,
        PrimitiveValue::U8(b"ZQXBINARY!".to_vec().into()),
    ));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1004),
        VR::UN,
        PrimitiveValue::U8(b"ZQXUNKNOWN".to_vec().into()),
    ));
    obj.put(text(Tag(0x0009, 0x1005), VR::LO, "ZQXHASHME"));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1006),
        VR::US,
        PrimitiveValue::from(7_u16),
    ));
    obj.put(text(
        Tag(0x0009, 0x1007),
        VR::UI,
        "1.2.826.0.1.3680043.10.543.5",
    ));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1008),
        VR::OB,
        PrimitiveValue::U8(b"ZQXBYTES".to_vec().into()),
    ));
    obj.write_to_file(&src).unwrap();
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    let o = open_file(&out).unwrap();
    for e in [0x1001, 0x1002, 0x1003, 0x1004, 0x1006, 0x1007, 0x1008] {
        assert!(o.get(Tag(0x0009, e)).is_none(), "(0009,{e:04X}) kept");
    }
    // the control: a hash that fits is applied
    let hashed = str_at(&o, &[], Tag(0x0009, 0x1005)).unwrap();
    assert_eq!(hashed, keys().pseudonym("ZQXHASHME", 16));
    assert!(!contains(&fs::read(&out).unwrap(), b"ZQX"));
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );
}

#[test]
fn command_elements_inside_an_item_are_removed_and_found() {
    // group 0000 (a network capture saved as a file) at depth 1 and 2: removed whatever
    // the plan says, and `check` reports it where it finds it
    // (StationName: see private_creators_are_taken_from_the_same_item)
    let plan = text_plan("default keep\nStationName delete\n(0000,0600) keep\n(0000,1000) keep\n");
    let command = || {
        vec![
            text(Tag(0x0000, 0x0600), VR::AE, "ZQXMOVEDEST"),
            text(Tag(0x0000, 0x1000), VR::UI, "1.2.826.0.1.3680043.10.543.99"),
        ]
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    let mut inner = command();
    inner.push(text(CODE_MEANING, VR::LO, "kept"));
    let mut outer = command();
    outer.push(seq(RADIONUCLIDE_CODE, vec![item(inner)]));
    obj.put(seq(RADIOPHARMACEUTICAL, vec![item(outer)]));
    obj.write_to_file(&src).unwrap();
    assert!(contains(&fs::read(&src).unwrap(), b"ZQXMOVEDEST"));
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    assert!(!contains(&fs::read(&out).unwrap(), b"ZQXMOVEDEST"));
    let o = open_file(&out).unwrap();
    let one = [(RADIOPHARMACEUTICAL, 0)];
    let two = [(RADIOPHARMACEUTICAL, 0), (RADIONUCLIDE_CODE, 0)];
    for steps in [&one[..], &two[..]] {
        for e in [0x0600, 0x1000] {
            assert!(
                at(&o, steps, Tag(0x0000, e)).is_none(),
                "{steps:?} (0000,{e:04X})"
            );
        }
    }
    assert_eq!(str_at(&o, &two, CODE_MEANING).as_deref(), Some("kept"));
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );

    // planted back at depth 2, `check` finds it
    let doctored = tmp.path().join("doctored.dcm");
    fs::copy(&src, &doctored).unwrap();
    let f = messages(&findings(&plan, &doctored, None));
    for want in [
        "should be gone at (0054,0016)[0]/(0000,0600)",
        "should be gone at (0054,0016)[0]/(0054,0300)[0]/(0000,0600)",
        "should be gone at (0054,0016)[0]/(0054,0300)[0]/(0000,1000)",
    ] {
        assert!(f.iter().any(|m| m == want), "{want} not in {f:?}");
    }
}

#[test]
fn a_file_that_fails_while_the_plan_is_applied_is_not_written() {
    // a regexp result too long for its VR (LO: 64 characters) fails that file alone: no
    // output, no temporary file, a line naming the tag (not the value); the next file
    // is written
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    fs::create_dir_all(&src).unwrap();
    let profile = tmp.path().join("grow.anon");
    fs::write(
        &profile,
        "default keep\n(0010,0020) regexp \"^(ZQX.*)$\" \"$1$1$1$1$1$1$1\"\n",
    )
    .unwrap();
    let mut obj = base();
    obj.put(text(Tag(0x0010, 0x0020), VR::LO, "ZQXTOOLONG"));
    obj.write_to_file(src.join("a-fails.dcm")).unwrap();
    obj.put(text(Tag(0x0010, 0x0020), VR::LO, "ZQXOK"));
    obj.write_to_file(src.join("b-fits.dcm")).unwrap();
    let key = tmp.path().join("key.bin");
    fs::write(&key, KEY).unwrap();
    let out = bin()
        .args(["run", "-q", "-j", "1", "--profile"])
        .arg(&profile)
        .arg("--key-file")
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("ZQX"), "a value in the messages: {stderr}");
    let failed = src.join("a-fails.dcm").display().to_string();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&failed)).collect();
    assert_eq!(
        lines,
        [format!(
            "{failed}: the value the plan writes into (0010,0020) does not fit its VR LO: it is longer than the 64 characters LO allows"
        )],
        "{stderr}"
    );
    let written: Vec<PathBuf> = fs::read_dir(&dst)
        .map_err(|e| format!("{e}: {stderr}"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !dicom_anonymizer::audit::manifest::is_manifest(p))
        .map(|p| p.strip_prefix(&dst).unwrap().to_path_buf())
        .collect();
    assert_eq!(written, [PathBuf::from("b-fits.dcm")]);
    let o = open_file(dst.join("b-fits.dcm")).unwrap();
    assert_eq!(
        str_at(&o, &[], Tag(0x0010, 0x0020)).as_deref(),
        Some("ZQXOK".repeat(7).as_str())
    );
}

#[test]
fn rename_uid_puts_no_source_uid_in_any_output_path() {
    // the sample tree with the default profile and `--rename uid`: every path component
    // is a new UID, none is (or holds) a source UID or a source file name
    let samples = root().join("tests/data/samples");
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("out");
    let key = tmp.path().join("key.bin");
    fs::write(&key, KEY).unwrap();
    bin()
        .args(["run", "-q", "--rename", "uid", "--key-file"])
        .arg(&key)
        .arg(&samples)
        .arg(&dst)
        .assert()
        .success();
    let mut source_uids = Vec::new();
    let mut sources = 0;
    for e in walkdir::WalkDir::new(&samples) {
        let e = e.unwrap();
        if !e.file_type().is_file() || e.path().extension().is_none_or(|x| x != "dcm") {
            continue;
        }
        sources += 1;
        let o = open_file(e.path()).unwrap();
        for t in [
            Tag(0x0020, 0x000D),
            Tag(0x0020, 0x000E),
            Tag(0x0008, 0x0018),
        ] {
            let uid = str_at(&o, &[], t).unwrap();
            assert!(uid.len() > 8);
            source_uids.push(uid);
        }
    }
    assert_eq!(sources, 9);
    let outputs: Vec<PathBuf> = walkdir::WalkDir::new(&dst)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| e.path().strip_prefix(&dst).unwrap().to_path_buf())
        .collect();
    assert_eq!(outputs.len(), sources, "{outputs:?}");
    for p in &outputs {
        let shown = p.display().to_string();
        let parts: Vec<String> = p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        assert_eq!(parts.len(), 3, "{shown}");
        for (i, part) in parts.iter().enumerate() {
            let uid = if i == 2 {
                part.strip_suffix(".dcm").unwrap()
            } else {
                part
            };
            assert!(
                uid.starts_with("2.25.") && uid.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
                "{shown}"
            );
        }
        for u in &source_uids {
            assert!(!shown.contains(u.as_str()), "{shown} holds a source UID");
        }
        for name in [
            "IM0001", "IM0002", "DOSE", "REPORT", "ECG", "patient", "site",
        ] {
            assert!(!shown.contains(name), "{shown}");
        }
    }
}

#[test]
fn numbers_stored_as_un_are_retyped_with_their_values() {
    // a standard tag stored as UN gets its dictionary VR and a typed value (the data set
    // API hands the object back: a U8 value under VR FD would read as bytes, not numbers)
    use dicom_anonymizer::dictionary::vr_of;
    let cases: [(Tag, VR, Vec<u8>); 6] = [
        (Tag(0x0028, 0x0010), VR::US, 512u16.to_le_bytes().to_vec()),
        (Tag(0x0018, 0x9219), VR::SS, (-7i16).to_le_bytes().to_vec()),
        (
            Tag(0x0028, 0x9001),
            VR::UL,
            70_000u32.to_le_bytes().to_vec(),
        ),
        (
            Tag(0x0018, 0x6020),
            VR::SL,
            (-70_000i32).to_le_bytes().to_vec(),
        ),
        (
            Tag(0x0018, 0x9089),
            VR::FD,
            [1.5f64, -2.25, 0.125]
                .iter()
                .flat_map(|f| f.to_le_bytes())
                .collect(),
        ),
        (Tag(0x0018, 0x1320), VR::FL, 2.5f32.to_le_bytes().to_vec()),
    ];
    let plan = text_plan("default keep\n");
    let mut obj = item(
        cases
            .iter()
            .map(|(t, _, bytes)| {
                DataElement::new(*t, VR::UN, PrimitiveValue::U8(bytes.clone().into()))
            })
            .collect(),
    );
    plan.apply(&mut obj, &keys()).unwrap();
    for (tag, vr, _) in &cases {
        assert_eq!(
            vr_of(*tag),
            Some(*vr),
            "{tag:?}: pick another tag of VR {vr:?}"
        );
        let e = obj.get(*tag).unwrap();
        assert_eq!(e.vr(), *vr, "{tag:?}");
        let want: &[f64] = match vr {
            VR::US => &[512.0],
            VR::SS => &[-7.0],
            VR::UL => &[70_000.0],
            VR::SL => &[-70_000.0],
            VR::FD => &[1.5, -2.25, 0.125],
            _ => &[2.5],
        };
        assert_eq!(e.to_multi_float64().unwrap(), want, "{tag:?}");
        assert!(
            !matches!(e.value(), Value::Primitive(PrimitiveValue::U8(_))),
            "{tag:?}: raw bytes"
        );
    }
}

#[test]
fn plan_shows_what_a_combined_action_resolves_to() {
    // `plan --sop-class` names the branch each combined action takes in that IOD
    let out = bin()
        .args(["plan", "--sop-class", "1.2.840.10008.5.1.4.1.1.2"])
        .args(["ReferencedImageSequence", "InstitutionName"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let resolved: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("resolves  "))
        .collect();
    assert_eq!(
        resolved,
        [
            "delete  # Type 3 in the IOD of CT Image Storage (1.2.840.10008.5.1.4.1.1.2)",
            "delete  # Type 3 in the IOD of CT Image Storage (1.2.840.10008.5.1.4.1.1.2)",
        ],
        "{stdout}"
    );
}
