//! The compiled, validated, immutable action plan: the only contract between the
//! profile compiler and the engine.
//!
//! A [`Plan`] answers one question fast: *what happens to this element?* Precedence is
//! fixed and documented (docs/language.md):
//!
//! 1. an exact tag (`(0010,0010)` or `PatientName`);
//! 2. a private element by creator and element (`(0019,"SIEMENS MR HEADER",0C)`);
//! 3. a private creator's whole block (`(0019,"SIEMENS MR HEADER",xx)`);
//! 4. a mask, the one with more fixed digits first (`(60xx,4000)` before `(60xx,xxxx)`);
//! 5. `private keep|delete` for private elements, `default keep|delete` for the others.
//!
//! Between rules with the same selector, the one loaded later wins (an override file
//! included last, or a later `--profile`, changes what came before); the losers are kept
//! so that `plan TAG` can show what was overridden.
//!
//! The plan holds no spans and no syntax: each rule keeps its origin as `file:line` text.

mod action;
mod builder;
pub mod condition;
mod options;
pub mod params;
pub mod pixel;
mod scoped;
mod specialise;
mod table;

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use dicom_core::Tag;

pub use action::{Action, ActionVrProblem, Combined, Disposition, Regexp, check_action_vr};
pub use builder::PlanBuilder;
pub use condition::{Condition, PlanCondition, RejectRule};
pub use options::DeidOption;
pub use params::{DateShift, HashSpec, Lookup, LookupTable};
pub use scoped::{PathPattern, Scope, ScopedRule};
pub use table::describe_pattern;

use crate::tag::{Mask, TagPattern};

mod claims;
pub use claims::{Claims, Longitudinal};

/// One rule of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRule {
    pub pattern: TagPattern,
    pub action: Action,
    /// `file:line` of the rule.
    pub origin: Arc<str>,
    /// Load order: a higher number was loaded later and wins over a lower one.
    pub order: u32,
    /// The condition of the `when` block the rule is in (index into
    /// [`Plan::conditions`]; nested blocks have one condition for all of them).
    pub guard: Option<usize>,
}

/// `default` or `private` with where it came from (`None`: the built-in default).
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    pub disposition: Disposition,
    pub origin: Option<Arc<str>>,
}

/// What the plan says for one element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision<'p> {
    Rule(&'p PlanRule),
    /// No rule matched: `default` (public) or `private` (private elements).
    Fallback(&'p Fallback),
}

impl<'p> Decision<'p> {
    /// The action to carry out.
    pub fn action(&self) -> &'p Action {
        match self {
            Decision::Rule(r) => &r.action,
            Decision::Fallback(f) => match f.disposition {
                Disposition::Keep => &Action::Keep,
                Disposition::Delete => &Action::Delete,
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct CreatorRules {
    by_element: HashMap<u8, usize>,
    any: Option<usize>,
}

/// A fast hasher for the plan's tag-keyed map, which is looked up for every element of
/// every file (the default SipHash cost more than the rest of the look-up). Keys are tags
/// from the profile, so hash flooding is not a concern. Multiply-rotate, as in FxHash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TagHasher(u64);

impl TagHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.add(u64::from(*b));
        }
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type TagMap<V> = HashMap<Tag, V, BuildHasherDefault<TagHasher>>;

/// The compiled plan. Build it with [`crate::profile::compile`](fn@crate::profile::compile).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    names: Vec<String>,
    options: BTreeSet<DeidOption>,
    /// what the outputs may claim (computed by the compiler)
    claims: Claims,
    /// SOP classes written although header rules cannot de-identify them
    accepted: BTreeSet<String>,
    public: Fallback,
    private: Fallback,
    /// every rule, in load order (winners and overridden ones)
    rules: Vec<PlanRule>,
    exact: TagMap<usize>,
    /// private creator (normalised) → group → rules of its block
    creators: HashMap<String, HashMap<u16, CreatorRules>>,
    /// winning masks, most specific first, then latest first
    masks: Vec<(Mask, usize)>,
    /// conditions of `when` blocks and `reject when`, in load order
    conditions: Vec<PlanCondition>,
    rejects: Vec<RejectRule>,
    tables: Vec<std::sync::Arc<LookupTable>>,
    /// path and VR rules, in load order
    scoped: Vec<ScopedRule>,
    /// `pixel blackout` statements, in load order
    pixel: Vec<pixel::PixelRule>,
    /// the tags the conditions read, and those the pixel rules' conditions read (sorted,
    /// once each: computed by `build`)
    condition_tags: Vec<Tag>,
    pixel_tags: Vec<Tag>,
    /// the original values the rules read before the walk changes them (computed by
    /// `build`)
    original_reads: OriginalReads,
    /// what an instance may claim, per outcome of the conditions (computed by the
    /// compiler; empty without conditions, or with too many to try every outcome)
    variant_claims: HashMap<condition::Outcome, Claims>,
    /// plans specialised to an outcome of the conditions
    cache: specialise::Cache,
}
/// The original values a plan's rules read before the walk changes them: the `by` tags of
/// `lookup ... by` (once each, in rule order) and, for `shift-date by table`, the Patient
/// ID. The same for every instance: computed once, when the plan is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OriginalReads {
    pub(crate) by: Vec<Tag>,
    pub(crate) patient_id: bool,
}

impl OriginalReads {
    fn of(rules: &[PlanRule]) -> Self {
        let mut reads = Self::default();
        for r in rules {
            match &r.action {
                Action::Lookup(l) => {
                    if let Some(by) = l.by {
                        if !reads.by.contains(&by) {
                            reads.by.push(by);
                        }
                    }
                }
                Action::ShiftDays(_) => reads.patient_id = true,
                _ => {}
            }
        }
        reads
    }
}

impl Plan {
    /// The original values the rules read (see [`OriginalReads`]).
    pub(crate) fn original_reads(&self) -> &OriginalReads {
        &self.original_reads
    }

    /// The tags the conditions of `when` blocks and `reject when` read (sorted).
    pub fn condition_tags(&self) -> &[Tag] {
        &self.condition_tags
    }

    /// Names of the profiles, in load order (for De-identification Method).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// PS3.15 options the profiles declare.
    pub fn options(&self) -> &BTreeSet<DeidOption> {
        &self.options
    }

    /// What the outputs may claim: derived from the rules by the compiler
    /// (`profile::conformance`), never from the declarations alone.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The SOP classes `accept sop-class "UID"` lets through (encapsulated documents).
    pub fn accepted_sop_classes(&self) -> &BTreeSet<String> {
        &self.accepted
    }

    /// Sets the claims (the compiler does, after comparing the plan with PS3.15).
    pub fn set_claims(&mut self, claims: Claims) {
        self.claims = claims;
    }

    /// Sets what an instance may claim for each outcome of the conditions (the compiler
    /// does, comparing each plan an instance can get with PS3.15); a specialised plan
    /// then claims exactly what its own rules earn.
    pub fn set_variant_claims(&mut self, claims: HashMap<condition::Outcome, Claims>) {
        self.variant_claims = claims;
    }

    pub fn public_fallback(&self) -> &Fallback {
        &self.public
    }

    pub fn private_fallback(&self) -> &Fallback {
        &self.private
    }

    /// Every rule in load order, including the ones that lost to a later rule.
    pub fn all_rules(&self) -> &[PlanRule] {
        &self.rules
    }

    /// The conditions of `when` blocks and `reject when` statements.
    pub fn conditions(&self) -> &[PlanCondition] {
        &self.conditions
    }

    /// The `reject when` statements, in load order.
    pub fn rejects(&self) -> &[RejectRule] {
        &self.rejects
    }

    /// The lookup tables, in load order.
    pub fn tables(&self) -> &[std::sync::Arc<LookupTable>] {
        &self.tables
    }

    fn rule(&self, idx: usize) -> Option<&PlanRule> {
        self.rules.get(idx)
    }

    /// The rules that win for their selector, in a stable display order: exact tags
    /// by tag, then private creators, then masks (as in [`Plan::decide`]).
    pub fn winning_rules(&self) -> Vec<&PlanRule> {
        let mut exact: Vec<&PlanRule> = self.exact.values().filter_map(|&i| self.rule(i)).collect();
        exact.sort_by_key(|r| r.pattern.exact());
        let mut creators: Vec<&PlanRule> = self
            .creators
            .values()
            .flat_map(HashMap::values)
            .flat_map(|b| b.by_element.values().chain(b.any.iter()))
            .filter_map(|&i| self.rule(i))
            .collect();
        creators.sort_by(|a, b| a.pattern.cmp(&b.pattern));
        let masks = self.masks.iter().filter_map(|(_, i)| self.rule(*i));
        exact.into_iter().chain(creators).chain(masks).collect()
    }

    /// What happens to a public element (even group).
    pub fn decide_public(&self, tag: Tag) -> Decision<'_> {
        if let Some(r) = self.exact.get(&tag).and_then(|&i| self.rule(i)) {
            return Decision::Rule(r);
        }
        self.decide_mask(tag)
            .unwrap_or(Decision::Fallback(&self.public))
    }

    /// What happens to a private data element (odd group, element `xx10`-`xxFF` of a
    /// block), given the value of the creator that reserved its block, if any.
    pub fn decide_private(&self, tag: Tag, creator: Option<&str>) -> Decision<'_> {
        if let Some(r) = self.exact.get(&tag).and_then(|&i| self.rule(i)) {
            return Decision::Rule(r);
        }
        if let Some(creator) = creator {
            if let Some(block) = self
                .creators
                .get(creator)
                .and_then(|groups| groups.get(&tag.group()))
            {
                let offset = u8::try_from(tag.element() & 0xFF).unwrap_or(0);
                if let Some(r) = block.by_element.get(&offset).and_then(|&i| self.rule(i)) {
                    return Decision::Rule(r);
                }
                if let Some(r) = block.any.and_then(|i| self.rule(i)) {
                    return Decision::Rule(r);
                }
            }
        }
        self.decide_mask(tag)
            .unwrap_or(Decision::Fallback(&self.private))
    }

    /// What happens to an element: public or private as its group says.
    pub fn decide(&self, tag: Tag, creator: Option<&str>) -> Decision<'_> {
        if tag.group() % 2 == 1 {
            self.decide_private(tag, creator)
        } else {
            self.decide_public(tag)
        }
    }

    fn decide_mask(&self, tag: Tag) -> Option<Decision<'_>> {
        self.masks
            .iter()
            .find(|(m, _)| m.matches(tag))
            .and_then(|(_, i)| self.rule(*i))
            .map(Decision::Rule)
    }

    /// Every rule that selects `tag` (with `creator` for private elements), the one
    /// that applies first, then the ones it overrides (same selector loaded earlier, or
    /// a selector of lower precedence).
    pub fn explain(&self, tag: Tag, creator: Option<&str>) -> Vec<&PlanRule> {
        let offset = u8::try_from(tag.element() & 0xFF).unwrap_or(0);
        let rank = |r: &PlanRule| -> Option<(u32, u32)> {
            match &r.pattern {
                TagPattern::Exact(t) if *t == tag => Some((100, r.order)),
                TagPattern::Private(p)
                    if tag.group() % 2 == 1
                        && p.group == tag.group()
                        && Some(p.creator.as_str()) == creator =>
                {
                    match p.element {
                        Some(e) if e == offset => Some((90, r.order)),
                        None => Some((80, r.order)),
                        Some(_) => None,
                    }
                }
                TagPattern::Masked(m) if m.matches(tag) => Some((m.specificity(), r.order)),
                _ => None,
            }
        };
        let mut hits: Vec<(&PlanRule, (u32, u32))> = self
            .rules
            .iter()
            .filter_map(|r| rank(r).map(|k| (r, k)))
            .collect();
        hits.sort_by_key(|h| std::cmp::Reverse(h.1));
        hits.into_iter().map(|(r, _)| r).collect()
    }
}

#[cfg(test)]
mod tests;
