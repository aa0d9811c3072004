//! The command line: bad files fail alone, usage errors exit 2, dry runs, overwriting,
//! rules and options on the command line, renaming, closed pipes, the streamed run.

use super::*;

#[test]
fn bad_files_fail_alone_and_dicomdirs_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(corpus("pydicom__CT_small.dcm"), src.join("good.dcm")).unwrap();
    std::fs::write(src.join("notes.txt"), "patient notes, not DICOM\n").unwrap();
    std::fs::write(src.join("empty.dcm"), b"").unwrap();
    std::fs::copy(
        corpus("pydicom__dicomdirtests_DICOMDIR"),
        src.join("DICOMDIR"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let report = dir.path().join("report.jsonl");
    let key = key_file(dir.path());
    let r = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(&out)
        .assert()
        .code(0);
    let stderr = String::from_utf8(r.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("notes.txt: skipped: not DICOM"), "{stderr}");
    assert!(stderr.contains("empty.dcm: skipped: not DICOM"), "{stderr}");
    assert!(stderr.contains("DICOMDIR: skipped"), "{stderr}");
    assert!(
        stderr.contains("1 written, 3 skipped (2 not DICOM), 0 failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("patient notes"));
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        [Path::new("good.dcm")]
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    let by_name = |n: &str| {
        lines
            .iter()
            .find(|l| l["source"].as_str().unwrap().ends_with(n))
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("good.dcm")["outcome"], "written");
    assert!(by_name("good.dcm")["counts"]["delete"].as_u64().unwrap() > 0);
    assert!(
        by_name("good.dcm")["output"]
            .as_str()
            .unwrap()
            .ends_with("good.dcm")
    );
    assert_eq!(by_name("DICOMDIR")["outcome"], "skipped");
    assert_eq!(by_name("notes.txt")["outcome"], "skipped");
    assert!(by_name("notes.txt").get("output").is_none());
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(corpus("pydicom__CT_small.dcm"), src.join("a.dcm")).unwrap();
    let key = key_file(dir.path());
    // the output inside the source
    let r = bin()
        .args(["run", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(src.join("out"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&r.get_output().stderr).contains("is inside the source"));
    assert!(!src.join("out").exists());
    // a profile that does not compile
    let bad = dir.path().join("bad.anon");
    std::fs::write(&bad, "PatientNme delete\n").unwrap();
    let r = bin()
        .args(["run", "--profile"])
        .arg(&bad)
        .arg(&src)
        .arg(dir.path().join("o1"))
        .assert()
        .code(2);
    assert!(
        String::from_utf8_lossy(&r.get_output().stderr).contains("anon::compile::unknown_keyword")
    );
    assert!(!dir.path().join("o1").exists());
    // a missing source, a short key
    bin()
        .args(["run", "--key-file"])
        .arg(&key)
        .arg(dir.path().join("nope"))
        .arg(dir.path().join("o2"))
        .assert()
        .code(2);
    std::fs::write(dir.path().join("short.key"), b"short").unwrap();
    bin()
        .args(["run", "--key-file"])
        .arg(dir.path().join("short.key"))
        .arg(&src)
        .arg(dir.path().join("o3"))
        .assert()
        .code(2);
    assert!(!dir.path().join("o3").exists());
}

#[test]
fn dry_run_overwrite_and_the_old_form() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let src = corpus("pydicom__CT_small.dcm");
    let out = dir.path().join("out.dcm");
    bin()
        .args(["run", "--dry-run", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert!(!out.exists(), "--dry-run writes nothing");
    // the old tool's form: SRC DST
    bin()
        .arg("--key-file")
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert!(out.exists());
    // an existing output is skipped (a run again resumes), unless --overwrite
    let again = bin()
        .args(["run", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&again.get_output().stderr).into_owned();
    assert!(
        stderr.contains("0 written, 1 skipped (1 already there)"),
        "{stderr}"
    );
    bin()
        .args(["run", "--overwrite", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    // without a key: a warning, and it still works
    let r = bin()
        .args(["run", "--overwrite"])
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&r.get_output().stderr).contains("random key"));
}

#[test]
fn command_line_rules_options_and_renaming() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(dir.path());
    let src = corpus("pydicom__CT_small.dcm");
    let json = dir.path().join("extra.json");
    std::fs::write(
        &json,
        r#"{"keep": [["0x0008", "0x0070"]], "replace": [["0x0018", "0x1030"]]}"#,
    )
    .unwrap();
    let out = dir.path().join("renamed");
    bin()
        .args([
            "run",
            "-q",
            "--rename",
            "uid",
            "--keep-private",
            "--option",
            "retain-uids",
        ])
        .args([
            "-t",
            "PatientID",
            r#"replace "SUBJ-001""#,
            "-t",
            "(0x0010, 0x0040)",
            "keep",
        ])
        .arg("--extra-rules")
        .arg(&json)
        .arg("--key-file")
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let files: Vec<PathBuf> = tree(&out).into_keys().collect();
    assert_eq!(files.len(), 1);
    let o = open_file(out.join(&files[0])).unwrap();
    let s = open_file(&src).unwrap();
    let text = |obj: &InMemDicomObject, t: Tag| {
        obj.get(t).map(|e| {
            e.to_str()
                .unwrap()
                .trim_end_matches(['\0', ' '])
                .to_string()
        })
    };
    assert_eq!(text(&o, tags::PATIENT_ID).as_deref(), Some("SUBJ-001"));
    assert_eq!(
        text(&o, tags::PATIENT_SEX),
        text(&s, tags::PATIENT_SEX),
        "-t keep"
    );
    // retain-uids keeps the original UIDs, and the file is named from them
    let sop = text(&o, tags::SOP_INSTANCE_UID).unwrap();
    assert_eq!(Some(sop.clone()), text(&s, tags::SOP_INSTANCE_UID));
    let expected = Path::new(&text(&o, tags::STUDY_INSTANCE_UID).unwrap())
        .join(text(&o, tags::SERIES_INSTANCE_UID).unwrap())
        .join(format!("{sop}.dcm"));
    assert_eq!(files[0], expected);
    // private elements kept (CT_small has some)
    assert!(
        o.iter()
            .any(|e| e.tag().group() % 2 == 1 && e.tag().element() >= 0x1000)
    );
    // --keep-private keeps every private element: the Basic Profile is not satisfied,
    // and the output claims nothing (PS3.15 Table E.1-1, "(gggg,eeee) where gggg is odd")
    assert_eq!(text(&o, tags::PATIENT_IDENTITY_REMOVED), None);
    assert!(o.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE).is_none());
    let method = text(&o, tags::DEIDENTIFICATION_METHOD).unwrap();
    assert!(
        method.ends_with(dicom_anonymizer::engine::NOT_CONFORMANT),
        "{method}"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    // the plan with every safe private rule is larger than a pipe buffer
    for args in [
        vec!["plan", "--option", "retain-safe-private"],
        vec!["completions", "zsh"],
    ] {
        let mut child =
            std::process::Command::new(assert_cmd::cargo::cargo_bin("dicom-anonymizer"))
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // stdout is closed now, like `plan | head -c 16`
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// The streamed run (walk → bounded queue → workers, as `run` does it) gives every input
/// the outcome the listed run gives it, once; a cancelled one starts none and counts them.
#[test]
fn the_streamed_run_has_the_outcomes_of_the_listed_run() {
    use dicom_anonymizer::batch::{Batch, RunOptions};
    use dicom_anonymizer::engine::{Engine, Keys};
    use dicom_anonymizer::io::report::FileOutcome;
    use dicom_anonymizer::io::walk;
    use std::sync::Mutex;

    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(src.join("a/b")).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/data/corpus/files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .take(24)
        .collect();
    for (i, f) in files.iter().enumerate() {
        let folder = if i % 3 == 0 {
            src.join("a/b")
        } else {
            src.clone()
        };
        std::fs::copy(f, folder.join(format!("f{i:02}.dcm"))).unwrap();
    }
    std::fs::write(src.join("a/not-dicom.txt"), b"hello").unwrap();
    let dst = d.path().join("out");
    let plan = profile::compile(&[Entry::Builtin("basic".into())])
        .plan
        .unwrap();
    let keys = Keys::from_bytes(b"streamed run test key, not secret");
    let options = RunOptions {
        dry_run: true,
        jobs: 2,
        ..RunOptions::default()
    };
    let summary = |o: &FileOutcome| {
        (
            o.source.clone(),
            o.outcome,
            o.error.clone(),
            o.counts.clone(),
        )
    };
    let listed = Mutex::new(Vec::new());
    let inputs = walk::discover(&src, &dst, None, None).unwrap();
    Batch::new(Engine::new(&plan, &keys), options.clone(), &src, &dst)
        .run(&inputs, &|o| listed.lock().unwrap().push(summary(o)))
        .unwrap();
    let streamed = Mutex::new(Vec::new());
    let batch = Batch::new(Engine::new(&plan, &keys), options.clone(), &src, &dst);
    let stream = walk::stream(&src, &dst, None, None, walk::WalkOptions::default()).unwrap();
    let not_started = batch
        .run_stream(stream, &|o| streamed.lock().unwrap().push(summary(o)))
        .unwrap();
    assert_eq!(not_started, 0);
    let (mut listed, mut streamed) = (listed.into_inner().unwrap(), streamed.into_inner().unwrap());
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    streamed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(listed.len(), 25);
    assert_eq!(streamed, listed);
    // the walk's order is the sorted order of `discover`
    let walked: Vec<_> = walk::stream(&src, &dst, None, None, walk::WalkOptions::default())
        .unwrap()
        .collect();
    assert_eq!(walked, inputs);

    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let batch = Batch::new(Engine::new(&plan, &keys), options, &src, &dst).with_cancel(cancel);
    let stream = walk::stream(&src, &dst, None, None, walk::WalkOptions::default()).unwrap();
    let seen = Mutex::new(0);
    let not_started = batch
        .run_stream(stream, &|_| *seen.lock().unwrap() += 1)
        .unwrap();
    assert_eq!((not_started, *seen.lock().unwrap()), (25, 0));
}
