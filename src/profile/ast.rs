//! The syntax tree of one `.anon` file: what was written, where, and nothing more.
//!
//! No dictionary look-ups and no validation happen here: a selector is kept as the text
//! that was written, an action as its word. Spans are ignored by `==`, so trees parsed
//! from differently formatted text compare equal.

pub use crate::plan::Disposition;
use crate::source::{FileId, Span};

/// A value and the place it was written.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Spanned<T> {}

/// One parsed file.
#[derive(Debug, Clone)]
pub struct Profile {
    pub file: FileId,
    pub items: Vec<Item>,
}

impl PartialEq for Profile {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

/// A statement and the span of the whole statement.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `profile "NAME"`
    Name(Spanned<String>),
    /// `include "PATH"` or `include builtin:NAME`
    Include(Spanned<IncludeTarget>),
    /// `default keep|delete`
    Default(Spanned<Disposition>),
    /// `private keep|delete`
    Private(Spanned<Disposition>),
    /// `option NAME`
    Option(Spanned<String>),
    /// `accept sop-class "UID"`
    Accept(Spanned<String>),
    /// `SELECTOR ACTION ["ARG"...]`
    Rule(Rule),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncludeTarget {
    Path(String),
    Builtin(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub selector: Spanned<Selector>,
    /// The action word as written (a name, an alias or a PS3.15 code).
    pub action: Spanned<String>,
    /// Quoted arguments, unescaped.
    pub args: Vec<Spanned<String>>,
}

/// A selector as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Parenthesised text, like `(0010,0010)` or `(0019,"CREATOR",0C)`.
    Tag(String),
    /// A dictionary keyword, like `PatientName`.
    Keyword(String),
}

impl Selector {
    pub fn text(&self) -> &str {
        match self {
            Selector::Tag(s) | Selector::Keyword(s) => s,
        }
    }
}
