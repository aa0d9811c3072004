//! Files that real readers accept are read (issue 13, item 3), and no input costs more
//! memory than the in-memory bound (item 2). Every file is built here.

use crate::support::raw::{self, ex};
use dicom_anonymizer::io::{self, HeldInMemory, ReadError, ReadErrorKind, ReadOptions};
use dicom_core::Tag;
use dicom_encoding::transfer_syntax::{Codec, TransferSyntaxIndex};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const SOP_INSTANCE: &str = "1.2.3.4.5.6.7.8.9";
const DEFLATED: &str = "1.2.840.10008.1.2.1.99";

fn with_uids(rest: &[u8]) -> Vec<u8> {
    let mut ds = ex(0x0008, 0x0016, b"UI", &raw::uid(raw::SC_IMAGE));
    ds.extend(ex(0x0008, 0x0018, b"UI", &raw::uid(SOP_INSTANCE)));
    ds.extend_from_slice(rest);
    ds
}

fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p
}

fn options(max: u64, forced: bool) -> ReadOptions {
    ReadOptions {
        max_in_memory_bytes: max,
        force_in_memory: forced,
    }
}

fn key(dir: &Path) -> PathBuf {
    file(dir, "key.bin", b"0123456789abcdef0123456789abcdef")
}

fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("dicom-anonymizer").unwrap()
}

/// `data_set` deflated behind a meta group that says so.
fn deflated(data_set: &[u8]) -> Vec<u8> {
    let ts = dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(DEFLATED)
        .unwrap();
    let Codec::Dataset(Some(adapter)) = ts.codec() else {
        panic!("no deflate adapter")
    };
    let mut out = Vec::new();
    {
        let mut w = adapter.adapt_writer(Box::new(&mut out));
        w.write_all(data_set).unwrap();
        w.flush().unwrap();
    }
    raw::simple(DEFLATED, raw::SC_IMAGE, SOP_INSTANCE, &out)
}

/// The highest VmHWM (peak RSS, KiB) seen while `cmd` runs.
fn peak_rss_kib(cmd: &mut std::process::Command) -> (u64, std::process::Output) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let watcher = std::thread::spawn(move || {
        let mut peak = 0u64;
        while let Ok(text) = fs::read_to_string(&status) {
            let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:")) else {
                break; // a zombie: it has ended
            };
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            peak = peak.max(kib);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        peak
    });
    let output = child.wait_with_output().unwrap();
    (watcher.join().unwrap(), output)
}

#[test]
fn a_300_byte_file_with_a_forged_length_costs_nothing() {
    // (0009,1001) UL of length 6: dicom-parser would read 4 bytes and then a made-up
    // (0018,0009) UN of length 0xF0000004 (and zero-fill 3.75 GiB) where the walk (and
    // DCMTK) see a (0009,4E55) LO of 4 bytes
    let mut ds = vec![
        0x09, 0x00, 0x01, 0x10, b'U', b'L', 6, 0, 0, 0, 0, 0, 0x18, 0x00,
    ];
    ds.extend_from_slice(&[
        0x09, 0x00, 0x55, 0x4E, b'L', b'O', 4, 0, 0x00, 0xF0, b' ', b' ',
    ]);
    ds.extend(ex(0x0010, 0x0010, b"PN", b"Doe^John"));
    let bytes = raw::simple(
        raw::EXPLICIT_LE,
        raw::SC_IMAGE,
        SOP_INSTANCE,
        &with_uids(&ds),
    );
    assert!(bytes.len() < 400, "{}", bytes.len());
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    file(&src, "forged.dcm", &bytes);
    for forced in [false, true] {
        let err = io::load(&src.join("forged.dcm"), &options(1 << 20, forced)).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::Malformed, "{err}");
    }
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicom-anonymizer"));
    cmd.args(["run", "-q", "--max-in-memory", "1048576", "--key-file"])
        .arg(key(tmp.path()))
        .arg(&src)
        .arg(tmp.path().join("out"));
    let (peak, out) = peak_rss_kib(&mut cmd);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("forged.dcm") && stderr.contains("not a multiple"),
        "{stderr}"
    );
    assert!(
        peak < 200 * 1024,
        "peak RSS {peak} KiB for a {}-byte file",
        bytes.len()
    );
}

#[test]
fn a_deflate_bomb_is_refused_at_the_bound_and_never_held() {
    // 8 MiB of zeros deflate to a few kB
    let mut ds = with_uids(&[]);
    ds.extend(ex(0x0009, 0x1001, b"OB", &vec![0u8; 8 << 20]));
    let bytes = deflated(&ds);
    assert!(bytes.len() < 64 << 10, "{}", bytes.len());
    let tmp = tempfile::tempdir().unwrap();
    let path = file(tmp.path(), "bomb.dcm", &bytes);
    let err = io::load(&path, &options(1 << 20, false)).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::TooLarge {
                held: HeldInMemory::Inflated,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("inflates to more than the limit"),
        "{err}"
    );
    // under a bound it fits in, it is read (walked and parsed from the stream)
    let loaded = io::load(&path, &options(32 << 20, false)).unwrap();
    assert_eq!(
        loaded
            .object
            .get(Tag(0x0009, 0x1001))
            .unwrap()
            .value()
            .to_bytes()
            .unwrap()
            .len(),
        8usize << 20
    );
}

#[test]
fn a_deflated_data_set_is_walked_as_strictly_as_any_other() {
    // a misaligned UL, and an item header at the root: both were ignored in deflated files
    for bad in [
        vec![0x09, 0x00, 0x01, 0x10, b'U', b'L', 6, 0, 0, 0, 0, 0, 0, 0],
        vec![0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0],
    ] {
        let bytes = deflated(&with_uids(&bad));
        let tmp = tempfile::tempdir().unwrap();
        let path = file(tmp.path(), "bad.dcm", &bytes);
        let err = io::load(&path, &ReadOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::Malformed, "{err}");
    }
}

/// A deflated data set is inflated once and read from memory when it fits in half the
/// bound, and inflated again for the walk and the parse when it does not: both ways read
/// the same object, the same trailing padding, and refuse the same malformed data sets.
#[test]
fn a_deflated_data_set_reads_the_same_held_or_streamed() {
    let big = ex(0x0009, 0x1001, b"OB", &vec![0x5Au8; 8 << 20]);
    let text = ex(0x0010, 0x0010, b"PN", b"Doe^Jane");
    let tmp = tempfile::tempdir().unwrap();
    // 8 MiB: held under a 32 MiB bound, streamed under a 12 MiB one
    let (held, streamed) = (options(32 << 20, false), options(12 << 20, false));

    let mut ds = with_uids(&text);
    ds.extend_from_slice(&big);
    let mut padded = ds.clone();
    padded.extend([0u8; 20]);
    for (name, data_set, padding) in [("plain.dcm", &ds, 0), ("padded.dcm", &padded, 20)] {
        let path = file(tmp.path(), name, &deflated(data_set));
        let a = io::load(&path, &held).unwrap();
        let b = io::load(&path, &streamed).unwrap();
        assert!(a.object == b.object, "{name}: the two reads differ");
        assert_eq!(a.trailing_padding(), padding);
        assert_eq!(b.trailing_padding(), padding);
        assert_eq!(
            a.object.get(Tag(0x0010, 0x0010)).unwrap().to_str().unwrap(),
            "Doe^Jane"
        );
    }

    // a misaligned UL, an item header at the root, and (for a reader that cannot seek
    // back, as neither way does) zeros too few for an element header
    for bad in [
        vec![0x09, 0x00, 0x03, 0x10, b'U', b'L', 6, 0, 0, 0, 0, 0, 0, 0],
        vec![0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0],
        vec![0u8; 6],
    ] {
        let mut ds = with_uids(&big);
        ds.extend_from_slice(&bad);
        let path = file(tmp.path(), "bad.dcm", &deflated(&ds));
        let kinds = [&held, &streamed].map(|opts| io::load(&path, opts).unwrap_err().kind());
        assert_eq!(kinds[0], kinds[1]);
        assert!(
            matches!(
                kinds[0],
                ReadErrorKind::Malformed | ReadErrorKind::Truncated
            ),
            "{kinds:?}"
        );
    }
}

#[test]
fn a_standard_element_stored_as_long_un_is_kept_as_un() {
    // Contour Data (3006,0050) DS stored as explicit UN with 70 000 bytes: too long for
    // DS's 16-bit length in explicit VR
    let mut value = Vec::new();
    while value.len() < 70_000 {
        value.extend_from_slice(b"1.5\\");
    }
    value.truncate(70_000);
    let ds = with_uids(&ex(0x3006, 0x0050, b"UN", &value));
    let bytes = raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, SOP_INSTANCE, &ds);
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    file(&src, "rt.dcm", &bytes);
    let out = tmp.path().join("out");
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(key(tmp.path()))
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let obj = dicom_object::open_file(out.join("rt.dcm")).unwrap();
    let elem = obj.get(Tag(0x3006, 0x0050)).unwrap();
    assert_eq!(elem.vr(), dicom_core::VR::UN);
    assert_eq!(elem.value().to_bytes().unwrap().len(), 70_000);
}

#[test]
fn trailing_zero_padding_is_dropped_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    for (pad, name) in [(5usize, "five.dcm"), (4096, "page.dcm")] {
        let ds = with_uids(&ex(0x0020, 0x0011, b"IS", b"1 "));
        let mut bytes = raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, SOP_INSTANCE, &ds);
        bytes.extend(std::iter::repeat_n(0u8, pad));
        let src = tmp.path().join(format!("src-{pad}"));
        fs::create_dir(&src).unwrap();
        let path = file(&src, name, &bytes);
        for forced in [false, true] {
            let loaded = io::load(&path, &options(1 << 30, forced)).unwrap();
            assert_eq!(loaded.trailing_padding(), pad as u64);
            assert!(loaded.object.get(Tag(0x0000, 0x0000)).is_none());
        }
        let report = tmp.path().join(format!("report-{pad}.jsonl"));
        let out = tmp.path().join(format!("out-{pad}"));
        bin()
            .args(["run", "-q", "--key-file"])
            .arg(key(tmp.path()))
            .arg("--report")
            .arg(&report)
            .arg(&src)
            .arg(&out)
            .assert()
            .success();
        let line = fs::read_to_string(&report).unwrap();
        assert!(
            line.contains(&format!("\"trailing_zeros_dropped\":{pad}")),
            "{line}"
        );
        dicom_object::open_file(out.join(name)).unwrap();
    }
    // zeros followed by anything else are not padding
    let ds = with_uids(&[0u8; 12]);
    let mut bytes = raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, SOP_INSTANCE, &ds);
    bytes.extend(ex(0x0020, 0x0011, b"IS", b"1 "));
    let path = file(tmp.path(), "inner.dcm", &bytes);
    let loaded = io::load(&path, &ReadOptions::default()).unwrap();
    assert_eq!(loaded.trailing_padding(), 0);
}

#[test]
fn a_data_set_without_sop_uids_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let only_class = ex(0x0008, 0x0016, b"UI", &raw::uid(raw::SC_IMAGE));
    let only_instance = ex(0x0008, 0x0018, b"UI", &raw::uid(SOP_INSTANCE));
    for (ds, missing) in [
        (&only_class, "SOP Instance UID (0008,0018)"),
        (&only_instance, "SOP Class UID (0008,0016)"),
    ] {
        // a meta without them, and a bare data set (its meta is built from the data set)
        let empty_meta = raw::simple(raw::EXPLICIT_LE, "", "", ds);
        let mut bare = ex(0x0008, 0x0005, b"CS", b"ISO_IR 100");
        bare.extend_from_slice(ds);
        for bytes in [empty_meta, bare] {
            let path = file(tmp.path(), "x.dcm", &bytes);
            let err = io::load(&path, &ReadOptions::default()).unwrap_err();
            assert_eq!(err.kind(), ReadErrorKind::MissingSopUid, "{err}");
            assert!(err.to_string().contains(missing), "{err}");
        }
        // a meta that names them is enough (as in many real files)
        let named = raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, SOP_INSTANCE, ds);
        let path = file(tmp.path(), "x.dcm", &named);
        io::load(&path, &ReadOptions::default()).unwrap();
    }
}

#[test]
fn a_private_un_sequence_of_undefined_length_is_read_as_implicit_items() {
    // CP-246: a private sequence written as UN of undefined length, its items implicit VR.
    // DCMTK reads the name inside it; so must we, and the plan must reach it, in both read
    // modes (here the pixel data after it is streamed from the rewritten copy)
    let implicit = |g: u16, e: u16, v: &[u8]| {
        let mut b = Vec::new();
        b.extend(g.to_le_bytes());
        b.extend(e.to_le_bytes());
        b.extend((v.len() as u32).to_le_bytes());
        b.extend_from_slice(v);
        b
    };
    let mut un = Vec::new();
    un.extend([0x09, 0x00, 0x10, 0x10]);
    un.extend(b"UN\0\0\xFF\xFF\xFF\xFF");
    un.extend(b"\xFE\xFF\x00\xE0\xFF\xFF\xFF\xFF");
    un.extend(implicit(0x0010, 0x0010, b"Hidden^Secret"));
    un.extend(implicit(0x0010, 0x0020, b"MRN99887"));
    un.extend(b"\xFE\xFF\x0D\xE0\0\0\0\0\xFE\xFF\xDD\xE0\0\0\0\0");
    let mut rest = ex(0x0009, 0x0010, b"LO", b"ACME");
    rest.extend(un);
    rest.extend(ex(0x0010, 0x0010, b"PN", b"Doe^John"));
    rest.extend(ex(0x0028, 0x0002, b"US", &1u16.to_le_bytes()));
    rest.extend(ex(0x0028, 0x0010, b"US", &2u16.to_le_bytes()));
    rest.extend(ex(0x0028, 0x0011, b"US", &2u16.to_le_bytes()));
    rest.extend(ex(0x0028, 0x0100, b"US", &8u16.to_le_bytes()));
    rest.extend([0xE0, 0x7F, 0x10, 0x00]);
    rest.extend(b"OB\0\0");
    rest.extend(4u32.to_le_bytes());
    rest.extend([1, 2, 3, 4]);
    let ds = with_uids(&rest);
    let bytes = raw::simple(raw::EXPLICIT_LE, raw::SC_IMAGE, SOP_INSTANCE, &ds);
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    let path = file(&src, "un.dcm", &bytes);
    // the independent reader sees the name inside the sequence
    let dump = std::process::Command::new("dcmdump").arg(&path).output();
    match dump {
        Ok(d) => assert!(String::from_utf8_lossy(&d.stdout).contains("Hidden^Secret")),
        Err(_) => crate::support::skipped("dcmdump"),
    }
    for forced in [false, true] {
        let loaded = io::load(&path, &options(1 << 30, forced)).unwrap();
        assert_eq!(loaded.un_sequences_read(), 1);
        let seq = loaded.object.get(Tag(0x0009, 0x1010)).unwrap();
        let item = &seq.items().unwrap()[0];
        assert_eq!(
            item.get(Tag(0x0010, 0x0010)).unwrap().to_str().unwrap(),
            "Hidden^Secret"
        );
    }
    // the whole file is held: the bound applies
    let err = io::load(&path, &options(64, false)).unwrap_err();
    assert!(matches!(err, ReadError::TooLarge { .. }), "{err}");

    // kept by `private keep`: the plan applies inside, nothing of the patient is left
    let profile = file(
        tmp.path(),
        "p.anon",
        b"include builtin:basic\nprivate keep\n",
    );
    let report = tmp.path().join("report.jsonl");
    let out = tmp.path().join("out");
    bin()
        .args(["run", "-q", "--profile"])
        .arg(&profile)
        .arg("--key-file")
        .arg(key(tmp.path()))
        .arg("--report")
        .arg(&report)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let line = fs::read_to_string(&report).unwrap();
    assert!(line.contains("\"un_sequences_read\":1"), "{line}");
    let written = fs::read(out.join("un.dcm")).unwrap();
    for secret in [&b"Hidden"[..], b"Secret", b"MRN99887", b"Doe^John"] {
        assert!(
            !written.windows(secret.len()).any(|w| w == secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    let obj = dicom_object::open_file(out.join("un.dcm")).unwrap();
    let seq = obj.get(Tag(0x0009, 0x1010)).unwrap();
    assert_eq!(seq.vr(), dicom_core::VR::SQ);
    assert_eq!(
        obj.get(Tag(0x7FE0, 0x0010))
            .unwrap()
            .to_bytes()
            .unwrap()
            .as_ref(),
        [1, 2, 3, 4]
    );
}
