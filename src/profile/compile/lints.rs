//! The warnings that need the whole rule set or the built plan: duplicates, shadowed
//! block rules, unused tables, masks that match nothing, rules without effect, private
//! elements by number, path rules under removed sequences.

use super::*;

impl Compiler<'_> {
    /// A path rule under a sequence the plan removes never applies: say to keep it.
    pub(super) fn lint_paths(&mut self, plan: &Plan) {
        for (scope, span) in &self.paths {
            let crate::plan::Scope::Path(p) = scope else {
                continue;
            };
            if p.any_depth {
                continue;
            }
            for i in 0..p.steps.len().saturating_sub(1) {
                let (Some(seq), Some(above)) = (p.steps.get(i), p.steps.get(..i)) else {
                    continue;
                };
                let action = plan.decide_in(*seq, None, VR::SQ, above).action();
                if matches!(action, Action::Delete | Action::Empty) {
                    let name = dictionary::keyword_of(*seq)
                        .map_or_else(|| crate::tag::fmt_tag(*seq), str::to_string);
                    self.diags.push(
                        Diagnostic::new(Code::PathUnderRemovedSequence, format!("this path rule is under `{name}`, which the plan removes"))
                            .label(*span, "never applies")
                            .help(format!("a path rule applies only inside sequences that are kept: add `{name} keep` (the plan then applies inside its items), or remove this rule")),
                    );
                    break;
                }
            }
        }
    }
    pub(super) fn lint_unused_tables(&mut self) {
        for (name, span) in &self.table_spans {
            if self.tables.get(name).is_some_and(|(_, used)| !used.get()) {
                self.diags.push(
                    Diagnostic::new(Code::UnusedTable, format!("table `{name}` is never used"))
                        .label(*span, "no rule looks anything up in it")
                        .help(format!("use it with `ATTRIBUTE lookup {name}` or `shift-date by table {name}`, or remove it")),
                );
            }
        }
    }
    /// A rule in a block that a later rule for the same selector, outside any block,
    /// always overrides.
    pub(super) fn lint_shadowed(&mut self) {
        for (i, (pattern, guarded, span)) in self.placed.iter().enumerate() {
            if !guarded {
                continue;
            }
            let later = self
                .placed
                .iter()
                .skip(i + 1)
                .find(|(p, g, _)| !g && p == pattern);
            if let Some((_, _, later)) = later {
                self.diags.push(
                    Diagnostic::new(Code::ShadowedRule, format!("this rule for {pattern} never applies"))
                        .label(*span, "always overridden")
                        .related(*later, "by this later rule outside any block")
                        .help("a later rule for the same selector wins; move the block after that rule, or put that rule before the block"),
                );
            }
        }
    }
    pub(super) fn lint_duplicate(&mut self, file: FileId, pattern: &TagPattern, rule: &Rule) {
        let span = rule.selector.span;
        let guard = self.guards.last().map(|g| g.0);
        if let Some(first) = self.selectors.insert((file, pattern.clone(), guard), span) {
            self.diags.push(
                Diagnostic::new(Code::DuplicateRule, format!("a second rule for {pattern} in this file"))
                    .label(span, "this rule wins")
                    .related(first, "this earlier rule never applies")
                    .help("remove one of the two rules; to override a rule on purpose, put the new rule in a file included after it"),
            );
        }
    }
    pub(super) fn lint_mask_matches_nothing(&mut self, pattern: &TagPattern, rule: &Rule) {
        if let TagPattern::Masked(m) = pattern {
            if !m.is_private() && dictionary::entries_matching(pattern).is_empty() {
                self.diags.push(
                    Diagnostic::new(Code::MaskMatchesNothing, format!("{pattern} matches no attribute of the standard dictionary"))
                        .label(rule.selector.span, "matches nothing known")
                        .help("check the digits; a mask ending its group in `x` only matches public (even) groups, write the odd group to select private ones"),
                );
            }
        }
    }
    pub(super) fn lint_private_by_number(
        &mut self,
        pattern: &TagPattern,
        action: &Action,
        rule: &Rule,
    ) {
        if let TagPattern::Exact(t) = pattern {
            if t.group() % 2 == 1 && t.element() >= 0x1000 && *action != Action::Delete {
                let block = t.element() >> 8;
                self.diags.push(
                    Diagnostic::new(Code::PrivateByNumber, format!("private element {pattern} is selected by number"))
                        .label(rule.selector.span, "depends on which creator reserved block")
                        .help(format!(
                            "the block ({:02X}) is assigned per file, so this can select another vendor's element; write `({:04X},\"CREATOR\",{:02X})`",
                            block,
                            t.group(),
                            t.element() & 0xFF
                        )),
                );
            }
        }
    }
    pub(super) fn lint_no_effect(&mut self, pattern: &TagPattern, action: &Action, rule: &Rule) {
        let Some(t) = pattern.exact() else {
            return;
        };
        let why = if t.element() == 0x0000 {
            Some(
                "group lengths are always removed (they are retired and would be wrong after changes)",
            )
        } else if t.group() % 2 == 1 && (0x0010..=0x00FF).contains(&t.element()) {
            Some("private creators are kept exactly when an element of their block is kept")
        } else if (t == Tag(0xFFFA, 0xFFFA) || t == Tag(0xFFFC, 0xFFFC))
            && *action != Action::Delete
        {
            Some("digital signatures and trailing padding are always removed")
        } else if matches!((t.group(), t.element()), (0x0012, 0x0062..=0x0064)) {
            Some(
                "the tool writes Patient Identity Removed and De-identification Method into every output",
            )
        } else {
            None
        };
        if let Some(why) = why {
            self.diags.push(
                Diagnostic::new(
                    Code::NoEffect,
                    format!("this rule on {pattern} has no effect"),
                )
                .label(rule.selector.span, "never applies")
                .help(why.to_string()),
            );
        }
    }
}
