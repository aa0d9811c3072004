//! The pixel step of one instance (issue 14): black out the regions of the pixel rules
//! that hold, make the attributes say so, and apply the run's burned-in policy to what
//! no rule cleans.

use super::{Deidentifier, Stopped};
use crate::engine::pixel::{BurnedInRisk, record_clean_pixels};
use crate::io::read::Loaded;
use crate::plan::pixel::{PixelMatch, Verdict};

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

/// Whether `obj` holds pixel data: Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008)
/// or Double Float Pixel Data (7FE0,0009) at the top level.
pub(super) fn has_pixels(obj: &dicom_object::InMemDicomObject) -> bool {
    use dicom_dictionary_std::tags::{DOUBLE_FLOAT_PIXEL_DATA, FLOAT_PIXEL_DATA, PIXEL_DATA};
    [PIXEL_DATA, FLOAT_PIXEL_DATA, DOUBLE_FLOAT_PIXEL_DATA]
        .into_iter()
        .any(|t| obj.get(t).is_some())
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
    ///
    /// Every `pixel blackout` that holds is applied. The instance claims clean pixels
    /// (113101, Burned In Annotation NO) when one of them was applied whole and no
    /// `pixel flag` or `pixel reject` decides for it. `pixel accept` means no risk (and no
    /// claim of its own); `pixel flag` and `pixel reject` are a risk like a screen-capture
    /// class and like Burned In Annotation YES, with the statement's reason.
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
        let mut blacked_out = false;
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
            blacked_out = matched.fully_applied(&done.applied);
        }
        let verdict = matched.verdict.as_ref().map(|v| v.verdict);
        if blacked_out && !matches!(verdict, Some(Verdict::Flag | Verdict::Reject)) {
            record_clean_pixels(&mut loaded.object);
            return Ok(step);
        }
        // (declared: rejected by default, why)
        let said = match &matched.verdict {
            Some(v) if v.verdict == Verdict::Accept => return Ok(step),
            Some(v) => Some((
                v.verdict == Verdict::Reject,
                format!("`pixel {}` ({}): {}", v.verdict.name(), v.origin, v.reason),
            )),
            None => None,
        };
        let (declared, why) = match (said, risk) {
            (None, None) => return Ok(step),
            (Some((false, why)), Some(BurnedInRisk::Declared)) => (
                true,
                format!("{why}; Burned In Annotation (0028,0301) is YES"),
            ),
            (Some(said), _) => said,
            (None, Some(risk)) if matched.matched() => (
                risk == BurnedInRisk::Declared,
                "a pixel rule matches but some of its rectangles lie outside the image".to_string(),
            ),
            (None, Some(risk)) => (risk == BurnedInRisk::Declared, risk.describe().to_string()),
        };
        let reject = match self.policy.on_burned_in {
            OnBurnedIn::Default => declared,
            OnBurnedIn::Reject => true,
            OnBurnedIn::Warn | OnBurnedIn::Keep => false,
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
