//! Conditions of `when` blocks and `reject when` statements, as the plan holds them.
//!
//! A condition tests the instance's *original* values (the engine evaluates every
//! condition of the plan once per instance, before anything changes), so the order of
//! rules never changes what a condition sees.

use std::sync::Arc;

use dicom_core::Tag;

/// How a condition compares an attribute's value.
#[derive(Debug, Clone)]
pub enum Test {
    /// `==` with a string: the whole value, or any one of its values, equals the text
    /// (trailing padding ignored).
    Equals(String),
    /// `==`, `!=`, `<`, `<=`, `>`, `>=` with a number: the first value, read as a number.
    Number(NumOp, f64),
    /// `~`: the regular expression matches somewhere in the value (values joined by `\`).
    Matches(regex::Regex),
    /// `in (...)`: the value, or one of its values, is one of the texts.
    OneOf(Vec<String>),
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl NumOp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            NumOp::Eq => a == b,
            NumOp::Ne => a != b,
            NumOp::Lt => a < b,
            NumOp::Le => a <= b,
            NumOp::Gt => a > b,
            NumOp::Ge => a >= b,
        }
    }
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// `exists TAG`: the element is present at the top level of the data set (an empty
    /// value counts as present).
    Exists(Tag),
    /// A test of the top-level element's value; an absent element fails every test.
    Value(Tag, Test),
}

/// The original values of one top-level element, as conditions compare them: each value
/// with its padding (spaces, NUL) trimmed, and all of them joined by `\\`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    values: Vec<String>,
    whole: String,
}

impl Attr {
    /// The values of an element whose text (values separated by `\\`) is `text`.
    pub fn from_text(text: &str) -> Attr {
        let values: Vec<String> = text
            .split('\\')
            .map(|v| v.trim_matches([' ', '\0']).to_string())
            .collect();
        let whole = values.join("\\");
        Attr { values, whole }
    }

    /// The first value (trimmed).
    pub fn first(&self) -> Option<&str> {
        self.values.first().map(String::as_str)
    }
}

/// The original values of the elements some conditions read, taken once per instance
/// (a hundred pixel signatures read the same few attributes: each is decoded once).
#[derive(Debug, Default)]
pub struct Values(Vec<(Tag, Option<Attr>)>);

impl Values {
    /// Takes the values of `tags` (sorted, as [`tags_read`] gives them); `text(tag)` gives
    /// an element's text (`None`: absent).
    pub fn of(tags: &[Tag], text: impl Fn(Tag) -> Option<String>) -> Values {
        Values(
            tags.iter()
                .map(|t| (*t, text(*t).map(|s| Attr::from_text(&s))))
                .collect(),
        )
    }

    /// The values of `tag` (`None`: absent, or not among the tags taken).
    pub fn get(&self, tag: Tag) -> Option<&Attr> {
        let i = self.0.binary_search_by_key(&tag, |(t, _)| *t).ok()?;
        self.0.get(i).and_then(|(_, a)| a.as_ref())
    }
}

/// Every tag `conditions` read, sorted, once each.
pub fn tags_read<'a>(conditions: impl IntoIterator<Item = &'a Condition>) -> Vec<Tag> {
    let mut tags = Vec::new();
    for c in conditions {
        c.tags(&mut tags);
    }
    tags.sort_unstable();
    tags.dedup();
    tags
}

impl Condition {
    /// Evaluates the condition on `values` (taken with [`Values::of`] for tags that
    /// include this condition's).
    pub fn holds(&self, values: &Values) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.holds(values)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(values)),
            Condition::Not(c) => !c.holds(values),
            Condition::Exists(t) => values.get(*t).is_some(),
            Condition::Value(t, test) => {
                let Some(Attr { values, whole }) = values.get(*t) else {
                    return false;
                };
                match test {
                    Test::Equals(s) => whole == s || values.iter().any(|v| v == s),
                    Test::OneOf(list) => list
                        .iter()
                        .any(|s| whole == s || values.iter().any(|v| v == s)),
                    Test::Matches(re) => re.is_match(whole),
                    Test::Number(op, n) => values
                        .first()
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .is_some_and(|v| op.holds(v, *n)),
                }
            }
        }
    }

    /// Every tag the condition reads.
    pub fn tags(&self, out: &mut Vec<Tag>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.tags(out)),
            Condition::Not(c) => c.tags(out),
            Condition::Exists(t) | Condition::Value(t, _) => out.push(*t),
        }
    }
}

/// A condition of the plan: what it tests, as written, and where.
#[derive(Debug, Clone)]
pub struct PlanCondition {
    pub condition: Condition,
    /// The condition as written (for `plan`).
    pub text: Arc<str>,
    /// `file:line` of the `when` or `reject`.
    pub origin: Arc<str>,
}

/// `reject when CONDITION "REASON"`.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectRule {
    /// Index of the condition in [`crate::plan::Plan::conditions`].
    pub condition: usize,
    pub reason: String,
    pub origin: Arc<str>,
}

/// Which conditions of a plan hold for one instance (index = condition index).
pub type Outcome = Vec<bool>;

impl PartialEq for PlanCondition {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.origin == other.origin
    }
}
