//! Holes in `check`: the residual scan searches removed values at every depth, and finds
//! values that are not replaced or not hashed.

use super::*;

const OTHER_PATIENT_IDS_SEQ: Tag = Tag(0x0010, 0x1002); // X: removed
const MANUFACTURER: Tag = Tag(0x0008, 0x0070);

#[test]
fn the_residual_scan_searches_values_removed_at_every_depth() {
    // values the plan takes out inside a removed sequence and two kept sequences deep;
    // each is planted in an output (at the root, deep in a kept sequence, in the pixel
    // data bytes) and `check --source` must find it there, naming both places
    let plan = default_plan();
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    obj.put(seq(
        OTHER_PATIENT_IDS_SEQ,
        vec![item(vec![
            text(Tag(0x0010, 0x0020), VR::LO, "ZQXHOLE01"),
            seq(
                Tag(0x0010, 0x1002),
                vec![item(vec![text(Tag(0x0010, 0x0020), VR::LO, "ZQXHOLE02")])],
            ),
        ])],
    ));
    obj.put(seq(
        RADIOPHARMACEUTICAL,
        vec![item(vec![seq(
            RADIONUCLIDE_CODE,
            vec![item(vec![
                text(Tag(0x0008, 0x0100), VR::SH, "C-111A1"),
                text(CODE_MEANING, VR::LO, "^18^Fluorine"),
                text(Tag(0x0010, 0x1040), VR::LO, "ZQXHOLE03 STREET"),
            ])],
        )])],
    ));
    obj.write_to_file(&src).unwrap();
    let clean = tmp.path().join("clean.dcm");
    deid(&plan, &src, &clean);
    assert_eq!(
        messages(&findings(&plan, &clean, Some(&src))),
        Vec::<String>::new()
    );
    let bytes = fs::read(&clean).unwrap();
    for m in ["ZQXHOLE01", "ZQXHOLE02", "ZQXHOLE03"] {
        assert!(!contains(&bytes, m.as_bytes()), "{m} leaked");
    }

    let from = [
        ("ZQXHOLE01", "(0010,1002)[0]/(0010,0020)"),
        ("ZQXHOLE02", "(0010,1002)[0]/(0010,1002)[0]/(0010,0020)"),
        (
            "ZQXHOLE03 STREET",
            "(0054,0016)[0]/(0054,0300)[0]/(0010,1040)",
        ),
    ];
    let deep = [(RADIOPHARMACEUTICAL, 0), (RADIONUCLIDE_CODE, 0)];
    for (value, source_path) in from {
        // at the root, in an element the plan keeps
        let out = tmp.path().join("root.dcm");
        fs::copy(&clean, &out).unwrap();
        doctor(&out, |o| {
            o.put(text(MANUFACTURER, VR::LO, value));
        });
        let want = format!(
            "residual PHI: a value the plan takes out at {source_path} in the source is found at (0008,0070)"
        );
        assert_eq!(
            messages(&findings(&plan, &out, Some(&src))),
            [want],
            "{value}"
        );

        // two kept sequences deep
        doctor(&out, |o| {
            o.put(text(MANUFACTURER, VR::LO, "SOMEBODY"));
            let mut top = o.take(RADIOPHARMACEUTICAL).unwrap().into_value();
            let Value::Sequence(s) = &mut top else {
                panic!()
            };
            let inner = s.items_mut()[0].get(RADIONUCLIDE_CODE).unwrap().clone();
            let mut inner = inner.into_value();
            let Value::Sequence(i) = &mut inner else {
                panic!()
            };
            i.items_mut()[0].put(text(CODE_MEANING, VR::LO, value));
            s.items_mut()[0].put(DataElement::new(RADIONUCLIDE_CODE, VR::SQ, inner));
            o.put(DataElement::new(RADIOPHARMACEUTICAL, VR::SQ, top));
        });
        let obj = open_file(&out).unwrap();
        assert_eq!(str_at(&obj, &deep, CODE_MEANING).as_deref(), Some(value));
        let want = format!(
            "residual PHI: a value the plan takes out at {source_path} in the source is found at (0054,0016)[0]/(0054,0300)[0]/(0008,0104)"
        );
        assert_eq!(
            messages(&findings(&plan, &out, Some(&src))),
            [want],
            "{value}"
        );

        // in the bytes of the pixel data
        let out = tmp.path().join("pixels.dcm");
        let mut b = bytes.clone();
        let n = b.len();
        b[n - 100..n - 100 + value.len()].copy_from_slice(value.as_bytes());
        fs::write(&out, &b).unwrap();
        // scanned only when asked (`check --scan-pixels`)
        assert_eq!(
            messages(&findings(&plan, &out, Some(&src))),
            Vec::<String>::new()
        );
        let got = messages(
            &Checker::new(&plan)
                .scan_pixels(true)
                .check_file(&out, Some(&src))
                .findings,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        let want = format!(
            "residual PHI: a value the plan takes out at {source_path} in the source is found in the file's bytes at byte {}",
            n - 100
        );
        assert_eq!(got[0], want);
    }
}

#[test]
fn check_finds_values_that_are_not_replaced_or_not_hashed() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("holes.anon");
    fs::write(
        &profile,
        "profile \"holes\"\n\
         (0010,0010) replace\n\
         (0010,0020) hash\n\
         (0020,0011) hash\n\
         (0008,0080) replace \"SOMEWHERE\"\n\
         (0008,1010) replace \"ONE\\\\TWO\"\n",
    )
    .unwrap();
    let plan = plan_of(&[Entry::Builtin("basic".into()), Entry::Path(profile.clone())]);
    let src = tmp.path().join("src.dcm");
    let mut obj = base();
    obj.put(text(Tag(0x0010, 0x0010), VR::PN, "ZQXDOE^JOHN"));
    obj.put(text(Tag(0x0010, 0x0020), VR::LO, "ZQXPAT-77"));
    obj.put(text(Tag(0x0020, 0x0011), VR::IS, "4"));
    obj.put(text(Tag(0x0008, 0x0080), VR::LO, "ZQX HOSPITAL"));
    obj.put(text(Tag(0x0008, 0x1010), VR::SH, "ZQXSTATION"));
    obj.write_to_file(&src).unwrap();
    let out = tmp.path().join("out.dcm");
    deid(&plan, &src, &out);
    let o = open_file(&out).unwrap();
    assert_eq!(
        str_at(&o, &[], Tag(0x0008, 0x0080)).as_deref(),
        Some("SOMEWHERE")
    );
    assert_eq!(
        str_at(&o, &[], Tag(0x0008, 0x1010)).as_deref(),
        Some("ONE\\TWO")
    );
    assert_eq!(
        messages(&findings(&plan, &out, Some(&src))),
        Vec::<String>::new()
    );

    let cases: [(&str, InMemElement, FindingKind, &str); 6] = [
        (
            "dummy",
            text(Tag(0x0010, 0x0010), VR::PN, "SOME^ONE"),
            FindingKind::NotReplaced,
            "should hold the replacement value at (0010,0010)",
        ),
        (
            "literal",
            text(Tag(0x0008, 0x0080), VR::LO, "ELSEWHERE"),
            FindingKind::NotReplaced,
            "should hold the plan's literal at (0008,0080)",
        ),
        (
            "literal-values",
            text(Tag(0x0008, 0x1010), VR::SH, "ONE"),
            FindingKind::NotReplaced,
            "should hold the plan's literal at (0008,1010)",
        ),
        (
            "text-hash",
            text(Tag(0x0010, 0x0020), VR::LO, "PAT-0001"),
            FindingKind::NotHashed,
            "not a pseudonym at (0010,0020)",
        ),
        (
            "short-hash",
            text(Tag(0x0010, 0x0020), VR::LO, "ABCDEFGHIJKLMNO"),
            FindingKind::NotHashed,
            "not a pseudonym at (0010,0020)",
        ),
        (
            "number-hash",
            text(Tag(0x0020, 0x0011), VR::IS, "-5"),
            FindingKind::NotHashed,
            "not a pseudonym at (0020,0011)",
        ),
    ];
    for (name, element, kind, message) in cases {
        let doctored = tmp.path().join(format!("{name}.dcm"));
        fs::copy(&out, &doctored).unwrap();
        doctor(&doctored, |o| {
            o.put(element);
        });
        let f = findings(&plan, &doctored, None);
        assert_eq!(f.len(), 1, "{name}: {f:?}");
        assert_eq!(f[0].kind, kind, "{name}");
        assert_eq!(f[0].message, message, "{name}");
    }
    // what the tool itself would write passes: an empty value, another pseudonym
    for (name, element) in [
        (
            "empty-dummy",
            DataElement::empty(Tag(0x0010, 0x0010), VR::PN),
        ),
        (
            "other-pseudonym",
            text(Tag(0x0010, 0x0020), VR::LO, "ABCDEFGHIJKLMNOP"),
        ),
        (
            "other-number",
            text(Tag(0x0020, 0x0011), VR::IS, "123456789"),
        ),
    ] {
        let doctored = tmp.path().join(format!("{name}.dcm"));
        fs::copy(&out, &doctored).unwrap();
        doctor(&doctored, |o| {
            o.put(element);
        });
        assert_eq!(
            messages(&findings(&plan, &doctored, None)),
            Vec::<String>::new(),
            "{name}"
        );
    }
}
