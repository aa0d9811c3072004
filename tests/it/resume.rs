//! Runs that are repeated, interrupted, crowded or faulty (issue 13, items 5, 6, 9, 10):
//! not-DICOM files and outputs already there are skips, `--rename uid` never overwrites
//! or leaves DST, signals stop a run cleanly and a second run resumes it, a lock keeps
//! two runs apart, a killed run's temporary files are removed, a FIFO does not hang the
//! run, a failing stderr does not break it. Every test runs the real binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::tags;

use crate::support::{bin, root};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
const LIMIT: Duration = Duration::from_secs(120);

fn sample() -> PathBuf {
    root().join("tests/data/samples/site-a/patient-1/mr/IM0001.dcm")
}

fn key(dir: &Path) -> PathBuf {
    let p = dir.join("key.bin");
    std::fs::write(&p, KEY).unwrap();
    p
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The files under `dir`, except the run's own manifest (`DST/manifest.json`, written by
/// every run: docs/audit.md).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .filter(|p| p != Path::new("manifest.json"))
        .collect();
    v.sort();
    v
}

fn report_lines(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn run(dir: &Path, src: &Path, dst: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("run")
        .arg("--key-file")
        .arg(key(dir))
        .args(extra)
        .arg(src)
        .arg(dst)
        .timeout(LIMIT)
        .output()
        .unwrap()
}

#[test]
fn not_dicom_and_outputs_already_there_are_skips() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(sample(), src.join("a.dcm")).unwrap();
    std::fs::write(src.join("README"), "scans of 2024, ask Jane Doe\n").unwrap();
    std::fs::write(
        src.join(".DS_Store"),
        [0u8, 0, 0, 1, b'B', b'u', b'd', b'1'],
    )
    .unwrap();
    std::fs::write(src.join("Thumbs.db"), [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1]).unwrap();
    let dst = d.path().join("out");
    let report = d.path().join("r.jsonl");
    let rep = report.to_str().unwrap();
    let out = run(d.path(), &src, &dst, &["--report", rep]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("1 written, 3 skipped (3 not DICOM), 0 failed"),
        "{err}"
    );
    assert!(err.contains("README: skipped: not DICOM"), "{err}");
    assert!(!err.contains("Jane"), "{err}");
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 4);
    let skipped: Vec<_> = lines.iter().filter(|l| l["outcome"] == "skipped").collect();
    assert_eq!(skipped.len(), 3);
    assert!(
        skipped
            .iter()
            .all(|l| l["error"].as_str().unwrap().starts_with("not DICOM"))
    );
    assert_eq!(files_under(&dst), vec![PathBuf::from("a.dcm")]);
    let first = std::fs::read(dst.join("a.dcm")).unwrap();
    // again: the output is there, nothing is written, exit 0
    let out = run(d.path(), &src, &dst, &["--report", rep]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("0 written, 4 skipped (3 not DICOM, 1 already there), 0 failed"),
        "{err}"
    );
    let lines = report_lines(&report);
    let a = lines
        .iter()
        .find(|l| l["source"].as_str().unwrap().ends_with("a.dcm"))
        .unwrap();
    assert_eq!(a["outcome"], "skipped");
    assert!(a["error"].as_str().unwrap().starts_with("exists"), "{a}");
    // --overwrite replaces it (with the same bytes: same key)
    let out = run(d.path(), &src, &dst, &["--overwrite"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 written"));
    assert_eq!(std::fs::read(dst.join("a.dcm")).unwrap(), first);
}

/// In a folder that was there before the run, an output already there is a skip and its
/// input is not read; in a folder the run made, nothing can be there before it (no look:
/// issue 13's speed), and the outputs are written.
#[test]
fn an_output_there_in_a_folder_the_run_did_not_make_is_skipped_unread() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    for sub in ["old", "new"] {
        std::fs::create_dir_all(src.join(sub)).unwrap();
        std::fs::copy(sample(), src.join(sub).join("1.dcm")).unwrap();
        // read, this one would be a skip as not DICOM: "exists" proves it was not read
        std::fs::write(src.join(sub).join("2.dcm"), b"not a DICOM file at all").unwrap();
    }
    let dst = d.path().join("out");
    std::fs::create_dir_all(dst.join("old")).unwrap();
    std::fs::write(dst.join("old/2.dcm"), b"an earlier output").unwrap();
    let report = d.path().join("r.jsonl");
    let out = run(
        d.path(),
        &src,
        &dst,
        &["--jobs", "1", "--report", report.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reason = |rel: &str| {
        let lines = report_lines(&report);
        let l = lines
            .iter()
            .find(|l| l["source"].as_str().unwrap().ends_with(rel))
            .unwrap_or_else(|| panic!("{rel} not in the report"))
            .clone();
        (
            l["outcome"].as_str().unwrap().to_string(),
            l["error"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(reason("old/1.dcm").0, "written");
    let (outcome, why) = reason("old/2.dcm");
    assert_eq!(outcome, "skipped");
    assert!(why.starts_with("exists"), "{why}");
    assert_eq!(
        std::fs::read(dst.join("old/2.dcm")).unwrap(),
        b"an earlier output"
    );
    assert_eq!(reason("new/1.dcm").0, "written");
    let (outcome, why) = reason("new/2.dcm");
    assert_eq!(outcome, "skipped");
    assert!(why.starts_with("not DICOM"), "{why}");
}

#[test]
fn the_readme_command_works_twice() {
    let d = tempfile::tempdir().unwrap();
    let dst = d.path().join("deidentified");
    for _ in 0..2 {
        let out = bin()
            .arg("run")
            .arg(root().join("tests/data/samples"))
            .arg(&dst)
            .timeout(LIMIT)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert_eq!(files_under(&dst).len(), 9);
}

/// A copy of the sample with these UIDs (written as given, even when malformed).
fn with_uids(path: &Path, study: &str, series: &str, sop: &str) {
    let mut obj = dicom_object::open_file(sample()).unwrap();
    for (tag, v) in [
        (tags::STUDY_INSTANCE_UID, study),
        (tags::SERIES_INSTANCE_UID, series),
        (tags::SOP_INSTANCE_UID, sop),
    ] {
        obj.put(DataElement::new(tag, VR::UI, PrimitiveValue::from(v)));
    }
    obj.put(DataElement::new(
        tags::PATIENT_NAME,
        VR::PN,
        dicom_value!(Str, "Doe^Jane"),
    ));
    obj.write_to_file(path).unwrap();
}

#[test]
fn renaming_by_uid_again_skips_what_is_there_and_leaves_no_temporary_file() {
    // the output's name is known only after the read: the rename finds it there (no look
    // before it), the file is left as it was and the temporary file is removed
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(sample(), src.join("a.dcm")).unwrap();
    let dst = d.path().join("out");
    let first = run(d.path(), &src, &dst, &["--rename", "uid"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let written = files_under(&dst);
    assert_eq!(written.len(), 1, "{written:?}");
    std::fs::write(dst.join(&written[0]), b"kept as it is").unwrap();
    let again = run(d.path(), &src, &dst, &["--rename", "uid"]);
    let err = stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{err}");
    assert!(
        err.contains("0 written, 1 skipped (1 already there)"),
        "{err}"
    );
    assert_eq!(files_under(&dst), written);
    assert_eq!(
        std::fs::read(dst.join(&written[0])).unwrap(),
        b"kept as it is"
    );
}

#[test]
fn renaming_by_uid_never_overwrites_and_never_leaves_dst() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    // three patients' files that share their UIDs: one output name
    for name in ["p1.dcm", "p2.dcm", "p3.dcm"] {
        std::fs::copy(sample(), src.join(name)).unwrap();
    }
    let dst = d.path().join("out");
    let out = run(d.path(), &src, &dst, &["--rename", "uid"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("1 written, 0 skipped, 2 failed"), "{err}");
    assert_eq!(err.matches("the same output").count(), 2, "{err}");
    assert_eq!(files_under(&dst).len(), 1);
    // retained UIDs that would climb out of DST or into a folder
    let src2 = d.path().join("in2");
    std::fs::create_dir_all(&src2).unwrap();
    with_uids(&src2.join("a.dcm"), "..", "../..", "x/y");
    with_uids(&src2.join("b.dcm"), "1.2.3", "1.2.3.4", "1..2");
    let dst2 = d.path().join("deep/out");
    let out = run(
        d.path(),
        &src2,
        &dst2,
        &["--rename", "uid", "--option", "retain-uids"],
    );
    let err = stderr(&out);
    // everything written lies under DST, nothing next to it
    for f in files_under(&dst2) {
        assert!(
            f.components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "{f:?}"
        );
        assert!(f.to_str().unwrap().contains("unknown"), "{f:?}: {err}");
    }
    assert_eq!(
        std::fs::read_dir(d.path().join("deep")).unwrap().count(),
        1,
        "{err}"
    );
    assert!(!d.path().join("x").exists());
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_source_is_skipped_not_waited_for() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(sample(), src.join("a.dcm")).unwrap();
    crate::support::mkfifo(&src.join("pipe"));
    let out = run(d.path(), &src, &d.path().join("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("pipe: skipped: a named pipe (FIFO), not a regular file"),
        "{err}"
    );
}

/// The walk saw a regular file; by the time a worker opens it, it is a FIFO. The open
/// must not wait for a writer: the file fails at once, with the reason, and nothing is
/// written.
#[cfg(target_os = "linux")]
#[test]
fn a_file_swapped_for_a_fifo_after_the_walk_fails_without_waiting() {
    use dicom_anonymizer::batch::{Batch, RunOptions};
    use dicom_anonymizer::engine::{Engine, Keys};
    use dicom_anonymizer::io::report::Outcome;
    use dicom_anonymizer::io::walk::Job;
    use dicom_anonymizer::profile::{self, Entry};
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    let file = src.join("a.dcm");
    std::fs::copy(sample(), &file).unwrap();
    let seen = Some(std::fs::metadata(&file).unwrap().file_type());
    std::fs::remove_file(&file).unwrap();
    crate::support::mkfifo(&file);
    let out = d.path().join("out");
    let (tx, rx) = std::sync::mpsc::channel();
    let (file2, out2) = (file.clone(), out.clone());
    std::thread::spawn(move || {
        let plan = profile::compile(&[Entry::Builtin("basic".into())])
            .plan
            .unwrap();
        let keys = Keys::from_bytes(b"a-fifo-swapped-in-after-the-walk");
        let batch = Batch::new(
            Engine::new(&plan, &keys),
            RunOptions::default(),
            &src,
            &out2,
        );
        let job = Job {
            src: file2,
            rel: PathBuf::from("a.dcm"),
            dst: out2.join("a.dcm"),
            seen,
        };
        let o = batch.process(&job);
        tx.send((o.outcome, o.error)).unwrap();
    });
    let (outcome, error) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("opening the FIFO blocked");
    assert_eq!(outcome, Outcome::Failed);
    let error = error.unwrap();
    assert!(error.contains("not a regular file"), "{error}");
    assert!(!out.join("a.dcm").exists());
}

#[cfg(target_os = "linux")]
#[test]
fn a_failing_stderr_breaks_nothing() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(sample(), src.join("a.dcm")).unwrap();
    for i in 0..20 {
        std::fs::write(src.join(format!("t{i}.dcm")), b"\x00\x00\x00\x00truncated").unwrap();
    }
    let report = d.path().join("r.jsonl");
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicom-anonymizer"))
        .arg("run")
        .arg("--key-file")
        .arg(key(d.path()))
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(d.path().join("out"))
        .stderr(std::fs::File::create("/dev/full").unwrap())
        .status()
        .unwrap();
    // not 101 (a panic): the run's own status
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
    assert_eq!(report_lines(&report).len(), 21);
    assert!(d.path().join("out/a.dcm").is_file());
}

#[test]
fn one_run_per_output_and_a_killed_runs_leftovers_are_removed() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(sample(), src.join("a.dcm")).unwrap();
    let dst = d.path().join("out");
    std::fs::create_dir_all(dst.join("sub")).unwrap();
    // a live run holds the lock: this process
    let lock = dst.join(".dcmanon.lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let out = run(d.path(), &src, &dst, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("another run"), "{}", stderr(&out));
    assert!(!dst.join("a.dcm").exists());
    // a killed run: its process is gone, its temporary files are left
    std::fs::write(&lock, "4194999\n").unwrap();
    std::fs::write(dst.join("sub/.dcmanon-Ab12Cd.tmp"), b"half a file").unwrap();
    std::fs::write(dst.join("keep.tmp"), b"not ours").unwrap();
    let out = run(d.path(), &src, &dst, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed 1 temporary file"));
    assert_eq!(
        files_under(&dst),
        vec![PathBuf::from("a.dcm"), PathBuf::from("keep.tmp")]
    );
}

#[cfg(unix)]
#[test]
fn a_signal_stops_the_run_cleanly_and_a_second_run_resumes() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    let n = 600;
    for i in 0..n {
        let dir = src.join(format!("s{}", i % 10));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(sample(), dir.join(format!("f{i:04}.dcm"))).unwrap();
    }
    let dst = d.path().join("out");
    let report = d.path().join("r.jsonl");
    for signal in ["-INT", "-TERM"] {
        let _ = std::fs::remove_dir_all(&dst);
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicom-anonymizer"))
            .arg("run")
            .args(["-j", "1", "--key-file"])
            .arg(key(d.path()))
            .arg("--report")
            .arg(&report)
            .arg(&src)
            .arg(&dst)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // mid-run: some outputs there
        let start = Instant::now();
        while files_under(&dst)
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "dcm"))
            .count()
            < 5
        {
            assert!(start.elapsed() < LIMIT, "the run did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        let ok = std::process::Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{signal}: {err}");
        assert!(err.contains("interrupted:"), "{err}");
        assert!(err.contains(" written, "), "no summary: {err}");
        let written = files_under(&dst);
        assert!(written.len() < n, "the run was not stopped mid-way");
        assert!(
            written
                .iter()
                .all(|f| f.extension().is_some_and(|e| e == "dcm")),
            "temporary files or a lock left: {written:?}"
        );
        let lines = report_lines(&report);
        assert_eq!(
            lines.iter().filter(|l| l["outcome"] == "written").count(),
            written.len()
        );
        // again: the rest is done, what was there is skipped
        let out = run(d.path(), &src, &dst, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(
            err.contains(&format!(
                "{} written, {} skipped ({} already there)",
                n - written.len(),
                written.len(),
                written.len()
            )),
            "{err}"
        );
        assert_eq!(files_under(&dst).len(), n);
    }
}
