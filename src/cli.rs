//! The command line: argument parsing, dispatch and exit statuses.
//!
//! Each subcommand lives in its own file with an `Args` struct and one function that
//! returns an [`ExitStatus`]; `main.rs` only calls [`main`]. Exit statuses are decided
//! here and nowhere else: 0 success, 1 some files failed or a lint found errors, 2 a
//! usage error or a profile that does not compile.

use std::io::IsTerminal;
use std::process::Termination;

use clap::{Parser, Subcommand, ValueEnum};

use crate::profile::{self, Compiled, Diagnostics, Entry};
use crate::source::SourceMap;
pub use profile_args::{ProfileArgs, profile_entries};

pub mod check;
pub mod check_manifest;
pub mod convert;
pub mod legacy;
pub mod linkage;
pub mod lint;
pub mod plan;
pub mod profile_args;
pub mod run;
pub mod run_audit;
pub mod serve;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything worked.
    Success = 0,
    /// Some files failed, or `lint`/`check` found problems.
    Failure = 1,
    /// Bad arguments, or a profile that does not compile.
    Usage = 2,
}

impl Termination for ExitStatus {
    fn report(self) -> std::process::ExitCode {
        std::process::ExitCode::from(self as u8)
    }
}

/// How diagnostics are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ErrorFormat {
    /// Rendered for people, on stderr (colour only on a terminal).
    #[default]
    Human,
    /// A JSON array on stdout.
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "dicom-anonymizer",
    version,
    about = "De-identify DICOM files with profiles written in a small, checked language",
    long_about = "De-identify DICOM files with profiles written in a small, checked language.\n\n\
        The built-in default profile is the PS3.15 basic profile (2026c) plus the old tool's extra rules.\n\
        `dicom-anonymizer SRC DST` is short for `dicom-anonymizer run SRC DST`.",
    after_help = "Examples:\n  dicom-anonymizer run --key-file key.bin in/ out/\n  dicom-anonymizer lint my.anon\n  dicom-anonymizer plan --profile my.anon PatientName"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// De-identify a DICOM file, a folder or a nested tree into DST
    Run(Box<run::RunArgs>),
    /// Check profiles and report every problem (exit 1 on errors)
    Lint(lint::LintArgs),
    /// Print the compiled plan: what happens to each attribute, and which rule decided it
    Plan(plan::PlanArgs),
    /// Verify de-identified files against the plan; with --source, scan them for residual values
    Check(check::CheckArgs),
    /// Convert a legacy JSON rule file (the old tools' `--dictionary` or `extra_rules.json`) to a `.anon` profile
    Convert(convert::ConvertArgs),
    /// Decrypt linkage files: print the original -> new mappings, or find one patient or UID
    Linkage(linkage::LinkageArgs),
    /// Run an anonymizing DICOM node: receive (C-STORE), de-identify, store or forward
    Serve(Box<serve::ServeArgs>),
    /// Print shell completions
    #[command(
        after_help = "Examples:\n  dicom-anonymizer completions bash > ~/.local/share/bash-completion/completions/dicom-anonymizer\n  dicom-anonymizer completions zsh > ~/.zfunc/_dicom-anonymizer\n  dicom-anonymizer completions fish > ~/.config/fish/completions/dicom-anonymizer.fish"
    )]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

/// Writes text to stdout. A closed pipe (`plan | head`) is not an error: the reader has
/// what it wanted, so the command ends quietly, as ripgrep does. Any other write error is
/// printed and makes the command fail.
pub fn write_stdout(text: &str) -> Result<(), ExitStatus> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitStatus::Success),
        Err(e) => {
            say!("error: cannot write to stdout: {e}");
            Err(ExitStatus::Failure)
        }
    }
}

/// Prints diagnostics in the chosen format.
pub fn print_diagnostics(diags: &Diagnostics, sources: &SourceMap, format: ErrorFormat) {
    match format {
        ErrorFormat::Human => {
            if diags.is_empty() {
                return;
            }
            let stderr = std::io::stderr();
            let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let width = if color { 100 } else { 80 };
            say_part!(
                "{}",
                profile::report::render_human(diags, sources, color, width)
            );
            say!("{}", profile::report::summary(diags));
        }
        ErrorFormat::Json => {
            let _ = write_stdout(&format!(
                "{}\n",
                profile::report::render_json(diags, sources)
            ));
        }
    }
}

/// Compiles profiles for a command that needs a plan; on errors, prints them and
/// gives the exit status to return.
pub fn compile_or_report(
    entries: &[Entry],
    format: ErrorFormat,
    deny_warnings: bool,
) -> Result<Compiled, ExitStatus> {
    let compiled = profile::compile(entries);
    let failed = compiled.plan.is_none() || (deny_warnings && !compiled.diagnostics.is_empty());
    if failed || format == ErrorFormat::Human {
        print_diagnostics(&compiled.diagnostics, &compiled.sources, format);
    }
    if failed {
        return Err(ExitStatus::Usage);
    }
    Ok(compiled)
}

pub use legacy::normalize_args;

/// Parses the process arguments and runs the command.
pub fn main() -> ExitStatus {
    main_with(std::env::args_os().collect())
}

/// Parses `args` (the program name first) and runs the command: the binary, and the
/// `dicom-anonymizer` command that the Python package installs, go through here.
pub fn main_with(args: Vec<std::ffi::OsString>) -> ExitStatus {
    let args = match normalize_args(args) {
        Ok(a) => a,
        Err(msg) => {
            say!("error: {msg}");
            return ExitStatus::Usage;
        }
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            };
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Lint(a) => lint::lint(&a),
        Command::Plan(a) => plan::plan(&a),
        Command::Check(a) => check::check(&a),
        Command::Convert(a) => convert::convert(&a),
        Command::Linkage(a) => linkage::linkage(&a),
        Command::Serve(a) => serve::serve(&a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // generated into memory first: clap_complete panics on a write error
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "dicom-anonymizer", &mut script);
            match write_stdout(&String::from_utf8_lossy(&script)) {
                Ok(()) => ExitStatus::Success,
                Err(status) => status,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
