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
pub struct Values {
    taken: Vec<(Tag, Option<Attr>)>,
    /// Regex tests made on this instance: (tag, the pattern's address, result). The
    /// compiler gives the tests of one pattern clones of one regex
    /// (`profile::conditions::compiled`), so a pattern that many signatures test on one
    /// attribute (`Modality ~ r"(?i)CT"`) is run once per instance; a test whose regex is
    /// not shared is only looked up in vain.
    tested: std::cell::RefCell<Vec<(Tag, usize, bool)>>,
}

impl Values {
    /// Takes the values of `tags` (sorted, as [`tags_read`] gives them); `text(tag)` gives
    /// an element's text (`None`: absent).
    pub fn of(tags: &[Tag], text: impl Fn(Tag) -> Option<String>) -> Values {
        Values {
            taken: tags
                .iter()
                .map(|t| (*t, text(*t).map(|s| Attr::from_text(&s))))
                .collect(),
            tested: Default::default(),
        }
    }

    /// The values of `tag` (`None`: absent, or not among the tags taken).
    pub fn get(&self, tag: Tag) -> Option<&Attr> {
        let i = self.taken.binary_search_by_key(&tag, |(t, _)| *t).ok()?;
        self.taken.get(i).and_then(|(_, a)| a.as_ref())
    }

    /// Whether `re` matches `attr` (the values of `tag`), run once per tag and regex.
    fn is_match(&self, tag: Tag, re: &regex::Regex, attr: &Attr) -> bool {
        // the pattern's address: the same for every clone of one regex, and no other
        // regex has it while the plan that holds them is borrowed
        let id = re.as_str().as_ptr() as usize;
        let known = self
            .tested
            .borrow()
            .iter()
            .find_map(|(t, i, hit)| (*t == tag && *i == id).then_some(*hit));
        if let Some(hit) = known {
            return hit;
        }
        let hit = re.is_match(&attr.whole);
        self.tested.borrow_mut().push((tag, id, hit));
        hit
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
    pub fn holds(&self, taken: &Values) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.holds(taken)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(taken)),
            Condition::Not(c) => !c.holds(taken),
            Condition::Exists(t) => taken.get(*t).is_some(),
            Condition::Value(t, test) => {
                let Some(attr) = taken.get(*t) else {
                    return false;
                };
                let Attr { values, whole } = attr;
                match test {
                    Test::Equals(s) => whole == s || values.iter().any(|v| v == s),
                    Test::OneOf(list) => list
                        .iter()
                        .any(|s| whole == s || values.iter().any(|v| v == s)),
                    Test::Matches(re) => taken.is_match(*t, re, attr),
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

#[cfg(test)]
mod tests {
    use super::*;

    const MODALITY: Tag = Tag(0x0008, 0x0060);
    const SERIES: Tag = Tag(0x0008, 0x103E);

    fn matches(tag: Tag, re: &str) -> Condition {
        Condition::Value(tag, Test::Matches(regex::Regex::new(re).unwrap()))
    }

    fn values(modality: &str, series: Option<&str>) -> Values {
        Values::of(&[MODALITY, SERIES], |t| match t {
            MODALITY => Some(modality.to_string()),
            _ => series.map(str::to_string),
        })
    }

    /// `==` holds when the whole value or one of its values is the text, and only then;
    /// `in (...)` likewise for any of its texts.
    #[test]
    fn equals_and_one_of_compare_whole_values_and_each_value() {
        let eq = |s: &str| Condition::Value(MODALITY, Test::Equals(s.to_string()));
        let one_of = |l: &[&str]| {
            Condition::Value(
                MODALITY,
                Test::OneOf(l.iter().map(|s| s.to_string()).collect()),
            )
        };
        let v = values("CT", None);
        assert!(eq("CT").holds(&v));
        assert!(!eq("US").holds(&v), "another text");
        assert!(!eq("C").holds(&v), "a part of the value");
        assert!(one_of(&["US", "CT"]).holds(&v));
        assert!(!one_of(&["US", "MR"]).holds(&v));
        let v = values("CT \\PT", None);
        assert!(eq("CT").holds(&v), "one of the values, padding trimmed");
        assert!(eq("PT").holds(&v));
        assert!(eq("CT\\PT").holds(&v), "the whole value");
        assert!(!eq("MR").holds(&v));
        assert!(one_of(&["MR", "PT"]).holds(&v));
        assert!(!one_of(&["MR", "CT\\"]).holds(&v));
    }

    /// One regex, shared by the tests of its pattern, is run once per attribute: the
    /// result of one attribute is never taken for another's, nor for another pattern's.
    #[test]
    fn a_shared_pattern_is_run_once_per_attribute() {
        // as the compiler gives them: one regex for the tests of one pattern
        let ct = regex::Regex::new("(?i)ct").unwrap();
        let shared = |tag: Tag| Condition::Value(tag, Test::Matches(ct.clone()));
        let cs = [
            shared(MODALITY),
            shared(SERIES),
            Condition::All(vec![shared(MODALITY), matches(MODALITY, "MR")]),
            Condition::Not(Box::new(shared(SERIES))),
        ];

        let v = values("CT", Some("Dose report"));
        let held: Vec<bool> = cs.iter().map(|c| c.holds(&v)).collect();
        assert_eq!(held, [true, false, false, true]);
        // the second attribute first: its result is not the first one's
        let v = values("CT", Some("Dose report"));
        assert!(!cs[1].holds(&v));
        assert!(cs[0].holds(&v));
        assert!(!cs[1].holds(&v));
        let v = values("MR", Some("CT head"));
        let held: Vec<bool> = cs.iter().map(|c| c.holds(&v)).collect();
        assert_eq!(held, [false, true, false, false]);
        let v = values("MR", None);
        assert!(!cs[1].holds(&v), "an absent attribute fails every test");
        assert_eq!(v.tested.borrow().len(), 0, "nothing run on it");
    }
}
