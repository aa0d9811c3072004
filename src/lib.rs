//! dicom-anonymizer: de-identify DICOM files with checked profiles.

pub mod dump;
pub mod io;
