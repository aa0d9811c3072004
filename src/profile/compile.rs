//! Syntax trees → [`Plan`]: selectors become tag patterns, action words become
//! actions, and each rule is checked against the dictionary (VR, literal, file meta).
//!
//! Every statement is checked even after an error, so one report lists every problem.
//! The lints that need the whole rule set (duplicates, masks that match nothing, rules
//! without effect) are raised here too, as warnings, each by its own function.

use std::collections::HashMap;
use std::sync::Arc;

use dicom_core::{Tag, VR};

mod blocks;
mod checks;
mod lints;
mod messages;

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
use messages::literal_help;
pub(super) use messages::selector_error_for;

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
            ItemKind::Accept(uid) => {
                self.diags.push(super::conformance::accept_diagnostic(uid));
                if crate::vr::valid_uid(&uid.node) && !uid.node.is_empty() {
                    self.builder.accept(uid.node.clone());
                }
            }
            ItemKind::Rule(rule) => self.rule(file, rule),
            ItemKind::When(w) => self.when(file, item.span, w),
            ItemKind::Reject(r) => self.reject(item.span, r),
            ItemKind::Pixel(regions) => self.pixel(item.span, regions),
            ItemKind::PixelVerdict(v) => self.pixel_verdict(item.span, v),
            ItemKind::Table(t) => self.table(file, item.span, t),
        }
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
            "C" | "clean" => arity(0, "clean").map(|()| Action::Clean),
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
            ItemKind::Rule(_)
            | ItemKind::Reject(_)
            | ItemKind::Pixel(_)
            | ItemKind::PixelVerdict(_) => 1,
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
