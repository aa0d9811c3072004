//! The profile compiler: `.anon` text → syntax trees → includes resolved → [`Plan`].
//!
//! ```text
//! text ──syntax::parse──▶ ast::Profile ──resolve::load──▶ Loaded ──compile──▶ Plan
//!                 (every stage adds to one Diagnostics; nothing stops at the first error)
//! ```
//!
//! [`compile`](fn@compile) runs the whole pipeline; the stages are public for tests and tools.

pub mod ast;
pub mod builtin;
pub mod compile;
pub mod conditions;
pub mod conformance;
pub mod diagnostics;
pub mod params;
pub mod print;
pub mod report;
pub mod resolve;
pub mod scoped;
pub mod syntax;
pub mod tables;

pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use resolve::Entry;

use crate::plan::Plan;
use crate::source::SourceMap;

/// The outcome of compiling profiles: the plan when there were no errors, every
/// diagnostic, and the sources (needed to render the diagnostics).
#[derive(Debug)]
pub struct Compiled {
    pub plan: Option<Plan>,
    /// The plan compared with PS3.15 Table E.1-1 (made even when there are errors, so
    /// that `plan --conformance` can show why a claim breaks).
    pub conformance: conformance::Report,
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

/// Compiles entry profiles in order (a later one overrides an earlier one).
pub fn compile(entries: &[Entry]) -> Compiled {
    let tables = crate::tables::start();
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let loaded = resolve::load(entries, &mut sources, &mut diagnostics);
    let mut plan = compile::compile(&loaded, &sources, &mut diagnostics);
    let conformance = conformance::evaluate(&plan);
    conformance::check_declared(&loaded, &sources, &conformance, &mut diagnostics);
    let (claims, per_outcome) = claims_of_every_variant(&plan, &conformance.claims);
    plan.set_claims(claims);
    plan.set_variant_claims(per_outcome);
    diagnostics.sort();
    crate::tables::finish(tables);
    Compiled {
        plan: (!diagnostics.has_errors()).then_some(plan),
        conformance,
        diagnostics,
        sources,
    }
}

/// What the outputs may claim. With `when` blocks or path rules: each outcome of the
/// conditions gets the claims its own plan earns (path rules taken as tag rules), and the
/// plan as a whole the claims that hold for every outcome (what `plan --conformance`
/// shows); too many conditions to try them all: nothing is claimed.
fn claims_of_every_variant(
    plan: &Plan,
    base: &crate::plan::Claims,
) -> (
    crate::plan::Claims,
    std::collections::HashMap<Vec<bool>, crate::plan::Claims>,
) {
    use crate::plan::{Claims, Longitudinal};
    let mut per_outcome = std::collections::HashMap::new();
    let Some(variants) = plan.variants_for_claims() else {
        return (Claims::default(), per_outcome);
    };
    if variants.len() == 1 && !plan.has_conditions() && plan.scoped_rules().is_empty() {
        return (base.clone(), per_outcome);
    }
    let mut merged = base.clone();
    for (outcome, v) in &variants {
        let mut c = conformance::evaluate(v).claims;
        if !c.basic {
            c.options.clear();
        }
        merged.basic &= c.basic;
        merged.options.retain(|o| c.options.contains(o));
        let rank = |l: Longitudinal| match l {
            Longitudinal::Removed => 0,
            Longitudinal::Modified => 1,
            Longitudinal::Unmodified => 2,
        };
        if rank(c.longitudinal) > rank(merged.longitudinal) {
            merged.longitudinal = c.longitudinal;
        }
        per_outcome.insert(outcome.clone(), c);
    }
    if !merged.basic {
        merged.options.clear();
    }
    (merged, per_outcome)
}

/// Compiles one profile given as text (`name` is what diagnostics show). Relative
/// includes are not allowed; `include builtin:NAME` is.
pub fn compile_str(name: &str, text: &str) -> Compiled {
    compile(&[Entry::Text {
        name: name.to_string(),
        text: text.to_string(),
    }])
}

/// A profile to compile: one or more sources, composed in order (a later one
/// overrides an earlier one, as if it were included at the end).
///
/// ```
/// use dicom_anonymizer::Profile;
///
/// let plan = Profile::builtin("basic")
///     .then(Profile::from_text("site.anon", "InstitutionName keep\n"))
///     .compile()
///     .expect("the profile compiles");
/// assert_eq!(plan.names(), ["PS3.15 2026c Basic Profile"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    entries: Vec<Entry>,
}

impl Profile {
    /// A profile given as text; `name` is what diagnostics and plan origins show.
    /// `include builtin:NAME` works; relative includes need [`Profile::from_file`].
    pub fn from_text(name: &str, text: &str) -> Profile {
        Profile {
            entries: vec![Entry::Text {
                name: name.to_string(),
                text: text.to_string(),
            }],
        }
    }

    /// A `.anon` file (read when the profile is compiled; includes are relative to it).
    pub fn from_file(path: impl Into<std::path::PathBuf>) -> Profile {
        Profile {
            entries: vec![Entry::Path(path.into())],
        }
    }

    /// An embedded profile, like `basic` or `retain-uids`.
    pub fn builtin(name: &str) -> Profile {
        Profile {
            entries: vec![Entry::Builtin(name.to_string())],
        }
    }

    /// The built-in default of `run`: `basic`, then `extra`, then `pixel-signatures`.
    pub fn default_profile() -> Profile {
        Profile::builtin("basic")
            .then(Profile::builtin("extra"))
            .then(Profile::builtin("pixel-signatures"))
    }

    /// This profile, then `later` (which overrides it).
    pub fn then(mut self, later: Profile) -> Profile {
        self.entries.extend(later.entries);
        self
    }

    /// The sources, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Compiles the profile, keeping every diagnostic (warnings too).
    pub fn compile_with_diagnostics(&self) -> Compiled {
        compile(&self.entries)
    }

    /// Compiles the profile into a [`Plan`]; on errors, a [`CompileError`] whose
    /// `Display` is the full rendered report.
    pub fn compile(&self) -> Result<Plan, CompileError> {
        let c = self.compile_with_diagnostics();
        match c.plan {
            Some(plan) => Ok(plan),
            None => Err(CompileError {
                report: report::render_human(&c.diagnostics, &c.sources, false, 100),
                diagnostics: c.diagnostics,
            }),
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = std::convert::Infallible;

    /// The text of a profile (named `<string>` in diagnostics).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Profile::from_text("<string>", s))
    }
}

/// A profile that does not compile: every diagnostic, and the rendered report.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error(
    "the profile does not compile ({})\n{report}",
    report::summary(diagnostics)
)]
#[diagnostic(code(anon::compile::failed))]
pub struct CompileError {
    pub diagnostics: Diagnostics,
    /// The report as `lint` prints it (no colour).
    pub report: String,
}
