//! Legacy JSON rule files → `.anon` profiles.
//!
//! The old dicom-anonymizer tools took extra rules as JSON, in two forms:
//!
//! - the batch fork's `{"ACTION": [["0xGGGG", "0xEEEE"], ...], ...}`;
//! - the upstream dictionary `{"(0xGGGG, 0xEEEE)": "ACTION"}`, where a value can also be
//!   `{"action": "regexp", "find": "...", "replace": "..."}` or
//!   `{"action": "replace_with_value", "value": "..."}`, and a key can be a 4-tuple
//!   `(group, element, group_mask, element_mask)` (`(0x5000, 0x0000, 0xFF00, 0x0000)` is
//!   `(50xx,xxxx)`).
//!
//! [`json_to_anon`] reads either form, maps the old action names to the language's words
//! (docs/convert.md has the table), and prints one rule per tag in tag order through
//! [`crate::profile::print`], with the attribute's keyword in a comment. Every problem of
//! the input is collected ([`ConvertErrors`]), each naming its JSON path, like
//! `$["(0x0010, 0x0010)"].action`, and what was expected.
//!
//! The output is then parsed and compiled again. Errors the compiler finds in a rule
//! (an action that cannot apply to the attribute's VR, a literal that does not fit it, a
//! rule on the file meta group) are reported against the JSON path of that rule; any
//! other error means the printer wrote something the language does not accept, which is
//! reported as a bug. Warnings (a private element selected by number, ...) are kept as
//! comments above their rule. Nothing is returned unless the output compiles.
//!
//! This module never reads or writes files: `cli/convert.rs` does.

mod actions;
mod lines;
mod read;
mod write;

use std::fmt;

pub use actions::action_mapping;
use read::read;
use write::render;

/// A place in the JSON document, written as `$`, `$.delete[0][1]` or
/// `$["(0x0010, 0x0010)"].action`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonPath(String);

impl JsonPath {
    /// The whole document, `$`.
    pub fn root() -> JsonPath {
        JsonPath("$".to_string())
    }

    /// A member of an object: `.key` for identifier-like keys, `["key"]` otherwise.
    pub fn key(&self, key: &str) -> JsonPath {
        let identifier = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if identifier {
            JsonPath(format!("{}.{key}", self.0))
        } else {
            let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
            JsonPath(format!("{}[{quoted}]", self.0))
        }
    }

    /// An element of an array: `[i]`.
    pub fn index(&self, i: usize) -> JsonPath {
        JsonPath(format!("{}[{i}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One problem with a legacy JSON rule file. Messages name the JSON path and never
/// quote more of the file than the key or value at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ConvertError {
    /// The text is not JSON at all.
    #[error("not JSON at `$`: {reason} (line {line}, column {column})")]
    #[diagnostic(
        code(anon::convert::not_json),
        help(
            "the old rule files are JSON objects; check the quotes, commas and brackets near that place"
        )
    )]
    NotJson {
        reason: String,
        line: usize,
        column: usize,
    },

    /// JSON, but neither of the two legacy forms.
    #[error("unknown rule file form at `{path}`: expected an object, found {found}")]
    #[diagnostic(
        code(anon::convert::unknown_form),
        help(
            "write either the batch fork's form `{{\"delete\": [[\"0x0010\", \"0x0010\"]]}}` or the upstream dictionary `{{\"(0x0010, 0x0010)\": \"delete\"}}`"
        )
    )]
    UnknownForm { path: JsonPath, found: String },

    /// A key of the other form in a file whose first key chose one form.
    #[error(
        "mixed forms at `{path}`: expected {expected}, because the first key makes this the {form}"
    )]
    #[diagnostic(
        code(anon::convert::mixed_forms),
        help(
            "a file is either `{{\"ACTION\": [tags]}}` (batch fork) or `{{\"(0xGGGG, 0xEEEE)\": \"ACTION\"}}` (upstream); split it in two files"
        )
    )]
    MixedForms {
        path: JsonPath,
        expected: &'static str,
        form: &'static str,
    },

    /// An action name the old tools did not have.
    #[error("unknown action `{action}` at `{path}`")]
    #[diagnostic(code(anon::convert::unknown_action))]
    UnknownAction {
        path: JsonPath,
        action: String,
        #[help]
        help: String,
    },

    /// A tag or hex number that cannot be read.
    #[error("bad tag `{text}` at `{path}`: expected {expected}")]
    #[diagnostic(code(anon::convert::bad_tag))]
    BadTag {
        path: JsonPath,
        text: String,
        expected: &'static str,
        #[help]
        help: Option<String>,
    },

    /// A tag with too few or too many numbers.
    #[error("wrong number of values at `{path}`: expected {expected}, found {found}")]
    #[diagnostic(
        code(anon::convert::wrong_arity),
        help(
            "a tag is 2 hex numbers (group, element); a mask is 4 (group, element, group mask, element mask)"
        )
    )]
    WrongArity {
        path: JsonPath,
        expected: &'static str,
        found: usize,
    },

    /// A JSON value of the wrong type.
    #[error("wrong type at `{path}`: expected {expected}, found {found}")]
    #[diagnostic(code(anon::convert::wrong_type))]
    WrongType {
        path: JsonPath,
        expected: &'static str,
        found: &'static str,
        #[help]
        help: Option<String>,
    },

    /// An action object without a field it needs.
    #[error("missing `{field}` at `{path}`")]
    #[diagnostic(code(anon::convert::missing_field))]
    MissingField {
        path: JsonPath,
        field: &'static str,
        #[help]
        help: String,
    },

    /// An action object with a field its action does not take.
    #[error("unexpected field `{field}` at `{path}`")]
    #[diagnostic(code(anon::convert::unexpected_field))]
    UnexpectedField {
        path: JsonPath,
        field: String,
        #[help]
        help: String,
    },

    /// A mask that leaves part of a hex digit open.
    #[error("bad mask at `{path}`: only whole hex digits can be left open")]
    #[diagnostic(
        code(anon::convert::bad_mask),
        help(
            "each hex digit of a mask is `F` (must match) or `0` (any), like `(0x5000, 0x0000, 0xFF00, 0x0000)` for `(50xx,xxxx)`"
        )
    )]
    BadMask { path: JsonPath },

    /// The same tag (or mask) given twice.
    #[error("`{pattern}` is given twice: at `{first}` and at `{path}`")]
    #[diagnostic(
        code(anon::convert::duplicate),
        help("keep one of the two rules; the old tools silently used one of them")
    )]
    Duplicate {
        path: JsonPath,
        first: JsonPath,
        pattern: String,
    },

    /// A value the `.anon` syntax cannot hold (a line break in a string).
    #[error("cannot convert the string at `{path}`: {reason}")]
    #[diagnostic(
        code(anon::convert::unrepresentable),
        help("`.anon` strings are on one line; remove the line break")
    )]
    Unrepresentable {
        path: JsonPath,
        reason: &'static str,
    },

    /// A rule the profile compiler rejects (its message and help are the compiler's).
    #[error("the rule at `{path}` is not valid: {message}")]
    #[diagnostic(code(anon::convert::rejected))]
    Rejected {
        path: JsonPath,
        /// The compiler's diagnostic code, like `anon::compile::action_not_valid_for_vr`.
        compiler_code: &'static str,
        message: String,
        #[help]
        help: Option<String>,
    },

    /// The converted text does not compile for a reason that is not in the input.
    #[error("the converted profile does not compile: {message}")]
    #[diagnostic(
        code(anon::convert::bug),
        help("this is a bug in dicom-anonymizer; please report it with the JSON file")
    )]
    Bug { message: String },
}

impl ConvertError {
    /// The JSON path the problem is at (`$` for the whole document; none for a bug).
    pub fn path(&self) -> Option<&JsonPath> {
        match self {
            ConvertError::UnknownForm { path, .. }
            | ConvertError::MixedForms { path, .. }
            | ConvertError::UnknownAction { path, .. }
            | ConvertError::BadTag { path, .. }
            | ConvertError::WrongArity { path, .. }
            | ConvertError::WrongType { path, .. }
            | ConvertError::MissingField { path, .. }
            | ConvertError::UnexpectedField { path, .. }
            | ConvertError::BadMask { path }
            | ConvertError::Duplicate { path, .. }
            | ConvertError::Unrepresentable { path, .. }
            | ConvertError::Rejected { path, .. } => Some(path),
            ConvertError::NotJson { .. } | ConvertError::Bug { .. } => None,
        }
    }
}

/// Every problem found in one JSON rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("cannot convert `{source_name}`: {}", problems(errors.len()))]
#[diagnostic(code(anon::convert::failed))]
pub struct ConvertErrors {
    /// The name of the input, as given to [`json_to_anon`].
    pub source_name: String,
    #[related]
    pub errors: Vec<ConvertError>,
}

fn problems(n: usize) -> String {
    if n == 1 {
        "1 problem".to_string()
    } else {
        format!("{n} problems")
    }
}

/// A warning the compiler gave on a converted rule; it is also written into the output
/// as a comment above the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertWarning {
    pub path: JsonPath,
    /// The compiler's diagnostic code, like `anon::lint::private_by_number`.
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for ConvertWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}` [{}]", self.message, self.path, self.code)
    }
}

/// A converted rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The `.anon` text; it compiles without errors.
    pub text: String,
    pub warnings: Vec<ConvertWarning>,
}

/// Converts a legacy JSON rule file to `.anon` text (rules only, no `include`: compose
/// it after a base profile). `source_name` is named in the output's header.
///
/// ```
/// let json = r#"{"delete": [["0x0008", "0x0012"]]}"#;
/// let anon = dicom_anonymizer::convert::json_to_anon(json, "extra_rules.json").unwrap();
/// assert!(anon.contains("(0008,0012) delete"));
/// ```
pub fn json_to_anon(json_text: &str, source_name: &str) -> Result<String, ConvertErrors> {
    convert(json_text, source_name).map(|c| c.text)
}

/// [`json_to_anon`] for rules applied as they are (`--extra-rules`): the rules one a
/// line in document order, without comments, and for each line the line of the JSON file
/// where its entry starts, for [`crate::profile::Entry::Converted`] (so that `plan`,
/// `lint` and every diagnostic cite the JSON file's own lines). The same rules as
/// [`json_to_anon`]'s, with the same precedence (rules of one tag keep their order).
pub fn json_to_anon_with_lines(
    json_text: &str,
    source_name: &str,
) -> Result<(String, Vec<u32>), ConvertErrors> {
    convert(json_text, source_name)?;
    let fail = |errors: Vec<ConvertError>| ConvertErrors {
        source_name: source_name.to_string(),
        errors,
    };
    let (_, rules, _) = read(json_text).map_err(fail)?;
    Ok(write::print_with_lines(
        &rules,
        &lines::value_lines(json_text),
    ))
}

/// [`json_to_anon`], with the compiler's warnings on the converted rules.
pub fn convert(json_text: &str, source_name: &str) -> Result<Converted, ConvertErrors> {
    let fail = |errors: Vec<ConvertError>| ConvertErrors {
        source_name: source_name.to_string(),
        errors,
    };
    let (form, rules, mut errors) = read(json_text).map_err(fail)?;
    // the rules that could be read are compiled even when others could not, so that one
    // report holds every problem
    match render(form, &rules, source_name) {
        Ok(converted) if errors.is_empty() => Ok(converted),
        Ok(_) => Err(fail(errors)),
        Err(more) => {
            errors.extend(more);
            Err(fail(errors))
        }
    }
}

#[cfg(test)]
mod tests;
