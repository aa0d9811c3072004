//! Parameterised actions: `shift-date days A..B`, `shift-date by table T`, `keep-year`,
//! `cap-age N`, `hash length N prefix "P"`, `truncate N` and `lookup T [by A] [else hash]`.
//! The words and numbers after the action are checked here; the VR checks are the
//! compiler's, as for every action.

use std::collections::HashMap;
use std::sync::Arc;

use super::ast::{Arg, Rule, Spanned};
use super::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::plan::{Action, DateShift, HashSpec, Lookup, LookupTable};
use crate::tag::TagPattern;

/// The tables a rule can name, by name (`used` is set when a rule names one).
pub type Tables = HashMap<String, (Arc<LookupTable>, std::cell::Cell<bool>)>;

/// The action of a rule whose action takes words or numbers; `None` for the others
/// (which the compiler reads as before).
pub fn action(rule: &Rule, tables: &Tables) -> Option<Result<Action, Diagnostic>> {
    let word = rule.action.node.as_str();
    let args = &rule.args;
    Some(match word {
        "keep-year" => none(rule, "keep-year").map(|()| Action::KeepYear),
        "cap-age" => match args.as_slice() {
            [n] => number(n, 1, 998, "cap-age 89")
                .map(|n| Action::CapAge(u16::try_from(n).unwrap_or(89))),
            _ => Err(usage(rule, "cap-age 89")),
        },
        "truncate" => match args.as_slice() {
            [n] => number(n, 1, 65_536, "truncate 16")
                .map(|n| Action::Truncate(usize::try_from(n).unwrap_or(16))),
            _ => Err(usage(rule, "truncate 16")),
        },
        "shift-date" => match args.as_slice() {
            [] => return None,
            [w, r] if is_word(w, "days") => match r.node {
                Arg::Range(a, b) if a <= b && a.abs() <= 36_500 && b.abs() <= 36_500 => {
                    Ok(Action::ShiftDays(Box::new(DateShift::Range(a, b))))
                }
                Arg::Range(a, b) if a > b => Err(bad(
                    r.span,
                    "the range runs backwards",
                    &format!("write the smaller number first: `days {b}..{a}`"),
                )),
                Arg::Range(..) => Err(bad(
                    r.span,
                    "more than 100 years",
                    "a shift is at most 36500 days either way",
                )),
                _ => Err(usage(rule, "shift-date days 30..730")),
            },
            [by, t, name] if is_word(by, "by") && is_word(t, "table") => {
                table(name, tables).map(|t| Action::ShiftDays(Box::new(DateShift::Table(t))))
            }
            _ => Err(usage(
                rule,
                "shift-date days 30..730` or `shift-date by table offsets",
            )),
        },
        "hash" if !args.is_empty() => hash(rule),
        "lookup" => lookup(rule, tables),
        _ => return None,
    })
}

fn is_word(a: &Spanned<Arg>, w: &str) -> bool {
    matches!(&a.node, Arg::Word(x) if x == w)
}

fn none(rule: &Rule, usage_text: &str) -> Result<(), Diagnostic> {
    if rule.args.is_empty() {
        Ok(())
    } else {
        Err(usage(rule, usage_text))
    }
}

fn usage(rule: &Rule, usage_text: &str) -> Diagnostic {
    let span = match (rule.args.first(), rule.args.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => rule.action.span,
    };
    Diagnostic::new(
        Code::WrongArguments,
        format!("`{}` is not written this way", rule.action.node),
    )
    .label(
        span,
        if rule.args.is_empty() {
            "needs arguments"
        } else {
            "unexpected arguments"
        },
    )
    .help(format!("write it as `{usage_text}`"))
}

fn bad(span: crate::source::Span, what: &str, help: &str) -> Diagnostic {
    Diagnostic::new(
        Code::BadParameter,
        format!("this parameter is not valid: {what}"),
    )
    .label(span, what.to_string())
    .help(help.to_string())
}

fn number(a: &Spanned<Arg>, min: i64, max: i64, example: &str) -> Result<i64, Diagnostic> {
    match &a.node {
        Arg::Number(n) => match n.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(bad(
                a.span,
                &format!("not a whole number from {min} to {max}"),
                &format!("write it like `{example}`"),
            )),
        },
        _ => Err(bad(
            a.span,
            "not a number",
            &format!("write it like `{example}`"),
        )),
    }
}

fn table(name: &Spanned<Arg>, tables: &Tables) -> Result<Arc<LookupTable>, Diagnostic> {
    let Arg::Word(n) = &name.node else {
        return Err(bad(
            name.span,
            "not a table name",
            "name a table declared with `table NAME \"FILE.csv\" key COLUMN value COLUMN`",
        ));
    };
    if let Some((t, used)) = tables.get(n) {
        used.set(true);
        return Ok(Arc::clone(t));
    }
    let names: Vec<&str> = tables.keys().map(String::as_str).collect();
    let sugg = crate::fuzzy::closest(n, names.iter().copied(), 0.7);
    let help = did_you_mean(&sugg).unwrap_or_else(|| {
        if names.is_empty() {
            "declare the table before the rules that use it: `table NAME \"FILE.csv\" key COLUMN value COLUMN`".to_string()
        } else {
            format!("tables: {}", names.join(", "))
        }
    });
    Err(
        Diagnostic::new(Code::UnknownTable, format!("unknown table `{n}`"))
            .label(name.span, "no table of this name")
            .help(help),
    )
}

fn hash(rule: &Rule) -> Result<Action, Diagnostic> {
    let mut length = None;
    let mut prefix = String::new();
    let mut it = rule.args.iter();
    while let Some(a) = it.next() {
        match (&a.node, it.next()) {
            (Arg::Word(w), Some(n)) if w == "length" => {
                length = Some(number(n, 1, 1024, "hash length 8")?)
            }
            (Arg::Word(w), Some(p)) if w == "prefix" => match &p.node {
                Arg::Str(s) => prefix = s.clone(),
                _ => {
                    return Err(bad(
                        p.span,
                        "not a string",
                        "write the prefix in quotes: `prefix \"SUBJ-\"`",
                    ));
                }
            },
            _ => return Err(usage(rule, "hash length 8 prefix \"SUBJ-\"")),
        }
    }
    let length = usize::try_from(length.unwrap_or(16)).unwrap_or(16);
    if prefix.chars().count() >= length {
        let span = rule.args.last().map_or(rule.action.span, |a| a.span);
        return Err(bad(
            span,
            "the prefix leaves no room",
            "the length counts the prefix too: `hash length 12 prefix \"SUBJ-\"` gives `SUBJ-` and 7 keyed characters",
        ));
    }
    Ok(Action::HashWith(Box::new(HashSpec { length, prefix })))
}

fn lookup(rule: &Rule, tables: &Tables) -> Result<Action, Diagnostic> {
    let args = &rule.args;
    let Some(name) = args.first() else {
        return Err(usage(rule, "lookup subjects"));
    };
    let table = table(name, tables)?;
    let mut by = None;
    let mut else_hash = false;
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        match (&a.node, rest.next()) {
            (Arg::Word(w), Some(attr)) if w == "by" => {
                let Arg::Word(k) = &attr.node else {
                    return Err(usage(rule, "lookup subjects by PatientID"));
                };
                let pattern = if k.starts_with('(') {
                    TagPattern::parse_tag(k)
                } else {
                    TagPattern::from_keyword(k)
                };
                match pattern {
                    Ok(TagPattern::Exact(t)) => by = Some(t),
                    _ => {
                        return Err(Diagnostic::new(Code::UnknownKeyword, format!("unknown keyword `{k}`"))
                            .label(attr.span, "not an attribute of the standard dictionary")
                            .help("the key is the original value of a top-level attribute, by keyword, like `by PatientID`"));
                    }
                }
            }
            (Arg::Word(w), Some(h)) if w == "else" && is_word(h, "hash") => else_hash = true,
            _ => return Err(usage(rule, "lookup subjects [by PatientID] [else hash]")),
        }
    }
    Ok(Action::Lookup(Box::new(Lookup {
        table,
        by,
        else_hash,
    })))
}
