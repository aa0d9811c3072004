//! Runs and checks over more files than the tool keeps in memory at once (issue 18): the
//! manifest's entries go through sorted runs on disk and `check` streams its reports,
//! and what they write is what the in-memory versions wrote.

use std::path::{Path, PathBuf};

use dicom_anonymizer::audit::manifest::Manifest;

use crate::support::{bin, root};

/// More inputs than the manifest holds in memory (1024 entries per sorted run).
const INPUTS: usize = 2600;

/// A tree of `inputs` files: the sample DICOM files, copied into many folders, and small
/// files that are not DICOM (skipped, still in the manifest), in names whose order on
/// disk is not their sorted order.
fn tree(dir: &Path, inputs: usize) -> PathBuf {
    let src = dir.join("src");
    let samples: Vec<PathBuf> = walkdir::WalkDir::new(root().join("tests/data/samples"))
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    for i in 0..inputs {
        let folder = src.join(format!("F{:02}", (i * 7) % 23));
        std::fs::create_dir_all(&folder).unwrap();
        if i % 13 == 0 {
            let s = &samples[i / 13 % samples.len()];
            std::fs::copy(s, folder.join(format!("IM{:05}.dcm", i))).unwrap();
        } else {
            std::fs::write(folder.join(format!("x{:05}.txt", inputs - i)), b"not dicom").unwrap();
        }
    }
    src
}

#[test]
fn a_manifest_of_more_entries_than_memory_holds_is_the_in_memory_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let src = tree(dir.path(), INPUTS);
    let dst = dir.path().join("dst");
    let key = dir.path().join("key.bin");
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef").unwrap();
    let (private, public) = crate::audit::key_pair(dir.path(), "sign");
    let out = bin()
        .args(["run", "--quiet", "--jobs", "2", "--key-file"])
        .arg(&key)
        .arg("--sign")
        .arg(&private)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("manifest: {INPUTS} files, signed,")),
        "{stderr}"
    );
    let path = dst.join("manifest.json");
    let bytes = std::fs::read(&path).unwrap();
    let m = Manifest::read(&path).unwrap();
    // the bytes are the in-memory manifest's (serde's own serialisation of all of it)
    assert_eq!(
        String::from_utf8(serde_json::to_vec_pretty(&m).unwrap()).unwrap(),
        String::from_utf8(bytes).unwrap()
    );
    // every input once, in the documented order (by output, then source)
    assert_eq!(m.files.len(), INPUTS);
    let mut sorted = m.files.clone();
    sorted.sort_by(|a, b| (&a.output, &a.source).cmp(&(&b.output, &b.source)));
    assert_eq!(m.files, sorted);
    let sources: std::collections::BTreeSet<&str> =
        m.files.iter().map(|f| f.source.as_str()).collect();
    assert_eq!(sources.len(), INPUTS);
    let written = m.files.iter().filter(|f| f.outcome == "written").count();
    assert_eq!(written, INPUTS.div_ceil(13));
    assert!(m.files.iter().all(|f| f.source_sha256.is_some()));
    // its signature verifies and the tree is what it lists
    let check = bin()
        .args(["check", "--manifest"])
        .arg(&path)
        .arg("--public-key")
        .arg(&public)
        .arg(&dst)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // nothing but the outputs, the manifest and no temporary file is left in DST
    let left: Vec<String> = walkdir::WalkDir::new(&dst)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn check_streams_its_reports_in_the_order_of_the_in_memory_check() {
    use dicom_anonymizer::check::{self, CheckSummary, Checker, FileReport};
    let dir = tempfile::tempdir().unwrap();
    let src = tree(dir.path(), 1300);
    let dst = dir.path().join("dst");
    let key = dir.path().join("key.bin");
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef").unwrap();
    let out = bin()
        .args([
            "run",
            "--quiet",
            "--no-manifest",
            "--profile",
            "builtin:basic",
            "--key-file",
        ])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // outputs with findings, here and there in the order: sources copied in unchanged
    // (no source at their path, values left), files that are not DICOM
    let samples: Vec<PathBuf> = walkdir::WalkDir::new(root().join("tests/data/samples"))
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    for i in 0..60 {
        let folder = dst.join(format!("F{:02}", (i * 5) % 23));
        std::fs::create_dir_all(&folder).unwrap();
        if i % 3 == 0 {
            std::fs::write(folder.join(format!("J{i:03}.dcm")), b"not dicom").unwrap();
        } else {
            std::fs::copy(
                &samples[i % samples.len()],
                folder.join(format!("IM{i:03}x.dcm")),
            )
            .unwrap();
        }
    }
    // the in-memory check: every output in sorted order, then the summary
    let plan = crate::holes::plan_of(&[dicom_anonymizer::profile::Entry::Builtin("basic".into())]);
    let checker = Checker::new(&plan);
    let reports: Vec<FileReport> = check::outputs(&dst)
        .iter()
        .map(|o| checker.check_output(o, &dst, Some(&src)))
        .collect();
    assert!(reports.len() > 4 * 2 * check::WINDOW, "{}", reports.len());
    let mut summary = CheckSummary::default();
    let mut text = String::new();
    for r in &reports {
        summary.add(r);
        for f in &r.findings {
            text.push_str(&format!("{}: {f}\n", r.path.display()));
        }
    }
    text.push_str(&format!("{summary}\n"));
    let with: Vec<&FileReport> = reports.iter().filter(|r| !r.findings.is_empty()).collect();
    assert!(with.len() >= 60, "{}", with.len());
    let json = format!(
        "{}\n",
        serde_json::json!({ "files": with, "summary": summary })
    );
    for (format, want, jobs) in [
        ("text", &text, "1"),
        ("text", &text, "3"),
        ("json", &json, "2"),
    ] {
        let out = bin()
            .args([
                "check",
                "--profile",
                "builtin:basic",
                "--format",
                format,
                "--jobs",
                jobs,
                "--source",
            ])
            .arg(&src)
            .arg(&dst)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            &String::from_utf8(out.stdout).unwrap(),
            want,
            "{format}, {jobs} jobs"
        );
    }
}
