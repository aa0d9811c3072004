//! Parse pairs → the syntax tree: `when` blocks nested as written, conditions,
//! selectors and arguments.

use super::*;

/// `when` blocks being read: the items of each open block, innermost last.
#[derive(Default)]
pub(super) struct Blocks {
    top: Vec<Item>,
    open: Vec<(Spanned<Cond>, Span, Vec<Item>)>,
}

impl Blocks {
    pub(super) fn push(&mut self, item: Item) {
        match self.open.last_mut() {
            Some((_, _, items)) => items.push(item),
            None => self.top.push(item),
        }
    }

    pub(super) fn open(&mut self, condition: Spanned<Cond>, span: Span) {
        self.open.push((condition, span, Vec::new()));
    }

    pub(super) fn close(&mut self, span: Span, diags: &mut Diagnostics) {
        match self.open.pop() {
            Some((condition, open, items)) => self.push(Item {
                kind: ItemKind::When(When { condition, items }),
                span: open.to(span),
            }),
            None => diags.push(
                Diagnostic::new(Code::UnbalancedBlock, "this `}` closes no `when` block")
                    .label(span, "nothing to close")
                    .help("a block starts with `when CONDITION {` on its own line and ends with `}` on its own line; remove this `}`"),
            ),
        }
    }

    pub(super) fn finish(mut self, diags: &mut Diagnostics) -> Vec<Item> {
        while let Some((condition, open, items)) = self.open.pop() {
            diags.push(
                Diagnostic::new(Code::UnbalancedBlock, "this `when` block is never closed")
                    .label(open, "opened here")
                    .help("end the block with `}` on a line of its own"),
            );
            self.push(Item {
                kind: ItemKind::When(When { condition, items }),
                span: open,
            });
        }
        self.top
    }
}

pub(super) fn child<'i>(pair: &Pair<'i, Rule>, which: Rule) -> Option<Pair<'i, Rule>> {
    pair.clone().into_inner().find(|p| p.as_rule() == which)
}

pub(super) fn to_selector(pair: &Pair<'_, Rule>) -> Selector {
    match pair.as_rule() {
        Rule::tag => Selector::Tag(pair.as_str().to_string()),
        Rule::path => Selector::Path(pair.as_str().to_string()),
        Rule::vr_selector => Selector::Vr(
            child(pair, Rule::vr_name)
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
        ),
        _ => Selector::Keyword(pair.as_str().to_string()),
    }
}

pub(super) fn to_literal(
    file: FileId,
    pair: &Pair<'_, Rule>,
    diags: &mut Diagnostics,
) -> Spanned<Literal> {
    let lit = match pair.as_rule() {
        Rule::number => Literal::Number(pair.as_str().to_string()),
        _ => Literal::Str(string_value(file, pair, diags)),
    };
    Spanned::new(lit, span_of(file, pair))
}

/// A `condition` (or one of its parts) as a tree; `and`/`or` of one part is the part.
pub(super) fn to_cond(
    file: FileId,
    pair: Pair<'_, Rule>,
    diags: &mut Diagnostics,
) -> Spanned<Cond> {
    let span = span_of(file, &pair);
    let which = pair.as_rule();
    let parts: Vec<Pair<'_, Rule>> = pair
        .clone()
        .into_inner()
        .filter(|p| {
            !matches!(
                p.as_rule(),
                Rule::kw_and
                    | Rule::kw_or
                    | Rule::kw_not
                    | Rule::kw_exists
                    | Rule::kw_in
                    | Rule::cmp_op
            )
        })
        .collect();
    let node = match which {
        Rule::condition | Rule::cond_and => {
            let mut conds: Vec<Spanned<Cond>> =
                parts.into_iter().map(|p| to_cond(file, p, diags)).collect();
            if conds.len() == 1 {
                if let Some(one) = conds.pop() {
                    return one;
                }
            }
            if which == Rule::condition {
                Cond::Or(conds)
            } else {
                Cond::And(conds)
            }
        }
        Rule::cond_not => {
            let negated = pair
                .clone()
                .into_inner()
                .any(|p| p.as_rule() == Rule::kw_not);
            let Some(inner) = parts.into_iter().next() else {
                return Spanned::new(Cond::And(Vec::new()), span);
            };
            let inner = to_cond(file, inner, diags);
            if !negated {
                return inner;
            }
            Cond::Not(Box::new(inner))
        }
        Rule::cond_group => match parts.into_iter().next() {
            Some(inner) => return to_cond(file, inner, diags),
            None => Cond::And(Vec::new()),
        },
        Rule::exists_test => match parts.first() {
            Some(s) => Cond::Exists(Spanned::new(to_selector(s), span_of(file, s))),
            None => Cond::And(Vec::new()),
        },
        Rule::in_test => {
            let mut it = parts.iter();
            let Some(s) = it.next() else {
                return Spanned::new(Cond::And(Vec::new()), span);
            };
            Cond::In {
                subject: Spanned::new(to_selector(s), span_of(file, s)),
                values: it.map(|v| to_literal(file, v, diags)).collect(),
            }
        }
        Rule::comparison => {
            let op_pair = child(&pair, Rule::cmp_op);
            let (Some(s), Some(v), Some(op_pair)) = (parts.first(), parts.get(1), op_pair) else {
                return Spanned::new(Cond::And(Vec::new()), span);
            };
            let op = match op_pair.as_str() {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                ">=" => CmpOp::Ge,
                _ => CmpOp::Matches,
            };
            Cond::Compare {
                subject: Spanned::new(to_selector(s), span_of(file, s)),
                op: Spanned::new(op, span_of(file, &op_pair)),
                value: to_literal(file, v, diags),
            }
        }
        _ => Cond::And(Vec::new()),
    };
    Spanned::new(node, span)
}

pub(super) fn to_arg(file: FileId, pair: &Pair<'_, Rule>, diags: &mut Diagnostics) -> Spanned<Arg> {
    let arg = match pair.as_rule() {
        Rule::word => Arg::Word(pair.as_str().to_string()),
        Rule::number => Arg::Number(pair.as_str().to_string()),
        Rule::range => {
            let mut ends = pair
                .as_str()
                .splitn(2, "..")
                .map(|n| n.parse::<i64>().unwrap_or(i64::MAX));
            let a = ends.next().unwrap_or(0);
            let b = ends.next().unwrap_or(0);
            Arg::Range(a, b)
        }
        _ => Arg::Str(string_value(file, pair, diags)),
    };
    Spanned::new(arg, span_of(file, pair))
}
