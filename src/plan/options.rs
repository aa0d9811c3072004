//! PS3.15 Annex E options (CID 7050) a profile can declare.

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
