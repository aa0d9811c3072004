//! The de-identification attributes written into every output: Patient Identity Removed
//! (0012,0062), De-identification Method (0012,0063) and its codes (0012,0064), and
//! Longitudinal Temporal Information Modified (0028,0303). The input's own method values
//! and codes are kept, and ours appended.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_object::InMemDicomObject;

use super::{
    DEIDENTIFICATION_METHOD, DEIDENTIFICATION_METHOD_CODES, Engine,
    LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED, PATIENT_IDENTITY_REMOVED, walk,
};
use crate::plan::{DeidOption, Plan};

impl Engine<'_> {
    /// The values of De-identification Method (0012,0063) this tool adds: the tool and
    /// version, each profile name (LO: at most 64 characters each), and, when the plan
    /// does not satisfy the Basic Profile, [`NOT_CONFORMANT`].
    pub fn method_values(&self) -> Vec<String> {
        Self::method_values_of(self.plan)
    }

    /// [`Engine::method_values`] for the plan an instance got (its claims).
    fn method_values_of(plan: &Plan) -> Vec<String> {
        let mut v = vec![format!("dicom-anonymizer {}", env!("CARGO_PKG_VERSION"))];
        for name in plan.names() {
            v.push(name.chars().filter(|c| *c != '\\').take(64).collect());
        }
        if !plan.claims().basic {
            v.push(NOT_CONFORMANT.to_string());
        }
        v
    }

    /// The CID 7050 codes this tool adds to (0012,0064): what the plan earns (the
    /// compiler compares it with PS3.15 Table E.1-1), never what it merely declares.
    pub fn method_codes(&self) -> Vec<DeidOption> {
        self.plan.claims().codes()
    }

    /// Writes (0012,0062), (0012,0063), (0012,0064) and (0028,0303). `earlier` holds the
    /// input's own (0012,0063) values and (0012,0064) items, read before the walk: they
    /// are kept, and ours appended.
    /// The claims are those of the plan the instance got (under its conditions).
    pub(super) fn write_deid_attributes(plan: &Plan, obj: &mut InMemDicomObject, earlier: Earlier) {
        let claims = plan.claims();
        if claims.basic {
            obj.put(DataElement::new(
                PATIENT_IDENTITY_REMOVED,
                VR::CS,
                PrimitiveValue::from("YES"),
            ));
        }
        let mut method = earlier.method;
        method.extend(Self::method_values_of(plan));
        obj.put(DataElement::new(
            DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(method.into()),
        ));
        let mut items = earlier.codes;
        for o in claims.codes() {
            let present = items.iter().any(|i| {
                let text = |t| i.get(t).and_then(walk::text_of);
                text(Tag(0x0008, 0x0100)).as_deref() == Some(o.code())
                    && text(Tag(0x0008, 0x0102)).as_deref() == Some("DCM")
            });
            if present {
                continue;
            }
            items.push(InMemDicomObject::from_element_iter([
                DataElement::new(Tag(0x0008, 0x0100), VR::SH, PrimitiveValue::from(o.code())),
                DataElement::new(Tag(0x0008, 0x0102), VR::SH, PrimitiveValue::from("DCM")),
                DataElement::new(
                    Tag(0x0008, 0x0104),
                    VR::LO,
                    PrimitiveValue::from(o.meaning()),
                ),
            ]));
        }
        if items.is_empty() {
            obj.remove_element(DEIDENTIFICATION_METHOD_CODES);
        } else {
            obj.put(DataElement::new(
                DEIDENTIFICATION_METHOD_CODES,
                VR::SQ,
                DataSetSequence::new(items, Length::UNDEFINED),
            ));
        }
        obj.put(DataElement::new(
            LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            PrimitiveValue::from(claims.longitudinal.as_str()),
        ));
    }
}

/// The (0012,0063) value added when the plan does not satisfy the Basic Profile.
pub const NOT_CONFORMANT: &str = "NOT CONFORMANT WITH PS3.15 BASIC PROFILE";

/// The de-identification attributes an input already had.
#[derive(Debug, Default)]
pub(super) struct Earlier {
    method: Vec<String>,
    codes: Vec<InMemDicomObject>,
}

impl Earlier {
    pub(super) fn of(obj: &InMemDicomObject) -> Earlier {
        use dicom_core::value::Value;
        let method = match obj.get(DEIDENTIFICATION_METHOD).map(|e| e.value()) {
            Some(Value::Primitive(p)) => p
                .to_multi_str()
                .iter()
                .map(|s| s.trim_end_matches([' ', '\0']).to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        let codes = match obj.get(DEIDENTIFICATION_METHOD_CODES).map(|e| e.value()) {
            Some(Value::Sequence(seq)) => seq.items().to_vec(),
            _ => Vec::new(),
        };
        Earlier { method, codes }
    }
}
