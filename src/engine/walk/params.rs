//! The parameterised actions in the walk: `shift-date days A..B` / `by table T`,
//! `hash length N prefix "P"`, `keep-year`, `cap-age N`, `truncate N` and `lookup`.

use std::collections::HashMap;

use dicom_core::header::Header;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_object::mem::InMemElement;

use super::values::strings;
use super::{Step, Walker};
use crate::engine::error::ApplyError;
use crate::plan::DateShift;

/// The original values parameterised actions need: the patient key (for date shifts)
/// and the top-level attributes `lookup ... by` names. Taken before anything changes.
#[derive(Debug, Default, Clone)]
pub(crate) struct Originals {
    pub patient_key: String,
    /// the original PatientID (the key of `shift-date by table`)
    pub patient_id: Option<String>,
    pub by: HashMap<Tag, Option<String>>,
}

fn attribute(tag: Tag) -> String {
    crate::dictionary::keyword_of(tag).map_or_else(|| crate::tag::fmt_tag(tag), str::to_string)
}

impl Walker<'_> {
    pub(super) fn apply_param(
        &mut self,
        elem: InMemElement,
        step: Step<'_>,
    ) -> Result<Option<InMemElement>, ApplyError> {
        let tag = elem.tag();
        let vr = elem.vr();
        let texts = |f: &dyn Fn(&str) -> String| -> Vec<String> {
            strings(&elem).iter().map(|v| f(v)).collect()
        };
        let put = |values: Vec<String>| {
            if values.iter().all(String::is_empty) {
                DataElement::empty(tag, vr)
            } else {
                DataElement::new(tag, vr, PrimitiveValue::Strs(values.into()))
            }
        };
        Ok(Some(match step {
            Step::ShiftDays(DateShift::Range(a, b)) => {
                let days = self
                    .keys
                    .shift_in_range(&self.originals.patient_key, *a, *b);
                return Ok(self.shift(elem, days));
            }
            Step::ShiftDays(DateShift::Table(t)) => {
                let days = self
                    .originals
                    .patient_id
                    .as_deref()
                    .and_then(|id| t.get(id))
                    .and_then(|d| d.trim().parse::<i64>().ok());
                let Some(days) = days else {
                    return Err(ApplyError::LookupMissing {
                        table: t.name.clone(),
                        attribute: "PatientID".to_string(),
                    });
                };
                return Ok(self.shift(elem, days));
            }
            Step::HashWith(h) => {
                let room = h.length.saturating_sub(h.prefix.chars().count()).max(1);
                put(texts(&|v| {
                    if v.is_empty() {
                        return String::new();
                    }
                    if matches!(vr, VR::IS | VR::DS) {
                        let digits = u32::try_from(room).unwrap_or(9).min(12);
                        format!("{}{}", h.prefix, self.keys.numeric_pseudonym(v, digits))
                    } else {
                        format!("{}{}", h.prefix, self.keys.pseudonym(v, room))
                    }
                }))
            }
            Step::KeepYear => {
                let out = put(texts(&|v| keep_year(v).unwrap_or_default()));
                self.dates_shifted = true;
                out
            }
            Step::CapAge(cap) => put(texts(&|v| cap_age(v, cap))),
            Step::Truncate(n) => put(texts(&|v| v.chars().take(n).collect())),
            Step::Lookup(l) => {
                let mut out = Vec::new();
                for v in strings(&elem) {
                    let key = match l.by {
                        Some(by) => self.originals.by.get(&by).cloned().flatten(),
                        None => Some(v.clone()),
                    };
                    let found = key
                        .as_deref()
                        .and_then(|k| l.table.get(k))
                        .map(str::to_string);
                    match (found, l.else_hash) {
                        (Some(x), _) => out.push(x),
                        (None, true) => out.push(self.keys.pseudonym(&v, 16)),
                        (None, false) => {
                            return Err(ApplyError::LookupMissing {
                                table: l.table.name.clone(),
                                attribute: attribute(l.by.unwrap_or(tag)),
                            });
                        }
                    }
                }
                let joined = out.join("\\");
                if let Err(problem) = crate::vr::check_literal(vr, &joined) {
                    return Err(ApplyError::ValueDoesNotFit {
                        path: self.path_to(tag),
                        vr,
                        problem,
                    });
                }
                put(out)
            }
            _ => elem,
        }))
    }
}

/// `YYYYMMDD` (DA) or a DT → `YYYY0101`; `None` when the value has no year.
pub(super) fn keep_year(v: &str) -> Option<String> {
    let year = v.get(..4)?;
    year.chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("{year}0101"))
}

/// An AS value above `cap` years becomes `cap + 1` years (`090Y` for 89); others stay.
/// A value that is not an age is emptied.
pub(super) fn cap_age(v: &str, cap: u16) -> String {
    let (n, unit) = (v.get(..3).and_then(|n| n.parse::<f64>().ok()), v.get(3..4));
    let years = match (n, unit) {
        (Some(n), Some("Y")) => n,
        (Some(n), Some("M")) => n / 12.0,
        (Some(n), Some("W")) => n * 7.0 / 365.25,
        (Some(n), Some("D")) => n / 365.25,
        _ => return String::new(),
    };
    if years > f64::from(cap) {
        format!("{:03}Y", cap.saturating_add(1).min(999))
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_above_the_cap_become_the_cap_plus_one() {
        assert_eq!(cap_age("093Y", 89), "090Y");
        assert_eq!(cap_age("090Y", 89), "090Y");
        assert_eq!(cap_age("089Y", 89), "089Y");
        assert_eq!(cap_age("045Y", 89), "045Y");
        assert_eq!(cap_age("999M", 80), "081Y");
        assert_eq!(cap_age("012W", 89), "012W");
        assert_eq!(cap_age("xx", 89), "");
    }

    /// Months, weeks and days are converted to years before the comparison: values below
    /// the cap in years stay, although their number is above it.
    #[test]
    fn months_weeks_and_days_are_compared_as_years() {
        assert_eq!(cap_age("500M", 80), "500M"); // 41.7 years
        assert_eq!(cap_age("100W", 5), "100W"); // 1.9 years
        assert_eq!(cap_age("300D", 1), "300D"); // 0.8 years
        assert_eq!(cap_age("400D", 1), "002Y"); // 1.1 years
        assert_eq!(cap_age("060W", 1), "002Y"); // 1.15 years
        assert_eq!(cap_age("013M", 1), "002Y"); // 1.08 years
    }

    #[test]
    fn keep_year_keeps_only_the_year() {
        assert_eq!(keep_year("20210315").as_deref(), Some("20210101"));
        assert_eq!(keep_year("20210315101010.5").as_deref(), Some("20210101"));
        assert_eq!(keep_year("21"), None);
    }
}
