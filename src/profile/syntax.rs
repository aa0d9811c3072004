//! Text → syntax tree. The only module that uses pest.
//!
//! The grammar (`grammar/anon.pest`) accepts every input: a line that is not a valid
//! statement becomes an `invalid_line` and parsing goes on, so one report lists every
//! syntax error. Each invalid line is then parsed again on its own with the strict rule,
//! which gives pest's precise "expected ..." position; that error is turned into plain
//! words here (never pest rule names) and shifted back to file offsets.

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::ast::{
    Arg, CmpOp, Cond, Disposition, IncludeTarget, Item, ItemKind, Literal, Profile, Reject,
    Rule as AstRule, Selector, Spanned, TableDecl, When,
};
use super::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/anon.pest"]
struct AnonParser;

/// Parses one file. Always returns a tree (of the lines that could be read) and the
/// syntax diagnostics of the others.
pub fn parse(file: FileId, text: &str) -> (Profile, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut blocks = Blocks::default();
    match AnonParser::parse(Rule::profile, text) {
        Ok(mut pairs) => {
            let children = pairs.next().map(Pair::into_inner);
            for pair in children.into_iter().flatten() {
                match pair.as_rule() {
                    Rule::invalid_line => diags.push(explain_invalid_line(file, &pair)),
                    Rule::EOI => {}
                    Rule::when_open => {
                        let span = span_of(file, &pair);
                        if let Some(c) = child(&pair, Rule::condition) {
                            let condition = to_cond(file, c, &mut diags);
                            blocks.open(condition, span);
                        }
                    }
                    Rule::block_close => blocks.close(span_of(file, &pair), &mut diags),
                    _ => {
                        if let Some(item) = to_item(file, pair, &mut diags) {
                            blocks.push(item);
                        }
                    }
                }
            }
        }
        Err(e) => {
            // The grammar accepts any text, so this is a bug; report it rather than panic.
            let pos = match e.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((s, _)) => s,
            };
            diags.push(
                Diagnostic::new(Code::InvalidLine, "this profile could not be read")
                    .label(Span::new(file, pos, pos), "here")
                    .help("this is a bug in dicom-anonymizer; please report it with the profile"),
            );
        }
    }
    let items = blocks.finish(&mut diags);
    (Profile { file, items }, diags)
}

/// `when` blocks being read: the items of each open block, innermost last.
#[derive(Default)]
struct Blocks {
    top: Vec<Item>,
    open: Vec<(Spanned<Cond>, Span, Vec<Item>)>,
}

impl Blocks {
    fn push(&mut self, item: Item) {
        match self.open.last_mut() {
            Some((_, _, items)) => items.push(item),
            None => self.top.push(item),
        }
    }

    fn open(&mut self, condition: Spanned<Cond>, span: Span) {
        self.open.push((condition, span, Vec::new()));
    }

    fn close(&mut self, span: Span, diags: &mut Diagnostics) {
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

    fn finish(mut self, diags: &mut Diagnostics) -> Vec<Item> {
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

fn child<'i>(pair: &Pair<'i, Rule>, which: Rule) -> Option<Pair<'i, Rule>> {
    pair.clone().into_inner().find(|p| p.as_rule() == which)
}

fn to_selector(pair: &Pair<'_, Rule>) -> Selector {
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

fn to_literal(file: FileId, pair: &Pair<'_, Rule>, diags: &mut Diagnostics) -> Spanned<Literal> {
    let lit = match pair.as_rule() {
        Rule::number => Literal::Number(pair.as_str().to_string()),
        _ => Literal::Str(string_value(file, pair, diags)),
    };
    Spanned::new(lit, span_of(file, pair))
}

/// A `condition` (or one of its parts) as a tree; `and`/`or` of one part is the part.
fn to_cond(file: FileId, pair: Pair<'_, Rule>, diags: &mut Diagnostics) -> Spanned<Cond> {
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

fn to_arg(file: FileId, pair: &Pair<'_, Rule>, diags: &mut Diagnostics) -> Spanned<Arg> {
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

fn span_of(file: FileId, pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(file, s.start(), s.end())
}

/// The text of a quoted string with its escapes resolved: `\"` and `\\` are the only
/// ones; any other backslash sequence is an error (it used to drop the backslash, which
/// silently turned the regex `\d` into `d`). `start` is the offset of the text in the file.
fn unescape(file: FileId, start: usize, s: &str, diags: &mut Diagnostics) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, n @ ('"' | '\\'))) => out.push(n),
            Some((j, n)) => {
                let end = start + j + n.len_utf8();
                diags.push(
                    Diagnostic::new(
                        Code::UnknownEscape,
                        format!("`\\{n}` is not an escape in a quoted string"),
                    )
                    .label(Span::new(file, start + i, end), "unknown escape")
                    .help(format!(
                        "only `\\\"` and `\\\\` are escapes; write `\\\\{n}` for a backslash, or use a raw string, which takes every character literally: `r\"...\\{n}...\"`"
                    )),
                );
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The value of a `string` pair: a raw string as written, a quoted one unescaped
/// (unknown escapes are reported into `diags`).
fn string_value(file: FileId, pair: &Pair<'_, Rule>, diags: &mut Diagnostics) -> String {
    let mut inner = pair.clone().into_inner();
    let mut part = inner.next();
    // `string` wraps `quoted_string` or `raw_string`
    while let Some(p) = part.clone() {
        match p.as_rule() {
            Rule::raw_inner => return p.as_str().to_string(),
            Rule::string_inner => {
                return unescape(file, p.as_span().start(), p.as_str(), diags);
            }
            _ => part = p.into_inner().next(),
        }
    }
    String::new()
}

fn tagged<'i>(pair: &Pair<'i, Rule>, tag: &'static str) -> Option<Pair<'i, Rule>> {
    pair.clone().into_inner().find_first_tagged(tag)
}

fn to_item(file: FileId, pair: Pair<'_, Rule>, diags: &mut Diagnostics) -> Option<Item> {
    let span = span_of(file, &pair);
    let kind = match pair.as_rule() {
        Rule::profile_stmt => {
            let name = tagged(&pair, "name")?;
            ItemKind::Name(Spanned::new(
                string_value(file, &name, diags),
                span_of(file, &name),
            ))
        }
        Rule::include_stmt => {
            let target = tagged(&pair, "target")?;
            let t = match target.as_rule() {
                Rule::builtin_ref => IncludeTarget::Builtin(
                    target.as_str().trim_start_matches("builtin:").to_string(),
                ),
                _ => IncludeTarget::Path(string_value(file, &target, diags)),
            };
            ItemKind::Include(Spanned::new(t, span_of(file, &target)))
        }
        Rule::default_stmt | Rule::private_stmt => {
            let d = tagged(&pair, "disposition")?;
            let disp = if d.as_str() == "keep" {
                Disposition::Keep
            } else {
                Disposition::Delete
            };
            let s = Spanned::new(disp, span_of(file, &d));
            if pair.as_rule() == Rule::default_stmt {
                ItemKind::Default(s)
            } else {
                ItemKind::Private(s)
            }
        }
        Rule::option_stmt => {
            let n = tagged(&pair, "name")?;
            ItemKind::Option(Spanned::new(n.as_str().to_string(), span_of(file, &n)))
        }
        Rule::rule => {
            let sel = tagged(&pair, "selector")?;
            let action = tagged(&pair, "action")?;
            let args = pair
                .clone()
                .into_inner()
                .find_tagged("argument")
                .map(|a| to_arg(file, &a, diags))
                .collect();
            ItemKind::Rule(AstRule {
                selector: Spanned::new(to_selector(&sel), span_of(file, &sel)),
                action: Spanned::new(action.as_str().to_string(), span_of(file, &action)),
                args,
            })
        }
        Rule::table_stmt => {
            let text = |tag: &'static str, diags: &mut Diagnostics| -> Option<Spanned<String>> {
                let p = tagged(&pair, tag)?;
                let v = match p.as_rule() {
                    Rule::string => string_value(file, &p, diags),
                    _ => p.as_str().to_string(),
                };
                Some(Spanned::new(v, span_of(file, &p)))
            };
            ItemKind::Table(TableDecl {
                name: text("name", diags)?,
                file: text("file", diags)?,
                key: text("key", diags)?,
                value: text("value", diags)?,
            })
        }
        Rule::reject_stmt => {
            let c = child(&pair, Rule::condition)?;
            let reason = tagged(&pair, "reason")?;
            ItemKind::Reject(Reject {
                condition: to_cond(file, c, diags),
                reason: Spanned::new(string_value(file, &reason, diags), span_of(file, &reason)),
            })
        }
        _ => return None,
    };
    Some(Item { kind, span })
}

/// Plain words for what the grammar expected.
fn describe(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::tag => "a tag like `(0010,0010)`",
        Rule::keyword => "a keyword like `PatientName`",
        Rule::action => {
            "an action (`keep`, `delete`, `empty`, `replace`, `uid`, `hash`, `shift-date`...)"
        }
        Rule::string => "a value in double quotes",
        Rule::condition
        | Rule::comparison
        | Rule::exists_test
        | Rule::in_test
        | Rule::cond_group => "a condition like `Modality == \"US\"`",
        Rule::cmp_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`, `~`) or `in`",
        Rule::kw_in => "`in`",
        Rule::kw_when => "`when`",
        Rule::kw_key => "`key`",
        Rule::kw_value => "`value`",
        Rule::table_name => "a table name",
        Rule::column_name => "a column name",
        Rule::vr_name => "a VR like `PN`",
        Rule::number => "a number",
        Rule::range | Rule::word => "an argument",
        Rule::builtin_ref => "`builtin:NAME`",
        Rule::disposition => "`keep` or `delete`",
        Rule::option_name => "an option name like `retain-uids`",
        Rule::EOI => "the end of the line",
        Rule::kw_profile => "`profile`",
        Rule::kw_include => "`include`",
        Rule::kw_default => "`default`",
        Rule::kw_private => "`private`",
        Rule::kw_option => "`option`",
        _ => return None,
    })
}

fn join_or(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// End of the token that starts at `pos` in `line` (for a tight underline).
fn token_end(line: &str, pos: usize) -> usize {
    let rest = line.get(pos..).unwrap_or("");
    let len = if rest.starts_with('"') {
        rest.len()
    } else {
        rest.find([' ', '\t', '#']).unwrap_or(rest.len())
    };
    pos + len.max(1).min(rest.len().max(1))
}

/// Whether a quote at `pos` opens a string that the line never closes.
fn unterminated_quote_at(line: &str, pos: usize) -> bool {
    let Some(rest) = line.get(pos..) else {
        return false;
    };
    let mut chars = rest.chars();
    if chars.next() != Some('"') {
        return false;
    }
    let mut escaped = false;
    for c in chars {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return false,
            _ => {}
        }
    }
    true
}

fn explain_invalid_line(file: FileId, pair: &Pair<'_, Rule>) -> Diagnostic {
    let line = pair.as_str();
    let base = pair.as_span().start();
    let line_span = span_of(file, pair);
    let err = match AnonParser::parse(Rule::strict_line, line) {
        Ok(_) => {
            return Diagnostic::new(Code::InvalidLine, "this line is not a statement")
                .label(line_span, "here");
        }
        Err(e) => e,
    };
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // a tag without its `)`: pest would only say what else could follow
    if line.starts_with('(') && !line.contains(')') {
        let end = token_end(line, 0);
        return Diagnostic::new(Code::InvalidLine, "this tag is not closed")
            .label(Span::new(file, base, base + end), "no `)`")
            .help("a tag is `(gggg,eeee)`, like `(0010,0010)`");
    }
    // a string the line never closes is the most common cause; say so directly
    if let Some(q) = line.get(pos..).and_then(|r| r.find('"')).map(|i| i + pos) {
        if unterminated_quote_at(line, q) && line.get(pos..q).is_some_and(|s| s.trim().is_empty()) {
            return Diagnostic::new(Code::UnterminatedString, "this string has no closing quote")
                .label(
                    Span::new(file, base + q, base + line.len()),
                    "the string starts here",
                )
                .help("end the value with `\"`; write `\\\"` for a quote inside it");
        }
    }
    let expected: Vec<&str> = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut words: Vec<&str> = Vec::new();
            for w in positives.iter().filter_map(|r| describe(*r)) {
                if !words.contains(&w) {
                    words.push(w);
                }
            }
            words
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let statement_start = expected.iter().any(|w| w.starts_with("a keyword"))
        && expected.iter().any(|w| w.starts_with("`include`"));
    let at_end = pos >= line.trim_end().len();
    let found = if at_end {
        "the line ends".to_string()
    } else {
        let tok = line.get(pos..token_end(line, pos)).unwrap_or("");
        format!("found `{tok}`")
    };
    let (message, help) = if statement_start {
        let help = "a line is a rule like `PatientName delete`, or one of `profile \"NAME\"`, \
             `include \"FILE\"`, `default keep|delete`, `private keep|delete`, `option NAME`; \
             comments start with `#`"
            .to_string();
        ("expected a rule or a statement".to_string(), help)
    } else if expected.is_empty() {
        (
            "this line is not a statement".to_string(),
            "see docs/language.md for the statements a profile can hold".to_string(),
        )
    } else {
        let help = if expected.contains(&"the end of the line") {
            "a rule is `SELECTOR ACTION`, and any arguments are in double quotes: \
             `PatientID replace \"SUBJ-001\"`"
        } else if expected.iter().any(|w| w.starts_with("an action")) {
            "write the action after the selector: `PatientName replace`"
        } else if expected.contains(&"`keep` or `delete`") {
            "`default` and `private` take `keep` or `delete`: `private delete`"
        } else if expected.iter().any(|w| w.starts_with("`builtin:")) {
            "include a file with `include \"other.anon\"` (relative to this file) or an embedded profile with `include builtin:basic`"
        } else if expected.contains(&"a value in double quotes") {
            "names and values are written in double quotes: `profile \"My study\"`"
        } else if expected.iter().any(|w| w.starts_with("an option")) {
            "`option` takes the name of a PS3.15 option, like `option retain-uids`"
        } else {
            "see docs/language.md for the statements a profile can hold"
        }
        .to_string();
        (format!("expected {}", join_or(&expected)), help)
    };
    let end = if at_end {
        line.len()
    } else {
        token_end(line, pos)
    };
    let start = if at_end { line.trim_end().len() } else { pos };
    let mut d = Diagnostic::new(Code::InvalidLine, message)
        .label(Span::new(file, base + start, base + end), found);
    if !help.is_empty() {
        d = d.help(help);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Origin, SourceMap};

    fn parse_text(text: &str) -> (Profile, Diagnostics, SourceMap) {
        let mut map = SourceMap::new();
        let id = map.add("t.anon", Origin::Virtual, text);
        let (p, d) = parse(id, text);
        (p, d, map)
    }

    #[test]
    fn statements_and_comments() {
        let (p, d, _) = parse_text(
            "# header\nprofile \"P\" # name\n\ninclude builtin:basic\ninclude \"x.anon\"\n\
             default keep\nprivate delete\noption retain-uids\n\
             (0010,0010) replace \"A \\\"B\\\"\"\nPatientID   empty\r\n(0019,\"SIEMENS MR HEADER\",0C) keep",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.items.len(), 9);
        let ItemKind::Rule(r) = &p.items[6].kind else {
            panic!()
        };
        assert_eq!(r.selector.node, Selector::Tag("(0010,0010)".into()));
        assert_eq!(r.args[0].node.as_str(), Some("A \"B\""));
        let ItemKind::Rule(r) = &p.items[8].kind else {
            panic!()
        };
        assert_eq!(r.selector.node.text(), "(0019,\"SIEMENS MR HEADER\",0C)");
    }

    #[test]
    fn every_bad_line_is_reported() {
        let (p, d, map) =
            parse_text("PatientName\nPatientID delete ;\nPatientID delete\n(0010,0010 delete\n");
        assert_eq!(p.items.len(), 1);
        assert_eq!(d.len(), 3);
        let msgs: Vec<_> = d
            .iter()
            .map(|x| {
                (
                    x.message.clone(),
                    map.snippet(x.label.as_ref().unwrap().span).to_string(),
                )
            })
            .collect();
        assert_eq!(
            msgs[0].0,
            "expected an action (`keep`, `delete`, `empty`, `replace`, `uid`, `hash`, `shift-date`...)"
        );
        assert_eq!(
            msgs[1],
            (
                "expected the end of the line, an argument, a number or a value in double quotes"
                    .into(),
                ";".into()
            )
        );
        assert_eq!(
            msgs[2],
            ("this tag is not closed".into(), "(0010,0010".into())
        );
    }

    #[test]
    fn only_quote_and_backslash_are_escapes() {
        let (p, d, map) = parse_text(
            "A regexp r\"\\d{4}\" \"X\\\\Y\"\nB replace \"a\\\"b\"\nC regexp \"\\d\" \"\\n\"\n",
        );
        let ItemKind::Rule(r) = &p.items[0].kind else {
            panic!()
        };
        assert_eq!(r.args[0].node.as_str(), Some("\\d{4}"));
        assert_eq!(r.args[1].node.as_str(), Some("X\\Y"));
        let ItemKind::Rule(r) = &p.items[1].kind else {
            panic!()
        };
        assert_eq!(r.args[0].node.as_str(), Some("a\"b"));
        let found: Vec<_> = d
            .iter()
            .map(|x| {
                (
                    x.code,
                    map.snippet(x.label.as_ref().unwrap().span).to_string(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (Code::UnknownEscape, "\\d".to_string()),
                (Code::UnknownEscape, "\\n".to_string())
            ]
        );
    }

    #[test]
    fn unterminated_string() {
        let (_, d, map) = parse_text("PatientID replace \"abc\n");
        let d0 = d.iter().next().unwrap();
        assert_eq!(d0.code, Code::UnterminatedString);
        assert_eq!(map.snippet(d0.label.as_ref().unwrap().span), "\"abc");
    }

    #[test]
    fn reserved_words_need_their_argument() {
        let (_, d, map) = parse_text("default kep\n");
        let d0 = d.iter().next().unwrap();
        assert_eq!(d0.message, "expected `keep` or `delete`");
        assert_eq!(map.snippet(d0.label.as_ref().unwrap().span), "kep");
    }
}
