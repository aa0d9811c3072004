//! The library API as a user's snapshot test would use it (docs/testing-profiles.md):
//! compile a profile, apply it to every sample file with a fixed key, and snapshot the
//! canonical dump, so that any change to the profile or the engine shows as a diff.

use dicom_anonymizer::{Keys, Profile, dump};

#[test]
fn samples_under_the_default_profile() {
    let plan = Profile::default_profile().compile().unwrap();
    insta::assert_snapshot!("default_plan_names", plan.names().join("\n"));
    let keys = Keys::from_bytes(b"snapshot key, not a secret");
    insta::glob!("../data/samples", "**/*.dcm", |path| {
        let mut file = dicom_object::open_file(path).unwrap();
        plan.apply_file(&mut file, &keys).unwrap();
        insta::assert_snapshot!(dump::canonical_dump(&file));
    });
}

#[test]
fn a_profile_that_does_not_compile_says_why() {
    let err = Profile::from_text("bad.anon", "PatientNme delete\n")
        .compile()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("anon::compile::unknown_keyword"), "{text}");
    assert!(text.contains("did you mean"), "{text}");
    assert_eq!(err.diagnostics.error_count(), 1);
}
