//! Profile sources and spans.
//!
//! Every profile text the compiler sees (files, embedded `builtin:` profiles, rules given
//! on the command line) is registered once in a [`SourceMap`] and referred to by a
//! [`FileId`]. Spans are small `Copy` values (file id + byte range); the text is only
//! looked up when a diagnostic is rendered or a `file:line` origin is needed.
//!
//! This module knows nothing about the profile language itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a source in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

/// A byte range in one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest span covering both (same file assumed; otherwise `self`).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Where a source came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk (the path as given, used for relative includes).
    File(PathBuf),
    /// A profile embedded in the binary (`builtin:NAME`).
    Builtin(String),
    /// Text made up by the tool, e.g. a rule given with `-t` (no includes allowed).
    Virtual,
}

#[derive(Debug)]
struct SourceFile {
    name: String,
    origin: Origin,
    text: Arc<str>,
    line_starts: Arc<[u32]>,
    /// For text converted from another file: the line of that file each line stands
    /// for (1-based, by 0-based line of the text); plans and locations cite those.
    shown_lines: Option<Arc<[u32]>>,
}

/// All profile sources of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a source. `name` is what diagnostics and plan origins show.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        origin: Origin,
        text: impl Into<Arc<str>>,
    ) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            name: name.into(),
            origin,
            text,
            line_starts: line_starts.into(),
            shown_lines: None,
        });
        id
    }

    /// [`SourceMap::add`] for text converted from another file (`--extra-rules`): line
    /// `i` of `text` (0-based) stands for line `shown_lines[i]` of that file, which is
    /// what [`SourceMap::location`] cites.
    pub fn add_converted(
        &mut self,
        name: impl Into<String>,
        text: impl Into<Arc<str>>,
        shown_lines: Vec<u32>,
    ) -> FileId {
        let id = self.add(name, Origin::Virtual, text);
        if let Some(f) = self.files.last_mut() {
            f.shown_lines = Some(shown_lines.into());
        }
        id
    }

    fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.file(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn text(&self, id: FileId) -> Arc<str> {
        self.file(id)
            .map_or_else(|| Arc::from(""), |f| f.text.clone())
    }

    /// The byte offset at which each line starts (the first is 0).
    pub fn line_starts(&self, id: FileId) -> Arc<[u32]> {
        self.file(id)
            .map_or_else(|| Arc::from(vec![0u32]), |f| f.line_starts.clone())
    }

    pub fn origin(&self, id: FileId) -> Option<&Origin> {
        self.file(id).map(|f| &f.origin)
    }

    /// The path of a file source (for relative includes and cycle checks).
    pub fn path(&self, id: FileId) -> Option<&Path> {
        match self.origin(id) {
            Some(Origin::File(p)) => Some(p.as_path()),
            _ => None,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: u32) -> (u32, u32) {
        let Some(file) = self.file(id) else {
            return (0, 0);
        };
        let line_idx = match file.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = file.line_starts.get(line_idx).copied().unwrap_or(0);
        let col = file
            .text
            .get(line_start as usize..offset as usize)
            .map_or(0, |s| s.chars().count());
        (
            u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            u32::try_from(col + 1).unwrap_or(u32::MAX),
        )
    }

    /// The text a span covers (empty if out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.file(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// `name:line` of the start of a span, as shown in plans.
    pub fn location(&self, span: Span) -> String {
        let (line, _) = self.line_col(span.file, span.start);
        let shown = self
            .file(span.file)
            .and_then(|f| f.shown_lines.as_ref())
            .and_then(|l| l.get(line.saturating_sub(1) as usize).copied())
            .unwrap_or(line);
        format!("{}:{}", self.name(span.file), shown)
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_chars() {
        let mut map = SourceMap::new();
        let id = map.add("a.anon", Origin::Virtual, "ab\nçd x\n");
        assert_eq!(map.line_col(id, 0), (1, 1));
        assert_eq!(map.line_col(id, 3), (2, 1));
        // "çd " is 4 bytes, 3 chars
        assert_eq!(map.line_col(id, 7), (2, 4));
        assert_eq!(map.snippet(Span::new(id, 3, 6)), "çd");
        assert_eq!(map.location(Span::new(id, 7, 8)), "a.anon:2");
    }
}
