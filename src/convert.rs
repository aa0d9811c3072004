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

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::dictionary;
use crate::profile::ast::{ItemKind, Rule, Selector, Spanned};
use crate::profile::{self, Severity, print};
use crate::source::{Origin, SourceMap, Span};
use crate::tag::{TagError, TagPattern, parse_hex_u16};

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

// --- reading the JSON ----------------------------------------------------------------

/// The two legacy forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Batch,
    Dictionary,
}

impl Form {
    fn describe(self) -> &'static str {
        match self {
            Form::Batch => "the batch fork's form, {\"ACTION\": [[\"0xGGGG\", \"0xEEEE\"], ...]}",
            Form::Dictionary => "the upstream dictionary form, {\"(0xGGGG, 0xEEEE)\": ACTION}",
        }
    }
}

/// An old action, its word in the language and whether it takes arguments.
#[derive(Debug)]
struct OldAction {
    name: &'static str,
    word: &'static str,
    /// Fields of the action object that give the arguments, in order.
    fields: &'static [&'static str],
}

const OLD_ACTIONS: &[OldAction] = &[
    OldAction {
        name: "keep",
        word: "keep",
        fields: &[],
    },
    OldAction {
        name: "delete",
        word: "delete",
        fields: &[],
    },
    OldAction {
        name: "empty",
        word: "empty",
        fields: &[],
    },
    OldAction {
        name: "replace",
        word: "replace",
        fields: &[],
    },
    OldAction {
        name: "replace_UID",
        word: "uid",
        fields: &[],
    },
    OldAction {
        name: "empty_or_replace",
        word: "Z/D",
        fields: &[],
    },
    OldAction {
        name: "delete_or_empty",
        word: "X/Z",
        fields: &[],
    },
    OldAction {
        name: "delete_or_replace",
        word: "X/D",
        fields: &[],
    },
    OldAction {
        name: "delete_or_empty_or_replace",
        word: "X/Z/D",
        fields: &[],
    },
    OldAction {
        name: "delete_or_empty_or_replace_UID",
        word: "X/Z/U*",
        fields: &[],
    },
    OldAction {
        name: "regexp",
        word: "regexp",
        fields: &["find", "replace"],
    },
    OldAction {
        name: "replace_with_value",
        word: "replace",
        fields: &["value"],
    },
];

/// The old action names and the words they become, for documentation and tests.
pub fn action_mapping() -> impl Iterator<Item = (&'static str, &'static str)> {
    OLD_ACTIONS.iter().map(|a| (a.name, a.word))
}

fn old_action(name: &str) -> Option<&'static OldAction> {
    OLD_ACTIONS.iter().find(|a| a.name == name)
}

fn unknown_action(path: JsonPath, name: &str) -> ConvertError {
    let mut scored: Vec<(f64, &str)> = OLD_ACTIONS
        .iter()
        .map(|a| {
            let score = if a.name.eq_ignore_ascii_case(name) {
                2.0
            } else {
                strsim::jaro_winkler(&name.to_lowercase(), &a.name.to_lowercase())
            };
            (score, a.name)
        })
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let names: Vec<String> = OLD_ACTIONS
        .iter()
        .map(|a| format!("`{}`", a.name))
        .collect();
    let help = match scored.first() {
        Some((_, best)) => format!(
            "did you mean `{best}`? the old actions are {}",
            names.join(", ")
        ),
        None => format!("the old actions are {}", names.join(", ")),
    };
    ConvertError::UnknownAction {
        path,
        action: name.to_string(),
        help,
    }
}

/// One rule read from the JSON.
#[derive(Debug, Clone)]
struct OldRule {
    path: JsonPath,
    pattern: TagPattern,
    action: &'static OldAction,
    args: Vec<String>,
}

/// The members of the top-level object in document order, duplicates included
/// (`serde_json::Value` would keep only the last of two equal keys).
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    members.push((k, v));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn looks_like_tag_key(key: &str) -> bool {
    key.trim_start().starts_with('(')
}

/// Reads either form into the rules that could be read and the problems of the others;
/// `Err` when the text is not a JSON object at all.
fn read(json_text: &str) -> Result<(Form, Vec<OldRule>, Vec<ConvertError>), Vec<ConvertError>> {
    let value: Value = serde_json::from_str(json_text).map_err(|e| {
        vec![ConvertError::NotJson {
            reason: json_reason(&e),
            line: e.line(),
            column: e.column(),
        }]
    })?;
    if !value.is_object() {
        return Err(vec![ConvertError::UnknownForm {
            path: JsonPath::root(),
            found: kind(&value).to_string(),
        }]);
    }
    let members = serde_json::from_str::<Members>(json_text).map_err(|e| {
        vec![ConvertError::NotJson {
            reason: json_reason(&e),
            line: e.line(),
            column: e.column(),
        }]
    })?;
    let form = match members.0.first() {
        Some((k, _)) if looks_like_tag_key(k) => Form::Dictionary,
        _ => Form::Batch,
    };
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    let root = JsonPath::root();
    for (key, value) in &members.0 {
        let path = root.key(key);
        match (form, looks_like_tag_key(key)) {
            (Form::Batch, false) => read_batch_member(&path, key, value, &mut rules, &mut errors),
            (Form::Dictionary, true) => {
                read_dictionary_member(&path, key, value, &mut rules, &mut errors);
            }
            (Form::Batch, true) => errors.push(ConvertError::MixedForms {
                path,
                expected: "an action name as key",
                form: "batch fork's form",
            }),
            (Form::Dictionary, false) => errors.push(ConvertError::MixedForms {
                path,
                expected: "a tag like `(0x0010, 0x0010)` as key",
                form: "upstream dictionary form",
            }),
        }
    }
    // the same selector twice: the old tools kept one silently
    let mut first: HashMap<TagPattern, JsonPath> = HashMap::new();
    for r in &rules {
        if let Some(f) = first.get(&r.pattern) {
            errors.push(ConvertError::Duplicate {
                path: r.path.clone(),
                first: f.clone(),
                pattern: r.pattern.to_string(),
            });
        } else {
            first.insert(r.pattern.clone(), r.path.clone());
        }
    }
    Ok((form, rules, errors))
}

/// serde_json's message without its " at line L column C" suffix (given separately).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

const HEX_EXPECTED: &str = "a hex number like `0x0010`";

fn hex(path: &JsonPath, text: &str, errors: &mut Vec<ConvertError>) -> Option<u16> {
    match parse_hex_u16(text) {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(ConvertError::BadTag {
                path: path.clone(),
                text: text.to_string(),
                expected: HEX_EXPECTED,
                help: Some("4 hex digits, with or without `0x`".to_string()),
            });
            None
        }
    }
}

/// A tag or mask from 2 or 4 numbers (`path` is where the numbers are).
fn pattern_of(
    path: &JsonPath,
    numbers: &[u16],
    errors: &mut Vec<ConvertError>,
) -> Option<TagPattern> {
    let result = match numbers {
        [g, e] => TagPattern::from_value_mask(*g, *e, 0xFFFF, 0xFFFF),
        [g, e, gm, em] => TagPattern::from_value_mask(*g, *e, *gm, *em),
        _ => return None,
    };
    match result {
        Ok(p) => Some(p),
        Err(TagError::MaskNotNibbleAligned) => {
            errors.push(ConvertError::BadMask { path: path.clone() });
            None
        }
        Err(e) => {
            errors.push(ConvertError::BadTag {
                path: path.clone(),
                text: format!("{numbers:04X?}"),
                expected: "a tag or a mask",
                help: Some(e.to_string()),
            });
            None
        }
    }
}

const TAG_PAIR: &str = "a tag like `[\"0x0010\", \"0x0010\"]`";

/// `"ACTION": [["0xGGGG", "0xEEEE"], ...]`
fn read_batch_member(
    path: &JsonPath,
    key: &str,
    value: &Value,
    rules: &mut Vec<OldRule>,
    errors: &mut Vec<ConvertError>,
) {
    let action = match old_action(key) {
        Some(a) if !a.fields.is_empty() => {
            errors.push(ConvertError::MissingField {
                path: path.clone(),
                field: a.fields.first().copied().unwrap_or("value"),
                help: format!(
                    "`{key}` needs arguments, which the batch form cannot give; write it in the upstream form: {}",
                    object_example(a)
                ),
            });
            None
        }
        Some(a) => Some(a),
        None => {
            errors.push(unknown_action(path.clone(), key));
            None
        }
    };
    let Value::Array(items) = value else {
        errors.push(ConvertError::WrongType {
            path: path.clone(),
            expected: "a list of tags like `[[\"0x0010\", \"0x0010\"]]`",
            found: kind(value),
            help: None,
        });
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let ipath = path.index(i);
        let Value::Array(parts) = item else {
            errors.push(ConvertError::WrongType {
                path: ipath,
                expected: TAG_PAIR,
                found: kind(item),
                help: None,
            });
            continue;
        };
        if parts.len() != 2 && parts.len() != 4 {
            errors.push(ConvertError::WrongArity {
                path: ipath,
                expected: "2 hex strings `[\"0xGGGG\", \"0xEEEE\"]`",
                found: parts.len(),
            });
            continue;
        }
        let mut numbers = Vec::with_capacity(parts.len());
        for (j, part) in parts.iter().enumerate() {
            let ppath = ipath.index(j);
            match part {
                Value::String(s) => numbers.extend(hex(&ppath, s, errors)),
                // the old tool also wrote tags as JSON integers (Python's ints): `[16, 16]`
                Value::Number(n) if n.as_u64().is_some_and(|v| v <= 0xFFFF) => {
                    numbers.extend(n.as_u64().and_then(|v| u16::try_from(v).ok()));
                }
                other => errors.push(ConvertError::WrongType {
                    path: ppath,
                    expected: "a hex string like `\"0x0010\"` or an integer from 0 to 65535",
                    found: kind(other),
                    help: Some(
                        "write the number as a string in hex, like `\"0x0010\"`, or as a decimal integer, like `16`".to_string(),
                    ),
                }),
            }
        }
        if numbers.len() != parts.len() {
            continue;
        }
        if let (Some(pattern), Some(action)) = (pattern_of(&ipath, &numbers, errors), action) {
            rules.push(OldRule {
                path: ipath,
                pattern,
                action,
                args: Vec::new(),
            });
        }
    }
}

fn object_example(a: &OldAction) -> String {
    let fields: Vec<String> = a
        .fields
        .iter()
        .map(|f| format!("\"{f}\": \"...\""))
        .collect();
    format!(
        "`{{\"(0xGGGG, 0xEEEE)\": {{\"action\": \"{}\", {}}}}}`",
        a.name,
        fields.join(", ")
    )
}

/// `"(0xGGGG, 0xEEEE)": "ACTION"` or `{"action": ..., ...}`
fn read_dictionary_member(
    path: &JsonPath,
    key: &str,
    value: &Value,
    rules: &mut Vec<OldRule>,
    errors: &mut Vec<ConvertError>,
) {
    let pattern = dictionary_key(path, key, errors);
    let action = match value {
        Value::String(name) => match old_action(name) {
            Some(a) if !a.fields.is_empty() => {
                errors.push(ConvertError::MissingField {
                    path: path.clone(),
                    field: a.fields.first().copied().unwrap_or("value"),
                    help: format!("`{name}` needs arguments: write {}", object_example(a)),
                });
                None
            }
            Some(a) => Some((a, Vec::new())),
            None => {
                errors.push(unknown_action(path.clone(), name));
                None
            }
        },
        Value::Object(fields) => action_object(path, fields, errors),
        other => {
            errors.push(ConvertError::WrongType {
                path: path.clone(),
                expected: "an action name or an action object",
                found: kind(other),
                help: Some(
                    "write `\"delete\"`, or `{\"action\": \"regexp\", \"find\": \"...\", \"replace\": \"...\"}`"
                        .to_string(),
                ),
            });
            None
        }
    };
    if let (Some(pattern), Some((action, args))) = (pattern, action) {
        rules.push(OldRule {
            path: path.clone(),
            pattern,
            action,
            args,
        });
    }
}

/// `(0xGGGG, 0xEEEE)` or `(0xGGGG, 0xEEEE, 0xMMMM, 0xMMMM)`.
fn dictionary_key(
    path: &JsonPath,
    key: &str,
    errors: &mut Vec<ConvertError>,
) -> Option<TagPattern> {
    let Some(inner) = key
        .trim()
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
    else {
        errors.push(ConvertError::BadTag {
            path: path.clone(),
            text: key.to_string(),
            expected: "a tag like `(0x0010, 0x0010)`",
            help: Some("the upstream form writes tags as Python tuples of hex numbers".to_string()),
        });
        return None;
    };
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() != 2 && parts.len() != 4 {
        errors.push(ConvertError::WrongArity {
            path: path.clone(),
            expected: "2 numbers `(group, element)` or 4 `(group, element, group mask, element mask)`",
            found: parts.len(),
        });
        return None;
    }
    let before = errors.len();
    let numbers: Vec<u16> = parts.iter().filter_map(|p| hex(path, p, errors)).collect();
    if errors.len() != before {
        return None;
    }
    pattern_of(path, &numbers, errors)
}

/// `{"action": "regexp", "find": "...", "replace": "..."}` and the like.
fn action_object(
    path: &JsonPath,
    fields: &serde_json::Map<String, Value>,
    errors: &mut Vec<ConvertError>,
) -> Option<(&'static OldAction, Vec<String>)> {
    let apath = path.key("action");
    let action = match fields.get("action") {
        None => {
            errors.push(ConvertError::MissingField {
                path: path.clone(),
                field: "action",
                help: "an action object names its action: `{\"action\": \"regexp\", \"find\": \"...\", \"replace\": \"...\"}`".to_string(),
            });
            None
        }
        Some(Value::String(name)) => match old_action(name) {
            Some(a) => Some(a),
            None => {
                errors.push(unknown_action(apath, name));
                None
            }
        },
        Some(other) => {
            errors.push(ConvertError::WrongType {
                path: apath,
                expected: "an action name",
                found: kind(other),
                help: None,
            });
            None
        }
    };
    let action = action?;
    let mut ok = true;
    for name in fields.keys() {
        if name != "action" && !action.fields.contains(&name.as_str()) {
            ok = false;
            let takes = if action.fields.is_empty() {
                format!("`{}` takes no arguments", action.name)
            } else {
                let list: Vec<String> = action.fields.iter().map(|f| format!("`{f}`")).collect();
                format!("`{}` takes {}", action.name, list.join(" and "))
            };
            errors.push(ConvertError::UnexpectedField {
                path: path.key(name),
                field: name.clone(),
                help: takes,
            });
        }
    }
    let mut args = Vec::new();
    for field in action.fields {
        let fpath = path.key(field);
        match fields.get(*field) {
            Some(Value::String(s)) => {
                if s.contains(['\n', '\r']) {
                    ok = false;
                    errors.push(ConvertError::Unrepresentable {
                        path: fpath,
                        reason: "it holds a line break",
                    });
                } else {
                    args.push(s.clone());
                }
            }
            Some(Value::Number(n)) if *field == "value" => args.push(n.to_string()),
            Some(other) => {
                ok = false;
                errors.push(ConvertError::WrongType {
                    path: fpath,
                    expected: "a string",
                    found: kind(other),
                    help: None,
                });
            }
            None => {
                ok = false;
                errors.push(ConvertError::MissingField {
                    path: path.clone(),
                    field,
                    help: format!("write {}", object_example(action)),
                });
            }
        }
    }
    ok.then_some((action, args))
}

// --- writing the profile -------------------------------------------------------------

/// What a rule's comment says about the attribute.
fn describe(p: &TagPattern) -> String {
    match p {
        TagPattern::Exact(t) if t.group() % 2 == 1 => "private element".to_string(),
        TagPattern::Exact(t) => dictionary::keyword_of(*t)
            .unwrap_or("not in the standard dictionary")
            .to_string(),
        other => match dictionary::entries_matching(other).as_slice() {
            [] => "matches no standard attribute".to_string(),
            [one] => one.keyword.to_string(),
            [first, rest @ ..] => format!("{} attributes: {}, ...", rest.len() + 1, first.keyword),
        },
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Prints the rules (with `warnings` as comments above their rule), returning the text
/// and, for each printed rule line (1-based), the JSON path it came from.
fn print_rules(
    form: Form,
    rules: &[&OldRule],
    source_name: &str,
    warnings: &HashMap<JsonPath, Vec<ConvertWarning>>,
) -> (String, HashMap<u32, JsonPath>) {
    let mut map = SourceMap::new();
    let span = Span::new(map.add(source_name, Origin::Virtual, ""), 0, 0);
    let statements: Vec<String> = rules
        .iter()
        .map(|r| {
            print::print_item(&ItemKind::Rule(Rule {
                selector: Spanned::new(Selector::Tag(r.pattern.to_string()), span),
                action: Spanned::new(r.action.word.to_string(), span),
                args: r
                    .args
                    .iter()
                    .map(|a| Spanned::new(a.clone(), span))
                    .collect(),
            }))
        })
        .collect();
    let column = statements
        .iter()
        .map(|s| s.chars().count() + 2)
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = vec![
        format!(
            "# Converted by `dicom-anonymizer convert` from `{}`,",
            one_line(source_name)
        ),
        format!("# {}.", form.describe()),
        "# Old action names are mapped as docs/convert.md says; a comment gives the old name"
            .to_string(),
        "# where it differs. Rules only: compose this file after a base profile, e.g.".to_string(),
        "#   dicom-anonymizer run --profile builtin:basic --profile THIS.anon SRC DST".to_string(),
        String::new(),
    ];
    if rules.is_empty() {
        lines.push("# (the file has no rules)".to_string());
    }
    let mut paths = HashMap::new();
    for (rule, statement) in rules.iter().zip(&statements) {
        for w in warnings.get(&rule.path).into_iter().flatten() {
            lines.push(format!("# warning [{}]: {}", w.code, one_line(&w.message)));
        }
        let mut comment = describe(&rule.pattern);
        if rule.action.name != rule.action.word {
            comment.push_str(&format!(" (was {})", rule.action.name));
        }
        lines.push(print::with_comment(statement, &comment, column));
        paths.insert(
            u32::try_from(lines.len()).unwrap_or(u32::MAX),
            rule.path.clone(),
        );
    }
    let mut text = lines.join("\n");
    text.push('\n');
    (text, paths)
}

/// The JSON path of the rule a diagnostic points at, if it points at a rule line.
fn path_of(
    d: &profile::Diagnostic,
    sources: &SourceMap,
    paths: &HashMap<u32, JsonPath>,
) -> Option<JsonPath> {
    let label = d.label.as_ref()?;
    let (line, _) = sources.line_col(label.span.file, label.span.start);
    paths.get(&line).cloned()
}

/// Prints the rules, compiles the text, and maps what the compiler says back to paths.
fn render(
    form: Form,
    rules: &[OldRule],
    source_name: &str,
) -> Result<Converted, Vec<ConvertError>> {
    let mut sorted: Vec<&OldRule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.pattern.sort_key());
    let mut warnings: HashMap<JsonPath, Vec<ConvertWarning>> = HashMap::new();
    // pass 1 finds the warnings; pass 2 writes them in and must give the same ones
    for pass in 0..2 {
        let (text, paths) = print_rules(form, &sorted, source_name, &warnings);
        let compiled = profile::compile_str(source_name, &text);
        let mut errors = Vec::new();
        let mut found: Vec<ConvertWarning> = Vec::new();
        for d in &compiled.diagnostics {
            let path = path_of(d, &compiled.sources, &paths);
            match (d.severity(), path) {
                (Severity::Error, Some(path)) => errors.push(ConvertError::Rejected {
                    path,
                    compiler_code: d.code.as_str(),
                    message: d.message.clone(),
                    help: d.help.clone(),
                }),
                (Severity::Warning, Some(path)) => found.push(ConvertWarning {
                    path,
                    code: d.code.as_str(),
                    message: d.message.clone(),
                }),
                (_, None) => errors.push(ConvertError::Bug {
                    message: format!("{}: {}", d.code.as_str(), d.message),
                }),
            }
        }
        if !errors.is_empty() {
            let position: HashMap<&JsonPath, usize> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| (&r.path, i))
                .collect();
            errors.sort_by_key(|e| e.path().and_then(|p| position.get(p).copied()));
            return Err(errors);
        }
        if compiled.plan.is_none() {
            return Err(vec![ConvertError::Bug {
                message: "no plan and no error".to_string(),
            }]);
        }
        let mut by_path: HashMap<JsonPath, Vec<ConvertWarning>> = HashMap::new();
        for w in &found {
            by_path.entry(w.path.clone()).or_default().push(w.clone());
        }
        if pass == 0 && !found.is_empty() {
            warnings = by_path;
            continue;
        }
        if by_path != warnings {
            return Err(vec![ConvertError::Bug {
                message: "the warnings changed when they were written into the output".to_string(),
            }]);
        }
        // warnings in the order of the input
        let position: HashMap<&JsonPath, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (&r.path, i))
            .collect();
        found.sort_by_key(|w| position.get(&w.path).copied().unwrap_or(usize::MAX));
        return Ok(Converted {
            text,
            warnings: found,
        });
    }
    Err(vec![ConvertError::Bug {
        message: "the conversion did not settle".to_string(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        let root = JsonPath::root();
        assert_eq!(
            root.key("delete").index(0).index(1).as_str(),
            "$.delete[0][1]"
        );
        assert_eq!(
            root.key("(0x0010, 0x0010)").key("action").as_str(),
            "$[\"(0x0010, 0x0010)\"].action"
        );
        assert_eq!(root.key("a\"b").as_str(), "$[\"a\\\"b\"]");
    }

    #[test]
    fn every_old_action_has_a_word_the_compiler_knows() {
        for (name, word) in action_mapping() {
            let args = match name {
                "regexp" => " \"a\" \"b\"",
                "replace_with_value" => " \"X\"",
                _ => "",
            };
            let text = format!("(0008,0018) {word}{args}\n");
            let target = if word == "uid" || word == "X/Z/U*" {
                text
            } else {
                format!("(0010,0010) {word}{args}\n")
            };
            let compiled = profile::compile_str("t.anon", &target);
            assert!(
                compiled.diagnostics.is_empty(),
                "{name}: {:?}",
                compiled.diagnostics
            );
        }
    }
}
