//! Which PS3.15 claims a plan earns: the compiled plan compared with Table E.1-1 row by
//! row (the 2026c Basic Profile column, the 2023b option columns, both in
//! `data/standard/`).
//!
//! A row is satisfied when the plan's action for its tag is the one the table gives or a
//! stricter one, in this order (docs/semantics.md, "Claims"):
//!
//! ```text
//! delete (X) > empty (Z) > dummy (D: replace, a literal, hash; U: uid) > clean (C) > keep (K)
//! ```
//!
//! A combined code asks for its weakest branch, and `Z` is satisfied by a dummy too
//! (PS3.15 defines it as "a zero length value, or a non-zero length value that may be a
//! dummy value"); a combined action gives its weakest branch. `shift-date` counts as `clean` (the value
//! is modified, not removed); `regexp` as `keep` (nothing says what it leaves). A kept
//! sequence whose row says `X/Z/U*` counts as `U`: the plan applies inside its items.
//! An option column relaxes its rows: `K` allows keep, `C` allows clean (in the Retain
//! Longitudinal Modified Dates column, `C` on a time (TM) allows keep: a shift by whole
//! days leaves the time of day as it is).
//!
//! The codes the plan earns are the Basic Profile (113100) and the smallest set of
//! options, the declared ones first, whose columns cover every row the plan relaxes. A
//! row that no option covers breaks the Basic Profile: then nothing is claimed, and
//! (0012,0062) is not written. The compiler turns a broken `option` statement into a
//! diagnostic ([`check_declared`]); `plan --conformance` prints [`Report`].
//!
//! This module reads the plan and the tables only: it never sees a data set.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use dicom_core::{Tag, VR};

use super::diagnostics::{Code, Diagnostic, Diagnostics};
use super::resolve::Loaded;
use crate::plan::{Action, Claims, Combined, Decision, DeidOption, Longitudinal, Plan};
use crate::source::{Origin, SourceMap};
use crate::tag::{TagPattern, normalize_creator};

const BASIC_TSV: &str = include_str!("../../data/standard/ps3.15-2026c-basic-profile.tsv");
const OPTIONS_TSV: &str = include_str!("../../data/standard/ps3.15-2023b-table-E.1-1.tsv");
const SAFE_PRIVATE_TSV: &str =
    include_str!("../../data/standard/ps3.15-2023b-table-E.3.10-1-safe-private.tsv");

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
    fn cell(&self, option: DeidOption) -> Option<char> {
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
        let mut cells: Vec<(TagPattern, DeidOption, char)> = Vec::new();
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
                    cells.push((pattern.clone(), o, c));
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
                for (p, o, c) in &cells {
                    if *p != pattern {
                        continue;
                    }
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
fn safe_private() -> &'static BTreeSet<(u16, String, u8)> {
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

/// A row the plan does not satisfy (with the options it claims).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// The row's selector, `(0010,0010)`.
    pub tag: String,
    pub name: String,
    /// What the table asks for (the Basic Profile's code).
    pub wants: String,
    /// What the plan does.
    pub does: String,
    /// The rule responsible (`file:line`), or the fallback.
    pub origin: String,
}

impl std::fmt::Display for Deviation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: the table says {}; the plan does `{}` ({})",
            self.tag, self.name, self.wants, self.does, self.origin
        )
    }
}

/// The plan compared with Table E.1-1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub claims: Claims,
    /// Rows that break the Basic Profile with every option applied.
    pub deviations: Vec<Deviation>,
    /// Declared options that cannot be earned, and why.
    pub unearned: Vec<(DeidOption, String)>,
    /// Rows the plan relaxes and the option that allows each (earned options only).
    pub relaxed: Vec<(Deviation, DeidOption)>,
}

/// What the plan does to one row: each (tag, action, origin) that stands for it (a mask
/// row stands for several tags).
fn row_actions<'p>(plan: &'p Plan, pattern: &TagPattern) -> Vec<(Tag, &'p Action, String)> {
    let tags: Vec<Tag> = match pattern {
        TagPattern::Exact(t) => vec![*t],
        TagPattern::Masked(m) => {
            // the first and the last tag the mask allows, and one in between
            let (v, bits) = (m.value(), m.bits());
            [0u32, 0x000E_0010, 0x001E_3000, 0xFFFF_FFFF]
                .iter()
                .map(|fill| {
                    let t = v | (fill & !bits);
                    Tag((t >> 16) as u16, (t & 0xFFFF) as u16)
                })
                .filter(|t| t.element() != 0 && t.group() % 2 == 0)
                .collect()
        }
        _ => Vec::new(),
    };
    tags.into_iter()
        .map(|t| {
            let d = plan.decide_public(t);
            (t, d.action(), origin_of(&d))
        })
        .collect()
}

fn origin_of(d: &Decision<'_>) -> String {
    match d {
        Decision::Rule(r) => r.origin.to_string(),
        Decision::Fallback(f) => match &f.origin {
            Some(o) => format!("`default {}` at {o}", f.disposition.as_str()),
            None => format!("no rule: `default {}`", f.disposition.as_str()),
        },
    }
}

/// What an option cell allows for an element of `vr`.
fn cell_allows(option: DeidOption, cell: char, vr: Option<VR>) -> Strictness {
    match cell {
        'K' => Strictness::Keep,
        _ if option == DeidOption::RetainLongModifiedDates && vr == Some(VR::TM) => {
            Strictness::Keep
        }
        _ => Strictness::Clean,
    }
}

/// Options no row of the table can earn: nothing in the language cleans pixel data.
const PIXEL_OPTIONS: [DeidOption; 2] = [
    DeidOption::CleanPixelData,
    DeidOption::CleanRecognizableVisualFeatures,
];

/// Compares the plan with Table E.1-1 and says what it earns.
pub fn evaluate(plan: &Plan) -> Report {
    let declared: BTreeSet<DeidOption> = plan
        .options()
        .iter()
        .copied()
        .filter(|o| *o != DeidOption::Basic && !PIXEL_OPTIONS.contains(o))
        .collect();
    let unearned: Vec<(DeidOption, String)> = plan
        .options()
        .iter()
        .filter(|o| PIXEL_OPTIONS.contains(o))
        .map(|o| {
            (
                *o,
                format!(
                    "no rule cleans pixel data: the {} cannot be earned",
                    o.meaning()
                ),
            )
        })
        .collect();
    // rows below the Basic Profile, each with the options whose cells would allow it
    let mut hard: Vec<Deviation> = Vec::new();
    let mut soft: Vec<(Deviation, Vec<DeidOption>)> = Vec::new();
    let mut longitudinal = Longitudinal::Removed;
    let (mut date_kept, mut date_shifted, mut time_kept) = (false, false, false);
    for row in rows() {
        let Some(wants) = Strictness::of_code(&row.code) else {
            continue;
        };
        for (tag, action, origin) in row_actions(plan, &row.pattern) {
            let vr = crate::dictionary::vr_of(tag);
            let got = Strictness::of_action(action, vr, &row.code);
            if row.cell(DeidOption::RetainLongModifiedDates).is_some() {
                match (vr, action) {
                    (Some(VR::DA | VR::DT), Action::ShiftDate) => date_shifted = true,
                    (Some(VR::DA | VR::DT), _) if got == Strictness::Keep => date_kept = true,
                    (Some(VR::TM), _) if got == Strictness::Keep => time_kept = true,
                    _ => {}
                }
            }
            if got >= wants {
                continue;
            }
            let dev = Deviation {
                tag: row.pattern.to_string(),
                name: row.name.clone(),
                wants: row.code.clone(),
                does: action.to_string(),
                origin,
            };
            // the options that allow it, the ones whose cell is closest to what the plan
            // does only (a shifted date is the Modified Dates option, not Full Dates)
            let allowing: Vec<(DeidOption, Strictness)> = row
                .cells
                .iter()
                .map(|(o, c)| (*o, cell_allows(*o, *c, vr)))
                .filter(|(_, a)| got >= *a)
                .collect();
            let tightest = allowing.iter().map(|(_, a)| *a).max();
            let allow: Vec<DeidOption> = allowing
                .iter()
                .filter(|(_, a)| Some(*a) == tightest)
                .map(|(o, _)| *o)
                .collect();
            if allow.is_empty() {
                hard.push(dev);
            } else {
                soft.push((dev, allow));
            }
            break;
        }
    }
    private_rows(plan, &mut hard, &mut soft);
    if date_kept {
        longitudinal = Longitudinal::Unmodified;
    } else if date_shifted {
        longitudinal = Longitudinal::Modified;
    } else if time_kept {
        longitudinal = Longitudinal::Unmodified;
    }
    // the options: declared first, then the fewest others that cover every relaxed row
    let mut chosen = declared.clone();
    let mut open: Vec<&(Deviation, Vec<DeidOption>)> = soft
        .iter()
        .filter(|(_, allow)| !allow.iter().any(|o| chosen.contains(o)))
        .collect();
    while !open.is_empty() {
        let best = DeidOption::ALL
            .iter()
            .copied()
            .max_by_key(|o| {
                (
                    open.iter().filter(|(_, a)| a.contains(o)).count(),
                    std::cmp::Reverse(*o),
                )
            })
            .unwrap_or(DeidOption::Basic);
        chosen.insert(best);
        open.retain(|(_, allow)| !allow.contains(&best));
    }
    let relaxed: Vec<(Deviation, DeidOption)> = soft
        .iter()
        .filter_map(|(d, allow)| {
            let o = allow.iter().find(|o| chosen.contains(o))?;
            Some((d.clone(), *o))
        })
        .collect();
    let basic = hard.is_empty();
    Report {
        claims: Claims {
            basic,
            options: if basic {
                chosen.into_iter().collect()
            } else {
                Vec::new()
            },
            longitudinal,
        },
        deviations: hard,
        unearned,
        relaxed,
    }
}

/// The "(gggg,eeee) where gggg is odd" row: private attributes are removed (X), except the
/// safe private attributes of Table E.3.10-1 under the Retain Safe Private Option.
fn private_rows(
    plan: &Plan,
    hard: &mut Vec<Deviation>,
    soft: &mut Vec<(Deviation, Vec<DeidOption>)>,
) {
    let row = |does: String, origin: String| Deviation {
        tag: "(gggg,eeee)".into(),
        name: "private attributes".into(),
        wants: "X".into(),
        does,
        origin,
    };
    let fallback = plan.private_fallback();
    if fallback.disposition == crate::plan::Disposition::Keep {
        hard.push(row(
            "keep".into(),
            origin_of(&Decision::Fallback(fallback)).replace("default", "private"),
        ));
    }
    for r in plan.winning_rules() {
        let private = match &r.pattern {
            TagPattern::Exact(t) => t.group() % 2 == 1,
            TagPattern::Masked(m) => m.is_private(),
            TagPattern::Private(_) => true,
        };
        if !private || Strictness::of_action(&r.action, None, "X") == Strictness::Delete {
            continue;
        }
        let d = row(
            r.action.to_string(),
            format!("{} ({})", r.origin, r.pattern),
        );
        let safe = match &r.pattern {
            TagPattern::Private(sel) => sel.element.is_some_and(|e| {
                safe_private().contains(&(
                    sel.group,
                    normalize_creator(&sel.creator).to_string(),
                    e,
                ))
            }),
            _ => false,
        };
        if safe {
            soft.push((d, vec![DeidOption::RetainSafePrivate]));
        } else {
            hard.push(d);
        }
    }
}

/// The diagnostics of `accept sop-class "UID"`: an error for a value that is not a UID, a
/// warning otherwise (the accepted documents' content is not de-identified).
pub fn accept_diagnostic(uid: &super::ast::Spanned<String>) -> Diagnostic {
    let u = uid.node.as_str();
    if u.is_empty() || !crate::vr::valid_uid(u) {
        return Diagnostic::new(Code::BadSopClass, format!("`{u}` is not a SOP class UID"))
            .label(uid.span, "not a UID")
            .help("write the SOP class UID in digits and dots, like `1.2.840.10008.5.1.4.1.1.104.1` (Encapsulated PDF Storage)");
    }
    let what = match crate::engine::documents::document_class(u) {
        Some(name) => format!("{name} instances"),
        None => "instances of this SOP class".to_string(),
    };
    Diagnostic::new(
        Code::DocumentAccepted,
        format!("{what} will be written, but the document they hold is not de-identified"),
    )
    .label(uid.span, "accepted here")
    .help("header rules cannot look into an encapsulated document (a PDF, a CDA, a mesh): review the documents yourself, or remove the statement to reject them")
}

/// How many rows a diagnostic lists before it points to `plan --conformance`.
const LISTED: usize = 20;

/// Turns the claims of `option` statements into diagnostics: an option written in the
/// user's own profile that the plan does not satisfy is an error listing the rows and the
/// rules that break it; one that a built-in profile makes and a later rule breaks is a
/// warning (the claim is withdrawn from the outputs).
pub fn check_declared(
    loaded: &Loaded,
    sources: &SourceMap,
    report: &Report,
    diags: &mut Diagnostics,
) {
    if report.claims.basic && report.unearned.is_empty() {
        return;
    }
    let mut rows = String::new();
    for d in report.deviations.iter().take(LISTED) {
        let _ = write!(rows, "\n  {d}");
    }
    if report.deviations.len() > LISTED {
        let _ = write!(
            rows,
            "\n  ... and {} more (`dicom-anonymizer plan --conformance` lists them all)",
            report.deviations.len() - LISTED
        );
    }
    // each `option` statement, with whether a built-in profile makes it
    let claims: Vec<(&super::ast::Spanned<String>, DeidOption, bool)> = loaded
        .sequence
        .iter()
        .filter_map(|r| loaded.profiles.get(r.profile)?.items.get(r.item))
        .filter_map(|item| match &item.kind {
            super::ast::ItemKind::Option(name) => Some(name),
            _ => None,
        })
        .filter_map(|name| {
            let option = DeidOption::from_name(&name.node)?;
            let builtin = matches!(sources.origin(name.span.file), Some(Origin::Builtin(_)));
            Some((name, option, builtin))
        })
        .collect();
    for &(name, option, builtin) in &claims {
        // the user's own claim of the same option says it already, as an error
        if builtin && claims.iter().any(|(_, o, b)| *o == option && !b) {
            continue;
        }
        let why = match report.unearned.iter().find(|(o, _)| *o == option) {
            Some((_, why)) => why.clone(),
            None if report.claims.basic => continue,
            None => format!(
                "{} row{} of PS3.15 Table E.1-1 break{} it",
                report.deviations.len(),
                if report.deviations.len() == 1 {
                    ""
                } else {
                    "s"
                },
                if report.deviations.len() == 1 {
                    "s"
                } else {
                    ""
                },
            ),
        };
        let (code, message) = if builtin {
            (
                Code::ClaimWithdrawn,
                format!(
                    "the plan no longer satisfies `option {}`: {why}; the outputs will not claim it",
                    option.name()
                ),
            )
        } else {
            (
                Code::ClaimNotSatisfied,
                format!(
                    "the plan does not satisfy `option {}`: {why}",
                    option.name()
                ),
            )
        };
        let mut d = Diagnostic::new(code, message).label(name.span, "claimed here");
        d = d.help(if report.deviations.is_empty() {
            "remove the option, or make the plan do what it claims".to_string()
        } else {
            format!(
                "make these rows at least as strict as the table (delete > empty > replace > clean > keep), or remove the claim:{rows}"
            )
        });
        diags.push(d);
    }
}

/// The text `plan --conformance` prints.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let codes = report.claims.codes();
    let _ = writeln!(
        out,
        "# PS3.15 Table E.1-1 (basic 2026c, options 2023b): {}",
        if report.claims.basic {
            "the Basic Profile is satisfied"
        } else {
            "the Basic Profile is NOT satisfied"
        }
    );
    if codes.is_empty() {
        let _ = writeln!(
            out,
            "codes: none ((0012,0062) is not written; (0012,0063) says the plan is not PS3.15-conformant)"
        );
    } else {
        let _ = writeln!(out, "codes:");
        for c in &codes {
            let _ = writeln!(out, "  {} {}", c.code(), c.meaning());
        }
    }
    let _ = writeln!(
        out,
        "(0028,0303) Longitudinal Temporal Information Modified: {}",
        report.claims.longitudinal.as_str()
    );
    for (o, why) in &report.unearned {
        let _ = writeln!(out, "unearned: {} ({}): {why}", o.name(), o.code());
    }
    let _ = writeln!(out, "deviations: {}", report.deviations.len());
    for d in &report.deviations {
        let _ = writeln!(out, "  {d}");
    }
    let _ = writeln!(out, "relaxed by an option: {}", report.relaxed.len());
    for (d, o) in &report.relaxed {
        let _ = writeln!(out, "  {d} [{}]", o.name());
    }
    out
}
