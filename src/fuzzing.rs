//! Entry points for fuzzing: arbitrary bytes in, never a panic out.
//!
//! The cargo-fuzz targets in `fuzz/` call these, and so does the seed replay test
//! (`tests/it/fuzz.rs`), so that the corpus is replayed on stable Rust by `cargo test`.
//! See docs/safety.md for how to run the fuzzers.
//!
//! * [`compile_profile`]: the profile compiler and both diagnostic renderers;
//! * [`deidentify_bytes`]: the whole per-file path of `run` (read, apply the built-in
//!   default plan, write) on a file holding the bytes.
//!
//! Nothing here is needed to de-identify files; it exists so that the same code is
//! exercised by the fuzzer and by the tests.

use std::sync::OnceLock;

use crate::deid::{Deidentifier, Policy};
use crate::engine::Keys;
use crate::io::ReadOptions;
use crate::plan::Plan;
use crate::profile::{self, Entry};

/// The key of every fuzzing run (the outputs only need to be deterministic).
const KEY: &[u8] = b"dicom-anonymizer fuzzing key 0001";

/// The in-memory limit for fuzzed files (a forged length must not allocate gigabytes).
const MAX_IN_MEMORY: u64 = 64 << 20;

/// What [`compile_profile`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileOutcome {
    /// A plan was compiled (no errors).
    pub compiled: bool,
    /// How many diagnostics (errors and warnings) were reported.
    pub diagnostics: usize,
}

/// Compiles `data` (as UTF-8, invalid sequences replaced) as a profile, renders every
/// diagnostic for people and as JSON, and prints the plan's table when it compiles.
pub fn compile_profile(data: &[u8]) -> CompileOutcome {
    let text = String::from_utf8_lossy(data);
    let compiled = profile::compile_str("fuzz.anon", &text);
    let human = profile::report::render_human(&compiled.diagnostics, &compiled.sources, false, 80);
    let json = profile::report::render_json(&compiled.diagnostics, &compiled.sources);
    let summary = profile::report::summary(&compiled.diagnostics);
    std::hint::black_box((human, json, summary));
    if let Some(plan) = &compiled.plan {
        std::hint::black_box(plan.to_table());
    }
    CompileOutcome {
        compiled: compiled.plan.is_some(),
        diagnostics: compiled.diagnostics.len(),
    }
}

/// The built-in default plan (basic + extra + pixel signatures), compiled once.
fn default_plan() -> Option<&'static Plan> {
    static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
    PLAN.get_or_init(|| {
        profile::compile(&[
            Entry::Builtin("basic".into()),
            Entry::Builtin("extra".into()),
            Entry::Builtin("pixel-signatures".into()),
        ])
        .plan
    })
    .as_ref()
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys::from_bytes(KEY))
}

/// Runs `data` through what `run` does to one file: the bytes are written to a temporary
/// file, read (streamed when possible), de-identified with the built-in default profile
/// and a fixed key, and written. Returns the output's bytes, or the one-line reason the
/// file was refused (as `run` would print it).
pub fn deidentify_bytes(data: &[u8]) -> Result<Vec<u8>, String> {
    let plan = default_plan().ok_or("the built-in profile does not compile")?;
    let policy = Policy::default().with_read(ReadOptions {
        max_in_memory_bytes: MAX_IN_MEMORY,
        ..ReadOptions::default()
    });
    Deidentifier::new(plan, keys(), policy)
        .bytes(data)
        .map(|d| d.bytes)
        .map_err(|e| e.to_string())
}

/// What the fuzzer checks beyond "no panic": an input that [`deidentify_bytes`] accepts
/// gives an output that is accepted again (an output this tool cannot read back would be a
/// broken file). `Err` names the broken property, without values.
pub fn deidentify_invariants(data: &[u8]) -> Result<(), String> {
    let Ok(output) = deidentify_bytes(data) else {
        return Ok(());
    };
    deidentify_bytes(&output)
        .map(|_| ())
        .map_err(|e| format!("the output cannot be read back: {e}"))
}
