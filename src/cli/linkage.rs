//! `dicom-anonymizer linkage show|find`: decrypt linkage files (several runs and shards
//! combine) and print the mappings, or answer "what became of this patient" and "whose is
//! this new UID". This is the one command that prints original values, on purpose: it
//! is for the holder of the identity key (the honest broker), and prints to stdout only.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::ExitStatus;
use crate::audit::linkage::{self, Row};

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RowFormat {
    /// `patient,attribute,original,new` with a header line (RFC 4180 quoting).
    #[default]
    Csv,
    /// A JSON array of `{patient, attribute, original, new}`.
    Json,
}

#[derive(Debug, Args)]
pub struct LinkageArgs {
    #[command(subcommand)]
    pub command: LinkageCommand,
}

#[derive(Debug, Subcommand)]
pub enum LinkageCommand {
    /// Print every mapping of the files (each once)
    #[command(after_help = r#"Examples:
  dicom-anonymizer linkage show --identity broker.key links.age
  dicom-anonymizer linkage show --identity broker.key --format json links.*-of-8.age

Exit status: 0 printed, 2 a file cannot be decrypted or read."#)]
    Show(ShowArgs),
    /// Find the mappings of one original Patient ID, or of one new UID or Patient ID
    #[command(after_help = r#"Examples:
  dicom-anonymizer linkage find --identity broker.key --original-patient-id 12345 links.age
  dicom-anonymizer linkage find --identity broker.key --new-uid 2.25.1234… run1.age run2.age

Exit status: 0 found, 1 nothing found, 2 a file cannot be decrypted or read."#)]
    Find(FindArgs),
}

#[derive(Debug, Args)]
pub struct KeyAndFiles {
    /// An age identity file (from `age-keygen`) of a recipient of the files (repeatable)
    #[arg(long, short = 'i', value_name = "KEYFILE", required = true)]
    pub identity: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = RowFormat::Csv)]
    pub format: RowFormat,
    /// Linkage files (of several runs or shards)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub common: KeyAndFiles,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("query").required(true).args(["original_patient_id", "new_uid", "new_patient_id"])))]
pub struct FindArgs {
    /// Every mapping of this patient (original Patient ID)
    #[arg(long, value_name = "ID")]
    pub original_patient_id: Option<String>,
    /// The original of this new Study, Series or SOP Instance UID, with its patient
    #[arg(long, value_name = "UID")]
    pub new_uid: Option<String>,
    /// The patient behind this new Patient ID
    #[arg(long, value_name = "ID")]
    pub new_patient_id: Option<String>,
    #[command(flatten)]
    pub common: KeyAndFiles,
}

fn load(common: &KeyAndFiles) -> Result<Vec<Row>, ExitStatus> {
    let fail = |e: linkage::LinkageError| {
        say!("error: {}", crate::batch::error_chain(&e));
        ExitStatus::Usage
    };
    let ids = linkage::read_identities(&common.identity).map_err(fail)?;
    let (_, rows) = linkage::read_files(&common.files, &ids).map_err(fail)?;
    Ok(rows)
}

fn print(rows: &[&Row], format: RowFormat) -> ExitStatus {
    let text = match format {
        RowFormat::Csv => linkage::to_csv(rows),
        RowFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into())
        ),
    };
    match super::write_stdout(&text) {
        Ok(()) => ExitStatus::Success,
        Err(s) => s,
    }
}

pub fn linkage(args: &LinkageArgs) -> ExitStatus {
    match &args.command {
        LinkageCommand::Show(a) => match load(&a.common) {
            Ok(rows) => print(&rows.iter().collect::<Vec<_>>(), a.common.format),
            Err(s) => s,
        },
        LinkageCommand::Find(a) => {
            let rows = match load(&a.common) {
                Ok(r) => r,
                Err(s) => return s,
            };
            let found = if let Some(id) = &a.original_patient_id {
                linkage::find_patient(&rows, id)
            } else if let Some(uid) = &a.new_uid {
                linkage::find_new(&rows, uid.trim(), &|attr| attr.ends_with("UID"))
            } else if let Some(id) = &a.new_patient_id {
                linkage::find_new(&rows, id.trim(), &|attr| attr == "PatientID")
            } else {
                Vec::new()
            };
            if found.is_empty() {
                say!("nothing found");
                return ExitStatus::Failure;
            }
            print(&found, a.common.format)
        }
    }
}
