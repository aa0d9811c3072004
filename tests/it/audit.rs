//! The audit outputs of `run` end to end on the sample tree: the encrypted linkage file
//! (read back by `linkage show`/`find` and by the standard `age` tool, checked against
//! the outputs' own values), the manifest (`check --manifest` finds exactly what a test
//! changes; signatures), and coverage (counts checked against the outputs, read here
//! with dicom-object).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use dicom_core::Tag;
use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_object::{InMemDicomObject, open_file};

use dicom_anonymizer::plan::{Decision, Disposition};
use dicom_anonymizer::profile::{self, Entry};

use crate::support::{bin, root};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn samples() -> PathBuf {
    root().join("tests/data/samples")
}

struct Setup {
    dir: tempfile::TempDir,
    key: PathBuf,
    identity: PathBuf,
    recipient: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.bin");
    std::fs::write(&key, KEY).unwrap();
    let id = age::x25519::Identity::generate();
    let identity = dir.path().join("broker.key");
    std::fs::write(&identity, format!("{}\n", id.to_string().expose_secret())).unwrap();
    Setup {
        recipient: id.to_public().to_string(),
        dir,
        key,
        identity,
    }
}

/// Every DICOM file under `dir` (relative path → absolute path), `.dcm` only.
fn dicom_files(dir: &Path) -> BTreeMap<PathBuf, PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "dcm"))
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                e.path().to_path_buf(),
            )
        })
        .collect()
}

/// The text of an element (a UN one decoded from its bytes, as the engine reads it).
fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.get(tag)
        .and_then(|e| {
            if e.vr() == dicom_core::VR::UN {
                e.to_bytes()
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            } else {
                e.to_str().ok().map(|s| s.into_owned())
            }
        })
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default()
}

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

/// An ed25519 key pair as PEM files (PKCS#8 private, SPKI public), made with ed25519-dalek.
pub(crate) fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let private = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    std::fs::write(
        &private,
        key.to_pkcs8_pem(Default::default()).unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        &public,
        key.verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap(),
    )
    .unwrap();
    (private, public)
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
