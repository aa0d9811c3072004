//! Syntax tree → canonical `.anon` text.
//!
//! Used by the JSON converter, by round-trip tests (`parse → print → parse` gives the
//! same tree), and by anything else that writes profiles. Comments are not part of the
//! tree, so they are not printed; callers add their own with [`with_comment`].

use super::ast::{IncludeTarget, ItemKind, Profile};

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
                s.push_str(&quote(&a.node));
            }
            s
        }
    }
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

/// A whole file, one statement per line.
pub fn print(profile: &Profile) -> String {
    let mut out = String::new();
    for item in &profile.items {
        out.push_str(&print_item(&item.kind));
        out.push('\n');
    }
    out
}
