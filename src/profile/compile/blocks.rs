//! The statements of the study language: `when` blocks (their conditions combined for
//! nested blocks), `reject when`, `table`, and path and VR rules.

use super::*;

impl Compiler<'_> {
    /// The condition of the innermost block, combined with `c`: registered in the plan.
    pub(super) fn guarded(
        &mut self,
        c: Condition,
        text: String,
        span: Span,
    ) -> (usize, Condition, String) {
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
    pub(super) fn when(&mut self, file: FileId, span: Span, w: &When) {
        let compiled = conditions::compile(&w.condition, self.diags);
        let text = crate::profile::print::print_cond(&w.condition.node);
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
    pub(super) fn block_items(&mut self, file: FileId, w: &When) {
        for item in &w.items {
            let what = match &item.kind {
                ItemKind::Name(_) => Some("profile"),
                ItemKind::Include(_) => Some("include"),
                ItemKind::Default(_) => Some("default"),
                ItemKind::Private(_) => Some("private"),
                ItemKind::Option(_) => Some("option"),
                ItemKind::Table(_) => Some("table"),
                ItemKind::Accept(_) => Some("accept"),
                ItemKind::Rule(_)
                | ItemKind::When(_)
                | ItemKind::Reject(_)
                | ItemKind::Pixel(_)
                | ItemKind::PixelVerdict(_) => None,
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
    pub(super) fn reject(&mut self, span: Span, r: &Reject) {
        let Some(c) = conditions::compile(&r.condition, self.diags) else {
            return;
        };
        let text = crate::profile::print::print_cond(&r.condition.node);
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
    pub(super) fn table(&mut self, file: FileId, span: Span, t: &crate::profile::ast::TableDecl) {
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
        match crate::profile::tables::load(t, dir.as_deref(), origin) {
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
    pub(super) fn scoped_rule(&mut self, rule: &Rule) {
        let scope = match crate::profile::scoped::parse(&rule.selector) {
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
}

impl Compiler<'_> {
    /// `pixel blackout (X, Y, W, H), ...`: each rectangle checked (whole numbers, a
    /// positive size; a warning when it leaves the Rows × Columns the condition pins).
    pub(super) fn pixel(
        &mut self,
        span: Span,
        regions: &[Spanned<crate::profile::ast::RegionText>],
    ) {
        let guard = self.guards.last().map(|g| (g.1.clone(), g.2.clone()));
        let (rows, cols) = guard
            .as_ref()
            .map(|(c, _)| (pinned(c, ROWS), pinned(c, COLUMNS)))
            .unwrap_or((None, None));
        let mut out = Vec::with_capacity(regions.len());
        for r in regions {
            let t = r.node;
            let fits = |v: i64| u32::try_from(v).is_ok();
            if t.width <= 0 || t.height <= 0 || t.x < 0 || t.y < 0 {
                self.diags.push(
                    Diagnostic::new(Code::PixelRegion, "a rectangle needs a position of at least 0 and a size of at least 1")
                        .label(r.span, "negative or empty")
                        .help("write `(X, Y, WIDTH, HEIGHT)` in pixels from the top left corner, like `(0, 0, 640, 48)`"),
                );
                continue;
            }
            if !(fits(t.x) && fits(t.y) && fits(t.width) && fits(t.height)) {
                self.diags.push(
                    Diagnostic::new(Code::PixelRegion, "a rectangle larger than any image")
                        .label(r.span, "too large")
                        .help("coordinates and sizes are at most 4294967295 pixels"),
                );
                continue;
            }
            let region = crate::plan::pixel::Region::new(
                t.x as u32,
                t.y as u32,
                t.width as u32,
                t.height as u32,
            );
            let past_cols = cols.is_some_and(|c| t.x + t.width > c);
            let past_rows = rows.is_some_and(|rws| t.y + t.height > rws);
            if past_cols || past_rows {
                let what = match (past_cols, past_rows) {
                    (true, true) => format!(
                        "the image is {} × {} pixels",
                        cols.unwrap_or(0),
                        rows.unwrap_or(0)
                    ),
                    (true, false) => format!("the image has {} columns", cols.unwrap_or(0)),
                    _ => format!("the image has {} rows", rows.unwrap_or(0)),
                };
                self.diags.push(
                    Diagnostic::new(Code::PixelRegionOutside, "this rectangle reaches outside the image its condition selects")
                        .label(r.span, what)
                        .help("the part outside is ignored, and an instance does not claim Clean Pixel Data (113101) for a rectangle that lies wholly outside; check the coordinates"),
                );
            }
            out.push(region);
        }
        if out.is_empty() {
            return;
        }
        let origin = self.origin(span);
        self.builder.pixel(crate::plan::pixel::PixelRule {
            condition: guard.map(|(c, t)| (c, Arc::from(t.as_str()))),
            action: crate::plan::pixel::PixelAction::Blackout(out),
            origin,
        });
    }

    /// `pixel accept|flag|reject "REASON"`: the reason is required (it goes into the
    /// report line of every instance the statement decides for).
    pub(super) fn pixel_verdict(&mut self, span: Span, v: &crate::profile::ast::PixelVerdictText) {
        if v.reason.node.trim().is_empty() {
            self.diags.push(
                Diagnostic::new(Code::WrongArguments, "a pixel verdict needs a reason")
                    .label(v.reason.span, "empty")
                    .help("say why, like `pixel accept \"model X writes no text into the image\"`: the reason is reported for every instance it decides"),
            );
            return;
        }
        let guard = self.guards.last().map(|g| (g.1.clone(), g.2.clone()));
        let origin = self.origin(span);
        self.builder.pixel(crate::plan::pixel::PixelRule {
            condition: guard.map(|(c, t)| (c, Arc::from(t.as_str()))),
            action: crate::plan::pixel::PixelAction::Verdict(
                v.verdict.node,
                Arc::from(v.reason.node.trim()),
            ),
            origin,
        });
    }
}

const ROWS: dicom_core::Tag = dicom_core::Tag(0x0028, 0x0010);
const COLUMNS: dicom_core::Tag = dicom_core::Tag(0x0028, 0x0011);

/// The value `c` requires of `tag` (`Rows == 720` in a chain of `and`).
fn pinned(c: &Condition, tag: dicom_core::Tag) -> Option<i64> {
    use crate::plan::condition::{NumOp, Test};
    match c {
        Condition::All(cs) => cs.iter().find_map(|c| pinned(c, tag)),
        Condition::Value(t, Test::Number(NumOp::Eq, n)) if *t == tag && n.fract() == 0.0 => {
            Some(*n as i64)
        }
        Condition::Value(t, Test::Equals(s)) if *t == tag => s.trim().parse().ok(),
        _ => None,
    }
}
