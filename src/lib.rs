//! De-identify DICOM files with profiles written in a small, checked language.
//!
//! ```text
//!  .anon text ──profile::compile──▶ Plan ──engine──▶ de-identified data set
//!  (syntax → includes → checks;        (every element, every depth: keep, delete,
//!   every problem in one report)        empty, replace, uid, hash, shift-date, ...)
//!
//!  run:  io::walk (inputs) → io::read (header; pixel data stays on disk)
//!        → engine → io::write (header + pixel bytes copied) → temp file, rename
//! ```
//!
//! The library does what the `dicom-anonymizer` command does. A [`Profile`] compiles into
//! a [`Plan`] (immutable, checked against the dictionary); the plan applies to a data set
//! with a secret [`Keys`] (UIDs, pseudonyms and date shifts are keyed HMACs, the same in
//! every run with the same key).
//!
//! # Example: a data set built in memory
//!
//! ```
//! use dicom_anonymizer::{Keys, Profile};
//! use dicom_core::{DataElement, PrimitiveValue, VR};
//! use dicom_dictionary_std::tags;
//! use dicom_object::InMemDicomObject;
//!
//! let mut obj = InMemDicomObject::from_element_iter([
//!     DataElement::new(tags::PATIENT_NAME, VR::PN, PrimitiveValue::from("Doe^Jane")),
//!     DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("123456")),
//!     DataElement::new(tags::STUDY_DATE, VR::DA, PrimitiveValue::from("20240131")),
//!     DataElement::new(tags::STUDY_INSTANCE_UID, VR::UI, PrimitiveValue::from("1.2.3.4.5")),
//!     DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("CT")),
//! ]);
//!
//! let plan = Profile::builtin("basic")
//!     .then(Profile::from_text("study.anon", r#"
//!         PatientID  replace "SUBJ-001"
//!         StudyDate  shift-date
//!     "#))
//!     .compile()?;
//! let keys = Keys::from_bytes(b"a secret of at least 16 bytes");
//! let applied = plan.apply(&mut obj, &keys)?;
//!
//! let text = |t| obj.get(t).map(|e| e.to_str().unwrap().to_string());
//! assert_eq!(text(tags::PATIENT_NAME).as_deref(), Some(""));           // Z: emptied
//! assert_eq!(text(tags::PATIENT_ID).as_deref(), Some("SUBJ-001"));     // the literal
//! assert_ne!(text(tags::STUDY_DATE).as_deref(), Some("20240131"));     // shifted
//! assert!(text(tags::STUDY_INSTANCE_UID).unwrap().starts_with("2.25.")); // remapped
//! assert_eq!(text(tags::MODALITY).as_deref(), Some("CT"));             // kept
//! // the plan still satisfies PS3.15: Z allows a dummy, and shifted dates earn the
//! // Retain Longitudinal Temporal Information Modified Dates Option (113107)
//! assert_eq!(text(tags::PATIENT_IDENTITY_REMOVED).as_deref(), Some("YES"));
//! assert_eq!(text(tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(), Some("MODIFIED"));
//! assert!(applied.dates_shifted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Files, buffers and data sets: the entry point
//!
//! A [`Deidentifier`] is the one way in that the command line, the Python package and the
//! network node share: a plan compiled once, a key, and the run's [`Policy`]. It
//! de-identifies a file (as `run` writes it), a byte buffer (bytes in, the same bytes
//! `run` would write out) or a data set in memory; an instance that is not written ends in
//! a [`Stopped`] (skipped, rejected or failed) with a reason that never holds values.
//!
//! ```
//! use dicom_anonymizer::{Deidentifier, Keys, Policy, Profile};
//!
//! let plan = Profile::default_profile().compile()?;
//! let keys = Keys::from_bytes(b"a secret of at least 16 bytes");
//! let deid = Deidentifier::new(&plan, &keys, Policy::default());
//!
//! let input = std::fs::read("tests/data/samples/site-a/patient-1/ct/IM0001.dcm")?;
//! let output = deid.bytes(&input)?;                 // what `run` writes for this file
//! assert_eq!(output.bytes.get(128..132), Some(&b"DICM"[..]));
//! assert!(output.counts.contains_key("uid"));
//!
//! // bytes that are not DICOM are skipped (not a failure), as `run` skips such files
//! let err = deid.bytes(b"not a DICOM file").unwrap_err();
//! assert_eq!(err.outcome(), dicom_anonymizer::io::report::Outcome::Skipped);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Snapshot-testing a profile
//!
//! [`Plan::to_table`] and [`dump::canonical_dump`] are stable text renderings, made to
//! be compared by snapshot tests: a change to a profile then shows as a reviewable diff.
//! docs/testing-profiles.md has a complete `insta::glob!` example over a folder of sample
//! files; `tests/it/api.rs` is the same test run on this repository's samples.
//!
//! # Layers
//!
//! [`tag`] parses selectors (the one place that does), [`profile`] compiles, [`plan`] is
//! the contract, [`engine`] applies it, [`io`] reads and writes files, [`deid`] is the entry
//! point (one instance: read, de-identify, write), [`batch`] runs it over many files, [`cli`]
//! is the command line. Errors never contain element values: they are
//! PHI.

/// Writes a line to stderr, like `eprintln!`, but a failing stderr (`2>/dev/full`, a
/// closed pipe) is ignored instead of panicking: messages are a courtesy and never a
/// reason to stop in the middle of a run.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        // formatted first, then one write: stderr is unbuffered, and a line written in
        // pieces holds its lock for a system call per piece (workers printing at once
        // then wait for each other)
        let mut line = format!($($arg)*);
        line.push('\n');
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

/// `say!` without the line break.
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub mod audit;
pub mod batch;
pub mod check;
pub mod cli;
pub mod convert;
pub mod deid;
pub mod dictionary;
pub mod dump;
pub mod engine;
pub mod fuzzing;
pub mod fuzzy;
pub mod io;
pub mod iod;
pub mod path_text;
pub mod plan;
pub mod profile;
pub mod serve;
pub mod small_file;
pub mod source;
mod tables;
pub mod tag;
pub mod vr;

pub use deid::{Deidentified, Deidentifier, Instance, Policy, Stopped};
pub use engine::{Applied, Keys};
pub use plan::Plan;
pub use profile::Profile;
