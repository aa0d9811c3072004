//! The checks of one rule against what it selects: rules on the file meta group, on item
//! delimiters or on pixel data, and the action and literal against the dictionary's VRs.

use super::*;

impl Compiler<'_> {
    /// Rules on what is not an element of a data set, or on the file meta group.
    pub(super) fn check_target(
        &mut self,
        pattern: &TagPattern,
        action: &Action,
        rule: &Rule,
    ) -> bool {
        let span = rule.selector.span;
        let group_fixed = |g: u16| match pattern {
            TagPattern::Exact(t) => t.group() == g,
            TagPattern::Masked(m) => {
                m.bits() & 0xFFFF_0000 == 0xFFFF_0000 && (m.value() >> 16) == u32::from(g)
            }
            TagPattern::Private(_) => false,
        };
        if group_fixed(0x0002) && !meta_rule_states_tool_behaviour(pattern, action) {
            self.diags.push(
                Diagnostic::new(Code::FileMetaRule, "rules cannot change the file meta information (group 0002)")
                    .label(span, "group 0002")
                    .help("the tool rewrites the file meta group itself: Media Storage SOP Instance UID follows the new SOP Instance UID, the implementation UID and version are the tool's, and AE titles are removed"),
            );
            return false;
        }
        if group_fixed(0xFFFE) {
            self.diags.push(
                Diagnostic::new(Code::NotADataElement, format!("`{}` is not an element of a data set", rule.selector.node.text()))
                    .label(span, "item delimiters")
                    .help("(FFFE,E000), (FFFE,E00D) and (FFFE,E0DD) delimit sequence items; select the sequence or the elements inside its items instead"),
            );
            return false;
        }
        let pixel = matches!(pattern, TagPattern::Exact(t) if t.group() == 0x7FE0 && matches!(t.element(), 0x0008 | 0x0009 | 0x0010));
        if pixel && !matches!(action, Action::Keep | Action::Delete) {
            self.diags.push(
                Diagnostic::new(Code::ActionNotValidForVr, format!("`{}` can only be kept or deleted", rule.selector.node.text()))
                    .label(rule.action.span, format!("`{}` on pixel data", action.name()))
                    .help("pixel data is copied byte for byte; burned-in text needs a pixel cleaning tool"),
            );
            return false;
        }
        true
    }

    /// The action and literal against the VRs the dictionary gives the selected tags.
    pub(super) fn check_vr(&mut self, pattern: &TagPattern, action: &Action, rule: &Rule) -> bool {
        let targets: Vec<(String, Vec<VR>)> = match pattern {
            TagPattern::Exact(t) if t.group() % 2 == 0 => {
                let choices = dictionary::vr_choices(*t);
                let name = dictionary::keyword_of(*t)
                    .unwrap_or("this element")
                    .to_string();
                vec![(name, choices)]
            }
            TagPattern::Masked(m) if !m.is_private() => dictionary::entries_matching(pattern)
                .into_iter()
                .map(|e| (e.keyword.to_string(), dictionary::vr_choices_of_entry(e)))
                .collect(),
            _ => Vec::new(),
        };
        for (name, choices) in targets {
            for vr in choices {
                if !self.check_one_vr(vr, &name, action, rule) {
                    return false;
                }
            }
        }
        true
    }

    /// The action and literal against one VR of the element `name`.
    pub(super) fn check_one_vr(
        &mut self,
        vr: VR,
        name: &str,
        action: &Action,
        rule: &Rule,
    ) -> bool {
        if let Err(problem) = check_action_vr(action, vr) {
            self.diags.push(
                Diagnostic::new(
                    Code::ActionNotValidForVr,
                    format!("`{}` cannot apply to {name} ({vr})", action.name()),
                )
                .label(rule.action.span, format!("not valid for {vr}"))
                .help(problem.help()),
            );
            return false;
        }
        if let Action::Set(lit) = action {
            if let Err(p) = vr::check_literal(vr, lit) {
                let span = rule.args.first().map_or(rule.action.span, |a| a.span);
                self.diags.push(
                    Diagnostic::new(
                        Code::LiteralNotValidForVr,
                        format!("this value does not fit {name} ({vr})"),
                    )
                    .label(span, format!("{p}"))
                    .help(literal_help(vr)),
                );
                return false;
            }
        }

        true
    }
}

/// The file meta rules of PS3.15 Table E.1-1 that say what the tool does anyway
/// (Media Storage SOP Instance UID follows SOP Instance UID, remapped or kept; AE titles and private meta information
/// removed). They are accepted, and have no effect of their own.
fn meta_rule_states_tool_behaviour(pattern: &TagPattern, action: &Action) -> bool {
    let Some(t) = pattern.exact() else {
        return false;
    };
    matches!(
        (t.element(), action),
        (0x0003, Action::Uid | Action::Keep)
            | (0x0016 | 0x0017 | 0x0018 | 0x0100 | 0x0102, Action::Delete)
    )
}
