//! `shift-date` (the Retain Longitudinal Temporal Information with Modified Dates option):
//! every date of a patient moves by the same number of days, keyed on the original
//! Patient ID; ranges move at both ends; DT keeps its time and time zone; what cannot be
//! parsed as a date is emptied (kept, it would leak the real date); (0028,0303) and the
//! 113107 code say that dates were shifted. Day arithmetic here is the test's own.

use std::fs;
use std::path::Path;

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_object::{DefaultDicomObject, open_file};

use dicom_anonymizer::profile::Entry;

use crate::holes::{base, deid, keys, plan_of, seq, text, text_plan};

const PATIENT_ID: Tag = Tag(0x0010, 0x0020);
const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const STUDY_UID: Tag = Tag(0x0020, 0x000D);
const STUDY_DATE: Tag = Tag(0x0008, 0x0020);
const SERIES_DATE: Tag = Tag(0x0008, 0x0021);
const ACQUISITION_DATE: Tag = Tag(0x0008, 0x0022);
const CONTENT_DATE: Tag = Tag(0x0008, 0x0023);
const INSTANCE_CREATION_DATE: Tag = Tag(0x0008, 0x0012);
const OVERLAY_DATE: Tag = Tag(0x0008, 0x0024);
const CALIBRATION_DATE: Tag = Tag(0x0018, 0x1200);
const ACQUISITION_DATETIME: Tag = Tag(0x0008, 0x002A);
const START_ACQUISITION_DATETIME: Tag = Tag(0x0018, 0x9516);
const LONGITUDINAL_MODIFIED: Tag = Tag(0x0028, 0x0303);
const METHOD_CODES: Tag = Tag(0x0012, 0x0064);

/// Days since 0000-03-01 of a `YYYYMMDD` date (the test's own arithmetic).
fn day(s: &str) -> i64 {
    let y: i64 = s.get(0..4).unwrap().parse().unwrap();
    let m: i64 = s.get(4..6).unwrap().parse().unwrap();
    let d: i64 = s.get(6..8).unwrap().parse().unwrap();
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d
}

fn value(o: &DefaultDicomObject, t: Tag) -> Option<String> {
    o.get(t).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches([' ', '\0'])
            .to_string()
    })
}

fn codes(o: &DefaultDicomObject) -> Vec<String> {
    o.get(METHOD_CODES)
        .and_then(|e| e.items())
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    i.get(Tag(0x0008, 0x0100))
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn modified_dates_plan() -> dicom_anonymizer::Plan {
    plan_of(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
        Entry::Builtin("retain-long-modified-dates".into()),
    ])
}

/// A source for one patient (`id`, `name`, study UID) with dates in every form.
fn source(path: &Path, id: Option<&str>, name: &str, study: &str) {
    let mut o = base();
    match id {
        Some(id) => {
            o.put(text(PATIENT_ID, VR::LO, id));
        }
        None => {
            o.remove_element(PATIENT_ID);
        }
    };
    o.put(text(PATIENT_NAME, VR::PN, name));
    o.put(text(STUDY_UID, VR::UI, study));
    o.put(text(STUDY_DATE, VR::DA, "20200115"));
    o.put(text(SERIES_DATE, VR::DA, "2020.01.01"));
    o.put(text(ACQUISITION_DATE, VR::DA, "20201301"));
    o.put(text(CONTENT_DATE, VR::DA, "20200229\\20200301"));
    o.put(text(INSTANCE_CREATION_DATE, VR::DA, "20200101-20200131"));
    o.put(text(OVERLAY_DATE, VR::DA, "20200101-"));
    o.put(text(CALIBRATION_DATE, VR::DA, "-20191231"));
    o.put(text(ACQUISITION_DATETIME, VR::DT, "20200115123000.5+0100"));
    o.put(text(
        START_ACQUISITION_DATETIME,
        VR::DT,
        "20200115123000-0500",
    ));
    // a date two sequences deep
    o.put(seq(
        Tag(0x0054, 0x0016),
        vec![crate::holes::item(vec![seq(
            Tag(0x0054, 0x0300),
            vec![crate::holes::item(vec![text(
                CALIBRATION_DATE,
                VR::DA,
                "20200116",
            )])],
        )])],
    ));
    o.write_to_file(path).unwrap();
}

/// The shift of an output (from its Study Date), after checking every date in it.
fn checked_shift(o: &DefaultDicomObject) -> i64 {
    let study = value(o, STUDY_DATE).unwrap();
    let d = day(&study) - day("20200115");
    assert!((-3652..=-365).contains(&d), "shift {d}");
    let shifted = |s: &str| {
        let n = day(s) + d;
        // back to a date: search the year, then the day
        let mut y = 1;
        while day(&format!("{:04}0101", y + 1)) <= n {
            y += 1;
        }
        let mut t = format!("{y:04}0101");
        for m in 1..=12 {
            for dd in 1..=31 {
                let c = format!("{y:04}{m:02}{dd:02}");
                if day(&c) == n {
                    t = c;
                }
            }
        }
        t
    };
    // unparseable dates are emptied, not kept
    assert_eq!(value(o, SERIES_DATE).as_deref(), Some(""));
    assert_eq!(value(o, ACQUISITION_DATE).as_deref(), Some(""));
    // every value of a multi-valued date, across February of a leap year
    assert_eq!(
        value(o, CONTENT_DATE).unwrap(),
        format!("{}\\{}", shifted("20200229"), shifted("20200301"))
    );
    // ranges: both ends, and open ends
    assert_eq!(
        value(o, INSTANCE_CREATION_DATE).unwrap(),
        format!("{}-{}", shifted("20200101"), shifted("20200131"))
    );
    assert_eq!(
        value(o, OVERLAY_DATE).unwrap(),
        format!("{}-", shifted("20200101"))
    );
    assert_eq!(
        value(o, CALIBRATION_DATE).unwrap(),
        format!("-{}", shifted("20191231"))
    );
    // DT: the date moves, time, fraction and time zone stay
    assert_eq!(
        value(o, ACQUISITION_DATETIME).unwrap(),
        format!("{}123000.5+0100", shifted("20200115"))
    );
    assert_eq!(
        value(o, START_ACQUISITION_DATETIME).unwrap(),
        format!("{}123000-0500", shifted("20200115"))
    );
    let deep = o.get(Tag(0x0054, 0x0016)).unwrap().items().unwrap()[0]
        .get(Tag(0x0054, 0x0300))
        .unwrap()
        .items()
        .unwrap()[0]
        .get(CALIBRATION_DATE)
        .unwrap()
        .to_str()
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(deep, shifted("20200116"));
    // the output says so
    assert_eq!(value(o, LONGITUDINAL_MODIFIED).as_deref(), Some("MODIFIED"));
    assert!(codes(o).contains(&"113107".to_string()), "{:?}", codes(o));
    d
}

#[test]
fn dates_of_a_patient_shift_together_keyed_on_the_original_patient_id() {
    let plan = modified_dates_plan();
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, id: Option<&str>, pn: &str, study: &str| {
        let src = tmp.path().join(format!("{name}-in.dcm"));
        let out = tmp.path().join(format!("{name}-out.dcm"));
        source(&src, id, pn, study);
        deid(&plan, &src, &out);
        let o = open_file(&out).unwrap();
        // no original date anywhere in the output
        let bytes = fs::read(&out).unwrap();
        for original in [
            "20200115",
            "20200229",
            "20200101",
            "20200131",
            "20191231",
            "2020.01.01",
        ] {
            assert!(
                !bytes
                    .windows(original.len())
                    .any(|w| w == original.as_bytes()),
                "{name}: {original} kept"
            );
        }
        checked_shift(&o)
    };
    let a = run(
        "a",
        Some("ZQXPAT-1"),
        "ZQX^ONE",
        "1.2.826.0.1.3680043.10.543.1",
    );
    // the same patient in another study, under another spelling of the name
    let b = run(
        "b",
        Some("ZQXPAT-1"),
        "ZQX^ONE^M",
        "1.2.826.0.1.3680043.10.543.2",
    );
    assert_eq!(a, b, "one patient, one shift");
    // another patient with the same name and study: another shift
    let c = run(
        "c",
        Some("ZQXPAT-2"),
        "ZQX^ONE",
        "1.2.826.0.1.3680043.10.543.1",
    );
    assert_ne!(a, c, "the shift follows the Patient ID");
    // the shift is the keyed one of the original Patient ID (not of the output's)
    assert_eq!(a, keys().date_shift_days("ZQXPAT-1"));
    assert_eq!(c, keys().date_shift_days("ZQXPAT-2"));
    // without a Patient ID: the name, then the study
    let d = run("d", None, "ZQX^ONE", "1.2.826.0.1.3680043.10.543.1");
    assert_eq!(d, keys().date_shift_days("ZQX^ONE"));
}

#[test]
fn what_the_output_says_about_dates_follows_the_plan() {
    // (0028,0303) and the CID 7050 code say what the plan does to dates (its claims),
    // whether or not this file held a date that moved; a date that cannot be shifted is
    // emptied under every plan that shifts
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in.dcm");
    let mut o = base();
    let dates: Vec<Tag> = o
        .iter()
        .filter(|e| matches!(e.vr(), VR::DA | VR::DT))
        .map(|e| e.tag())
        .collect();
    for t in dates {
        o.remove_element(t);
    }
    o.put(text(STUDY_DATE, VR::DA, "2020.01.01"));
    o.write_to_file(&src).unwrap();
    let cases = [
        ("retain-long-modified-dates", "MODIFIED", Some("113107")),
        ("retain-long-full-dates", "UNMODIFIED", Some("113106")),
    ];
    for (option, longitudinal, code) in cases {
        let plan = plan_of(&[
            Entry::Builtin("basic".into()),
            Entry::Builtin("extra".into()),
            Entry::Builtin(option.into()),
        ]);
        let out = tmp.path().join(format!("{option}.dcm"));
        deid(&plan, &src, &out);
        let w = open_file(&out).unwrap();
        assert_eq!(
            value(&w, LONGITUDINAL_MODIFIED).as_deref(),
            Some(longitudinal),
            "{option}"
        );
        let codes = codes(&w);
        assert!(
            code.is_none_or(|c| codes.contains(&c.to_string())),
            "{option}: {codes:?}"
        );
        let study = value(&w, STUDY_DATE);
        if option == "retain-long-modified-dates" {
            assert_eq!(study.as_deref(), Some(""), "not a date: emptied");
        } else {
            assert_eq!(study.as_deref(), Some("2020.01.01"), "kept as it is");
        }
    }
    // a profile of its own that shifts one date: the value is emptied all the same
    let plan = text_plan("default keep\n(0008,0020) shift-date\n");
    let out = tmp.path().join("own.dcm");
    deid(&plan, &src, &out);
    let w = open_file(&out).unwrap();
    assert_eq!(value(&w, STUDY_DATE).as_deref(), Some(""));
}
