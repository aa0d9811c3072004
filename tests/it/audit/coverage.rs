//! Coverage: every attribute kept by default, with its count checked against the outputs.

use super::*;

/// Every tag at any depth of `obj`, per the plan's fallback: the public tags no rule
/// matches (kept by `default keep`, since they are in the output).
fn kept_by_default(obj: &InMemDicomObject, plan: &dicom_anonymizer::Plan, out: &mut BTreeSet<Tag>) {
    for e in obj.iter() {
        let tag = e.tag();
        // what the engine writes itself, whatever the input had
        if [
            Tag(0x0012, 0x0062),
            Tag(0x0012, 0x0063),
            Tag(0x0012, 0x0064),
            Tag(0x0028, 0x0303),
        ]
        .contains(&tag)
        {
            continue;
        }
        if tag.group() % 2 == 0 {
            if let Decision::Fallback(f) = plan.decide(tag, None) {
                if f.disposition == Disposition::Keep {
                    out.insert(tag);
                }
            }
        }
        if let Value::Sequence(seq) = e.value() {
            for item in seq.items() {
                kept_by_default(item, plan, out);
            }
        }
    }
}

#[test]
fn coverage_lists_every_attribute_kept_by_default_with_its_count() {
    let s = setup();
    let out = s.dir.path().join("out");
    let cov = s.dir.path().join("cov.json");
    let o = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg("--coverage")
        .arg(&cov)
        .arg(samples())
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("attributes kept only by `default keep`"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&cov).unwrap()).unwrap();

    let plan = profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
    ])
    .plan
    .unwrap();
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    let mut sop_classes: BTreeMap<String, u64> = BTreeMap::new();
    let mut syntaxes: BTreeMap<String, u64> = BTreeMap::new();
    let mut creators: BTreeSet<(String, String)> = BTreeSet::new();
    for (rel, src) in dicom_files(&samples()) {
        let obj = open_file(out.join(&rel)).unwrap();
        let mut tags = BTreeSet::new();
        kept_by_default(&obj, &plan, &mut tags);
        for t in tags {
            *want
                .entry(format!("({:04X},{:04X})", t.group(), t.element()))
                .or_insert(0) += 1;
        }
        let source = open_file(&src).unwrap();
        *sop_classes
            .entry(
                source
                    .meta()
                    .media_storage_sop_class_uid
                    .trim_end_matches('\0')
                    .to_string(),
            )
            .or_insert(0) += 1;
        *syntaxes
            .entry(
                source
                    .meta()
                    .transfer_syntax()
                    .trim_end_matches('\0')
                    .to_string(),
            )
            .or_insert(0) += 1;
        for e in source.iter() {
            let t = e.tag();
            if t.group() % 2 == 1 && (0x10..=0xFF).contains(&t.element()) {
                let c = e
                    .to_str()
                    .unwrap()
                    .trim_end_matches(['\0', ' '])
                    .trim()
                    .to_string();
                creators.insert((c, format!("{:04X}", t.group())));
            }
        }
    }
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    let mut vrs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for k in report["kept_by_default"].as_array().unwrap() {
        let tag = k["tag"].as_str().unwrap().to_string();
        *got.entry(tag.clone()).or_insert(0) += k["files"].as_u64().unwrap();
        vrs.entry(tag.clone())
            .or_default()
            .insert(k["vr"].as_str().unwrap().to_string());
        let t = Tag(
            u16::from_str_radix(tag.get(1..5).unwrap(), 16).unwrap(),
            u16::from_str_radix(tag.get(6..10).unwrap(), 16).unwrap(),
        );
        assert_eq!(
            k["keyword"].as_str().unwrap(),
            dicom_anonymizer::dictionary::keyword_of(t).unwrap_or_default()
        );
    }
    assert!(
        want.len() > 20,
        "the sample tree keeps many attributes by default"
    );
    assert_eq!(got, want);
    // standard tags stored as UN are reported with their dictionary VR, as the engine
    // writes them
    assert!(vrs.values().all(|v| !v.contains("UN")), "{vrs:?}");

    let seen = |key: &str| -> BTreeMap<String, u64> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["uid"].as_str().unwrap().to_string(),
                    s["files"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(seen("sop_classes"), sop_classes);
    assert_eq!(seen("transfer_syntaxes"), syntaxes);
    let blocks: BTreeSet<(String, String)> = report["private_blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(
                b["done"], "deleted",
                "the default profile deletes private blocks"
            );
            (
                b["creator"].as_str().unwrap().to_string(),
                b["group"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(!creators.is_empty());
    assert!(
        creators.is_subset(&blocks),
        "top-level creators all reported: {creators:?}"
    );
    assert_eq!(report["outcomes"]["written"], dicom_files(&samples()).len());

    // the same from a dry run (nothing written), and with `--keep-private` blocks are kept
    let cov2 = s.dir.path().join("cov2.json");
    bin()
        .args(["run", "-q", "--dry-run", "--keep-private", "--key-file"])
        .arg(&s.key)
        .arg("--coverage")
        .arg(&cov2)
        .arg(samples())
        .arg(s.dir.path().join("never"))
        .assert()
        .success();
    assert!(!s.dir.path().join("never").exists());
    let dry: serde_json::Value = serde_json::from_slice(&std::fs::read(&cov2).unwrap()).unwrap();
    assert_eq!(dry["kept_by_default"], report["kept_by_default"]);
    assert_eq!(
        dry["outcomes"]["would-write"],
        dicom_files(&samples()).len()
    );
    assert!(
        dry["private_blocks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["done"] == "kept")
    );
}
