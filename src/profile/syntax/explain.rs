//! A line that is not a statement, explained in plain words (never pest rule names).

use super::*;

/// Plain words for what the grammar expected.
pub(super) fn describe(r: Rule) -> Option<&'static str> {
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
        Rule::kw_accept => "`accept`",
        Rule::kw_sop_class => "`sop-class`",
        Rule::kw_pixel => "`pixel`",
        Rule::kw_blackout => "`blackout`",
        Rule::pixel_verdict => "`accept`, `flag`, `reject`",
        Rule::region => "a rectangle like `(0, 0, 640, 48)`",
        Rule::int => "a whole number",
        _ => return None,
    })
}

pub(super) fn join_or(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// End of the token that starts at `pos` in `line` (for a tight underline).
pub(super) fn token_end(line: &str, pos: usize) -> usize {
    let rest = line.get(pos..).unwrap_or("");
    let len = if rest.starts_with('"') {
        rest.len()
    } else {
        rest.find([' ', '\t', '#']).unwrap_or(rest.len())
    };
    pos + len.max(1).min(rest.len().max(1))
}

/// Whether a quote at `pos` opens a string that the line never closes.
pub(super) fn unterminated_quote_at(line: &str, pos: usize) -> bool {
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

pub(super) fn explain_invalid_line(file: FileId, pair: &Pair<'_, Rule>) -> Diagnostic {
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
