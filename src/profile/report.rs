//! Renders profile diagnostics for people (miette) and for machines (JSON).
//!
//! Diagnostics carry spans only; here they meet the source text. A diagnostic whose
//! related places are in other files (an include cycle) shows them as related
//! sub-reports, because miette shows one source per report.

use std::fmt;

use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    NamedSource, SourceCode, SourceSpan, SpanContents,
};

use super::diagnostics::{Diagnostic, Diagnostics, Label, Severity};
use crate::source::{FileId, SourceMap, Span};

/// A diagnostic joined with its source text, ready for miette.
#[derive(Debug)]
pub struct Rendered {
    message: String,
    code: &'static str,
    severity: Severity,
    /// a related place rather than a diagnostic of its own
    note: bool,
    help: Option<String>,
    source: Option<NamedSource<Windowed>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            _ if self.note => miette::Severity::Advice,
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &dyn miette::Diagnostic>>
        })
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let text = (!label.text.is_empty()).then(|| label.text.clone());
    if primary {
        LabeledSpan::new_primary_with_span(text, source_span(label.span))
    } else {
        LabeledSpan::new_with_span(text, source_span(label.span))
    }
}

/// A profile's text as miette reads it: each read looks only at the lines around the
/// span (found by binary search), not at the text from its start, and the text is shared,
/// not copied. Rendering thousands of diagnostics of one large file stays linear.
#[derive(Debug)]
struct Windowed {
    text: Arc<str>,
    line_starts: Arc<[u32]>,
}

impl Windowed {
    fn line_of(&self, offset: usize) -> usize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    fn start_of(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .map_or(self.text.len(), |s| *s as usize)
    }
}

impl SourceCode for Windowed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start.saturating_add(span.len()).max(start + 1);
        let first_line = self.line_of(start).saturating_sub(context_lines_before);
        let from = self.start_of(first_line);
        let last_line = self.line_of(end.saturating_sub(1));
        let to = self.start_of(
            last_line
                .saturating_add(context_lines_after)
                .saturating_add(1),
        );
        let window = self
            .text
            .as_bytes()
            .get(from..to.max(from))
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(start.saturating_sub(from).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first_line,
            inner.column(),
            inner.line_count() + first_line,
        )))
    }
}

fn named_source(map: &SourceMap, file: FileId) -> NamedSource<Windowed> {
    NamedSource::new(
        map.name(file),
        Windowed {
            text: map.text(file),
            line_starts: map.line_starts(file),
        },
    )
}

/// Joins a diagnostic with its source.
pub fn render(d: &Diagnostic, map: &SourceMap) -> Rendered {
    let file = d.label.as_ref().map(|l| l.span.file);
    let mut labels = Vec::new();
    let mut related = Vec::new();
    if let Some(l) = &d.label {
        labels.push(labeled(l, true));
    }
    for r in &d.related {
        if Some(r.span.file) == file {
            labels.push(labeled(r, false));
        } else {
            related.push(Rendered {
                message: format!("{}: {}", map.location(r.span), r.text),
                code: "",
                severity: Severity::Warning,
                note: true,
                help: None,
                source: Some(named_source(map, r.span.file)),
                labels: vec![labeled(r, true)],
                related: Vec::new(),
            });
        }
    }
    Rendered {
        message: d.message.clone(),
        code: d.code.as_str(),
        severity: d.severity(),
        note: false,
        help: d.help.clone(),
        source: file.map(|f| named_source(map, f)),
        labels,
        related,
    }
}

/// Renders diagnostics as text. `color` adds ANSI colours (only for a terminal).
pub fn render_human(diags: &Diagnostics, map: &SourceMap, color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width);
    let mut out = String::new();
    for d in diags {
        let r = render(d, map);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&format!("{}: {}\n", d.code.as_str(), d.message));
        }
        out.push('\n');
    }
    out
}

/// `N errors, M warnings`.
pub fn summary(diags: &Diagnostics) -> String {
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("1 {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    format!(
        "{}, {}",
        plural(diags.error_count(), "error"),
        plural(diags.warning_count(), "warning")
    )
}

fn place(map: &SourceMap, span: Span) -> serde_json::Value {
    let (line, column) = map.line_col(span.file, span.start);
    let (end_line, end_column) = map.line_col(span.file, span.end);
    serde_json::json!({
        "file": map.name(span.file),
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

/// Renders diagnostics as a JSON array (stable field names, documented in
/// docs/diagnostics.md; a field that does not apply is `null`).
pub fn render_json(diags: &Diagnostics, map: &SourceMap) -> String {
    serde_json::to_string_pretty(&json_values(diags, map)).unwrap_or_else(|_| "[]".to_string())
}

/// The diagnostics as JSON objects, to put several compilations into one array.
pub fn json_values(diags: &Diagnostics, map: &SourceMap) -> Vec<serde_json::Value> {
    diags
        .iter()
        .map(|d| {
            serde_json::json!({
                "code": d.code.as_str(),
                "severity": match d.severity() { Severity::Error => "error", Severity::Warning => "warning" },
                "message": d.message,
                "help": d.help,
                "label": d.label.as_ref().map(|l| l.text.clone()),
                "location": d.label.as_ref().map(|l| place(map, l.span)),
                "related": d.related.iter().map(|r| {
                    let mut p = place(map, r.span);
                    if let Some(o) = p.as_object_mut() {
                        o.insert("label".into(), r.text.clone().into());
                    }
                    p
                }).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Origin;

    #[test]
    fn rendering_reads_only_the_lines_it_shows() {
        let text: String = (1..=50_000).map(|i| format!("line {i}\n")).collect();
        let mut map = SourceMap::new();
        let id = map.add("big.anon", Origin::Virtual, text.as_str());
        let source = named_source(&map, id);
        let at = text.find("line 40000\n").unwrap();
        let read = source
            .read_span(&SourceSpan::new(at.into(), 4), 2, 2)
            .unwrap();
        // a window of five lines, not the text from its start
        let shown = std::str::from_utf8(read.data()).unwrap();
        assert_eq!(
            shown,
            "line 39998\nline 39999\nline 40000\nline 40001\nline 40002\n"
        );
        assert_eq!(read.line(), 39_997);
        assert_eq!(read.span().offset(), text.find("line 39998\n").unwrap());
        // and a rendered report points at the right line
        let mut diags = Diagnostics::new();
        diags.push(
            Diagnostic::new(super::super::diagnostics::Code::DuplicateRule, "twice")
                .label(Span::new(id, at, at + 4), "here")
                .related(Span::new(id, 0, 4), "first"),
        );
        let out = render_human(&diags, &map, false, 80);
        assert!(out.contains("big.anon:40000:1"), "{out}");
        assert!(out.contains("40000 │ line 40000"), "{out}");
        assert!(out.contains(" 1 │ line 1\n"), "{out}");
    }
}
