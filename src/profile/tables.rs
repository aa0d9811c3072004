//! `table NAME "FILE.csv" key COLUMN value COLUMN`: loading a lookup table.
//!
//! The file is CSV with a header row, UTF-8, comma-separated, fields optionally in double
//! quotes (`""` is a quote inside them). It is read when the profile compiles; a missing
//! file, a missing column, a duplicate key or a row without the columns are errors that
//! name the file and its line, never the values (a table of subject IDs holds PHI).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::ast::TableDecl;
use super::diagnostics::{Code, Diagnostic};
use crate::plan::LookupTable;

/// Loads the table; `dir` is the folder of the profile (`None`: not from a file).
pub fn load(
    decl: &TableDecl,
    dir: Option<&Path>,
    origin: Arc<str>,
) -> Result<LookupTable, Diagnostic> {
    let shown = decl.file.node.clone();
    let path = match dir {
        Some(d) => d.join(&decl.file.node),
        None => Path::new(&decl.file.node).to_path_buf(),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Diagnostic::new(Code::TableFile, format!("cannot read table file `{shown}`"))
            .label(decl.file.span, e.kind().to_string())
            .help("the path is relative to the profile; the file is CSV with a header row")
    })?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(
            Diagnostic::new(Code::TableFile, format!("`{shown}` is empty"))
                .label(decl.file.span, "no header row")
                .help("the first line names the columns, like `PatientID,SubjectID`"),
        );
    };
    let columns = fields(header);
    let find = |name: &str, span| {
        columns.iter().position(|c| c == name).ok_or_else(|| {
            Diagnostic::new(Code::TableFile, format!("`{shown}` has no column `{name}`"))
                .label(span, "not in the header row")
                .help(format!("the columns are: {}", columns.join(", ")))
        })
    };
    let key = find(&decl.key.node, decl.key.span)?;
    let value = find(&decl.value.node, decl.value.span)?;
    let mut rows: HashMap<String, String> = HashMap::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (i, line) in lines {
        let f = fields(line);
        let (Some(k), Some(v)) = (f.get(key), f.get(value)) else {
            return Err(Diagnostic::new(
                Code::TableFile,
                format!("line {} of `{shown}` lacks a column", i + 1),
            )
            .label(decl.file.span, format!("line {}", i + 1))
            .help(format!(
                "every row needs the `{}` and `{}` columns",
                decl.key.node, decl.value.node
            )));
        };
        if let Some(first) = first_line.insert(k.clone(), i + 1) {
            return Err(Diagnostic::new(
                Code::TableFile,
                format!(
                    "line {} of `{shown}` repeats the key of line {first}",
                    i + 1
                ),
            )
            .label(decl.key.span, "keys must be unique")
            .help("each key maps to one value; remove or merge the duplicate row"));
        }
        rows.insert(k.clone(), v.clone());
    }
    Ok(LookupTable {
        name: decl.name.node.clone(),
        origin,
        key_column: decl.key.node.clone(),
        value_column: decl.value.node.clone(),
        rows,
    })
}

/// The fields of a CSV line (trimmed; quotes removed).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}
