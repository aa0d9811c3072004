//! Reading linkage files back: age identities, decryption into the header and rows, and
//! the queries and CSV output of `dicom-anonymizer linkage`.

use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::{FORMAT, Header, LinkageError, Row};

/// Reads age identities (the files `age-keygen` writes).
pub fn read_identities(paths: &[PathBuf]) -> Result<Vec<Box<dyn age::Identity>>, LinkageError> {
    let mut all = Vec::new();
    for p in paths {
        let file = age::IdentityFile::from_file(p.display().to_string()).map_err(|source| {
            LinkageError::Identity {
                path: p.clone(),
                source,
            }
        })?;
        let ids = file
            .into_identities()
            .map_err(|_| LinkageError::NoIdentity(p.clone()))?;
        if ids.is_empty() {
            return Err(LinkageError::NoIdentity(p.clone()));
        }
        all.extend(ids);
    }
    Ok(all)
}

/// Decrypts one linkage file: its header and rows.
pub fn read_file(
    path: &Path,
    identities: &[Box<dyn age::Identity>],
) -> Result<(Header, Vec<Row>), LinkageError> {
    let decrypt_err = |why: String| LinkageError::Decrypt {
        path: path.to_path_buf(),
        why,
    };
    let file = std::fs::File::open(path).map_err(|e| decrypt_err(e.to_string()))?;
    let decryptor = age::Decryptor::new(std::io::BufReader::new(file))
        .map_err(|e| decrypt_err(e.to_string()))?;
    let reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| decrypt_err(e.to_string()))?;
    let bad = |line| LinkageError::Format {
        path: path.to_path_buf(),
        line,
    };
    let mut lines = std::io::BufReader::new(reader).lines();
    let first = lines
        .next()
        .ok_or_else(|| bad(1))?
        .map_err(|e| decrypt_err(e.to_string()))?;
    let header: Header = serde_json::from_str(&first).map_err(|_| bad(1))?;
    if header.format != FORMAT {
        return Err(bad(1));
    }
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| decrypt_err(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        rows.push(serde_json::from_str(&line).map_err(|_| bad(n + 2))?);
    }
    Ok((header, rows))
}

/// The rows of several files (runs, shards) together, each once, sorted by patient.
pub fn read_files(
    paths: &[PathBuf],
    identities: &[Box<dyn age::Identity>],
) -> Result<(Vec<Header>, Vec<Row>), LinkageError> {
    let mut headers = Vec::new();
    let mut rows = BTreeSet::new();
    for p in paths {
        let (h, r) = read_file(p, identities)?;
        headers.push(h);
        rows.extend(r);
    }
    Ok((headers, rows.into_iter().collect()))
}

/// The rows that answer "what became of this patient": every row of the original
/// Patient ID `id`.
pub fn find_patient<'r>(rows: &'r [Row], id: &str) -> Vec<&'r Row> {
    rows.iter().filter(|r| r.patient == id).collect()
}

/// The rows that answer "whose is this new value": the rows whose new value is `new`
/// (of an attribute that `accept` takes), and the patient-level rows (ID, name, date
/// shift) of their patients.
pub fn find_new<'r>(rows: &'r [Row], new: &str, accept: &dyn Fn(&str) -> bool) -> Vec<&'r Row> {
    let hits: Vec<&Row> = rows
        .iter()
        .filter(|r| r.new == new && accept(&r.attribute))
        .filter(|r| r.attribute != "DateShiftDays")
        .collect();
    let patients: BTreeSet<&str> = hits.iter().map(|r| r.patient.as_str()).collect();
    let mut out: BTreeSet<&Row> = hits.into_iter().collect();
    out.extend(rows.iter().filter(|r| {
        patients.contains(r.patient.as_str())
            && matches!(
                r.attribute.as_str(),
                "PatientID" | "PatientName" | "DateShiftDays"
            )
    }));
    out.into_iter().collect()
}

/// Quotes a CSV field (RFC 4180) when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Rows as CSV with a header line.
pub fn to_csv(rows: &[&Row]) -> String {
    let mut out = String::from("patient,attribute,original,new\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_field(&r.patient),
            csv_field(&r.attribute),
            csv_field(&r.original),
            csv_field(&r.new)
        ));
    }
    out
}
