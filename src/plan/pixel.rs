//! Pixel rules: `pixel blackout (X, Y, W, H), ...` and `pixel accept|flag|reject
//! "REASON"`, each under the condition of the `when` blocks around it (the signatures of
//! `builtin:pixel-signatures` are such blocks).
//!
//! They are kept apart from the header rules: they do not specialise the plan (so a
//! hundred signatures cost no plan variants), and the engine's caller evaluates them on
//! the instance's original values ([`Plan::pixel_regions`]).

use std::sync::Arc;

use dicom_core::Tag;

use super::condition::Values;
use super::{Condition, Plan, PlanBuilder};
pub use crate::io::pixel::Region;

/// One `pixel` statement.
#[derive(Debug, Clone)]
pub struct PixelRule {
    /// The combined condition of the enclosing blocks (`None`: every instance) and its text.
    pub condition: Option<(Condition, Arc<str>)>,
    pub action: PixelAction,
    /// `file:line` of the statement.
    pub origin: Arc<str>,
}

/// What a `pixel` statement does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PixelAction {
    /// `pixel blackout (X, Y, W, H), ...`
    Blackout(Vec<Region>),
    /// `pixel accept|flag|reject "REASON"`
    Verdict(Verdict, Arc<str>),
}

/// What the profile says about the pixels of an instance that no blackout cleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// `pixel accept`: they carry no burned-in text; not flagged, not rejected.
    Accept,
    /// `pixel flag`: they may carry some; treated like a screen-capture SOP class
    /// (written and flagged by default).
    Flag,
    /// `pixel reject`: they carry some; treated like Burned In Annotation YES (rejected by
    /// default).
    Reject,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Flag => "flag",
            Verdict::Reject => "reject",
        }
    }
}

impl PixelRule {
    /// The rectangles of a `pixel blackout` statement (none for a verdict).
    pub fn regions(&self) -> &[Region] {
        match &self.action {
            PixelAction::Blackout(r) => r,
            PixelAction::Verdict(..) => &[],
        }
    }
}

impl PartialEq for PixelRule {
    fn eq(&self, other: &Self) -> bool {
        self.action == other.action
            && self.origin == other.origin
            && self.condition.as_ref().map(|c| &c.1) == other.condition.as_ref().map(|c| &c.1)
    }
}

/// The `pixel accept|flag|reject` statement that decides for an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictMatch {
    pub verdict: Verdict,
    pub reason: Arc<str>,
    /// `file:line` of the statement.
    pub origin: Arc<str>,
}

/// The pixel rules that hold for one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PixelMatch {
    /// Every region to black out, in rule order (duplicates removed).
    pub regions: Vec<Region>,
    /// For each matching `pixel blackout`, the indices of its regions in `regions`.
    pub rules: Vec<Vec<usize>>,
    /// The last `pixel accept|flag|reject` that holds.
    pub verdict: Option<VerdictMatch>,
}

impl PixelMatch {
    /// Whether any `pixel blackout` matched.
    pub fn matched(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Whether some matching rule had every one of its regions applied, given which of
    /// `regions` were applied (inside the image).
    pub fn fully_applied(&self, applied: &[bool]) -> bool {
        self.rules
            .iter()
            .any(|r| !r.is_empty() && r.iter().all(|i| applied.get(*i).copied().unwrap_or(false)))
    }
}

impl Plan {
    /// The `pixel` statements, in load order.
    pub fn pixel_rules(&self) -> &[PixelRule] {
        &self.pixel
    }

    /// The pixel rules whose conditions hold; `text(tag)` gives the original text of a
    /// top-level element (`None`: absent), read once per tag. Of the verdicts that hold,
    /// the last decides (later statements win, as everywhere).
    pub fn pixel_regions(&self, text: &dyn Fn(Tag) -> Option<String>) -> PixelMatch {
        let mut m = PixelMatch::default();
        let values = Values::of(&self.pixel_tags, text);
        for rule in &self.pixel {
            let holds = rule
                .condition
                .as_ref()
                .is_none_or(|(c, _)| c.holds(&values));
            if !holds {
                continue;
            }
            let regions = match &rule.action {
                PixelAction::Blackout(regions) => regions,
                PixelAction::Verdict(verdict, reason) => {
                    m.verdict = Some(VerdictMatch {
                        verdict: *verdict,
                        reason: reason.clone(),
                        origin: rule.origin.clone(),
                    });
                    continue;
                }
            };
            let mut idx = Vec::with_capacity(regions.len());
            for r in regions {
                let i = match m.regions.iter().position(|x| x == r) {
                    Some(i) => i,
                    None => {
                        m.regions.push(*r);
                        m.regions.len() - 1
                    }
                };
                idx.push(i);
            }
            m.rules.push(idx);
        }
        m
    }
}

impl PlanBuilder {
    /// Adds a `pixel` statement.
    pub fn pixel(&mut self, rule: PixelRule) {
        self.plan.pixel.push(rule);
    }
}
