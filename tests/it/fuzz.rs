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

#[test]
fn profile_compiler_seeds_replay() {
    let files = seeds("compile_profile");
    assert!(files.len() > 50, "{}", files.len());
    let mut compiled = 0;
    for path in &files {
        let data = fs::read(path).unwrap();
        if fuzzing::compile_profile(&data).compiled {
            compiled += 1;
        }
    }
    // the shipped profiles are among the seeds and compile
    assert!(compiled >= 10, "{compiled} of {}", files.len());
}

#[test]
fn deidentify_seeds_replay() {
    let files = seeds("deidentify");
    assert!(files.len() > 20, "{}", files.len());
    let mut broken = Vec::new();
    let mut accepted = 0;
    for path in &files {
        let data = fs::read(path).unwrap();
        if fuzzing::deidentify_bytes(&data).is_ok() {
            accepted += 1;
        }
        if let Err(e) = fuzzing::deidentify_invariants(&data) {
            broken.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    assert!(accepted > 10, "{accepted} of {}", files.len());
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
