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

use dicom_core::{Tag, VR};

use crate::plan::{Action, Claims, Decision, DeidOption, Longitudinal, Plan};
use crate::tag::{TagPattern, normalize_creator};

mod declared;
mod table;

pub use declared::{accept_diagnostic, check_declared, render};
use table::safe_private;
pub use table::{Row, Strictness, rows};

/// Parses the PS3.15 tables, if not done yet (`tables::start`).
pub(crate) fn parse_tables_now() {
    let _ = rows();
    let _ = safe_private();
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
