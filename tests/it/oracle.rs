//! An oracle that is not the plan: for every file of the test corpus, the original values
//! of the identifying attributes are read by **DCMTK** (`dcmdump`, not this crate's
//! reader), chosen by a small **hand-written table** of PS3.15 Basic Profile rows (not
//! `plan.decide`, not the engine), and searched in the outputs of the default profile and
//! of every option profile that must still remove them.
//!
//! * Tokens of 8 characters or more are searched in the output file's bytes, pixel data
//!   included (ASCII case-insensitive).
//! * Shorter tokens (3 to 7 characters) are searched as whole words only, in the text of
//!   every element of the output as dcmdump prints it (long binary values, like pixel
//!   data, left out: random bytes would match them by chance).
//! * A token that also occurs in what the standard keeps (an even-group element that no
//!   row of PS3.15 Table E.1-1 lists, read from the same dcmdump output, or a row that the
//!   option profile retains) or in what the tool writes itself (dummies, the
//!   de-identification attributes, the file meta) is not searched.
//!
//! A failure lists the file, the profile, the attribute and the token.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;

use crate::support::{bin, root};

/// PS3.15 Table E.1-1 rows (2023b) whose values identify the patient or the study, with
/// the option profiles that keep them (`K`). Checked by hand against the standard; the
/// dates' `C` under Retain Longitudinal Modified Dates shifts them, so their original
/// values must be gone there too.
const IDENTIFYING: &[(u16, u16, &str, &[&str])] = &[
    (0x0010, 0x0010, "Patient's Name", &[]),
    (0x0010, 0x0020, "Patient ID", &[]),
    (0x0010, 0x0030, "Patient's Birth Date", &[]),
    (0x0010, 0x1000, "Other Patient IDs", &[]),
    (0x0010, 0x1001, "Other Patient Names", &[]),
    (0x0010, 0x1005, "Patient's Birth Name", &[]),
    (0x0010, 0x1040, "Patient's Address", &[]),
    (0x0010, 0x1060, "Patient's Mother's Birth Name", &[]),
    (0x0010, 0x2154, "Patient's Telephone Numbers", &[]),
    (0x0010, 0x2297, "Responsible Person", &[]),
    (0x0010, 0x2299, "Responsible Organization", &[]),
    (0x0008, 0x0050, "Accession Number", &[]),
    (0x0020, 0x0010, "Study ID", &[]),
    (0x0038, 0x0010, "Admission ID", &[]),
    (
        0x0040,
        0x2016,
        "Placer Order Number / Imaging Service Request",
        &[],
    ),
    (
        0x0040,
        0x2017,
        "Filler Order Number / Imaging Service Request",
        &[],
    ),
    (0x0040, 0x0009, "Scheduled Procedure Step ID", &[]),
    (0x0040, 0x1001, "Requested Procedure ID", &[]),
    (0x0040, 0x0253, "Performed Procedure Step ID", &[]),
    (0x0008, 0x0090, "Referring Physician's Name", &[]),
    (0x0008, 0x0092, "Referring Physician's Address", &[]),
    (
        0x0008,
        0x0094,
        "Referring Physician's Telephone Numbers",
        &[],
    ),
    (0x0008, 0x1048, "Physician(s) of Record", &[]),
    (0x0008, 0x1050, "Performing Physician's Name", &[]),
    (0x0008, 0x1060, "Name of Physician(s) Reading Study", &[]),
    (0x0008, 0x1070, "Operators' Name", &[]),
    (0x0032, 0x1032, "Requesting Physician", &[]),
    (0x0040, 0x0006, "Scheduled Performing Physician's Name", &[]),
    (0x0040, 0xA123, "Person Name", &[]),
    (
        0x0008,
        0x0080,
        "Institution Name",
        &["retain-institution-identity"],
    ),
    (
        0x0008,
        0x0081,
        "Institution Address",
        &["retain-institution-identity"],
    ),
    (
        0x0008,
        0x1040,
        "Institutional Department Name",
        &["retain-institution-identity"],
    ),
    (0x0008, 0x1010, "Station Name", &["retain-device-identity"]),
    (
        0x0018,
        0x1000,
        "Device Serial Number",
        &["retain-device-identity"],
    ),
    (0x0020, 0x000D, "Study Instance UID", &["retain-uids"]),
    (0x0020, 0x000E, "Series Instance UID", &["retain-uids"]),
    (0x0008, 0x0018, "SOP Instance UID", &["retain-uids"]),
    (0x0020, 0x0052, "Frame of Reference UID", &["retain-uids"]),
    (
        0x0008,
        0x1155,
        "Referenced SOP Instance UID",
        &["retain-uids"],
    ),
    (0x0008, 0x0014, "Instance Creator UID", &["retain-uids"]),
    (0x0008, 0x0020, "Study Date", &["retain-long-full-dates"]),
    (0x0008, 0x0021, "Series Date", &["retain-long-full-dates"]),
    (
        0x0008,
        0x0022,
        "Acquisition Date",
        &["retain-long-full-dates"],
    ),
    (0x0008, 0x0023, "Content Date", &["retain-long-full-dates"]),
    (
        0x0008,
        0x002A,
        "Acquisition DateTime",
        &["retain-long-full-dates"],
    ),
    (0x0008, 0x1030, "Study Description", &[]),
    (0x0008, 0x103E, "Series Description", &[]),
    (0x0018, 0x1030, "Protocol Name", &[]),
    (0x0010, 0x21B0, "Additional Patient History", &[]),
    (0x0032, 0x4000, "Study Comments", &[]),
];

/// The option profiles (`--option NAME`); `None` is the default profile.
const VARIANTS: &[Option<&str>] = &[
    None,
    Some("retain-safe-private"),
    Some("retain-uids"),
    Some("retain-device-identity"),
    Some("retain-institution-identity"),
    Some("retain-patient-characteristics"),
    Some("retain-long-full-dates"),
    Some("retain-long-modified-dates"),
];

/// Corpus files dcmdump cannot read at all, with why (their outputs are covered by the
/// tests of this crate's reader instead). The list must stay exact.
const DCMDUMP_CANNOT_READ: &[(&str, &str)] = &[];

/// One element as dcmdump printed it.
#[derive(Debug, Clone)]
struct Dumped {
    tag: (u16, u16),
    /// The value bytes between `[` and `]` (raw: the file's character set).
    value: Vec<u8>,
}

/// dcmdump's elements of a file, at any depth, or `None` when it cannot read it.
fn dcmdump(path: &Path) -> Option<Vec<Dumped>> {
    for mode in [&[][..], &["-f", "-ti"][..], &["-f", "-te"][..]] {
        let out = match Command::new("dcmdump")
            .args(["-q", "-M", "+L", "+uc", "+E"])
            .args(mode)
            .arg(path)
            .output()
        {
            Ok(out) => out,
            Err(e) => panic!("dcmdump: {e}"),
        };
        if !out.status.success() {
            continue;
        }
        let elements = parse_dump(&out.stdout);
        if !elements.is_empty() {
            return Some(elements);
        }
    }
    None
}

fn parse_dump(stdout: &[u8]) -> Vec<Dumped> {
    let mut v = Vec::new();
    for line in stdout.split(|b| *b == b'\n') {
        let l = line.trim_ascii_start();
        // (gggg,eeee) VR [value]   # len, vm Name
        if l.len() < 16 || l[0] != b'(' || l[10] != b')' {
            continue;
        }
        let hex = |s: &[u8]| u16::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok();
        let (Some(g), Some(e)) = (hex(&l[1..5]), hex(&l[6..10])) else {
            continue;
        };
        let rest = &l[15..];
        if rest.first() != Some(&b'[') {
            continue;
        }
        // the value ends at the last `]` before dcmdump's `#` column
        let Some(hash) = rest.windows(2).rposition(|w| w == b" #") else {
            continue;
        };
        let Some(end) = rest[..hash].iter().rposition(|b| *b == b']') else {
            continue;
        };
        v.push(Dumped {
            tag: (g, e),
            value: rest[1..end].to_vec(),
        });
    }
    v
}

/// Every tag (or mask) PS3.15 Table E.1-1 and the current Basic Profile list.
fn standard_rows() -> Vec<[Option<u8>; 8]> {
    let mut rows = Vec::new();
    for f in [
        "data/standard/ps3.15-2023b-table-E.1-1.tsv",
        "data/standard/ps3.15-2026c-basic-profile.tsv",
    ] {
        for line in fs::read_to_string(root().join(f)).unwrap().lines() {
            for field in line.split('\t') {
                let b = field.as_bytes();
                if b.len() == 11 && b[0] == b'(' && b[5] == b',' && b[10] == b')' {
                    let digits: Vec<Option<u8>> = b[1..5]
                        .iter()
                        .chain(&b[6..10])
                        .map(|c| (*c as char).to_digit(16).map(|d| d as u8))
                        .collect();
                    rows.push(digits.try_into().unwrap());
                }
            }
        }
    }
    assert!(rows.len() > 600, "{} rows", rows.len());
    rows
}

fn listed(rows: &[[Option<u8>; 8]], (g, e): (u16, u16)) -> bool {
    let digits: Vec<u8> = format!("{g:04X}{e:04X}")
        .chars()
        .map(|c| c.to_digit(16).unwrap() as u8)
        .collect();
    rows.iter().any(|r| {
        r.iter()
            .zip(&digits)
            .all(|(want, have)| want.is_none_or(|w| w == *have))
    })
}

/// The tokens of a value: the whole value, each of its values (`\`), and for names each
/// component (`^`, `=`), trimmed; at least 3 characters.
fn tokens(value: &[u8]) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    let mut add = |t: &[u8]| {
        let t = t.trim_ascii();
        if t.len() >= 3 {
            out.insert(t.to_ascii_lowercase());
        }
    };
    add(value);
    for v in value.split(|b| *b == b'\\') {
        add(v);
        for c in v.split(|b| *b == b'^' || *b == b'=') {
            add(c);
        }
    }
    out
}

/// Which of the tokens (lower case) occur in `hay`, ASCII case-insensitive; with
/// `whole_word`, only where no letter or digit is right before or after.
fn found_in<'t>(
    hay: &[u8],
    wanted: &'t [(Vec<u8>, (u16, u16), &'t str)],
    whole_word: bool,
) -> Vec<(&'t [u8], (u16, u16), &'t str)> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let matcher = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(wanted.iter().map(|(t, _, _)| t))
        .unwrap();
    let mut seen = vec![false; wanted.len()];
    for m in matcher.find_overlapping_iter(hay) {
        let ok = !whole_word
            || ((m.start() == 0 || !hay[m.start() - 1].is_ascii_alphanumeric())
                && hay.get(m.end()).is_none_or(|b| !b.is_ascii_alphanumeric()));
        if ok {
            seen[m.pattern().as_usize()] = true;
        }
    }
    wanted
        .iter()
        .zip(seen)
        .filter(|(_, s)| *s)
        .map(|((t, tag, what), _)| (t.as_slice(), *tag, *what))
        .collect()
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len()
        && hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// What the tool writes itself: the dummies, the de-identification attributes and the
/// file meta of an output.
fn written_by_tool(output: &[Dumped]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = ["ANONYMIZED", "ANONYMOUS", "19000101", "COERCE", "MODIFIED"]
        .iter()
        .map(|s| s.to_ascii_lowercase().into_bytes())
        .collect();
    v.extend(
        output
            .iter()
            .filter(|d| {
                d.tag.0 == 0x0002
                    || matches!(d.tag, (0x0012, 0x0062..=0x0064) | (0x0008, 0x0100..=0x0104))
            })
            .map(|d| d.value.to_ascii_lowercase()),
    );
    v
}

fn run_variant(src: &Path, dst: &Path, key: &Path, option: Option<&str>) {
    let mut cmd = bin();
    cmd.args(["run", "-q", "--key-file"]).arg(key);
    if let Some(o) = option {
        cmd.args(["--option", o]);
    }
    let out = cmd.arg(src).arg(dst).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
}

#[test]
fn no_identifying_value_read_by_dcmtk_survives_any_profile() {
    if Command::new("dcmdump").arg("--version").output().is_err() {
        crate::support::skipped("dcmdump (DCMTK) is not installed: the independent oracle");
        return;
    }
    let src = root().join("tests/data/corpus/files");
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key.bin");
    fs::write(&key, b"oracle key, not the plan: 0123456789").unwrap();
    let rows = standard_rows();
    let mut sources: Vec<PathBuf> = fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    sources.sort();

    // the sources through dcmdump, once
    let dumped: BTreeMap<String, Option<Vec<Dumped>>> = sources
        .par_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, dcmdump(p))
        })
        .collect();

    let mut failures: Vec<String> = Vec::new();
    let mut searched = 0usize;
    let mut outputs_checked = 0usize;
    let mut unread: BTreeSet<String> = BTreeSet::new();
    for variant in VARIANTS {
        let label = variant.unwrap_or("default");
        let dst = tmp.path().join(label);
        run_variant(&src, &dst, &key, *variant);
        let results: Vec<(usize, Vec<String>, Option<String>)> = dumped
            .par_iter()
            .filter_map(|(name, source)| {
                let output = dst.join(name);
                let bytes = fs::read(&output).ok()?;
                let Some(source) = source else {
                    return Some((0, Vec::new(), Some(name.clone())));
                };
                let out_dump = dcmdump(&output)
                    .unwrap_or_else(|| panic!("{label}: dcmdump cannot read the output {name}"));
                let out_text: Vec<u8> = out_dump
                    .iter()
                    .flat_map(|d| d.value.iter().copied().chain([b'\n']))
                    .collect();
                // what the standard keeps, what this option retains, what the tool writes
                let mut kept: Vec<Vec<u8>> = source
                    .iter()
                    .filter(|d| {
                        let private = d.tag.0 % 2 == 1;
                        // Retain Safe Private keeps some private elements
                        (private && *variant == Some("retain-safe-private"))
                            || (!private && d.tag.0 != 0x0002 && !listed(&rows, d.tag))
                    })
                    .map(|d| d.value.to_ascii_lowercase())
                    .collect();
                kept.extend(
                    source
                        .iter()
                        .filter(|d| {
                            IDENTIFYING.iter().any(|(g, e, _, keep)| {
                                (*g, *e) == d.tag && variant.is_some_and(|v| keep.contains(&v))
                            })
                        })
                        .map(|d| d.value.to_ascii_lowercase()),
                );
                kept.extend(written_by_tool(&out_dump));
                // the tokens to search, with the attribute they come from
                let mut wanted: Vec<(Vec<u8>, (u16, u16), &str)> = Vec::new();
                for d in source {
                    let Some((_, _, what, keep)) =
                        IDENTIFYING.iter().find(|(g, e, _, _)| (*g, *e) == d.tag)
                    else {
                        continue;
                    };
                    if variant.is_some_and(|v| keep.contains(&v)) {
                        continue;
                    }
                    for t in tokens(&d.value) {
                        if !kept.iter().any(|k| contains_ci(k, &t)) {
                            wanted.push((t, d.tag, what));
                        }
                    }
                }
                let n = wanted.len();
                let (long, short): (Vec<_>, Vec<_>) =
                    wanted.into_iter().partition(|(t, _, _)| t.len() >= 8);
                let mut hits = found_in(&bytes, &long, false);
                hits.extend(found_in(&out_text, &short, true));
                let found: Vec<String> = hits
                    .into_iter()
                    .map(|(t, tag, what)| {
                        format!(
                            "{name} ({label}): {what} ({:04X},{:04X}) token `{}`",
                            tag.0,
                            tag.1,
                            String::from_utf8_lossy(t)
                        )
                    })
                    .collect();
                Some((n, found, None))
            })
            .collect();
        for (n, found, not_read) in results {
            if let Some(name) = not_read {
                unread.insert(name);
                continue;
            }
            outputs_checked += 1;
            searched += n;
            failures.extend(found);
        }
    }
    let expected_unread: BTreeSet<String> = DCMDUMP_CANNOT_READ
        .iter()
        .map(|(n, _)| (*n).to_string())
        .collect();
    assert_eq!(
        unread, expected_unread,
        "sources with an output that dcmdump cannot read"
    );
    eprintln!(
        "oracle: {outputs_checked} outputs over {} profiles, {searched} identifying tokens searched, {} found",
        VARIANTS.len(),
        failures.len()
    );
    assert!(outputs_checked >= 200 * VARIANTS.len(), "{outputs_checked}");
    assert!(searched > 10_000, "{searched}");
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
