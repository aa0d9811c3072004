//! Bad inputs and a full output disk: one line each, no output, the rest of the run alone.

use super::*;

fn offset_of(bytes: &[u8], needle: &[u8]) -> usize {
    find_all(bytes, needle)[0]
}

/// Runs the binary as `nobody` when the tests run as root (root ignores permission bits),
/// with `setpriv` or else `runuser` (util-linux); `None` when permissions cannot be tested
/// (as root with neither: a failure when `CI` is set).
fn permission_runner() -> Option<Vec<String>> {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        return Some(Vec::new());
    }
    let candidates: [&[&str]; 2] = [
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &["runuser", "-u", "nobody", "--"],
    ];
    for argv in candidates {
        // it must really drop privileges
        let works = std::process::Command::new(argv[0])
            .args(&argv[1..])
            .args(["sh", "-c", "test \"$(id -u)\" != 0"])
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return Some(argv.iter().map(|a| a.to_string()).collect());
        }
    }
    crate::support::skipped("running as root without setpriv or runuser: the permission cases");
    None
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

/// A reason with its byte offsets (`at byte 770`) and temporary paths (`at path "…"`)
/// replaced by `N`, so that it can be compared with the documented text.
fn normalize_offsets(reason: &str) -> String {
    let mut out = reason.to_string();
    if let Some(i) = out.find(" at path \"") {
        out.replace_range(i.., " at path N");
    }
    if let Some(i) = out.find("(at byte ") {
        let digits = out
            .get(i + 9..)
            .unwrap()
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        out.replace_range(i + 9..i + 9 + digits, "N");
    }
    out
}

#[test]
#[cfg(unix)]
fn bad_inputs_fail_alone_with_one_line_each() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    fs::create_dir_all(src.join("sub")).unwrap();
    fs::create_dir_all(&dst).unwrap();
    let corpus = crate::support::root().join("tests/data/corpus/files");
    let put = |rel: &str, bytes: &[u8]| fs::write(src.join(rel), bytes).unwrap();

    // two good files
    fs::copy(corpus.join("pydicom__CT_small.dcm"), src.join("good-1.dcm")).unwrap();
    fs::copy(
        corpus.join("pydicom__MR_small.dcm"),
        src.join("sub/good-2.dcm"),
    )
    .unwrap();

    let image = marked_image();
    let pn = offset_of(&image, format!("{}^ROOT", m(1)).as_bytes());
    let deep_pn = offset_of(&image, m(4).as_bytes());
    let pixels = offset_of(&image, b"\xe0\x7f\x10\x00OB");
    let meta = raw::meta_elements(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1));
    let data_set = &image[132 + 12 + meta.iter().map(Vec::len).sum::<usize>()..];
    let mut random = Vec::with_capacity(4096);
    let mut x: u32 = 0x9E37_79B9;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        random.push(x as u8);
    }
    random[0] = 0xFF;
    let mut no_dicm = vec![0u8; 128];
    no_dicm.extend_from_slice(b"DICX");
    no_dicm.extend_from_slice(&image[132..]);
    let mut no_group_length = vec![0u8; 128];
    no_group_length.extend_from_slice(b"DICM");
    no_group_length.extend(meta.concat());
    no_group_length.extend_from_slice(data_set);
    let without_ts: Vec<Vec<u8>> = meta
        .iter()
        .filter(|e| e[..4] != [0x02, 0x00, 0x10, 0x00])
        .cloned()
        .collect();
    let no_ts = raw::part10(&[0; 128], &without_ts, None, data_set);
    let mut too_long = image.clone();
    // the root Patient Name's 16-bit length says 0xFFF0
    too_long[pn - 2..pn].copy_from_slice(&0xFFF0u16.to_le_bytes());
    let mut endless = raw::simple(raw::EXPLICIT_LE, raw::CT_IMAGE, &src_uid(1), &sop(1));
    endless.extend_from_slice(b"\x08\x00\x15\x92SQ\0\0\xff\xff\xff\xff");
    endless.extend(items_undefined(&[ex(0x0010, 0x0010, b"PN", &txt(&m(5)))]));
    endless.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    endless.extend(ex(0x0010, 0x0020, b"LO", &txt(&m(6))));

    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty.dcm", Vec::new()),
        ("random.bin", random),
        (
            "notes.txt",
            format!("patient {} seen today\n", m(1)).into_bytes(),
        ),
        ("cut-in-header.dcm", image[..pn + 4].to_vec()),
        ("sub/cut-in-sequence.dcm", image[..deep_pn + 4].to_vec()),
        ("cut-in-pixels.dcm", image[..pixels + 40].to_vec()),
        ("preamble-without-dicm.dcm", no_dicm),
        ("meta-without-group-length.dcm", no_group_length),
        ("meta-without-transfer-syntax.dcm", no_ts),
        ("length-past-the-end.dcm", too_long),
        ("sequence-never-ends.dcm", endless),
    ];
    for (rel, bytes) in &bad {
        put(rel, bytes);
    }
    fs::copy(
        corpus.join("pydicom__dicomdirtests_DICOMDIR"),
        src.join("sub/DICOMDIR"),
    )
    .unwrap();
    let mut expected: Vec<String> = bad.iter().map(|(r, _)| r.to_string()).collect();
    expected.push("sub/DICOMDIR".into());
    // the reason printed after `PATH: ` (byte offsets written as N)
    let not_dicom =
        "skipped: not DICOM: no `DICM` prefix and the first bytes are not a data element";
    let mut reasons: BTreeMap<&str, String> = [
        ("empty.dcm", "skipped: not DICOM: the file is empty"),
        ("random.bin", not_dicom),
        ("notes.txt", not_dicom),
        (
            "cut-in-header.dcm",
            "truncated file: it ends inside the header (at byte N)",
        ),
        (
            "sub/cut-in-sequence.dcm",
            "truncated file: it ends inside sequence (0008,9215) (at byte N)",
        ),
        (
            "cut-in-pixels.dcm",
            "truncated file: it ends inside the pixel data (at byte N)",
        ),
        ("preamble-without-dicm.dcm", not_dicom),
        (
            "meta-without-group-length.dcm",
            "unreadable: the file meta group has no group length (0002,0000)",
        ),
        (
            "meta-without-transfer-syntax.dcm",
            "unreadable: the file meta group has no transfer syntax (0002,0010)",
        ),
        (
            "length-past-the-end.dcm",
            "truncated file: it ends inside the header (at byte N)",
        ),
        (
            "sequence-never-ends.dcm",
            "truncated file: it ends inside sequence (0008,9215) (at byte N)",
        ),
        (
            "sub/DICOMDIR",
            "skipped: a DICOMDIR (it lists patient names; it is never copied)",
        ),
        ("sub/loop", "symbolic link loop"),
        (
            "broken-link.dcm",
            "broken symbolic link or file removed during the walk",
        ),
        (
            "unreadable.dcm",
            "could not read the file: Permission denied (os error 13)",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    reasons.insert(
        "read-only-output/good.dcm",
        format!(
            "cannot create a file in `{}`: Permission denied (os error 13) at path N",
            dst.join("read-only-output").display()
        ),
    );

    // a symbolic link loop and a broken link
    std::os::unix::fs::symlink("..", src.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("nowhere.dcm", src.join("broken-link.dcm")).unwrap();
    expected.push("sub/loop".into());
    expected.push("broken-link.dcm".into());

    // permissions: an unreadable input, and an output folder that is read-only
    let runner = permission_runner();
    if runner.is_some() {
        fs::copy(
            corpus.join("pydicom__CT_small.dcm"),
            src.join("unreadable.dcm"),
        )
        .unwrap();
        fs::create_dir_all(src.join("read-only-output")).unwrap();
        fs::copy(
            corpus.join("pydicom__CT_small.dcm"),
            src.join("read-only-output/good.dcm"),
        )
        .unwrap();
        fs::create_dir_all(dst.join("read-only-output")).unwrap();
        expected.push("unreadable.dcm".into());
        expected.push("read-only-output/good.dcm".into());
    }
    // everything readable by `nobody`, then the two permission cases
    for entry in walkdir::WalkDir::new(tmp.path()) {
        let entry = entry.unwrap();
        if entry.path_is_symlink() {
            continue;
        }
        chmod(
            entry.path(),
            if entry.file_type().is_dir() {
                0o777
            } else {
                0o644
            },
        );
    }
    if runner.is_some() {
        chmod(&src.join("unreadable.dcm"), 0o000);
        chmod(&dst.join("read-only-output"), 0o555);
    }

    let key = key_file(tmp.path());
    chmod(&key, 0o644);
    let bin_path = assert_cmd::cargo::cargo_bin("dicom-anonymizer");
    let mut argv: Vec<std::ffi::OsString> = runner
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    argv.push(bin_path.into());
    argv.extend(["run", "-q", "-j", "2", "--key-file"].map(Into::into));
    argv.extend([key.into_os_string(), src.clone().into(), dst.clone().into()]);
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains(MARKER),
        "a value in the messages: {stderr}"
    );
    assert!(!stderr.contains("CompressedSamples"), "{stderr}");

    // one line per bad input, naming it
    let lines: Vec<&str> = stderr.lines().collect();
    for rel in &expected {
        let path = src.join(rel).display().to_string();
        let mine: Vec<&&str> = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{path}: ")))
            .collect();
        assert_eq!(mine.len(), 1, "{rel}: {mine:?}\n{stderr}");
        let reason = mine[0].get(path.len() + 2..).unwrap();
        let normalized = normalize_offsets(reason);
        assert_eq!(
            Some(&normalized),
            reasons.get(rel.as_str()),
            "{rel}: the reason"
        );
    }
    // and nothing else but the summary
    let other: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            !expected
                .iter()
                .any(|r| l.starts_with(&src.join(r).display().to_string()))
        })
        .collect();
    assert_eq!(other.len(), 1, "{other:?}");
    // the DICOMDIR and the four files that are not DICOM are skips, the rest failures
    assert!(
        other[0].starts_with("2 written, 5 skipped (4 not DICOM),"),
        "{other:?}"
    );

    // the good files are written and valid; nothing else is, and no temporary file is left
    let written: Vec<PathBuf> = walkdir::WalkDir::new(&dst)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| e.path().strip_prefix(&dst).unwrap().to_path_buf())
        .collect();
    let mut written_sorted = written.clone();
    written_sorted.sort();
    assert_eq!(
        written_sorted,
        [PathBuf::from("good-1.dcm"), PathBuf::from("sub/good-2.dcm")]
    );
    for rel in &written {
        assert_eq!(dcmdump_errors(&dst.join(rel)).unwrap_or_default(), "");
    }
    if runner.is_some() {
        chmod(&dst.join("read-only-output"), 0o755);
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_output_disk_fails_the_file_and_leaves_nothing() {
    // a 64 KiB tmpfs mounted in a private mount namespace (`unshare`; as root, or as a
    // user where unprivileged user namespaces are allowed): a 200 KB output does not fit,
    // a 39 KB one does
    let usable = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !usable {
        crate::support::skipped("`unshare -rm` is not available here: the full-disk case");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in");
    let dst = tmp.path().join("out");
    fs::create_dir_all(&src).unwrap();
    fs::create_dir_all(&dst).unwrap();
    let corpus = crate::support::root().join("tests/data/corpus/files");
    fs::copy(corpus.join("pydicom__CT_small.dcm"), src.join("small.dcm")).unwrap();
    let mut ds = [
        ex(0x0008, 0x0016, b"UI", &uid(raw::SC_IMAGE)),
        ex(0x0008, 0x0018, b"UI", &uid(&src_uid(161))),
    ]
    .concat();
    ds.extend(image_module());
    ds.extend(ex(0x7FE0, 0x0010, b"OB", &vec![3u8; 200_000]));
    fs::write(
        src.join("big.dcm"),
        raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, &src_uid(161), &ds),
    )
    .unwrap();
    let key = key_file(tmp.path());
    let bin_path = assert_cmd::cargo::cargo_bin("dicom-anonymizer");
    let script = r#"mount -t tmpfs -o size=64k tmpfs "$3" || exit 99
"$1" run -q -j 1 --key-file "$2" "$4" "$3"; rc=$?
cd "$3" && find . | sort; exit $rc"#;
    let out = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(bin_path)
        .arg(&key)
        .arg(&dst)
        .arg(&src)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(99) {
        crate::support::skipped(&format!(
            "cannot mount a tmpfs here ({}): the full-disk case",
            stderr.trim()
        ));
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        listing.lines().collect::<Vec<_>>(),
        // the manifest records the failed file and the written one
        [".", "./manifest.json", "./small.dcm"],
        "{stderr}"
    );
    let big = src.join("big.dcm").display().to_string();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&big)).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
