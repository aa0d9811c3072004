//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};

use dicom_anonymizer::profile::{self, Compiled, Entry};

/// The crate root (tests run with it as the working directory too).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, as diagnostics should show it.
pub fn rel(p: &Path) -> PathBuf {
    p.strip_prefix(root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Compiles one profile file (named relative to the crate root).
pub fn compile_file(p: &Path) -> Compiled {
    profile::compile(&[Entry::Path(rel(p))])
}

/// The human report, as `lint` prints it (no colour, 80 columns).
pub fn render(c: &Compiled) -> String {
    let mut s = profile::report::render_human(&c.diagnostics, &c.sources, false, 80);
    s.push_str(&profile::report::summary(&c.diagnostics));
    s.push('\n');
    s
}
