//! The encrypted linkage file: exactly the mappings seen in the outputs (read back by
//! `linkage show`/`find` and by `age`), one file per shard, options checked first.

use super::*;

const LINKED: [(&str, Tag); 6] = [
    ("PatientID", Tag(0x0010, 0x0020)),
    ("PatientName", Tag(0x0010, 0x0010)),
    ("AccessionNumber", Tag(0x0008, 0x0050)),
    ("StudyInstanceUID", Tag(0x0020, 0x000D)),
    ("SeriesInstanceUID", Tag(0x0020, 0x000E)),
    ("SOPInstanceUID", Tag(0x0008, 0x0018)),
];

type Row = (String, String, String, String);

fn rows_of_json(v: &serde_json::Value) -> Vec<Row> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].as_str().unwrap().to_string();
            (f("patient"), f("attribute"), f("original"), f("new"))
        })
        .collect()
}

fn days(da: &str) -> i64 {
    let y: i64 = da.get(0..4).unwrap().parse().unwrap();
    let m: u32 = da.get(4..6).unwrap().parse().unwrap();
    let d: u32 = da.get(6..8).unwrap().parse().unwrap();
    dicom_anonymizer::engine::keyed::days_from_civil(y, m, d)
}

#[test]
fn linkage_file_holds_exactly_the_mappings_seen_in_the_outputs() {
    let s = setup();
    let out = s.dir.path().join("out");
    let links = s.dir.path().join("links.age");
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg("--linkage")
        .arg(&links)
        .args(["--recipient", &s.recipient])
        // pseudonymous patient IDs and shifted dates, as a study would keep them
        .args(["-t", "PatientID", "hash", "-t", "StudyDate", "shift-date"])
        .arg(samples())
        .arg(&out)
        .assert()
        .success();

    // what the outputs say, next to their sources
    let mut expected: BTreeSet<Row> = BTreeSet::new();
    let mut shifts: BTreeMap<String, i64> = BTreeMap::new();
    let mut originals: BTreeSet<String> = BTreeSet::new();
    let mut patients: BTreeSet<String> = BTreeSet::new();
    for (rel, src) in dicom_files(&samples()) {
        let src_obj = open_file(&src).unwrap();
        let out_obj = open_file(out.join(&rel)).unwrap();
        let patient = text(&src_obj, Tag(0x0010, 0x0020));
        patients.insert(patient.clone());
        for (name, tag) in LINKED {
            let original = text(&src_obj, tag);
            if original.is_empty() {
                continue;
            }
            originals.insert(original.clone());
            expected.insert((patient.clone(), name.into(), original, text(&out_obj, tag)));
        }
        let (a, b) = (
            text(&src_obj, Tag(0x0008, 0x0020)),
            text(&out_obj, Tag(0x0008, 0x0020)),
        );
        if a.len() == 8 && b.len() == 8 {
            let d = days(&b) - days(&a);
            assert_eq!(
                *shifts.entry(patient).or_insert(d),
                d,
                "one shift per patient"
            );
        }
    }
    assert!(patients.len() >= 3, "several patients: {patients:?}");

    let show = bin()
        .args(["linkage", "show", "--format", "json", "--identity"])
        .arg(&s.identity)
        .arg(&links)
        .output()
        .unwrap();
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    let rows = rows_of_json(&serde_json::from_slice(&show.stdout).unwrap());
    let (shift_rows, mapping_rows): (Vec<Row>, Vec<Row>) =
        rows.iter().cloned().partition(|r| r.1 == "DateShiftDays");
    assert_eq!(
        mapping_rows.len(),
        mapping_rows.iter().collect::<BTreeSet<_>>().len(),
        "no duplicates"
    );
    assert_eq!(mapping_rows.into_iter().collect::<BTreeSet<_>>(), expected);
    assert!(!shifts.is_empty());
    for (patient, d) in &shifts {
        assert!(
            shift_rows.contains(&(
                patient.clone(),
                "DateShiftDays".into(),
                patient.clone(),
                d.to_string()
            )),
            "shift of a patient: {shift_rows:?}"
        );
    }

    // no original in plain text
    let bytes = std::fs::read(&links).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for o in originals.iter().filter(|o| o.len() >= 4) {
        assert!(
            !bytes.windows(o.len()).any(|w| w == o.as_bytes()),
            "an original value is in the linkage file in plain text"
        );
    }

    // the standard age tool decrypts it to the same rows
    match std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&s.identity)
        .arg(&links)
        .output()
    {
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let text = String::from_utf8(o.stdout).unwrap();
            let mut lines = text.lines();
            let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
            assert_eq!(header["format"], "dicom-anonymizer-linkage");
            let from_age: BTreeSet<Row> = lines
                .map(|l| {
                    rows_of_json(&serde_json::json!([serde_json::from_str::<
                        serde_json::Value,
                    >(l)
                    .unwrap()]))
                    .remove(0)
                })
                .collect();
            assert_eq!(from_age, rows.iter().cloned().collect::<BTreeSet<_>>());
        }
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "the `age` tool is required when CI is set (.ci/run installs it)"
        ),
    }

    // find: one patient, and one new UID back to its original and patient
    let (patient, _, original_sop, new_sop) = expected
        .iter()
        .find(|r| r.1 == "SOPInstanceUID" && !r.0.is_empty())
        .unwrap()
        .clone();
    let find = |args: &[&str]| {
        let o = bin()
            .args(["linkage", "find", "--format", "json", "--identity"])
            .arg(&s.identity)
            .args(args)
            .arg(&links)
            .output()
            .unwrap();
        (
            o.status.code(),
            rows_of_json(&serde_json::from_slice(&o.stdout).unwrap_or(serde_json::json!([]))),
        )
    };
    let (code, found) = find(&["--new-uid", &new_sop]);
    assert_eq!(code, Some(0));
    assert!(found.contains(&(
        patient.clone(),
        "SOPInstanceUID".into(),
        original_sop,
        new_sop
    )));
    assert!(found.iter().all(|r| r.0 == patient));
    assert!(found.iter().any(|r| r.1 == "PatientID"));
    let (code, found) = find(&["--original-patient-id", &patient]);
    assert_eq!(code, Some(0));
    let of_patient: BTreeSet<Row> = expected
        .iter()
        .filter(|r| r.0 == patient)
        .cloned()
        .collect();
    assert_eq!(
        found
            .into_iter()
            .filter(|r| r.1 != "DateShiftDays")
            .collect::<BTreeSet<_>>(),
        of_patient
    );
    let (code, _) = find(&["--new-uid", "2.25.1"]);
    assert_eq!(code, Some(1));

    // a wrong identity is refused with a clear error, no rows
    let other = s.dir.path().join("other.key");
    std::fs::write(
        &other,
        format!(
            "{}\n",
            age::x25519::Identity::generate()
                .to_string()
                .expose_secret()
        ),
    )
    .unwrap();
    let o = bin()
        .args(["linkage", "show", "--identity"])
        .arg(&other)
        .arg(&links)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot decrypt"));
}

#[test]
fn shards_write_one_linkage_file_each_and_combine() {
    let s = setup();
    let out = s.dir.path().join("out");
    let links = s.dir.path().join("links.age");
    for k in 1..=2 {
        bin()
            .args(["run", "-q", "--shard", &format!("{k}/2"), "--key-file"])
            .arg(&s.key)
            .arg("--linkage")
            .arg(&links)
            .args(["--recipient", &s.recipient])
            .arg(samples())
            .arg(&out)
            .assert()
            .success();
    }
    let shard_files = [
        s.dir.path().join("links.1-of-2.age"),
        s.dir.path().join("links.2-of-2.age"),
    ];
    assert!(!links.exists());
    let whole = s.dir.path().join("whole.age");
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg("--linkage")
        .arg(&whole)
        .args(["--recipient", &s.recipient])
        .arg(samples())
        .arg(s.dir.path().join("out-whole"))
        .assert()
        .success();
    let show = |files: &[PathBuf]| {
        let o = bin()
            .args(["linkage", "show", "--identity"])
            .arg(&s.identity)
            .args(files)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(show(&shard_files), show(&[whole]));
    // the shards' manifests too
    assert!(out.join("manifest.1-of-2.json").exists());
    assert!(out.join("manifest.2-of-2.json").exists());
    bin()
        .arg("check")
        .arg("--manifest")
        .arg(out.join("manifest.1-of-2.json"))
        .arg("--manifest")
        .arg(out.join("manifest.2-of-2.json"))
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn linkage_options_are_checked_before_any_file_is_written() {
    let s = setup();
    let out = s.dir.path().join("out");
    let links = s.dir.path().join("links.age");
    let attempt = |extra: &[&str]| {
        let o = bin()
            .args(["run", "-q", "--key-file"])
            .arg(&s.key)
            .args(extra)
            .arg(samples())
            .arg(&out)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let l = links.to_str().unwrap();
    let (code, err) = attempt(&["--linkage", l]);
    assert_eq!(code, Some(2));
    assert!(err.contains("at least one --recipient"), "{err}");
    let (code, err) = attempt(&["--linkage", l, "--recipient", "age1nope"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not an age X25519 recipient"), "{err}");
    let (code, err) = attempt(&["--dry-run", "--linkage", l, "--recipient", &s.recipient]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--dry-run writes nothing"), "{err}");
    let (code, err) = attempt(&["--sign", s.key.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not an ed25519 private key"), "{err}");
    assert!(!out.exists(), "nothing was written");
    std::fs::write(&links, b"earlier").unwrap();
    let (code, err) = attempt(&["--linkage", l, "--recipient", &s.recipient]);
    assert_eq!(code, Some(2));
    assert!(err.contains("exists"), "{err}");
    assert_eq!(std::fs::read(&links).unwrap(), b"earlier");
}
