//! Holes in the engine and the plan: private creators of the same item, actions that cannot
//! apply to a VR, command elements in items, numbers stored as UN, combined actions shown.

use super::*;

#[test]
fn private_creators_are_taken_from_the_same_item() {
    // two blocks in one group, the same block number in two groups, and an item whose
    // creators differ from the root's: each element is decided by its own block's creator
    let plan = text_plan(
        // the base file's StationName holds the value of its private SuiteId: under
        // `default keep` that is a real residual, so this plan takes it out
        "default keep\nprivate delete\nStationName delete\n\
         (0011,\"KEEP ME\",01) keep\n\
         (0013,\"KEEP ME\",01) keep\n",
    );
    let block = |creators: &[(u16, u16, &str)], elements: &[(u16, u16, &str)]| {
        let mut v: Vec<InMemElement> = creators
            .iter()
            .map(|(g, e, c)| text(Tag(*g, *e), VR::LO, c))
            .collect();
        v.extend(
            elements
                .iter()
                .map(|(g, e, s)| text(Tag(*g, *e), VR::LO, s)),
        );
        v
    };
    let layout = |root: bool| {
        let (a, b) = if root {
            ("KEEP ME", "DROP ME")
        } else {
            ("DROP ME", "KEEP ME")
        };
        block(
            &[
                (0x0011, 0x0010, a),
                (0x0011, 0x0011, b),
                (0x0013, 0x0010, b),
                (0x0013, 0x0011, a),
            ],
            &[
                (0x0011, 0x1001, "BLOCK-10-OF-11"),
                (0x0011, 0x1101, "BLOCK-11-OF-11"),
                (0x0013, 0x1001, "BLOCK-10-OF-13"),
                (0x0013, 0x1101, "BLOCK-11-OF-13"),
            ],
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    for e in layout(true) {
        obj.put(e);
    }
    obj.put(seq(RADIOPHARMACEUTICAL, vec![item(layout(false))]));
    obj.write_to_file(&src).unwrap();
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    let o = open_file(&out).unwrap();
    let present = |steps: &[(Tag, usize)], g: u16, e: u16| at(&o, steps, Tag(g, e)).is_some();
    let item0 = [(RADIOPHARMACEUTICAL, 0)];
    // root: block 10 of 0011 and block 11 of 0013 are "KEEP ME"
    assert!(present(&[], 0x0011, 0x1001));
    assert!(!present(&[], 0x0011, 0x1101));
    assert!(!present(&[], 0x0013, 0x1001));
    assert!(present(&[], 0x0013, 0x1101));
    // in the item, the other way round
    assert!(!present(&item0, 0x0011, 0x1001));
    assert!(present(&item0, 0x0011, 0x1101));
    assert!(present(&item0, 0x0013, 0x1001));
    assert!(!present(&item0, 0x0013, 0x1101));
    // creators stay exactly where an element of their block stays
    assert!(present(&[], 0x0011, 0x0010) && !present(&[], 0x0011, 0x0011));
    assert!(!present(&item0, 0x0011, 0x0010) && present(&item0, 0x0011, 0x0011));
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );

    // check decides by the item's own creators too
    let doctored = tmp.path().join("doctored.dcm");
    fs::copy(&out, &doctored).unwrap();
    doctor(&doctored, |o| {
        let mut top = o.take(RADIOPHARMACEUTICAL).unwrap().into_value();
        let Value::Sequence(s) = &mut top else {
            panic!()
        };
        s.items_mut()[0].put(text(Tag(0x0011, 0x0010), VR::LO, "DROP ME"));
        s.items_mut()[0].put(text(Tag(0x0011, 0x1001), VR::LO, "BACK AGAIN"));
        o.put(DataElement::new(RADIOPHARMACEUTICAL, VR::SQ, top));
        o.put(text(Tag(0x0013, 0x0011), VR::LO, "KEEP ME"));
        o.put(text(Tag(0x0013, 0x1101), VR::LO, "ALLOWED"));
    });
    assert_eq!(
        messages(&findings(&plan, &doctored, None)),
        ["private element not allowed by the plan at (0054,0016)[0]/(0011,1001)"]
    );
}

#[test]
fn an_action_that_cannot_apply_to_the_vr_removes_the_element() {
    // only reachable where the VR is known from the file alone (private elements,
    // elements stored as UN): removing is the one choice that cannot leak
    let plan = text_plan(
        "default keep\nprivate keep\n\
         (0009,\"ACME\",01) uid\n\
         (0009,\"ACME\",02) shift-date\n\
         (0009,\"ACME\",03) hash\n\
         (0009,\"ACME\",04) hash\n\
         (0009,\"ACME\",05) hash\n\
         (0009,\"ACME\",06) regexp \"Z\" \"Y\"\n\
         (0009,\"ACME\",07) hash\n\
         (0009,\"ACME\",08) replace \"ABC\"\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    obj.put(text(Tag(0x0009, 0x0010), VR::LO, "ACME"));
    obj.put(text(Tag(0x0009, 0x1001), VR::LO, "ZQXNOTAUID"));
    obj.put(text(Tag(0x0009, 0x1002), VR::LO, "ZQXNOTADATE"));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1003),
        VR::OB,
        PrimitiveValue::U8(b"ZQXBINARY!".to_vec().into()),
    ));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1004),
        VR::UN,
        PrimitiveValue::U8(b"ZQXUNKNOWN".to_vec().into()),
    ));
    obj.put(text(Tag(0x0009, 0x1005), VR::LO, "ZQXHASHME"));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1006),
        VR::US,
        PrimitiveValue::from(7_u16),
    ));
    obj.put(text(
        Tag(0x0009, 0x1007),
        VR::UI,
        "1.2.826.0.1.3680043.10.543.5",
    ));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1008),
        VR::OB,
        PrimitiveValue::U8(b"ZQXBYTES".to_vec().into()),
    ));
    obj.write_to_file(&src).unwrap();
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    let o = open_file(&out).unwrap();
    for e in [0x1001, 0x1002, 0x1003, 0x1004, 0x1006, 0x1007, 0x1008] {
        assert!(o.get(Tag(0x0009, e)).is_none(), "(0009,{e:04X}) kept");
    }
    // the control: a hash that fits is applied
    let hashed = str_at(&o, &[], Tag(0x0009, 0x1005)).unwrap();
    assert_eq!(hashed, keys().pseudonym("ZQXHASHME", 16));
    assert!(!contains(&fs::read(&out).unwrap(), b"ZQX"));
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );
}

#[test]
fn command_elements_inside_an_item_are_removed_and_found() {
    // group 0000 (a network capture saved as a file) at depth 1 and 2: removed whatever
    // the plan says, and `check` reports it where it finds it
    // (StationName: see private_creators_are_taken_from_the_same_item)
    let plan = text_plan("default keep\nStationName delete\n(0000,0600) keep\n(0000,1000) keep\n");
    let command = || {
        vec![
            text(Tag(0x0000, 0x0600), VR::AE, "ZQXMOVEDEST"),
            text(Tag(0x0000, 0x1000), VR::UI, "1.2.826.0.1.3680043.10.543.99"),
        ]
    };
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    let mut inner = command();
    inner.push(text(CODE_MEANING, VR::LO, "kept"));
    let mut outer = command();
    outer.push(seq(RADIONUCLIDE_CODE, vec![item(inner)]));
    obj.put(seq(RADIOPHARMACEUTICAL, vec![item(outer)]));
    obj.write_to_file(&src).unwrap();
    assert!(contains(&fs::read(&src).unwrap(), b"ZQXMOVEDEST"));
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    assert!(!contains(&fs::read(&out).unwrap(), b"ZQXMOVEDEST"));
    let o = open_file(&out).unwrap();
    let one = [(RADIOPHARMACEUTICAL, 0)];
    let two = [(RADIOPHARMACEUTICAL, 0), (RADIONUCLIDE_CODE, 0)];
    for steps in [&one[..], &two[..]] {
        for e in [0x0600, 0x1000] {
            assert!(
                at(&o, steps, Tag(0x0000, e)).is_none(),
                "{steps:?} (0000,{e:04X})"
            );
        }
    }
    assert_eq!(str_at(&o, &two, CODE_MEANING).as_deref(), Some("kept"));
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );

    // planted back at depth 2, `check` finds it
    let doctored = tmp.path().join("doctored.dcm");
    fs::copy(&src, &doctored).unwrap();
    let f = messages(&findings(&plan, &doctored, None));
    for want in [
        "should be gone at (0054,0016)[0]/(0000,0600)",
        "should be gone at (0054,0016)[0]/(0054,0300)[0]/(0000,0600)",
        "should be gone at (0054,0016)[0]/(0054,0300)[0]/(0000,1000)",
    ] {
        assert!(f.iter().any(|m| m == want), "{want} not in {f:?}");
    }
}

#[test]
fn numbers_stored_as_un_are_retyped_with_their_values() {
    // a standard tag stored as UN gets its dictionary VR and a typed value (the data set
    // API hands the object back: a U8 value under VR FD would read as bytes, not numbers)
    use dicom_anonymizer::dictionary::vr_of;
    let cases: [(Tag, VR, Vec<u8>); 6] = [
        (Tag(0x0028, 0x0010), VR::US, 512u16.to_le_bytes().to_vec()),
        (Tag(0x0018, 0x9219), VR::SS, (-7i16).to_le_bytes().to_vec()),
        (
            Tag(0x0028, 0x9001),
            VR::UL,
            70_000u32.to_le_bytes().to_vec(),
        ),
        (
            Tag(0x0018, 0x6020),
            VR::SL,
            (-70_000i32).to_le_bytes().to_vec(),
        ),
        (
            Tag(0x0018, 0x9089),
            VR::FD,
            [1.5f64, -2.25, 0.125]
                .iter()
                .flat_map(|f| f.to_le_bytes())
                .collect(),
        ),
        (Tag(0x0018, 0x1320), VR::FL, 2.5f32.to_le_bytes().to_vec()),
    ];
    let plan = text_plan("default keep\n");
    let mut obj = item(
        cases
            .iter()
            .map(|(t, _, bytes)| {
                DataElement::new(*t, VR::UN, PrimitiveValue::U8(bytes.clone().into()))
            })
            .collect(),
    );
    plan.apply(&mut obj, &keys()).unwrap();
    for (tag, vr, _) in &cases {
        assert_eq!(
            vr_of(*tag),
            Some(*vr),
            "{tag:?}: pick another tag of VR {vr:?}"
        );
        let e = obj.get(*tag).unwrap();
        assert_eq!(e.vr(), *vr, "{tag:?}");
        let want: &[f64] = match vr {
            VR::US => &[512.0],
            VR::SS => &[-7.0],
            VR::UL => &[70_000.0],
            VR::SL => &[-70_000.0],
            VR::FD => &[1.5, -2.25, 0.125],
            _ => &[2.5],
        };
        assert_eq!(e.to_multi_float64().unwrap(), want, "{tag:?}");
        assert!(
            !matches!(e.value(), Value::Primitive(PrimitiveValue::U8(_))),
            "{tag:?}: raw bytes"
        );
    }
}

#[test]
fn plan_shows_what_a_combined_action_resolves_to() {
    // `plan --sop-class` names the branch each combined action takes in that IOD
    let out = bin()
        .args(["plan", "--sop-class", "1.2.840.10008.5.1.4.1.1.2"])
        .args(["ReferencedImageSequence", "InstitutionName"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let resolved: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("resolves  "))
        .collect();
    assert_eq!(
        resolved,
        [
            "delete  # Type 3 in the IOD of CT Image Storage (1.2.840.10008.5.1.4.1.1.2)",
            "delete  # Type 3 in the IOD of CT Image Storage (1.2.840.10008.5.1.4.1.1.2)",
        ],
        "{stdout}"
    );
}
