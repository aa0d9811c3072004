//! dicom-anonymizer: de-identify DICOM files with checked profiles.

pub mod batch;
pub mod check;
pub mod cli;
pub mod convert;
pub mod dictionary;
pub mod dump;
pub mod engine;
pub mod fuzzing;
pub mod io;
pub mod iod;
pub mod plan;
pub mod profile;
pub mod source;
pub mod tag;
pub mod vr;
