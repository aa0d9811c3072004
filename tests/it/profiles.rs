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

const BASIC_TSV: &str = "data/standard/ps3.15-2026c-basic-profile.tsv";
const OPTIONS_TSV: &str = "data/standard/ps3.15-2023b-table-E.1-1.tsv";
const SAFE_PRIVATE_TSV: &str = "data/standard/ps3.15-2023b-table-E.3.10-1-safe-private.tsv";

/// The row of Table E.1-1 that stands for every private attribute, not a tag.
const PRIVATE_ATTRIBUTES_ROW: &str = "(gggg,eeee) where gggg is odd";

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

// --- reading the tables ----------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A TSV file: its header and its rows, each as wide as the header.
fn read_tsv(rel: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_string)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let row: Vec<String> = l.split('\t').map(str::to_string).collect();
            assert_eq!(row.len(), header.len(), "{rel}: {l}");
            row
        })
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {header:?}"))
}

/// An attribute name as printed in comments: zero-width spaces removed, spaces collapsed.
fn clean_name(name: &str) -> String {
    name.replace('\u{200b}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One row of the 2026c Basic Profile.
#[derive(Debug, Clone)]
struct BasicRow {
    pattern: TagPattern,
    name: String,
    code: String,
}

fn basic_rows() -> Vec<BasicRow> {
    let (header, rows) = read_tsv(BASIC_TSV);
    assert_eq!(header, ["Tag", "Attribute Name", "Basic Prof."]);
    rows.iter()
        .map(|r| BasicRow {
            pattern: TagPattern::parse_tag(&r[0])
                .unwrap_or_else(|e| panic!("{BASIC_TSV}: `{}`: {e}", r[0])),
            name: clean_name(&r[1]),
            code: r[2].clone(),
        })
        .collect()
}

/// The basic rows by selector.
fn basic_by_pattern() -> BTreeMap<TagPattern, BasicRow> {
    let mut map = BTreeMap::new();
    for row in basic_rows() {
        let pattern = row.pattern.clone();
        assert!(
            map.insert(pattern.clone(), row).is_none(),
            "{pattern} twice in {BASIC_TSV}"
        );
    }
    map
}

/// The merged cells of one option column of Table E.1-1, for one tag.
#[derive(Debug, Clone)]
struct Cell {
    pattern: TagPattern,
    name: String,
    /// `K` or `C` (the stricter `C` when the rows of the tag disagree).
    value: String,
    /// The tag has several rows that disagree in this column.
    conflict: bool,
}

/// The non-blank cells of `column_name`, one per tag, in tag order. Rows of the same tag
/// are merged; where they say both K and C, C (the stricter reading) is used.
fn option_cells(column_name: &str) -> Vec<Cell> {
    let (header, rows) = read_tsv(OPTIONS_TSV);
    let (name_col, tag_col, col) = (
        column(&header, "Attribute Name"),
        column(&header, "Tag"),
        column(&header, column_name),
    );
    // tag order -> (selector, name, the values of its rows)
    let mut by_tag: BTreeMap<_, (TagPattern, String, BTreeSet<String>)> = BTreeMap::new();
    for r in &rows {
        let value = r[col].trim();
        if r[tag_col] == PRIVATE_ATTRIBUTES_ROW {
            // Table E.3.10-1 says which private attributes are safe (retain-safe-private)
            continue;
        }
        let pattern = TagPattern::parse_tag(&r[tag_col])
            .unwrap_or_else(|e| panic!("{OPTIONS_TSV}: `{}`: {e}", r[tag_col]));
        let entry = by_tag
            .entry(pattern.sort_key())
            .or_insert_with(|| (pattern, clean_name(&r[name_col]), BTreeSet::new()));
        if !value.is_empty() {
            assert!(
                value == "K" || value == "C",
                "{OPTIONS_TSV}: `{value}` in {column_name}"
            );
            entry.2.insert(value.to_string());
        }
    }
    by_tag
        .into_values()
        .filter(|(_, _, values)| !values.is_empty())
        .map(|(pattern, name, values)| Cell {
            pattern,
            name,
            value: if values.contains("C") { "C" } else { "K" }.to_string(),
            conflict: values.len() > 1,
        })
        .collect()
}

/// One row of Table E.3.10-1.
#[derive(Debug, Clone)]
struct SafePrivateRow {
    /// `(gggg,"CREATOR",ee)`, as the language writes it.
    selector: String,
    group: u16,
    element: u8,
    creator: String,
    vr: String,
    vm: String,
    meaning: String,
}

fn safe_private_rows() -> Vec<SafePrivateRow> {
    let (header, rows) = read_tsv(SAFE_PRIVATE_TSV);
    assert_eq!(
        header,
        ["Data Element", "Private Creator", "VR", "VM", "Meaning"]
    );
    rows.iter()
        .map(|r| {
            // `(7053,xx00)`: the group, and the element's offset in the creator's block
            let pattern = TagPattern::parse_tag(&r[0])
                .unwrap_or_else(|e| panic!("{SAFE_PRIVATE_TSV}: `{}`: {e}", r[0]));
            let TagPattern::Masked(m) = pattern else {
                panic!("{SAFE_PRIVATE_TSV}: `{}` is not (gggg,xxee)", r[0])
            };
            assert_eq!(m.bits(), 0xFFFF_00FF, "{SAFE_PRIVATE_TSV}: `{}`", r[0]);
            let group = u16::try_from(m.value() >> 16).unwrap();
            let element = u8::try_from(m.value() & 0xFF).unwrap();
            let creator = r[1].trim().to_string();
            SafePrivateRow {
                selector: format!("({group:04X},{},{element:02X})", print::quote(&creator)),
                group,
                element,
                creator,
                vr: r[2].trim().to_string(),
                vm: r[3].trim().to_string(),
                meaning: clean_name(&r[4]),
            }
        })
        .collect()
}

// --- writing profiles ------------------------------------------------------------------

/// Why a row of the standard would not be a rule. None today: rows on group 0000
/// (command elements, harmless in a data set) and on (0002,0003) (which states what the
/// tool does to the file meta anyway) compile like any other rule.
fn outside_data_set(_p: &TagPattern) -> Option<&'static str> {
    None
}

/// The language's word for a PS3.15 code: canonical words for single actions, the codes
/// themselves for combined ones.
fn action_word(code: &str) -> &'static str {
    match code {
        "K" => "keep",
        "X" => "delete",
        "Z" => "empty",
        "D" => "replace",
        "U" => "uid",
        "Z/D" => "Z/D",
        "X/Z" => "X/Z",
        "X/D" => "X/D",
        "X/Z/D" => "X/Z/D",
        "X/Z/U*" => "X/Z/U*",
        other => panic!("no action for PS3.15 code `{other}`"),
    }
}

/// A span for syntax trees made by the generator (never rendered).
fn no_span() -> Span {
    let mut map = SourceMap::new();
    let id = map.add("<generator>", Origin::Virtual, "");
    Span::new(id, 0, 0)
}

fn statement(item: ItemKind) -> String {
    print::print_item(&item)
}

fn rule_statement(selector: &str, action: &str) -> String {
    let span = no_span();
    statement(ItemKind::Rule(Rule {
        selector: Spanned::new(Selector::Tag(selector.to_string()), span),
        action: Spanned::new(action.to_string(), span),
        args: Vec::new(),
    }))
}

/// A profile being written: free lines, and rules whose comments are aligned.
#[derive(Default)]
struct Out {
    lines: Vec<(String, Option<String>)>,
}

impl Out {
    fn line(&mut self, text: impl Into<String>) {
        self.lines.push((text.into(), None));
    }

    fn comment(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        self.line(if text.is_empty() {
            "#".to_string()
        } else {
            format!("# {text}")
        });
    }

    fn rule(&mut self, statement: String, comment: impl Into<String>) {
        self.lines.push((statement, Some(comment.into())));
    }

    fn header(&mut self, sources: &[&str]) {
        self.comment(format!(
            "GENERATED by tests/it/profiles.rs from {}; edit the TSV, then UPDATE_PROFILES=1 cargo test --test it profiles",
            sources.join(" and ")
        ));
        self.comment("");
    }

    fn preamble(&mut self, name: &str, option: DeidOption, fallbacks: bool) {
        let span = no_span();
        self.line(statement(ItemKind::Name(Spanned::new(
            name.to_string(),
            span,
        ))));
        self.line(statement(ItemKind::Option(Spanned::new(
            option.name().to_string(),
            span,
        ))));
        if fallbacks {
            self.line(statement(ItemKind::Default(Spanned::new(
                Disposition::Keep,
                span,
            ))));
            self.line(statement(ItemKind::Private(Spanned::new(
                Disposition::Delete,
                span,
            ))));
        }
        self.line("");
    }

    fn finish(self) -> String {
        let column = self
            .lines
            .iter()
            .filter(|(_, c)| c.is_some())
            .map(|(s, _)| s.chars().count() + 2)
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for (s, c) in &self.lines {
            match c {
                Some(c) => text.push_str(&print::with_comment(s, c, column)),
                None => text.push_str(s),
            }
            text.push('\n');
        }
        text
    }
}

fn generate_basic() -> String {
    let rows = basic_rows();
    let mut out = Out::default();
    out.header(&[BASIC_TSV]);
    out.comment(format!(
        "PS3.15 Table E.1-1, Basic Application Level Confidentiality Profile, 2026c edition: one line per row ({} rows).",
        rows.len()
    ));
    out.comment(
        "X -> delete, Z -> empty, D -> replace (a dummy that fits the VR), U -> uid (keyed UID remapping);",
    );
    out.comment(
        "the combined codes Z/D X/Z X/D X/Z/D X/Z/U* stay combined: the tool picks the branch per element",
    );
    out.comment("from the attribute's Type in the instance's IOD (docs/profiles.md).");
    out.comment("(0002,0003) states what the tool does anyway: Media Storage SOP Instance UID follows SOP Instance UID.");
    out.comment("Compose options after it: --profile builtin:basic --profile builtin:retain-uids");
    out.line("");
    out.preamble("PS3.15 2026c Basic Profile", DeidOption::Basic, true);
    let mut rows = rows;
    rows.sort_by_key(|r| r.pattern.sort_key());
    for row in &rows {
        if let Some(why) = outside_data_set(&row.pattern) {
            out.comment(format!(
                "{} {}: {} in PS3.15; no rule: {why}",
                row.pattern, row.name, row.code
            ));
            continue;
        }
        out.rule(
            rule_statement(&row.pattern.to_string(), action_word(&row.code)),
            row.name.clone(),
        );
    }
    out.finish()
}

fn generate_option(col: &OptionColumn) -> String {
    let basic = basic_by_pattern();
    let cells = option_cells(col.header);
    let modified_dates = col.option == DeidOption::RetainLongModifiedDates;
    let mut out = Out::default();
    out.header(&[OPTIONS_TSV, BASIC_TSV]);
    out.comment(format!(
        "PS3.15 {} (CID 7050 code {}): the \"{}\" column of Table E.1-1, 2023b edition.",
        col.option.meaning(),
        col.option.code(),
        col.header
    ));
    for line in col.about {
        out.comment(line);
    }
    out.comment(format!(
        "An override of the basic profile: use it after it, as in --profile builtin:basic --profile builtin:{}.",
        col.option.name()
    ));
    if modified_dates {
        out.comment(
            "C -> shift-date for DA and DT attributes, keep for TM; C on anything else gives no rule (the basic action stays).",
        );
    } else if cells.iter().any(|c| c.value == "C") {
        out.comment(
            "K -> keep, C -> clean (text and sequences; C on another VR gives no rule, the basic action stays).",
        );
    } else {
        out.comment("K -> keep.");
    }
    out.comment("Rows that give no rule are listed as comments, in tag order with the rules.");
    out.line("");
    out.preamble(col.option.name(), col.option, false);
    for cell in &cells {
        let p = &cell.pattern;
        let name = basic.get(p).map_or(cell.name.as_str(), |b| b.name.as_str());
        if let Some(why) = outside_data_set(p) {
            out.comment(format!(
                "{p} {name}: {} in PS3.15; no rule: {why}",
                cell.value
            ));
            continue;
        }
        let Some(basic_row) = basic.get(p) else {
            out.comment(format!(
                "{p} {name}: {} in PS3.15 2023b; no rule: the 2026c basic profile does not list it (so `default keep` applies)",
                cell.value
            ));
            continue;
        };
        match (cell.value.as_str(), modified_dates) {
            ("K", _) => out.rule(rule_statement(&p.to_string(), "keep"), name),
            ("C", true) => match p.exact().and_then(dictionary::vr_of) {
                Some(VR::DA | VR::DT) => {
                    out.rule(rule_statement(&p.to_string(), "shift-date"), name);
                }
                Some(VR::TM) => out.rule(
                    rule_statement(&p.to_string(), "keep"),
                    format!("{name} (TM: a shift by whole days leaves times of day unchanged)"),
                ),
                vr => out.comment(format!(
                    "{p} {name}: C in PS3.15, but not a date ({}); no rule, the basic profile's action ({}) applies",
                    vr.map_or("VR unknown".to_string(), |v| format!("VR {v}")),
                    action_word(&basic_row.code)
                )),
            },
            ("C", false) => match cleanable(p) {
                Some(_) if cell.conflict => out.rule(
                    rule_statement(&p.to_string(), "clean"),
                    format!("{name} (K and C in two rows of the 2023b table: C, the stricter)"),
                ),
                Some(_) => out.rule(rule_statement(&p.to_string(), "clean"), name),
                None => out.comment(format!(
                    "{p} {name}: C in PS3.15, but `clean` works on text and sequences ({}); no rule, the basic profile's action ({}) applies",
                    p.exact()
                        .and_then(dictionary::vr_of)
                        .map_or("VR unknown".to_string(), |v| format!("VR {v}")),
                    action_word(&basic_row.code)
                )),
            },
            (other, _) => panic!("cell `{other}`"),
        }
    }
    out.finish()
}

fn generate_safe_private() -> String {
    let option = DeidOption::RetainSafePrivate;
    let rows = safe_private_rows();
    let mut out = Out::default();
    out.header(&[SAFE_PRIVATE_TSV]);
    out.comment(format!(
        "PS3.15 {} (CID 7050 code {}): keeps the private elements that Table E.3.10-1",
        option.meaning(),
        option.code()
    ));
    out.comment(
        "(2023b edition) lists as safe, each selected by group, private creator and element offset,",
    );
    out.comment(
        "so that the rule follows the creator whatever block it reserved in a file. Every other",
    );
    out.comment(
        "private element still follows `private delete` of the basic profile. (Table E.1-1 writes",
    );
    out.comment("this option as C on \"Private Attributes\"; this table is what C means there.)");
    out.comment(
        "An override of the basic profile: use it after it, as in --profile builtin:basic --profile builtin:retain-safe-private.",
    );
    out.comment("Comments: meaning (VR, VM) as the table gives them.");
    out.line("");
    out.preamble(option.name(), option, false);
    let mut by_selector: BTreeMap<(u16, String, u8), Vec<&SafePrivateRow>> = BTreeMap::new();
    for r in &rows {
        by_selector
            .entry((r.group, r.creator.clone(), r.element))
            .or_default()
            .push(r);
    }
    for same in by_selector.values() {
        let r = same[0];
        if let Err(e) = TagPattern::parse_tag(&r.selector) {
            out.comment(format!("{}: no rule: {e}", r.selector));
            continue;
        }
        if same.len() > 1 {
            out.comment(format!(
                "{}: {} rows in the table; one rule",
                r.selector,
                same.len()
            ));
        }
        let vr = if r.vr.is_empty() {
            "VR not given"
        } else {
            &r.vr
        };
        out.rule(
            rule_statement(&r.selector, "keep"),
            format!("{} ({vr}, VM {})", r.meaning, r.vm),
        );
    }
    out.finish()
}

/// Every generated profile: (file name in `profiles/`, text).
fn generate_all() -> Vec<(String, String)> {
    let mut all = vec![
        ("basic.anon".to_string(), generate_basic()),
        (
            "retain-safe-private.anon".to_string(),
            generate_safe_private(),
        ),
    ];
    for col in OPTION_COLUMNS {
        all.push((format!("{}.anon", col.option.name()), generate_option(col)));
    }
    all
}

// --- helpers for the checks ------------------------------------------------------------

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

/// The action a PS3.15 code stands for in the plan.
fn action_of_code(code: &str) -> Action {
    match code {
        "K" => Action::Keep,
        "X" => Action::Delete,
        "Z" => Action::Empty,
        "D" => Action::Replace,
        "U" => Action::Uid,
        "Z/D" => Action::Combined(Combined::ZD),
        "X/Z" => Action::Combined(Combined::XZ),
        "X/D" => Action::Combined(Combined::XD),
        "X/Z/D" => Action::Combined(Combined::XZD),
        "X/Z/U*" => Action::Combined(Combined::XZU),
        other => panic!("unknown code `{other}`"),
    }
}

/// The winning action for the selector of a basic row.
fn decided(plan: &Plan, pattern: &TagPattern) -> Option<Action> {
    match pattern {
        TagPattern::Exact(t) => match plan.decide_public(*t) {
            Decision::Rule(r) if &r.pattern == pattern => Some(r.action.clone()),
            _ => None,
        },
        _ => plan
            .winning_rules()
            .into_iter()
            .find(|r| &r.pattern == pattern)
            .map(|r| r.action.clone()),
    }
}

fn option_column(option: DeidOption) -> &'static OptionColumn {
    OPTION_COLUMNS.iter().find(|c| c.option == option).unwrap()
}

// --- the checks ------------------------------------------------------------------------

#[test]
fn generated_profiles_are_up_to_date() {
    let update = std::env::var_os("UPDATE_PROFILES").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (file, text) in generate_all() {
        let path = root().join("profiles").join(&file);
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "profiles/{stale:?} differ from what the tables give; run `UPDATE_PROFILES=1 cargo test --test it profiles` and review the diff"
    );
}

#[test]
fn basic_profile_matches_the_table_row_for_row() {
    let plan = compile_clean(&[builtin("basic")]);
    let rows = basic_rows();
    assert_eq!(rows.len(), 654);
    let text = builtin::get("basic").unwrap().text;
    let mut outside = Vec::new();
    for row in &rows {
        if outside_data_set(&row.pattern).is_some() {
            assert!(
                plan.all_rules().iter().all(|r| r.pattern != row.pattern),
                "{} has a rule",
                row.pattern
            );
            let comment = format!(
                "# {} {}: {} in PS3.15; no rule:",
                row.pattern, row.name, row.code
            );
            assert!(text.contains(&comment), "missing `{comment}`");
            outside.push(row.pattern.to_string());
            continue;
        }
        assert_eq!(
            decided(&plan, &row.pattern),
            Some(action_of_code(&row.code)),
            "{} {}",
            row.pattern,
            row.name
        );
    }
    assert!(outside.is_empty(), "{outside:?}");
    // one rule per row, none overridden, none extra
    assert_eq!(plan.all_rules().len(), rows.len() - outside.len());
    assert_eq!(plan.winning_rules().len(), plan.all_rules().len());
    let listed: BTreeSet<&TagPattern> = rows.iter().map(|r| &r.pattern).collect();
    for r in plan.all_rules() {
        assert!(
            listed.contains(&r.pattern),
            "{} is not in the table",
            r.pattern
        );
    }
    let masks: Vec<String> = plan
        .all_rules()
        .iter()
        .filter(|r| matches!(r.pattern, TagPattern::Masked(_)))
        .map(|r| format!("{} {}", r.pattern, r.action))
        .collect();
    assert_eq!(
        masks,
        [
            "(50xx,xxxx) delete",
            "(60xx,3000) delete",
            "(60xx,4000) delete"
        ]
    );
    assert_eq!(
        plan.options().iter().copied().collect::<Vec<_>>(),
        [DeidOption::Basic]
    );
    assert_eq!(plan.public_fallback().disposition, Disposition::Keep);
    assert_eq!(plan.private_fallback().disposition, Disposition::Delete);
    assert_eq!(plan.names(), ["PS3.15 2026c Basic Profile"]);
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
fn option_profiles_override_basic_as_the_table_says() {
    let basic_plan = compile_clean(&[builtin("basic")]);
    let basic = basic_rows();
    for col in OPTION_COLUMNS {
        let name = col.option.name();
        let plan = compile_clean(&[builtin("basic"), builtin(name)]);
        assert!(plan.options().contains(&col.option), "{name}");
        assert!(plan.options().contains(&DeidOption::Basic), "{name}");
        let (overrides, conflicts) = expected_overrides(col);
        assert!(!overrides.is_empty(), "{name}");
        for row in &basic {
            let expected = match row.pattern.exact().and_then(|t| overrides.get(&t)) {
                Some(a) => Some(a.clone()),
                None => decided(&basic_plan, &row.pattern),
            };
            assert_eq!(
                decided(&plan, &row.pattern),
                expected,
                "{name}: {} {}",
                row.pattern,
                row.name
            );
        }
        // every rule of the option file is one of the expected overrides
        let added = plan.all_rules().len() - basic_plan.all_rules().len();
        assert_eq!(added, overrides.len(), "{name}");
        // the rows that say both K and C are read as C
        let expected_conflicts: BTreeSet<Tag> = if col.option == DeidOption::RetainDeviceIdentity {
            [
                Tag(0x0032, 0x1021),
                Tag(0x0040, 0x0001),
                Tag(0x0040, 0x0241),
            ]
            .into()
        } else {
            BTreeSet::new()
        };
        assert_eq!(conflicts, expected_conflicts, "{name}");
        for tag in conflicts {
            // AE titles: `clean` does not apply, the basic profile's delete stays
            assert_eq!(
                plan.decide_public(tag).action(),
                &Action::Delete,
                "{name}: {tag}"
            );
        }
    }
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
fn retain_safe_private_keeps_table_e_3_10_1() {
    let plan = compile_clean(&[builtin("basic"), builtin("retain-safe-private")]);
    assert!(plan.options().contains(&DeidOption::RetainSafePrivate));
    let rows = safe_private_rows();
    assert_eq!(rows.len(), 479);
    assert_eq!(plan.all_rules().len(), 654 + rows.len());
    for r in &rows {
        // the creator may reserve any block; try two
        for block in [0x10u16, 0xE3] {
            let tag = Tag(r.group, (block << 8) | u16::from(r.element));
            assert_eq!(
                plan.decide(tag, Some(&r.creator)).action(),
                &Action::Keep,
                "{} {}",
                r.selector,
                r.meaning
            );
            assert_eq!(
                plan.decide(tag, Some("SOMEONE ELSE")).action(),
                &Action::Delete,
                "{}",
                r.selector
            );
        }
    }
    // the creator with a comma in its name
    assert_eq!(
        plan.decide(Tag(0x7E01, 0x1010), Some("HOLOGIC, Inc."))
            .action(),
        &Action::Keep
    );
    // not listed: deleted by `private delete`
    assert_eq!(
        plan.decide(Tag(0x0019, 0x10FF), Some("SIEMENS MR HEADER"))
            .action(),
        &Action::Delete
    );
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

#[test]
fn every_shipped_profile_lints_clean() {
    let names: Vec<String> = builtin::BUILTINS
        .iter()
        .map(|b| format!("builtin:{}", b.name))
        .collect();
    // basic, extra, pixel-signatures, pixel-review; basic's option profile; the options
    assert_eq!(names.len(), 4 + 1 + OPTION_COLUMNS.len());
    // the profiles that stand alone
    assert_cmd::Command::cargo_bin("dicom-anonymizer")
        .unwrap()
        .arg("lint")
        .arg("--deny-warnings")
        .args([
            "builtin:basic",
            "builtin:extra",
            "builtin:pixel-signatures",
            "builtin:pixel-review",
        ])
        .assert()
        .success()
        .stderr("");
    // an option profile alone claims an option of a Basic Profile it does not apply:
    // the claim is withdrawn, with a warning
    for b in builtin::BUILTINS {
        if b.name.starts_with("retain-") || b.name.starts_with("clean-") {
            let compiled = profile::compile(&[builtin(b.name)]);
            let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::ClaimWithdrawn], "{}", b.name);
            assert!(!compiled.plan.unwrap().claims().basic, "{}", b.name);
        }
    }
    // composed: basic with each option, and everything at once
    let mut all = vec![builtin("basic"), builtin("extra")];
    for b in builtin::BUILTINS {
        if b.name.starts_with("retain-") || b.name.starts_with("clean-") {
            let plan = compile_clean(&[builtin("basic"), builtin(b.name)]);
            let option = DeidOption::from_name(b.name).unwrap();
            assert!(plan.claims().basic, "{}", b.name);
            assert_eq!(plan.claims().options, [option], "{}", b.name);
            all.push(builtin(b.name));
        }
    }
    let plan = compile_clean(&all);
    assert_eq!(plan.options().len(), 1 + 1 + OPTION_COLUMNS.len());
    assert!(plan.claims().basic);
    assert_eq!(plan.claims().options.len(), 1 + OPTION_COLUMNS.len());
}

#[test]
fn every_option_column_is_shipped() {
    let (header, _) = read_tsv(OPTIONS_TSV);
    let option_headers: Vec<&String> = header.iter().skip(5).collect();
    assert_eq!(option_headers.len(), 10);
    for h in option_headers {
        if h == "Rtn. Safe Priv. Opt." {
            assert!(builtin::get("retain-safe-private").is_some());
        } else {
            let c = OPTION_COLUMNS
                .iter()
                .find(|c| c.header == h.as_str())
                .unwrap_or_else(|| panic!("column `{h}` is not handled"));
            assert!(builtin::get(c.option.name()).is_some(), "{h}");
        }
    }
}

#[test]
fn clean_options_are_a_clear_error() {
    for (name, title) in builtin::UNSUPPORTED {
        let text = format!("include builtin:{name}\n");
        for entries in [
            vec![Entry::Text {
                name: "mine.anon".into(),
                text: text.clone(),
            }],
            vec![builtin("basic"), builtin(name)],
        ] {
            let compiled = profile::compile(&entries);
            assert!(compiled.plan.is_none(), "{name}");
            let d: Vec<_> = compiled.diagnostics.iter().collect();
            assert_eq!(d.len(), 1, "{name}: {d:?}");
            assert_eq!(d[0].code, Code::UnsupportedBuiltin);
            assert_eq!(d[0].code.as_str(), "anon::include::unsupported");
            assert_eq!(
                d[0].message,
                format!(
                    "`builtin:{name}` is not supported: the {title} needs pixel data cleaning, which the tool does not do"
                )
            );
        }
    }
    let out = assert_cmd::Command::cargo_bin("dicom-anonymizer")
        .unwrap()
        .args(["lint", "builtin:clean-pixel-data"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("anon::include::unsupported"), "{stderr}");
}
