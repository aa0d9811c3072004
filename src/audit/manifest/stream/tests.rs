use super::*;
use proptest::prelude::*;

fn head() -> Manifest {
    Manifest {
        format: super::super::FORMAT.into(),
        version: 1,
        tool: "t \"quoted\"\nline".into(),
        profiles: vec![super::super::ProfileHash {
            name: "builtin:basic".into(),
            sha256: "ab".into(),
        }],
        plan_sha256: "p".into(),
        deidentification_codes: vec![],
        key_fingerprint: "k".into(),
        random_key: false,
        shard: None,
        artifacts: vec!["report.jsonl".into()],
        files: vec![],
        signature: None,
    }
}

fn entry(output: Option<&str>, sha: Option<&str>) -> FileEntry {
    FileEntry {
        source: format!("src/{}", output.unwrap_or("failed")),
        source_sha256: Some("00".into()),
        output: output.map(str::to_string),
        output_sha256: sha.map(str::to_string),
        outcome: if output.is_some() {
            "written"
        } else {
            "failed"
        }
        .into(),
    }
}

fn key_file(dir: &Path, seed: u8) -> PathBuf {
    let signing = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let pem = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(
        &signing,
        ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
    )
    .unwrap();
    let path = dir.join(format!("sign-{seed}.pem"));
    std::fs::write(&path, pem.as_bytes()).unwrap();
    path
}

fn public_key_file(dir: &Path, seed: u8) -> PathBuf {
    let signing = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let pem = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
        &signing.verifying_key(),
        ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
    )
    .unwrap();
    let path = dir.join(format!("sign-{seed}.pub.pem"));
    std::fs::write(&path, pem.as_bytes()).unwrap();
    path
}

/// A manifest file as the tool writes it (`to_vec_pretty`), signed with `key` if given.
fn write(path: &Path, files: Vec<FileEntry>, key: Option<&Path>) -> Manifest {
    let mut m = head();
    m.files = files;
    if let Some(k) = key {
        m.sign(k).unwrap();
    }
    std::fs::write(path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    m
}

#[test]
fn the_head_is_the_whole_reading_without_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    let files = vec![
        entry(None, None),
        entry(Some("a/1.dcm"), Some("11")),
        entry(Some("a/2.dcm"), Some("22")),
        entry(Some("b.dcm"), None),
    ];
    let key = key_file(dir.path(), 3);
    let written = write(&path, files, Some(&key));
    let h = read_head(&path).unwrap();
    let mut whole = Manifest::read(&path).unwrap();
    assert_eq!(whole, written);
    whole.files.clear();
    assert_eq!(h.manifest, whole);
    assert_eq!(h.files, 4);
    assert!(h.sorted);

    // unsorted outputs are noticed
    write(
        &path,
        vec![
            entry(Some("b.dcm"), Some("2")),
            entry(Some("a.dcm"), Some("1")),
        ],
        None,
    );
    assert!(!read_head(&path).unwrap().sorted);
}

#[test]
fn a_malformed_manifest_is_refused_as_the_whole_reading_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    write(&path, vec![entry(Some("a.dcm"), Some("1"))], None);
    let good = std::fs::read_to_string(&path).unwrap();
    let cases = [
        good.get(..good.len() / 2).unwrap().to_string(),
        "not json".to_string(),
        good.replace("\"files\": [", "\"files\": 3, \"x\": ["),
        good.replacen("\"version\": 1,", "\"version\": 1, \"version\": 1,", 1),
        good.replace("dicom-anonymizer-manifest", "something-else"),
        good.replace("\"files\"", "\"filez\""),
        format!("{good} trailing"),
    ];
    for (i, text) in cases.iter().enumerate() {
        std::fs::write(&path, text).unwrap();
        assert!(
            Manifest::read(&path).is_err(),
            "case {i}: the whole reading accepts it"
        );
        assert!(
            matches!(read_head(&path), Err(ManifestError::Format { .. })),
            "case {i}: {:?}",
            read_head(&path)
        );
    }
    assert!(matches!(
        read_head(&dir.path().join("absent.json")),
        Err(ManifestError::Read { .. })
    ));
}

#[test]
fn the_streamed_signature_check_agrees_with_the_whole_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    let key = key_file(dir.path(), 5);
    let public = public_key_file(dir.path(), 5);
    let other = public_key_file(dir.path(), 6);
    let files: Vec<FileEntry> = (0..300)
        .map(|i| entry(Some(&format!("P{:02}/IM{i:04}.dcm", i / 7)), Some("ab")))
        .collect();
    let check = |trusted: Option<&Path>| {
        let whole = Manifest::read(&path).unwrap().verify(&path, trusted);
        let streamed = verify(&read_head(&path).unwrap(), &path, trusted);
        match (&whole, &streamed) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            _ => panic!("whole {whole:?}, streamed {streamed:?}"),
        }
        streamed.map_err(|e| e.to_string())
    };

    // unsigned
    write(&path, files.clone(), None);
    assert_eq!(check(None), Ok(None));
    assert!(check(Some(&public)).is_err());

    // signed: verifies, with and without the key; not with another key
    write(&path, files.clone(), Some(&key));
    let signer = check(None).unwrap().expect("signed");
    assert_eq!(check(Some(&public)), Ok(Some(signer)));
    assert!(check(Some(&other)).unwrap_err().contains("another key"));

    // one byte of one entry changed after signing: refused
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("IM0150", "IM0151", 1)).unwrap();
    assert!(
        check(None)
            .unwrap_err()
            .contains("changed after it was signed")
    );
    // an entry taken out
    let start = text.find("    {\n      \"source\": \"src/P21").unwrap();
    let end = start + text.get(start..).unwrap().find("},\n").unwrap() + 3;
    let mut cut = text.clone();
    cut.replace_range(start..end, "");
    std::fs::write(&path, cut).unwrap();
    assert!(
        check(None)
            .unwrap_err()
            .contains("changed after it was signed")
    );
    // the head changed
    std::fs::write(
        &path,
        text.replace("\"plan_sha256\": \"p\"", "\"plan_sha256\": \"q\""),
    )
    .unwrap();
    assert!(
        check(None)
            .unwrap_err()
            .contains("changed after it was signed")
    );
    // as signed: verifies again
    std::fs::write(&path, &text).unwrap();
    assert!(check(None).unwrap().is_some());
}

/// Sorted findings, for comparing the streamed check with the whole one.
fn sorted(mut v: Verification) -> Verification {
    v.added.sort();
    v.missing.sort();
    v.changed.sort();
    v
}

/// Names that sort differently as names and as paths (`a` before `a.b` as names, after
/// it as paths: `a/x` > `a.b`), non-ASCII, and upper case.
const NAMES: [&str; 8] = ["a", "a.b", "a0", "ab", "A", "é", "z z", "a-"];

/// Files in DST (relative path, content byte).
type Files = Vec<(String, u8)>;
/// Per manifest: output, content byte, whether the recorded hash is the right one.
type Listed = Vec<(String, u8, bool)>;

fn tree_case() -> impl Strategy<Value = (Files, Vec<Listed>)> {
    let path = prop::collection::vec(prop::sample::select(NAMES.to_vec()), 1..4)
        .prop_map(|parts| parts.join("/"));
    // files in DST with their content byte
    let files = prop::collection::vec((path.clone(), any::<u8>()), 0..24);
    // manifests: (output, content byte, whether the recorded hash is right)
    let listed = prop::collection::vec((path, any::<u8>(), any::<bool>()), 0..24);
    (files, prop::collection::vec(listed, 1..4))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// On trees with names that order differently as names and as paths, several
    /// manifests (shards, the same output in two of them), changed, missing and added
    /// files: the streamed check finds what the whole check finds.
    #[test]
    fn the_streamed_tree_check_finds_what_the_whole_one_finds((files, manifests) in tree_case()) {
        let dir = tempfile::tempdir().unwrap();
        let dst = dir.path().join("dst");
        std::fs::create_dir_all(&dst).unwrap();
        for (rel, byte) in &files {
            let p = dst.join(rel);
            // a path that is a file in one draw and a folder in another: first one wins
            if p.ancestors().skip(1).any(|a| a.is_file()) || p.is_dir() {
                continue;
            }
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, [*byte]).unwrap();
        }
        let sha = |b: u8| crate::audit::hex(&<sha2::Sha256 as sha2::Digest>::digest([b]));
        let mut heads = Vec::new();
        let mut wholes = Vec::new();
        for (i, listed) in manifests.iter().enumerate() {
            let mut entries: Vec<FileEntry> = listed
                .iter()
                .map(|(out, b, right)| {
                    let h = if *right { sha(*b) } else { "00".into() };
                    entry(Some(out), Some(&h))
                })
                .collect();
            entries.sort_by(super::super::spill::order);
            let path = dir.path().join(format!("m{i}.json"));
            let m = write(&path, entries, None);
            heads.push((path.clone(), read_head(&path).unwrap()));
            wholes.push((path, m));
        }
        let streamed = verify_tree(&dst, &heads).unwrap();
        // in path order as it comes
        for list in [&streamed.added, &streamed.missing, &streamed.changed] {
            prop_assert!(list.is_sorted(), "{list:?}");
        }
        prop_assert_eq!(sorted(streamed), sorted(super::super::verify_tree(&dst, &wholes)));
    }
}

#[test]
fn an_unsorted_manifest_is_checked_whole_with_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("dst");
    std::fs::create_dir_all(dst.join("a")).unwrap();
    std::fs::write(dst.join("a/1.dcm"), b"one").unwrap();
    std::fs::write(dst.join("b.dcm"), b"two").unwrap();
    std::fs::write(dst.join("extra"), b"x").unwrap();
    let sha = |b: &[u8]| crate::audit::hex(&<sha2::Sha256 as sha2::Digest>::digest(b));
    let path = dir.path().join("m.json");
    let m = write(
        &path,
        vec![
            entry(Some("b.dcm"), Some(&sha(b"changed"))),
            entry(Some("a/1.dcm"), Some(&sha(b"one"))),
            entry(Some("gone.dcm"), Some(&sha(b"x"))),
        ],
        None,
    );
    let h = read_head(&path).unwrap();
    assert!(!h.sorted);
    let v = verify_tree(&dst, &[(path.clone(), h)]).unwrap();
    assert_eq!(v.verified, 1);
    assert_eq!(v.changed, ["b.dcm"]);
    assert_eq!(v.missing, ["gone.dcm"]);
    assert_eq!(v.added, ["extra"]);
    assert_eq!(v, super::super::verify_tree(&dst, &[(path.clone(), m)]));
    // read whole too, it must be the manifest the first read saw
    let h = read_head(&path).unwrap();
    write(
        &path,
        vec![
            entry(Some("b.dcm"), Some(&sha(b"two"))),
            entry(Some("a/1.dcm"), Some(&sha(b"one"))),
        ],
        None,
    );
    let e = verify_tree(&dst, &[(path, h)]).unwrap_err();
    assert!(
        crate::batch::error_chain(&e).contains("changed while it was checked"),
        "{e:?}"
    );
}

#[test]
fn a_manifest_that_changes_between_the_reads_stops_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::write(dst.join("a.dcm"), b"one").unwrap();
    let path = dir.path().join("m.json");
    let key = key_file(dir.path(), 9);
    let files = vec![entry(Some("a.dcm"), Some("00"))];
    write(&path, files.clone(), Some(&key));
    let h = read_head(&path).unwrap();
    // the same manifest, signed again with another key: valid on its own, not the one read
    let other = key_file(dir.path(), 10);
    write(&path, files, Some(&other));
    for result in [
        verify(&h, &path, None).map(|_| ()),
        verify_tree(&dst, &[(path.clone(), h.clone())]).map(|_| ()),
    ] {
        let e = result.unwrap_err();
        assert!(matches!(e, ManifestError::Read { .. }), "{e:?}");
        assert!(crate::batch::error_chain(&e).contains("changed while it was checked"));
    }
    // read again: checks
    let h = read_head(&path).unwrap();
    assert!(verify(&h, &path, None).unwrap().is_some());
    assert_eq!(verify_tree(&dst, &[(path, h)]).unwrap().changed, ["a.dcm"]);
}
