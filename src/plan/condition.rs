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

impl Condition {
    /// Evaluates the condition; `value(tag)` gives the original values of a top-level
    /// element (`None`: absent).
    pub fn holds(&self, value: &dyn Fn(Tag) -> Option<Vec<String>>) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.holds(value)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(value)),
            Condition::Not(c) => !c.holds(value),
            Condition::Exists(t) => value(*t).is_some(),
            Condition::Value(t, test) => {
                let Some(values) = value(*t) else {
                    return false;
                };
                let whole = values.join("\\");
                match test {
                    Test::Equals(s) => whole == *s || values.iter().any(|v| v == s),
                    Test::OneOf(list) => list
                        .iter()
                        .any(|s| whole == *s || values.iter().any(|v| v == s)),
                    Test::Matches(re) => re.is_match(&whole),
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
