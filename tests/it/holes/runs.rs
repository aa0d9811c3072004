//! Holes in `run`: a file that fails while the plan is applied is not written, and renamed
//! outputs carry no source UID in their paths.

use super::*;

#[test]
fn a_file_that_fails_while_the_plan_is_applied_is_not_written() {
    // a regexp result too long for its VR (LO: 64 characters) fails that file alone: no
    // output, no temporary file, a line naming the tag (not the value); the next file
    // is written
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    fs::create_dir_all(&src).unwrap();
    let profile = tmp.path().join("grow.anon");
    fs::write(
        &profile,
        "default keep\n(0010,0020) regexp \"^(ZQX.*)$\" \"$1$1$1$1$1$1$1\"\n",
    )
    .unwrap();
    let mut obj = base();
    obj.put(text(Tag(0x0010, 0x0020), VR::LO, "ZQXTOOLONG"));
    obj.write_to_file(src.join("a-fails.dcm")).unwrap();
    obj.put(text(Tag(0x0010, 0x0020), VR::LO, "ZQXOK"));
    obj.write_to_file(src.join("b-fits.dcm")).unwrap();
    let key = tmp.path().join("key.bin");
    fs::write(&key, KEY).unwrap();
    let out = bin()
        .args(["run", "-q", "-j", "1", "--profile"])
        .arg(&profile)
        .arg("--key-file")
        .arg(&key)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("ZQX"), "a value in the messages: {stderr}");
    let failed = src.join("a-fails.dcm").display().to_string();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&failed)).collect();
    assert_eq!(
        lines,
        [format!(
            "{failed}: the value the plan writes into (0010,0020) does not fit its VR LO: it is longer than the 64 characters LO allows"
        )],
        "{stderr}"
    );
    let written: Vec<PathBuf> = fs::read_dir(&dst)
        .map_err(|e| format!("{e}: {stderr}"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !dicom_anonymizer::audit::manifest::is_manifest(p))
        .map(|p| p.strip_prefix(&dst).unwrap().to_path_buf())
        .collect();
    assert_eq!(written, [PathBuf::from("b-fits.dcm")]);
    let o = open_file(dst.join("b-fits.dcm")).unwrap();
    assert_eq!(
        str_at(&o, &[], Tag(0x0010, 0x0020)).as_deref(),
        Some("ZQXOK".repeat(7).as_str())
    );
}

#[test]
fn rename_uid_puts_no_source_uid_in_any_output_path() {
    // the sample tree with the default profile and `--rename uid`: every path component
    // is a new UID, none is (or holds) a source UID or a source file name
    let samples = root().join("tests/data/samples");
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("out");
    let key = tmp.path().join("key.bin");
    fs::write(&key, KEY).unwrap();
    bin()
        .args(["run", "-q", "--rename", "uid", "--key-file"])
        .arg(&key)
        .arg(&samples)
        .arg(&dst)
        .assert()
        .success();
    let mut source_uids = Vec::new();
    let mut sources = 0;
    for e in walkdir::WalkDir::new(&samples) {
        let e = e.unwrap();
        if !e.file_type().is_file() || e.path().extension().is_none_or(|x| x != "dcm") {
            continue;
        }
        sources += 1;
        let o = open_file(e.path()).unwrap();
        for t in [
            Tag(0x0020, 0x000D),
            Tag(0x0020, 0x000E),
            Tag(0x0008, 0x0018),
        ] {
            let uid = str_at(&o, &[], t).unwrap();
            assert!(uid.len() > 8);
            source_uids.push(uid);
        }
    }
    assert_eq!(sources, 9);
    let outputs: Vec<PathBuf> = walkdir::WalkDir::new(&dst)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| e.path().strip_prefix(&dst).unwrap().to_path_buf())
        .collect();
    assert_eq!(outputs.len(), sources, "{outputs:?}");
    for p in &outputs {
        let shown = p.display().to_string();
        let parts: Vec<String> = p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        assert_eq!(parts.len(), 3, "{shown}");
        for (i, part) in parts.iter().enumerate() {
            let uid = if i == 2 {
                part.strip_suffix(".dcm").unwrap()
            } else {
                part
            };
            assert!(
                uid.starts_with("2.25.") && uid.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
                "{shown}"
            );
        }
        for u in &source_uids {
            assert!(!shown.contains(u.as_str()), "{shown} holds a source UID");
        }
        for name in [
            "IM0001", "IM0002", "DOSE", "REPORT", "ECG", "patient", "site",
        ] {
            assert!(!shown.contains(name), "{shown}");
        }
    }
}
