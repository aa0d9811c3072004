//! `dicom-anonymizer plan`: the compiled plan as a table, or which rule decides an
//! attribute and which rules it overrides; with `--sop-class`, also how the action
//! resolves in that SOP class's IOD (the engine's own [`resolve`](crate::engine::resolve::resolve()), so `plan` shows what
//! `run` does).

use clap::Args;
use dicom_core::dictionary::UidDictionary;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardSopClassDictionary;

use super::{ErrorFormat, ExitStatus, ProfileArgs};
use crate::dictionary;
use crate::engine::resolve::{self, IodType, Unknown, resolve};
use crate::plan::{Decision, Plan, describe_pattern};
use crate::tag::{TagPattern, fmt_tag};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  dicom-anonymizer plan\n  dicom-anonymizer plan --profile builtin:basic --profile my.anon\n  dicom-anonymizer plan --profile my.anon PatientName '(0020,000D)' '(0019,\"SIEMENS MR HEADER\",0C)'\n  dicom-anonymizer plan --sop-class 1.2.840.10008.5.1.4.1.1.2 AcquisitionDateTime\n  dicom-anonymizer plan --sop-class CTImageStorage '(0008,1115)/(0008,114A)/(0008,1155)'"
)]
pub struct PlanArgs {
    /// Attributes to explain: a keyword, `(gggg,eeee)` or `(gggg,"CREATOR",ee)`; a path
    /// into sequences joins them with `/`, like `ReferencedSeriesSequence/ReferencedSOPInstanceUID`
    #[arg(value_name = "TAG_OR_KEYWORD")]
    pub queries: Vec<String>,
    /// Also show how each attribute's action resolves in this SOP class (a UID, or a keyword
    /// like `CTImageStorage`): its Type in the IOD and the branch taken
    #[arg(long, value_name = "UID", requires = "queries")]
    pub sop_class: Option<String>,
    /// Compare the plan with PS3.15 Table E.1-1: the CID 7050 codes it earns, (0028,0303),
    /// and every row it does not satisfy with the rule responsible (shown even when a
    /// claim breaks and the profile does not compile)
    #[arg(long, conflicts_with_all = ["queries", "sop_class"])]
    pub conformance: bool,
    /// How to write diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    #[command(flatten)]
    pub profile: ProfileArgs,
}

pub fn plan(args: &PlanArgs) -> ExitStatus {
    if args.conformance {
        return conformance(args);
    }
    let plan = match args.profile.plan(args.error_format) {
        Ok(p) => p,
        Err(status) => return status,
    };
    if args.queries.is_empty() {
        if let Err(status) = super::write_stdout(&plan.to_table()) {
            return status;
        }
        return ExitStatus::Success;
    }
    let sop_class = match args.sop_class.as_deref().map(SopClass::parse) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            say!("error: {e}");
            return ExitStatus::Usage;
        }
    };
    let mut status = ExitStatus::Success;
    for q in &args.queries {
        match parse_query(q) {
            Ok((path, p)) => {
                if let Err(status) =
                    super::write_stdout(&explain_at(&plan, &path, &p, sop_class.as_ref()))
                {
                    return status;
                }
            }
            Err(e) => {
                say!("error: `{q}` is not a tag, keyword or path: {e}");
                status = ExitStatus::Usage;
            }
        }
    }
    status
}

/// `plan --conformance`: the diagnostics on stderr, the comparison on stdout; exit 2
/// when the profile does not compile.
fn conformance(args: &PlanArgs) -> ExitStatus {
    let entries = match args.profile.entries() {
        Ok(e) => e,
        Err(msg) => {
            say!("error: {msg}");
            return ExitStatus::Usage;
        }
    };
    let compiled = crate::profile::compile(&entries);
    super::print_diagnostics(&compiled.diagnostics, &compiled.sources, args.error_format);
    let mut text = crate::profile::conformance::render(&compiled.conformance);
    if let Some(plan) = &compiled.plan {
        text.push_str(&pixel_conformance(plan));
    }
    if let Err(status) = super::write_stdout(&text) {
        return status;
    }
    if compiled.plan.is_some() {
        ExitStatus::Success
    } else {
        ExitStatus::Usage
    }
}

/// What `plan --conformance` says about pixel data: the pixel rules, and when an output
/// claims Clean Pixel Data (113101).
fn pixel_conformance(plan: &crate::plan::Plan) -> String {
    use crate::plan::pixel::{PixelAction, Verdict};
    let all = plan.pixel_rules();
    let verdicts = |v: Verdict| {
        all.iter()
            .filter(|r| matches!(&r.action, PixelAction::Verdict(w, _) if *w == v))
            .count()
    };
    let rules: Vec<_> = all
        .iter()
        .filter(|r| matches!(r.action, PixelAction::Blackout(_)))
        .collect();
    let conditional = rules.iter().filter(|r| r.condition.is_some()).count();
    let regions: usize = rules.iter().map(|r| r.regions().len()).sum();
    let mut out = format!(
        "pixel rules: {} ({} under a condition, {} rectangles); pixel accept: {}, pixel flag: {}, pixel reject: {}\n",
        rules.len(),
        conditional,
        regions,
        verdicts(Verdict::Accept),
        verdicts(Verdict::Flag),
        verdicts(Verdict::Reject),
    );
    if rules.is_empty() {
        out.push_str("  113101 Clean Pixel Data Option: never claimed (no pixel rule)\n");
    } else {
        out.push_str("  113101 Clean Pixel Data Option: claimed per instance, when every rectangle of a pixel rule that matches it lies in its image and was blacked out, and no `pixel flag` or `pixel reject` decides for it (Burned In Annotation (0028,0301) then NO); never for `pixel accept` alone\n");
    }
    out
}

/// A SOP class named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SopClass {
    pub uid: String,
    /// the name in the standard's registry, if it is there
    pub name: Option<&'static str>,
}

impl SopClass {
    /// A UID (`1.2.840.10008.5.1.4.1.1.2`) or a registry keyword (`CTImageStorage`).
    pub fn parse(text: &str) -> Result<SopClass, String> {
        let t = text.trim();
        let dict = StandardSopClassDictionary;
        if let Some(e) = dict.by_keyword(t) {
            return Ok(SopClass {
                uid: e.uid.to_string(),
                name: Some(e.name),
            });
        }
        if crate::vr::valid_uid(t) && !t.is_empty() {
            return Ok(SopClass {
                uid: t.to_string(),
                name: dict.by_uid(t).map(|e| e.name),
            });
        }
        Err(format!(
            "`{t}` is not a SOP class UID or a SOP class keyword like `CTImageStorage`"
        ))
    }
}

impl std::fmt::Display for SopClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(n) => write!(f, "{n} ({})", self.uid),
            None => f.write_str(&self.uid),
        }
    }
}

/// Splits a query into its path components at `/` (not inside a quoted creator).
fn split_path(query: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in query.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '/' if !quoted => {
                parts.push(query.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(query.get(start..).unwrap_or(""));
    parts
}

/// Parses `TAG` or `SEQ/SEQ/.../TAG` (each component through [`TagPattern::parse_any`]):
/// the enclosing sequences, which must be exact tags, and the attribute's pattern.
pub fn parse_query(query: &str) -> Result<(Vec<Tag>, TagPattern), String> {
    let parts = split_path(query);
    let Some((last, sequences)) = parts.split_last() else {
        return Err("nothing to explain".to_string());
    };
    let mut path = Vec::new();
    for s in sequences {
        let p = TagPattern::parse_any(s).map_err(|e| format!("`{}`: {e}", s.trim()))?;
        match p.exact() {
            Some(t) if dictionary::vr_of(t).is_some_and(|vr| vr != VR::SQ) => {
                return Err(format!("`{}` is not a sequence", s.trim()));
            }
            Some(t) => path.push(t),
            None => {
                return Err(format!(
                    "`{}`: a sequence in a path must be one standard tag or keyword",
                    s.trim()
                ));
            }
        }
    }
    let p = TagPattern::parse_any(last).map_err(|e| e.to_string())?;
    Ok((path, p))
}

/// The explanation `plan [--sop-class UID] SEQ/.../TAG` prints: the rules, then (with a
/// SOP class) the Type of the attribute at that path and the branch the engine takes.
pub fn explain_at(
    plan: &Plan,
    sequences: &[Tag],
    pattern: &TagPattern,
    sop_class: Option<&SopClass>,
) -> String {
    let mut out = explain(plan, pattern);
    if !sequences.is_empty() {
        let prefix: Vec<String> = sequences.iter().map(|t| fmt_tag(*t)).collect();
        out.insert_str(0, &format!("{}/", prefix.join("/")));
    }
    let Some(sop) = sop_class else {
        return out;
    };
    let (tag, creator) = match pattern {
        TagPattern::Exact(t) => (*t, None),
        TagPattern::Private(p) => (
            Tag(p.group, 0x1000 | u16::from(p.element.unwrap_or(0x10))),
            Some(p.creator.as_str()),
        ),
        TagPattern::Masked(_) => {
            out.push_str("  resolves  (only for one attribute, not a mask)\n");
            return out;
        }
    };
    let action = plan.decide(tag, creator).action().clone();
    let vr = dictionary::vr_of(tag).unwrap_or(VR::UN);
    let mut path = sequences.to_vec();
    path.push(tag);
    let line = match resolve(&action, vr, Some(&sop.uid), &path) {
        Some(r) => format!("{}  # {}", r.branch, why(&r.iod, sop, &path)),
        None => format!(
            "{action}  # as written (not a combined action); {}",
            why(&resolve::iod_type(Some(&sop.uid), &path), sop, &path)
        ),
    };
    out.push_str(&format!("  resolves  {line}\n"));
    out
}

/// What the IOD table said, in words.
fn why(iod: &IodType, sop: &SopClass, path: &[Tag]) -> String {
    let shown = |p: &[Tag]| p.iter().map(|t| fmt_tag(*t)).collect::<Vec<_>>().join("/");
    match iod {
        IodType::Listed {
            attribute_type,
            path: listed,
        } if listed.as_slice() == path => format!("Type {attribute_type} in the IOD of {sop}"),
        IodType::Listed {
            attribute_type,
            path: listed,
        } => format!(
            "Type {attribute_type} in the IOD of {sop}, listed as {} (nested content folded)",
            shown(listed)
        ),
        IodType::NotInIod => format!("not in the IOD of {sop}"),
        IodType::Unknown(Unknown::SopClass | Unknown::NoSopClass) => format!(
            "{sop} is not in the IOD table ({} edition): the default branch",
            crate::iod::EDITION
        ),
        IodType::Unknown(Unknown::Container) => format!(
            "the IOD table does not describe the inside of {}: the default branch",
            shown(path.split_last().map_or(&[][..], |(_, c)| c))
        ),
    }
}

/// The explanation `plan TAG` prints.
pub fn explain(plan: &Plan, pattern: &TagPattern) -> String {
    let (tag, creator) = match pattern {
        TagPattern::Exact(t) => (*t, None),
        TagPattern::Private(p) => (
            dicom_core::Tag(p.group, 0x1000 | u16::from(p.element.unwrap_or(0x10))),
            Some(p.creator.as_str()),
        ),
        TagPattern::Masked(_) => {
            let same: Vec<_> = plan
                .all_rules()
                .iter()
                .filter(|r| &r.pattern == pattern)
                .rev()
                .collect();
            let mut out = format!("{pattern}\n");
            if same.is_empty() {
                out.push_str("  no rule has this selector\n");
            }
            for (i, r) in same.iter().enumerate() {
                let what = if i == 0 { "applies  " } else { "overrides" };
                out.push_str(&format!("  {what} {}  # {}\n", r.action, r.origin));
            }
            return out;
        }
    };
    let (kw, vr) = describe_pattern(&TagPattern::Exact(tag));
    let head = match pattern {
        TagPattern::Private(_) => pattern.to_string(),
        _ => format!("{} {kw} {vr}", fmt_tag(tag)),
    };
    let mut out = format!("{head}\n");
    let rules = plan.explain(tag, creator);
    let dict_vr = dicom_anonymizer_vr(tag);
    let by_vr = matches!(plan.decide(tag, creator), Decision::Fallback(_))
        && matches!(
            plan.decide_in(tag, creator, dict_vr.unwrap_or(dicom_core::VR::UN), &[]),
            Decision::Rule(_)
        );
    match plan.decide(tag, creator) {
        Decision::Rule(_) => {}
        Decision::Fallback(_) if by_vr => {}
        Decision::Fallback(f) => {
            let which = if tag.group() % 2 == 1 {
                "private"
            } else {
                "default"
            };
            out.push_str(&format!(
                "  applies   {} (no rule matches: `{which} {}`)  # {}\n",
                f.disposition.as_str(),
                f.disposition.as_str(),
                f.origin.as_deref().unwrap_or("built-in")
            ));
        }
    }
    // a rule of a `when` block applies where its condition holds, over the rules
    // below it; the first rule outside any block applies everywhere else
    let mut unconditional_seen = false;
    for r in rules.iter() {
        let condition = r
            .guard
            .and_then(|g| plan.conditions().get(g))
            .map(|c| format!(" when {}", c.text));
        let what = match (&condition, unconditional_seen) {
            (Some(_), false) => "applies  ",
            (None, false) => {
                unconditional_seen = true;
                "applies  "
            }
            _ => "overrides",
        };
        out.push_str(&format!(
            "  {what} {}{}  # {} {}\n",
            r.action,
            condition.unwrap_or_default(),
            r.pattern,
            r.origin
        ));
    }
    // path rules for this tag (they win inside their sequences) and VR rules (they
    // decide where no tag rule does)
    let mut vr_applied = !by_vr;
    for s in plan.scoped_rules().iter().rev() {
        let condition = s
            .rule
            .guard
            .and_then(|g| plan.conditions().get(g))
            .map(|c| format!(" when {}", c.text))
            .unwrap_or_default();
        let line = match &s.scope {
            crate::plan::Scope::Path(p) if p.steps.last() == Some(&tag) => {
                format!(
                    "  at {p}: {}{condition}  # {}\n",
                    s.rule.action, s.rule.origin
                )
            }
            crate::plan::Scope::Vr(v) if tag.group() % 2 == 0 && dict_vr == Some(*v) => {
                let what = if !vr_applied && s.rule.guard.is_none() {
                    vr_applied = true;
                    "applies  "
                } else {
                    "by VR    "
                };
                format!(
                    "  {what} {}{condition} (no tag rule decides)  # vr {v} {}\n",
                    s.rule.action, s.rule.origin
                )
            }
            _ => continue,
        };
        out.push_str(&line);
    }
    out
}

fn dicom_anonymizer_vr(tag: dicom_core::Tag) -> Option<dicom_core::VR> {
    crate::dictionary::vr_of(tag)
}
