//! `run` end to end on real files: no PHI gets through, outputs are valid and
//! consistent, the source is untouched, and the command line behaves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, open_file};

use dicom_anonymizer::plan::{Action, Plan};
use dicom_anonymizer::profile::{self, Entry};

use crate::support::root;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn bin() -> Command {
    Command::cargo_bin("dicom-anonymizer").unwrap()
}

fn corpus(name: &str) -> PathBuf {
    root().join("tests/data/corpus/files").join(name)
}

fn key_file(dir: &Path) -> PathBuf {
    let p = dir.join("key.bin");
    std::fs::write(&p, KEY).unwrap();
    p
}

fn default_plan() -> Plan {
    profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
    ])
    .plan
    .unwrap()
}

/// Every regular file under `dir` (the run's manifest aside), relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Runs `dcmdump` on a file when it is installed; in CI it must be.
fn dcmdump_ok(path: &Path) -> Option<bool> {
    match std::process::Command::new("dcmdump")
        .arg("-q")
        .arg(path)
        .output()
    {
        Ok(o) => Some(o.status.success() && o.stderr.is_empty()),
        Err(_) => {
            crate::support::skipped("dcmdump (DCMTK) is not installed: validating outputs with it");
            None
        }
    }
}

// --- the PHI canary --------------------------------------------------------------------

/// A marker per VR that the basic profile must not let through.
fn marker(vr: VR) -> Option<&'static str> {
    Some(match vr {
        VR::PN => "CANARY^PATIENT",
        VR::LO | VR::SH | VR::LT | VR::ST | VR::UT | VR::UC | VR::AE => "CANARYQZX",
        VR::CS => "CANARYQZX",
        VR::DA => "19770707",
        VR::TM => "070707.777",
        VR::DT => "19770707070707",
        VR::UI => "1.2.826.0.1.3680043.777.7777777",
        VR::IS => "77777777",
        VR::DS => "7777.7777",
        _ => return None,
    })
}

const MARKERS: &[&str] = &[
    "CANARY",
    "19770707",
    "070707.777",
    "1.2.826.0.1.3680043.777.7777777",
    "77777777",
    "7777.7777",
];

/// Puts a marker into every element (at every depth) that the plan does not keep.
fn plant(obj: &mut InMemDicomObject, plan: &Plan) {
    let tags: Vec<Tag> = obj.tags().collect();
    for tag in tags {
        let Some(e) = obj.take(tag) else { continue };
        let vr = e.vr();
        let kept = matches!(plan.decide(tag, None).action(), Action::Keep);
        let new = match e.into_value() {
            Value::Sequence(seq) => {
                let mut items = seq.into_items().into_vec();
                for it in &mut items {
                    plant(it, plan);
                }
                DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
            }
            v if !kept && tag.group() % 2 == 0 && tag.group() != 0x0002 => match marker(vr) {
                Some(m) => DataElement::new(tag, vr, PrimitiveValue::from(m)),
                None => DataElement::new(tag, vr, v),
            },
            v => DataElement::new(tag, vr, v),
        };
        obj.put(new);
    }
}

fn text(tag: Tag, vr: VR, s: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(s))
}

/// PHI five sequences deep (in sequences the plan keeps), with a private block.
fn deep_phi() -> DataElement<InMemDicomObject> {
    let mut item = InMemDicomObject::from_element_iter([
        text(tags::PATIENT_NAME, VR::PN, "CANARY^DEEP"),
        text(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.777.7777777",
        ),
        text(Tag(0x0029, 0x0010), VR::LO, "ACME CANARY"),
        text(Tag(0x0029, 0x1001), VR::LO, "CANARYPRIVATE"),
    ]);
    for _ in 0..5 {
        item = InMemDicomObject::from_element_iter([DataElement::new(
            tags::VOILUT_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(vec![item], Length::UNDEFINED),
        )]);
    }
    item.take(tags::VOILUT_SEQUENCE).unwrap()
}

#[test]
fn no_canary_reaches_the_output() {
    let plan = default_plan();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let files = [
        "pydicom__CT_small.dcm",
        "pydicom__MR_small.dcm",
        "pydicom__rtdose.dcm",
        "pydicom__reportsi.dcm",
        "pydicom__waveform_ecg.dcm",
        "pydicom-data__liver.dcm",
        "pydicom__examples_ybr_color.dcm",
        "dicognito__p01_s01_s01_i01.dcm",
        "pydicom__priv_SQ.dcm",
        "pydicom__JPEG2000.dcm",
        "pydicom__SC_rgb_small_odd.dcm",
        "pydicom__liver_1frame.dcm",
    ];
    let mut planted = 0;
    for f in files {
        let Ok(mut obj) = open_file(corpus(f)) else {
            panic!("{f} should read");
        };
        plant(&mut obj, &plan);
        obj.put(deep_phi());
        obj.put(text(Tag(0x0009, 0x0010), VR::LO, "CANARY CREATOR"));
        obj.put(text(Tag(0x0009, 0x1010), VR::LO, "CANARYQZX"));
        obj.put(text(tags::OTHER_PATIENT_NAMES, VR::PN, "CANARY^OTHER"));
        obj.put(text(tags::PATIENT_ADDRESS, VR::LO, "CANARY STREET"));
        obj.put(text(Tag(0x6000, 0x4000), VR::LT, "CANARY OVERLAY"));
        obj.write_to_file(src.join(f)).unwrap();
        planted += 1;
    }
    assert_eq!(planted, files.len());
    let out = dir.path().join("out");
    let key = key_file(dir.path());
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let outputs = tree(&out);
    assert_eq!(outputs.len(), files.len());
    for (path, bytes) in &outputs {
        for m in MARKERS {
            assert!(
                !contains(bytes, m.as_bytes()),
                "{}: marker `{m}` leaked",
                path.display()
            );
        }
    }
    // and the inputs really held them
    let inputs = tree(&src);
    for m in [
        "CANARY^DEEP",
        "CANARYPRIVATE",
        "1.2.826.0.1.3680043.777.7777777",
    ] {
        assert!(
            inputs.values().all(|b| contains(b, m.as_bytes())),
            "{m} not planted"
        );
    }
}

// --- outputs: valid, consistent, pixel data intact, source untouched ------------------

fn set_uid(obj: &mut InMemDicomObject, tag: Tag, uid: &str) {
    obj.put(DataElement::new(tag, VR::UI, PrimitiveValue::from(uid)));
}

#[test]
fn outputs_are_consistent_and_the_source_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    // one study, two series, three instances each, from one real file; plus the samples
    for (series, n) in [("1", 3), ("2", 3)] {
        for i in 0..n {
            let mut obj = open_file(corpus("pydicom__CT_small.dcm")).unwrap();
            set_uid(
                &mut obj,
                tags::STUDY_INSTANCE_UID,
                "1.2.826.0.1.3680043.8.1.1",
            );
            set_uid(
                &mut obj,
                tags::SERIES_INSTANCE_UID,
                &format!("1.2.826.0.1.3680043.8.1.1.{series}"),
            );
            set_uid(
                &mut obj,
                tags::FRAME_OF_REFERENCE_UID,
                "1.2.826.0.1.3680043.8.1.9",
            );
            let sop = format!("1.2.826.0.1.3680043.8.1.1.{series}.{i}");
            set_uid(&mut obj, tags::SOP_INSTANCE_UID, &sop);
            obj.update_meta(|m| m.media_storage_sop_instance_uid = sop.clone());
            let p = src.join(format!("study/series{series}/IM{i}.dcm"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            obj.write_to_file(&p).unwrap();
        }
    }
    copy_tree(&root().join("tests/data/samples"), &src.join("samples"));
    let before = tree(&src);
    let out = dir.path().join("out");
    let key = key_file(dir.path());
    bin()
        .args(["run", "-q", "--jobs", "2", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert_eq!(tree(&src), before, "the source tree changed");

    let mut study = BTreeSet::new();
    let mut series = BTreeSet::new();
    let mut frame = BTreeSet::new();
    let mut sops = BTreeSet::new();
    let outputs = tree(&out);
    assert_eq!(
        outputs.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "same relative paths"
    );
    for rel in outputs.keys() {
        let o = open_file(out.join(rel)).unwrap();
        let s = open_file(src.join(rel)).unwrap();
        let uid = |obj: &InMemDicomObject, t: Tag| {
            obj.get(t)
                .map(|e| e.to_str().unwrap().trim_end_matches('\0').to_string())
        };
        // file meta agrees with the data set
        assert_eq!(
            Some(
                o.meta()
                    .media_storage_sop_instance_uid
                    .trim_end_matches('\0')
                    .to_string()
            ),
            uid(&o, tags::SOP_INSTANCE_UID),
            "{}",
            rel.display()
        );
        assert_eq!(
            Some(
                o.meta()
                    .media_storage_sop_class_uid
                    .trim_end_matches('\0')
                    .to_string()
            ),
            uid(&o, tags::SOP_CLASS_UID),
            "{}",
            rel.display()
        );
        assert_eq!(
            o.meta().implementation_class_uid.trim_end_matches('\0'),
            dicom_anonymizer::engine::IMPLEMENTATION_CLASS_UID
        );
        assert!(o.meta().source_application_entity_title.is_none());
        assert_eq!(
            o.meta().transfer_syntax(),
            s.meta().transfer_syntax(),
            "transfer syntax kept"
        );
        // de-identification attributes
        assert_eq!(
            o.get(tags::PATIENT_IDENTITY_REMOVED)
                .unwrap()
                .to_str()
                .unwrap()
                .trim(),
            "YES"
        );
        assert!(o.get(tags::DEIDENTIFICATION_METHOD).is_some());
        assert!(o.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE).is_some());
        // new UIDs, valid
        let new_sop = uid(&o, tags::SOP_INSTANCE_UID).unwrap();
        assert_ne!(Some(new_sop.clone()), uid(&s, tags::SOP_INSTANCE_UID));
        assert!(new_sop.starts_with("2.25.") && new_sop.len() <= 64);
        assert!(sops.insert(new_sop), "distinct instances stay distinct");
        // pixel data byte for byte
        if let Some(px) = s.get(tags::PIXEL_DATA) {
            let op = o.get(tags::PIXEL_DATA).unwrap();
            match (px.value(), op.value()) {
                (Value::PixelSequence(a), Value::PixelSequence(b)) => {
                    assert_eq!(a.fragments(), b.fragments())
                }
                _ => assert_eq!(
                    px.to_bytes().unwrap(),
                    op.to_bytes().unwrap(),
                    "{}",
                    rel.display()
                ),
            }
        }
        if rel.starts_with("study") {
            study.insert(uid(&o, tags::STUDY_INSTANCE_UID).unwrap());
            series.insert(uid(&o, tags::SERIES_INSTANCE_UID).unwrap());
            frame.insert(uid(&o, tags::FRAME_OF_REFERENCE_UID).unwrap());
        }
        if let Some(ok) = dcmdump_ok(&out.join(rel)) {
            assert!(ok, "dcmdump rejects {}", rel.display());
        }
    }
    assert_eq!(study.len(), 1, "one study stays one study");
    assert_eq!(series.len(), 2);
    assert_eq!(frame.len(), 1);
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

#[test]
fn same_input_and_key_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let samples = root().join("tests/data/samples");
    for out in ["a", "b"] {
        bin()
            .args(["run", "-q", "--jobs", "2", "--key-file"])
            .arg(&key)
            .arg(&samples)
            .arg(dir.path().join(out))
            .assert()
            .success();
    }
    let a = tree(&dir.path().join("a"));
    assert_eq!(a.len(), 9);
    assert_eq!(a, tree(&dir.path().join("b")));
}

#[test]
fn shards_together_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let samples = root().join("tests/data/samples");
    let single = dir.path().join("single");
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&samples)
        .arg(&single)
        .assert()
        .success();
    let sharded = dir.path().join("sharded");
    let mut counts = Vec::new();
    for k in 1..=3 {
        let report = dir.path().join(format!("r{k}.jsonl"));
        bin()
            .args(["run", "-q", "--shard", &format!("{k}/3"), "--key-file"])
            .arg(&key)
            .arg("--report")
            .arg(&report)
            .arg(&samples)
            .arg(&sharded)
            .assert()
            .success();
        counts.push(std::fs::read_to_string(report).unwrap().lines().count());
    }
    assert_eq!(
        counts.iter().sum::<usize>(),
        9,
        "each input in exactly one shard: {counts:?}"
    );
    assert_eq!(tree(&single), tree(&sharded));
}

// --- snapshots of what the default profile does ---------------------------------------

#[test]
fn canonical_dumps_of_deidentified_files() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    for f in [
        "pydicom__CT_small.dcm",
        "pydicom__MR_small.dcm",
        "pydicom__rtdose.dcm",
        "pydicom__rtstruct.dcm",
        "pydicom-data__liver.dcm",
        "pydicom__reportsi.dcm",
        "pydicom__waveform_ecg.dcm",
        "pydicom__priv_SQ.dcm",
        "pydicom-data__explicit_VR-UN.dcm",
        "pydicom__ExplVR_BigEndNoMeta.dcm",
        "pydicom__JPEG2000.dcm",
        "dicognito__p01_s01_s01_i01.dcm",
        "pydicom__examples_ybr_color.dcm",
        "deid-data__ctbrain2.dcm",
    ] {
        let out = dir.path().join(f);
        bin()
            .args(["run", "-q", "--key-file"])
            .arg(&key)
            .arg(corpus(f))
            .arg(&out)
            .assert()
            .success();
        let dump = dicom_anonymizer::dump::canonical_dump(&open_file(&out).unwrap());
        insta::assert_snapshot!(f, dump);
    }
}

// --- the command line -------------------------------------------------------------------

#[test]
fn bad_files_fail_alone_and_dicomdirs_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(corpus("pydicom__CT_small.dcm"), src.join("good.dcm")).unwrap();
    std::fs::write(src.join("notes.txt"), "patient notes, not DICOM\n").unwrap();
    std::fs::write(src.join("empty.dcm"), b"").unwrap();
    std::fs::copy(
        corpus("pydicom__dicomdirtests_DICOMDIR"),
        src.join("DICOMDIR"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let report = dir.path().join("report.jsonl");
    let key = key_file(dir.path());
    let r = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(&out)
        .assert()
        .code(0);
    let stderr = String::from_utf8(r.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("notes.txt: skipped: not DICOM"), "{stderr}");
    assert!(stderr.contains("empty.dcm: skipped: not DICOM"), "{stderr}");
    assert!(stderr.contains("DICOMDIR: skipped"), "{stderr}");
    assert!(
        stderr.contains("1 written, 3 skipped (2 not DICOM), 0 failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("patient notes"));
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        [Path::new("good.dcm")]
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let by_name = |n: &str| {
        lines
            .iter()
            .find(|l| l["source"].as_str().unwrap().ends_with(n))
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("good.dcm")["outcome"], "written");
    assert!(by_name("good.dcm")["counts"]["delete"].as_u64().unwrap() > 0);
    assert!(
        by_name("good.dcm")["output"]
            .as_str()
            .unwrap()
            .ends_with("good.dcm")
    );
    assert_eq!(by_name("DICOMDIR")["outcome"], "skipped");
    assert_eq!(by_name("notes.txt")["outcome"], "skipped");
    assert!(by_name("notes.txt").get("output").is_none());
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(corpus("pydicom__CT_small.dcm"), src.join("a.dcm")).unwrap();
    let key = key_file(dir.path());
    // the output inside the source
    let r = bin()
        .args(["run", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(src.join("out"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&r.get_output().stderr).contains("is inside the source"));
    assert!(!src.join("out").exists());
    // a profile that does not compile
    let bad = dir.path().join("bad.anon");
    std::fs::write(&bad, "PatientNme delete\n").unwrap();
    let r = bin()
        .args(["run", "--profile"])
        .arg(&bad)
        .arg(&src)
        .arg(dir.path().join("o1"))
        .assert()
        .code(2);
    assert!(
        String::from_utf8_lossy(&r.get_output().stderr).contains("anon::compile::unknown_keyword")
    );
    assert!(!dir.path().join("o1").exists());
    // a missing source, a short key
    bin()
        .args(["run", "--key-file"])
        .arg(&key)
        .arg(dir.path().join("nope"))
        .arg(dir.path().join("o2"))
        .assert()
        .code(2);
    std::fs::write(dir.path().join("short.key"), b"short").unwrap();
    bin()
        .args(["run", "--key-file"])
        .arg(dir.path().join("short.key"))
        .arg(&src)
        .arg(dir.path().join("o3"))
        .assert()
        .code(2);
    assert!(!dir.path().join("o3").exists());
}

#[test]
fn dry_run_overwrite_and_the_old_form() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let src = corpus("pydicom__CT_small.dcm");
    let out = dir.path().join("out.dcm");
    bin()
        .args(["run", "--dry-run", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert!(!out.exists(), "--dry-run writes nothing");
    // the old tool's form: SRC DST
    bin()
        .arg("--key-file")
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert!(out.exists());
    // an existing output is skipped (a run again resumes), unless --overwrite
    let again = bin()
        .args(["run", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&again.get_output().stderr).into_owned();
    assert!(
        stderr.contains("0 written, 1 skipped (1 already there)"),
        "{stderr}"
    );
    bin()
        .args(["run", "--overwrite", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    // without a key: a warning, and it still works
    let r = bin()
        .args(["run", "--overwrite"])
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&r.get_output().stderr).contains("random key"));
}

#[test]
fn command_line_rules_options_and_renaming() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let src = corpus("pydicom__CT_small.dcm");
    let json = dir.path().join("extra.json");
    std::fs::write(
        &json,
        r#"{"keep": [["0x0008", "0x0070"]], "replace": [["0x0018", "0x1030"]]}"#,
    )
    .unwrap();
    let out = dir.path().join("renamed");
    bin()
        .args([
            "run",
            "-q",
            "--rename",
            "uid",
            "--keep-private",
            "--option",
            "retain-uids",
        ])
        .args([
            "-t",
            "PatientID",
            r#"replace "SUBJ-001""#,
            "-t",
            "(0x0010, 0x0040)",
            "keep",
        ])
        .arg("--extra-rules")
        .arg(&json)
        .arg("--key-file")
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let files: Vec<PathBuf> = tree(&out).into_keys().collect();
    assert_eq!(files.len(), 1);
    let o = open_file(out.join(&files[0])).unwrap();
    let s = open_file(&src).unwrap();
    let text = |obj: &InMemDicomObject, t: Tag| {
        obj.get(t).map(|e| {
            e.to_str()
                .unwrap()
                .trim_end_matches(['\0', ' '])
                .to_string()
        })
    };
    assert_eq!(text(&o, tags::PATIENT_ID).as_deref(), Some("SUBJ-001"));
    assert_eq!(
        text(&o, tags::PATIENT_SEX),
        text(&s, tags::PATIENT_SEX),
        "-t keep"
    );
    // retain-uids keeps the original UIDs, and the file is named from them
    let sop = text(&o, tags::SOP_INSTANCE_UID).unwrap();
    assert_eq!(Some(sop.clone()), text(&s, tags::SOP_INSTANCE_UID));
    let expected = Path::new(&text(&o, tags::STUDY_INSTANCE_UID).unwrap())
        .join(text(&o, tags::SERIES_INSTANCE_UID).unwrap())
        .join(format!("{sop}.dcm"));
    assert_eq!(files[0], expected);
    // private elements kept (CT_small has some)
    assert!(
        o.iter()
            .any(|e| e.tag().group() % 2 == 1 && e.tag().element() >= 0x1000)
    );
    // --keep-private keeps every private element: the Basic Profile is not satisfied,
    // and the output claims nothing (PS3.15 Table E.1-1, "(gggg,eeee) where gggg is odd")
    assert_eq!(text(&o, tags::PATIENT_IDENTITY_REMOVED), None);
    assert!(o.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE).is_none());
    let method = text(&o, tags::DEIDENTIFICATION_METHOD).unwrap();
    assert!(
        method.ends_with(dicom_anonymizer::engine::NOT_CONFORMANT),
        "{method}"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    // the plan with every safe private rule is larger than a pipe buffer
    for args in [
        vec!["plan", "--option", "retain-safe-private"],
        vec!["completions", "zsh"],
    ] {
        let mut child =
            std::process::Command::new(assert_cmd::cargo::cargo_bin("dicom-anonymizer"))
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // stdout is closed now, like `plan | head -c 16`
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// The streamed run (walk → bounded queue → workers, as `run` does it) gives every input
/// the outcome the listed run gives it, once; a cancelled one starts none and counts them.
#[test]
fn the_streamed_run_has_the_outcomes_of_the_listed_run() {
    use dicom_anonymizer::batch::{Batch, RunOptions};
    use dicom_anonymizer::engine::{Engine, Keys};
    use dicom_anonymizer::io::report::FileOutcome;
    use dicom_anonymizer::io::walk;
    use std::sync::Mutex;

    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(src.join("a/b")).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/data/corpus/files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .take(24)
        .collect();
    for (i, f) in files.iter().enumerate() {
        let folder = if i % 3 == 0 {
            src.join("a/b")
        } else {
            src.clone()
        };
        std::fs::copy(f, folder.join(format!("f{i:02}.dcm"))).unwrap();
    }
    std::fs::write(src.join("a/not-dicom.txt"), b"hello").unwrap();
    let dst = d.path().join("out");
    let plan = profile::compile(&[Entry::Builtin("basic".into())])
        .plan
        .unwrap();
    let keys = Keys::from_bytes(b"streamed run test key, not secret");
    let options = RunOptions {
        dry_run: true,
        jobs: 2,
        ..RunOptions::default()
    };
    let summary = |o: &FileOutcome| {
        (
            o.source.clone(),
            o.outcome,
            o.error.clone(),
            o.counts.clone(),
        )
    };
    let listed = Mutex::new(Vec::new());
    let inputs = walk::discover(&src, &dst, None, None).unwrap();
    Batch::new(Engine::new(&plan, &keys), options.clone(), &src, &dst)
        .run(&inputs, &|o| listed.lock().unwrap().push(summary(o)))
        .unwrap();
    let streamed = Mutex::new(Vec::new());
    let batch = Batch::new(Engine::new(&plan, &keys), options.clone(), &src, &dst);
    let stream = walk::stream(&src, &dst, None, None, walk::WalkOptions::default()).unwrap();
    let not_started = batch
        .run_stream(stream, &|o| streamed.lock().unwrap().push(summary(o)))
        .unwrap();
    assert_eq!(not_started, 0);
    let (mut listed, mut streamed) = (listed.into_inner().unwrap(), streamed.into_inner().unwrap());
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    streamed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(listed.len(), 25);
    assert_eq!(streamed, listed);
    // the walk's order is the sorted order of `discover`
    let walked: Vec<_> = walk::stream(&src, &dst, None, None, walk::WalkOptions::default())
        .unwrap()
        .collect();
    assert_eq!(walked, inputs);

    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let batch = Batch::new(Engine::new(&plan, &keys), options, &src, &dst).with_cancel(cancel);
    let stream = walk::stream(&src, &dst, None, None, walk::WalkOptions::default()).unwrap();
    let seen = Mutex::new(0);
    let not_started = batch
        .run_stream(stream, &|_| *seen.lock().unwrap() += 1)
        .unwrap();
    assert_eq!((not_started, *seen.lock().unwrap()), (25, 0));
}
