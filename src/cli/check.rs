//! `dicom-anonymizer check --profile P DST [--source SRC]`: verify an output tree against
//! the plan, file by file, and (with the source) scan it for residual values.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ErrorFormat, ExitStatus, ProfileArgs};
use crate::check::{CheckSummary, Checker, FileReport};

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// One line per finding (`FILE: finding at PATH`), then a summary line.
    #[default]
    Text,
    /// One JSON document: the files with findings and the summary.
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = r#"Examples:
  dicom-anonymizer check deidentified/
  dicom-anonymizer check --source scans/ deidentified/
  dicom-anonymizer check --profile builtin:basic --profile site.anon --format json out/
  dicom-anonymizer check --manifest out/manifest.json --public-key sign.pub.pem out/

With --source, each output is compared with the file at the same relative path under SRC
(outputs written with --rename uid cannot be matched). Findings name files and tag paths,
never values.

Exit status: 0 clean, 1 something found, 2 usage or profile error."#)]
pub struct CheckArgs {
    /// The de-identified file or tree to verify
    pub dst: PathBuf,
    /// The source tree (or file): scan each output for values the plan removes from its source
    #[arg(long, value_name = "SRC")]
    pub source: Option<PathBuf>,
    /// With --source: search the outputs' pixel data bytes too (by default the byte scan reads every byte of an output but its root Pixel Data value, which run copies from the source unchanged)
    #[arg(long, requires = "source")]
    pub scan_pixels: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Worker threads (default: all cores)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Verify DST against run manifests instead (repeatable, e.g. one per shard): every listed output is there with its bytes, nothing else is
    #[arg(long, value_name = "FILE")]
    pub manifest: Vec<PathBuf>,
    /// With --manifest: the ed25519 public key (PEM) the manifests must be signed with
    #[arg(long, value_name = "PEM", requires = "manifest")]
    pub public_key: Option<PathBuf>,
    /// How to write profile diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    /// The profile options the outputs were made with (the same as given to `run`)
    #[command(flatten)]
    pub profile: ProfileArgs,
}

pub fn check(args: &CheckArgs) -> ExitStatus {
    if !args.manifest.is_empty() {
        return super::check_manifest::check_manifest(args);
    }
    let plan = match args.profile.plan(args.error_format) {
        Ok(p) => p,
        Err(status) => return status,
    };
    if !args.dst.exists() {
        say!("error: `{}` does not exist", args.dst.display());
        return ExitStatus::Usage;
    }
    if let Some(src) = &args.source {
        if !src.exists() {
            say!("error: the source `{}` does not exist", src.display());
            return ExitStatus::Usage;
        }
    }
    let checker = Checker::new(&plan).scan_pixels(args.scan_pixels);
    // reports are written as they come, in the order of the outputs' paths: nothing per
    // file is kept (`docs/performance.md`)
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let mut summary = CheckSummary::default();
    let mut failed: Option<std::io::Error> = None;
    let mut with_findings = 0u64;
    let mut on_report = |r: FileReport| {
        summary.add(&r);
        if failed.is_some() || r.findings.is_empty() {
            return;
        }
        let written = match args.format {
            CheckFormat::Text => r
                .findings
                .iter()
                .try_for_each(|f| writeln!(w, "{}: {f}", r.path.display())),
            // the document `{"files": [...], "summary": ...}` as `serde_json::json!` makes it
            CheckFormat::Json => serde_json::to_value(&r)
                .map_err(std::io::Error::other)
                .and_then(|v| {
                    w.write_all(if with_findings == 0 {
                        b"{\"files\":["
                    } else {
                        b","
                    })?;
                    serde_json::to_writer(&mut w, &v).map_err(std::io::Error::other)
                }),
        };
        with_findings += 1;
        if let Err(e) = written {
            failed = Some(e);
        }
    };
    if let Err(e) = checker.check_tree(&args.dst, args.source.as_deref(), args.jobs, &mut on_report)
    {
        say!("error: cannot start worker threads: {e}");
        return ExitStatus::Failure;
    }
    let written = match failed {
        Some(e) => Err(e),
        None => match args.format {
            CheckFormat::Text => writeln!(w, "{summary}"),
            CheckFormat::Json => serde_json::to_value(&summary)
                .map_err(std::io::Error::other)
                .and_then(|v| {
                    w.write_all(if with_findings == 0 {
                        b"{\"files\":["
                    } else {
                        b""
                    })?;
                    w.write_all(b"],\"summary\":")?;
                    serde_json::to_writer(&mut w, &v).map_err(std::io::Error::other)?;
                    writeln!(w, "}}")
                }),
        },
    }
    .and_then(|()| w.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("error: cannot write the findings: {e}");
            return ExitStatus::Failure;
        }
    }
    if summary.with_findings > 0 || summary.files == 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}
