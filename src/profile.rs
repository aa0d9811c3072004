//! The profile compiler: `.anon` text → syntax trees → includes resolved → [`Plan`].
//!
//! ```text
//! text ──syntax::parse──▶ ast::Profile ──resolve::load──▶ Loaded ──compile──▶ Plan
//!                 (every stage adds to one Diagnostics; nothing stops at the first error)
//! ```
//!
//! [`compile`] runs the whole pipeline; the stages are public for tests and tools.

pub mod ast;
pub mod builtin;
pub mod compile;
pub mod diagnostics;
pub mod print;
pub mod report;
pub mod resolve;
pub mod syntax;

pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use resolve::Entry;

use crate::plan::Plan;
use crate::source::SourceMap;

/// The outcome of compiling profiles: the plan when there were no errors, every
/// diagnostic, and the sources (needed to render the diagnostics).
#[derive(Debug)]
pub struct Compiled {
    pub plan: Option<Plan>,
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

/// Compiles entry profiles in order (a later one overrides an earlier one).
pub fn compile(entries: &[Entry]) -> Compiled {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let loaded = resolve::load(entries, &mut sources, &mut diagnostics);
    let plan = compile::compile(&loaded, &sources, &mut diagnostics);
    diagnostics.sort();
    Compiled {
        plan: (!diagnostics.has_errors()).then_some(plan),
        diagnostics,
        sources,
    }
}

/// Compiles one profile given as text (`name` is what diagnostics show). Relative
/// includes are not allowed; `include builtin:NAME` is.
pub fn compile_str(name: &str, text: &str) -> Compiled {
    compile(&[Entry::Text {
        name: name.to_string(),
        text: text.to_string(),
    }])
}
