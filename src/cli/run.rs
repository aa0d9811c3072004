//! `dicom-anonymizer run SRC DST`: de-identify a file, a folder or a nested tree.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;

use super::{ErrorFormat, ExitStatus, ProfileArgs};
use crate::batch::{Batch, Rename, RunOptions};
use crate::deid::{Deidentifier, Policy};
use crate::engine::Keys;
use crate::io::read::ReadOptions;
use crate::io::report::{FileOutcome, Outcome, Summary};
use crate::io::walk::{self, Shard};
use crate::path_text::{escape_controls, shown};

#[derive(Debug, Args)]
#[command(after_help = r#"Examples:
  dicom-anonymizer run --key-file key.bin scans/ deidentified/
  dicom-anonymizer run --profile builtin:basic --option retain-uids in.dcm out.dcm
  dicom-anonymizer run -t PatientID 'replace "SUBJ-001"' --report run.jsonl scans/ out/
  dicom-anonymizer run --shard 2/8 --key-file key.bin /data/in /data/out

Exit status: 0 every file written or skipped (not DICOM, already there, ...), 1 some files failed or were rejected, or the run was interrupted, 2 usage or profile error."#)]
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
    /// An instance that may carry burned-in text no pixel rule cleans: by default one marked Burned In Annotation YES is rejected and a screen-capture class (secondary capture, ultrasound, video) not marked NO is written and flagged `burned-in-risk`; `reject` rejects both, `warn` writes and flags both, `keep` writes both unflagged
    #[arg(long, value_name = "POLICY", value_parser = ["reject", "warn", "keep"])]
    pub on_burned_in: Option<String>,
    /// Replace outputs that exist (otherwise they are skipped, so running again resumes)
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
    /// Largest file read whole into memory when it cannot be streamed: bytes, or with a unit (`512M`, `1G`, `2GiB`)
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_in_memory: u64,
    /// The old tool's walk: `batch` (SRC and all its subfolders, the default) or `folder` (only SRC's own files)
    #[arg(long = "type", value_enum, default_value_t = WalkType::Batch)]
    pub walk_type: WalkType,
    /// Do not show the progress bar
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// How to write profile diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(flatten)]
    pub audit: super::run_audit::AuditArgs,
}

/// `--type`: how much of SRC a run takes (the old tool's option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WalkType {
    /// SRC and all its subfolders.
    Batch,
    /// Only the files directly in SRC.
    Folder,
}

/// A size: a number of bytes, or a number with a unit `K`, `M`, `G`, `T` (powers of
/// 1024; `KB`, `KiB`, `MB`, ... mean the same), like `1G` or `512MiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.replace('_', "").parse().map_err(|_| {
        format!("`{text}` is not a size: write bytes, or a number and a unit like `1G`")
    })?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => {
            return Err(format!(
                "`{unit}` is not a size unit: use K, M, G or T (powers of 1024)"
            ));
        }
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Whether SRC is a folder (its outputs go into the folder DST, which can hold a lock).
fn inputs_go_to_a_folder(src: &std::path::Path) -> bool {
    src.is_dir()
}

/// A rate for the progress bar: whole files per second, with thousands separators.
fn rate(per_sec: f64) -> String {
    let n = per_sec.max(0.0).round() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn run(args: &RunArgs) -> ExitStatus {
    let (plan, sources) = match args.profile.compiled(args.error_format) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let keys = match &args.key_file {
        Some(path) => match Keys::from_file(path) {
            Ok(k) => k,
            Err(e) => {
                say!("error: {}", escape_controls(&crate::batch::error_chain(&e)));
                return ExitStatus::Usage;
            }
        },
        None => match Keys::random() {
            Ok(k) => {
                say!(
                    "warning: no --key-file: a random key was made for this run; new UIDs, pseudonyms and date shifts will not match any other run"
                );
                k
            }
            Err(e) => {
                say!("error: {e}");
                return ExitStatus::Usage;
            }
        },
    };
    let shard = match args.shard.as_deref().map(str::parse::<Shard>) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            say!("error: {e}");
            return ExitStatus::Usage;
        }
    };
    let list = match &args.files_from {
        None => None,
        Some(p) => {
            use crate::small_file::{MAX_LIST_BYTES, SmallFileError};
            let bytes = if p.as_os_str() == "-" {
                crate::small_file::read_limited(std::io::stdin().lock(), MAX_LIST_BYTES)
            } else {
                crate::small_file::read(p, MAX_LIST_BYTES)
            };
            let text =
                bytes.and_then(|b| String::from_utf8(b).map_err(|_| SmallFileError::NotUtf8));
            match text {
                Ok(t) => Some(t.lines().map(str::to_string).collect::<Vec<_>>()),
                Err(source) => {
                    say!(
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
            say!(
                "error: the quarantine folder `{}` must be outside SRC and DST (rejected inputs still hold PHI)",
                q.display()
            );
            return ExitStatus::Usage;
        }
    }
    let walk_options = walk::WalkOptions {
        recursive: args.walk_type == WalkType::Batch,
    };
    // the inputs are handed to the workers as the walk finds them (nothing per file is
    // kept for the whole run): `docs/performance.md`
    let inputs = match walk::stream(&args.src, &args.dst, list.as_deref(), shard, walk_options) {
        Ok(i) => i,
        Err(e) => {
            say!("error: {}", escape_controls(&crate::batch::error_chain(&e)));
            return ExitStatus::Usage;
        }
    };
    if let Some(p) = &args.report {
        if let Err(e) = walk::check_side_output("report", p, &args.src, &args.dst) {
            say!("error: {}", escape_controls(&crate::batch::error_chain(&e)));
            return ExitStatus::Usage;
        }
    }
    let mut report = match &args.report {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(std::io::BufWriter::new(f)),
            Err(e) => {
                say!("error: cannot create the report `{}`: {e}", shown(p));
                return ExitStatus::Usage;
            }
        },
    };
    let sinks = match args.audit.sinks(&super::run_audit::RunContext {
        plan: &plan,
        sources: &sources,
        keys: &keys,
        shard,
        src: &args.src,
        dst: &args.dst,
        source_writing: &|target: &std::path::Path| {
            walk::source_writing(
                &args.src,
                &args.dst,
                list.as_deref(),
                shard,
                walk_options,
                target,
            )
        },
        dry_run: args.dry_run,
        overwrite: args.overwrite,
        hide_sources: args.rename == Rename::Uid,
        report: args.report.as_deref(),
    }) {
        Ok(s) => s,
        Err(status) => return status,
    };
    let read = ReadOptions {
        max_in_memory_bytes: args.max_in_memory,
        ..ReadOptions::default()
    };
    let on_burned_in = args
        .on_burned_in
        .as_deref()
        .and_then(crate::deid::OnBurnedIn::from_name)
        .unwrap_or_default();
    let policy = Policy::default()
        .with_read(read.clone())
        .with_on_burned_in(on_burned_in);
    let options = RunOptions {
        overwrite: args.overwrite,
        dry_run: args.dry_run,
        rename: args.rename,
        jobs: args.jobs,
        fail_fast: args.fail_fast,
        read,
        quarantine: args.quarantine.clone(),
        // the manifest's hashes are taken while each output is written: the pixel data
        // is read once, instead of both files again afterwards
        hash: sinks.audit.manifest.is_some(),
    };
    // one run per DST (per shard): taken before the leftovers of a killed run are removed
    let _lock = if args.dry_run || !inputs_go_to_a_folder(&args.src) {
        None
    } else {
        match crate::batch::RunLock::acquire(&args.dst, shard.map(|s| (s.index, s.count))) {
            Ok(l) => Some(l),
            Err(e) => {
                say!("error: {}", escape_controls(&e));
                return ExitStatus::Usage;
            }
        }
    };
    if !args.dry_run && shard.is_none() {
        // left by a run that was killed (a run with --shard may share DST with other
        // shards still writing: it leaves them)
        let (removed, errors) = crate::batch::remove_stale_temp_files(&args.dst);
        if removed > 0 {
            say!(
                "note: removed {removed} temporary file(s) left in the output by an interrupted run"
            );
        }
        for e in errors {
            say!("warning: {}", escape_controls(&e));
        }
    }
    // SIGINT/SIGTERM: stop taking files, finish the ones started, flush the report and
    // print the summary; a second signal ends the process at once
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, cancel.clone());
        let _ = signal_hook::flag::register(signal, cancel.clone());
    }
    let deid = Deidentifier::new(&plan, &keys, policy);
    let batch =
        Batch::with_deidentifier(deid, options, &args.src, &args.dst).with_cancel(cancel.clone());
    // the number of inputs is known only when the walk ends: a count and a rate
    let progress =
        if !args.quiet && std::io::stderr().is_terminal() && inputs_go_to_a_folder(&args.src) {
            let pb = indicatif::ProgressBar::no_length();
            pb.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {pos} files, {rate}/s")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
                    .with_key(
                        "rate",
                        |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = w.write_str(&rate(s.per_sec()));
                        },
                    ),
            );
            pb
        } else {
            indicatif::ProgressBar::hidden()
        };
    let start = Instant::now();
    let state = Mutex::new((Summary::default(), report.take(), false));
    let on_outcome = |o: &FileOutcome| {
        sinks.audit.record(o);
        // the messages first, outside the lock: another worker's outcome need not wait for
        // this one's lines to reach the terminal
        match o.outcome {
            Outcome::Failed => progress.suspend(|| {
                say!(
                    "{}: {}",
                    shown(&o.source),
                    escape_controls(o.error.as_deref().unwrap_or("failed"))
                );
            }),
            // outputs already there (a run again) are only counted: there can be millions
            Outcome::Skipped
                if o.error
                    .as_deref()
                    .is_some_and(|e| e.starts_with(crate::io::report::SKIP_EXISTS)) => {}
            Outcome::Skipped => progress.suspend(|| {
                say!(
                    "{}: skipped: {}",
                    shown(&o.source),
                    escape_controls(o.error.as_deref().unwrap_or(""))
                );
            }),
            Outcome::Rejected => progress.suspend(|| {
                say!(
                    "{}: rejected: {}",
                    shown(&o.source),
                    escape_controls(o.error.as_deref().unwrap_or(""))
                );
            }),
            _ => {}
        }
        let written = matches!(o.outcome, Outcome::Written | Outcome::WouldWrite);
        for w in o.warnings.iter().filter(|_| written) {
            progress.suspend(|| say!("{}: warning: {}", shown(&o.source), escape_controls(w)));
        }
        let Ok(mut s) = state.lock() else {
            return;
        };
        s.0.add(o);
        if let Some(w) = s.1.as_mut() {
            if writeln!(w, "{}", o.to_json_line()).is_err() {
                s.2 = true;
            }
        }
        progress.inc(1);
    };
    let not_started = match batch.run_stream(inputs, &on_outcome) {
        Ok(n) => n,
        Err(e) => {
            say!("error: cannot start worker threads: {e}");
            return ExitStatus::Usage;
        }
    };
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
    let mut rejected = if summary.rejected > 0 {
        format!(", {} rejected", summary.rejected)
    } else {
        String::new()
    };
    if summary.burned_in_risk > 0 {
        rejected.push_str(&format!(
            ", {} flagged burned-in-risk (review them)",
            summary.burned_in_risk
        ));
    }
    let mut why_skipped = Vec::new();
    if summary.not_dicom > 0 {
        why_skipped.push(format!("{} not DICOM", summary.not_dicom));
    }
    if summary.already_there > 0 {
        why_skipped.push(format!("{} already there", summary.already_there));
    }
    let why_skipped = if why_skipped.is_empty() {
        String::new()
    } else {
        format!(" ({})", why_skipped.join(", "))
    };
    let interrupted = batch.cancelled();
    if interrupted {
        say!(
            "interrupted: {not_started} input(s) not started; run the same command again to resume (outputs already there are skipped)"
        );
    }
    say!(
        "{written}, {} skipped{why_skipped}{rejected}, {} failed; {:.1} MB in {:.2} s ({} files/s)",
        summary.skipped,
        summary.failed,
        summary.bytes as f64 / 1e6,
        secs,
        rate(summary.total() as f64 / secs.max(1e-9))
    );
    if !sinks.finish() {
        return ExitStatus::Failure;
    }
    if report_failed {
        say!("error: the report could not be written completely");
        return ExitStatus::Failure;
    }
    if summary.failed > 0 || summary.rejected > 0 || interrupted {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_units_and_rates_are_whole() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2 kb"), Ok(2048));
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert!(parse_size("1X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(rate(1173.2649), "1,173");
        assert_eq!(rate(12.5), "13");
        assert_eq!(rate(1_234_567.0), "1,234,567");
    }
}
