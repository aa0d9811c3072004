//! The realistic inputs: a structured report with identifying Text Values at several
//! depths, a CT whose Image Comments holds the Patient ID, an encapsulated PDF.

use super::*;

fn el(tag: Tag, vr: VR, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(v))
}

fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

fn code(value: &str, meaning: &str) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        el(tags::CODE_VALUE, VR::SH, value),
        el(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM"),
        el(tags::CODE_MEANING, VR::LO, meaning),
    ])
}

fn patient(obj: &mut InMemDicomObject, sop_class: &str, instance: &str) {
    for e in [
        el(tags::SOP_CLASS_UID, VR::UI, sop_class),
        el(tags::SOP_INSTANCE_UID, VR::UI, instance),
        el(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.10.543.81",
        ),
        el(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.10.543.82",
        ),
        el(tags::PATIENT_NAME, VR::PN, &format!("{FAMILY}^Jane")),
        el(tags::PATIENT_ID, VR::LO, MRN),
        el(tags::PATIENT_BIRTH_DATE, VR::DA, BIRTH),
        el(tags::ACCESSION_NUMBER, VR::SH, ACCESSION),
        el(tags::STUDY_DATE, VR::DA, "20210304"),
    ] {
        obj.put(e);
    }
}

fn write(path: &Path, obj: InMemDicomObject) {
    let class = obj
        .get(tags::SOP_CLASS_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let instance = obj
        .get(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.1")
                .media_storage_sop_class_uid(class)
                .media_storage_sop_instance_uid(instance),
        )
        .unwrap();
    file.write_to_file(path).unwrap();
}

/// A Comprehensive SR: text, names and dates at depths 1, 2 and 3, with a code, a number
/// and an image reference that must survive.
fn report() -> InMemDicomObject {
    let text = |t: &str| {
        InMemDicomObject::from_element_iter([
            el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
            el(tags::VALUE_TYPE, VR::CS, "TEXT"),
            seq(
                tags::CONCEPT_NAME_CODE_SEQUENCE,
                vec![code("121071", "Finding")],
            ),
            el(tags::TEXT_VALUE, VR::UT, t),
        ])
    };
    let num = InMemDicomObject::from_element_iter([
        el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        el(tags::VALUE_TYPE, VR::CS, "NUM"),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("121206", "Distance")],
        ),
        seq(
            tags::MEASURED_VALUE_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([
                el(tags::NUMERIC_VALUE, VR::DS, "42.5"),
                seq(
                    tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
                    vec![code("mm", "millimeter")],
                ),
            ])],
        ),
    ]);
    let image = InMemDicomObject::from_element_iter([
        el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        el(tags::VALUE_TYPE, VR::CS, "IMAGE"),
        seq(
            tags::REFERENCED_SOP_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([
                el(
                    tags::REFERENCED_SOP_CLASS_UID,
                    VR::UI,
                    "1.2.840.10008.5.1.4.1.1.2",
                ),
                el(
                    tags::REFERENCED_SOP_INSTANCE_UID,
                    VR::UI,
                    "1.2.826.0.1.3680043.10.543.99",
                ),
            ])],
        ),
    ]);
    let pname = InMemDicomObject::from_element_iter([
        el(tags::RELATIONSHIP_TYPE, VR::CS, "HAS OBS CONTEXT"),
        el(tags::VALUE_TYPE, VR::CS, "PNAME"),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("121008", "Person Observer Name")],
        ),
        el(tags::PERSON_NAME, VR::PN, &format!("{FAMILY}^Jane^^Dr")),
    ]);
    let date = InMemDicomObject::from_element_iter([
        el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        el(tags::VALUE_TYPE, VR::CS, "DATE"),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("111060", "Study Date")],
        ),
        el(tags::DATE, VR::DA, "20210304"),
    ]);
    let mut deep = text(&format!("follow-up for {MRN} ({ACCESSION})"));
    deep.put(seq(
        tags::CONTENT_SEQUENCE,
        vec![text(&format!("{NAME}, born {BIRTH}"))],
    ));
    let container = InMemDicomObject::from_element_iter([
        el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        el(tags::VALUE_TYPE, VR::CS, "CONTAINER"),
        el(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE"),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("121070", "Findings")],
        ),
        seq(tags::CONTENT_SEQUENCE, vec![deep, num, image]),
    ]);
    let mut obj = InMemDicomObject::from_element_iter([
        el(tags::MODALITY, VR::CS, "SR"),
        el(tags::VALUE_TYPE, VR::CS, "CONTAINER"),
        el(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE"),
        seq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("18748-4", "Diagnostic Imaging Report")],
        ),
        seq(
            tags::CONTENT_SEQUENCE,
            vec![
                pname,
                date,
                text(&format!("{NAME}, MRN {MRN}, seen {SEEN}")),
                container,
            ],
        ),
    ]);
    patient(
        &mut obj,
        "1.2.840.10008.5.1.4.1.1.88.33",
        "1.2.826.0.1.3680043.10.543.83",
    );
    obj
}

/// A CT whose Image Comments holds the Patient ID.
fn ct() -> InMemDicomObject {
    let mut obj = InMemDicomObject::from_element_iter([
        el(tags::MODALITY, VR::CS, "CT"),
        el(
            tags::IMAGE_COMMENTS,
            VR::LT,
            &format!("patient {MRN}, see prior"),
        ),
    ]);
    patient(
        &mut obj,
        "1.2.840.10008.5.1.4.1.1.2",
        "1.2.826.0.1.3680043.10.543.84",
    );
    obj
}

/// An encapsulated PDF whose title and document hold the patient's name.
fn pdf() -> InMemDicomObject {
    let doc = format!("%PDF-1.4\n1 0 obj << /Title ({NAME} {MRN}) >> endobj\n%%EOF\n");
    let mut bytes = doc.into_bytes();
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    let mut obj = InMemDicomObject::from_element_iter([
        el(tags::MODALITY, VR::CS, "DOC"),
        el(tags::DOCUMENT_TITLE, VR::ST, &format!("Letter for {NAME}")),
        el(
            tags::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT,
            VR::LO,
            "application/pdf",
        ),
        DataElement::new(
            tags::ENCAPSULATED_DOCUMENT,
            VR::OB,
            PrimitiveValue::U8(bytes.into()),
        ),
    ]);
    patient(&mut obj, PDF_CLASS, "1.2.826.0.1.3680043.10.543.85");
    obj
}

pub(super) fn inputs(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    write(&dir.join("report.dcm"), report());
    write(&dir.join("ct.dcm"), ct());
    write(&dir.join("letter.dcm"), pdf());
}
