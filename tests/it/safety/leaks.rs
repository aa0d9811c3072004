//! The adversarial files through the binary under the basic profile: the sources hold the
//! markers, no output holds any.

use super::*;

#[test]
fn the_sources_hold_what_the_test_looks_for() {
    // guards the test itself: every marker and secret is in its source
    for case in cases() {
        let found = leaks(&case, &case.bytes);
        assert!(
            found.iter().any(|f| f.starts_with("marker")),
            "{}: no marker in the source",
            case.name
        );
        for (what, _) in case
            .secrets
            .iter()
            .filter(|(w, _)| !w.contains("re-encoded"))
        {
            assert!(
                found.iter().any(|f| f.starts_with(what.as_str())),
                "{}: {what} not in the source",
                case.name
            );
        }
    }
}

#[test]
fn adversarial_files_leak_nothing_under_the_basic_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    let cases = write_cases(&src);
    let key = key_file(tmp.path());
    let out = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains(MARKER) && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let mut problems: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (case, _) in &cases {
        let path = dst.join(case.name);
        let Ok(bytes) = fs::read(&path) else {
            problems
                .entry(case.name)
                .or_default()
                .push("no output".into());
            continue;
        };
        problems
            .entry(case.name)
            .or_default()
            .extend(leaks(case, &bytes));
        if let Some(e) = dcmdump_errors(&path) {
            if !e.is_empty() {
                problems
                    .entry(case.name)
                    .or_default()
                    .push(format!("dcmdump: {e}"));
            }
        }
        // the output is a de-identified Part 10 file with a remapped instance UID
        let obj = dicom_object::open_file(&path).unwrap();
        let removed = obj.element(dicom_core::Tag(0x0012, 0x0062)).unwrap();
        assert_eq!(removed.to_str().unwrap().trim(), "YES", "{}", case.name);
        assert!(
            obj.meta()
                .media_storage_sop_instance_uid()
                .starts_with("2.25."),
            "{}",
            case.name
        );
    }
    problems.retain(|_, v| !v.is_empty());
    assert!(
        problems.is_empty(),
        "leaks or invalid outputs: {problems:#?}"
    );
}

#[test]
fn kept_sequences_stored_as_un_are_walked_or_removed() {
    // implicit VR: a private sequence and an unknown public one, both with a defined
    // length, read as UN; the plan keeps them (`--keep-private`, `default keep`), so it must
    // apply inside their items. A UN value that starts like a sequence but does not parse
    // is removed, not kept.
    let unknown = dicom_core::Tag(0x0018, 0x9FF0);
    assert_eq!(dicom_anonymizer::dictionary::vr_of(unknown), None);
    let item = im(0x0010, 0x0010, &txt(&m(151)));
    let mut garbage = items_defined(std::slice::from_ref(&item));
    garbage.truncate(garbage.len() - 3);
    let ds = [
        im(0x0008, 0x0016, &uid(raw::CT_IMAGE)),
        im(0x0008, 0x0018, &uid(&src_uid(151))),
        im(0x0009, 0x0010, &txt("ACME 1.0")),
        im(0x0009, 0x1001, &items_defined(std::slice::from_ref(&item))),
        im(0x0009, 0x1002, &garbage),
        im(0x0009, 0x1003, &txt("KEPT PRIVATE")),
        im(
            0x0018,
            0x9FF0,
            &items_undefined(&[im(0x0010, 0x0020, &txt(&m(152)))]),
        ),
    ]
    .concat();
    let case = Case {
        name: "un-sequences.dcm",
        bytes: raw::simple(raw::IMPLICIT_LE, raw::CT_IMAGE, &src_uid(151), &ds),
        secrets: uid_secrets(&[151]),
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join(case.name);
    fs::write(&src, &case.bytes).unwrap();
    let dst = tmp.path().join("out.dcm");
    let key = key_file(tmp.path());
    bin()
        .args(["run", "-q", "--keep-private", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .assert()
        .success();
    let bytes = fs::read(&dst).unwrap();
    assert_eq!(leaks(&case, &bytes), Vec::<String>::new());
    let obj = dicom_object::open_file(&dst).unwrap();
    // the sequences are kept, with the plan applied inside; the garbage is gone
    let seq = obj.element(dicom_core::Tag(0x0009, 0x1001)).unwrap();
    assert_eq!(seq.items().map(|i| i.len()), Some(1));
    assert!(obj.get(dicom_core::Tag(0x0009, 0x1002)).is_none());
    assert!(obj.get(dicom_core::Tag(0x0009, 0x1003)).is_some());
    assert_eq!(
        obj.element(unknown).unwrap().items().map(|i| i.len()),
        Some(1)
    );
    assert_eq!(dcmdump_errors(&dst).unwrap_or_default(), "");
}
