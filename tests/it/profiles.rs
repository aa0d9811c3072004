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

use dicom_anonymizer::cli::profile_entries;
use dicom_anonymizer::dictionary;
use dicom_anonymizer::plan::{Action, Combined, Decision, DeidOption, Disposition, Plan};
use dicom_anonymizer::profile::ast::{ItemKind, Rule, Selector, Spanned};
use dicom_anonymizer::profile::{self, Code, Entry, builtin, print};
use dicom_anonymizer::source::{Origin, SourceMap, Span};
use dicom_anonymizer::tag::TagPattern;
use dicom_core::{Tag, VR};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

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

fn builtin(name: &str) -> Entry {
    Entry::Builtin(name.to_string())
}
