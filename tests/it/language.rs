//! The profile language end to end: reports for bad profiles, plans for good ones,
//! the printer round trip, and a compiler that never panics.
//!
//! To add a case, drop a `.anon` file into `tests/corpus/compile/{err,warn,ok}/` and run
//! `INSTA_UPDATE=always cargo test --test it language`, then review the new snapshot.

use std::collections::BTreeSet;

use dicom_anonymizer::profile::{self, Code, Entry, Severity, ast, print, syntax};
use dicom_anonymizer::source::{Origin, SourceMap};

use crate::support::{compile_file, render, root};

#[test]
fn every_bad_profile_has_its_report() {
    let mut codes = BTreeSet::new();
    insta::glob!("../corpus/compile/err", "*.anon", |path| {
        let c = compile_file(path);
        assert!(c.plan.is_none(), "{} should not compile", path.display());
        assert!(c.diagnostics.has_errors());
        for d in &c.diagnostics {
            assert!(
                d.label.is_some() || d.code == Code::IncludeNotFound,
                "{}: every diagnostic points at text",
                path.display()
            );
            assert!(
                d.help.is_some(),
                "{}: {} has no help",
                path.display(),
                d.code.as_str()
            );
            codes.insert(d.code);
        }
        insta::assert_snapshot!(render(&c));
    });
    // the folder covers at least 30 distinct mistakes
    assert!(
        std::fs::read_dir(root().join("tests/corpus/compile/err"))
            .unwrap()
            .count()
            > 30
    );
    assert!(codes.len() >= 18, "{codes:?}");
}

#[test]
fn every_warning_has_its_report() {
    insta::glob!("../corpus/compile/warn", "*.anon", |path| {
        let c = compile_file(path);
        assert!(c.plan.is_some(), "{} should compile", path.display());
        assert_eq!(c.diagnostics.error_count(), 0);
        assert_eq!(c.diagnostics.warning_count(), 1, "{}", path.display());
        insta::assert_snapshot!(render(&c));
    });
}

#[test]
fn every_good_profile_has_its_plan() {
    insta::glob!("../corpus/compile/ok", "*.anon", |path| {
        let c = compile_file(path);
        assert!(c.diagnostics.is_empty(), "{}", render(&c));
        insta::assert_snapshot!(c.plan.unwrap().to_table());
    });
}

#[test]
fn each_code_is_documented_and_exercised() {
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    for code in Code::ALL {
        assert!(
            docs.contains(&format!("## `{}`", code.as_str())),
            "docs/diagnostics.md lacks {}",
            code.as_str()
        );
    }
}

fn parse_only(name: &str, text: &str) -> ast::Profile {
    let mut map = SourceMap::new();
    let id = map.add(name, Origin::Virtual, text);
    let (p, d) = syntax::parse(id, text);
    assert!(d.is_empty(), "{name}: {d:?}");
    p
}

#[test]
fn print_then_parse_gives_the_same_tree() {
    let mut texts: Vec<(String, String)> = Vec::new();
    for dir in [
        "tests/corpus/compile/ok",
        "tests/corpus/compile/warn",
        "profiles",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "anon") {
                texts.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    assert!(texts.len() > 15);
    for (name, text) in texts {
        let first = parse_only(&name, &text);
        let printed = print::print(&first);
        let second = parse_only(&name, &printed);
        assert_eq!(first, second, "{name}");
        assert_eq!(print::print(&second), printed, "{name}: printing is stable");
    }
}

#[test]
fn later_profiles_override_earlier_ones() {
    let c = profile::compile(&[
        Entry::Builtin("basic".into()),
        Entry::Text {
            name: "override".into(),
            text: "PatientName keep\n(60xx,4000) keep\nprivate keep\n".into(),
        },
    ]);
    let plan = c.plan.unwrap();
    use dicom_anonymizer::plan::Action;
    use dicom_core::Tag;
    assert_eq!(
        plan.decide_public(Tag(0x0010, 0x0010)).action(),
        &Action::Keep
    );
    assert_eq!(
        plan.decide_public(Tag(0x6002, 0x4000)).action(),
        &Action::Keep
    );
    assert_eq!(
        plan.decide_private(Tag(0x0009, 0x1001), None).action(),
        &Action::Keep
    );
    // the basic rule is still there, as overridden
    let why = plan.explain(Tag(0x0010, 0x0010), None);
    assert_eq!(why.len(), 2);
    assert_eq!(why[1].origin.as_ref().split(':').next(), Some("builtin"));
}

#[test]
fn warnings_are_warnings() {
    for d in
        &compile_file(&root().join("tests/corpus/compile/warn/duplicate_rule.anon")).diagnostics
    {
        assert_eq!(d.severity(), Severity::Warning);
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("PatientName".to_string()),
            Just("(0010,0010)".to_string()),
            Just("(60xx,4000)".to_string()),
            Just("(0019,\"ACME\",0C)".to_string()),
            Just("(0019,\"A\\\"B\",xx)".to_string()),
            Just("delete".to_string()),
            Just("replace".to_string()),
            Just("X/Z/U*".to_string()),
            Just("shift-date".to_string()),
            Just("regexp".to_string()),
            Just("\"value\"".to_string()),
            Just("\"(\"".to_string()),
            Just("\"unterminated".to_string()),
            Just("include".to_string()),
            Just("builtin:basic".to_string()),
            Just("builtin:nope".to_string()),
            Just("\"x.anon\"".to_string()),
            Just("profile".to_string()),
            Just("default".to_string()),
            Just("private".to_string()),
            Just("option".to_string()),
            Just("keep".to_string()),
            Just("#".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            "[ -~]{0,12}",
            "\\PC{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn on_token_soup(tokens in proptest::collection::vec(token(), 0..40)) {
            let text = tokens.join(" ");
            let c = profile::compile_str("fuzz.anon", &text);
            let _ = render(&c);
            prop_assert!(c.plan.is_some() || c.diagnostics.has_errors());
        }

        #[test]
        fn on_any_text(text in "\\PC{0,300}") {
            let c = profile::compile_str("fuzz.anon", &text);
            let _ = render(&c);
        }
    }
}

#[test]
fn a_when_block_decides_the_streamed_pixel_data_of_its_instances() {
    // the top-level Pixel Data is left in the source and copied by the writer: whether it
    // is copied must follow the instance's own rules, not the unconditional ones
    let tmp = tempfile::tempdir().unwrap();
    let files = crate::support::root().join("tests/data/corpus/files");
    let src = tmp.path().join("in");
    std::fs::create_dir_all(&src).unwrap();
    for f in ["pydicom__MR_small.dcm", "pydicom__CT_small.dcm"] {
        std::fs::copy(files.join(f), src.join(f)).unwrap();
    }
    let profile = tmp.path().join("p.anon");
    std::fs::write(
        &profile,
        "include builtin:basic\nwhen Modality == \"CT\" {\n  PixelData delete\n}\n",
    )
    .unwrap();
    let dst = tmp.path().join("out");
    let out = crate::support::bin()
        .args(["run", "-q", "--profile"])
        .arg(&profile)
        .arg(&src)
        .arg(&dst)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pixels = |name: &str| {
        dicom_object::open_file(dst.join(name))
            .unwrap()
            .get(dicom_core::Tag(0x7FE0, 0x0010))
            .is_some()
    };
    assert!(
        !pixels("pydicom__CT_small.dcm"),
        "the CT's pixel data is deleted"
    );
    assert!(pixels("pydicom__MR_small.dcm"), "the MR's is kept");
}
