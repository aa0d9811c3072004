//! Realistic inputs that header rules alone get wrong: a structured report with names, IDs
//! and dates in Text Values at several depths, a CT whose Image Comments holds the Patient
//! ID, and an encapsulated PDF. The default profile must leave none of the identifying
//! values anywhere in the output bytes; `check --source` must find them when a doctored
//! profile keeps them; the PDF is rejected unless the profile accepts it.

use std::fs;
use std::path::Path;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, Length, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use crate::safety::key_file;
use crate::support::bin;

mod inputs;

use inputs::inputs;

/// The identifying values planted in every input (none is written by the tool).
const NAME: &str = "Dr Jane Doe";
const FAMILY: &str = "Doeberg";
const MRN: &str = "MRN4471923";
const ACCESSION: &str = "ACC889120";
const SEEN: &str = "2021-03-04";
const BIRTH: &str = "19650417";

const PDF_CLASS: &str = "1.2.840.10008.5.1.4.1.1.104.1";

fn needles() -> Vec<&'static str> {
    vec![NAME, FAMILY, MRN, ACCESSION, SEEN, BIRTH, "20210304"]
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.to_ascii_lowercase();
    hay.to_ascii_lowercase()
        .windows(n.len())
        .any(|w| w == n.as_bytes())
}

fn run(args: &[&str], src: &Path, dst: &Path, key: &Path) -> std::process::Output {
    bin()
        .arg("run")
        .args(args)
        .arg("--key-file")
        .arg(key)
        .arg(src)
        .arg(dst)
        .output()
        .unwrap()
}

#[test]
fn the_default_profile_leaves_no_identifying_value_and_rejects_the_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let (src, dst) = (tmp.path().join("in"), tmp.path().join("out"));
    inputs(&src);
    let report_file = tmp.path().join("report.jsonl");
    let out = run(
        &["-q", "--report", report_file.to_str().unwrap()],
        &src,
        &dst,
        &key,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // the PDF is rejected: exit 1, a reason that names the SOP class, no value
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("letter.dcm: rejected: an encapsulated document (Encapsulated PDF Storage"),
        "{stderr}"
    );
    assert!(!dst.join("letter.dcm").exists());
    let records = fs::read_to_string(&report_file).unwrap();
    let letter = records.lines().find(|l| l.contains("letter.dcm")).unwrap();
    let rec: serde_json::Value = serde_json::from_str(letter).unwrap();
    assert_eq!(rec["outcome"], "rejected");
    assert!(rec["error"].as_str().unwrap().contains(PDF_CLASS));
    for n in needles() {
        assert!(!stderr.contains(n) && !records.contains(n), "{n} printed");
    }

    for f in ["report.dcm", "ct.dcm"] {
        let bytes = fs::read(dst.join(f)).unwrap();
        for n in needles() {
            assert!(!contains(&bytes, n), "{f}: `{n}` in the output");
        }
    }
    // the report's tree is kept: value types, codes, the number, the image reference
    let o = dicom_object::open_file(dst.join("report.dcm")).unwrap();
    let items = |obj: &InMemDicomObject| -> Vec<InMemDicomObject> {
        obj.get(tags::CONTENT_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()
            .to_vec()
    };
    let top = items(&o);
    assert_eq!(top.len(), 4);
    let s = |obj: &InMemDicomObject, t: Tag| {
        obj.get(t).map(|e| {
            e.to_str()
                .unwrap()
                .trim_end_matches([' ', '\0'])
                .to_string()
        })
    };
    let kinds: Vec<String> = top
        .iter()
        .map(|i| s(i, tags::VALUE_TYPE).unwrap())
        .collect();
    assert_eq!(kinds, ["PNAME", "DATE", "TEXT", "CONTAINER"]);
    assert_eq!(s(&top[0], tags::PERSON_NAME).as_deref(), Some("ANONYMIZED"));
    assert_eq!(s(&top[1], tags::DATE).as_deref(), Some("19000101"));
    assert_eq!(s(&top[2], tags::TEXT_VALUE).as_deref(), Some("ANONYMIZED"));
    let inner = items(&top[3]);
    assert_eq!(inner.len(), 3);
    assert_eq!(
        s(&inner[0], tags::TEXT_VALUE).as_deref(),
        Some("ANONYMIZED")
    );
    let deepest = items(&inner[0]);
    assert_eq!(
        s(&deepest[0], tags::TEXT_VALUE).as_deref(),
        Some("ANONYMIZED")
    );
    let measured = inner[1]
        .get(tags::MEASURED_VALUE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    assert_eq!(s(&measured, tags::NUMERIC_VALUE).as_deref(), Some("42.5"));
    let concept = top[3]
        .get(tags::CONCEPT_NAME_CODE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    assert_eq!(s(&concept, tags::CODE_VALUE).as_deref(), Some("121070"));
    let image_ref = inner[2]
        .get(tags::REFERENCED_SOP_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    let uid = s(&image_ref, tags::REFERENCED_SOP_INSTANCE_UID).unwrap();
    assert!(uid.starts_with("2.25."), "{uid}");

    // and check agrees
    let out = bin()
        .arg("check")
        .arg("--source")
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn check_source_finds_what_a_doctored_profile_keeps() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let (src, dst) = (tmp.path().join("in"), tmp.path().join("out"));
    inputs(&src);
    fs::remove_file(src.join("letter.dcm")).unwrap();
    let doctored = tmp.path().join("doctored.anon");
    fs::write(
        &doctored,
        "include builtin:basic\nContentSequence keep\nImageComments keep\n",
    )
    .unwrap();
    let p = ["-q", "--profile", doctored.to_str().unwrap()];
    let out = run(&p, &src, &dst, &key);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the claim is withdrawn, and the outputs do not say YES
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("anon::conformance::claim_withdrawn"),
        "{stderr}"
    );
    let o = dicom_object::open_file(dst.join("ct.dcm")).unwrap();
    assert!(o.get(tags::PATIENT_IDENTITY_REMOVED).is_none());

    let out = bin()
        .args(["check", "--profile", doctored.to_str().unwrap(), "--source"])
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // the Patient ID in the kept Image Comments
    assert!(
        stdout.lines().any(|l| l.contains("ct.dcm")
            && l.contains("residual PHI")
            && l.contains("(0010,0020)")
            && l.contains("found at (0020,4000)")),
        "{stdout}"
    );
    // the name, the ID and the accession number in Text Values at depth 1 and 3
    for (from, at) in [
        ("(0010,0020)", "(0040,A730)[2]/(0040,A160)"),
        ("(0008,0050)", "(0040,A730)[3]/(0040,A730)[0]/(0040,A160)"),
        (
            "(0010,0010)",
            "(0040,A730)[3]/(0040,A730)[0]/(0040,A730)[0]/(0040,A160)",
        ),
    ] {
        assert!(
            stdout.lines().any(|l| l.contains("report.dcm")
                && l.contains(&format!("{from} in the source"))
                && l.contains(&format!("found at {at}"))),
            "{from} at {at}: {stdout}"
        );
    }
    for n in needles() {
        assert!(!stdout.contains(n), "`{n}` printed: {stdout}");
    }
}

#[test]
fn a_profile_can_accept_the_pdf_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let (src, dst) = (tmp.path().join("in"), tmp.path().join("out"));
    inputs(&src);
    let accepting = tmp.path().join("accept.anon");
    fs::write(
        &accepting,
        format!("include builtin:basic\naccept sop-class \"{PDF_CLASS}\"\n"),
    )
    .unwrap();
    let out = run(
        &["-q", "--profile", accepting.to_str().unwrap()],
        &src,
        &dst,
        &key,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("anon::lint::document_accepted"), "{stderr}");
    let bytes = fs::read(dst.join("letter.dcm")).unwrap();
    // the header is de-identified (DocumentTitle is X in the basic profile); the accepted
    // document itself is what the user took responsibility for
    assert!(!contains(&bytes, MRN));
    let lint = bin().arg("lint").arg(&accepting).output().unwrap();
    assert_eq!(lint.status.code(), Some(0));
    let lint = bin()
        .arg("lint")
        .arg("--deny-warnings")
        .arg(&accepting)
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(1));
}

#[test]
fn the_clean_options_keep_the_text_without_the_identifying_values() {
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let (src, dst) = (tmp.path().join("in"), tmp.path().join("out"));
    inputs(&src);
    fs::remove_file(src.join("letter.dcm")).unwrap();
    let p = [
        "-q",
        "--profile",
        "builtin:basic",
        "--profile",
        "builtin:clean-descriptors",
        "--profile",
        "builtin:clean-structured-content",
    ];
    let out = run(&p, &src, &dst, &key);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["report.dcm", "ct.dcm"] {
        let bytes = fs::read(dst.join(f)).unwrap();
        for n in needles() {
            assert!(!contains(&bytes, n), "{f}: `{n}` in the output");
        }
    }
    let s = |obj: &InMemDicomObject, t: Tag| {
        obj.get(t).map(|e| {
            e.to_str()
                .unwrap()
                .trim_end_matches([' ', '\0'])
                .to_string()
        })
    };
    let ct = dicom_object::open_file(dst.join("ct.dcm")).unwrap();
    assert_eq!(
        s(&ct, tags::IMAGE_COMMENTS).as_deref(),
        Some("patient [REMOVED], see prior")
    );
    let o = dicom_object::open_file(dst.join("report.dcm")).unwrap();
    let top = o
        .get(tags::CONTENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .to_vec();
    assert_eq!(
        s(&top[2], tags::TEXT_VALUE).as_deref(),
        Some("Dr [REMOVED] Doe, MRN [REMOVED], seen [REMOVED]")
    );
    let inner = top[3]
        .get(tags::CONTENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .to_vec();
    assert_eq!(
        s(&inner[0], tags::TEXT_VALUE).as_deref(),
        Some("follow-up for [REMOVED] ([REMOVED])")
    );
    // "Jane" is a component of the Patient's Name and goes; "Doe" is in no header value
    // and has no identifying shape, so `clean` cannot know it (docs/semantics.md)
    let deepest = inner[0]
        .get(tags::CONTENT_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .to_vec();
    assert_eq!(
        s(&deepest[0], tags::TEXT_VALUE).as_deref(),
        Some("Dr [REMOVED] Doe, born [REMOVED]")
    );
    let codes: Vec<String> = o
        .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .iter()
        .map(|i| s(i, tags::CODE_VALUE).unwrap())
        .collect();
    assert_eq!(codes, ["113100", "113104", "113105"]);
    // check agrees: nothing identifying is left
    let out = bin()
        .args(["check"])
        .args(&p[1..])
        .arg("--source")
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}
