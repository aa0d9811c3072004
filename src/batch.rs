//! A run over many files: read → apply the plan → write, per file, in parallel.
//!
//! Each input is handled on its own: a failure (not DICOM, truncated, a value that
//! does not fit) is recorded for that file and the run goes on. A file that fails is
//! never written; an output is first written to a temporary file next to its final
//! place and renamed, so a crash never leaves a half-written output under the final
//! name. The source is opened for reading only.
//!
//! This module does no printing: every outcome goes to a callback (the CLI prints,
//! writes the report and moves the progress bar there).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::Engine;
use crate::io::read::{self, ReadMode, ReadOptions};
use crate::io::report::{FileOutcome, Outcome};
use crate::io::walk::{Input, Job, absolute};
use crate::io::{ReadError, write};

/// How outputs are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Rename {
    /// Keep the relative path of each input.
    #[default]
    Keep,
    /// `StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm` from the new UIDs
    /// (file names often hold identifying text).
    Uid,
}

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replace existing outputs (otherwise an existing output fails that file).
    pub overwrite: bool,
    /// Do everything except writing.
    pub dry_run: bool,
    pub rename: Rename,
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Stop starting new files after the first failure.
    pub fail_fast: bool,
    pub read: ReadOptions,
}

/// Everything a worker needs, shared by all of them.
#[derive(Debug)]
pub struct Batch<'a> {
    pub engine: Engine<'a>,
    pub options: RunOptions,
    /// The output root (for `--rename uid`).
    pub dst_root: PathBuf,
    /// The source root, absolute, to refuse any output inside it.
    src_root: PathBuf,
    /// Output folders seen in this run: their absolute form (resolved once, not per
    /// file) and whether they were created.
    dirs: Mutex<HashMap<PathBuf, OutDir>>,
}

#[derive(Debug, Clone)]
struct OutDir {
    absolute: PathBuf,
    created: bool,
}

/// The folder an output goes into.
fn parent_of(out: &Path) -> &Path {
    out.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Error text with its causes, `a: b: c`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

impl<'a> Batch<'a> {
    pub fn new(engine: Engine<'a>, options: RunOptions, src_root: &Path, dst_root: &Path) -> Self {
        Batch {
            engine,
            options,
            dst_root: dst_root.to_path_buf(),
            src_root: absolute(src_root),
            dirs: Mutex::new(HashMap::new()),
        }
    }

    /// Processes every input (in parallel) and hands each outcome to `on_outcome`, in
    /// completion order.
    pub fn run(
        &self,
        inputs: &[Input],
        on_outcome: &(dyn Fn(&FileOutcome) + Sync),
    ) -> Result<(), rayon::ThreadPoolBuildError> {
        let stop = AtomicBool::new(false);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.options.jobs)
            .build()?;
        pool.install(|| {
            inputs.par_iter().for_each(|input| {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let outcome = match input {
                    Input::File(job) => self.process(job),
                    Input::Unreadable { path, reason } => {
                        FileOutcome::failed(path.clone(), reason.clone())
                    }
                };
                if self.options.fail_fast && outcome.outcome == Outcome::Failed {
                    stop.store(true, Ordering::Relaxed);
                }
                on_outcome(&outcome);
            });
        });
        Ok(())
    }

    /// De-identifies one file.
    pub fn process(&self, job: &Job) -> FileOutcome {
        let mut loaded = match read::load(&job.src, &self.options.read) {
            Ok(l) => l,
            Err(ReadError::Dicomdir) => {
                return FileOutcome::skipped(
                    job.src.clone(),
                    "a DICOMDIR (it lists patient names; it is never copied)".to_string(),
                );
            }
            Err(e) => return FileOutcome::failed(job.src.clone(), error_chain(&e)),
        };
        let read_mode = match loaded.how() {
            ReadMode::Streamed => "streamed",
            ReadMode::InMemory { .. } => "in-memory",
            ReadMode::BareDataSet { .. } => "bare-data-set",
        };
        let (sop_class, transfer_syntax) = {
            let meta = loaded.object.meta();
            let text = |s: &str| Some(s.trim_end_matches(['\0', ' ']).to_string());
            (
                text(&meta.media_storage_sop_class_uid),
                text(meta.transfer_syntax()),
            )
        };
        let mut applied = match self.engine.apply_file(&mut loaded.object) {
            Ok(a) => a,
            Err(e) => return FileOutcome::failed(job.src.clone(), error_chain(&e)),
        };
        // the engine never saw a streamed Pixel Data: count it as the plan decides it,
        // so that a report does not depend on how the file was read
        if loaded.streamed_pixel_bytes().is_some() {
            let step = if self.engine.deletes_pixel_data() {
                "delete"
            } else {
                "keep"
            };
            *applied.counts.entry(step.to_string()).or_insert(0) += 1;
        }
        if let Some(vr) = loaded.streamed_pixel_vr() {
            self.engine.note_streamed_pixel_data(&mut applied.facts, vr);
        }
        if self.engine.deletes_pixel_data() {
            loaded.drop_streamed_pixel_data();
        }
        let out = match self.options.rename {
            Rename::Keep => job.dst.clone(),
            Rename::Uid => self.uid_path(&loaded.object),
        };
        let mut outcome = FileOutcome {
            source: job.src.clone(),
            output: Some(out.clone()),
            outcome: Outcome::Written,
            error: None,
            counts: applied.counts,
            bytes: 0,
            read: Some(read_mode),
            facts: Some(Box::new(crate::io::report::InputFacts {
                sop_class: sop_class.filter(|s| !s.is_empty()),
                transfer_syntax: transfer_syntax.filter(|s| !s.is_empty()),
                applied: applied.facts,
            })),
        };
        let fail = |mut o: FileOutcome, why: String| {
            o.outcome = Outcome::Failed;
            o.error = Some(why);
            o
        };
        if self.inside_source(&out) {
            return fail(
                outcome,
                "the output would be inside the source tree; nothing was written".to_string(),
            );
        }
        if !self.options.overwrite && out.exists() {
            return fail(
                outcome,
                format!(
                    "the output `{}` exists (use --overwrite to replace it)",
                    out.display()
                ),
            );
        }
        if self.options.dry_run {
            outcome.outcome = Outcome::WouldWrite;
            return outcome;
        }
        match self.write(loaded, &out) {
            Ok(bytes) => {
                outcome.bytes = bytes;
                outcome
            }
            Err(why) => fail(outcome, why),
        }
    }

    /// Whether `out` would be inside the source tree. The folder is resolved (symbolic
    /// links followed) once per run; the file name is appended without resolving it: an
    /// output that exists as a link into the source is refused as existing, or, with
    /// `--overwrite`, the link itself is replaced by the rename, never its target.
    fn inside_source(&self, out: &Path) -> bool {
        let dir = parent_of(out);
        let cached = self
            .dirs
            .lock()
            .ok()
            .and_then(|d| d.get(dir).map(|o| o.absolute.clone()));
        let abs_dir = match cached {
            Some(a) => a,
            None => {
                let a = absolute(dir);
                if let Ok(mut d) = self.dirs.lock() {
                    d.entry(dir.to_path_buf()).or_insert(OutDir {
                        absolute: a.clone(),
                        created: false,
                    });
                }
                a
            }
        };
        let abs = match out.file_name() {
            Some(name) => abs_dir.join(name),
            None => abs_dir,
        };
        abs.starts_with(&self.src_root)
    }

    /// Creates the folder of `out` unless this run already did.
    fn ensure_dir(&self, dir: &Path, again: bool) -> Result<(), String> {
        let done = !again
            && self
                .dirs
                .lock()
                .ok()
                .is_some_and(|d| d.get(dir).is_some_and(|o| o.created));
        if done {
            return Ok(());
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the folder `{}`: {e}", dir.display()))?;
        if let Ok(mut d) = self.dirs.lock() {
            d.entry(dir.to_path_buf())
                .or_insert_with(|| OutDir {
                    absolute: absolute(dir),
                    created: true,
                })
                .created = true;
        }
        Ok(())
    }

    fn write(&self, loaded: read::Loaded, out: &Path) -> Result<u64, String> {
        let dir = parent_of(out);
        self.ensure_dir(dir, false)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".dcmanon-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let mut tmp = match builder.tempfile_in(dir) {
            // the folder was removed since this run created it
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.ensure_dir(dir, true)?;
                builder.tempfile_in(dir)
            }
            other => other,
        }
        .map_err(|e| format!("cannot create a file in `{}`: {e}", dir.display()))?;
        let stats = write::write(loaded, tmp.as_file_mut()).map_err(|e| error_chain(&e))?;
        let persisted = if self.options.overwrite {
            tmp.persist(out).map(|_| ())
        } else {
            tmp.persist_noclobber(out).map(|_| ())
        };
        persisted
            .map_err(|e| format!("cannot move the output to `{}`: {}", out.display(), e.error))?;
        Ok(stats.bytes_written)
    }

    /// `DST/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm` (new UIDs).
    fn uid_path(&self, obj: &dicom_object::InMemDicomObject) -> PathBuf {
        let uid = |g: u16, e: u16| {
            obj.get(dicom_core::Tag(g, e))
                .and_then(|el| {
                    el.value()
                        .to_str()
                        .ok()
                        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                })
                .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .unwrap_or_else(|| "unknown".to_string())
        };
        self.dst_root
            .join(uid(0x0020, 0x000D))
            .join(uid(0x0020, 0x000E))
            .join(format!("{}.dcm", uid(0x0008, 0x0018)))
    }
}

/// De-identifies one file into `dst` (a file path; its folder is created), as `run`
/// does: streamed read, the plan applied, written via a temporary file and renamed.
/// An existing `dst` is replaced. The outcome says what happened; its error, if any,
/// names causes and tags, never values.
///
/// ```no_run
/// use dicom_anonymizer::{Keys, Profile, batch::deidentify_file, io::report::Outcome};
///
/// let plan = Profile::default_profile().compile()?;
/// let keys = Keys::from_file("key.bin".as_ref())?;
/// let done = deidentify_file(&plan, &keys, "in.dcm".as_ref(), "out/in.dcm".as_ref());
/// assert_eq!(done.outcome, Outcome::Written, "{:?}", done.error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn deidentify_file(
    plan: &crate::plan::Plan,
    keys: &crate::engine::Keys,
    src: &Path,
    dst: &Path,
) -> FileOutcome {
    let options = RunOptions {
        overwrite: true,
        jobs: 1,
        ..RunOptions::default()
    };
    // the source root is the file itself: only writing onto it is refused
    let batch = Batch::new(
        Engine::new(plan, keys),
        options,
        src,
        dst.parent().unwrap_or(Path::new(".")),
    );
    batch.process(&Job {
        src: src.to_path_buf(),
        rel: src.file_name().map(PathBuf::from).unwrap_or_default(),
        dst: dst.to_path_buf(),
    })
}
