//! The library's one way in: a compiled [`Plan`], a [`Keys`] and a [`Policy`] make a
//! [`Deidentifier`], which de-identifies a file, a byte buffer or an in-memory data set.
//!
//! ```text
//!  Profile ──compile (once)──▶ Plan ─┐
//!                       Keys ────────┼──▶ Deidentifier ──▶ file(src, dst)  → FileOutcome
//!                     Policy ────────┘                 ──▶ bytes(&[u8])    → Deidentified
//!                                                      ──▶ dataset(&mut …) → Applied
//! ```
//!
//! Every front door goes through here and adds no de-identification logic of its own:
//! `run` (through [`crate::batch`], which adds the walk, parallelism, naming and the
//! checks on the output tree), the Python package, and the network node. Whatever one of
//! them does to an instance, the others do to the same bytes: [`Deidentifier::bytes`]
//! returns exactly the bytes that `run` writes for a file holding the same bytes (a buffer
//! is read through an anonymous temporary file, by the same reader).
//!
//! One instance goes through these steps ([`Deidentifier::prepare`]):
//!
//! 1. **read** ([`crate::io::read`]): header in memory, pixel data left in the source;
//! 2. **de-identify** ([`crate::engine`]): the plan over every element, the file meta made
//!    to agree;
//! 3. **policy** ([`Policy`]): the place for what decides per instance beyond the plan
//!    (rejecting an instance, pixel rules, recording the linkage of old and new UIDs);
//!    today it holds the read options only;
//! 4. **write** ([`Instance::write_to`], [`crate::io::write`](mod@crate::io::write)): the header, then the pixel
//!    bytes copied from the source.
//!
//! An instance that does not get written ends with a [`Stopped`]: skipped, rejected or
//! failed, with a one-line reason that names tags and causes, never element values.
//!
//! # Example
//!
//! ```no_run
//! use dicom_anonymizer::{Deidentifier, Keys, Policy, Profile};
//! use dicom_anonymizer::io::report::Outcome;
//!
//! let plan = Profile::default_profile().compile()?;
//! let keys = Keys::from_file("key.bin".as_ref())?;
//! let deid = Deidentifier::new(&plan, &keys, Policy::default());
//!
//! // a file, as `run` writes it (via a temporary file and a rename)
//! let done = deid.file("in.dcm".as_ref(), "out/in.dcm".as_ref());
//! assert_eq!(done.outcome, Outcome::Written, "{:?}", done.error);
//!
//! // bytes in, bytes out: the same bytes as the file written above
//! let input = std::fs::read("in.dcm")?;
//! let output = deid.bytes(&input)?;
//! assert_eq!(output.bytes, std::fs::read("out/in.dcm")?);
//!
//! // a data set already in memory
//! let mut obj = dicom_object::open_file("in.dcm")?;
//! let applied = deid.dataset(&mut obj)?;
//! println!("{:?}", applied.counts);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use dicom_object::{FileDicomObject, InMemDicomObject};

use crate::engine::{Applied, Counts, Engine, Keys, PixelFate};
use crate::io::read::{self, Loaded, ReadMode, ReadOptions};
use crate::io::report::{FileOutcome, InputFacts, Outcome};
use crate::io::walk::absolute;
use crate::io::{FileHashes, ReadError, write};
use crate::plan::Plan;

mod persist;
mod pixels;
pub(crate) use persist::{PersistError, create_dir, create_dir_new, parent_of, persist};
pub use pixels::{BURNED_IN_RISK, OnBurnedIn};

/// What the run decides per instance beyond the plan.
///
/// Today: how files are read. This is where rejection rules (an instance likely to
/// carry burned-in text), pixel rules and the linkage record belong: every front door
/// builds one `Policy` (`Policy::default()`, then the `with_` methods) and hands it to [`Deidentifier::new`], so a new policy item reaches
/// `run`, Python and `serve` at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// How sources are read (memory bound, streaming).
    pub read: ReadOptions,
    /// What happens to an instance that may carry burned-in text no pixel rule cleans.
    pub on_burned_in: OnBurnedIn,
}

impl Policy {
    /// The policy with this burned-in rule (`run --on-burned-in`).
    pub fn with_on_burned_in(mut self, on: OnBurnedIn) -> Self {
        self.on_burned_in = on;
        self
    }

    /// The policy with these read options.
    pub fn with_read(mut self, read: ReadOptions) -> Self {
        self.read = read;
        self
    }
}

/// Why an instance was not written. The reason names tags, offsets and causes, never
/// element values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Stopped {
    /// Deliberately not processed (a DICOMDIR: it lists patient names).
    #[error("skipped: {0}")]
    Skipped(String),
    /// Refused by the run's policy.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Not de-identified because of an error (unreadable, a value that does not fit,
    /// the output could not be written).
    #[error("{0}")]
    Failed(String),
}

impl Stopped {
    /// The outcome a report records for it.
    pub fn outcome(&self) -> Outcome {
        match self {
            Stopped::Skipped(_) => Outcome::Skipped,
            Stopped::Rejected(_) => Outcome::Rejected,
            Stopped::Failed(_) => Outcome::Failed,
        }
    }

    /// The reason, without the outcome.
    pub fn reason(&self) -> &str {
        match self {
            Stopped::Skipped(r) | Stopped::Rejected(r) | Stopped::Failed(r) => r,
        }
    }

    /// The report record of `source` that ended this way.
    pub fn into_outcome(self, source: PathBuf) -> FileOutcome {
        let outcome = self.outcome();
        let reason = match self {
            Stopped::Skipped(r) | Stopped::Rejected(r) | Stopped::Failed(r) => r,
        };
        let rejected = (outcome == Outcome::Rejected).then(|| reason.clone());
        FileOutcome {
            outcome,
            reason: rejected,
            ..FileOutcome::failed(source, reason)
        }
    }

    /// The engine's refusal (a `reject when` that holds, an encapsulated document) is a
    /// rejection; any other engine error a failure.
    fn apply(e: crate::engine::ApplyError) -> Self {
        match e {
            crate::engine::ApplyError::Rejected { reason } => Stopped::Rejected(reason),
            e => Stopped::Failed(error_chain(&e)),
        }
    }

    fn read(e: ReadError) -> Self {
        match e {
            ReadError::Dicomdir => Stopped::Skipped(
                "a DICOMDIR (it lists patient names; it is never copied)".to_string(),
            ),
            // a README, `.DS_Store`, `Thumbs.db` next to the images: not an error
            ReadError::NotDicom { reason } => {
                Stopped::Skipped(format!("{}: {reason}", crate::io::report::SKIP_NOT_DICOM))
            }
            e => Stopped::Failed(error_chain(&e)),
        }
    }
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

/// One de-identified instance, not yet written: the output of
/// [`Deidentifier::prepare`]. Its pixel data may still be in the source file.
#[derive(Debug)]
pub struct Instance {
    loaded: Loaded,
    counts: Counts,
    facts: InputFacts,
    warnings: Vec<String>,
}

impl Instance {
    /// Warnings for the report line (`burned-in-risk: ...`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The de-identified file meta and data set (without a streamed Pixel Data).
    pub fn object(&self) -> &FileDicomObject<InMemDicomObject> {
        &self.loaded.object
    }

    /// Elements per action (combined actions as the branch they resolved to).
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// What the engine reported (mappings made, decisions left to fallbacks) and the
    /// source's SOP class and transfer syntax, for the audit sinks (`crate::audit`).
    /// Holds original values: never for logs.
    pub fn facts(&self) -> &InputFacts {
        &self.facts
    }

    /// Takes the counts, the facts and the warnings out for the report, without copying
    /// them: [`Instance::counts`], [`Instance::facts`] and [`Instance::warnings`] are
    /// empty afterwards (writing the instance does not need them).
    pub fn take_report(&mut self) -> (Counts, InputFacts, Vec<String>) {
        (
            std::mem::take(&mut self.counts),
            std::mem::take(&mut self.facts),
            std::mem::take(&mut self.warnings),
        )
    }

    /// Zero bytes after the input's last element, dropped (see
    /// [`Loaded::trailing_padding`](crate::io::Loaded::trailing_padding)).
    pub fn trailing_padding(&self) -> u64 {
        self.loaded.trailing_padding()
    }

    /// UN elements of undefined length read as sequences of implicit VR items (see
    /// [`Loaded::un_sequences_read`](crate::io::Loaded::un_sequences_read)).
    pub fn un_sequences_read(&self) -> u32 {
        self.loaded.un_sequences_read()
    }

    /// How the source was read: `streamed`, `in-memory` or `bare-data-set`.
    pub fn read_mode(&self) -> &'static str {
        match self.loaded.how() {
            ReadMode::Streamed => "streamed",
            ReadMode::InMemory { .. } => "in-memory",
            ReadMode::BareDataSet { .. } => "bare-data-set",
        }
    }

    /// Writes the output to `out` from its current position; returns the bytes written.
    pub fn write_to(self, out: &mut File) -> Result<u64, Stopped> {
        self.write_hashing_to(out, false).map(|(n, _)| n)
    }

    /// [`Instance::write_to`], and with `hash` the sha256 of the source and of the output
    /// taken on the way (what a manifest records: [`write::write_hashing`]).
    pub fn write_hashing_to(
        self,
        out: &mut File,
        hash: bool,
    ) -> Result<(u64, FileHashes), Stopped> {
        let written = if hash {
            write::write_hashing(self.loaded, out)
        } else {
            write::write(self.loaded, out)
        };
        written
            .map(|s| (s.bytes_written, s.hashes))
            .map_err(|e| Stopped::Failed(error_chain(&e)))
    }
}

/// The output of [`Deidentifier::bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deidentified {
    /// The de-identified Part 10 file.
    pub bytes: Vec<u8>,
    /// Elements per action.
    pub counts: Counts,
    /// How the input was read: `streamed`, `in-memory` or `bare-data-set`.
    pub read: &'static str,
    /// See [`Instance::facts`].
    pub facts: InputFacts,
}

/// A plan, a key and a policy: de-identifies files, buffers and data sets. Cheap to
/// share between threads (`Sync`); see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Deidentifier<'a> {
    engine: Engine<'a>,
    policy: Policy,
}

impl<'a> Deidentifier<'a> {
    pub fn new(plan: &'a Plan, keys: &'a Keys, policy: Policy) -> Self {
        Self::from_engine(Engine::new(plan, keys), policy)
    }

    pub fn from_engine(engine: Engine<'a>, policy: Policy) -> Self {
        Deidentifier { engine, policy }
    }

    pub fn engine(&self) -> &Engine<'a> {
        &self.engine
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Reads and de-identifies `src`; the result is written with [`Instance::write_to`].
    pub fn prepare(&self, src: &Path) -> Result<Instance, Stopped> {
        let loaded = read::load(src, &self.policy.read).map_err(Stopped::read)?;
        self.finish(loaded)
    }

    /// [`Deidentifier::prepare`] on a file already open (from its start).
    pub fn prepare_open(&self, file: File) -> Result<Instance, Stopped> {
        let loaded = read::load_open(file, &self.policy.read).map_err(Stopped::read)?;
        self.finish(loaded)
    }

    /// Steps 2 and 3 of the [module docs](self) on a loaded file.
    fn finish(&self, mut loaded: Loaded) -> Result<Instance, Stopped> {
        let (sop_class, transfer_syntax) = {
            let meta = loaded.object.meta();
            let text = |s: &str| {
                Some(s.trim_end_matches(['\0', ' ']).to_string()).filter(|s| !s.is_empty())
            };
            (
                text(&meta.media_storage_sop_class_uid),
                text(meta.transfer_syntax()),
            )
        };
        // pixel rules and the burned-in risk are read from the original values
        let original = (
            self.engine.pixel_match(&loaded.object),
            crate::engine::pixel::burned_in_risk(&loaded.object),
        );
        let mut applied = self
            .engine
            .apply_file(&mut loaded.object)
            .map_err(Stopped::apply)?;
        if let Some(vr) = loaded.streamed_pixel_vr() {
            Engine::note_streamed_pixel_data(&mut applied, vr);
        }
        let deletes_pixel = applied.streamed_pixel == PixelFate::Deleted;
        let Applied {
            mut counts, facts, ..
        } = applied;
        // the engine never saw a streamed Pixel Data: count it as the plan decides it,
        // so that a report does not depend on how the file was read
        if loaded.streamed_pixel_bytes().is_some() {
            let step = if deletes_pixel { "delete" } else { "keep" };
            *counts.entry(step.to_string()).or_insert(0) += 1;
        }
        if deletes_pixel {
            loaded.drop_streamed_pixel_data();
        }
        let keeps_pixels = loaded.streamed_pixel_bytes().is_some()
            || crate::deid::pixels::has_pixels(&loaded.object);
        let step = self.pixel_step(&mut loaded, original, keeps_pixels)?;
        if step.regions > 0 {
            *counts.entry("pixel-blackout".to_string()).or_insert(0) += step.regions as u64;
        }
        Ok(Instance {
            loaded,
            counts,
            facts: InputFacts {
                sop_class,
                transfer_syntax,
                applied: facts,
            },
            warnings: step.warning.into_iter().collect(),
        })
    }

    /// De-identifies a Part 10 file (or a bare data set) held in memory. The output is
    /// exactly the bytes `run` writes for a file with these bytes and the same key.
    pub fn bytes(&self, input: &[u8]) -> Result<Deidentified, Stopped> {
        let io = |what: &str, e: std::io::Error| {
            Stopped::Failed(format!("cannot {what} a temporary file: {e}"))
        };
        let mut src = tempfile::tempfile().map_err(|e| io("create", e))?;
        src.write_all(input).map_err(|e| io("write", e))?;
        let mut instance = self.prepare_open(src)?;
        let read = instance.read_mode();
        let (counts, facts, _) = instance.take_report();
        let mut out = tempfile::tempfile().map_err(|e| io("create", e))?;
        let written = instance.write_to(&mut out)?;
        let mut bytes = Vec::with_capacity(usize::try_from(written).unwrap_or(0));
        out.seek(SeekFrom::Start(0))
            .and_then(|_| out.read_to_end(&mut bytes))
            .map_err(|e| io("read back", e))?;
        Ok(Deidentified {
            bytes,
            counts,
            read,
            facts,
        })
    }

    /// De-identifies a file already in memory, in place: the data set and its file meta,
    /// as [`Deidentifier::bytes`] does (a DICOMDIR is skipped the same way). Pixel Data
    /// is handled like any element.
    pub fn dataset(&self, obj: &mut FileDicomObject<InMemDicomObject>) -> Result<Applied, Stopped> {
        if obj.meta().media_storage_sop_class_uid()
            == dicom_dictionary_std::uids::MEDIA_STORAGE_DIRECTORY_STORAGE
            || obj
                .get(dicom_dictionary_std::tags::DIRECTORY_RECORD_SEQUENCE)
                .is_some()
        {
            return Err(Stopped::read(ReadError::Dicomdir));
        }
        let original = (
            self.engine.pixel_match(obj),
            crate::engine::pixel::burned_in_risk(obj),
        );
        let applied = self.engine.apply_file(obj).map_err(Stopped::apply)?;
        // the pixel step and the policy, as for a file: on the object itself
        let keeps_pixels = crate::deid::pixels::has_pixels(obj);
        if original.0.matched()
            || (keeps_pixels && (original.1.is_some() || original.0.verdict.is_some()))
        {
            let ts_uid = obj
                .meta()
                .transfer_syntax()
                .trim_end_matches(['\0', ' '])
                .to_string();
            let placeholder = FileDicomObject::new_empty_with_meta(obj.meta().clone());
            let mut loaded = Loaded::held(std::mem::replace(obj, placeholder), ts_uid);
            let step = self.pixel_step(&mut loaded, original, keeps_pixels);
            *obj = loaded.object;
            step?;
        }
        Ok(applied)
    }

    /// De-identifies `src` into `dst` (a file path; its folder is created) as `run` does:
    /// streamed read, the plan applied, written via a temporary file next to `dst` and
    /// renamed. An existing `dst` is replaced; `dst` must not be `src`. The outcome says
    /// what happened; its error, if any, names causes and tags, never values.
    pub fn file(&self, src: &Path, dst: &Path) -> FileOutcome {
        let mut instance = match self.prepare(src) {
            Ok(i) => i,
            Err(stop) => return stop.into_outcome(src.to_path_buf()),
        };
        let (counts, facts, warnings) = instance.take_report();
        let mut outcome = FileOutcome {
            source: src.to_path_buf(),
            output: Some(dst.to_path_buf()),
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
        let out_abs = match dst.file_name() {
            Some(name) => absolute(parent_of(dst)).join(name),
            None => absolute(dst),
        };
        let result = if out_abs.starts_with(absolute(src)) {
            Err("the output would be inside the source tree; nothing was written".to_string())
        } else {
            let ensure = |dir: &Path, _again: bool| create_dir(dir);
            persist(instance, dst, true, false, &ensure).map_err(|e| match e {
                PersistError::Failed(why) => why,
                PersistError::Exists => "the output is already there".to_string(),
            })
        };
        match result {
            Ok((bytes, _)) => outcome.bytes = bytes,
            Err(why) => {
                outcome.outcome = Outcome::Failed;
                outcome.error = Some(why);
            }
        }
        outcome
    }
}
