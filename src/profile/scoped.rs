//! Path selectors (`Seq/Tag`, `**/Tag`) and VR selectors (`vr PN`) → plan scopes.

use std::str::FromStr;

use dicom_core::{Tag, VR};

use super::ast::{Selector, Spanned};
use super::diagnostics::{Code, Diagnostic};
use crate::dictionary;
use crate::plan::{PathPattern, Scope};
use crate::tag::TagPattern;

/// The scope of a path or VR selector; `Err` with the diagnostic when it is not valid.
pub fn parse(sel: &Spanned<Selector>) -> Result<Scope, Diagnostic> {
    match &sel.node {
        Selector::Vr(v) => match VR::from_str(v) {
            Ok(vr) if !matches!(vr, VR::SQ) => Ok(Scope::Vr(vr)),
            Ok(_) => Err(Diagnostic::new(Code::BadTag, "`vr SQ` is not a selector")
                .label(sel.span, "sequences")
                .help("sequences are selected by tag or keyword; the plan applies inside the items of the ones it keeps")),
            Err(_) => Err(Diagnostic::new(Code::BadTag, format!("`{v}` is not a VR"))
                .label(sel.span, "not a value representation")
                .help("a VR is two capitals of PS3.5 Table 6.2-1, like `PN`, `DA`, `UI`, `LO`")),
        },
        Selector::Path(text) => {
            let (any_depth, rest) = match text.strip_prefix("**/") {
                Some(r) => (true, r),
                None => (false, text.as_str()),
            };
            let mut steps = Vec::new();
            let parts = split_steps(rest);
            let n = parts.len();
            for (i, part) in parts.iter().enumerate() {
                let parsed = if part.starts_with('(') {
                    TagPattern::parse_tag(part)
                } else {
                    TagPattern::from_keyword(part)
                };
                let tag: Tag = match parsed {
                    Ok(TagPattern::Exact(t)) => t,
                    _ => {
                        return Err(Diagnostic::new(Code::BadTag, format!("`{part}` is not an attribute"))
                            .label(sel.span, "in this path")
                            .help("each step of a path is a keyword or a tag of the standard dictionary, like `ReferencedStudySequence/StudyInstanceUID` or `(0040,A730)/(0040,A160)`"));
                    }
                };
                if i + 1 < n && dictionary::vr_of(tag).is_some_and(|v| v != VR::SQ) {
                    return Err(Diagnostic::new(Code::BadTag, format!("`{part}` is not a sequence"))
                        .label(sel.span, "a step before the last must be a sequence")
                        .help("a path goes through sequences (SQ) to an attribute inside their items"));
                }
                steps.push(tag);
            }
            Ok(Scope::Path(PathPattern { any_depth, steps }))
        }
        Selector::Tag(_) | Selector::Keyword(_) => Err(Diagnostic::new(Code::BadTag, "not a path")),
    }
}

/// The steps of a path: split at `/` outside parentheses and quotes.
fn split_steps(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0u32;
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            '/' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}
