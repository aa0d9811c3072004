//! The PHI canary: a marker planted in every element the default profile touches, at the
//! root and deep in sequences; none reaches an output.

use super::*;

fn default_plan() -> Plan {
    profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Builtin("extra".into()),
    ])
    .plan
    .unwrap()
}

/// A marker per VR that the basic profile must not let through.
fn marker(vr: VR) -> Option<&'static str> {
    Some(match vr {
        VR::PN => "CANARY^PATIENT",
        VR::LO | VR::SH | VR::LT | VR::ST | VR::UT | VR::UC | VR::AE => "CANARYQZX",
        VR::CS => "CANARYQZX",
        VR::DA => "19770707",
        VR::TM => "070707.777",
        VR::DT => "19770707070707",
        VR::UI => "1.2.826.0.1.3680043.777.7777777",
        VR::IS => "77777777",
        VR::DS => "7777.7777",
        _ => return None,
    })
}

const MARKERS: &[&str] = &[
    "CANARY",
    "19770707",
    "070707.777",
    "1.2.826.0.1.3680043.777.7777777",
    "77777777",
    "7777.7777",
];

/// Puts a marker into every element (at every depth) that the plan does not keep.
fn plant(obj: &mut InMemDicomObject, plan: &Plan) {
    let tags: Vec<Tag> = obj.tags().collect();
    for tag in tags {
        let Some(e) = obj.take(tag) else { continue };
        let vr = e.vr();
        let kept = matches!(plan.decide(tag, None).action(), Action::Keep);
        let new = match e.into_value() {
            Value::Sequence(seq) => {
                let mut items = seq.into_items().into_vec();
                for it in &mut items {
                    plant(it, plan);
                }
                DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
            }
            v if !kept && tag.group() % 2 == 0 && tag.group() != 0x0002 => match marker(vr) {
                Some(m) => DataElement::new(tag, vr, PrimitiveValue::from(m)),
                None => DataElement::new(tag, vr, v),
            },
            v => DataElement::new(tag, vr, v),
        };
        obj.put(new);
    }
}

/// PHI five sequences deep (in sequences the plan keeps), with a private block.
fn deep_phi() -> DataElement<InMemDicomObject> {
    let mut item = InMemDicomObject::from_element_iter([
        text(tags::PATIENT_NAME, VR::PN, "CANARY^DEEP"),
        text(
            tags::REFERENCED_SOP_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.777.7777777",
        ),
        text(Tag(0x0029, 0x0010), VR::LO, "ACME CANARY"),
        text(Tag(0x0029, 0x1001), VR::LO, "CANARYPRIVATE"),
    ]);
    for _ in 0..5 {
        item = InMemDicomObject::from_element_iter([DataElement::new(
            tags::VOILUT_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(vec![item], Length::UNDEFINED),
        )]);
    }
    item.take(tags::VOILUT_SEQUENCE).unwrap()
}

#[test]
fn no_canary_reaches_the_output() {
    let plan = default_plan();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let files = [
        "pydicom__CT_small.dcm",
        "pydicom__MR_small.dcm",
        "pydicom__rtdose.dcm",
        "pydicom__reportsi.dcm",
        "pydicom__waveform_ecg.dcm",
        "pydicom-data__liver.dcm",
        "pydicom__examples_ybr_color.dcm",
        "dicognito__p01_s01_s01_i01.dcm",
        "pydicom__priv_SQ.dcm",
        "pydicom__JPEG2000.dcm",
        "pydicom__SC_rgb_small_odd.dcm",
        "pydicom__liver_1frame.dcm",
    ];
    let mut planted = 0;
    for f in files {
        let Ok(mut obj) = open_file(corpus(f)) else {
            panic!("{f} should read");
        };
        plant(&mut obj, &plan);
        obj.put(deep_phi());
        obj.put(text(Tag(0x0009, 0x0010), VR::LO, "CANARY CREATOR"));
        obj.put(text(Tag(0x0009, 0x1010), VR::LO, "CANARYQZX"));
        obj.put(text(tags::OTHER_PATIENT_NAMES, VR::PN, "CANARY^OTHER"));
        obj.put(text(tags::PATIENT_ADDRESS, VR::LO, "CANARY STREET"));
        obj.put(text(Tag(0x6000, 0x4000), VR::LT, "CANARY OVERLAY"));
        obj.write_to_file(src.join(f)).unwrap();
        planted += 1;
    }
    assert_eq!(planted, files.len());
    let out = dir.path().join("out");
    let key = key_file(dir.path());
    bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&src)
        .arg(&out)
        .assert()
        .success();
    let outputs = tree(&out);
    assert_eq!(outputs.len(), files.len());
    for (path, bytes) in &outputs {
        for m in MARKERS {
            assert!(
                !contains(bytes, m.as_bytes()),
                "{}: marker `{m}` leaked",
                path.display()
            );
        }
    }
    // and the inputs really held them
    let inputs = tree(&src);
    for m in [
        "CANARY^DEEP",
        "CANARYPRIVATE",
        "1.2.826.0.1.3680043.777.7777777",
    ] {
        assert!(
            inputs.values().all(|b| contains(b, m.as_bytes())),
            "{m} not planted"
        );
    }
}
