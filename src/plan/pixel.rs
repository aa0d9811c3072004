//! Pixel rules: `pixel blackout (X, Y, W, H), ...`, each under the condition of the
//! `when` blocks around it (the signatures of `builtin:pixel-signatures` are such blocks).
//!
//! They are kept apart from the header rules: they do not specialise the plan (so a
//! hundred signatures cost no plan variants), and the engine's caller evaluates them on
//! the instance's original values ([`Plan::pixel_regions`]).

use std::sync::Arc;

use dicom_core::Tag;

use super::condition::Values;
use super::{Condition, Plan, PlanBuilder};
pub use crate::io::pixel::Region;

/// One `pixel blackout` statement.
#[derive(Debug, Clone)]
pub struct PixelRule {
    /// The combined condition of the enclosing blocks (`None`: every instance) and its text.
    pub condition: Option<(Condition, Arc<str>)>,
    pub regions: Vec<Region>,
    /// `file:line` of the statement.
    pub origin: Arc<str>,
}

impl PartialEq for PixelRule {
    fn eq(&self, other: &Self) -> bool {
        self.regions == other.regions
            && self.origin == other.origin
            && self.condition.as_ref().map(|c| &c.1) == other.condition.as_ref().map(|c| &c.1)
    }
}

/// The pixel rules that hold for one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PixelMatch {
    /// Every region to black out, in rule order (duplicates removed).
    pub regions: Vec<Region>,
    /// For each matching rule, the indices of its regions in `regions`.
    pub rules: Vec<Vec<usize>>,
}

impl PixelMatch {
    /// Whether any rule matched.
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
    /// The `pixel blackout` statements, in load order.
    pub fn pixel_rules(&self) -> &[PixelRule] {
        &self.pixel
    }

    /// The pixel rules whose conditions hold; `text(tag)` gives the original text of a
    /// top-level element (`None`: absent), read once per tag.
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
            let mut idx = Vec::with_capacity(rule.regions.len());
            for r in &rule.regions {
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
    /// Adds a `pixel blackout` statement.
    pub fn pixel(&mut self, rule: PixelRule) {
        self.plan.pixel.push(rule);
    }
}
