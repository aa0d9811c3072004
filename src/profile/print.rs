//! Syntax tree → canonical `.anon` text.
//!
//! Used by the JSON converter, by round-trip tests (`parse → print → parse` gives the
//! same tree), and by anything else that writes profiles. Comments are not part of the
//! tree, so they are not printed; callers add their own with [`with_comment`].

use super::ast::{Arg, Cond, IncludeTarget, Item, ItemKind, Literal, Profile};

/// A string literal in the language's syntax: a raw string `r"..."` when the text has
/// backslashes and no quote (regexes read as written), else a quoted string with `\\`
/// and `\"` escaped.
pub fn quote(s: &str) -> String {
    if s.contains('\\') && !s.contains('"') {
        return format!("r\"{s}\"");
    }
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One statement, without comment or line break.
pub fn print_item(item: &ItemKind) -> String {
    match item {
        ItemKind::Name(n) => format!("profile {}", quote(&n.node)),
        ItemKind::Include(t) => match &t.node {
            IncludeTarget::Builtin(n) => format!("include builtin:{n}"),
            IncludeTarget::Path(p) => format!("include {}", quote(p)),
        },
        ItemKind::Default(d) => format!("default {}", d.node.as_str()),
        ItemKind::Private(d) => format!("private {}", d.node.as_str()),
        ItemKind::Option(o) => format!("option {}", o.node),
        ItemKind::Accept(u) => format!("accept sop-class {}", quote(&u.node)),
        ItemKind::Rule(r) => {
            let mut s = format!("{} {}", r.selector.node.text(), r.action.node);
            for a in &r.args {
                s.push(' ');
                s.push_str(&print_arg(&a.node));
            }
            s
        }
        ItemKind::Table(t) => format!(
            "table {} {} key {} value {}",
            t.name.node,
            quote(&t.file.node),
            column(&t.key.node),
            column(&t.value.node)
        ),
        ItemKind::Reject(r) => format!(
            "reject when {} {}",
            print_cond(&r.condition.node),
            quote(&r.reason.node)
        ),
        ItemKind::When(w) => format!("when {} {{", print_cond(&w.condition.node)),
        ItemKind::PixelVerdict(v) => {
            format!("pixel {} {}", v.verdict.node.name(), quote(&v.reason.node))
        }
        ItemKind::Pixel(regions) => format!(
            "pixel blackout {}",
            regions
                .iter()
                .map(|r| format!(
                    "({}, {}, {}, {})",
                    r.node.x, r.node.y, r.node.width, r.node.height
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A CSV column name: bare when it can be, else quoted.
fn column(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if bare { name.to_string() } else { quote(name) }
}

/// An action argument as written.
pub fn print_arg(a: &Arg) -> String {
    match a {
        Arg::Str(s) => quote(s),
        Arg::Word(w) | Arg::Number(w) => w.clone(),
        Arg::Range(a, b) => format!("{a}..{b}"),
    }
}

fn print_literal(l: &Literal) -> String {
    match l {
        Literal::Str(s) => quote(s),
        Literal::Number(n) => n.clone(),
    }
}

/// A condition in the language's syntax, parenthesised where precedence needs it
/// (`not` binds tighter than `and`, `and` tighter than `or`).
pub fn print_cond(c: &Cond) -> String {
    fn part(c: &Cond, parent: u8) -> String {
        let (text, level) = match c {
            Cond::Or(cs) => (
                cs.iter()
                    .map(|x| part(&x.node, 1))
                    .collect::<Vec<_>>()
                    .join(" or "),
                1,
            ),
            Cond::And(cs) => (
                cs.iter()
                    .map(|x| part(&x.node, 2))
                    .collect::<Vec<_>>()
                    .join(" and "),
                2,
            ),
            Cond::Not(x) => (format!("not {}", part(&x.node, 3)), 3),
            Cond::Exists(s) => (format!("exists {}", s.node.text()), 4),
            Cond::Compare { subject, op, value } => (
                format!(
                    "{} {} {}",
                    subject.node.text(),
                    op.node.as_str(),
                    print_literal(&value.node)
                ),
                4,
            ),
            Cond::In { subject, values } => (
                format!(
                    "{} in ({})",
                    subject.node.text(),
                    values
                        .iter()
                        .map(|v| print_literal(&v.node))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                4,
            ),
        };
        if level < parent {
            format!("({text})")
        } else {
            text
        }
    }
    part(c, 0)
}

/// A statement followed by a `#` comment, the comment aligned at `column`.
pub fn with_comment(statement: &str, comment: &str, column: usize) -> String {
    let comment = comment.replace(['\n', '\r'], " ");
    if comment.is_empty() {
        return statement.to_string();
    }
    let pad = column.saturating_sub(statement.chars().count()).max(1);
    format!("{statement}{}# {comment}", " ".repeat(pad))
}

/// A whole file, one statement per line (the statements of a `when` block indented).
pub fn print(profile: &Profile) -> String {
    let mut out = String::new();
    print_items(&profile.items, 0, &mut out);
    out
}

fn print_items(items: &[Item], depth: usize, out: &mut String) {
    for item in items {
        out.push_str(&"    ".repeat(depth));
        out.push_str(&print_item(&item.kind));
        out.push('\n');
        if let ItemKind::When(w) = &item.kind {
            print_items(&w.items, depth + 1, out);
            out.push_str(&"    ".repeat(depth));
            out.push_str("}\n");
        }
    }
}
