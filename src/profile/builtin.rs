//! Profiles embedded in the binary, addressed as `builtin:NAME`.
//!
//! The texts live in `profiles/` and are compiled in with `include_str!`, so the tool
//! works without any file next to it. `basic` and the option profiles are generated
//! from the standard's tables in `data/standard/` by `tests/it/profiles.rs`
//! (`UPDATE_PROFILES=1 cargo test --test it profiles`), which also checks row for row
//! that they agree with those tables; `extra` is written by hand; `pixel-signatures` and
//! `pixel-review` are generated from pydicom/deid's signature lists by `scripts/gen-pixel-signatures.py`
//! (`tests/it/pixel.rs` checks it is current). See docs/profiles.md.

/// One embedded profile.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub text: &'static str,
    pub summary: &'static str,
}

/// Every embedded profile.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "basic",
        text: include_str!("../../profiles/basic.anon"),
        summary: "PS3.15 Table E.1-1 Basic Application Level Confidentiality Profile (2026c)",
    },
    Builtin {
        name: "extra",
        text: include_str!("../../profiles/extra.anon"),
        summary: "the old dicom-anonymizer's extra rules (delete (0008,0012), (0008,0013), (0018,1012), (0018,1014))",
    },
    Builtin {
        name: "retain-safe-private",
        text: include_str!("../../profiles/retain-safe-private.anon"),
        summary: "Retain Safe Private Option: keep the private elements of PS3.15 Table E.3.10-1",
    },
    Builtin {
        name: "retain-uids",
        text: include_str!("../../profiles/retain-uids.anon"),
        summary: "Retain UIDs Option",
    },
    Builtin {
        name: "retain-device-identity",
        text: include_str!("../../profiles/retain-device-identity.anon"),
        summary: "Retain Device Identity Option",
    },
    Builtin {
        name: "retain-institution-identity",
        text: include_str!("../../profiles/retain-institution-identity.anon"),
        summary: "Retain Institution Identity Option",
    },
    Builtin {
        name: "retain-patient-characteristics",
        text: include_str!("../../profiles/retain-patient-characteristics.anon"),
        summary: "Retain Patient Characteristics Option",
    },
    Builtin {
        name: "retain-long-full-dates",
        text: include_str!("../../profiles/retain-long-full-dates.anon"),
        summary: "Retain Longitudinal Temporal Information with Full Dates Option",
    },
    Builtin {
        name: "retain-long-modified-dates",
        text: include_str!("../../profiles/retain-long-modified-dates.anon"),
        summary: "Retain Longitudinal Temporal Information with Modified Dates Option (keyed date shift)",
    },
    Builtin {
        name: "clean-descriptors",
        text: include_str!("../../profiles/clean-descriptors.anon"),
        summary: "Clean Descriptors Option: descriptions and comments kept, cleaned of the instance's identifying values",
    },
    Builtin {
        name: "clean-structured-content",
        text: include_str!("../../profiles/clean-structured-content.anon"),
        summary: "Clean Structured Content Option: the text of structured reports kept, cleaned",
    },
    Builtin {
        name: "clean-graphics",
        text: include_str!("../../profiles/clean-graphics.anon"),
        summary: "Clean Graphics Option: graphic annotation text kept, cleaned",
    },
    Builtin {
        name: "pixel-signatures",
        text: include_str!("../../profiles/pixel-signatures.anon"),
        summary: "regions of burned-in text of known devices, blacked out (generated from pydicom/deid's deid.dicom, MIT)",
    },
    Builtin {
        name: "pixel-review",
        text: include_str!("../../profiles/pixel-review.anon"),
        summary: "opt-in: deid's blacklist as `pixel flag`, its whitelist as `pixel accept` (generated from pydicom/deid's deid.dicom, MIT)",
    },
];

/// PS3.15 options that need pixel data cleaning, which the tool does not do.
pub const UNSUPPORTED: &[(&str, &str)] = &[
    ("clean-pixel-data", "Clean Pixel Data Option"),
    (
        "clean-recognizable-visual-features",
        "Clean Recognizable Visual Features Option",
    ),
];

/// The embedded profile called `name`.
pub fn get(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Names close to `name`, for "did you mean".
pub fn suggest(name: &str) -> Vec<String> {
    let names = BUILTINS
        .iter()
        .map(|b| b.name)
        .chain(UNSUPPORTED.iter().map(|(n, _)| *n));
    crate::fuzzy::closest(name, names, 0.8)
}
