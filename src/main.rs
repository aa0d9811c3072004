//! The `dicom-anonymizer` binary: everything lives in the library's `cli` module.

fn main() -> dicom_anonymizer::cli::ExitStatus {
    dicom_anonymizer::cli::main()
}
