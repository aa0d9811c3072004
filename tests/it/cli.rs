//! The command line at its edges (issue 13): configuration files that are not small
//! regular files, outputs that would land in the source, file names that are not
//! harmless text, links into DST, the old tool's flags and the first hour's mistakes.
//! Every test runs the real binary on files it builds.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{bin, mkfifo, root};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
/// Long enough for a slow debug build, short enough that a hang fails the test.
const LIMIT: Duration = Duration::from_secs(60);

fn sample() -> PathBuf {
    root().join("tests/data/samples/site-a/patient-1/ct/IM0001.dcm")
}

fn key(dir: &Path) -> PathBuf {
    let p = dir.join("key.bin");
    std::fs::write(&p, KEY).unwrap();
    p
}

/// A folder `in` with one sample file `a.dcm`.
fn source_tree(dir: &Path) -> PathBuf {
    let src = dir.join("in");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::copy(sample(), src.join("a.dcm")).unwrap();
    src
}

/// stderr with runs of white space (and miette's wrapping) collapsed to one space.
fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        // the run's manifest is not an output
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn the_key_file_is_its_raw_bytes() {
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    // 15 bytes and a line break: 16 bytes of key (trimmed to 15 and refused before)
    let k = d.path().join("k16");
    std::fs::write(&k, b"0123456789abcde\n").unwrap();
    let out = bin()
        .arg("run")
        .arg("--key-file")
        .arg(&k)
        .arg(&src)
        .arg(d.path().join("o1"))
        .timeout(LIMIT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // a line break is part of the key: another key, other UIDs
    let k2 = d.path().join("k17");
    std::fs::write(&k2, b"0123456789abcde\n\n").unwrap();
    let out = bin()
        .arg("run")
        .arg("--key-file")
        .arg(&k2)
        .arg(&src)
        .arg(d.path().join("o2"))
        .timeout(LIMIT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(
        std::fs::read(d.path().join("o1/a.dcm")).unwrap(),
        std::fs::read(d.path().join("o2/a.dcm")).unwrap()
    );
}

#[cfg(unix)]
#[test]
fn configuration_files_must_be_small_regular_files() {
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    let fifo = d.path().join("fifo");
    mkfifo(&fifo);
    let dst = d.path().join("out");
    for special in [Path::new("/dev/zero"), fifo.as_path(), d.path()] {
        let cases: Vec<Vec<std::ffi::OsString>> = vec![
            vec!["run".into(), "--key-file".into(), special.into()],
            vec!["run".into(), "--extra-rules".into(), special.into()],
            vec!["run".into(), "--files-from".into(), special.into()],
            vec!["run".into(), "--profile".into(), special.into()],
        ];
        for mut args in cases {
            args.push(src.clone().into());
            args.push(dst.clone().into());
            let out = bin().args(&args).timeout(LIMIT).output().unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains("not a regular file"), "{args:?}: {err}");
        }
        let out = bin()
            .arg("convert")
            .arg(special)
            .timeout(LIMIT)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "convert {special:?}");
        assert!(stderr(&out).contains("not a regular file"));
    }
    assert!(!dst.exists());
    // an include of a device is a diagnostic, not 19 GB of reading
    let p = d.path().join("p.anon");
    std::fs::write(&p, "include \"/dev/zero\"\n").unwrap();
    let out = bin().arg("lint").arg(&p).timeout(LIMIT).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("it is a device, not a regular file"));
    // a profile over the size limit
    let big = d.path().join("big.anon");
    std::fs::write(&big, vec![b'#'; (16 << 20) + 1]).unwrap();
    let out = bin().arg("lint").arg(&big).timeout(LIMIT).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("larger than 16 MiB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_report_never_lands_on_the_source() {
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    let k = key(d.path());
    let before = std::fs::read(src.join("a.dcm")).unwrap();
    let dst = d.path().join("out");
    for report in [src.join("a.dcm"), src.join("new.jsonl")] {
        let out = bin()
            .arg("run")
            .arg("--key-file")
            .arg(&k)
            .arg("--report")
            .arg(&report)
            .arg(&src)
            .arg(&dst)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("is inside the source"),
            "{}",
            stderr(&out)
        );
    }
    // one file in, one file out: neither can be the report
    let file = src.join("a.dcm");
    let single = d.path().join("single.dcm");
    for report in [&file, &single] {
        let out = bin()
            .arg("run")
            .arg("--key-file")
            .arg(&k)
            .arg("--report")
            .arg(report)
            .arg(&file)
            .arg(&single)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(src.join("a.dcm")).unwrap(), before);
    assert!(!src.join("new.jsonl").exists());
    assert!(!dst.exists());
    assert!(!single.exists());
}

#[cfg(unix)]
/// A folder of DST that is a link into SRC: the output's folder resolves into the
/// source, so each output that would land there is refused (the check of SRC and DST
/// before the run cannot see it), and the source file is left as it was.
#[cfg(unix)]
#[test]
fn an_output_folder_that_leads_into_the_source_is_refused_per_file() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in");
    std::fs::create_dir_all(src.join("p")).unwrap();
    std::fs::copy(sample(), src.join("p/a.dcm")).unwrap();
    let before = std::fs::read(src.join("p/a.dcm")).unwrap();
    let dst = d.path().join("out");
    std::fs::create_dir_all(&dst).unwrap();
    std::os::unix::fs::symlink(src.join("p"), dst.join("p")).unwrap();
    let out = bin()
        .arg("run")
        .arg("--key-file")
        .arg(key(d.path()))
        .arg("--overwrite")
        .arg("--no-manifest")
        .arg(&src)
        .arg(&dst)
        .timeout(LIMIT)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the output would be inside the source tree; nothing was written"),
        "{err}"
    );
    assert!(err.contains("0 written"), "{err}");
    assert_eq!(std::fs::read(src.join("p/a.dcm")).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(src.join("p")).unwrap().count(),
        1,
        "nothing new in the source folder"
    );
}

#[test]
fn file_names_are_escaped_in_messages_and_kept_in_reports() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    std::fs::write(src.join("evil\nname\u{1b}[2J.dcm"), b"not dicom at all").unwrap();
    let raw = std::ffi::OsStr::from_bytes(b"caf\xe9.dcm");
    std::fs::copy(sample(), src.join(raw)).unwrap();
    let report = d.path().join("run.jsonl");
    let out = bin()
        .arg("run")
        .arg("--key-file")
        .arg(key(d.path()))
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(d.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("evil\\nname\\e[2J.dcm"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    assert!(
        err.lines().all(|l| !l.starts_with("name")),
        "a name broke a line: {err}"
    );
    let text = std::fs::read_to_string(&report).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    let latin1 = lines
        .iter()
        .find(|l| l.get("source_hex").is_some())
        .unwrap_or_else(|| panic!("no line keeps the bytes: {text}"));
    let hex = latin1["source_hex"].as_str().unwrap();
    let bytes: Vec<u8> = hex
        .as_bytes()
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect();
    assert_eq!(bytes, src.join(raw).as_os_str().as_bytes());
    assert_eq!(latin1["outcome"], "written");
    assert!(latin1["output_hex"].is_string());
    assert!(
        latin1["source"]
            .as_str()
            .unwrap()
            .ends_with("caf\u{fffd}.dcm")
    );
}

#[cfg(unix)]
#[test]
fn a_link_into_dst_is_never_walked() {
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    let dst = d.path().join("out");
    std::fs::create_dir_all(&dst).unwrap();
    std::os::unix::fs::symlink(&dst, src.join("to-out")).unwrap();
    // a link to a folder outside DST is followed
    let other = d.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(sample(), other.join("b.dcm")).unwrap();
    std::os::unix::fs::symlink(&other, src.join("to-other")).unwrap();
    for _ in 0..2 {
        let out = bin()
            .arg("run")
            .arg("--key-file")
            .arg(key(d.path()))
            .arg("--overwrite")
            .arg(&src)
            .arg(&dst)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert_eq!(
        files_under(&dst),
        vec![PathBuf::from("a.dcm"), PathBuf::from("to-other/b.dcm")]
    );
}

#[test]
fn the_old_tools_flags() {
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::copy(sample(), src.join("sub/b.dcm")).unwrap();
    // --type folder: SRC's own files only; --type batch: the tree
    for (kind, expected) in [
        ("folder", vec![PathBuf::from("a.dcm")]),
        (
            "batch",
            vec![PathBuf::from("a.dcm"), PathBuf::from("sub/b.dcm")],
        ),
    ] {
        let dst = d.path().join(kind);
        let out = bin()
            .args(["--type", kind, "--key-file"])
            .arg(key(d.path()))
            .arg(&src)
            .arg(&dst)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(files_under(&dst), expected);
    }
    let plan = |args: &[&str]| {
        let out = bin().arg("plan").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(plan(&["--keepPrivateTags"]), plan(&["--keep-private"]));
    let rules = d.path().join("rules.json");
    std::fs::write(&rules, r#"{"(0x0008, 0x1030)": "keep"}"#).unwrap();
    let rules = rules.to_str().unwrap();
    assert_eq!(
        plan(&["--dictionary", rules]),
        plan(&["--extra-rules", rules])
    );
    // the action's arguments as separate words
    let regexp = plan(&["-t", "PatientID", "regexp", "^(..).*", "$1\"", "PatientID"]);
    assert!(
        regexp.contains(r#"applies   regexp "^(..).*" "$1\"""#),
        "{regexp}"
    );
    let value = plan(&[
        "-t",
        "PatientID",
        "replace_with_value",
        "SUBJ 1",
        "PatientID",
    ]);
    assert!(value.contains(r#"applies   replace "SUBJ 1""#), "{value}");
    // a four-number mask
    let mask = plan(&[
        "-t",
        "(0x6000, 0x3000, 0xFF00, 0xFFFF)",
        "keep",
        "(6002,3000)",
    ]);
    assert!(mask.contains("applies   keep  # (60xx,3000)"), "{mask}");
    // JSON tags written as integers
    let ints = d.path().join("ints.json");
    std::fs::write(&ints, r#"{"delete": [[16, 16], [8, 4144]]}"#).unwrap();
    let out = bin().arg("convert").arg(&ints).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("(0010,0010)"), "{text}");
    assert!(text.contains("(0008,1030)"), "{text}");
}

#[test]
fn first_hour_rough_edges() {
    let d = tempfile::tempdir().unwrap();
    let src = source_tree(d.path());
    let k = key(d.path());
    // a mistyped command
    for (typo, meant) in [("lnt", "lint"), ("chek", "check")] {
        let out = bin().arg(typo).arg("x").output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains(&format!("did you mean `{meant}`")),
            "{}",
            stderr(&out)
        );
    }
    // one file into a folder that does not exist yet, named with a trailing slash
    let newdir = d.path().join("newdir");
    let out = bin()
        .arg("run")
        .arg("--key-file")
        .arg(&k)
        .arg("--max-in-memory")
        .arg("1G")
        .arg(src.join("a.dcm"))
        .arg(format!("{}/", newdir.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(newdir.join("a.dcm").is_file());
    // a folder into an existing file
    let file = d.path().join("file.dcm");
    std::fs::write(&file, b"x").unwrap();
    let out = bin()
        .arg("run")
        .arg("--key-file")
        .arg(&k)
        .arg(&src)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a file"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    // a bad size
    let out = bin()
        .args(["run", "--max-in-memory", "1X"])
        .arg(&src)
        .arg(d.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // lint of several profiles as JSON: one array, fields that do not apply are null
    let a = d.path().join("a.anon");
    let b = d.path().join("b.anon");
    std::fs::write(&a, "PatientNme keep\n").unwrap();
    std::fs::write(&b, "include \"missing.anon\"\n").unwrap();
    let out = bin()
        .args(["lint", "--error-format", "json"])
        .arg(&a)
        .arg(&b)
        .arg("builtin:nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 3, "{v:#}");
    for item in items {
        for field in [
            "code", "severity", "message", "help", "label", "location", "related",
        ] {
            assert!(item.get(field).is_some(), "{field} missing: {item:#}");
        }
    }
    assert!(items.iter().any(|i| i["location"].is_null()));
    // convert: an input that cannot be read is a usage error
    let out = bin()
        .arg("convert")
        .arg(d.path().join("none.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
