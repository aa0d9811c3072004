//! The compiled, validated, immutable action plan: the only contract between the
//! profile compiler and the engine.
//!
//! A [`Plan`] answers one question fast: *what happens to this element?* Precedence is
//! fixed and documented (docs/language.md):
//!
//! 1. an exact tag (`(0010,0010)` or `PatientName`);
//! 2. a private element by creator and element (`(0019,"SIEMENS MR HEADER",0C)`);
//! 3. a private creator's whole block (`(0019,"SIEMENS MR HEADER",xx)`);
//! 4. a mask, the one with more fixed digits first (`(60xx,4000)` before `(60xx,xxxx)`);
//! 5. `private keep|delete` for private elements, `default keep|delete` for the others.
//!
//! Between rules with the same selector, the one loaded later wins (an override file
//! included last, or a later `--profile`, changes what came before); the losers are kept
//! so that `plan TAG` can show what was overridden.
//!
//! The plan holds no spans and no syntax: each rule keeps its origin as `file:line` text.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use dicom_core::{Tag, VR};

use crate::tag::{Mask, TagPattern};

mod claims;
pub use claims::{Claims, Longitudinal};

/// `keep` or `delete`, for elements no rule matches (`default`, `private`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    Keep,
    Delete,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Keep => "keep",
            Disposition::Delete => "delete",
        }
    }
}

/// The PS3.15 combined actions, resolved per element by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Combined {
    /// `Z/D`: empty, or a dummy where a value is required.
    ZD,
    /// `X/Z`: remove, or empty where the attribute is required.
    XZ,
    /// `X/D`: remove, or a dummy where a value is required.
    XD,
    /// `X/Z/D`: remove, empty or dummy by the attribute's Type.
    XZD,
    /// `X/Z/U*`: remove, empty, or remap the UIDs (in sequences: inside the items).
    XZU,
}

impl Combined {
    pub fn code(self) -> &'static str {
        match self {
            Combined::ZD => "Z/D",
            Combined::XZ => "X/Z",
            Combined::XD => "X/D",
            Combined::XZD => "X/Z/D",
            Combined::XZU => "X/Z/U*",
        }
    }

    pub fn has_remove(self) -> bool {
        !matches!(self, Combined::ZD)
    }

    pub fn has_empty(self) -> bool {
        matches!(
            self,
            Combined::ZD | Combined::XZ | Combined::XZD | Combined::XZU
        )
    }

    pub fn has_dummy(self) -> bool {
        matches!(self, Combined::ZD | Combined::XD | Combined::XZD)
    }
}

/// A compiled `regexp` action.
#[derive(Debug, Clone)]
pub struct Regexp {
    pub find: regex::Regex,
    pub replace: String,
}

impl PartialEq for Regexp {
    fn eq(&self, other: &Self) -> bool {
        self.find.as_str() == other.find.as_str() && self.replace == other.replace
    }
}

/// What to do with an element.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `keep` (`K`): leave the element as it is.
    Keep,
    /// `delete` (`X`): remove the element.
    Delete,
    /// `empty` (`Z`): a zero-length value (a sequence with no items).
    Empty,
    /// `replace` (`D`): a dummy value consistent with the VR.
    Replace,
    /// `replace "VALUE"`: a literal, checked against the VR.
    Set(String),
    /// `uid` (`U`): keyed, consistent remapping of UIDs.
    Uid,
    /// `hash`: a keyed pseudonym that fits the VR.
    Hash,
    /// `shift-date`: move DA/DT values by a keyed per-patient number of days.
    ShiftDate,
    /// `regexp "FIND" "REPLACE"`: the old tool's regular-expression substitution.
    Regexp(Box<Regexp>),
    /// A PS3.15 combined action, resolved per element from the IOD.
    Combined(Combined),
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Action {
    /// The canonical name, as `plan` prints it and reports count it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Delete => "delete",
            Action::Empty => "empty",
            Action::Replace | Action::Set(_) => "replace",
            Action::Uid => "uid",
            Action::Hash => "hash",
            Action::ShiftDate => "shift-date",
            Action::Regexp(_) => "regexp",
            Action::Combined(c) => c.code(),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Set(v) => write!(f, "replace {}", quote(v)),
            Action::Regexp(r) => {
                write!(f, "regexp {} {}", quote(r.find.as_str()), quote(&r.replace))
            }
            other => f.write_str(other.name()),
        }
    }
}

/// Why an action cannot apply to a VR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionVrProblem {
    UidNeedsUi,
    ShiftNeedsDate,
    ShiftOnTime,
    HashOnUid,
    HashOnDate,
    NeedsText,
    LiteralNotAllowed,
}

impl ActionVrProblem {
    /// How to fix it.
    pub fn help(self) -> &'static str {
        match self {
            ActionVrProblem::UidNeedsUi => {
                "`uid` remaps UID (UI) values; use `replace`, `empty` or `delete` for other elements, or `X/Z/U*` for sequences that hold UIDs"
            }
            ActionVrProblem::ShiftNeedsDate => {
                "`shift-date` moves DA and DT values; use `replace`, `empty` or `delete` for other elements"
            }
            ActionVrProblem::ShiftOnTime => {
                "a shift by whole days leaves times of day unchanged: `keep` them, or `empty` them"
            }
            ActionVrProblem::HashOnUid => {
                "use `uid` for UIDs: it makes valid UIDs and maps each one the same way everywhere"
            }
            ActionVrProblem::HashOnDate => "use `shift-date` for dates, or `replace` for a dummy",
            ActionVrProblem::NeedsText => {
                "this action works on text values; use `replace`, `empty` or `delete` for binary values and sequences"
            }
            ActionVrProblem::LiteralNotAllowed => {
                "a literal can only be given for text and number VRs; use `replace` (dummy), `empty` or `delete`"
            }
        }
    }
}

/// Whether `action` can apply to an element of VR `vr` (literal values are checked
/// separately, by [`crate::vr::check_literal`]).
pub fn check_action_vr(action: &Action, vr: VR) -> Result<(), ActionVrProblem> {
    use crate::vr::{accepts_literal, is_text};
    match action {
        Action::Keep | Action::Delete | Action::Empty | Action::Replace | Action::Combined(_) => {
            Ok(())
        }
        Action::Set(_) if accepts_literal(vr) => Ok(()),
        Action::Set(_) => Err(ActionVrProblem::LiteralNotAllowed),
        Action::Uid if vr == VR::UI => Ok(()),
        Action::Uid => Err(ActionVrProblem::UidNeedsUi),
        Action::ShiftDate if matches!(vr, VR::DA | VR::DT) => Ok(()),
        Action::ShiftDate if vr == VR::TM => Err(ActionVrProblem::ShiftOnTime),
        Action::ShiftDate => Err(ActionVrProblem::ShiftNeedsDate),
        Action::Hash if vr == VR::UI => Err(ActionVrProblem::HashOnUid),
        Action::Hash if matches!(vr, VR::DA | VR::DT | VR::TM | VR::AS) => {
            Err(ActionVrProblem::HashOnDate)
        }
        Action::Hash | Action::Regexp(_) if is_text(vr) => Ok(()),
        Action::Hash | Action::Regexp(_) => Err(ActionVrProblem::NeedsText),
    }
}

/// A PS3.15 Annex E option (CID 7050), declared by a profile with `option NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeidOption {
    Basic,
    CleanPixelData,
    CleanRecognizableVisualFeatures,
    CleanGraphics,
    CleanStructuredContent,
    CleanDescriptors,
    RetainLongFullDates,
    RetainLongModifiedDates,
    RetainPatientCharacteristics,
    RetainDeviceIdentity,
    RetainUids,
    RetainSafePrivate,
    RetainInstitutionIdentity,
}

impl DeidOption {
    pub const ALL: &'static [DeidOption] = &[
        DeidOption::Basic,
        DeidOption::CleanPixelData,
        DeidOption::CleanRecognizableVisualFeatures,
        DeidOption::CleanGraphics,
        DeidOption::CleanStructuredContent,
        DeidOption::CleanDescriptors,
        DeidOption::RetainLongFullDates,
        DeidOption::RetainLongModifiedDates,
        DeidOption::RetainPatientCharacteristics,
        DeidOption::RetainDeviceIdentity,
        DeidOption::RetainUids,
        DeidOption::RetainSafePrivate,
        DeidOption::RetainInstitutionIdentity,
    ];

    /// The name used in profiles (`option retain-uids`).
    pub fn name(self) -> &'static str {
        match self {
            DeidOption::Basic => "basic",
            DeidOption::CleanPixelData => "clean-pixel-data",
            DeidOption::CleanRecognizableVisualFeatures => "clean-recognizable-visual-features",
            DeidOption::CleanGraphics => "clean-graphics",
            DeidOption::CleanStructuredContent => "clean-structured-content",
            DeidOption::CleanDescriptors => "clean-descriptors",
            DeidOption::RetainLongFullDates => "retain-long-full-dates",
            DeidOption::RetainLongModifiedDates => "retain-long-modified-dates",
            DeidOption::RetainPatientCharacteristics => "retain-patient-characteristics",
            DeidOption::RetainDeviceIdentity => "retain-device-identity",
            DeidOption::RetainUids => "retain-uids",
            DeidOption::RetainSafePrivate => "retain-safe-private",
            DeidOption::RetainInstitutionIdentity => "retain-institution-identity",
        }
    }

    /// The CID 7050 code value (scheme DCM).
    pub fn code(self) -> &'static str {
        match self {
            DeidOption::Basic => "113100",
            DeidOption::CleanPixelData => "113101",
            DeidOption::CleanRecognizableVisualFeatures => "113102",
            DeidOption::CleanGraphics => "113103",
            DeidOption::CleanStructuredContent => "113104",
            DeidOption::CleanDescriptors => "113105",
            DeidOption::RetainLongFullDates => "113106",
            DeidOption::RetainLongModifiedDates => "113107",
            DeidOption::RetainPatientCharacteristics => "113108",
            DeidOption::RetainDeviceIdentity => "113109",
            DeidOption::RetainUids => "113110",
            DeidOption::RetainSafePrivate => "113111",
            DeidOption::RetainInstitutionIdentity => "113112",
        }
    }

    /// The CID 7050 code meaning.
    pub fn meaning(self) -> &'static str {
        match self {
            DeidOption::Basic => "Basic Application Confidentiality Profile",
            DeidOption::CleanPixelData => "Clean Pixel Data Option",
            DeidOption::CleanRecognizableVisualFeatures => {
                "Clean Recognizable Visual Features Option"
            }
            DeidOption::CleanGraphics => "Clean Graphics Option",
            DeidOption::CleanStructuredContent => "Clean Structured Content Option",
            DeidOption::CleanDescriptors => "Clean Descriptors Option",
            DeidOption::RetainLongFullDates => {
                "Retain Longitudinal Temporal Information Full Dates Option"
            }
            DeidOption::RetainLongModifiedDates => {
                "Retain Longitudinal Temporal Information Modified Dates Option"
            }
            DeidOption::RetainPatientCharacteristics => "Retain Patient Characteristics Option",
            DeidOption::RetainDeviceIdentity => "Retain Device Identity Option",
            DeidOption::RetainUids => "Retain UIDs Option",
            DeidOption::RetainSafePrivate => "Retain Safe Private Option",
            DeidOption::RetainInstitutionIdentity => "Retain Institution Identity Option",
        }
    }

    pub fn from_name(name: &str) -> Option<DeidOption> {
        DeidOption::ALL.iter().copied().find(|o| o.name() == name)
    }
}

/// One rule of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRule {
    pub pattern: TagPattern,
    pub action: Action,
    /// `file:line` of the rule.
    pub origin: Arc<str>,
    /// Load order: a higher number was loaded later and wins over a lower one.
    pub order: u32,
}

/// `default` or `private` with where it came from (`None`: the built-in default).
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    pub disposition: Disposition,
    pub origin: Option<Arc<str>>,
}

/// What the plan says for one element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision<'p> {
    Rule(&'p PlanRule),
    /// No rule matched: `default` (public) or `private` (private elements).
    Fallback(&'p Fallback),
}

impl<'p> Decision<'p> {
    /// The action to carry out.
    pub fn action(&self) -> &'p Action {
        match self {
            Decision::Rule(r) => &r.action,
            Decision::Fallback(f) => match f.disposition {
                Disposition::Keep => &Action::Keep,
                Disposition::Delete => &Action::Delete,
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct CreatorRules {
    by_element: HashMap<u8, usize>,
    any: Option<usize>,
}

/// A fast hasher for the plan's tag-keyed map, which is looked up for every element of
/// every file (the default SipHash cost more than the rest of the look-up). Keys are tags
/// from the profile, so hash flooding is not a concern. Multiply-rotate, as in FxHash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TagHasher(u64);

impl TagHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.add(u64::from(*b));
        }
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type TagMap<V> = HashMap<Tag, V, BuildHasherDefault<TagHasher>>;

/// The compiled plan. Build it with [`crate::profile::compile`].
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    names: Vec<String>,
    options: BTreeSet<DeidOption>,
    /// what the outputs may claim (computed by the compiler)
    claims: Claims,
    public: Fallback,
    private: Fallback,
    /// every rule, in load order (winners and overridden ones)
    rules: Vec<PlanRule>,
    exact: TagMap<usize>,
    /// private creator (normalised) → group → rules of its block
    creators: HashMap<String, HashMap<u16, CreatorRules>>,
    /// winning masks, most specific first, then latest first
    masks: Vec<(Mask, usize)>,
}

/// Builds a [`Plan`]: rules are added in load order.
#[derive(Debug)]
pub struct PlanBuilder {
    plan: Plan,
}

impl Default for PlanBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PlanBuilder {
    pub fn new() -> Self {
        PlanBuilder {
            plan: Plan {
                names: Vec::new(),
                options: BTreeSet::new(),
                claims: Claims::default(),
                public: Fallback {
                    disposition: Disposition::Keep,
                    origin: None,
                },
                private: Fallback {
                    disposition: Disposition::Delete,
                    origin: None,
                },
                rules: Vec::new(),
                exact: TagMap::default(),
                creators: HashMap::new(),
                masks: Vec::new(),
            },
        }
    }

    pub fn name(&mut self, name: String) {
        self.plan.names.push(name);
    }

    pub fn option(&mut self, option: DeidOption) {
        self.plan.options.insert(option);
    }

    pub fn default_public(&mut self, disposition: Disposition, origin: Arc<str>) {
        self.plan.public = Fallback {
            disposition,
            origin: Some(origin),
        };
    }

    pub fn default_private(&mut self, disposition: Disposition, origin: Arc<str>) {
        self.plan.private = Fallback {
            disposition,
            origin: Some(origin),
        };
    }

    /// Adds a rule; it wins over every earlier rule with the same selector.
    pub fn rule(&mut self, pattern: TagPattern, action: Action, origin: Arc<str>) {
        let idx = self.plan.rules.len();
        let order = u32::try_from(idx).unwrap_or(u32::MAX);
        match &pattern {
            TagPattern::Exact(t) => {
                self.plan.exact.insert(*t, idx);
            }
            TagPattern::Private(p) => {
                let block = self
                    .plan
                    .creators
                    .entry(p.creator.clone())
                    .or_default()
                    .entry(p.group)
                    .or_default();
                match p.element {
                    Some(e) => {
                        block.by_element.insert(e, idx);
                    }
                    None => block.any = Some(idx),
                }
            }
            TagPattern::Masked(m) => {
                self.plan.masks.retain(|(old, _)| old != m);
                self.plan.masks.push((*m, idx));
            }
        }
        self.plan.rules.push(PlanRule {
            pattern,
            action,
            origin,
            order,
        });
    }

    pub fn build(mut self) -> Plan {
        let rules = &self.plan.rules;
        self.plan.masks.sort_by(|(a, ia), (b, ib)| {
            b.specificity().cmp(&a.specificity()).then_with(|| {
                rules
                    .get(*ib)
                    .map(|r| r.order)
                    .cmp(&rules.get(*ia).map(|r| r.order))
            })
        });
        self.plan
    }
}

impl Plan {
    /// Names of the profiles, in load order (for De-identification Method).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// PS3.15 options the profiles declare.
    pub fn options(&self) -> &BTreeSet<DeidOption> {
        &self.options
    }

    /// What the outputs may claim: derived from the rules by the compiler
    /// (`profile::conformance`), never from the declarations alone.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Sets the claims (the compiler does, after comparing the plan with PS3.15).
    pub fn set_claims(&mut self, claims: Claims) {
        self.claims = claims;
    }

    pub fn public_fallback(&self) -> &Fallback {
        &self.public
    }

    pub fn private_fallback(&self) -> &Fallback {
        &self.private
    }

    /// Every rule in load order, including the ones that lost to a later rule.
    pub fn all_rules(&self) -> &[PlanRule] {
        &self.rules
    }

    fn rule(&self, idx: usize) -> Option<&PlanRule> {
        self.rules.get(idx)
    }

    /// The rules that win for their selector, in a stable display order: exact tags
    /// by tag, then private creators, then masks (as in [`Plan::decide`]).
    pub fn winning_rules(&self) -> Vec<&PlanRule> {
        let mut exact: Vec<&PlanRule> = self.exact.values().filter_map(|&i| self.rule(i)).collect();
        exact.sort_by_key(|r| r.pattern.exact());
        let mut creators: Vec<&PlanRule> = self
            .creators
            .values()
            .flat_map(HashMap::values)
            .flat_map(|b| b.by_element.values().chain(b.any.iter()))
            .filter_map(|&i| self.rule(i))
            .collect();
        creators.sort_by(|a, b| a.pattern.cmp(&b.pattern));
        let masks = self.masks.iter().filter_map(|(_, i)| self.rule(*i));
        exact.into_iter().chain(creators).chain(masks).collect()
    }

    /// What happens to a public element (even group).
    pub fn decide_public(&self, tag: Tag) -> Decision<'_> {
        if let Some(r) = self.exact.get(&tag).and_then(|&i| self.rule(i)) {
            return Decision::Rule(r);
        }
        self.decide_mask(tag)
            .unwrap_or(Decision::Fallback(&self.public))
    }

    /// What happens to a private data element (odd group, element `xx10`-`xxFF` of a
    /// block), given the value of the creator that reserved its block, if any.
    pub fn decide_private(&self, tag: Tag, creator: Option<&str>) -> Decision<'_> {
        if let Some(r) = self.exact.get(&tag).and_then(|&i| self.rule(i)) {
            return Decision::Rule(r);
        }
        if let Some(creator) = creator {
            if let Some(block) = self
                .creators
                .get(creator)
                .and_then(|groups| groups.get(&tag.group()))
            {
                let offset = u8::try_from(tag.element() & 0xFF).unwrap_or(0);
                if let Some(r) = block.by_element.get(&offset).and_then(|&i| self.rule(i)) {
                    return Decision::Rule(r);
                }
                if let Some(r) = block.any.and_then(|i| self.rule(i)) {
                    return Decision::Rule(r);
                }
            }
        }
        self.decide_mask(tag)
            .unwrap_or(Decision::Fallback(&self.private))
    }

    /// What happens to an element: public or private as its group says.
    pub fn decide(&self, tag: Tag, creator: Option<&str>) -> Decision<'_> {
        if tag.group() % 2 == 1 {
            self.decide_private(tag, creator)
        } else {
            self.decide_public(tag)
        }
    }

    fn decide_mask(&self, tag: Tag) -> Option<Decision<'_>> {
        self.masks
            .iter()
            .find(|(m, _)| m.matches(tag))
            .and_then(|(_, i)| self.rule(*i))
            .map(Decision::Rule)
    }

    /// Every rule that selects `tag` (with `creator` for private elements), the one
    /// that applies first, then the ones it overrides (same selector loaded earlier, or
    /// a selector of lower precedence).
    pub fn explain(&self, tag: Tag, creator: Option<&str>) -> Vec<&PlanRule> {
        let offset = u8::try_from(tag.element() & 0xFF).unwrap_or(0);
        let rank = |r: &PlanRule| -> Option<(u32, u32)> {
            match &r.pattern {
                TagPattern::Exact(t) if *t == tag => Some((100, r.order)),
                TagPattern::Private(p)
                    if tag.group() % 2 == 1
                        && p.group == tag.group()
                        && Some(p.creator.as_str()) == creator =>
                {
                    match p.element {
                        Some(e) if e == offset => Some((90, r.order)),
                        None => Some((80, r.order)),
                        Some(_) => None,
                    }
                }
                TagPattern::Masked(m) if m.matches(tag) => Some((m.specificity(), r.order)),
                _ => None,
            }
        };
        let mut hits: Vec<(&PlanRule, (u32, u32))> = self
            .rules
            .iter()
            .filter_map(|r| rank(r).map(|k| (r, k)))
            .collect();
        hits.sort_by_key(|h| std::cmp::Reverse(h.1));
        hits.into_iter().map(|(r, _)| r).collect()
    }
}

/// Keyword and VR of what a pattern selects, for display (`-` when unknown or many).
pub fn describe_pattern(pattern: &TagPattern) -> (String, String) {
    match pattern {
        TagPattern::Exact(t) => {
            let kw = crate::dictionary::keyword_of(*t).unwrap_or("-").to_string();
            let vrs = crate::dictionary::vr_choices(*t);
            let vr = if vrs.is_empty() {
                "-".to_string()
            } else {
                vrs.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            };
            (kw, vr)
        }
        TagPattern::Masked(_) => match crate::dictionary::entries_matching(pattern).as_slice() {
            [one] => (one.keyword.to_string(), one.vr.to_string()),
            [] => ("-".to_string(), "-".to_string()),
            many => (format!("({} attributes)", many.len()), "-".to_string()),
        },
        TagPattern::Private(_) => ("-".to_string(), "-".to_string()),
    }
}

impl Plan {
    /// The plan as a stable text table: one line per winning rule (selector, keyword,
    /// VR, action, `file:line`), after the profile names, options and fallbacks.
    /// This is what `plan` prints and what snapshot tests compare.
    pub fn to_table(&self) -> String {
        let rows: Vec<[String; 5]> = self
            .winning_rules()
            .into_iter()
            .map(|r| {
                let (kw, vr) = describe_pattern(&r.pattern);
                [
                    r.pattern.to_string(),
                    kw,
                    vr,
                    r.action.to_string(),
                    r.origin.to_string(),
                ]
            })
            .collect();
        let mut width = [0usize; 4];
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let names = if self.names.is_empty() {
            "(unnamed)".to_string()
        } else {
            self.names.join("; ")
        };
        out.push_str(&format!("# profile: {names}\n"));
        let options: Vec<String> = self
            .options
            .iter()
            .map(|o| format!("{} ({})", o.name(), o.code()))
            .collect();
        out.push_str(&format!(
            "# options: {}\n",
            if options.is_empty() {
                "none".to_string()
            } else {
                options.join(", ")
            }
        ));
        out.push_str(&format!(
            "# rules: {} ({} overridden)\n",
            rows.len(),
            self.rules.len() - rows.len()
        ));
        let fallback = |f: &Fallback| f.origin.as_deref().unwrap_or("built-in").to_string();
        out.push_str(&format!(
            "default {:<8} # {}\n",
            self.public.disposition.as_str(),
            fallback(&self.public)
        ));
        out.push_str(&format!(
            "private {:<8} # {}\n",
            self.private.disposition.as_str(),
            fallback(&self.private)
        ));
        for [sel, kw, vr, action, origin] in &rows {
            let [w0, w1, w2, w3] = width;
            out.push_str(&format!(
                "{sel:<w0$}  {kw:<w1$}  {vr:<w2$}  {action:<w3$}  # {origin}\n"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> TagPattern {
        TagPattern::parse_any(s).unwrap()
    }

    fn origin(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn precedence_exact_creator_mask_default() {
        let mut b = PlanBuilder::new();
        b.rule(pat("(0019,xxxx)"), Action::Empty, origin("a:1"));
        b.rule(pat("(0019,\"ACME\",xx)"), Action::Replace, origin("a:2"));
        b.rule(pat("(0019,\"ACME\",0C)"), Action::Keep, origin("a:3"));
        b.rule(pat("(0019,1010)"), Action::Hash, origin("a:4"));
        b.rule(pat("(60xx,xxxx)"), Action::Keep, origin("a:5"));
        b.rule(pat("(60xx,4000)"), Action::Delete, origin("a:6"));
        let plan = b.build();
        let act = |t: Tag, c: Option<&str>| plan.decide(t, c).action().clone();
        assert_eq!(
            act(Tag(0x0019, 0x1010), Some("ACME")),
            Action::Hash,
            "exact first"
        );
        assert_eq!(
            act(Tag(0x0019, 0x100C), Some("ACME")),
            Action::Keep,
            "creator element"
        );
        assert_eq!(
            act(Tag(0x0019, 0x1011), Some("ACME")),
            Action::Replace,
            "creator block"
        );
        assert_eq!(
            act(Tag(0x0019, 0x1011), Some("OTHER")),
            Action::Empty,
            "mask"
        );
        assert_eq!(
            act(Tag(0x0021, 0x1011), Some("ACME")),
            Action::Delete,
            "private default"
        );
        assert_eq!(
            act(Tag(0x6000, 0x4000), None),
            Action::Delete,
            "specific mask"
        );
        assert_eq!(act(Tag(0x6000, 0x3000), None), Action::Keep, "wide mask");
        assert_eq!(
            act(Tag(0x0010, 0x0010), None),
            Action::Keep,
            "public default"
        );
    }

    #[test]
    fn later_rule_with_same_selector_wins() {
        let mut b = PlanBuilder::new();
        b.rule(pat("PatientName"), Action::Empty, origin("a:1"));
        b.rule(pat("(0010,0010)"), Action::Replace, origin("b:1"));
        b.rule(pat("(50xx,xxxx)"), Action::Delete, origin("a:2"));
        b.rule(pat("(50xx,xxxx)"), Action::Keep, origin("b:2"));
        let plan = b.build();
        assert_eq!(
            plan.decide_public(Tag(0x0010, 0x0010)).action(),
            &Action::Replace
        );
        assert_eq!(
            plan.decide_public(Tag(0x5000, 0x3000)).action(),
            &Action::Keep
        );
        let why: Vec<_> = plan
            .explain(Tag(0x0010, 0x0010), None)
            .iter()
            .map(|r| r.origin.to_string())
            .collect();
        assert_eq!(why, ["b:1", "a:1"]);
        assert_eq!(plan.winning_rules().len(), 2);
    }
}
