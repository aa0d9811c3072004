//! A run over many files: the entry point ([`crate::deid`]) per file, in parallel.
//!
//! The batch adds what only a run over a tree needs: parallelism, output naming
//! (`--rename`), the refusal of outputs inside the source tree or already there,
//! `--dry-run`, `--fail-fast`, and one creation per output folder. Reading,
//! de-identifying and writing one instance is [`Deidentifier`]'s job.
//!
//! Each input is handled on its own: a failure (not DICOM, truncated, a value that
//! does not fit) is recorded for that file and the run goes on. A file that fails is
//! never written; an output is first written to a temporary file next to its final
//! place and renamed, so a crash never leaves a half-written output under the final
//! name. The source is opened for reading only.
//!
//! This module does no printing: every outcome goes to a callback (the CLI prints,
//! writes the report and moves the progress bar there).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::deid::{self, Deidentifier, Policy};
use crate::engine::Engine;
use crate::io::read::ReadOptions;
use crate::io::report::{FileOutcome, Outcome};
use crate::io::walk::{Input, Job, absolute};

mod dst;
mod queue;
mod stream;

pub use dst::{RunLock, TEMP_PREFIX, TEMP_SUFFIX, remove_stale_temp_files};

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
    /// Replace existing outputs (otherwise an output already there is skipped: `exists`).
    pub overwrite: bool,
    /// Do everything except writing.
    pub dry_run: bool,
    pub rename: Rename,
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Stop starting new files after the first failure.
    pub fail_fast: bool,
    pub read: ReadOptions,
    /// `--quarantine DIR`: rejected inputs are copied there unchanged, at their relative
    /// path (opt-in: they still hold PHI). `None`: nothing of them is written.
    pub quarantine: Option<PathBuf>,
    /// Hash each input and output while the output is written (for the manifest: the
    /// outcome's `hashes`), instead of leaving the manifest to read both files again.
    pub hash: bool,
}

/// Everything a worker needs, shared by all of them.
#[derive(Debug)]
pub struct Batch<'a> {
    /// The entry point each file goes through.
    pub deid: Deidentifier<'a>,
    pub options: RunOptions,
    /// The output root (for `--rename uid`).
    pub dst_root: PathBuf,
    /// The source root, absolute, to refuse any output inside it.
    src_root: PathBuf,
    /// Output folders seen lately in this run: their absolute form (resolved once, not
    /// per file) and whether they were created (at most [`DIRS_REMEMBERED`]).
    dirs: Mutex<HashMap<PathBuf, OutDir>>,
    /// Outputs claimed by an input of this run (`--rename uid` can give two inputs one
    /// name), as 128-bit digests of their paths ([`path_digest`]): about 20 bytes per
    /// output for the whole run instead of the path.
    claimed: Mutex<HashSet<[u8; 16]>>,
    /// Set from outside (SIGINT, SIGTERM) to stop taking new files.
    cancel: Arc<AtomicBool>,
}

#[derive(Debug, Clone)]
struct OutDir {
    absolute: PathBuf,
    created: bool,
    /// This run made the folder (it was not there): nothing in it is from an earlier run,
    /// so its outputs need no look for one already there (the no-replace rename still
    /// refuses to replace a file that appeared since).
    new: bool,
}

pub use crate::deid::error_chain;
use crate::deid::parent_of;

/// SHA-256 of a path's bytes, truncated to 128 bits: two outputs of one run collide only
/// when their paths are the same (a chance of about 2^-128 otherwise).
fn path_digest(path: &Path) -> [u8; 16] {
    use sha2::Digest;
    let d = sha2::Sha256::digest(path.as_os_str().as_encoded_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(d.get(..16).unwrap_or(&[0; 16]));
    out
}

impl<'a> Batch<'a> {
    /// A run of `engine` with `options` (its read options become the [`Policy`]'s).
    pub fn new(engine: Engine<'a>, options: RunOptions, src_root: &Path, dst_root: &Path) -> Self {
        let policy = Policy::default().with_read(options.read.clone());
        Self::with_deidentifier(
            Deidentifier::from_engine(engine, policy),
            options,
            src_root,
            dst_root,
        )
    }

    /// A run through `deid` (its policy's read options are used, not `options.read`).
    pub fn with_deidentifier(
        deid: Deidentifier<'a>,
        options: RunOptions,
        src_root: &Path,
        dst_root: &Path,
    ) -> Self {
        Batch {
            deid,
            options,
            dst_root: dst_root.to_path_buf(),
            src_root: absolute(src_root),
            dirs: Mutex::new(HashMap::new()),
            claimed: Mutex::new(HashSet::new()),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Stops taking new files once `cancel` is set (files already started finish, or
    /// fail, and their temporary files are removed).
    pub fn with_cancel(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// Whether the run was cancelled.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
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
                if stop.load(Ordering::Relaxed) || self.cancelled() {
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
        // a FIFO would block the read forever, a device never ends (the walk saw the
        // type of what it walked; a file swapped since is refused when opened, `io::read`)
        let seen = match job.seen {
            Some(t) => Ok(t),
            None => std::fs::metadata(&job.src).map(|m| m.file_type()),
        };
        match seen {
            Ok(t) => {
                if let Some(kind) = crate::small_file::kind_of(t) {
                    return FileOutcome::skipped(
                        job.src.clone(),
                        format!("{kind}, not a regular file"),
                    );
                }
            }
            Err(e) => {
                return FileOutcome::failed(
                    job.src.clone(),
                    format!("could not read the file: {e}"),
                );
            }
        }
        // a run again: the input of an output already there is not even read (in a folder
        // this run made, none can be: no look)
        if self.options.rename == Rename::Keep
            && !self.options.overwrite
            && !self.made_by_this_run(parent_of(&job.dst))
            && job.dst.exists()
        {
            return self.exists(job.src.clone(), job.dst.clone());
        }
        let mut instance = match self.deid.prepare(&job.src) {
            Ok(i) => i,
            Err(stop) => {
                let rejected = matches!(stop, deid::Stopped::Rejected(_));
                let mut outcome = stop.into_outcome(job.src.clone());
                if rejected && !self.options.dry_run {
                    if let Some(q) = &self.options.quarantine {
                        self.quarantine(job, q, &mut outcome);
                    }
                }
                return outcome;
            }
        };
        let out = match self.options.rename {
            Rename::Keep => job.dst.clone(),
            Rename::Uid => self.uid_path(instance.object()),
        };
        let (counts, facts, warnings) = instance.take_report();
        let mut outcome = FileOutcome {
            source: job.src.clone(),
            output: Some(out.clone()),
            outcome: Outcome::Written,
            error: None,
            reason: None,
            counts,
            bytes: 0,
            read: Some(instance.read_mode()),
            facts: Some(Box::new(facts)),
            trailing_zeros_dropped: instance.trailing_padding(),
            warnings,
            un_sequences_read: instance.un_sequences_read(),
            hashes: None,
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
        // with `--rename keep`, outputs are DST/REL of distinct relative paths: only names
        // made of UIDs can collide, and only they are kept for the whole run
        let first_claim = self.options.rename == Rename::Keep
            || self
                .claimed
                .lock()
                .map(|mut c| c.insert(path_digest(&out)))
                .unwrap_or(true);
        if !first_claim {
            return fail(
                outcome,
                format!(
                    "another input of this run has the same output `{}` (the same Study, Series and SOP Instance UIDs); nothing was written",
                    out.display()
                ),
            );
        }
        // (with `--rename keep`, the output was looked for before the input was read; the
        // rename below never replaces an output, so a real run needs no look here)
        if self.options.dry_run && !self.options.overwrite && out.exists() {
            return self.exists(job.src.clone(), out);
        }
        if self.options.dry_run {
            outcome.outcome = Outcome::WouldWrite;
            return outcome;
        }
        let ensure = |dir: &Path, again: bool| self.ensure_dir(dir, again);
        match deid::persist(
            instance,
            &out,
            self.options.overwrite,
            self.options.hash,
            &ensure,
        ) {
            Ok((bytes, hashes)) => {
                outcome.bytes = bytes;
                outcome.hashes = Some(hashes);
                outcome
            }
            Err(deid::PersistError::Exists) => self.exists(job.src.clone(), out),
            Err(deid::PersistError::Failed(why)) => fail(outcome, why),
        }
    }

    fn exists(&self, source: PathBuf, out: PathBuf) -> FileOutcome {
        FileOutcome {
            output: Some(out.clone()),
            ..FileOutcome::skipped(
                source,
                format!(
                    "{}: the output `{}` is already there (--overwrite replaces it)",
                    crate::io::report::SKIP_EXISTS,
                    out.display()
                ),
            )
        }
    }

    /// Copies a rejected input, unchanged, to `dir` at its relative path (never over an
    /// existing file); a failure is recorded in the outcome's error (it stays rejected).
    fn quarantine(&self, job: &Job, dir: &Path, outcome: &mut FileOutcome) {
        let to = dir.join(&job.rel);
        let copied = std::fs::create_dir_all(parent_of(&to)).and_then(|()| {
            if to.exists() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a file of that name is already in the quarantine folder",
                ));
            }
            std::fs::copy(&job.src, &to).map(|_| ())
        });
        match copied {
            Ok(()) => outcome.output = Some(to),
            Err(e) => {
                outcome.error = Some(format!("not quarantined: {e}"));
            }
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
                    bound(&mut d);
                    d.entry(dir.to_path_buf()).or_insert(OutDir {
                        absolute: a.clone(),
                        created: false,
                        new: false,
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
        let new = deid::create_dir_new(dir)?;
        if let Ok(mut d) = self.dirs.lock() {
            bound(&mut d);
            let entry = d.entry(dir.to_path_buf()).or_insert_with(|| OutDir {
                absolute: absolute(dir),
                created: true,
                new,
            });
            entry.created = true;
            // made again after it vanished: new again; there already: not new
            entry.new = new;
        }
        Ok(())
    }

    /// Whether this run made the folder `dir` (see [`OutDir::new`]).
    fn made_by_this_run(&self, dir: &Path) -> bool {
        self.dirs
            .lock()
            .ok()
            .is_some_and(|d| d.get(dir).is_some_and(|o| o.new))
    }

    /// `DST/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm` (new UIDs). A value
    /// that is not a well-formed UID (digits in dot-separated components: never `..`,
    /// `/` or empty) becomes `unknown`, so no name can leave DST.
    fn uid_path(&self, obj: &dicom_object::InMemDicomObject) -> PathBuf {
        let uid = |g: u16, e: u16| {
            obj.get(dicom_core::Tag(g, e))
                .and_then(|el| {
                    el.value()
                        .to_str()
                        .ok()
                        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                })
                .filter(|s| is_uid(s))
                .unwrap_or_else(|| "unknown".to_string())
        };
        self.dst_root
            .join(uid(0x0020, 0x000D))
            .join(uid(0x0020, 0x000E))
            .join(format!("{}.dcm", uid(0x0008, 0x0018)))
    }
}

/// Output folders remembered at most: the walk hands out the inputs folder by folder,
/// so a folder seldom comes back once this many others came after it. When the map is
/// full it is emptied: a folder seen again is resolved and created again (`mkdir` of a
/// folder that is there), and memory stays flat in the number of folders.
const DIRS_REMEMBERED: usize = 1024;

fn bound(dirs: &mut HashMap<PathBuf, OutDir>) {
    if dirs.len() >= DIRS_REMEMBERED {
        dirs.clear();
    }
}

/// A UID as PS3.5 9.1 writes it: at most 64 characters, components of digits separated
/// by single dots.
fn is_uid(s: &str) -> bool {
    s.len() <= 64
        && s.split('.')
            .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
}

/// De-identifies one file into `dst` (a file path; its folder is created), as `run`
/// does. Same as [`Deidentifier::file`] with a [`Policy::default`], which it predates:
///
/// ```no_run
/// use dicom_anonymizer::{Deidentifier, Keys, Policy, Profile, io::report::Outcome};
///
/// let plan = Profile::default_profile().compile()?;
/// let keys = Keys::from_file("key.bin".as_ref())?;
/// let deid = Deidentifier::new(&plan, &keys, Policy::default());
/// let done = deid.file("in.dcm".as_ref(), "out/in.dcm".as_ref());
/// assert_eq!(done.outcome, Outcome::Written, "{:?}", done.error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[deprecated(
    since = "0.2.0",
    note = "use `Deidentifier::new(plan, keys, policy).file(src, dst)`"
)]
pub fn deidentify_file(
    plan: &crate::plan::Plan,
    keys: &crate::engine::Keys,
    src: &Path,
    dst: &Path,
) -> FileOutcome {
    Deidentifier::new(plan, keys, Policy::default()).file(src, dst)
}
