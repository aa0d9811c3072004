//! Coverage: what the profile did not decide. Attributes that only `default keep` kept
//! (tag, keyword, VR, number of files), private blocks seen and what became of them, SOP
//! classes and transfer syntaxes seen, outcomes. Built from the engine's facts (works
//! with `--dry-run`, so a new data source can be reviewed before a file is written).
//! It holds tags, creators, UIDs of classes and syntaxes, and counts: never a value.

use std::collections::BTreeMap;
use std::sync::Mutex;

use dicom_core::dictionary::{UidDictionary, UidDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use serde::Serialize;

use crate::io::report::FileOutcome;

#[derive(Debug, Default)]
struct Totals {
    files: u64,
    applied: u64,
    outcomes: BTreeMap<String, u64>,
    kept_by_default: BTreeMap<(Tag, VR), u64>,
    /// (creator, group) → files, elements, kept
    private: BTreeMap<(String, u16), (u64, u64, u64)>,
    sop_classes: BTreeMap<String, u64>,
    transfer_syntaxes: BTreeMap<String, u64>,
}

/// Gathers coverage while a run goes on.
#[derive(Debug, Default)]
pub struct Coverage {
    totals: Mutex<Totals>,
}

/// An attribute kept only by `default keep`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptByDefault {
    /// `(gggg,eeee)`.
    pub tag: String,
    /// The dictionary keyword (empty when the tag is not in it).
    pub keyword: String,
    pub vr: String,
    /// Files it was kept in (at any depth).
    pub files: u64,
}

/// A private block: one creator in one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateBlock {
    pub creator: String,
    /// The group, `gggg`.
    pub group: String,
    /// Files that had it.
    pub files: u64,
    /// Its elements, over all files (the creator element not counted).
    pub elements: u64,
    /// Those kept.
    pub kept: u64,
    /// `deleted` (no element kept), `kept` (every element) or `partly kept`.
    pub done: String,
}

/// A UID seen, with its name and the number of files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub uid: String,
    pub name: String,
    pub files: u64,
}

/// The coverage report (`run --coverage FILE.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Inputs of the run.
    pub files: u64,
    /// Inputs the plan was applied to (the facts below come from them).
    pub applied: u64,
    /// Inputs by outcome (`written`, `would-write`, `skipped`, `failed`).
    pub outcomes: BTreeMap<String, u64>,
    pub kept_by_default: Vec<KeptByDefault>,
    pub private_blocks: Vec<PrivateBlock>,
    pub sop_classes: Vec<Seen>,
    pub transfer_syntaxes: Vec<Seen>,
}

impl Coverage {
    pub fn new() -> Self {
        Coverage::default()
    }

    /// Adds one input.
    pub fn record(&self, o: &FileOutcome) {
        let Ok(mut t) = self.totals.lock() else {
            return;
        };
        t.files += 1;
        let outcome = serde_json::to_value(o.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *t.outcomes.entry(outcome).or_insert(0) += 1;
        let Some(facts) = &o.facts else {
            return;
        };
        t.applied += 1;
        for k in &facts.applied.kept_by_default {
            *t.kept_by_default.entry(*k).or_insert(0) += 1;
        }
        for (key, fate) in &facts.applied.private_blocks {
            let e = t.private.entry(key.clone()).or_insert((0, 0, 0));
            e.0 += 1;
            e.1 += fate.elements;
            e.2 += fate.kept;
        }
        if let Some(c) = &facts.sop_class {
            *t.sop_classes.entry(c.clone()).or_insert(0) += 1;
        }
        if let Some(ts) = &facts.transfer_syntax {
            *t.transfer_syntaxes.entry(ts.clone()).or_insert(0) += 1;
        }
    }

    /// The report so far.
    pub fn report(&self) -> Report {
        let Ok(t) = self.totals.lock() else {
            return Coverage::new().report();
        };
        let seen = |m: &BTreeMap<String, u64>, name: &dyn Fn(&str) -> Option<String>| {
            m.iter()
                .map(|(uid, n)| Seen {
                    uid: uid.clone(),
                    name: name(uid).unwrap_or_default(),
                    files: *n,
                })
                .collect()
        };
        Report {
            files: t.files,
            applied: t.applied,
            outcomes: t.outcomes.clone(),
            kept_by_default: t
                .kept_by_default
                .iter()
                .map(|((tag, vr), n)| KeptByDefault {
                    tag: format!("({:04X},{:04X})", tag.group(), tag.element()),
                    keyword: crate::dictionary::keyword_of(*tag)
                        .unwrap_or_default()
                        .to_string(),
                    vr: vr.to_string().to_string(),
                    files: *n,
                })
                .collect(),
            private_blocks: t
                .private
                .iter()
                .map(|((creator, group), (files, elements, kept))| PrivateBlock {
                    creator: creator.clone(),
                    group: format!("{group:04X}"),
                    files: *files,
                    elements: *elements,
                    kept: *kept,
                    done: if *kept == 0 {
                        "deleted"
                    } else if kept == elements {
                        "kept"
                    } else {
                        "partly kept"
                    }
                    .to_string(),
                })
                .collect(),
            sop_classes: seen(&t.sop_classes, &|uid| {
                dicom_dictionary_std::StandardSopClassDictionary
                    .by_uid(uid)
                    .map(|e| e.name().to_string())
            }),
            transfer_syntaxes: seen(&t.transfer_syntaxes, &|uid| {
                dicom_transfer_syntax_registry::TransferSyntaxRegistry
                    .get(uid)
                    .map(|ts| ts.name().to_string())
            }),
        }
    }
}

impl Report {
    /// The few lines `run` prints on stderr.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let names: Vec<String> = self
            .kept_by_default
            .iter()
            .take(8)
            .map(|k| {
                if k.keyword.is_empty() {
                    k.tag.clone()
                } else {
                    k.keyword.clone()
                }
            })
            .collect();
        let more = self.kept_by_default.len().saturating_sub(names.len());
        out.push_str(&format!(
            "coverage: {} attributes kept only by `default keep`{}{}\n",
            self.kept_by_default.len(),
            if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            },
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
        let by = |done: &str| {
            self.private_blocks
                .iter()
                .filter(|b| b.done == done)
                .count()
        };
        out.push_str(&format!(
            "coverage: {} private blocks ({} deleted, {} kept, {} partly kept); {} SOP classes; {} transfer syntaxes\n",
            self.private_blocks.len(),
            by("deleted"),
            by("kept"),
            by("partly kept"),
            self.sop_classes.len(),
            self.transfer_syntaxes.len()
        ));
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        out.push_str(&format!("coverage: outcomes: {}\n", outcomes.join(", ")));
        out
    }
}
