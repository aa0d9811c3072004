//! The shipped profiles (`profiles/*.anon`): generated from the standard's tables in
//! `data/standard/`, and checked against those tables row for row.
//!
//! `basic.anon` and the `retain-*.anon` option profiles are written by the generator in
//! this file (`generate_all`). `generated_profiles_are_up_to_date` compares the committed
//! files with what the generator produces; with `UPDATE_PROFILES=1` it rewrites them:
//!
//! ```text
//! UPDATE_PROFILES=1 cargo test --test it profiles
//! ```
//!
//! The other tests compile the profiles and compare the plans with the tables directly
//! (not with the generator's output), so a new edition of the standard is a change of
//! data (a TSV), reviewed as a diff of `profiles/`. `extra.anon` is written by hand.
//! The decisions the generator makes are explained in docs/profiles.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use dicom_anonymizer::cli::profile_entries;
use dicom_anonymizer::dictionary;
use dicom_anonymizer::plan::{Action, Combined, Decision, DeidOption, Disposition, Plan};
use dicom_anonymizer::profile::ast::{ItemKind, Rule, Selector, Spanned};
use dicom_anonymizer::profile::{self, Code, Entry, builtin, print};
use dicom_anonymizer::source::{Origin, SourceMap, Span};
use dicom_anonymizer::tag::TagPattern;
use dicom_core::{Tag, VR};

mod checks;
mod generate;
mod tables;

use generate::{generate_all, outside_data_set};
use tables::{
    SafePrivateRow, basic_by_pattern, basic_rows, column, option_cells, read_tsv, root,
    safe_private_rows,
};

const BASIC_TSV: &str = "data/standard/ps3.15-2026c-basic-profile.tsv";
const OPTIONS_TSV: &str = "data/standard/ps3.15-2023b-table-E.1-1.tsv";
const SAFE_PRIVATE_TSV: &str = "data/standard/ps3.15-2023b-table-E.3.10-1-safe-private.tsv";

/// An option column of Table E.1-1 that ships as a profile.
struct OptionColumn {
    header: &'static str,
    option: DeidOption,
    /// What the option does, for the file's header.
    about: &'static [&'static str],
}

const OPTION_COLUMNS: &[OptionColumn] = &[
    OptionColumn {
        header: "Rtn. UIDs Opt.",
        option: DeidOption::RetainUids,
        about: &[
            "Keeps the UIDs that the basic profile remaps (U) or removes, so that",
            "de-identified instances keep the identities of studies, series and instances.",
        ],
    },
    OptionColumn {
        header: "Rtn. Dev. Id. Opt.",
        option: DeidOption::RetainDeviceIdentity,
        about: &[
            "Keeps the attributes that identify the equipment (serial numbers, station names,",
            "device UIDs), where knowing the device matters more than hiding it.",
        ],
    },
    OptionColumn {
        header: "Rtn. Inst. Id. Opt.",
        option: DeidOption::RetainInstitutionIdentity,
        about: &["Keeps the names and addresses of institutions and departments."],
    },
    OptionColumn {
        header: "Rtn. Pat. Chars. Opt.",
        option: DeidOption::RetainPatientCharacteristics,
        about: &[
            "Keeps the patient's physical characteristics (age, sex, size, weight...) that",
            "analyses need and that do not identify the patient on their own.",
        ],
    },
    OptionColumn {
        header: "Rtn. Long. Full Dates Opt.",
        option: DeidOption::RetainLongFullDates,
        about: &["Keeps dates and times as they are."],
    },
    OptionColumn {
        header: "Rtn. Long. Modif. Dates Opt.",
        option: DeidOption::RetainLongModifiedDates,
        about: &[
            "Moves dates (DA, DT) by a keyed number of days per patient (`shift-date`) instead",
            "of removing them, so intervals between a patient's studies are kept. Times of",
            "day (TM) are kept: a shift by whole days does not change them.",
        ],
    },
    OptionColumn {
        header: "Clean Desc. Opt.",
        option: DeidOption::CleanDescriptors,
        about: &[
            "Keeps descriptions, comments and labels with the instance's own identifying values",
            "taken out (`clean`, docs/semantics.md) instead of removing them.",
        ],
    },
    OptionColumn {
        header: "Clean Struct. Cont. Opt.",
        option: DeidOption::CleanStructuredContent,
        about: &[
            "Keeps the text of structured content (SR Content Sequence, acquisition context)",
            "with the instance's own identifying values taken out (`clean`) instead of dummies.",
        ],
    },
    OptionColumn {
        header: "Clean Graph. Opt.",
        option: DeidOption::CleanGraphics,
        about: &[
            "Keeps graphic annotations with their text cleaned of the instance's own",
            "identifying values (`clean`) instead of removing them.",
        ],
    },
];

/// Whether `clean` applies to an attribute of this tag (a text VR or a sequence).
fn cleanable(p: &TagPattern) -> Option<VR> {
    p.exact().and_then(dictionary::vr_of).filter(|vr| {
        matches!(
            vr,
            VR::LO | VR::LT | VR::SH | VR::ST | VR::UT | VR::UC | VR::PN | VR::SQ
        )
    })
}

/// Compiles, asserting that there is no diagnostic at all.
fn compile_clean(entries: &[Entry]) -> Plan {
    let compiled = profile::compile(entries);
    let messages: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    assert!(messages.is_empty(), "{entries:?}: {messages:#?}");
    compiled.plan.unwrap()
}

fn builtin(name: &str) -> Entry {
    Entry::Builtin(name.to_string())
}

fn option_column(option: DeidOption) -> &'static OptionColumn {
    OPTION_COLUMNS.iter().find(|c| c.option == option).unwrap()
}

/// What an option column should change in the basic plan, read from the table itself.
fn expected_overrides(col: &OptionColumn) -> (BTreeMap<Tag, Action>, BTreeSet<Tag>) {
    let (header, rows) = read_tsv(OPTIONS_TSV);
    let (tag_col, idx) = (column(&header, "Tag"), column(&header, col.header));
    let basic = basic_by_pattern();
    let mut cells: BTreeMap<Tag, BTreeSet<&str>> = BTreeMap::new();
    for r in &rows {
        let Ok(TagPattern::Exact(tag)) = TagPattern::parse_tag(&r[tag_col]) else {
            continue;
        };
        if !r[idx].is_empty() {
            cells.entry(tag).or_default().insert(r[idx].as_str());
        }
    }
    let mut overrides = BTreeMap::new();
    let mut conflicts = BTreeSet::new();
    for (tag, values) in cells {
        if values.len() > 1 {
            conflicts.insert(tag);
        }
        let in_basic = basic.contains_key(&TagPattern::Exact(tag));
        if !in_basic {
            continue;
        }
        let action = if values.contains("C") {
            if col.option != DeidOption::RetainLongModifiedDates {
                if cleanable(&TagPattern::Exact(tag)).is_none() {
                    continue;
                }
                overrides.insert(tag, Action::Clean);
                continue;
            }
            match dictionary::vr_of(tag) {
                Some(VR::DA | VR::DT) => Action::ShiftDate,
                Some(VR::TM) => Action::Keep,
                _ => continue,
            }
        } else {
            Action::Keep
        };
        overrides.insert(tag, action);
    }
    (overrides, conflicts)
}

#[test]
fn option_profiles_have_the_expected_sizes() {
    // A summary that changes only with the tables: how many rules each option adds.
    let counts: Vec<(String, usize)> = OPTION_COLUMNS
        .iter()
        .map(|c| (c.option.name().to_string(), expected_overrides(c).0.len()))
        .collect();
    insta::assert_debug_snapshot!(counts);
    let modified = expected_overrides(option_column(DeidOption::RetainLongModifiedDates)).0;
    assert_eq!(
        modified.get(&Tag(0x0008, 0x0020)),
        Some(&Action::ShiftDate),
        "Study Date"
    );
    assert_eq!(
        modified.get(&Tag(0x0008, 0x0030)),
        Some(&Action::Keep),
        "Study Time"
    );
    assert_eq!(
        modified.get(&Tag(0x0008, 0x002A)),
        Some(&Action::ShiftDate),
        "Acquisition DateTime"
    );
    assert_eq!(modified.get(&Tag(0x0008, 0x0201)), None, "Timezone Offset");
}

#[test]
fn default_profile_is_basic_then_extra() {
    let entries = profile_entries(&[], false);
    assert_eq!(
        entries,
        [
            builtin("basic"),
            builtin("extra"),
            builtin("pixel-signatures")
        ]
    );
    assert_eq!(
        profile_entries(&[], true),
        [builtin("basic"), builtin("pixel-signatures")]
    );
    let plan = compile_clean(&entries);
    for tag in [
        Tag(0x0008, 0x0012),
        Tag(0x0008, 0x0013),
        Tag(0x0018, 0x1012),
        Tag(0x0018, 0x1014),
    ] {
        let Decision::Rule(r) = plan.decide_public(tag) else {
            panic!("{tag}")
        };
        assert_eq!(r.action, Action::Delete, "{tag}");
        assert!(
            r.origin.starts_with("builtin:extra:"),
            "{tag}: {}",
            r.origin
        );
    }
    insta::assert_snapshot!("default_plan", plan.to_table());
}
