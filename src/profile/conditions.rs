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

/// `Regex::new(pattern)`, compiled once per pattern and thread: the 102 pixel signatures
/// hold 318 regex tests of a few dozen patterns, and a case-insensitive pattern costs the
/// regex crate about half a million instructions to compile (most of a run's start).
fn compiled(pattern: &str) -> Result<regex::Regex, regex::Error> {
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, regex::Regex>> =
            Default::default();
    }
    COMPILED.with(|c| {
        if let Some(re) = c.borrow().get(pattern) {
            return Ok(re.clone());
        }
        let re = regex::Regex::new(pattern)?;
        let mut c = c.borrow_mut();
        // profiles hold a few hundred patterns at most: a bound, not a policy
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(pattern.to_string(), re.clone());
        Ok(re)
    })
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
        (CmpOp::Matches, Literal::Str(re)) => match compiled(re) {
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
/// checked). A combination can happen when every test of a value that holds has its
/// attribute present; two different values of one attribute are no contradiction (a
/// multi-valued attribute can hold both).
pub fn never_holds(c: &Condition) -> bool {
    let mut atoms: Vec<String> = Vec::new();
    collect_atoms(c, &mut atoms);
    if atoms.is_empty() || atoms.len() > 12 {
        return false;
    }
    let index = |key: &str| atoms.iter().position(|x| x == key);
    // the condition over atom numbers, and what each test of a value needs (the
    // attribute's `exists`; `None`: not among the atoms, so the test can never be true)
    let expr = Expr::of(c, &index);
    let needs: Vec<(usize, Option<usize>)> = atoms
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.starts_with("exists "))
        .filter_map(|(i, a)| {
            a.split_once(' ')
                .map(|(tag, _)| (i, index(&format!("exists {tag}"))))
        })
        .collect();
    let n = atoms.len();
    (0u32..(1 << n)).all(|bits| {
        let truth = |i: usize| bits & (1 << i) != 0;
        let consistent = needs
            .iter()
            .all(|(v, e)| !truth(*v) || e.is_some_and(truth));
        !consistent || !expr.eval(&truth)
    })
}

/// A condition whose tests are numbers of atoms (`None`: an atom not found, false).
enum Expr {
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Atom(Option<usize>),
}

impl Expr {
    fn of(c: &Condition, index: &dyn Fn(&str) -> Option<usize>) -> Expr {
        match c {
            Condition::All(cs) => Expr::All(cs.iter().map(|x| Expr::of(x, index)).collect()),
            Condition::Any(cs) => Expr::Any(cs.iter().map(|x| Expr::of(x, index)).collect()),
            Condition::Not(x) => Expr::Not(Box::new(Expr::of(x, index))),
            Condition::Exists(t) => Expr::Atom(index(&atom_key(*t, None))),
            Condition::Value(t, test) => Expr::Atom(index(&atom_key(*t, Some(test)))),
        }
    }

    fn eval(&self, truth: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::All(xs) => xs.iter().all(|x| x.eval(truth)),
            Expr::Any(xs) => xs.iter().any(|x| x.eval(truth)),
            Expr::Not(x) => !x.eval(truth),
            Expr::Atom(i) => i.is_some_and(truth),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::never_holds;
    use crate::plan::condition::{Condition, NumOp, Test};
    use dicom_core::Tag;

    const M: Tag = Tag(0x0008, 0x0060);
    const S: Tag = Tag(0x0008, 0x103E);

    fn eq(t: Tag, s: &str) -> Condition {
        Condition::Value(t, Test::Equals(s.to_string()))
    }
    fn not(c: Condition) -> Condition {
        Condition::Not(Box::new(c))
    }
    fn all(v: Vec<Condition>) -> Condition {
        Condition::All(v)
    }
    fn any(v: Vec<Condition>) -> Condition {
        Condition::Any(v)
    }

    /// The tests of one pattern get clones of one regex (the same pattern text, which the
    /// plan's conditions use to run a pattern once per attribute); another pattern its own.
    #[test]
    fn a_pattern_is_compiled_once() {
        let a = super::compiled("(?i)ct").unwrap();
        let b = super::compiled("(?i)ct").unwrap();
        let c = super::compiled("(?i)mr").unwrap();
        assert_eq!(
            a.as_str().as_ptr(),
            b.as_str().as_ptr(),
            "one regex for one pattern"
        );
        assert_ne!(a.as_str().as_ptr(), c.as_str().as_ptr());
        assert!(super::compiled("(").is_err());
    }

    /// Contradictions of a condition's own tests are found, and nothing else: a test of a
    /// value needs its attribute, two values of one attribute can both hold.
    #[test]
    fn contradictions_and_only_contradictions_never_hold() {
        let never = [
            all(vec![Condition::Exists(M), not(Condition::Exists(M))]),
            all(vec![eq(M, "US"), not(Condition::Exists(M))]),
            all(vec![eq(M, "US"), not(eq(M, "US"))]),
            not(any(vec![eq(S, "x"), not(eq(S, "x"))])),
            all(vec![
                any(vec![
                    eq(M, "US"),
                    Condition::Value(M, Test::Number(NumOp::Gt, 1.0)),
                ]),
                not(Condition::Exists(M)),
            ]),
        ];
        let can = [
            eq(M, "US"),
            all(vec![eq(M, "US"), eq(M, "CT")]),
            all(vec![eq(M, "US"), not(Condition::Exists(S))]),
            any(vec![Condition::Exists(M), not(Condition::Exists(M))]),
            not(eq(M, "US")),
            not(Condition::Exists(M)),
            all(vec![not(eq(M, "US")), Condition::Exists(M)]),
        ];
        for c in &never {
            assert!(never_holds(c), "{c:?}");
        }
        for c in &can {
            assert!(!never_holds(c), "{c:?}");
        }
        // more than 12 distinct tests: not checked
        let many: Vec<Condition> = (0..7).map(|i| eq(Tag(0x0011, i), "x")).collect();
        let mut wide = many.clone();
        wide.push(not(Condition::Exists(M)));
        wide.push(Condition::Exists(M));
        assert!(!never_holds(&all(wide)), "14 atoms are not checked");
        let mut small: Vec<Condition> = many.into_iter().take(5).collect();
        small.push(all(vec![Condition::Exists(M), not(Condition::Exists(M))]));
        assert!(never_holds(&all(small)), "11 atoms are");
    }
}
