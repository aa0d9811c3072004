//! `dicom-anonymizer run SRC DST`: de-identify a file, a folder or a nested tree.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use clap::Args;

use super::{ErrorFormat, ExitStatus, ProfileArgs};
use crate::batch::{Batch, Rename, RunOptions};
use crate::deid::{Deidentifier, Policy};
use crate::engine::Keys;
use crate::io::read::ReadOptions;
use crate::io::report::{FileOutcome, Outcome, Summary};
use crate::io::walk::{self, Shard};

#[derive(Debug, Args)]
#[command(after_help = r#"Examples:
  dicom-anonymizer run --key-file key.bin scans/ deidentified/
  dicom-anonymizer run --profile builtin:basic --option retain-uids in.dcm out.dcm
  dicom-anonymizer run -t PatientID 'replace "SUBJ-001"' --report run.jsonl scans/ out/
  dicom-anonymizer run --shard 2/8 --key-file key.bin /data/in /data/out

Exit status: 0 every file written (or skipped), 1 some files failed or were rejected, 2 usage or profile error."#)]
pub struct RunArgs {
    /// A DICOM file, a folder, or a nested tree
    pub src: PathBuf,
    /// Where the outputs go (the relative folder structure is kept)
    pub dst: PathBuf,
    /// Secret key for UIDs, pseudonyms and date shifts (at least 16 bytes); without it a random key is made
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Worker threads (default: all cores)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Write one JSON line per input: source, output, outcome, error, counts per action
    #[arg(long, value_name = "FILE.jsonl")]
    pub report: Option<PathBuf>,
    /// Do everything except writing outputs
    #[arg(long)]
    pub dry_run: bool,
    /// Replace outputs that exist (otherwise such a file fails)
    #[arg(long)]
    pub overwrite: bool,
    /// Name outputs from the new UIDs: Study/Series/SOPInstance.dcm
    #[arg(long, value_enum, default_value_t = Rename::Keep)]
    pub rename: Rename,
    /// Process only shard K of N (by a stable hash of the relative path), like `2/8`
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Read the inputs (paths relative to SRC, one per line) from FILE, or `-` for stdin
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// Stop after the first failed file
    #[arg(long)]
    pub fail_fast: bool,
    /// Copy inputs a `reject when` rejects, unchanged, into DIR (they still hold PHI; without it nothing of them is written)
    #[arg(long, value_name = "DIR")]
    pub quarantine: Option<PathBuf>,
    /// Largest file read whole into memory when it cannot be streamed (bytes)
    #[arg(long, value_name = "BYTES", default_value_t = ReadOptions::default().max_in_memory_bytes)]
    pub max_in_memory: u64,
    /// Do not show the progress bar
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// How to write profile diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    #[command(flatten)]
    pub profile: ProfileArgs,
}

pub fn run(args: &RunArgs) -> ExitStatus {
    let plan = match args.profile.plan(args.error_format) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let keys = match &args.key_file {
        Some(path) => match Keys::from_file(path) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("error: {}", crate::batch::error_chain(&e));
                return ExitStatus::Usage;
            }
        },
        None => match Keys::random() {
            Ok(k) => {
                eprintln!(
                    "warning: no --key-file: a random key was made for this run; new UIDs, pseudonyms and date shifts will not match any other run"
                );
                k
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitStatus::Usage;
            }
        },
    };
    let shard = match args.shard.as_deref().map(str::parse::<Shard>) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitStatus::Usage;
        }
    };
    let list = match &args.files_from {
        None => None,
        Some(p) => {
            let text = if p.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(p)
            };
            match text {
                Ok(t) => Some(t.lines().map(str::to_string).collect::<Vec<_>>()),
                Err(source) => {
                    eprintln!(
                        "error: {}",
                        crate::batch::error_chain(&walk::WalkError::FilesFrom {
                            path: p.clone(),
                            source
                        })
                    );
                    return ExitStatus::Usage;
                }
            }
        }
    };
    // rejected inputs hold PHI: they never go into the output tree or the source
    if let Some(q) = &args.quarantine {
        let (q_abs, dst_abs, src_abs) = (
            walk::absolute(q),
            walk::absolute(&args.dst),
            walk::absolute(&args.src),
        );
        if q_abs.starts_with(&dst_abs) || q_abs.starts_with(&src_abs) {
            eprintln!(
                "error: the quarantine folder `{}` must be outside SRC and DST (rejected inputs still hold PHI)",
                q.display()
            );
            return ExitStatus::Usage;
        }
    }
    let inputs = match walk::discover(&args.src, &args.dst, list.as_deref(), shard) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {}", crate::batch::error_chain(&e));
            return ExitStatus::Usage;
        }
    };
    let mut report = match &args.report {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("error: cannot create the report `{}`: {e}", p.display());
                return ExitStatus::Usage;
            }
        },
    };
    let read = ReadOptions {
        max_in_memory_bytes: args.max_in_memory,
        ..ReadOptions::default()
    };
    let policy = Policy::default().with_read(read.clone());
    let options = RunOptions {
        overwrite: args.overwrite,
        dry_run: args.dry_run,
        rename: args.rename,
        jobs: args.jobs,
        fail_fast: args.fail_fast,
        read,
        quarantine: args.quarantine.clone(),
    };
    let deid = Deidentifier::new(&plan, &keys, policy);
    let batch = Batch::with_deidentifier(deid, options, &args.src, &args.dst);
    let progress = if !args.quiet && std::io::stderr().is_terminal() && inputs.len() > 1 {
        let pb = indicatif::ProgressBar::new(inputs.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} files, {per_sec}, eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    } else {
        indicatif::ProgressBar::hidden()
    };
    let start = Instant::now();
    let state = Mutex::new((Summary::default(), report.take(), false));
    let on_outcome = |o: &FileOutcome| {
        let Ok(mut s) = state.lock() else {
            return;
        };
        s.0.add(o);
        match o.outcome {
            Outcome::Failed => progress.suspend(|| {
                eprintln!(
                    "{}: {}",
                    o.source.display(),
                    o.error.as_deref().unwrap_or("failed")
                );
            }),
            Outcome::Skipped => progress.suspend(|| {
                eprintln!(
                    "{}: skipped: {}",
                    o.source.display(),
                    o.error.as_deref().unwrap_or("")
                );
            }),
            Outcome::Rejected => progress.suspend(|| {
                eprintln!(
                    "{}: rejected: {}",
                    o.source.display(),
                    o.error.as_deref().unwrap_or("")
                );
            }),
            _ => {}
        }
        if let Some(w) = s.1.as_mut() {
            if writeln!(w, "{}", o.to_json_line()).is_err() {
                s.2 = true;
            }
        }
        progress.inc(1);
    };
    if let Err(e) = batch.run(&inputs, &on_outcome) {
        eprintln!("error: cannot start worker threads: {e}");
        return ExitStatus::Usage;
    }
    progress.finish_and_clear();
    let Ok((summary, mut report, report_failed)) = state.into_inner() else {
        return ExitStatus::Failure;
    };
    let report_failed = report_failed || report.as_mut().is_some_and(|w| w.flush().is_err());
    let secs = start.elapsed().as_secs_f64();
    let written = if args.dry_run {
        format!("{} would be written (dry run)", summary.would_write)
    } else {
        format!("{} written", summary.written)
    };
    let rejected = if summary.rejected > 0 {
        format!(", {} rejected", summary.rejected)
    } else {
        String::new()
    };
    eprintln!(
        "{written}, {} skipped{rejected}, {} failed; {:.1} MB in {:.2} s ({:.0} files/s)",
        summary.skipped,
        summary.failed,
        summary.bytes as f64 / 1e6,
        secs,
        summary.total() as f64 / secs.max(1e-9)
    );
    if report_failed {
        eprintln!("error: the report could not be written completely");
        return ExitStatus::Failure;
    }
    if summary.failed > 0 || summary.rejected > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}
