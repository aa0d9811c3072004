//! Building a [`Plan`]: rules, conditions and statements added in load order, indexed by
//! selector as they come (later rules win), then sorted once by [`PlanBuilder::build`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use dicom_core::Tag;

use super::{
    Action, Claims, DeidOption, Disposition, Fallback, LookupTable, OriginalReads, Plan,
    PlanCondition, PlanRule, RejectRule, Scope, ScopedRule, TagMap, condition, specialise,
};
use crate::tag::{Mask, TagPattern};

/// The pattern of a VR rule: every tag (it is never looked up by pattern).
fn any_tag() -> TagPattern {
    Mask::new(0, 0).map_or(TagPattern::Exact(Tag(0xFFFF, 0xFFFF)), TagPattern::Masked)
}

/// Builds a [`Plan`]: rules are added in load order.
#[derive(Debug)]
pub struct PlanBuilder {
    pub(super) plan: Plan,
}

impl Default for PlanBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PlanBuilder {
    pub fn new() -> Self {
        PlanBuilder {
            plan: Plan {
                names: Vec::new(),
                options: BTreeSet::new(),
                claims: Claims::default(),
                accepted: BTreeSet::new(),
                public: Fallback {
                    disposition: Disposition::Keep,
                    origin: None,
                },
                private: Fallback {
                    disposition: Disposition::Delete,
                    origin: None,
                },
                rules: Vec::new(),
                exact: TagMap::default(),
                creators: HashMap::new(),
                masks: Vec::new(),
                conditions: Vec::new(),
                rejects: Vec::new(),
                tables: Vec::new(),
                scoped: Vec::new(),
                pixel: Vec::new(),
                condition_tags: Vec::new(),
                pixel_tags: Vec::new(),
                original_reads: OriginalReads::default(),
                variant_claims: HashMap::new(),
                cache: specialise::Cache::default(),
            },
        }
    }

    /// Adds a condition; returns its index (for [`PlanBuilder::rule_when`] and rejects).
    pub fn condition(&mut self, condition: PlanCondition) -> usize {
        self.plan.conditions.push(condition);
        self.plan.conditions.len() - 1
    }

    pub fn reject(&mut self, reject: RejectRule) {
        self.plan.rejects.push(reject);
    }

    /// Adds a path or VR rule (later ones win over earlier ones of the same kind).
    pub fn scoped(&mut self, scope: Scope, action: Action, origin: Arc<str>, guard: Option<usize>) {
        let pattern = match &scope {
            Scope::Path(p) => p.steps.last().map_or(any_tag(), |t| TagPattern::Exact(*t)),
            Scope::Vr(_) => any_tag(),
        };
        let order =
            u32::try_from(self.plan.rules.len() + self.plan.scoped.len()).unwrap_or(u32::MAX);
        self.plan.scoped.push(ScopedRule {
            scope,
            rule: PlanRule {
                pattern,
                action,
                origin,
                order,
                guard,
            },
        });
    }

    pub fn table(&mut self, table: std::sync::Arc<LookupTable>) {
        self.plan.tables.push(table);
    }

    pub fn name(&mut self, name: String) {
        self.plan.names.push(name);
    }

    pub fn option(&mut self, option: DeidOption) {
        self.plan.options.insert(option);
    }

    /// `accept sop-class "UID"`.
    pub fn accept(&mut self, sop_class: String) {
        self.plan.accepted.insert(sop_class);
    }

    pub fn default_public(&mut self, disposition: Disposition, origin: Arc<str>) {
        self.plan.public = Fallback {
            disposition,
            origin: Some(origin),
        };
    }

    pub fn default_private(&mut self, disposition: Disposition, origin: Arc<str>) {
        self.plan.private = Fallback {
            disposition,
            origin: Some(origin),
        };
    }

    /// Adds a rule; it wins over every earlier rule with the same selector.
    pub fn rule(&mut self, pattern: TagPattern, action: Action, origin: Arc<str>) {
        self.rule_when(pattern, action, origin, None);
    }

    /// Adds a rule that applies where condition `guard` holds (`None`: always). A
    /// guarded rule is not in the look-up tables of this plan: it takes part only in
    /// the plans specialised to an outcome where its condition holds.
    pub fn rule_when(
        &mut self,
        pattern: TagPattern,
        action: Action,
        origin: Arc<str>,
        guard: Option<usize>,
    ) {
        let idx = self.plan.rules.len();
        let order = u32::try_from(idx).unwrap_or(u32::MAX);
        if guard.is_some() {
            self.plan.rules.push(PlanRule {
                pattern,
                action,
                origin,
                order,
                guard,
            });
            return;
        }
        match &pattern {
            TagPattern::Exact(t) => {
                self.plan.exact.insert(*t, idx);
            }
            TagPattern::Private(p) => {
                let block = self
                    .plan
                    .creators
                    .entry(p.creator.clone())
                    .or_default()
                    .entry(p.group)
                    .or_default();
                match p.element {
                    Some(e) => {
                        block.by_element.insert(e, idx);
                    }
                    None => block.any = Some(idx),
                }
            }
            TagPattern::Masked(m) => {
                self.plan.masks.retain(|(old, _)| old != m);
                self.plan.masks.push((*m, idx));
            }
        }
        self.plan.rules.push(PlanRule {
            pattern,
            action,
            origin,
            order,
            guard,
        });
    }

    pub fn build(mut self) -> Plan {
        let rules = &self.plan.rules;
        self.plan.masks.sort_by(|(a, ia), (b, ib)| {
            b.specificity().cmp(&a.specificity()).then_with(|| {
                rules
                    .get(*ib)
                    .map(|r| r.order)
                    .cmp(&rules.get(*ia).map(|r| r.order))
            })
        });
        self.plan.original_reads = OriginalReads::of(&self.plan.rules);
        self.plan.condition_tags =
            condition::tags_read(self.plan.conditions.iter().map(|c| &c.condition));
        self.plan.pixel_tags = condition::tags_read(
            self.plan
                .pixel
                .iter()
                .filter_map(|r| r.condition.as_ref().map(|c| &c.0)),
        );
        self.plan
    }
}
