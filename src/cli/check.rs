//! `dicom-anonymizer check --profile P DST [--source SRC]`: verify an output tree against
//! the plan, file by file, and (with the source) scan it for residual values.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use super::{ErrorFormat, ExitStatus, ProfileArgs};
use crate::check::{self, CheckSummary, Checker, FileReport};

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
    let outputs = check::outputs(&args.dst);
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs)
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            say!("error: cannot start worker threads: {e}");
            return ExitStatus::Failure;
        }
    };
    let reports: Vec<FileReport> = pool.install(|| {
        outputs
            .par_iter()
            .map(|out| match &args.source {
                None => checker.check_file(out, None),
                Some(src) => match check::source_of(out, &args.dst, src) {
                    Some(source) => checker.check_file(out, Some(&source)),
                    None => {
                        let mut r = checker.check_file(out, None);
                        r.findings.push(check::Finding {
                            kind: check::FindingKind::NoSource,
                            at: None,
                            message: "no source file at the same relative path".into(),
                        });
                        r
                    }
                },
            })
            .collect()
    });
    let mut summary = CheckSummary::default();
    for r in &reports {
        summary.add(r);
    }
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    let written = match args.format {
        CheckFormat::Text => reports
            .iter()
            .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
            .try_for_each(|(r, f)| writeln!(w, "{}: {f}", r.path.display()))
            .and_then(|_| writeln!(w, "{summary}")),
        CheckFormat::Json => {
            let with: Vec<&FileReport> =
                reports.iter().filter(|r| !r.findings.is_empty()).collect();
            let doc = serde_json::json!({ "files": with, "summary": summary });
            writeln!(w, "{doc}")
        }
    };
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
