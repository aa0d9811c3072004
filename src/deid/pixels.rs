//! The pixel step of one instance (issue 14): black out the regions of the pixel rules
//! that hold, make the attributes say so, and apply the run's burned-in policy to what
//! no rule cleans.

use super::{Deidentifier, Stopped};
use crate::engine::pixel::{BurnedInRisk, record_clean_pixels};
use crate::io::read::Loaded;
use crate::plan::pixel::PixelMatch;

/// What the run does with an instance that may carry burned-in text no pixel rule
/// cleans (`run --on-burned-in`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OnBurnedIn {
    /// Burned In Annotation YES: rejected; a screen-capture SOP class that does not say
    /// NO: written and flagged `burned-in-risk`.
    #[default]
    Default,
    /// Both kinds rejected.
    Reject,
    /// Both kinds written and flagged.
    Warn,
    /// Both kinds written, not flagged.
    Keep,
}

impl OnBurnedIn {
    /// `reject`, `warn`, `keep` (and `default`).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "default" => OnBurnedIn::Default,
            "reject" => OnBurnedIn::Reject,
            "warn" => OnBurnedIn::Warn,
            "keep" => OnBurnedIn::Keep,
            _ => return None,
        })
    }
}

/// The prefix of the warning a flagged instance gets in its report line.
pub const BURNED_IN_RISK: &str = "burned-in-risk";

/// What the pixel step did to one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PixelStep {
    /// Regions blacked out (inside the image).
    pub regions: usize,
    /// A warning for the report line.
    pub warning: Option<String>,
}

impl Deidentifier<'_> {
    /// `original` is the match and risk read from the source's header before the plan;
    /// `keeps_pixels`: the output has pixel data.
    pub(super) fn pixel_step(
        &self,
        loaded: &mut Loaded,
        original: (PixelMatch, Option<BurnedInRisk>),
        keeps_pixels: bool,
    ) -> Result<PixelStep, Stopped> {
        let (matched, risk) = original;
        if !keeps_pixels {
            return Ok(PixelStep::default());
        }
        let mut cleaned = false;
        let mut step = PixelStep::default();
        if matched.matched() {
            let done = loaded
                .black_out(&matched.regions, self.policy.read.max_in_memory_bytes)
                .map_err(|e| {
                    Stopped::Rejected(format!(
                        "pixel rules match but the pixel data cannot be blacked out: {e}"
                    ))
                })?;
            step.regions = done.applied.iter().filter(|a| **a).count();
            cleaned = matched.fully_applied(&done.applied);
            if cleaned {
                record_clean_pixels(&mut loaded.object);
            }
        }
        if cleaned {
            return Ok(step);
        }
        let Some(risk) = risk else {
            return Ok(step);
        };
        let reject = match self.policy.on_burned_in {
            OnBurnedIn::Default => risk == BurnedInRisk::Declared,
            OnBurnedIn::Reject => true,
            OnBurnedIn::Warn | OnBurnedIn::Keep => false,
        };
        let why = if matched.matched() {
            "a pixel rule matches but some of its rectangles lie outside the image".to_string()
        } else {
            risk.describe().to_string()
        };
        if reject {
            return Err(Stopped::Rejected(format!(
                "possible burned-in text in the pixel data: {why} (run --on-burned-in warn writes it)"
            )));
        }
        if self.policy.on_burned_in != OnBurnedIn::Keep {
            step.warning = Some(format!("{BURNED_IN_RISK}: {why}"));
        }
        Ok(step)
    }
}
