//! Every diagnostic of the profile layer: the stable codes, the [`Diagnostic`] value,
//! and [`Diagnostics`], the collection each compiler pass adds to.
//!
//! Messages follow one style: lower case, no final period, user text in backticks,
//! the fix in `help`. Each code is documented in docs/diagnostics.md (a test checks
//! that every code has its section). Codes never change once released.
//!
//! Diagnostics hold spans, not text: they are rendered against the [`SourceMap`]
//! (`report.rs`). A profile is not PHI, so quoting it is fine; DICOM values never
//! reach this layer.
//!
//! [`SourceMap`]: crate::source::SourceMap

use crate::source::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident; )*) => {
        /// The stable identifier of each kind of diagnostic.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as shown to users, like `anon::compile::unknown_keyword`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// Errors stop a profile from compiling; warnings do not (unless denied).
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
        }
    };
}

codes! {
    /// A line that is not a statement.
    InvalidLine = "anon::syntax::invalid_line", Error;
    /// A string without its closing quote.
    UnterminatedString = "anon::syntax::unterminated_string", Error;
    /// A backslash sequence in a quoted string other than `\"` and `\\`.
    UnknownEscape = "anon::syntax::unknown_escape", Error;
    /// A `}` that closes no `when` block, or a `when` block never closed.
    UnbalancedBlock = "anon::syntax::unbalanced_block", Error;
    /// A statement that cannot be inside a `when` block (`include`, `table`, ...).
    MisplacedStatement = "anon::syntax::misplaced_statement", Error;
    /// An include whose file does not exist or cannot be read.
    IncludeNotFound = "anon::include::not_found", Error;
    /// A chain of includes that comes back to a file already being read.
    IncludeCycle = "anon::include::cycle", Error;
    /// A chain of nested includes deeper than the limit.
    IncludeTooDeep = "anon::include::too_deep", Error;
    /// `builtin:NAME` with a name the tool does not have.
    UnknownBuiltin = "anon::include::unknown_builtin", Error;
    /// A built-in profile that names a PS3.15 option the tool does not implement yet.
    UnsupportedBuiltin = "anon::include::unsupported", Error;
    /// A relative include where there is no file to be relative to.
    IncludeNotAllowed = "anon::include::not_allowed", Error;
    /// A selector that is not a well-formed tag, mask or private-creator selector.
    BadTag = "anon::compile::bad_tag", Error;
    /// A keyword that is not in the standard data dictionary.
    UnknownKeyword = "anon::compile::unknown_keyword", Error;
    /// A private-creator selector on an even (public) group.
    CreatorOnEvenGroup = "anon::compile::creator_on_even_group", Error;
    /// A rule on group 0002: the file meta information is managed by the tool.
    FileMetaRule = "anon::compile::file_meta_rule", Error;
    /// A selector for something that is not a data element of a data set.
    NotADataElement = "anon::compile::not_a_data_element", Error;
    /// An action name the language does not know.
    UnknownAction = "anon::compile::unknown_action", Error;
    /// An action given the wrong number of quoted arguments.
    WrongArguments = "anon::compile::wrong_arguments", Error;
    /// An action that cannot apply to the element's VR.
    ActionNotValidForVr = "anon::compile::action_not_valid_for_vr", Error;
    /// A literal value that the element's VR does not allow.
    LiteralNotValidForVr = "anon::compile::literal_not_valid_for_vr", Error;
    /// A `regexp` whose pattern does not compile.
    BadRegex = "anon::compile::bad_regex", Error;
    /// `profile`, `default` or `private` given twice in one file.
    DuplicateStatement = "anon::compile::duplicate_statement", Error;
    /// `option NAME` with a name that is not a PS3.15 option.
    UnknownOption = "anon::compile::unknown_option", Error;
    /// A profile name too long for De-identification Method (LO, 64 characters).
    ProfileNameTooLong = "anon::compile::profile_name_too_long", Error;
    /// A `lookup` or `shift-date by table` naming a table that was not declared.
    UnknownTable = "anon::compile::unknown_table", Error;
    /// A table file that cannot be read, lacks a column or repeats a key.
    TableFile = "anon::compile::table_file", Error;
    /// A condition that tests a sequence.
    ConditionOnSequence = "anon::compile::condition_on_sequence", Error;
    /// A parameter of an action that is out of range or does not fit the VR.
    BadParameter = "anon::compile::bad_parameter", Error;
    /// An `option` the plan does not satisfy (PS3.15 Table E.1-1).
    ClaimNotSatisfied = "anon::conformance::claim_not_satisfied", Error;
    /// An `option` of a built-in profile that a later rule breaks: the outputs do not claim it.
    ClaimWithdrawn = "anon::conformance::claim_withdrawn", Warning;
    /// `accept sop-class "UID"` with a value that is not a UID.
    BadSopClass = "anon::compile::bad_sop_class", Error;
    /// `accept sop-class "UID"`: those documents are written without their content de-identified.
    DocumentAccepted = "anon::lint::document_accepted", Warning;
    /// Two rules for the same selector in one file.
    DuplicateRule = "anon::lint::duplicate_rule", Warning;
    /// A rule that can never change the output.
    NoEffect = "anon::lint::no_effect", Warning;
    /// A mask that matches no attribute of the standard dictionary.
    MaskMatchesNothing = "anon::lint::mask_matches_nothing", Warning;
    /// A keyword of a retired attribute.
    RetiredKeyword = "anon::lint::retired_keyword", Warning;
    /// A table that no rule uses.
    UnusedTable = "anon::lint::unused_table", Warning;
    /// A rule in a `when` block overridden by a later rule outside any block.
    ShadowedRule = "anon::lint::shadowed_rule", Warning;
    /// A path rule under a sequence the plan removes.
    PathUnderRemovedSequence = "anon::lint::path_under_removed_sequence", Warning;
    /// A condition that can never hold.
    NeverHolds = "anon::lint::never_holds", Warning;
    /// A `when` block without rules.
    BlockChangesNothing = "anon::lint::block_changes_nothing", Warning;
    /// A `pixel blackout` rectangle with a negative position or a size below 1.
    PixelRegion = "anon::compile::pixel_region", Error;
    /// A `pixel blackout` rectangle that reaches past the Rows/Columns its condition pins.
    PixelRegionOutside = "anon::lint::pixel_region_outside", Warning;
    /// A private element selected by its number instead of by its creator.
    PrivateByNumber = "anon::lint::private_by_number", Warning;
}

/// A labelled place in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// One problem found in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    /// The place the problem is (absent when there is no text to point at, e.g. a
    /// profile file that cannot be opened).
    pub label: Option<Label>,
    /// Other places that explain it (the first rule of a duplicate, an include chain).
    pub related: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.label = Some(Label {
            span,
            text: text.into(),
        });
        self
    }

    pub fn related(mut self, span: Span, text: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// All diagnostics of a compilation, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Sorts by file and position (stable for the same place), so reports read top down.
    pub fn sort(&mut self) {
        self.0
            .sort_by_key(|d| d.label.as_ref().map(|l| (l.span.file, l.span.start)));
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// "did you mean" text for a list of suggestions.
pub fn did_you_mean(suggestions: &[String]) -> Option<String> {
    match suggestions {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        many => Some(format!(
            "did you mean one of {}?",
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
