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
    /// `SELECTOR ACTION [ARG...]`
    Rule(Rule),
    /// `table NAME "FILE.csv" key COLUMN value COLUMN`
    Table(TableDecl),
    /// `reject when CONDITION "REASON"`
    Reject(Reject),
    /// `when CONDITION { ... }`: a block of statements, nested as written.
    When(When),
    /// `pixel blackout (X, Y, W, H), ...`
    Pixel(Vec<Spanned<RegionText>>),
    /// `pixel accept|flag|reject "REASON"`
    PixelVerdict(PixelVerdictText),
}

/// `pixel accept|flag|reject "REASON"` as written.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelVerdictText {
    pub verdict: Spanned<crate::plan::pixel::Verdict>,
    pub reason: Spanned<String>,
}

/// `(X, Y, W, H)` as written (signed, so that a negative size can be reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionText {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

/// `table NAME "FILE.csv" key COLUMN value COLUMN`
#[derive(Debug, Clone, PartialEq)]
pub struct TableDecl {
    pub name: Spanned<String>,
    pub file: Spanned<String>,
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

/// `reject when CONDITION "REASON"`
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub condition: Spanned<Cond>,
    pub reason: Spanned<String>,
}

/// `when CONDITION {` ... `}`
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    pub condition: Spanned<Cond>,
    pub items: Vec<Item>,
}

/// A condition as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Spanned<Cond>>),
    Or(Vec<Spanned<Cond>>),
    Not(Box<Spanned<Cond>>),
    /// `exists ATTRIBUTE`
    Exists(Spanned<Selector>),
    /// `ATTRIBUTE OP LITERAL`
    Compare {
        subject: Spanned<Selector>,
        op: Spanned<CmpOp>,
        value: Spanned<Literal>,
    },
    /// `ATTRIBUTE in (LITERAL, ...)`
    In {
        subject: Spanned<Selector>,
        values: Vec<Spanned<Literal>>,
    },
}

/// A comparison operator of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: the regular expression matches.
    Matches,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Matches => "~",
        }
    }
}

/// A literal of a condition: a string or a number as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Str(String),
    Number(String),
}

/// An argument of an action as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// `"TEXT"` or `r"TEXT"`, unescaped.
    Str(String),
    /// A bare word, like `days` or a table name.
    Word(String),
    /// A number as written, like `8` or `-3`.
    Number(String),
    /// `A..B`, whole numbers.
    Range(i64, i64),
}

impl Arg {
    /// The text of a string argument.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Arg::Str(s) => Some(s),
            _ => None,
        }
    }
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
    /// Arguments in order: strings (unescaped), words, numbers, ranges.
    pub args: Vec<Spanned<Arg>>,
}

/// A selector as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Parenthesised text, like `(0010,0010)` or `(0019,"CREATOR",0C)`.
    Tag(String),
    /// A dictionary keyword, like `PatientName`.
    Keyword(String),
    /// `Seq/Tag`, `**/TextValue`: the text as written (steps are tags or keywords).
    Path(String),
    /// `vr PN`: the VR's two letters.
    Vr(String),
}

impl Selector {
    /// The selector as written (`vr PN` for a VR selector).
    pub fn text(&self) -> String {
        match self {
            Selector::Tag(s) | Selector::Keyword(s) | Selector::Path(s) => s.clone(),
            Selector::Vr(v) => format!("vr {v}"),
        }
    }
}
