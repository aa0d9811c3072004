//! `dicom-anonymizer convert RULES.json [-o OUT.anon]`: a legacy JSON rule file as a
//! `.anon` profile, on stdout or written to a file.
//!
//! The work is in [`crate::convert`]; this file reads the input, renders problems on
//! stderr, and writes the output through a temporary file and a rename, so that on any
//! error nothing is written and an existing OUT.anon is left as it was.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use miette::{GraphicalReportHandler, GraphicalTheme};

use super::ExitStatus;
use crate::convert;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  dicom-anonymizer convert extra_rules.json\n  dicom-anonymizer convert rules.json -o rules.anon\n  dicom-anonymizer run --profile builtin:basic --profile rules.anon SRC DST"
)]
pub struct ConvertArgs {
    /// The legacy JSON rule file (the batch fork's `{"ACTION": [tags]}` or the upstream `{"(0xGGGG, 0xEEEE)": ACTION}`)
    #[arg(value_name = "RULES.json")]
    pub input: PathBuf,
    /// Write the profile to this file instead of stdout (replaced only if the conversion succeeds)
    #[arg(short, long, value_name = "OUT.anon")]
    pub output: Option<PathBuf>,
}

/// Converts; exit 0 on success, 1 when the input has errors or the output cannot be
/// written, 2 (usage) when the input cannot be read or is the output (nothing is written
/// then).
pub fn convert(args: &ConvertArgs) -> ExitStatus {
    let shown = args.input.display().to_string();
    let text = match crate::small_file::read_text(&args.input, crate::small_file::MAX_PROFILE_BYTES)
    {
        Ok(t) => t,
        Err(e) => {
            say!("error: cannot read `{shown}`: {e}");
            return ExitStatus::Usage;
        }
    };
    let converted = match convert::convert(&text, &shown) {
        Ok(c) => c,
        Err(errors) => {
            say_part!("{}", render(&errors));
            return ExitStatus::Failure;
        }
    };
    for w in &converted.warnings {
        say!("warning: {w}");
    }
    match &args.output {
        None => match super::write_stdout(&converted.text) {
            Ok(()) => ExitStatus::Success,
            Err(status) => status,
        },
        Some(path) => {
            if same_file(&args.input, path) {
                say!(
                    "error: `{}` is the input file; choose another output",
                    path.display()
                );
                return ExitStatus::Usage;
            }
            match write_atomically(path, converted.text.as_bytes()) {
                Ok(()) => ExitStatus::Success,
                Err(e) => {
                    say!(
                        "error: cannot write `{}`: {}",
                        path.display(),
                        io_reason(&e)
                    );
                    ExitStatus::Failure
                }
            }
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The errors as miette renders them (colours only on a terminal).
pub fn render(errors: &convert::ConvertErrors) -> String {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler =
        GraphicalReportHandler::new_themed(theme).with_width(if color { 100 } else { 80 });
    let mut out = String::new();
    if handler.render_report(&mut out, errors).is_err() {
        out = format!("error: {errors}\n");
        for e in &errors.errors {
            out.push_str(&format!("  {e}\n"));
        }
    }
    out
}
