//! The whole run: pixel rules in the language, the burned-in policy, the claims.

use super::*;

#[test]
fn a_matched_ultrasound_is_cleaned_and_says_so() {
    let acme = fixture("acme.anon");
    let (code, text, report, dir) = run(
        &["us-native.dcm", "us-jpeg.dcm"],
        &[
            "--profile",
            "builtin:basic",
            "--profile",
            acme.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{text}");
    for name in ["us-native.dcm", "us-jpeg.dcm"] {
        let line = &report[name];
        assert_eq!(line["outcome"], "written", "{line}");
        assert_eq!(line["counts"]["pixel-blackout"], 1, "{line}");
        assert!(line.get("warnings").is_none(), "{line}");
        let src = fixture(name);
        let out = dir.path().join("out").join(name);
        let obj = dicom_object::open_file(&out).unwrap();
        assert_eq!(
            text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
            Some("NO")
        );
        assert_eq!(codes(&obj), ["113100", "113101"]);
        assert_eq!(text_of(&obj, tags::PATIENT_NAME).as_deref(), Some(""));
        assert_text_removed(&src, &out);
        assert_valid(&out);
        if name == "us-native.dcm" {
            compare(&image(&src), &image(&out), &[BAND], 0);
        }
    }
    // `plan` shows the rule under its condition
    let plan = crate::support::bin()
        .args(["plan", "--profile", acme.to_str().unwrap()])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(
        shown.contains("when Manufacturer ~ \"(?i)^ACME\" and ManufacturerModelName == \"SONO 1\" and Rows == 300 {\n    pixel blackout (0, 0, 400, 60)  # "),
        "{shown}"
    );
}

#[test]
fn unmatched_burned_in_text_is_refused_or_flagged() {
    let files = ["sc-burned.dcm", "us-unflagged.dcm"];
    // default: YES rejected, a screen-capture class flagged
    let (code, text, report, dir) = run(&files, &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(report["sc-burned.dcm"]["outcome"], "rejected");
    let why = report["sc-burned.dcm"]["reason"].as_str().unwrap();
    assert!(
        why.contains("Burned In Annotation (0028,0301) is YES"),
        "{why}"
    );
    assert!(!dir.path().join("out/sc-burned.dcm").exists());
    let us = &report["us-unflagged.dcm"];
    assert_eq!(us["outcome"], "written");
    assert!(
        us["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("burned-in-risk: "),
        "{us}"
    );
    assert!(
        text.contains("1 rejected, 1 flagged burned-in-risk"),
        "{text}"
    );
    assert!(
        text.contains("us-unflagged.dcm: warning: burned-in-risk"),
        "{text}"
    );
    // warn: both written and flagged
    let (code, text, report, _dir) = run(&files, &["--on-burned-in", "warn"]);
    assert_eq!(code, 0, "{text}");
    for f in files {
        assert_eq!(report[f]["outcome"], "written");
        assert!(
            report[f]["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with("burned-in-risk")
        );
    }
    assert!(text.contains("2 flagged burned-in-risk"), "{text}");
    // reject: both rejected
    let (code, _, report, _dir) = run(&files, &["--on-burned-in", "reject"]);
    assert_eq!(code, 1);
    for f in files {
        assert_eq!(report[f]["outcome"], "rejected");
    }
    // keep: both written, nothing flagged
    let (code, text, report, _dir) = run(&files, &["--on-burned-in", "keep"]);
    assert_eq!(code, 0, "{text}");
    for f in files {
        assert_eq!(report[f]["outcome"], "written");
        assert!(report[f].get("warnings").is_none());
    }
    assert!(!text.contains("burned-in-risk"), "{text}");
}

#[test]
fn a_signature_whose_rectangle_misses_the_image_claims_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\nwhen Manufacturer ~ r\"ACME\" {\n  pixel blackout (0, 0, 400, 60), (1000, 1000, 5, 5)\n}\n",
    )
    .unwrap();
    let (code, text, report, dir) = run(
        &["us-native.dcm"],
        &[
            "--profile",
            profile.to_str().unwrap(),
            "--on-burned-in",
            "warn",
        ],
    );
    assert_eq!(code, 0, "{text}");
    let line = &report["us-native.dcm"];
    assert!(
        line["warnings"][0]
            .as_str()
            .unwrap()
            .contains("outside the image"),
        "{line}"
    );
    let obj = dicom_object::open_file(dir.path().join("out/us-native.dcm")).unwrap();
    assert_eq!(codes(&obj), ["113100"]);
    assert_eq!(
        text_of(&obj, tags::BURNED_IN_ANNOTATION).as_deref(),
        Some("YES")
    );
    // by default the instance, which says YES and is not cleaned whole, is rejected
    let (code, text, report, dir) = run(
        &["us-native.dcm"],
        &["--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{text}");
    let line = &report["us-native.dcm"];
    assert_eq!(line["outcome"], "rejected", "{line}");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("outside the image"),
        "{line}"
    );
    assert!(!dir.path().join("out/us-native.dcm").exists());
}
