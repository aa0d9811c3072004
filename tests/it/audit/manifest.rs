//! The manifest: `check --manifest` finds exactly what changed, signatures verify, a taken
//! name is refused, resumed runs and renamed outputs.

use super::*;

fn check_manifest(dst: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let o = bin()
        .arg("check")
        .arg("--manifest")
        .arg(dst.join("manifest.json"))
        .args(extra)
        .arg(dst)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[test]
fn manifest_reports_exactly_the_files_changed_removed_or_added() {
    let s = setup();
    let out = s.dir.path().join("out");
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg(samples())
        .arg(&out)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["format"], "dicom-anonymizer-manifest");
    assert_eq!(
        m["tool"],
        format!("dicom-anonymizer {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        m["key_fingerprint"],
        dicom_anonymizer::Keys::from_bytes(KEY).fingerprint()
    );
    assert_eq!(m["random_key"], false);
    let names: Vec<&str> = m["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"builtin:basic"), "{names:?}");
    let plan = profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
        Entry::Builtin("pixel-signatures".into()),
    ])
    .plan
    .unwrap();
    assert_eq!(
        m["plan_sha256"],
        dicom_anonymizer::audit::sha256_bytes(plan.to_table().as_bytes())
    );
    let codes: Vec<&str> = m["deidentification_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    let derived: Vec<&str> = plan.claims().codes().iter().map(|o| o.code()).collect();
    assert_eq!(codes, derived);
    assert!(
        codes.contains(&"113100"),
        "the default profile satisfies the basic profile"
    );
    let files = m["files"].as_array().unwrap();
    let outputs = dicom_files(&out);
    assert_eq!(files.len(), outputs.len());
    for f in files {
        let rel = f["output"].as_str().unwrap();
        assert_eq!(f["outcome"], "written");
        assert_eq!(
            f["source"], rel,
            "paths kept: the source path is the output path"
        );
        assert_eq!(
            f["output_sha256"].as_str().unwrap(),
            dicom_anonymizer::audit::sha256_file(&out.join(rel)).unwrap()
        );
        assert_eq!(
            f["source_sha256"].as_str().unwrap(),
            dicom_anonymizer::audit::sha256_file(&samples().join(rel)).unwrap()
        );
        assert_ne!(rel, "manifest.json");
    }
    let (code, text) = check_manifest(&out, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "{} outputs verified, 0 added, 0 missing, 0 changed",
            outputs.len()
        )),
        "{text}"
    );

    let mut rels: Vec<&PathBuf> = outputs.keys().collect();
    rels.sort();
    let (edited, removed) = (rels[0], rels[1]);
    let mut bytes = std::fs::read(out.join(edited)).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(out.join(edited), bytes).unwrap();
    let (code, text) = check_manifest(&out, &[]);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = text.lines().filter(|l| !l.contains("verified")).collect();
    assert_eq!(lines, [format!("changed: {}", edited.display())]);

    std::fs::remove_file(out.join(removed)).unwrap();
    std::fs::write(out.join("site-a/extra.dcm"), b"x").unwrap();
    let (code, text) = check_manifest(&out, &[]);
    assert_eq!(code, Some(1));
    let lines: BTreeSet<&str> = text.lines().filter(|l| !l.contains("verified")).collect();
    let want: BTreeSet<String> = [
        "added: site-a/extra.dcm".to_string(),
        format!("missing: {}", removed.display()),
        format!("changed: {}", edited.display()),
    ]
    .into();
    assert_eq!(lines, want.iter().map(String::as_str).collect());
}

fn openssl(args: &[&str]) -> bool {
    match std::process::Command::new("openssl").args(args).output() {
        Ok(o) => o.status.success(),
        Err(_) => false,
    }
}

#[test]
fn signed_manifest_verifies_and_a_bad_signature_is_reported() {
    let s = setup();
    let out = s.dir.path().join("out");
    let (private, public) = key_pair(s.dir.path(), "sign");
    let (_, other_public) = key_pair(s.dir.path(), "other");
    let report = out.join("run.jsonl");
    std::fs::create_dir_all(&out).unwrap();
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg("--sign")
        .arg(&private)
        .arg("--report")
        .arg(&report)
        .arg(samples())
        .arg(&out)
        .assert()
        .success();
    let pubarg = public.to_str().unwrap();
    let (code, text) = check_manifest(&out, &["--public-key", pubarg]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("signed with the given key"), "{text}");
    // the report inside DST is an artifact of the run, not an added file
    assert!(text.contains("0 added"), "{text}");

    let (code, text) = check_manifest(&out, &["--public-key", other_public.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(text.contains("does not verify"), "{text}");

    // the manifest edited to hide a changed output: the signature no longer verifies
    let path = out.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["files"][0]["output_sha256"] = serde_json::json!("00".repeat(32));
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let (code, text) = check_manifest(&out, &["--public-key", pubarg]);
    assert_eq!(code, Some(1));
    assert!(text.contains("does not verify"), "{text}");
    let (code, text) = check_manifest(&out, &[]);
    assert_eq!(code, Some(1));
    assert!(text.contains("does not verify"), "{text}");

    // keys made by openssl work the same (where it is installed)
    if openssl(&["version"]) {
        let k = s.dir.path().join("ossl.pem");
        assert!(openssl(&[
            "genpkey",
            "-algorithm",
            "ed25519",
            "-out",
            k.to_str().unwrap()
        ]));
        let out2 = s.dir.path().join("out2");
        bin()
            .args(["run", "-q", "--key-file"])
            .arg(&s.key)
            .arg("--sign")
            .arg(&k)
            .arg(samples())
            .arg(&out2)
            .assert()
            .success();
        let (code, text) = check_manifest(&out2, &[]);
        assert_eq!(code, Some(0), "{text}");
    }
}

#[test]
fn manifest_name_taken_by_an_output_is_refused() {
    let s = setup();
    let src = s.dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(
        dicom_files(&samples()).into_values().next().unwrap(),
        src.join("manifest.json"),
    )
    .unwrap();
    let out = s.dir.path().join("out");
    let o = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg(&src)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("would be the manifest"));
    assert!(!out.join("manifest.json").exists());
    // with the manifest elsewhere, it runs
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&s.key)
        .arg("--manifest")
        .arg(s.dir.path().join("m.json"))
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn a_resumed_run_keeps_a_manifest_of_the_whole_tree() {
    let s = setup();
    let out = s.dir.path().join("out");
    let run = || {
        bin()
            .args(["run", "-q", "--key-file"])
            .arg(&s.key)
            .arg(samples())
            .arg(&out)
            .output()
            .unwrap()
    };
    assert!(run().status.success());
    // one output lost: the second run writes it again, the others exist and are skipped
    // ("exists"), which is not a failure
    let lost = dicom_files(&out).into_keys().next().unwrap();
    std::fs::remove_file(out.join(&lost)).unwrap();
    let again = run();
    assert_eq!(again.status.code(), Some(0));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), dicom_files(&samples()).len());
    let written: Vec<&str> = files
        .iter()
        .filter(|f| f["outcome"] == "written")
        .map(|f| f["output"].as_str().unwrap())
        .collect();
    assert_eq!(written, [lost.to_str().unwrap()]);
    assert!(files.iter().all(|f| f["output_sha256"].is_string()));
    let (code, text) = check_manifest(&out, &[]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn rename_uid_keeps_source_paths_out_of_the_manifest() {
    let s = setup();
    let out = s.dir.path().join("out");
    bin()
        .args(["run", "-q", "--rename", "uid", "--key-file"])
        .arg(&s.key)
        .arg(samples())
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        !text.contains("patient-1"),
        "a source path is in the manifest"
    );
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["source"].as_str().unwrap().starts_with("keyed:"))
    );
    let (code, text) = check_manifest(&out, &[]);
    assert_eq!(code, Some(0), "{text}");
}
