//! One reading of the bytes (issue 13): the structure walk and dicom-parser must never
//! split a file into different elements unless the file is refused; no input costs more
//! memory than the in-memory bound; valid files that real readers accept are read.

use crate::support::raw::{self, ex};
use dicom_anonymizer::io::differential::{Readings, two_readings};
use dicom_anonymizer::io::{self, ReadErrorKind, ReadOptions};
use dicom_core::Tag;
use std::fs;
use std::path::{Path, PathBuf};

const SOP_INSTANCE: &str = "1.2.3.4.5.6.7.8.9";

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus/files");
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

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

/// The attack of issue 13: a UL of length 6. The walk (like DCMTK and pydicom) skips 6
/// bytes and finds Patient's Name; dicom-parser reads one 4-byte value, and the 2 bytes
/// left over start a made-up (0018,0009) LT whose value swallows the name.
fn hidden_name_attack() -> Vec<u8> {
    let mut ds = Vec::new();
    // (0009,1001) UL, length 6: 4 bytes dicom-parser reads, then [18 00]
    ds.extend_from_slice(&[0x09, 0x00, 0x01, 0x10, b'U', b'L', 6, 0]);
    ds.extend_from_slice(&[0, 0, 0, 0, 0x18, 0x00]);
    // the walk: (0009,544C) OB, length 0. dicom-parser: (0018,0009) LT, length 0x424F
    ds.extend_from_slice(&[0x09, 0x00, b'L', b'T', b'O', b'B', 0, 0, 0, 0, 0, 0]);
    // the walk: Patient's Name, then a filler up to where dicom-parser's LT ends
    ds.extend(ex(0x0010, 0x0010, b"PN", b"Doe^John"));
    let filler = 12 + 0x424F - (6 + 12 + 16 + 12);
    ds.extend_from_slice(&[0x09, 0x00, 0x02, 0x10, b'O', b'B', 0, 0]);
    ds.extend_from_slice(&(filler as u32).to_le_bytes());
    ds.extend(std::iter::repeat_n(b' ', filler));
    // both agree again from here
    ds.extend(ex(0x0020, 0x0011, b"IS", b"1 "));
    raw::simple(
        raw::EXPLICIT_LE,
        raw::SC_IMAGE,
        SOP_INSTANCE,
        &with_uids(&ds),
    )
}

#[test]
fn a_name_hidden_from_dicom_parser_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = hidden_name_attack();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    let path = file(&src, "attack.dcm", &bytes);

    // the file really is the attack: dicom-object sees the made-up element, not the name
    let obj = dicom_object::OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&bytes[..])
        .unwrap();
    assert!(obj.get(Tag(0x0018, 0x0009)).is_some());
    assert!(obj.get(Tag(0x0010, 0x0010)).is_none());

    for forced in [false, true] {
        let err = io::load(&path, &options(1 << 30, forced)).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::Malformed, "{err}");
        let text = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(text.contains("not a multiple of the size"), "{text}");
    }

    // the whole run: refused, nothing written, the name never printed
    let key = file(tmp.path(), "key.bin", b"0123456789abcdef0123456789abcdef");
    let out = tmp.path().join("out");
    let run = assert_cmd::Command::cargo_bin("dicom-anonymizer")
        .unwrap()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("attack.dcm"), "{stderr}");
    assert!(!stderr.contains("Doe"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("attack.dcm")).count(),
        1,
        "{stderr}"
    );
    let written: Vec<_> = fs::read_dir(&out)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_tag_twice_in_one_item_is_refused() {
    // dicom-object keeps one of the two: which one a reader keeps is not defined
    let mut ds = ex(0x0010, 0x0010, b"PN", b"Doe^John");
    ds.extend(ex(0x0010, 0x0010, b"PN", b"Roe^Jane"));
    let bytes = raw::simple(
        raw::EXPLICIT_LE,
        raw::SC_IMAGE,
        SOP_INSTANCE,
        &with_uids(&ds),
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = file(tmp.path(), "twice.dcm", &bytes);
    let err = io::load(&path, &ReadOptions::default()).unwrap_err();
    let text = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(text.contains("ambiguous structure"), "{text}");
    assert!(
        !text.contains("Doe") && !text.contains("(0010,0010)"),
        "{text}"
    );
}

#[test]
fn fixed_size_values_must_fill_their_length() {
    // every binary VR with a length that is not a multiple of its size, and an Xs tag
    // (which dicom-parser may read as SS) with an odd length
    let cases: Vec<(u16, u16, &[u8; 2], usize)> = vec![
        (0x0009, 0x1001, b"SL", 6),
        (0x0009, 0x1001, b"UL", 6),
        (0x0009, 0x1001, b"US", 3),
        (0x0009, 0x1001, b"SS", 1),
        (0x0009, 0x1001, b"FL", 2),
        (0x0009, 0x1001, b"FD", 4),
        (0x0009, 0x1001, b"AT", 2),
        (0x0009, 0x1001, b"OW", 3),
        (0x0009, 0x1001, b"OF", 6),
        (0x0009, 0x1001, b"OD", 12),
        (0x0009, 0x1001, b"OL", 2),
        (0x0009, 0x1001, b"SV", 4),
        (0x0009, 0x1001, b"UV", 4),
        (0x0009, 0x1001, b"OV", 4),
        (0x0028, 0x0106, b"OB", 3),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (g, e, vr, len) in cases {
        let ds = ex(g, e, vr, &vec![0x20; len]);
        let bytes = raw::simple(
            raw::EXPLICIT_LE,
            raw::SC_IMAGE,
            SOP_INSTANCE,
            &with_uids(&ds),
        );
        let path = file(tmp.path(), "x.dcm", &bytes);
        let err = io::load(&path, &ReadOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::Malformed, "{vr:?} {len}: {err}");
        // the same with a length that fits is read
        let ds = ex(g, e, vr, &[0x20; 8]);
        let bytes = raw::simple(
            raw::EXPLICIT_LE,
            raw::SC_IMAGE,
            SOP_INSTANCE,
            &with_uids(&ds),
        );
        let path = file(tmp.path(), "x.dcm", &bytes);
        io::load(&path, &ReadOptions::default()).unwrap();
    }
}

/// A small seeded generator (xorshift64*), so that failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const VRS: [&[u8; 2]; 20] = [
    b"UL", b"SL", b"US", b"SS", b"OW", b"OB", b"UN", b"SQ", b"LT", b"FD", b"FL", b"AT", b"OF",
    b"OD", b"OL", b"SV", b"UV", b"OV", b"UT", b"LO",
];

/// One mutation of `bytes` at a random place in its first `head` bytes: a byte, a length
/// nudged by a few bytes, a VR swapped for another, bytes inserted or deleted.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, head: usize) {
    let start = 132.min(bytes.len());
    let at = start + rng.below(head.saturating_sub(start));
    if at + 4 > bytes.len() {
        return;
    }
    match rng.below(5) {
        0 => bytes[at] = rng.next() as u8,
        1 => {
            let delta = rng.below(15) as u8;
            bytes[at] = bytes[at].wrapping_add(delta).wrapping_sub(7);
        }
        2 => {
            let vr = VRS[rng.below(VRS.len())];
            bytes[at] = vr[0];
            bytes[at + 1] = vr[1];
        }
        3 => {
            let n = 1 + rng.below(7);
            for _ in 0..n {
                bytes.insert(at, rng.next() as u8);
            }
        }
        _ => {
            let n = (1 + rng.below(7)).min(bytes.len() - at);
            bytes.drain(at..at + n);
        }
    }
}

/// Checks one input: when the two readers disagree (or the walk refuses it), both read
/// modes must refuse it. Returns the outcome's name for the summary.
fn check_one(tmp: &Path, name: &str, bytes: &[u8]) -> &'static str {
    let accepted = || {
        let path = file(tmp, "in.dcm", bytes);
        io::load(&path, &options(64 << 20, false)).is_ok()
            || io::load(&path, &options(64 << 20, true)).is_ok()
    };
    match two_readings(bytes) {
        None => {
            assert!(
                !accepted(),
                "{name}: accepted, but there is no data set to read"
            );
            "no data set"
        }
        Some(Readings { scan: Err(e), .. }) => {
            assert!(
                !accepted(),
                "{name}: the walk refuses it ({e}) but a read accepted it"
            );
            if e.contains("not a multiple") {
                "walk refuses: a length that readers split differently"
            } else {
                "walk refuses: other"
            }
        }
        Some(Readings {
            scan: Ok(scan),
            parser: Some(Ok(parser)),
        }) if scan == parser => "agree",
        Some(Readings {
            scan: Ok(scan),
            parser,
        }) => {
            if accepted() {
                let first = match &parser {
                    Some(Ok(p)) => scan.iter().zip(p).position(|(a, b)| a != b).map(|i| {
                        format!(
                            "first difference at element {i}: {:?} vs {:?}",
                            scan[i], p[i]
                        )
                    }),
                    other => Some(format!("{other:?}")),
                };
                panic!("{name}: the readers disagree and the file was accepted: {first:?}");
            }
            "disagree, refused"
        }
    }
}

#[test]
fn the_walk_and_dicom_parser_agree_or_the_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    let files = corpus_files();
    let mut small = Vec::new();
    for path in &files {
        let bytes = fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        *outcomes
            .entry(check_one(tmp.path(), &name, &bytes))
            .or_default() += 1;
        if bytes.len() < 20_000 {
            small.push((name, bytes));
        }
    }
    // the attack and the hand-made cases are seeds too
    small.push(("attack".into(), hidden_name_attack()));
    let rounds: usize = std::env::var("READER_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    for round in 0..rounds {
        let (name, original) = &small[rng.below(small.len())];
        let mut bytes = original.clone();
        let head = bytes.len().min(2048);
        for _ in 0..(1 + rng.below(3)) {
            mutate(&mut rng, &mut bytes, head);
        }
        let label = format!("{name} mutant {round}");
        *outcomes
            .entry(check_one(tmp.path(), &label, &bytes))
            .or_default() += 1;
    }
    println!(
        "{} corpus files, {rounds} mutants: {outcomes:?}",
        files.len()
    );
    assert!(files.len() > 200, "the corpus is missing");
    // the mutants must reach the cases where the readers would split the bytes differently
    assert!(
        outcomes
            .get("walk refuses: a length that readers split differently")
            .copied()
            .unwrap_or(0)
            >= rounds / 300,
        "{outcomes:?}"
    );
}
