//! What the conformance report means for the user: the diagnostics of `option` and
//! `accept sop-class` statements, and the text `plan --conformance` prints.

use std::fmt::Write as _;

use super::super::diagnostics::{Code, Diagnostic, Diagnostics};
use super::super::resolve::Loaded;
use super::Report;
use crate::plan::DeidOption;
use crate::source::{Origin, SourceMap};

/// The diagnostics of `accept sop-class "UID"`: an error for a value that is not a UID, a
/// warning otherwise (the accepted documents' content is not de-identified).
pub fn accept_diagnostic(uid: &crate::profile::ast::Spanned<String>) -> Diagnostic {
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
    let claims: Vec<(&crate::profile::ast::Spanned<String>, DeidOption, bool)> = loaded
        .sequence
        .iter()
        .filter_map(|r| loaded.profiles.get(r.profile)?.items.get(r.item))
        .filter_map(|item| match &item.kind {
            crate::profile::ast::ItemKind::Option(name) => Some(name),
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
