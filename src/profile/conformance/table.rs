//! The tables a plan is compared with: PS3.15 Table E.1-1 (the Basic Profile column of
//! 2026c, the option columns of 2023b) and the safe private attributes of Table E.3.10-1,
//! read once from `data/standard/`; and how strict an action is.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::OnceLock;

use dicom_core::VR;

use crate::plan::{Action, Combined, DeidOption};
use crate::tag::{TagPattern, normalize_creator};

const BASIC_TSV: &str = include_str!("../../../data/standard/ps3.15-2026c-basic-profile.tsv");
const OPTIONS_TSV: &str = include_str!("../../../data/standard/ps3.15-2023b-table-E.1-1.tsv");
const SAFE_PRIVATE_TSV: &str =
    include_str!("../../../data/standard/ps3.15-2023b-table-E.3.10-1-safe-private.tsv");

/// How much of an element's original value an action can leave in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strictness {
    /// The value as it is (K).
    Keep,
    /// The value with identifying parts taken out, or modified (C; `shift-date`).
    Clean,
    /// A value that is not the original (D, U).
    Dummy,
    /// No value (Z).
    Empty,
    /// No element (X).
    Delete,
}

impl Strictness {
    /// What a PS3.15 code asks for (a combined code: its weakest branch).
    pub fn of_code(code: &str) -> Option<Strictness> {
        Some(match code.trim() {
            "X" => Strictness::Delete,
            // PS3.15 defines Z as "a zero length value, or a non-zero length value that
            // may be a dummy value": a dummy satisfies it
            "Z" | "X/Z" | "D" | "U" | "Z/D" | "X/D" | "X/Z/D" | "X/Z/U" | "X/Z/U*" => {
                Strictness::Dummy
            }
            "C" => Strictness::Clean,
            "K" => Strictness::Keep,
            _ => return None,
        })
    }

    /// What an action gives, on an element of `vr` whose row says `code`.
    pub fn of_action(action: &Action, vr: Option<VR>, code: &str) -> Strictness {
        match action {
            Action::Delete => Strictness::Delete,
            Action::Empty => Strictness::Empty,
            Action::Combined(Combined::XZ) => Strictness::Empty,
            Action::Combined(_) => Strictness::Dummy,
            Action::Replace
            | Action::Set(_)
            | Action::Hash
            | Action::HashWith(_)
            | Action::Uid
            | Action::Lookup(_) => Strictness::Dummy,
            Action::ShiftDate | Action::ShiftDays(_) | Action::KeepYear | Action::Clean => {
                Strictness::Clean
            }
            // an age under the cap and a truncated text keep part of the value
            Action::CapAge(_) | Action::Truncate(_) => Strictness::Keep,
            Action::Keep if vr == Some(VR::SQ) && code.starts_with("X/Z/U") => Strictness::Dummy,
            Action::Keep | Action::Regexp(_) => Strictness::Keep,
        }
    }
}

/// One row of Table E.1-1 as the check reads it.
#[derive(Debug, Clone)]
pub struct Row {
    pub pattern: TagPattern,
    pub name: String,
    /// The Basic Profile code (2026c).
    pub code: String,
    /// The option cells (2023b): `K` or `C` (the stricter `C` where rows disagree).
    pub cells: Vec<(DeidOption, char)>,
}

impl Row {
    pub(super) fn cell(&self, option: DeidOption) -> Option<char> {
        self.cells
            .iter()
            .find(|(o, _)| *o == option)
            .map(|(_, c)| *c)
    }
}

/// The option a column header of Table E.1-1 stands for.
fn option_of_header(h: &str) -> Option<DeidOption> {
    Some(match h {
        "Rtn. Safe Priv. Opt." => DeidOption::RetainSafePrivate,
        "Rtn. UIDs Opt." => DeidOption::RetainUids,
        "Rtn. Dev. Id. Opt." => DeidOption::RetainDeviceIdentity,
        "Rtn. Inst. Id. Opt." => DeidOption::RetainInstitutionIdentity,
        "Rtn. Pat. Chars. Opt." => DeidOption::RetainPatientCharacteristics,
        "Rtn. Long. Full Dates Opt." => DeidOption::RetainLongFullDates,
        "Rtn. Long. Modif. Dates Opt." => DeidOption::RetainLongModifiedDates,
        "Clean Desc. Opt." => DeidOption::CleanDescriptors,
        "Clean Struct. Cont. Opt." => DeidOption::CleanStructuredContent,
        "Clean Graph. Opt." => DeidOption::CleanGraphics,
        _ => return None,
    })
}

fn clean_name(name: &str) -> String {
    name.replace('\u{200b}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rows of the Basic Profile with the option cells of their tags.
pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut lines = OPTIONS_TSV.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let tag_col = header.iter().position(|h| *h == "Tag");
        // the option cells of each tag, in file order
        let mut cells: HashMap<TagPattern, Vec<(DeidOption, char)>> = HashMap::new();
        for line in lines {
            let fields: Vec<&str> = line.split('\t').collect();
            let Some(Ok(pattern)) = tag_col
                .and_then(|c| fields.get(c))
                .map(|t| TagPattern::parse_tag(t))
            else {
                continue;
            };
            for (i, h) in header.iter().enumerate() {
                let (Some(o), Some(v)) = (option_of_header(h), fields.get(i)) else {
                    continue;
                };
                if let Some(c @ ('K' | 'C')) = v.trim().chars().next() {
                    cells.entry(pattern.clone()).or_default().push((o, c));
                }
            }
        }
        BASIC_TSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split('\t');
                let pattern = TagPattern::parse_tag(f.next()?).ok()?;
                let name = clean_name(f.next()?);
                let code = f.next()?.trim().to_string();
                let mut row_cells: Vec<(DeidOption, char)> = Vec::new();
                for (o, c) in cells.get(&pattern).into_iter().flatten() {
                    match row_cells.iter_mut().find(|(ro, _)| ro == o) {
                        // rows of one tag that disagree: C, the stricter reading
                        Some(slot) if *c == 'C' => slot.1 = 'C',
                        Some(_) => {}
                        None => row_cells.push((*o, *c)),
                    }
                }
                Some(Row {
                    pattern,
                    name,
                    code,
                    cells: row_cells,
                })
            })
            .collect()
    })
}

/// The private attributes of Table E.3.10-1: (group, creator, element offset).
pub(super) fn safe_private() -> &'static BTreeSet<(u16, String, u8)> {
    static SAFE: OnceLock<BTreeSet<(u16, String, u8)>> = OnceLock::new();
    SAFE.get_or_init(|| {
        SAFE_PRIVATE_TSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split('\t');
                let tag = f.next()?.trim();
                let creator = normalize_creator(f.next()?).to_string();
                let group = u16::from_str_radix(tag.get(1..5)?, 16).ok()?;
                let element = u8::from_str_radix(tag.get(8..10)?, 16).ok()?;
                Some((group, creator, element))
            })
            .collect()
    })
}
