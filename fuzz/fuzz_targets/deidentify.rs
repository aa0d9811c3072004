//! Read + apply the default plan + write, on arbitrary bytes: never a panic, and an
//! accepted input gives an output that is accepted again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = dicom_anonymizer::fuzzing::deidentify_invariants(data) {
        panic!("{broken}");
    }
});
