//! `dicom-anonymizer lint FILE...`: every problem of each profile, in one report.

use clap::Args;

use super::{ErrorFormat, ExitStatus, print_diagnostics};
use crate::profile::{self, Entry};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  dicom-anonymizer lint my.anon\n  dicom-anonymizer lint --deny-warnings profiles/*.anon\n  dicom-anonymizer lint builtin:basic"
)]
pub struct LintArgs {
    /// Profiles to check (`builtin:NAME` for an embedded one); each is checked on its own
    #[arg(required = true, value_name = "PROFILE")]
    pub files: Vec<String>,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
    /// How to write diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
}

/// Checks each file; exit 1 when any has errors (or warnings, with `--deny-warnings`).
pub fn lint(args: &LintArgs) -> ExitStatus {
    // with JSON, one array for all the files (each has its own source map)
    let mut json = Vec::new();
    let mut failed = false;
    for f in &args.files {
        let compiled = profile::compile(&[Entry::from_arg(f)]);
        let d = &compiled.diagnostics;
        failed |= d.has_errors() || (args.deny_warnings && !d.is_empty());
        match args.error_format {
            ErrorFormat::Human => print_diagnostics(d, &compiled.sources, ErrorFormat::Human),
            ErrorFormat::Json => json.extend(profile::report::json_values(d, &compiled.sources)),
        }
    }
    if args.error_format == ErrorFormat::Json {
        let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| "[]".to_string());
        if let Err(status) = super::write_stdout(&format!("{text}\n")) {
            return status;
        }
    }
    if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}
