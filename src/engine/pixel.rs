//! What the header says about burned-in text, and the attributes that record a blackout.
//!
//! The regions themselves are blacked out by the io layer
//! ([`Loaded::black_out`](crate::io::Loaded::black_out)); the engine decides which pixel
//! rules hold (on the original values, like every condition) and, once the regions are
//! applied, makes Burned In Annotation (0028,0301) and (0012,0064) say so.

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;

use super::{Engine, walk};
use crate::plan::condition::Attr;
use crate::plan::pixel::PixelMatch;

const BURNED_IN_ANNOTATION: Tag = Tag(0x0028, 0x0301);
const SOP_CLASS_UID: Tag = Tag(0x0008, 0x0016);
const CODES: Tag = Tag(0x0012, 0x0064);

/// SOP classes whose images are typically captured from a screen or carry the operator's
/// annotations in the pixels: the Secondary Capture family, ultrasound single and
/// multi-frame (and the retired ones), and the video classes.
pub const SCREEN_CAPTURE_CLASSES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.7",
    "1.2.840.10008.5.1.4.1.1.7.1",
    "1.2.840.10008.5.1.4.1.1.7.2",
    "1.2.840.10008.5.1.4.1.1.7.3",
    "1.2.840.10008.5.1.4.1.1.7.4",
    "1.2.840.10008.5.1.4.1.1.6",
    "1.2.840.10008.5.1.4.1.1.6.1",
    "1.2.840.10008.5.1.4.1.1.6.2",
    "1.2.840.10008.5.1.4.1.1.3",
    "1.2.840.10008.5.1.4.1.1.3.1",
    "1.2.840.10008.5.1.4.1.1.77.1.1.1",
    "1.2.840.10008.5.1.4.1.1.77.1.2.1",
    "1.2.840.10008.5.1.4.1.1.77.1.4.1",
];

/// Why an instance may carry burned-in text that no pixel rule cleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BurnedInRisk {
    /// Burned In Annotation (0028,0301) is `YES`.
    Declared,
    /// A SOP class typically captured from a screen, without Burned In Annotation `NO`.
    ScreenCapture,
}

impl BurnedInRisk {
    pub fn describe(self) -> &'static str {
        match self {
            BurnedInRisk::Declared => {
                "Burned In Annotation (0028,0301) is YES and no pixel rule matches"
            }
            BurnedInRisk::ScreenCapture => {
                "a SOP class often captured from a screen, not marked Burned In Annotation NO, and no pixel rule matches"
            }
        }
    }
}

/// The first original value of a top-level element, read as conditions read it.
fn first_value(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let text = super::conditions::original_text(obj, tag)?;
    Attr::from_text(&text).first().map(str::to_string)
}

impl Engine<'_> {
    /// The pixel rules of the plan that hold for `obj` (its original values).
    pub fn pixel_match(&self, obj: &InMemDicomObject) -> PixelMatch {
        self.plan
            .pixel_regions(&|t| super::conditions::original_text(obj, t))
    }
}

/// The risk of burned-in text the original header `obj` shows (before any rule).
pub fn burned_in_risk(obj: &InMemDicomObject) -> Option<BurnedInRisk> {
    let annotation = first_value(obj, BURNED_IN_ANNOTATION).map(|v| v.to_ascii_uppercase());
    if annotation.as_deref() == Some("YES") {
        return Some(BurnedInRisk::Declared);
    }
    let class = first_value(obj, SOP_CLASS_UID);
    let screen = class
        .as_deref()
        .is_some_and(|c| SCREEN_CAPTURE_CLASSES.contains(&c));
    (screen && annotation.as_deref() != Some("NO")).then_some(BurnedInRisk::ScreenCapture)
}

/// After every region of a matching pixel rule was blacked out: Burned In Annotation
/// (0028,0301) `NO`, and Clean Pixel Data (113101) added to (0012,0064) when the instance
/// claims the Basic Profile (113100) there.
pub fn record_clean_pixels(obj: &mut InMemDicomObject) {
    obj.put(DataElement::new(
        BURNED_IN_ANNOTATION,
        VR::CS,
        PrimitiveValue::from("NO"),
    ));
    let code = crate::plan::DeidOption::CleanPixelData;
    let has = |items: &[InMemDicomObject], c: &str| {
        items.iter().any(|i| {
            let text = |t| i.get(t).and_then(walk::text_of);
            text(Tag(0x0008, 0x0100)).as_deref().map(str::trim) == Some(c)
                && text(Tag(0x0008, 0x0102)).as_deref().map(str::trim) == Some("DCM")
        })
    };
    let mut items = match obj.get(CODES).map(|e| e.value()) {
        Some(Value::Sequence(seq)) => seq.items().to_vec(),
        _ => return,
    };
    if !has(&items, "113100") || has(&items, code.code()) {
        return;
    }
    items.push(InMemDicomObject::from_element_iter([
        DataElement::new(
            Tag(0x0008, 0x0100),
            VR::SH,
            PrimitiveValue::from(code.code()),
        ),
        DataElement::new(Tag(0x0008, 0x0102), VR::SH, PrimitiveValue::from("DCM")),
        DataElement::new(
            Tag(0x0008, 0x0104),
            VR::LO,
            PrimitiveValue::from(code.meaning()),
        ),
    ]));
    obj.put(DataElement::new(
        CODES,
        VR::SQ,
        DataSetSequence::new(items, Length::UNDEFINED),
    ));
}
