//! Text → syntax tree. The only module that uses pest.
//!
//! The grammar (`grammar/anon.pest`) accepts every input: a line that is not a valid
//! statement becomes an `invalid_line` and parsing goes on, so one report lists every
//! syntax error. Each invalid line is then parsed again on its own with the strict rule,
//! which gives pest's precise "expected ..." position; that error is turned into plain
//! words here (never pest rule names) and shifted back to file offsets.

mod explain;
mod tree;

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::ast::{
    Arg, CmpOp, Cond, Disposition, IncludeTarget, Item, ItemKind, Literal, PixelVerdictText,
    Profile, RegionText, Reject, Rule as AstRule, Selector, Spanned, TableDecl, When,
};
use super::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Span};
use explain::explain_invalid_line;
use tree::{Blocks, child, to_arg, to_cond, to_selector};

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
        Rule::accept_stmt => {
            let uid = tagged(&pair, "uid")?;
            ItemKind::Accept(Spanned::new(
                string_value(file, &uid, diags),
                span_of(file, &uid),
            ))
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
        Rule::pixel_stmt => {
            let regions = pair
                .clone()
                .into_inner()
                .filter(|p| p.as_rule() == Rule::region)
                .map(|r| {
                    let num = |tag| {
                        tagged(&r, tag)
                            .and_then(|p| p.as_str().parse::<i64>().ok())
                            .unwrap_or(i64::MAX)
                    };
                    Spanned::new(
                        RegionText {
                            x: num("x"),
                            y: num("y"),
                            width: num("w"),
                            height: num("h"),
                        },
                        span_of(file, &r),
                    )
                })
                .collect();
            ItemKind::Pixel(regions)
        }
        Rule::pixel_verdict_stmt => {
            use crate::plan::pixel::Verdict;
            let v = tagged(&pair, "verdict")?;
            let verdict = match v.as_str() {
                "accept" => Verdict::Accept,
                "flag" => Verdict::Flag,
                _ => Verdict::Reject,
            };
            let reason = tagged(&pair, "reason")?;
            ItemKind::PixelVerdict(PixelVerdictText {
                verdict: Spanned::new(verdict, span_of(file, &v)),
                reason: Spanned::new(string_value(file, &reason, diags), span_of(file, &reason)),
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
