use super::*;

#[test]
fn dummies_are_valid_for_their_vr() {
    for &vr in DUMMY_TABLE_VRS {
        if let Some(d) = dummy_text(vr) {
            assert_eq!(check_literal(vr, d), Ok(()), "{vr}");
        }
    }
}

#[test]
fn attribute_dummies_fit_their_attribute() {
    for (tag, dummy) in ATTRIBUTE_DUMMIES {
        let vr = crate::dictionary::vr_of(*tag).unwrap();
        assert_eq!(check_literal(vr, dummy), Ok(()), "{tag}");
        assert_eq!(dummy_for(*tag, vr), Some(*dummy));
    }
    assert_eq!(dummy_for(Tag(0x0008, 0x0060), VR::CS), Some("ANONYMIZED"));
    // an element of the tag stored with another VR gets that VR's dummy
    assert_eq!(dummy_for(Tag(0x0400, 0x0565), VR::DA), Some("19000101"));
}

#[test]
fn docs_list_every_dummy() {
    let docs = include_str!("../../docs/semantics.md");
    let rows: Vec<Vec<&str>> = docs
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    for &vr in DUMMY_TABLE_VRS {
        let Some(dummy) = dummy_text(vr) else {
            continue;
        };
        let listed = rows.iter().any(|r| {
            r.get(1)
                .is_some_and(|c| c.split(", ").any(|v| v == vr.to_string()))
                && r.get(2) == Some(&format!("`{dummy}`").as_str())
        });
        assert!(listed, "docs/semantics.md: no row `| {vr} | `{dummy}` |`");
    }
    for (tag, dummy) in ATTRIBUTE_DUMMIES {
        let t = crate::tag::fmt_tag(*tag);
        let listed = rows.iter().any(|r| {
            r.get(1).is_some_and(|c| c.starts_with(&t))
                && r.get(2) == Some(&format!("`{dummy}`").as_str())
        });
        assert!(listed, "docs/semantics.md: no row for {t} with `{dummy}`");
    }
}

#[test]
fn lengths() {
    assert!(check_literal(VR::SH, "0123456789abcdef").is_ok());
    assert_eq!(
        check_literal(VR::SH, "0123456789abcdefg"),
        Err(LiteralProblem::TooLong {
            vr: VR::SH,
            max: 16
        })
    );
    assert!(check_literal(VR::SH, "a\\b").is_ok(), "two values");
    assert!(check_literal(VR::LO, &"x".repeat(64)).is_ok());
    assert!(check_literal(VR::LO, &"x".repeat(65)).is_err());
    assert!(check_literal(VR::PN, &format!("{}={}", "a".repeat(64), "b".repeat(64))).is_ok());
}

#[test]
fn dates_and_times() {
    assert!(valid_date("20240229"));
    assert!(!valid_date("20230229"));
    assert!(!valid_date("2023-01-01"));
    assert!(!valid_date("00000000"));
    assert!(valid_time("235959.123456"));
    assert!(valid_time("1200"));
    assert!(!valid_time("2400"));
    assert!(!valid_time("12:00"));
    assert!(valid_datetime("20240101120000.5+0100"));
    assert!(valid_datetime("2024"));
    assert!(!valid_datetime("20241301"));
    assert!(check_literal(VR::DA, "2024").is_err());
}

#[test]
fn numbers_and_uids() {
    assert!(check_literal(VR::IS, "-12").is_ok());
    assert!(check_literal(VR::IS, "1A").is_err());
    assert!(check_literal(VR::DS, "1.5e3").is_ok());
    assert!(check_literal(VR::DS, "abc").is_err());
    assert!(check_literal(VR::US, "65535").is_ok());
    assert!(check_literal(VR::US, "65536").is_err());
    assert!(check_literal(VR::US, "x").is_err());
    assert!(check_literal(VR::UI, "1.2.840.10008.1.2").is_ok());
    assert!(check_literal(VR::UI, "1.02.3").is_err());
    assert!(check_literal(VR::UI, "1..3").is_err());
    assert!(check_literal(VR::CS, "ORIGINAL").is_ok());
    assert!(check_literal(VR::CS, "original").is_err());
    assert!(check_literal(VR::AS, "045Y").is_ok());
    assert!(check_literal(VR::AS, "45Y").is_err());
    assert_eq!(
        check_literal(VR::OB, "00"),
        Err(LiteralProblem::NotText { vr: VR::OB })
    );
    assert_eq!(
        check_literal(VR::SQ, ""),
        Err(LiteralProblem::NotText { vr: VR::SQ })
    );
}
