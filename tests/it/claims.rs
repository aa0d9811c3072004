//! What outputs claim about themselves: the de-identification attributes derived from the
//! plan (PS3.15 Table E.1-1 row by row), never from what a profile declares.

use dicom_anonymizer::engine::NOT_CONFORMANT;
use dicom_anonymizer::plan::{DeidOption, Longitudinal, Plan};
use dicom_anonymizer::profile::conformance::{self, rows};
use dicom_anonymizer::profile::{self, Code, Entry};
use dicom_anonymizer::{Keys, Profile};
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, Length, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::support::bin;

fn text(entries: &str) -> Entry {
    Entry::Text {
        name: "mine.anon".into(),
        text: entries.into(),
    }
}

fn builtin(name: &str) -> Entry {
    Entry::Builtin(name.into())
}

fn sample() -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        DataElement::new(tags::PATIENT_NAME, VR::PN, PrimitiveValue::from("Doe^Jane")),
        DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("MRN12345")),
        DataElement::new(tags::STUDY_DATE, VR::DA, PrimitiveValue::from("20210304")),
        DataElement::new(tags::STUDY_TIME, VR::TM, PrimitiveValue::from("101500")),
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.2"),
        ),
    ])
}

fn apply(plan: &Plan, mut obj: InMemDicomObject) -> InMemDicomObject {
    plan.apply(&mut obj, &Keys::from_bytes(b"a key of sixteen bytes"))
        .unwrap();
    obj
}

fn str_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches([' ', '\0'])
            .to_string()
    })
}

fn strs_of(obj: &InMemDicomObject, tag: Tag) -> Vec<String> {
    match obj.get(tag).map(|e| e.value()) {
        Some(Value::Primitive(p)) => p
            .to_multi_str()
            .iter()
            .map(|s| s.trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

fn codes_of(obj: &InMemDicomObject) -> Vec<String> {
    match obj
        .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .map(|e| e.value())
    {
        Some(Value::Sequence(seq)) => seq
            .items()
            .iter()
            .map(|i| str_of(i, tags::CODE_VALUE).unwrap())
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn an_empty_profile_claims_nothing() {
    let compiled = profile::compile(&[text("profile \"x\"\n")]);
    assert!(compiled.diagnostics.is_empty());
    let plan = compiled.plan.unwrap();
    assert!(!plan.claims().basic);
    assert!(compiled.conformance.deviations.len() > 300);
    let out = apply(&plan, sample());
    assert_eq!(str_of(&out, tags::PATIENT_IDENTITY_REMOVED), None);
    assert!(codes_of(&out).is_empty());
    let method = strs_of(&out, tags::DEIDENTIFICATION_METHOD);
    assert_eq!(method.last().map(String::as_str), Some(NOT_CONFORMANT));
    // dates kept as they are
    assert_eq!(
        str_of(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("UNMODIFIED")
    );
}

#[test]
fn a_broken_claim_is_an_error_naming_the_row_and_the_rule() {
    let compiled = profile::compile(&[text(
        "include builtin:basic\noption basic\nPatientName keep\n",
    )]);
    assert!(compiled.plan.is_none());
    let errors: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, Code::ClaimNotSatisfied);
    let help = errors[0].help.clone().unwrap_or_default();
    assert!(help.contains("(0010,0010) Patient's Name"), "{help}");
    assert!(help.contains("mine.anon:3"), "{help}");
    // the withdrawn claim of builtin:basic is not reported twice
    assert_eq!(compiled.diagnostics.len(), 1);
    let d = &compiled.conformance.deviations;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].tag, "(0010,0010)");
    assert_eq!(d[0].origin, "mine.anon:3");
    assert!(compiled.conformance.claims.codes().is_empty());

    // without the user's claim: a warning, and the outputs claim nothing
    let compiled = profile::compile(&[builtin("basic"), text("PatientName keep\n")]);
    let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::ClaimWithdrawn]);
    let out = apply(&compiled.plan.unwrap(), sample());
    assert_eq!(str_of(&out, tags::PATIENT_IDENTITY_REMOVED), None);
    assert!(!codes_of(&out).contains(&"113100".to_string()));
}

#[test]
fn plan_conformance_shows_the_breaking_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.anon");
    std::fs::write(
        &p,
        "include builtin:basic\noption basic\nPatientName keep\n",
    )
    .unwrap();
    let out = bin()
        .args(["plan", "--conformance", "--profile"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the Basic Profile is NOT satisfied"),
        "{stdout}"
    );
    assert!(stdout.contains("deviations: 1\n"), "{stdout}");
    assert!(
        stdout.contains("(0010,0010) Patient's Name: the table says Z; the plan does `keep`"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("anon::conformance::claim_not_satisfied"),
        "{stderr}"
    );

    let out = bin().args(["plan", "--conformance"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("113100 Basic Application Confidentiality Profile"));
    assert!(stdout.contains("deviations: 0\n"), "{stdout}");
    assert!(stdout.contains("Modified: REMOVED"), "{stdout}");
}

#[test]
fn the_default_profile_satisfies_basic_exactly() {
    let compiled = Profile::default_profile().compile_with_diagnostics();
    assert!(compiled.diagnostics.is_empty());
    let r = &compiled.conformance;
    assert!(r.claims.basic);
    assert!(r.claims.options.is_empty());
    assert!(r.deviations.is_empty());
    assert!(r.relaxed.is_empty(), "{:?}", r.relaxed.first());
    assert_eq!(r.claims.longitudinal, Longitudinal::Removed);
    assert_eq!(rows().len(), 654);
    let out = apply(&compiled.plan.unwrap(), sample());
    assert_eq!(
        str_of(&out, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    assert_eq!(codes_of(&out), ["113100"]);
    assert_eq!(
        str_of(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("REMOVED")
    );
}

/// An option profile after basic earns exactly its own code, and every row it relaxes is a
/// row whose cell in its column allows what the plan does.
fn option_earns_its_column(option: DeidOption, longitudinal: Longitudinal) {
    let compiled = profile::compile(&[builtin("basic"), builtin(option.name())]);
    assert!(compiled.diagnostics.is_empty(), "{}", option.name());
    let r = &compiled.conformance;
    assert!(r.claims.basic, "{}", option.name());
    assert_eq!(r.claims.options, [option]);
    assert_eq!(r.claims.longitudinal, longitudinal, "{}", option.name());
    assert!(!r.relaxed.is_empty(), "{}", option.name());
    for (d, o) in &r.relaxed {
        assert_eq!(*o, option, "{d}");
        if d.tag == "(gggg,eeee)" {
            assert_eq!(option, DeidOption::RetainSafePrivate, "{d}");
            continue;
        }
        let row = rows()
            .iter()
            .find(|row| row.pattern.to_string() == d.tag)
            .unwrap();
        let cell = row
            .cells
            .iter()
            .find(|(o, _)| *o == option)
            .map(|(_, c)| *c);
        assert!(matches!(cell, Some('K' | 'C')), "{d}: {cell:?}");
        assert_eq!(d.wants, row.code, "{d}");
    }
    // row for row: each row of the column is kept (K) or shifted/kept (C), or is at least
    // as strict as basic; every other row does what basic does
    let plan = compiled.plan.unwrap();
    let basic = profile::compile(&[builtin("basic")]).plan.unwrap();
    for row in rows() {
        let Some(tag) = row.pattern.exact() else {
            continue;
        };
        let (got, base) = (
            plan.decide_public(tag).action(),
            basic.decide_public(tag).action(),
        );
        let cell = row.cells.iter().find(|(o, _)| *o == option);
        if cell.is_none() {
            assert_eq!(got, base, "{}: {tag} {}", option.name(), row.name);
        }
    }
    // and the output says so
    let out = apply(&plan, sample());
    assert_eq!(codes_of(&out), ["113100", option.code()]);
    assert_eq!(
        str_of(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some(longitudinal.as_str())
    );
}

#[test]
fn retain_uids_earns_its_column() {
    option_earns_its_column(DeidOption::RetainUids, Longitudinal::Removed);
}

#[test]
fn retain_device_identity_earns_its_column() {
    // the column keeps a few DateTime attributes of devices (e.g. calibration)
    option_earns_its_column(DeidOption::RetainDeviceIdentity, Longitudinal::Unmodified);
}

#[test]
fn retain_institution_identity_earns_its_column() {
    option_earns_its_column(DeidOption::RetainInstitutionIdentity, Longitudinal::Removed);
}

#[test]
fn retain_patient_characteristics_earns_its_column() {
    option_earns_its_column(
        DeidOption::RetainPatientCharacteristics,
        Longitudinal::Removed,
    );
}

#[test]
fn retain_long_full_dates_earns_its_column() {
    option_earns_its_column(DeidOption::RetainLongFullDates, Longitudinal::Unmodified);
}

#[test]
fn retain_long_modified_dates_earns_its_column() {
    option_earns_its_column(DeidOption::RetainLongModifiedDates, Longitudinal::Modified);
}

#[test]
fn retain_safe_private_earns_its_column() {
    option_earns_its_column(DeidOption::RetainSafePrivate, Longitudinal::Removed);
}

#[test]
fn options_are_derived_from_what_the_plan_does() {
    // shifting dates under basic earns 113107 without a declaration
    let plan = Profile::builtin("basic")
        .then(Profile::from_text("s.anon", "StudyDate shift-date\n"))
        .compile()
        .unwrap();
    assert_eq!(
        plan.claims().codes(),
        [DeidOption::Basic, DeidOption::RetainLongModifiedDates]
    );
    assert_eq!(plan.claims().longitudinal, Longitudinal::Modified);
    // a declared option that is not needed is still satisfied (stricter is allowed)
    let plan = Profile::builtin("basic")
        .then(Profile::from_text("s.anon", "option retain-uids\n"))
        .compile()
        .unwrap();
    assert_eq!(
        plan.claims().codes(),
        [DeidOption::Basic, DeidOption::RetainUids]
    );
    // pixel options can never be earned
    let compiled = profile::compile(&[builtin("basic"), text("option clean-pixel-data\n")]);
    assert!(compiled.plan.is_none());
    let d: Vec<_> = compiled.diagnostics.iter().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::ClaimNotSatisfied);
    assert!(
        d[0].message.contains("no rule cleans pixel data"),
        "{}",
        d[0].message
    );
    // keeping every private element breaks basic
    let plan = Profile::builtin("basic")
        .then(Profile::from_text("p.anon", "private keep\n"))
        .compile()
        .unwrap();
    assert!(!plan.claims().basic);
}

#[test]
fn earlier_deidentification_is_kept_and_appended() {
    let plan = Profile::default_profile().compile().unwrap();
    let mut obj = sample();
    obj.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD,
        VR::LO,
        PrimitiveValue::from("Site PACS export v2"),
    ));
    let item = |code: &str, meaning: &str| {
        InMemDicomObject::from_element_iter([
            DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(code)),
            DataElement::new(
                tags::CODING_SCHEME_DESIGNATOR,
                VR::SH,
                PrimitiveValue::from("DCM"),
            ),
            DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(meaning)),
        ])
    };
    obj.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        DataSetSequence::new(
            vec![
                item("113100", "Basic Application Confidentiality Profile"),
                item("113110", "Retain UIDs Option"),
            ],
            Length::UNDEFINED,
        ),
    ));
    let out = apply(&plan, obj);
    let method = strs_of(&out, tags::DEIDENTIFICATION_METHOD);
    assert_eq!(method[0], "Site PACS export v2");
    assert!(method[1].starts_with("dicom-anonymizer "), "{method:?}");
    assert_eq!(method.len(), 1 + 1 + plan.names().len());
    // the earlier items first; 113100 is not repeated
    assert_eq!(codes_of(&out), ["113100", "113110"]);
    let _ = conformance::render(&profile::compile(&[builtin("basic")]).conformance);
}

#[test]
fn clean_descriptors_earns_its_column() {
    option_earns_its_column(DeidOption::CleanDescriptors, Longitudinal::Removed);
}

#[test]
fn clean_structured_content_earns_its_column() {
    option_earns_its_column(DeidOption::CleanStructuredContent, Longitudinal::Removed);
}

#[test]
fn clean_graphics_earns_its_column() {
    option_earns_its_column(DeidOption::CleanGraphics, Longitudinal::Removed);
}

#[test]
fn each_instance_claims_what_its_own_rules_earn() {
    // keeping Station Name under a condition needs the Retain Device Identity option for
    // those instances only: claiming Basic alone for them would be false, claiming the
    // option for the others would be too
    let plan = profile::compile(&[
        builtin("basic"),
        text("when Modality == \"US\" {\n  StationName keep\n}\n"),
    ])
    .plan
    .unwrap();
    let with = |modality: &str| {
        let mut obj = sample();
        obj.put(DataElement::new(
            tags::MODALITY,
            VR::CS,
            PrimitiveValue::from(modality),
        ));
        obj.put(DataElement::new(
            tags::STATION_NAME,
            VR::SH,
            PrimitiveValue::from("US-ROOM-3"),
        ));
        apply(&plan, obj)
    };
    let us = with("US");
    assert_eq!(
        str_of(&us, tags::STATION_NAME).as_deref(),
        Some("US-ROOM-3")
    );
    assert_eq!(
        str_of(&us, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    assert_eq!(codes_of(&us), ["113100", "113109"]);
    let ct = with("CT");
    assert_ne!(
        str_of(&ct, tags::STATION_NAME).as_deref(),
        Some("US-ROOM-3")
    );
    assert_eq!(codes_of(&ct), ["113100"]);
    // what every instance shares
    assert_eq!(plan.claims().codes(), [DeidOption::Basic]);
}
