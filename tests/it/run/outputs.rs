//! Outputs: valid and consistent, pixel data intact, the source untouched; the same input
//! and key give the same bytes, and shards together equal a single run.

use super::*;

/// Runs `dcmdump` on a file when it is installed; in CI it must be.
fn dcmdump_ok(path: &Path) -> Option<bool> {
    match std::process::Command::new("dcmdump")
        .arg("-q")
        .arg(path)
        .output()
    {
        Ok(o) => Some(o.status.success() && o.stderr.is_empty()),
        Err(_) => {
            crate::support::skipped("dcmdump (DCMTK) is not installed: validating outputs with it");
            None
        }
    }
}

fn set_uid(obj: &mut InMemDicomObject, tag: Tag, uid: &str) {
    obj.put(DataElement::new(tag, VR::UI, PrimitiveValue::from(uid)));
}

#[test]
fn outputs_are_consistent_and_the_source_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    // one study, two series, three instances each, from one real file; plus the samples
    for (series, n) in [("1", 3), ("2", 3)] {
        for i in 0..n {
            let mut obj = open_file(corpus("pydicom__CT_small.dcm")).unwrap();
            set_uid(
                &mut obj,
                tags::STUDY_INSTANCE_UID,
                "1.2.826.0.1.3680043.8.1.1",
            );
            set_uid(
                &mut obj,
                tags::SERIES_INSTANCE_UID,
                &format!("1.2.826.0.1.3680043.8.1.1.{series}"),
            );
            set_uid(
                &mut obj,
                tags::FRAME_OF_REFERENCE_UID,
                "1.2.826.0.1.3680043.8.1.9",
            );
            let sop = format!("1.2.826.0.1.3680043.8.1.1.{series}.{i}");
            set_uid(&mut obj, tags::SOP_INSTANCE_UID, &sop);
            obj.update_meta(|m| m.media_storage_sop_instance_uid = sop.clone());
            let p = src.join(format!("study/series{series}/IM{i}.dcm"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            obj.write_to_file(&p).unwrap();
        }
    }
    copy_tree(&root().join("tests/data/samples"), &src.join("samples"));
    let before = tree(&src);
    let out = dir.path().join("out");
    let key = key_file(dir.path());
    bin()
        .args(["run", "-q", "--jobs", "2", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert_eq!(tree(&src), before, "the source tree changed");

    let mut study = BTreeSet::new();
    let mut series = BTreeSet::new();
    let mut frame = BTreeSet::new();
    let mut sops = BTreeSet::new();
    let outputs = tree(&out);
    assert_eq!(
        outputs.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "same relative paths"
    );
    for rel in outputs.keys() {
        let o = open_file(out.join(rel)).unwrap();
        let s = open_file(src.join(rel)).unwrap();
        let uid = |obj: &InMemDicomObject, t: Tag| {
            obj.get(t)
                .map(|e| e.to_str().unwrap().trim_end_matches('\0').to_string())
        };
        // file meta agrees with the data set
        assert_eq!(
            Some(
                o.meta()
                    .media_storage_sop_instance_uid
                    .trim_end_matches('\0')
                    .to_string()
            ),
            uid(&o, tags::SOP_INSTANCE_UID),
            "{}",
            rel.display()
        );
        assert_eq!(
            Some(
                o.meta()
                    .media_storage_sop_class_uid
                    .trim_end_matches('\0')
                    .to_string()
            ),
            uid(&o, tags::SOP_CLASS_UID),
            "{}",
            rel.display()
        );
        assert_eq!(
            o.meta().implementation_class_uid.trim_end_matches('\0'),
            dicom_anonymizer::engine::IMPLEMENTATION_CLASS_UID
        );
        assert!(o.meta().source_application_entity_title.is_none());
        assert_eq!(
            o.meta().transfer_syntax(),
            s.meta().transfer_syntax(),
            "transfer syntax kept"
        );
        // de-identification attributes
        assert_eq!(
            o.get(tags::PATIENT_IDENTITY_REMOVED)
                .unwrap()
                .to_str()
                .unwrap()
                .trim(),
            "YES"
        );
        assert!(o.get(tags::DEIDENTIFICATION_METHOD).is_some());
        assert!(o.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE).is_some());
        // new UIDs, valid
        let new_sop = uid(&o, tags::SOP_INSTANCE_UID).unwrap();
        assert_ne!(Some(new_sop.clone()), uid(&s, tags::SOP_INSTANCE_UID));
        assert!(new_sop.starts_with("2.25.") && new_sop.len() <= 64);
        assert!(sops.insert(new_sop), "distinct instances stay distinct");
        // pixel data byte for byte
        if let Some(px) = s.get(tags::PIXEL_DATA) {
            let op = o.get(tags::PIXEL_DATA).unwrap();
            match (px.value(), op.value()) {
                (Value::PixelSequence(a), Value::PixelSequence(b)) => {
                    assert_eq!(a.fragments(), b.fragments())
                }
                _ => assert_eq!(
                    px.to_bytes().unwrap(),
                    op.to_bytes().unwrap(),
                    "{}",
                    rel.display()
                ),
            }
        }
        if rel.starts_with("study") {
            study.insert(uid(&o, tags::STUDY_INSTANCE_UID).unwrap());
            series.insert(uid(&o, tags::SERIES_INSTANCE_UID).unwrap());
            frame.insert(uid(&o, tags::FRAME_OF_REFERENCE_UID).unwrap());
        }
        if let Some(ok) = dcmdump_ok(&out.join(rel)) {
            assert!(ok, "dcmdump rejects {}", rel.display());
        }
    }
    assert_eq!(study.len(), 1, "one study stays one study");
    assert_eq!(series.len(), 2);
    assert_eq!(frame.len(), 1);
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

#[test]
fn same_input_and_key_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let samples = root().join("tests/data/samples");
    for out in ["a", "b"] {
        bin()
            .args(["run", "-q", "--jobs", "2", "--key-file"])
            .arg(&key)
            .arg(&samples)
            .arg(dir.path().join(out))
            .assert()
            .success();
    }
    let a = tree(&dir.path().join("a"));
    assert_eq!(a.len(), 9);
    assert_eq!(a, tree(&dir.path().join("b")));
}

#[test]
fn shards_together_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let samples = root().join("tests/data/samples");
    let single = dir.path().join("single");
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&samples)
        .arg(&single)
        .assert()
        .success();
    let sharded = dir.path().join("sharded");
    let mut counts = Vec::new();
    for k in 1..=3 {
        let report = dir.path().join(format!("r{k}.jsonl"));
        bin()
            .args(["run", "-q", "--shard", &format!("{k}/3"), "--key-file"])
            .arg(&key)
            .arg("--report")
            .arg(&report)
            .arg(&samples)
            .arg(&sharded)
            .assert()
            .success();
        counts.push(std::fs::read_to_string(report).unwrap().lines().count());
    }
    assert_eq!(
        counts.iter().sum::<usize>(),
        9,
        "each input in exactly one shard: {counts:?}"
    );
    assert_eq!(tree(&single), tree(&sharded));
}
