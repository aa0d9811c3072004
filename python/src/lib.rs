//! `dicom_anonymizer._native`: the Python package's door onto the library's entry point
//! (`dicom_anonymizer::Deidentifier`). It converts arguments and results and adds no
//! de-identification logic: profiles compile with the library's compiler, instances go
//! through `Deidentifier::{bytes, file}`, trees through the batch `run` uses, and the
//! `dicom-anonymizer` command through the CLI's own `main_with`.
//!
//! The Python layer (`python/dicom_anonymizer/__init__.py`) turns pydicom datasets into
//! bytes and back, the old tool's rule dictionaries into the legacy JSON form the
//! converter reads, and results into exceptions. Nothing here panics into Python (pyo3
//! turns a panic into an exception anyway), and no message holds an element value: the
//! library's messages never do.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use dicom_anonymizer::batch::{Batch, RunOptions};
use dicom_anonymizer::io::report::FileOutcome;
use dicom_anonymizer::io::walk;
use dicom_anonymizer::profile::{self, Entry};
use dicom_anonymizer::{Deidentifier, Keys, Policy, Stopped};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

create_exception!(
    _native,
    DeidentifyError,
    PyException,
    "An instance was not de-identified: args are (outcome, reason)."
);

/// A compiled profile: immutable, shared between threads.
#[pyclass(frozen, module = "dicom_anonymizer._native")]
struct Plan {
    inner: Arc<dicom_anonymizer::Plan>,
}

#[pymethods]
impl Plan {
    /// What `dicom-anonymizer plan QUERY` prints: the rules for a tag, keyword, mask or
    /// path, and which one wins.
    fn explain(&self, query: &str) -> PyResult<String> {
        let (path, pattern) = dicom_anonymizer::cli::plan::parse_query(query).map_err(|e| {
            PyValueError::new_err(format!("`{query}` is not a tag, keyword or path: {e}"))
        })?;
        Ok(dicom_anonymizer::cli::plan::explain_at(
            &self.inner,
            &path,
            &pattern,
            None,
        ))
    }

    /// The whole plan as `dicom-anonymizer plan` prints it.
    fn table(&self) -> String {
        self.inner.to_table()
    }

    /// The profile names (written into De-identification Method).
    fn names(&self) -> Vec<String> {
        self.inner.names().to_vec()
    }

    /// The exact public tags the plan has rules for, as (group, element).
    fn exact_tags(&self) -> Vec<(u16, u16)> {
        let mut v: Vec<(u16, u16)> = self
            .inner
            .all_rules()
            .iter()
            .filter_map(|r| r.pattern.exact())
            .map(|t| (t.group(), t.element()))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// A secret key: the same key gives the same UIDs, pseudonyms and date shifts.
#[pyclass(frozen, module = "dicom_anonymizer._native")]
struct Key {
    inner: Arc<Keys>,
}

#[pymethods]
impl Key {
    /// A key from its bytes (at least 16).
    #[staticmethod]
    fn from_bytes(key: &[u8]) -> PyResult<Key> {
        if key.len() < 16 {
            return Err(PyValueError::new_err(
                "the key must be at least 16 bytes long",
            ));
        }
        Ok(Key {
            inner: Arc::new(Keys::from_bytes(key)),
        })
    }

    /// A key file, read as `run --key-file` reads it.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<Key> {
        Keys::from_file(&path)
            .map(|k| Key { inner: Arc::new(k) })
            .map_err(|e| PyValueError::new_err(dicom_anonymizer::deid::error_chain(&e)))
    }

    /// A random key (outputs will not match any other key's).
    #[staticmethod]
    fn random() -> PyResult<Key> {
        Keys::random()
            .map(|k| Key { inner: Arc::new(k) })
            .map_err(|e| PyOSError::new_err(e.to_string()))
    }

    fn __repr__(&self) -> &'static str {
        "Key(<secret>)"
    }
}

/// One source of a profile, as Python hands it over: `("builtin", name, "")`,
/// `("path", path, "")` or `("text", name, text)`.
fn entry(kind: &str, name: &str, text: &str) -> PyResult<Entry> {
    match kind {
        "builtin" => Ok(Entry::Builtin(name.to_string())),
        "path" => Ok(Entry::Path(PathBuf::from(name))),
        "text" => Ok(Entry::Text {
            name: name.to_string(),
            text: text.to_string(),
        }),
        other => Err(PyValueError::new_err(format!(
            "unknown profile source kind `{other}`"
        ))),
    }
}

/// Compiles the sources in order (later ones override earlier ones). Returns the plan
/// (`None` when there are errors), the diagnostics as the JSON `lint --error-format json`
/// prints, and the human report `lint` prints.
#[pyfunction]
fn compile(
    py: Python<'_>,
    sources: Vec<(String, String, String)>,
) -> PyResult<(Option<Plan>, String, String)> {
    let entries = sources
        .iter()
        .map(|(k, n, t)| entry(k, n, t))
        .collect::<PyResult<Vec<_>>>()?;
    let compiled = py.detach(|| profile::compile(&entries));
    let json = profile::report::render_json(&compiled.diagnostics, &compiled.sources);
    let mut human =
        profile::report::render_human(&compiled.diagnostics, &compiled.sources, false, 100);
    if !compiled.diagnostics.is_empty() {
        human.push_str(&profile::report::summary(&compiled.diagnostics));
        human.push('\n');
    }
    let plan = compiled.plan.map(|p| Plan { inner: Arc::new(p) });
    Ok((plan, json, human))
}

/// The old tool's JSON rules (either form) as `.anon` text; `ValueError` with the
/// converter's report when they do not convert.
#[pyfunction]
fn convert_rules(json: &str, name: &str) -> PyResult<String> {
    dicom_anonymizer::convert::json_to_anon(json, name).map_err(|errors| {
        PyValueError::new_err(
            dicom_anonymizer::cli::convert::render(&errors)
                .trim_end()
                .to_string(),
        )
    })
}

fn stopped(s: Stopped) -> PyErr {
    let outcome = match s.outcome() {
        dicom_anonymizer::io::report::Outcome::Skipped => "skipped",
        dicom_anonymizer::io::report::Outcome::Rejected => "rejected",
        _ => "failed",
    };
    DeidentifyError::new_err((outcome, s.reason().to_string()))
}

/// De-identifies a Part 10 file (or bare data set) held in memory, with the GIL
/// released. Returns `(bytes, counts, read)`: exactly the bytes `run` writes for a file
/// with the same bytes and key.
#[pyfunction]
fn deidentify_bytes<'py>(
    py: Python<'py>,
    plan: &Plan,
    key: &Key,
    data: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>, &'static str)> {
    let keys = Arc::clone(&key.inner);
    let inner = Arc::clone(&plan.inner);
    let done = py
        .detach(|| Deidentifier::new(&inner, &keys, Policy::default()).bytes(data))
        .map_err(stopped)?;
    let counts = PyDict::new(py);
    for (k, v) in &done.counts {
        counts.set_item(k, v)?;
    }
    Ok((PyBytes::new(py, &done.bytes), counts, done.read))
}

/// De-identifies one file into `dst` (replaced if it exists), with the GIL released.
/// Returns the report record as a JSON object.
#[pyfunction]
fn deidentify_file(
    py: Python<'_>,
    plan: &Plan,
    key: &Key,
    src: PathBuf,
    dst: PathBuf,
) -> PyResult<String> {
    let keys = Arc::clone(&key.inner);
    let inner = Arc::clone(&plan.inner);
    Ok(py.detach(|| {
        Deidentifier::new(&inner, &keys, Policy::default())
            .file(&src, &dst)
            .to_json_line()
    }))
}

/// `run SRC DST` through the batch, with the GIL released: returns one JSON object per
/// input (the `--report` records, which are also written to `report` when given).
#[pyfunction]
#[pyo3(signature = (plan, key, src, dst, jobs=0, report=None, overwrite=false, dry_run=false))]
#[allow(
    clippy::too_many_arguments,
    reason = "keyword arguments of one Python call"
)]
fn anonymize_tree(
    py: Python<'_>,
    plan: &Plan,
    key: &Key,
    src: PathBuf,
    dst: PathBuf,
    jobs: usize,
    report: Option<PathBuf>,
    overwrite: bool,
    dry_run: bool,
) -> PyResult<Vec<String>> {
    let keys = Arc::clone(&key.inner);
    let inner = Arc::clone(&plan.inner);
    py.detach(|| {
        let inputs = walk::discover(&src, &dst, None, None)
            .map_err(|e| PyValueError::new_err(dicom_anonymizer::deid::error_chain(&e)))?;
        let mut report_file = match &report {
            None => None,
            Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p).map_err(
                |e| PyOSError::new_err(format!("cannot create the report `{}`: {e}", p.display())),
            )?)),
        };
        let options = RunOptions {
            overwrite,
            dry_run,
            jobs,
            ..RunOptions::default()
        };
        let deid = Deidentifier::new(&inner, &keys, Policy::default());
        let batch = Batch::with_deidentifier(deid, options, &src, &dst);
        let lines = Mutex::new(Vec::with_capacity(inputs.len()));
        let on_outcome = |o: &FileOutcome| {
            if let Ok(mut l) = lines.lock() {
                l.push(o.to_json_line());
            }
        };
        batch
            .run(&inputs, &on_outcome)
            .map_err(|e| PyOSError::new_err(format!("cannot start worker threads: {e}")))?;
        let lines = lines.into_inner().unwrap_or_default();
        if let Some(w) = report_file.as_mut() {
            for l in &lines {
                writeln!(w, "{l}").map_err(|e| {
                    PyOSError::new_err(format!("the report could not be written: {e}"))
                })?;
            }
            w.flush()
                .map_err(|e| PyOSError::new_err(format!("the report could not be written: {e}")))?;
        }
        Ok(lines)
    })
}

/// The `dicom-anonymizer` command: `argv` with the program name first; returns the exit
/// status. The Python console script calls this, so `pip install` users run the very
/// code of the binary.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    let args = argv.into_iter().map(Into::into).collect();
    py.detach(|| dicom_anonymizer::cli::main_with(args) as i32)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Plan>()?;
    m.add_class::<Key>()?;
    m.add("DeidentifyError", m.py().get_type::<DeidentifyError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(convert_rules, m)?)?;
    m.add_function(wrap_pyfunction!(deidentify_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(deidentify_file, m)?)?;
    m.add_function(wrap_pyfunction!(anonymize_tree, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    Ok(())
}
