//! Syntax trees → [`Plan`]: selectors become tag patterns, action words become
//! actions, and each rule is checked against the dictionary (VR, literal, file meta).
//!
//! Every statement is checked even after an error, so one report lists every problem.
//! The lints that need the whole rule set (duplicates, masks that match nothing, rules
//! without effect) are raised here too, as warnings, each by its own function.

use std::collections::HashMap;
use std::sync::Arc;

use dicom_core::{Tag, VR};

use super::ast::{Item, ItemKind, Reject, Rule, Selector, Spanned, When};
use super::conditions;
use super::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use super::resolve::Loaded;
use crate::dictionary;
use crate::plan::{
    Action, Combined, Condition, DeidOption, Plan, PlanBuilder, PlanCondition, Regexp, RejectRule,
    check_action_vr,
};
use crate::source::{FileId, SourceMap, Span};
use crate::tag::{TagError, TagPattern};
use crate::vr;

/// Action words: canonical names, the PS3.15 codes and the old tool's names.
const ACTION_WORDS: &[&str] = &[
    "keep",
    "delete",
    "empty",
    "replace",
    "uid",
    "hash",
    "shift-date",
    "regexp",
    "K",
    "X",
    "Z",
    "D",
    "U",
    "Z/D",
    "X/Z",
    "X/D",
    "X/Z/D",
    "X/Z/U*",
    "replace_UID",
    "replace_with_value",
    "empty_or_replace",
    "delete_or_empty",
    "delete_or_replace",
    "delete_or_empty_or_replace",
    "delete_or_empty_or_replace_UID",
];

/// Compiles the loaded files into a plan. The plan is complete even when diagnostics
/// hold errors (rules in error are left out); callers must not use it then.
pub fn compile(loaded: &Loaded, map: &SourceMap, diags: &mut Diagnostics) -> Plan {
    let mut c = Compiler {
        map,
        diags,
        builder: PlanBuilder::new(),
        statements: HashMap::new(),
        selectors: HashMap::new(),
        guards: Vec::new(),
        tables: super::params::Tables::new(),
        table_spans: Vec::new(),
        placed: Vec::new(),
        paths: Vec::new(),
    };
    for r in &loaded.sequence {
        let Some(item) = loaded
            .profiles
            .get(r.profile)
            .and_then(|p| p.items.get(r.item).map(|i| (p.file, i)))
        else {
            continue;
        };
        c.item(item.0, item.1);
    }
    c.lint_unused_tables();
    c.lint_shadowed();
    let builder = std::mem::take(&mut c.builder);
    let plan = builder.build();
    c.lint_paths(&plan);
    plan
}

struct Compiler<'a> {
    map: &'a SourceMap,
    diags: &'a mut Diagnostics,
    builder: PlanBuilder,
    /// `profile`/`default`/`private` per file, to catch them given twice
    statements: HashMap<(FileId, &'static str), Span>,
    /// selectors per file, to catch duplicate rules
    selectors: HashMap<(FileId, TagPattern, Option<usize>), Span>,
    /// the `when` blocks being compiled, innermost last: the index of the condition
    /// that guards their rules (the conjunction of all of them), and that condition
    guards: Vec<(usize, Condition, String)>,
    /// tables declared so far, by name
    tables: super::params::Tables,
    /// where each table was declared, in order
    table_spans: Vec<(String, Span)>,
    /// every rule compiled: selector, whether it is in a block, where
    placed: Vec<(TagPattern, bool, Span)>,
    /// path and VR rules compiled, for the path lint
    paths: Vec<(crate::plan::Scope, Span)>,
}

impl Compiler<'_> {
    fn origin(&self, span: Span) -> Arc<str> {
        Arc::from(self.map.location(span))
    }

    fn once(&mut self, file: FileId, what: &'static str, span: Span) -> bool {
        if let Some(first) = self.statements.get(&(file, what)) {
            self.diags.push(
                Diagnostic::new(Code::DuplicateStatement, format!("`{what}` is given twice in this file"))
                    .label(span, "given again here")
                    .related(*first, "first given here")
                    .help(format!("keep one `{what}` statement; to change it for a run, put it in a profile included later")),
            );
            return false;
        }
        self.statements.insert((file, what), span);
        true
    }

    fn item(&mut self, file: FileId, item: &Item) {
        match &item.kind {
            ItemKind::Name(name) => {
                if self.once(file, "profile", item.span) {
                    if name.node.chars().count() > 64 {
                        self.diags.push(
                            Diagnostic::new(
                                Code::ProfileNameTooLong,
                                "the profile name is longer than 64 characters",
                            )
                            .label(name.span, format!("{} characters", name.node.chars().count()))
                            .help("the name goes into De-identification Method (0012,0063), a LO value of at most 64 characters"),
                        );
                    } else {
                        self.builder.name(name.node.clone());
                    }
                }
            }
            ItemKind::Default(d) => {
                if self.once(file, "default", item.span) {
                    let origin = self.origin(item.span);
                    self.builder.default_public(d.node, origin);
                }
            }
            ItemKind::Private(d) => {
                if self.once(file, "private", item.span) {
                    let origin = self.origin(item.span);
                    self.builder.default_private(d.node, origin);
                }
            }
            ItemKind::Option(name) => match DeidOption::from_name(&name.node) {
                Some(o) => self.builder.option(o),
                None => {
                    let names: Vec<&str> = DeidOption::ALL.iter().map(|o| o.name()).collect();
                    let sugg = suggest(&name.node, &names);
                    let mut d = Diagnostic::new(
                        Code::UnknownOption,
                        format!("unknown option `{}`", name.node),
                    )
                    .label(name.span, "not a PS3.15 option");
                    d = d.help(match did_you_mean(&sugg) {
                        Some(dym) => dym,
                        None => format!("options: {}", names.join(", ")),
                    });
                    self.diags.push(d);
                }
            },
            ItemKind::Include(_) => {}
            ItemKind::Rule(rule) => self.rule(file, rule),
            ItemKind::When(w) => self.when(file, item.span, w),
            ItemKind::Reject(r) => self.reject(item.span, r),
            ItemKind::Table(t) => self.table(file, item.span, t),
        }
    }

    fn table(&mut self, file: FileId, span: Span, t: &super::ast::TableDecl) {
        if let Some((_, first)) = self.table_spans.iter().find(|(n, _)| *n == t.name.node) {
            self.diags.push(
                Diagnostic::new(
                    Code::DuplicateStatement,
                    format!("table `{}` is declared twice", t.name.node),
                )
                .label(t.name.span, "declared again here")
                .related(*first, "first declared here")
                .help("give each table its own name"),
            );
            return;
        }
        let dir = self
            .map
            .path(file)
            .and_then(|p| p.parent())
            .map(std::path::Path::to_path_buf);
        let origin = self.origin(span);
        match super::tables::load(t, dir.as_deref(), origin) {
            Ok(table) => {
                let table = Arc::new(table);
                self.builder.table(Arc::clone(&table));
                self.tables
                    .insert(t.name.node.clone(), (table, std::cell::Cell::new(false)));
                self.table_spans.push((t.name.node.clone(), t.name.span));
            }
            Err(d) => {
                self.diags.push(d);
                // so that the rules using it do not report an unknown table as well
                self.tables.insert(
                    t.name.node.clone(),
                    (
                        Arc::new(crate::plan::LookupTable {
                            name: t.name.node.clone(),
                            origin: Arc::from(""),
                            key_column: t.key.node.clone(),
                            value_column: t.value.node.clone(),
                            rows: HashMap::new(),
                        }),
                        std::cell::Cell::new(true),
                    ),
                );
            }
        }
    }

    /// A path or VR rule: checked like a tag rule against its VR (a path's last step by
    /// the dictionary; a VR rule against that VR).
    fn scoped_rule(&mut self, rule: &Rule) {
        let scope = match super::scoped::parse(&rule.selector) {
            Ok(s) => Some(s),
            Err(d) => {
                self.diags.push(d);
                None
            }
        };
        let action = self.action(rule);
        let (Some(scope), Some(action)) = (scope, action) else {
            return;
        };
        let ok = match &scope {
            crate::plan::Scope::Path(p) => {
                let Some(last) = p.steps.last() else {
                    return;
                };
                let pattern = TagPattern::Exact(*last);
                self.check_target(&pattern, &action, rule) && self.check_vr(&pattern, &action, rule)
            }
            crate::plan::Scope::Vr(vr) => {
                self.check_one_vr(*vr, &format!("vr {vr}"), &action, rule)
            }
        };
        if !ok {
            return;
        }
        let origin = self.origin(rule.selector.span);
        let guard = self.guards.last().map(|g| g.0);
        self.paths.push((scope.clone(), rule.selector.span));
        self.builder.scoped(scope, action, origin, guard);
    }

    /// A path rule under a sequence the plan removes never applies: say to keep it.
    fn lint_paths(&mut self, plan: &Plan) {
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

    fn lint_unused_tables(&mut self) {
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
    fn lint_shadowed(&mut self) {
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

    /// The condition of the innermost block, combined with `c`: registered in the plan.
    fn guarded(&mut self, c: Condition, text: String, span: Span) -> (usize, Condition, String) {
        let (condition, text) = match self.guards.last() {
            Some((_, outer, outer_text)) => (
                Condition::All(vec![outer.clone(), c]),
                format!("{} and {}", paren(outer_text), paren(&text)),
            ),
            None => (c, text),
        };
        let idx = self.builder.condition(PlanCondition {
            condition: condition.clone(),
            text: Arc::from(text.as_str()),
            origin: self.origin(span),
        });
        (idx, condition, text)
    }

    fn when(&mut self, file: FileId, span: Span, w: &When) {
        let compiled = conditions::compile(&w.condition, self.diags);
        let text = super::print::print_cond(&w.condition.node);
        let Some(c) = compiled else {
            // the rules inside are still checked (against a condition that never holds)
            let idx = self.builder.condition(PlanCondition {
                condition: Condition::Any(Vec::new()),
                text: Arc::from(text.as_str()),
                origin: self.origin(span),
            });
            self.guards.push((idx, Condition::Any(Vec::new()), text));
            self.block_items(file, w);
            self.guards.pop();
            return;
        };
        let guard = self.guarded(c, text, w.condition.span);
        if conditions::never_holds(&guard.1) {
            self.diags.push(
                Diagnostic::new(Code::NeverHolds, "this condition can never hold")
                    .label(w.condition.span, "contradicts itself")
                    .help("the rules of this block never apply; fix the condition or remove the block"),
            );
        }
        let rules = count_rules(&w.items);
        if rules == 0 {
            self.diags.push(
                Diagnostic::new(
                    Code::BlockChangesNothing,
                    "this `when` block changes nothing",
                )
                .label(w.condition.span, "no rule inside")
                .help(
                    "put the rules that apply under this condition inside the block, or remove it",
                ),
            );
        }
        self.guards.push(guard);
        self.block_items(file, w);
        self.guards.pop();
    }

    fn block_items(&mut self, file: FileId, w: &When) {
        for item in &w.items {
            let what = match &item.kind {
                ItemKind::Name(_) => Some("profile"),
                ItemKind::Include(_) => Some("include"),
                ItemKind::Default(_) => Some("default"),
                ItemKind::Private(_) => Some("private"),
                ItemKind::Option(_) => Some("option"),
                ItemKind::Table(_) => Some("table"),
                ItemKind::Rule(_) | ItemKind::When(_) | ItemKind::Reject(_) => None,
            };
            match what {
                Some(what) => self.diags.push(
                    Diagnostic::new(Code::MisplacedStatement, format!("`{what}` cannot be inside a `when` block"))
                        .label(item.span, "inside a block")
                        .help(format!("a block holds rules, nested blocks and `reject when`; move `{what}` out of the block, before it")),
                ),
                None => self.item(file, item),
            }
        }
    }

    fn reject(&mut self, span: Span, r: &Reject) {
        let Some(c) = conditions::compile(&r.condition, self.diags) else {
            return;
        };
        let text = super::print::print_cond(&r.condition.node);
        if r.reason.node.trim().is_empty() {
            self.diags.push(
                Diagnostic::new(Code::WrongArguments, "a rejection needs a reason")
                    .label(r.reason.span, "empty")
                    .help("say why such files are not written, like `reject when exists BurnedInAnnotation \"burned-in text\"`; the reason goes into the report"),
            );
            return;
        }
        let (idx, condition, _) = self.guarded(c, text, r.condition.span);
        if conditions::never_holds(&condition) {
            self.diags.push(
                Diagnostic::new(Code::NeverHolds, "this condition can never hold")
                    .label(r.condition.span, "contradicts itself")
                    .help("no file is ever rejected by this statement; fix the condition or remove it"),
            );
        }
        let origin = self.origin(span);
        self.builder.reject(RejectRule {
            condition: idx,
            reason: r.reason.node.clone(),
            origin,
        });
    }

    fn rule(&mut self, file: FileId, rule: &Rule) {
        if matches!(rule.selector.node, Selector::Path(_) | Selector::Vr(_)) {
            self.scoped_rule(rule);
            return;
        }
        let pattern = self.selector(&rule.selector);
        let action = self.action(rule);
        let (Some(pattern), Some(action)) = (pattern, action) else {
            return;
        };
        if !self.check_target(&pattern, &action, rule) {
            return;
        }
        if !self.check_vr(&pattern, &action, rule) {
            return;
        }
        self.lint_duplicate(file, &pattern, rule);
        self.lint_mask_matches_nothing(&pattern, rule);
        self.lint_private_by_number(&pattern, &action, rule);
        self.lint_no_effect(&pattern, &action, rule);
        let origin = self.origin(rule.selector.span);
        let guard = self.guards.last().map(|g| g.0);
        self.placed
            .push((pattern.clone(), guard.is_some(), rule.selector.span));
        self.builder.rule_when(pattern, action, origin, guard);
    }

    fn selector(&mut self, sel: &Spanned<Selector>) -> Option<TagPattern> {
        let (result, is_keyword) = match &sel.node {
            Selector::Keyword(k) => (TagPattern::from_keyword(k), true),
            Selector::Tag(t) => (TagPattern::parse_tag(t), false),
            // handled by `scoped_rule`
            Selector::Path(_) | Selector::Vr(_) => return None,
        };
        match result {
            Ok(p) => {
                if is_keyword && dictionary::is_retired_keyword(&sel.node.text()) {
                    self.diags.push(
                        Diagnostic::new(
                            Code::RetiredKeyword,
                            format!("`{}` is a retired attribute", sel.node.text()),
                        )
                        .label(sel.span, format!("retired, {p}"))
                        .help(format!(
                            "retired attributes still occur in old files, so the rule is kept; write `{p}` to say you mean it"
                        )),
                    );
                }
                Some(p)
            }
            Err(e) => {
                self.diags.push(selector_error_for(sel, &e));
                None
            }
        }
    }

    fn action(&mut self, rule: &Rule) -> Option<Action> {
        let word = rule.action.node.as_str();
        if let Some(result) = super::params::action(rule, &self.tables) {
            return match result {
                Ok(a) => Some(a),
                Err(d) => {
                    self.diags.push(d);
                    None
                }
            };
        }
        let args: Vec<&str> = rule.args.iter().filter_map(|a| a.node.as_str()).collect();
        if let Some(bad) = rule.args.iter().find(|a| a.node.as_str().is_none()) {
            self.diags.push(
                Diagnostic::new(Code::WrongArguments, format!("`{word}` takes no bare words or numbers"))
                    .label(bad.span, "not in quotes")
                    .help("write values in double quotes, like `PatientID replace \"SUBJ-001\"`; only `lookup`, `shift-date`, `hash`, `cap-age` and `truncate` take bare words and numbers"),
            );
            return None;
        }
        let arity = |n: usize, usage: &str| -> Result<(), Diagnostic> {
            if args.len() == n {
                return Ok(());
            }
            let span = match rule.args.get(n) {
                Some(extra) => extra
                    .span
                    .to(rule.args.last().map_or(extra.span, |a| a.span)),
                None => rule.action.span,
            };
            Err(Diagnostic::new(
                Code::WrongArguments,
                format!(
                    "`{word}` takes {} but was given {}",
                    count(n, "argument"),
                    args.len()
                ),
            )
            .label(
                span,
                if args.len() > n {
                    "unexpected argument"
                } else {
                    "needs arguments"
                },
            )
            .help(format!("write it as `{usage}`")))
        };
        let result = match word {
            "keep" | "K" => arity(0, "keep").map(|()| Action::Keep),
            "delete" | "X" => arity(0, "delete").map(|()| Action::Delete),
            "empty" | "Z" => arity(0, "empty").map(|()| Action::Empty),
            "replace" => match args.as_slice() {
                [] => Ok(Action::Replace),
                [v] => Ok(Action::Set((*v).to_string())),
                _ => arity(1, "replace \"VALUE\"").map(|()| Action::Replace),
            },
            "D" => arity(0, "D").map(|()| Action::Replace),
            "replace_with_value" => arity(1, "replace_with_value \"VALUE\"")
                .map(|()| Action::Set(args.first().map(|s| (*s).to_string()).unwrap_or_default())),
            "uid" | "U" | "replace_UID" => arity(0, word).map(|()| Action::Uid),
            "hash" => arity(0, "hash").map(|()| Action::Hash),
            "shift-date" => arity(0, "shift-date").map(|()| Action::ShiftDate),
            "regexp" => arity(2, "regexp \"FIND\" \"REPLACE\"").and_then(|()| {
                let (Some(find), Some(replace)) = (args.first(), args.get(1)) else {
                    return Err(Diagnostic::new(Code::WrongArguments, "`regexp` takes 2 arguments"));
                };
                match regex::Regex::new(find) {
                    Ok(re) => Ok(Action::Regexp(Box::new(Regexp {
                        find: re,
                        replace: (*replace).to_string(),
                    }))),
                    Err(e) => {
                        let span = rule.args.first().map_or(rule.action.span, |a| a.span);
                        let why = match e {
                            regex::Error::Syntax(s) => s.lines().last().unwrap_or("").trim().to_string(),
                            regex::Error::CompiledTooBig(_) => "the pattern is too big".to_string(),
                            _ => "invalid pattern".to_string(),
                        };
                        Err(Diagnostic::new(Code::BadRegex, "this regular expression does not compile")
                            .label(span, why)
                            .help("the syntax is that of the Rust `regex` crate (no look-around or backreferences)"))
                    }
                }
            }),
            "Z/D" | "empty_or_replace" => arity(0, word).map(|()| Action::Combined(Combined::ZD)),
            "X/Z" | "delete_or_empty" => arity(0, word).map(|()| Action::Combined(Combined::XZ)),
            "X/D" | "delete_or_replace" => arity(0, word).map(|()| Action::Combined(Combined::XD)),
            "X/Z/D" | "delete_or_empty_or_replace" => arity(0, word).map(|()| Action::Combined(Combined::XZD)),
            "X/Z/U*" | "X/Z/U" | "delete_or_empty_or_replace_UID" => {
                arity(0, word).map(|()| Action::Combined(Combined::XZU))
            }
            "C" | "clean" => Err(Diagnostic::new(Code::CleanNotSupported, "`clean` is not supported yet")
                .label(rule.action.span, "not supported yet")
                .help("cleaning keeps a value but removes what identifies in it, which needs review per attribute; use `replace`, `empty` or `delete` for now")),
            _ => {
                let mut sugg = suggest(word, ACTION_WORDS);
                // words people reach for that mean an action of ours
                let synonym = match word.to_lowercase().as_str() {
                    "remove" | "drop" | "strip" | "erase" => Some("delete"),
                    "blank" | "clear" | "null" => Some("empty"),
                    "retain" | "preserve" | "pass" => Some("keep"),
                    "dummy" | "anonymize" | "anonymise" | "pseudonymize" => Some("replace"),
                    "remap" | "remap-uid" | "uid-remap" => Some("uid"),
                    "shift" | "dateshift" | "shift_date" => Some("shift-date"),
                    _ => None,
                };
                if let Some(s) = synonym {
                    sugg.retain(|w| w != s);
                    sugg.insert(0, s.to_string());
                }
                let help = match did_you_mean(&sugg) {
                    Some(dym) => dym,
                    None => "actions: keep, delete, empty, replace, replace \"VALUE\", uid, hash, shift-date, regexp \"FIND\" \"REPLACE\", and the PS3.15 codes K X Z D U Z/D X/Z X/D X/Z/D X/Z/U*".to_string(),
                };
                Err(Diagnostic::new(Code::UnknownAction, format!("unknown action `{word}`"))
                    .label(rule.action.span, "not an action")
                    .help(help))
            }
        };
        match result {
            Ok(a) => Some(a),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// Rules on what is not an element of a data set, or on the file meta group.
    fn check_target(&mut self, pattern: &TagPattern, action: &Action, rule: &Rule) -> bool {
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
    fn check_vr(&mut self, pattern: &TagPattern, action: &Action, rule: &Rule) -> bool {
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
    fn check_one_vr(&mut self, vr: VR, name: &str, action: &Action, rule: &Rule) -> bool {
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

    fn lint_duplicate(&mut self, file: FileId, pattern: &TagPattern, rule: &Rule) {
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

    fn lint_mask_matches_nothing(&mut self, pattern: &TagPattern, rule: &Rule) {
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

    fn lint_private_by_number(&mut self, pattern: &TagPattern, action: &Action, rule: &Rule) {
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

    fn lint_no_effect(&mut self, pattern: &TagPattern, action: &Action, rule: &Rule) {
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

/// A condition's text, in parentheses when it has an `or` at its top.
fn paren(text: &str) -> String {
    if text.contains(" or ") {
        format!("({text})")
    } else {
        text.to_string()
    }
}

/// Rules in a block, nested blocks and rejects included.
fn count_rules(items: &[Item]) -> usize {
    items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Rule(_) | ItemKind::Reject(_) => 1,
            ItemKind::When(w) => count_rules(&w.items),
            _ => 0,
        })
        .sum()
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => format!("no {what}s"),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

fn suggest(word: &str, words: &[&str]) -> Vec<String> {
    crate::fuzzy::closest(word, words.iter().copied(), 0.8)
}

fn literal_help(vr: VR) -> String {
    let example = match vr {
        VR::DA => "dates are `YYYYMMDD`, like `20000101`",
        VR::TM => "times are `HHMMSS`, like `120000`",
        VR::DT => "date-times are `YYYYMMDDHHMMSS`, like `20000101120000`",
        VR::IS => "integer strings hold a whole number, like `42`",
        VR::DS => "decimal strings hold a number, like `1.5`",
        VR::UI => "UIDs are digits and dots, like `1.2.3.4`",
        VR::CS => "code strings are upper-case letters, digits, space and `_`, at most 16",
        VR::AS => "ages are three digits and a unit, like `045Y`",
        VR::US | VR::SS | VR::UL | VR::SL | VR::UV | VR::SV => {
            "binary integers are written in decimal, like `0`"
        }
        VR::FL | VR::FD => "floating point values are written like `0.5`",
        _ => "",
    };
    let mut help = String::new();
    if let Some(max) = vr::max_len(vr) {
        help.push_str(&format!("{vr} values are at most {max} characters"));
    }
    if !example.is_empty() {
        if !help.is_empty() {
            help.push_str("; ");
        }
        help.push_str(example);
    }
    if help.is_empty() {
        help = format!("write a value that {vr} allows");
    }
    help
}

/// The diagnostic for a selector that does not parse.
pub(super) fn selector_error_for(sel: &Spanned<Selector>, e: &TagError) -> Diagnostic {
    let text = sel.node.text();
    match e {
        TagError::UnknownKeyword { suggestions } => {
            let mut d = Diagnostic::new(Code::UnknownKeyword, format!("unknown keyword `{text}`"))
                .label(sel.span, "not in the standard data dictionary");
            d = d.help(match did_you_mean(suggestions) {
                Some(dym) => dym,
                None => "keywords are written as in PS3.6, like `PatientName`; any element can also be selected by tag, like `(0010,0010)`".to_string(),
            });
            d
        }
        TagError::CreatorOnEvenGroup => Diagnostic::new(
            Code::CreatorOnEvenGroup,
            format!("`{text}` selects a private creator in an even group"),
        )
        .label(sel.span, "even groups are public")
        .help("private elements live in odd groups, like `(0019,\"CREATOR\",0C)`; select public elements by tag or keyword"),
        TagError::NotSelectable(k) => Diagnostic::new(Code::BadTag, format!("`{k}` is not a single attribute"))
            .label(sel.span, "a placeholder of the dictionary")
            .help("group lengths are always removed; private creators follow their blocks; select private elements with `(gggg,\"CREATOR\",ee)`"),
        other => {
            let help = match other {
                TagError::GroupDigits | TagError::ElementDigits | TagError::Shape => {
                    "a tag is `(gggg,eeee)` in hex, with `x` for any digit in a mask: `(0010,0010)`, `(60xx,4000)`; a private element by creator is `(0019,\"CREATOR\",0C)`"
                }
                TagError::CreatorElement => "the element of a private creator selector is the last two hex digits, like `0C` for (0019,xx0C), or `xx` for the whole block",
                TagError::CreatorGroupMasked => "write the private group in full, like `(0019,\"CREATOR\",0C)`",
                TagError::CreatorEmpty | TagError::CreatorTooLong | TagError::CreatorCharacters => {
                    "the creator is the value of the private creator element, like `\"SIEMENS MR HEADER\"` (a LO: at most 64 characters)"
                }
                _ => "check the selector",
            };
            Diagnostic::new(Code::BadTag, format!("`{text}` is not a valid selector"))
                .label(sel.span, other.to_string())
                .help(help)
        }
    }
}
