//! Every output of the corpus parses with dcmdump (DCMTK) and checks clean.

use super::*;

#[test]
fn every_corpus_output_parses_with_dcmdump_and_checks_clean() {
    // the whole test corpus through the binary: every output is valid for DCMTK, and
    // `check --source` finds nothing in any of them
    let tmp = tempfile::tempdir().unwrap();
    let src = crate::support::root().join("tests/data/corpus/files");
    let dst = tmp.path().join("out");
    let key = key_file(tmp.path());
    let out = bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.ends_with("\n")
            && stderr
                .lines()
                .last()
                .unwrap()
                // dicognito__burned_in_yes.dcm: Burned In Annotation YES, no signature
                .starts_with("218 written, 5 skipped (1 not DICOM), 1 rejected, 70 flagged burned-in-risk (review them), 3 failed"),
        "{stderr}"
    );
    let outputs: Vec<PathBuf> = fs::read_dir(&dst)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !dicom_anonymizer::audit::manifest::is_manifest(p))
        .collect();
    assert_eq!(outputs.len(), 218);
    // one dcmdump for all of them (it names the file in its error lines)
    if let Ok(out) = std::process::Command::new("dcmdump")
        .arg("-q")
        .args(&outputs)
        .output()
    {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("E:") || l.starts_with("F:"))
            .collect();
        assert!(out.status.success() && errors.is_empty(), "{errors:#?}");
    } else {
        crate::support::skipped("dcmdump (DCMTK) is not installed: validating outputs with it");
    }
    let check = bin()
        .arg("check")
        .arg("--source")
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(stdout, "checked 218 files: 218 clean, 0 with findings\n");
    assert_eq!(check.status.code(), Some(0));
}
