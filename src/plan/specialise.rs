//! Plans specialised to an outcome of the conditions.
//!
//! A plan with `when` blocks holds its guarded rules apart. For an instance, the engine
//! evaluates every condition once on the original values; the outcome (which conditions
//! hold) selects the rules that apply, and a plan of exactly those rules, in load order,
//! is built once and cached: 10 000 instances with the same answers cost one
//! specialisation. Precedence inside the specialised plan is the ordinary one (the later
//! rule wins for the same selector), so a rule in a block overrides an earlier rule
//! outside it where the block's condition holds, and not elsewhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::condition::Outcome;
use super::{Plan, PlanBuilder};

/// Specialised plans by outcome. Shared by the clones of a plan; ignored by `==`.
#[derive(Debug, Default, Clone)]
pub(super) struct Cache(Arc<Mutex<HashMap<Outcome, Arc<Plan>>>>);

impl PartialEq for Cache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// At most this many specialisations are cached (an outcome per combination of
/// conditions that occur; a run of one study has a handful).
const CACHE_LIMIT: usize = 4096;

impl Plan {
    /// Whether any rule depends on a condition.
    pub fn has_conditions(&self) -> bool {
        self.rules.iter().any(|r| r.guard.is_some())
            || self.scoped.iter().any(|s| s.rule.guard.is_some())
    }

    /// The reason of the first `reject when` whose condition holds in `outcome`.
    pub fn rejected<'p>(&'p self, outcome: &Outcome) -> Option<&'p str> {
        self.rejects
            .iter()
            .find(|r| outcome.get(r.condition).copied().unwrap_or(false))
            .map(|r| r.reason.as_str())
    }

    /// The plan for an instance whose conditions came out as `outcome`: the rules
    /// outside blocks, and those of the blocks whose condition holds, in load order.
    /// Built once per outcome and cached.
    pub fn specialised(&self, outcome: &Outcome) -> Arc<Plan> {
        if let Ok(cache) = self.cache.0.lock() {
            if let Some(p) = cache.get(outcome) {
                return Arc::clone(p);
            }
        }
        let plan = Arc::new(self.build_specialised(outcome));
        if let Ok(mut cache) = self.cache.0.lock() {
            if cache.len() < CACHE_LIMIT {
                cache.insert(outcome.clone(), Arc::clone(&plan));
            }
        }
        plan
    }

    fn build_specialised(&self, outcome: &Outcome) -> Plan {
        let mut b = PlanBuilder::new();
        b.plan.names = self.names.clone();
        b.plan.options = self.options.clone();
        b.plan.public = self.public.clone();
        b.plan.private = self.private.clone();
        b.plan.tables = self.tables.clone();
        b.plan.accepted = self.accepted.clone();
        // the claims this outcome earns; without them (too many conditions) the plan's
        // own, which then claim nothing
        b.plan.claims = self
            .variant_claims
            .get(outcome)
            .cloned()
            .unwrap_or_else(|| self.claims.clone());
        for r in &self.rules {
            let applies = r
                .guard
                .is_none_or(|g| outcome.get(g).copied().unwrap_or(false));
            if applies {
                b.rule(r.pattern.clone(), r.action.clone(), Arc::clone(&r.origin));
            }
        }
        for s in &self.scoped {
            let applies = s
                .rule
                .guard
                .is_none_or(|g| outcome.get(g).copied().unwrap_or(false));
            if applies {
                b.scoped(
                    s.scope.clone(),
                    s.rule.action.clone(),
                    Arc::clone(&s.rule.origin),
                    None,
                );
            }
        }
        b.build()
    }
}

/// Conditions beyond which the claims of a plan are not worked out per outcome (the
/// plan then claims nothing).
const CLAIM_CONDITIONS_LIMIT: usize = 8;

impl Plan {
    /// Every plan an instance can get, for working out what the outputs may claim:
    /// one per outcome of the conditions, each with its path rules made plain tag rules
    /// (inside their sequences a path rule beats the tag rule, so the claims must hold
    /// with it). `None` when there are too many conditions to try every outcome.
    /// Without `when` blocks and path rules: `Some` of just this plan's own rules.
    pub fn variants_for_claims(&self) -> Option<Vec<(Outcome, Plan)>> {
        let n = self.conditions.len();
        let conditional = self.has_conditions();
        let paths = self
            .scoped
            .iter()
            .any(|s| matches!(s.scope, super::Scope::Path(_)));
        if !conditional && !paths {
            return Some(vec![(vec![false; n], self.clone())]);
        }
        if conditional && n > CLAIM_CONDITIONS_LIMIT {
            return None;
        }
        let outcomes: Vec<Outcome> = if conditional {
            (0u32..(1 << n))
                .map(|bits| (0..n).map(|i| bits & (1 << i) != 0).collect())
                .collect()
        } else {
            vec![vec![false; n]]
        };
        Some(
            outcomes
                .iter()
                .map(|o| {
                    let mut p = self.build_specialised(o);
                    let promoted: Vec<(super::TagPattern, super::Action, Arc<str>)> = p
                        .scoped
                        .iter()
                        .filter(|s| matches!(s.scope, super::Scope::Path(_)))
                        .map(|s| {
                            (
                                s.rule.pattern.clone(),
                                s.rule.action.clone(),
                                Arc::clone(&s.rule.origin),
                            )
                        })
                        .collect();
                    if !promoted.is_empty() {
                        let mut b = PlanBuilder::new();
                        b.plan.names = p.names.clone();
                        b.plan.options = p.options.clone();
                        b.plan.public = p.public.clone();
                        b.plan.private = p.private.clone();
                        for r in &p.rules {
                            b.rule(r.pattern.clone(), r.action.clone(), Arc::clone(&r.origin));
                        }
                        for (pat, action, origin) in promoted {
                            b.rule(pat, action, origin);
                        }
                        p = b.build();
                    }
                    (o.clone(), p)
                })
                .collect(),
        )
    }
}
