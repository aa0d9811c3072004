//! The parameters of parameterised actions (`lookup`, `shift-date days A..B`,
//! `shift-date by table T`, `hash length N prefix "P"`), and the lookup tables they use.

use std::collections::HashMap;
use std::sync::Arc;

use dicom_core::Tag;

/// A lookup table loaded from a CSV file when the profile compiled.
#[derive(Debug, Clone)]
pub struct LookupTable {
    pub name: String,
    /// `file:line` of the `table` statement.
    pub origin: Arc<str>,
    /// The key and value columns, as named in the profile.
    pub key_column: String,
    pub value_column: String,
    pub rows: HashMap<String, String>,
}

impl PartialEq for LookupTable {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.origin == other.origin
    }
}

impl LookupTable {
    /// The value for a key (compared after trimming trailing padding and spaces).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.rows
            .get(key.trim_end_matches([' ', '\0']))
            .map(String::as_str)
    }
}

/// `lookup TABLE [by ATTRIBUTE] [else hash]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    pub table: Arc<LookupTable>,
    /// The attribute whose original value is the key (`None`: the element's own value).
    pub by: Option<Tag>,
    /// `else hash`: a key with no row gets a keyed pseudonym instead of failing the file.
    pub else_hash: bool,
}

/// How `shift-date` chooses the number of days.
#[derive(Debug, Clone, PartialEq)]
pub enum DateShift {
    /// `days A..B`: keyed per patient, within the inclusive range.
    Range(i64, i64),
    /// `by table T`: the table's value (whole days) for the original PatientID.
    Table(Arc<LookupTable>),
}

/// `hash length N prefix "P"`: N is the total length, prefix included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashSpec {
    pub length: usize,
    pub prefix: String,
}
