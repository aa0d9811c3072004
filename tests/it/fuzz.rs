//! Replays the fuzzers' seed corpora (`fuzz/corpus/<target>/`) through the same library
//! functions the cargo-fuzz targets call, on stable Rust: no panic, and the invariants the
//! targets check. Crashing inputs the fuzzers found are kept there as seeds.

use std::fs;
use std::path::PathBuf;

use dicom_anonymizer::fuzzing;

fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = crate::support::root().join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Seeds that do not compile alone although their folder's name says they do: the
/// fuzzing entry compiles one text, without its includes or the profiles it overrides.
const PROFILE_SEEDS_FAILING_ALONE: &[(&str, &str)] = &[
    (
        "ok__includes_and_overrides.anon",
        "its includes are not there",
    ),
    (
        "retain-device-identity.anon",
        "alone, without basic, the plan does not satisfy its option",
    ),
    ("retain-institution-identity.anon", "the same"),
    (
        "examples__study.anon",
        "its tables' CSV files are not next to the seed",
    ),
    ("ok__tables_and_parameters.anon", "the same"),
    ("warn__unused_table.anon", "the same"),
    ("retain-long-full-dates.anon", "the same"),
    ("retain-long-modified-dates.anon", "the same"),
    ("retain-patient-characteristics.anon", "the same"),
    ("retain-safe-private.anon", "the same"),
    ("retain-uids.anon", "the same"),
];

/// What a `compile_profile` seed must do, by its name: `err__*` (the compiler's error
/// corpus) fails, `ok__*`, `warn__*` and the shipped profiles compile (except the few
/// that cannot compile alone, above).
fn profile_expected_to_compile(name: &str) -> bool {
    if name.starts_with("err__") || PROFILE_SEEDS_FAILING_ALONE.iter().any(|(n, _)| *n == name) {
        return false;
    }
    assert!(
        name.starts_with("ok__") || name.starts_with("warn__") || name.ends_with(".anon"),
        "seed `{name}`: name it ok__, warn__ or err__ (fuzz/corpus/README.md)"
    );
    true
}

#[test]
fn profile_compiler_seeds_replay() {
    let files = seeds("compile_profile");
    assert!(files.len() > 50, "{}", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let data = fs::read(path).unwrap();
        let outcome = fuzzing::compile_profile(&data);
        if outcome.compiled != profile_expected_to_compile(&name) {
            wrong.push(format!("{name}: compiled = {}", outcome.compiled));
        }
        if name.starts_with("warn__") || name.starts_with("err__") {
            assert!(outcome.diagnostics > 0, "{name}: no diagnostic");
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The `deidentify` seeds that must be refused, with the start of the one-line reason.
/// Every other seed must be accepted (and its output accepted again).
const REFUSED_SEEDS: &[(&str, &str)] = &[
    (
        "found-forged-length-after-unparsed-structure",
        "unreadable: malformed data set",
    ),
    (
        "found-forged-length-in-meta-after-other-group",
        "truncated file: it ends inside the file meta group",
    ),
    ("pydicom__DICOMDIR-empty.dcm", "skipped: a DICOMDIR"),
    (
        "pydicom__meta_missing_tsyntax.dcm",
        "unreadable: the file meta group has no transfer syntax (0002,0010)",
    ),
    (
        "pydicom__no_meta_group_length.dcm",
        "unreadable: the file meta group has no group length (0002,0000)",
    ),
    (
        "pydicom__rtplan_truncated.dcm",
        "truncated file: it ends inside sequence (300A,00B0)",
    ),
];

#[test]
fn deidentify_seeds_replay() {
    let files = seeds("deidentify");
    assert!(files.len() > 20, "{}", files.len());
    let mut wrong = Vec::new();
    let mut refused_seen = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = fs::read(path).unwrap();
        let refused = REFUSED_SEEDS.iter().find(|(n, _)| *n == name);
        match (fuzzing::deidentify_bytes(&data), refused) {
            (Ok(out), None) => {
                // the adversarial inputs hide markers: none may come through
                if out.windows(7).any(|w| w == b"ZQXLEAK") {
                    wrong.push(format!("{name}: a marker in the output"));
                }
            }
            (Err(e), Some((_, reason))) => {
                refused_seen += 1;
                if !e.starts_with(reason) {
                    wrong.push(format!(
                        "{name}: refused with `{e}`, expected `{reason}...`"
                    ));
                }
            }
            (Ok(_), Some((_, reason))) => {
                wrong.push(format!("{name}: accepted, expected `{reason}...`"))
            }
            (Err(e), None) => wrong.push(format!("{name}: refused (`{e}`), expected accepted")),
        }
        if let Err(e) = fuzzing::deidentify_invariants(&data) {
            wrong.push(format!("{name}: {e}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(
        refused_seen,
        REFUSED_SEEDS.len(),
        "a refused seed is missing"
    );
}

/// Writes the adversarial inputs of `safety.rs` into the seed corpus (run by hand after
/// changing them: `cargo test --test it write_adversarial_seeds -- --ignored`).
#[test]
#[ignore = "writes into the repository"]
fn write_adversarial_seeds() {
    let dir = crate::support::root().join("fuzz/corpus/deidentify");
    for case in crate::safety::cases() {
        fs::write(dir.join(format!("adversarial-{}", case.name)), &case.bytes).unwrap();
    }
    fs::write(
        dir.join("adversarial-marked-image.dcm"),
        crate::safety::marked_image(),
    )
    .unwrap();
}

#[test]
fn a_structure_the_walk_cannot_follow_is_refused_before_parsing() {
    // found by fuzzing: (FFFE,0000) where an element was expected, then a forged length;
    // the file used to go to dicom-object's full read, which allocated and zero-filled
    // 4 GB (a minute and 4 GB of memory for a 1 KB file)
    let path = crate::support::root()
        .join("fuzz/corpus/deidentify/found-forged-length-after-unparsed-structure");
    let start = std::time::Instant::now();
    let err = dicom_anonymizer::io::load(&path, &Default::default()).unwrap_err();
    assert_eq!(
        err.kind(),
        dicom_anonymizer::io::ReadErrorKind::Malformed,
        "{err}"
    );
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn a_forged_meta_length_after_an_element_of_another_group_is_refused() {
    // found by fuzzing: inside the meta group length, an element of group FFFD ended the
    // meta check early; the next element claimed 2.8 GB, which dicom-object allocated
    let path = crate::support::root()
        .join("fuzz/corpus/deidentify/found-forged-length-in-meta-after-other-group");
    let err = dicom_anonymizer::io::load(&path, &Default::default()).unwrap_err();
    assert!(
        matches!(
            err,
            dicom_anonymizer::io::ReadError::Truncated {
                place: dicom_anonymizer::io::TruncatedIn::Meta,
                ..
            }
        ),
        "{err}"
    );
}
