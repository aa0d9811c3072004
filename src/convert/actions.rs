//! The old tool's action names: what each becomes in the language, and the error (with a
//! did-you-mean) for one it never had.

use super::{ConvertError, JsonPath};

/// An old action, its word in the language and whether it takes arguments.
#[derive(Debug)]
pub(super) struct OldAction {
    pub(super) name: &'static str,
    pub(super) word: &'static str,
    /// Fields of the action object that give the arguments, in order.
    pub(super) fields: &'static [&'static str],
}

pub(super) const OLD_ACTIONS: &[OldAction] = &[
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

pub(super) fn old_action(name: &str) -> Option<&'static OldAction> {
    OLD_ACTIONS.iter().find(|a| a.name == name)
}

pub(super) fn unknown_action(path: JsonPath, name: &str) -> ConvertError {
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
