//! The profile compiler on arbitrary text: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    dicom_anonymizer::fuzzing::compile_profile(data);
});
