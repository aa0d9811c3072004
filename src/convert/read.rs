//! Reading the legacy JSON: both forms, old action names, tags and masks.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::actions::{OldAction, old_action, unknown_action};
use super::{ConvertError, JsonPath};
use crate::tag::{TagError, TagPattern, parse_hex_u16};

/// The two legacy forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    Batch,
    Dictionary,
}

impl Form {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Form::Batch => "the batch fork's form, {\"ACTION\": [[\"0xGGGG\", \"0xEEEE\"], ...]}",
            Form::Dictionary => "the upstream dictionary form, {\"(0xGGGG, 0xEEEE)\": ACTION}",
        }
    }
}

/// One rule read from the JSON.
#[derive(Debug, Clone)]
pub(super) struct OldRule {
    pub(super) path: JsonPath,
    pub(super) pattern: TagPattern,
    pub(super) action: &'static OldAction,
    pub(super) args: Vec<String>,
}

/// The members of the top-level object in document order, duplicates included
/// (`serde_json::Value` would keep only the last of two equal keys).
pub(super) struct Members(Vec<(String, Value)>);

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

pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) fn looks_like_tag_key(key: &str) -> bool {
    key.trim_start().starts_with('(')
}

/// Reads either form into the rules that could be read and the problems of the others;
/// `Err` when the text is not a JSON object at all.
pub(super) fn read(
    json_text: &str,
) -> Result<(Form, Vec<OldRule>, Vec<ConvertError>), Vec<ConvertError>> {
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
pub(super) fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    }
}

pub(super) const HEX_EXPECTED: &str = "a hex number like `0x0010`";

pub(super) fn hex(path: &JsonPath, text: &str, errors: &mut Vec<ConvertError>) -> Option<u16> {
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
pub(super) fn pattern_of(
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

pub(super) const TAG_PAIR: &str = "a tag like `[\"0x0010\", \"0x0010\"]`";

/// `"ACTION": [["0xGGGG", "0xEEEE"], ...]`
pub(super) fn read_batch_member(
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

pub(super) fn object_example(a: &OldAction) -> String {
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
pub(super) fn read_dictionary_member(
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
pub(super) fn dictionary_key(
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
pub(super) fn action_object(
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
