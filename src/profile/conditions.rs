//! Conditions as written → conditions of the plan, checked against the dictionary:
//! unknown keywords, literals that do not fit the attribute's VR, invalid regular
//! expressions and conditions on sequences are errors, all reported at once; a
//! condition that can never hold is a warning (`lint_never_holds`).

use dicom_core::{Tag, VR};

use super::ast::{CmpOp, Cond, Literal, Selector, Spanned};
use super::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::dictionary;
use crate::plan::Condition;
use crate::plan::condition::{NumOp, Test};
use crate::tag::TagPattern;
use crate::vr;

/// Compiles a condition; `None` when it has errors (each one reported).
pub fn compile(c: &Spanned<Cond>, diags: &mut Diagnostics) -> Option<Condition> {
    match &c.node {
        Cond::And(cs) => all(cs, diags).map(Condition::All),
        Cond::Or(cs) => all(cs, diags).map(Condition::Any),
        Cond::Not(x) => compile(x, diags).map(|x| Condition::Not(Box::new(x))),
        Cond::Exists(s) => subject(s, diags).map(|(t, _)| Condition::Exists(t)),
        Cond::Compare {
            subject: s,
            op,
            value,
        } => {
            let (tag, vr) = subject(s, diags)?;
            test(tag, vr, s, op, value, diags).map(|t| match (op.node, t) {
                // `!=` is `not ==` for text: an absent attribute is not equal
                (CmpOp::Ne, Test::Equals(x)) => {
                    Condition::Not(Box::new(Condition::Value(tag, Test::Equals(x))))
                }
                (_, t) => Condition::Value(tag, t),
            })
        }
        Cond::In { subject: s, values } => {
            let (tag, vr) = subject(s, diags)?;
            let mut texts = Vec::new();
            let mut ok = true;
            for v in values {
                let text = match &v.node {
                    Literal::Str(x) | Literal::Number(x) => x.clone(),
                };
                ok &= fits(vr, &text, s, v, diags);
                texts.push(text);
            }
            ok.then_some(Condition::Value(tag, Test::OneOf(texts)))
        }
    }
}

fn all(cs: &[Spanned<Cond>], diags: &mut Diagnostics) -> Option<Vec<Condition>> {
    // every part is compiled, so that every mistake is reported
    let parts: Vec<Option<Condition>> = cs.iter().map(|c| compile(c, diags)).collect();
    parts.into_iter().collect()
}

/// The tag a condition tests and the VR the dictionary gives it (`None`: unknown).
fn subject(s: &Spanned<Selector>, diags: &mut Diagnostics) -> Option<(Tag, Option<VR>)> {
    let parsed = match &s.node {
        Selector::Keyword(k) => TagPattern::from_keyword(k),
        Selector::Tag(t) => TagPattern::parse_tag(t),
        Selector::Path(_) | Selector::Vr(_) => {
            diags.push(
                Diagnostic::new(Code::BadTag, format!("`{}` cannot be tested by a condition", s.node.text()))
                    .label(s.span, "not a single attribute")
                    .help("a condition tests one top-level attribute, by keyword or tag: `Modality == \"US\"`, `(0008,0060) == \"US\"`"),
            );
            return None;
        }
    };
    let tag = match parsed {
        Ok(TagPattern::Exact(t)) => t,
        Ok(other) => {
            diags.push(
                Diagnostic::new(
                    Code::BadTag,
                    format!("`{}` is not a single attribute", s.node.text()),
                )
                .label(s.span, format!("{other} selects many"))
                .help("a condition tests one attribute: write its tag in full, like `(6000,0010)`"),
            );
            return None;
        }
        Err(e) => {
            diags.push(super::compile::selector_error_for(s, &e));
            return None;
        }
    };
    let vrs = dictionary::vr_choices(tag);
    if vrs.contains(&VR::SQ) {
        diags.push(
            Diagnostic::new(
                Code::ConditionOnSequence,
                format!("`{}` is a sequence; conditions test values", s.node.text()),
            )
            .label(s.span, "a sequence (SQ)")
            .help("a condition tests the value of a top-level attribute that is not a sequence; to act on a sequence's content, write a path rule like `ReferencedStudySequence/StudyInstanceUID keep`"),
        );
        return None;
    }
    Some((tag, vrs.first().copied()))
}

fn test(
    tag: Tag,
    vr: Option<VR>,
    s: &Spanned<Selector>,
    op: &Spanned<CmpOp>,
    value: &Spanned<Literal>,
    diags: &mut Diagnostics,
) -> Option<Test> {
    let _ = tag;
    match (&op.node, &value.node) {
        (CmpOp::Matches, Literal::Str(re)) => match regex::Regex::new(re) {
            Ok(r) => Some(Test::Matches(r)),
            Err(e) => {
                let why = match e {
                    regex::Error::Syntax(x) => x.lines().last().unwrap_or("").trim().to_string(),
                    _ => "invalid pattern".to_string(),
                };
                diags.push(
                    Diagnostic::new(Code::BadRegex, "this regular expression does not compile")
                        .label(value.span, why)
                        .help("the syntax is that of the Rust `regex` crate; write regexes as raw strings, like `r\"(?i)siemens\"`"),
                );
                None
            }
        },
        (CmpOp::Matches, Literal::Number(_)) => {
            diags.push(
                Diagnostic::new(
                    Code::LiteralNotValidForVr,
                    "`~` takes a regular expression in quotes",
                )
                .label(value.span, "not a string")
                .help("write the pattern as a raw string, like `SeriesNumber ~ r\"^1\\d\"`"),
            );
            None
        }
        (CmpOp::Eq | CmpOp::Ne, Literal::Str(text)) => {
            fits(vr, text, s, value, diags).then(|| Test::Equals(text.clone()))
        }
        (o, Literal::Number(n)) => {
            let numeric = vr.is_none_or(is_numeric);
            if !numeric {
                diags.push(
                    Diagnostic::new(
                        Code::LiteralNotValidForVr,
                        format!(
                            "`{}` is not a number ({})",
                            s.node.text(),
                            vr.map_or_else(|| "-".to_string(), |v| String::from(v.to_string()))
                        ),
                    )
                    .label(value.span, "a number")
                    .help(format!(
                        "compare text in quotes: `{} == \"{n}\"`",
                        s.node.text()
                    )),
                );
                return None;
            }
            let x = n.parse::<f64>().ok()?;
            let op = match o {
                CmpOp::Eq => NumOp::Eq,
                CmpOp::Ne => NumOp::Ne,
                CmpOp::Lt => NumOp::Lt,
                CmpOp::Le => NumOp::Le,
                CmpOp::Gt => NumOp::Gt,
                _ => NumOp::Ge,
            };
            Some(Test::Number(op, x))
        }
        (_, Literal::Str(_)) => {
            diags.push(
                Diagnostic::new(
                    Code::LiteralNotValidForVr,
                    format!("`{}` compares numbers", op.node.as_str()),
                )
                .label(value.span, "a string")
                .help(format!(
                    "write a number without quotes, like `{} {} 480`",
                    s.node.text(),
                    op.node.as_str()
                )),
            );
            None
        }
    }
}

fn is_numeric(vr: VR) -> bool {
    vr::is_binary_number(vr) || matches!(vr, VR::IS | VR::DS)
}

/// Whether a literal can be a value of the attribute (else an error is reported).
fn fits(
    vr: Option<VR>,
    text: &str,
    s: &Spanned<Selector>,
    value: &Spanned<Literal>,
    diags: &mut Diagnostics,
) -> bool {
    let Some(vr) = vr else {
        return true;
    };
    if is_numeric(vr) {
        if text.trim().parse::<f64>().is_ok() {
            return true;
        }
    } else if !vr::accepts_literal(vr) || vr::check_literal(vr, text).is_ok() {
        return true;
    }
    let why = match vr::check_literal(vr, text) {
        Err(p) => p.to_string(),
        Ok(()) => "not a number".to_string(),
    };
    diags.push(
        Diagnostic::new(
            Code::LiteralNotValidForVr,
            format!("this value can never be {} ({vr})", s.node.text()),
        )
        .label(value.span, why)
        .help(format!("the condition compares with values of {} ({vr}); a value it can never have means the test never holds", s.node.text())),
    );
    false
}

/// Whether a condition can never hold: a contradiction of its own tests (`A and not A`,
/// `Modality == \"US\" and not exists Modality`). Checked by trying every
/// combination of its tests (conditions with more than 12 distinct tests are not
/// checked).
pub fn never_holds(c: &Condition) -> bool {
    let mut atoms: Vec<String> = Vec::new();
    collect_atoms(c, &mut atoms);
    if atoms.is_empty() || atoms.len() > 12 {
        return false;
    }
    let n = atoms.len();
    (0u32..(1 << n)).all(|bits| {
        let truth = |a: &str| {
            atoms
                .iter()
                .position(|x| x == a)
                .is_some_and(|i| bits & (1 << i) != 0)
        };
        !consistent(&atoms, &truth) || !eval(c, &truth)
    })
}

fn atom_key(tag: Tag, test: Option<&Test>) -> String {
    match test {
        None => format!("exists {tag}"),
        Some(Test::Equals(s)) => format!("{tag} == {s:?}"),
        Some(Test::OneOf(v)) => format!("{tag} in {v:?}"),
        Some(Test::Matches(r)) => format!("{tag} ~ {:?}", r.as_str()),
        Some(Test::Number(op, x)) => format!("{tag} {op:?} {x}"),
    }
}

fn collect_atoms(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|x| collect_atoms(x, out)),
        Condition::Not(x) => collect_atoms(x, out),
        Condition::Exists(t) => push_unique(out, atom_key(*t, None)),
        Condition::Value(t, test) => {
            push_unique(out, atom_key(*t, Some(test)));
            // a test of a value implies that the attribute exists
            push_unique(out, atom_key(*t, None));
        }
    }
}

fn push_unique(out: &mut Vec<String>, s: String) {
    if !out.contains(&s) {
        out.push(s);
    }
}

fn eval(c: &Condition, truth: &dyn Fn(&str) -> bool) -> bool {
    match c {
        Condition::All(cs) => cs.iter().all(|x| eval(x, truth)),
        Condition::Any(cs) => cs.iter().any(|x| eval(x, truth)),
        Condition::Not(x) => !eval(x, truth),
        Condition::Exists(t) => truth(&atom_key(*t, None)),
        Condition::Value(t, test) => truth(&atom_key(*t, Some(test))),
    }
}

/// Whether an assignment of truth values can happen: a test of a value needs the
/// attribute to exist. (Two different values of one attribute are not a contradiction:
/// a multi-valued attribute can hold both.)
fn consistent(atoms: &[String], truth: &dyn Fn(&str) -> bool) -> bool {
    atoms
        .iter()
        .filter(|a| truth(a) && !a.starts_with("exists "))
        .all(|a| {
            a.split_once(' ')
                .is_none_or(|(tag, _)| truth(&format!("exists {tag}")))
        })
}
