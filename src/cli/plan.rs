//! `dicom-anonymizer plan`: the compiled plan as a table, or which rule decides an
//! attribute and which rules it overrides.

use clap::Args;

use super::{ErrorFormat, ExitStatus, compile_or_report, profile_entries};
use crate::plan::{Decision, Plan, describe_pattern};
use crate::tag::{TagPattern, fmt_tag};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  dicom-anonymizer plan\n  dicom-anonymizer plan --profile builtin:basic --profile my.anon\n  dicom-anonymizer plan --profile my.anon PatientName '(0020,000D)' '(0019,\"SIEMENS MR HEADER\",0C)'"
)]
pub struct PlanArgs {
    /// Profile (repeat to compose; later ones override earlier ones); default: builtin:basic + builtin:extra
    #[arg(long = "profile", short = 'p', value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// A PS3.15 option to add after the profiles, like `retain-uids` (repeatable; same as `--profile builtin:NAME`)
    #[arg(long = "option", value_name = "NAME")]
    pub options: Vec<String>,
    /// With the built-in default: leave out the old tool's extra rules
    #[arg(long)]
    pub no_extra: bool,
    /// Attributes to explain: a keyword, `(gggg,eeee)` or `(gggg,"CREATOR",ee)`
    #[arg(value_name = "TAG_OR_KEYWORD")]
    pub queries: Vec<String>,
    /// How to write diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
}

pub fn plan(args: &PlanArgs) -> ExitStatus {
    let mut entries = profile_entries(&args.profiles, args.no_extra);
    entries.extend(args.options.iter().map(|o| crate::profile::Entry::Builtin(o.clone())));
    let compiled = match compile_or_report(&entries, args.error_format, false) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let Some(plan) = compiled.plan else {
        return ExitStatus::Usage;
    };
    if args.queries.is_empty() {
        print!("{}", plan.to_table());
        return ExitStatus::Success;
    }
    let mut status = ExitStatus::Success;
    for q in &args.queries {
        match TagPattern::parse_any(q) {
            Ok(p) => print!("{}", explain(&plan, &p)),
            Err(e) => {
                eprintln!("error: `{q}` is not a tag or keyword: {e}");
                status = ExitStatus::Usage;
            }
        }
    }
    status
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
    match plan.decide(tag, creator) {
        Decision::Rule(_) => {}
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
    for (i, r) in rules.iter().enumerate() {
        let what = if i == 0 { "applies  " } else { "overrides" };
        out.push_str(&format!(
            "  {what} {}  # {} {}\n",
            r.action, r.pattern, r.origin
        ));
    }
    out
}
