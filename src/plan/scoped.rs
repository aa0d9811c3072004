//! Rules scoped by where an element is or what VR it has: path rules
//! (`ReferencedStudySequence/StudyInstanceUID`, `**/TextValue`) and VR rules (`vr PN`).
//!
//! They are kept apart from the tag rules (so everything that reads [`Plan::all_rules`]
//! sees tag rules only) and consulted by [`Plan::decide_in`]: a path rule that matches
//! beats every tag rule for that element; a VR rule decides a public element that no
//! tag or mask rule decides (private elements follow the private rules).

use std::fmt;

use dicom_core::{Tag, VR};

use super::{Decision, Plan, PlanRule};

/// A path into sequences: the tags of the enclosing sequences, then the element's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathPattern {
    /// `**/` in front: the steps match at any depth (the first step need not be at the
    /// top level).
    pub any_depth: bool,
    /// Sequence tags, outermost first, then the element's tag (at least one).
    pub steps: Vec<Tag>,
}

impl PathPattern {
    /// Whether an element of `tag` inside the sequences `seq_path` (outermost first) is
    /// at this path.
    pub fn matches(&self, seq_path: &[Tag], tag: Tag) -> bool {
        let Some((last, seqs)) = self.steps.split_last() else {
            return false;
        };
        if *last != tag {
            return false;
        }
        if self.any_depth {
            seq_path.ends_with(seqs)
        } else {
            seq_path == seqs
        }
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.any_depth {
            f.write_str("**/")?;
        }
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|t| {
                crate::dictionary::keyword_of(*t)
                    .map_or_else(|| crate::tag::fmt_tag(*t), str::to_string)
            })
            .collect();
        f.write_str(&steps.join("/"))
    }
}

/// What a scoped rule selects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Path(PathPattern),
    Vr(VR),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Path(p) => p.fmt(f),
            Scope::Vr(v) => write!(f, "vr {v}"),
        }
    }
}

/// A path or VR rule: its scope and the rule (whose pattern is the element's tag for a
/// path rule, and every public tag for a VR rule).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopedRule {
    pub scope: Scope,
    pub rule: PlanRule,
}

impl Plan {
    /// The path and VR rules, in load order.
    pub fn scoped_rules(&self) -> &[ScopedRule] {
        &self.scoped
    }

    /// What happens to an element of `tag` (VR `vr` as stored) inside the sequences
    /// `seq_path`: a path rule for it, else the tag rules ([`Plan::decide`]), else for a
    /// public element a VR rule for its dictionary VR (its own VR when the dictionary
    /// does not know the tag), else the fallback.
    pub fn decide_in(
        &self,
        tag: Tag,
        creator: Option<&str>,
        vr: VR,
        seq_path: &[Tag],
    ) -> Decision<'_> {
        if self.scoped.is_empty() {
            return self.decide(tag, creator);
        }
        let unguarded = |s: &&ScopedRule| s.rule.guard.is_none();
        if let Some(s) = self
            .scoped
            .iter()
            .rev()
            .filter(unguarded)
            .find(|s| matches!(&s.scope, Scope::Path(p) if p.matches(seq_path, tag)))
        {
            return Decision::Rule(&s.rule);
        }
        let d = self.decide(tag, creator);
        if !matches!(d, Decision::Fallback(_)) || tag.group() % 2 == 1 {
            return d;
        }
        let vr = crate::dictionary::vr_of(tag).unwrap_or(vr);
        self.scoped
            .iter()
            .rev()
            .filter(unguarded)
            .find(|s| s.scope == Scope::Vr(vr))
            .map_or(d, |s| Decision::Rule(&s.rule))
    }
}
