//! Writing the profile: printing the rules, compiling them, and mapping the compiler's
//! findings back to JSON paths.

use std::collections::HashMap;

use super::read::{Form, OldRule};
use super::{ConvertError, ConvertWarning, Converted, JsonPath};
use crate::dictionary;
use crate::profile::ast::{Arg, ItemKind, Rule, Selector, Spanned};
use crate::profile::{self, Severity, print};
use crate::source::{Origin, SourceMap, Span};
use crate::tag::TagPattern;

/// What a rule's comment says about the attribute.
pub(super) fn describe(p: &TagPattern) -> String {
    match p {
        TagPattern::Exact(t) if t.group() % 2 == 1 => "private element".to_string(),
        TagPattern::Exact(t) => dictionary::keyword_of(*t)
            .unwrap_or("not in the standard dictionary")
            .to_string(),
        other => match dictionary::entries_matching(other).as_slice() {
            [] => "matches no standard attribute".to_string(),
            [one] => one.keyword.to_string(),
            [first, rest @ ..] => format!("{} attributes: {}, ...", rest.len() + 1, first.keyword),
        },
    }
}

pub(super) fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// One rule as a statement.
fn statement(r: &OldRule, span: Span) -> String {
    print::print_item(&ItemKind::Rule(Rule {
        selector: Spanned::new(Selector::Tag(r.pattern.to_string()), span),
        action: Spanned::new(r.action.word.to_string(), span),
        args: r
            .args
            .iter()
            .map(|a| Spanned::new(Arg::Str(a.clone()), span))
            .collect(),
    }))
}

/// The rules in document order, one a line, and for each line the line of the JSON
/// document where its entry starts (`lines`, by path; a path without one takes its
/// nearest enclosing value's line).
pub(super) fn print_with_lines(
    rules: &[OldRule],
    lines: &HashMap<JsonPath, u32>,
) -> (String, Vec<u32>) {
    let mut map = SourceMap::new();
    let span = Span::new(map.add("", Origin::Virtual, ""), 0, 0);
    let line_of = |path: &JsonPath| {
        let mut p = path.as_str();
        loop {
            if let Some(l) = lines.get(&JsonPath(p.to_string())) {
                return *l;
            }
            match p.rfind(['[', '.']) {
                Some(i) if i > 0 => p = p.get(..i).unwrap_or("$"),
                _ => return 1,
            }
        }
    };
    let mut text = String::new();
    let mut shown = Vec::with_capacity(rules.len());
    for r in rules {
        text.push_str(&statement(r, span));
        text.push('\n');
        shown.push(line_of(&r.path));
    }
    (text, shown)
}

/// Prints the rules (with `warnings` as comments above their rule), returning the text
/// and, for each printed rule line (1-based), the JSON path it came from.
pub(super) fn print_rules(
    form: Form,
    rules: &[&OldRule],
    source_name: &str,
    warnings: &HashMap<JsonPath, Vec<ConvertWarning>>,
) -> (String, HashMap<u32, JsonPath>) {
    let mut map = SourceMap::new();
    let span = Span::new(map.add(source_name, Origin::Virtual, ""), 0, 0);
    let statements: Vec<String> = rules.iter().map(|r| statement(r, span)).collect();
    let column = statements
        .iter()
        .map(|s| s.chars().count() + 2)
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = vec![
        format!(
            "# Converted by `dicom-anonymizer convert` from `{}`,",
            one_line(source_name)
        ),
        format!("# {}.", form.describe()),
        "# Old action names are mapped as docs/convert.md says; a comment gives the old name"
            .to_string(),
        "# where it differs. Rules only: compose this file after a base profile, e.g.".to_string(),
        "#   dicom-anonymizer run --profile builtin:basic --profile THIS.anon SRC DST".to_string(),
        String::new(),
    ];
    if rules.is_empty() {
        lines.push("# (the file has no rules)".to_string());
    }
    let mut paths = HashMap::new();
    for (rule, statement) in rules.iter().zip(&statements) {
        for w in warnings.get(&rule.path).into_iter().flatten() {
            lines.push(format!("# warning [{}]: {}", w.code, one_line(&w.message)));
        }
        let mut comment = describe(&rule.pattern);
        if rule.action.name != rule.action.word {
            comment.push_str(&format!(" (was {})", rule.action.name));
        }
        lines.push(print::with_comment(statement, &comment, column));
        paths.insert(
            u32::try_from(lines.len()).unwrap_or(u32::MAX),
            rule.path.clone(),
        );
    }
    let mut text = lines.join("\n");
    text.push('\n');
    (text, paths)
}

/// The JSON path of the rule a diagnostic points at, if it points at a rule line.
pub(super) fn path_of(
    d: &profile::Diagnostic,
    sources: &SourceMap,
    paths: &HashMap<u32, JsonPath>,
) -> Option<JsonPath> {
    let label = d.label.as_ref()?;
    let (line, _) = sources.line_col(label.span.file, label.span.start);
    paths.get(&line).cloned()
}

/// Prints the rules, compiles the text, and maps what the compiler says back to paths.
pub(super) fn render(
    form: Form,
    rules: &[OldRule],
    source_name: &str,
) -> Result<Converted, Vec<ConvertError>> {
    let mut sorted: Vec<&OldRule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.pattern.sort_key());
    let mut warnings: HashMap<JsonPath, Vec<ConvertWarning>> = HashMap::new();
    // pass 1 finds the warnings; pass 2 writes them in and must give the same ones
    for pass in 0..2 {
        let (text, paths) = print_rules(form, &sorted, source_name, &warnings);
        let compiled = profile::compile_str(source_name, &text);
        let mut errors = Vec::new();
        let mut found: Vec<ConvertWarning> = Vec::new();
        for d in &compiled.diagnostics {
            let path = path_of(d, &compiled.sources, &paths);
            match (d.severity(), path) {
                (Severity::Error, Some(path)) => errors.push(ConvertError::Rejected {
                    path,
                    compiler_code: d.code.as_str(),
                    message: d.message.clone(),
                    help: d.help.clone(),
                }),
                (Severity::Warning, Some(path)) => found.push(ConvertWarning {
                    path,
                    code: d.code.as_str(),
                    message: d.message.clone(),
                }),
                (_, None) => errors.push(ConvertError::Bug {
                    message: format!("{}: {}", d.code.as_str(), d.message),
                }),
            }
        }
        if !errors.is_empty() {
            let position: HashMap<&JsonPath, usize> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| (&r.path, i))
                .collect();
            errors.sort_by_key(|e| e.path().and_then(|p| position.get(p).copied()));
            return Err(errors);
        }
        if compiled.plan.is_none() {
            return Err(vec![ConvertError::Bug {
                message: "no plan and no error".to_string(),
            }]);
        }
        let mut by_path: HashMap<JsonPath, Vec<ConvertWarning>> = HashMap::new();
        for w in &found {
            by_path.entry(w.path.clone()).or_default().push(w.clone());
        }
        if pass == 0 && !found.is_empty() {
            warnings = by_path;
            continue;
        }
        if by_path != warnings {
            return Err(vec![ConvertError::Bug {
                message: "the warnings changed when they were written into the output".to_string(),
            }]);
        }
        // warnings in the order of the input
        let position: HashMap<&JsonPath, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (&r.path, i))
            .collect();
        found.sort_by_key(|w| position.get(&w.path).copied().unwrap_or(usize::MAX));
        return Ok(Converted {
            text,
            warnings: found,
        });
    }
    Err(vec![ConvertError::Bug {
        message: "the conversion did not settle".to_string(),
    }])
}
