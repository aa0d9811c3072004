//! The legacy JSON converter: `tests/corpus/convert/*.json` → `.anon` snapshots that
//! compile, error cases that name their JSON path, a round trip through the plan, and
//! the `convert` command.

use std::path::{Path, PathBuf};

use dicom_anonymizer::convert::{self, ConvertError, ConvertErrors, json_to_anon};
use dicom_anonymizer::plan::{Action, Combined, Plan};
use dicom_anonymizer::profile;
use dicom_anonymizer::tag::{TagPattern, parse_hex_u16};
use dicom_core::Tag;
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde_json::Value;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/convert")
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn compile(name: &str, text: &str) -> Plan {
    let compiled = profile::compile_str(name, text);
    assert!(
        !compiled.diagnostics.has_errors(),
        "{name}: {:#?}",
        compiled.diagnostics
    );
    compiled.plan.unwrap()
}

fn errors_of(json: &str) -> ConvertErrors {
    match convert::convert(json, "test.json") {
        Ok(c) => panic!("converted:\n{}", c.text),
        Err(e) => e,
    }
}

/// Asserts that one of the errors mentions `path` (in backticks) and returns it.
fn error_at<'e>(errors: &'e ConvertErrors, path: &str) -> &'e ConvertError {
    let quoted = format!("`{path}`");
    errors
        .errors
        .iter()
        .find(|e| e.to_string().contains(&quoted))
        .unwrap_or_else(|| panic!("no error at {quoted}: {:#?}", errors.errors))
}

fn render(errors: &ConvertErrors) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(80)
        .render_report(&mut out, errors)
        .unwrap();
    out
}

#[test]
fn converts() {
    insta::glob!("../corpus/convert", "*.json", |path| {
        let json = std::fs::read_to_string(path).unwrap();
        let name = file_name(path);
        let anon = json_to_anon(&json, &name).unwrap();
        // the output compiles without errors (warnings are written into it as comments)
        let compiled = profile::compile_str(&name, &anon);
        assert!(
            compiled.plan.is_some(),
            "{name}: {:#?}",
            compiled.diagnostics
        );
        let warnings = compiled.diagnostics.warning_count();
        assert_eq!(
            warnings,
            anon.matches("# warning [").count(),
            "{name}: every warning is in the output"
        );
        insta::assert_snapshot!(anon);
    });
}

/// What the JSON says, read independently of the converter: tag or mask → action.
fn expected_actions(json: &Value) -> Vec<(TagPattern, Action)> {
    fn action(name: &str, obj: Option<&serde_json::Map<String, Value>>) -> Action {
        match name {
            "keep" => Action::Keep,
            "delete" => Action::Delete,
            "empty" => Action::Empty,
            "replace" => Action::Replace,
            "replace_UID" => Action::Uid,
            "empty_or_replace" => Action::Combined(Combined::ZD),
            "delete_or_empty" => Action::Combined(Combined::XZ),
            "delete_or_replace" => Action::Combined(Combined::XD),
            "delete_or_empty_or_replace" => Action::Combined(Combined::XZD),
            "delete_or_empty_or_replace_UID" => Action::Combined(Combined::XZU),
            "replace_with_value" => {
                Action::Set(obj.unwrap()["value"].as_str().unwrap().to_string())
            }
            "regexp" => {
                let o = obj.unwrap();
                Action::Regexp(Box::new(dicom_anonymizer::plan::Regexp {
                    find: regex::Regex::new(o["find"].as_str().unwrap()).unwrap(),
                    replace: o["replace"].as_str().unwrap().to_string(),
                }))
            }
            other => panic!("{other}"),
        }
    }
    fn tag(numbers: &[u16]) -> TagPattern {
        match numbers {
            [g, e] => TagPattern::Exact(Tag(*g, *e)),
            [g, e, gm, em] => TagPattern::from_value_mask(*g, *e, *gm, *em).unwrap(),
            _ => panic!("{numbers:?}"),
        }
    }
    let obj = json.as_object().unwrap();
    let mut out = Vec::new();
    for (key, value) in obj {
        if key.starts_with('(') {
            let numbers: Vec<u16> = key
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .map(|p| parse_hex_u16(p).unwrap())
                .collect();
            let a = match value {
                Value::String(s) => action(s, None),
                Value::Object(o) => action(o["action"].as_str().unwrap(), Some(o)),
                _ => panic!(),
            };
            out.push((tag(&numbers), a));
        } else {
            for pair in value.as_array().unwrap() {
                let numbers: Vec<u16> = pair
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| parse_hex_u16(p.as_str().unwrap()).unwrap())
                    .collect();
                out.push((tag(&numbers), action(key, None)));
            }
        }
    }
    out
}

#[test]
fn round_trip_decides_what_the_json_says() {
    let mut checked = 0;
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = file_name(&path);
        let plan = compile(&name, &json_to_anon(&text, &name).unwrap());
        let expected = expected_actions(&serde_json::from_str(&text).unwrap());
        assert!(!expected.is_empty(), "{name}");
        assert_eq!(plan.all_rules().len(), expected.len(), "{name}");
        for (pattern, action) in expected {
            let tags: Vec<Tag> = match &pattern {
                TagPattern::Exact(t) => vec![*t],
                // two tags of the range: open digits filled in (groups stay even)
                TagPattern::Masked(m) => [0x0000_0010u32, 0x001E_0010]
                    .iter()
                    .map(|fill| {
                        let t = m.value() | (fill & !m.bits());
                        Tag(
                            u16::try_from(t >> 16).unwrap(),
                            u16::try_from(t & 0xFFFF).unwrap(),
                        )
                    })
                    .collect(),
                TagPattern::Private(_) => panic!("{name}: {pattern}"),
            };
            for t in tags {
                assert_eq!(
                    plan.decide(t, None).action(),
                    &action,
                    "{name}: {pattern} at {t}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked}");
}

#[test]
fn unknown_action_names_its_path() {
    let e = errors_of(r#"{"delet": [["0x0010", "0x0010"]]}"#);
    let err = error_at(&e, "$.delet");
    assert!(err.to_string().contains("unknown action `delet`"), "{err}");
    let help = miette::Diagnostic::help(err).unwrap().to_string();
    assert!(help.starts_with("did you mean `delete`?"), "{help}");
    let e = errors_of(r#"{"(0x0010, 0x0010)": {"action": "replace_uid"}}"#);
    let err = error_at(&e, r#"$["(0x0010, 0x0010)"].action"#);
    let help = miette::Diagnostic::help(err).unwrap().to_string();
    assert!(help.starts_with("did you mean `replace_UID`?"), "{help}");
    errors_of(r#"{"(0x0010, 0x0010)": "bogus"}"#);
}

#[test]
fn bad_tag_string_names_its_path() {
    let e = errors_of(r#"{"delete": [["0xZZZZ", "0x0010"]]}"#);
    let err = error_at(&e, "$.delete[0][0]");
    assert!(err.to_string().contains("`0xZZZZ`"), "{err}");
    let e = errors_of(r#"{"(0xZZZZ, 0x0010)": "delete"}"#);
    error_at(&e, r#"$["(0xZZZZ, 0x0010)"]"#);
    let e = errors_of(r#"{"(0x0010, 0x0010": "delete"}"#);
    error_at(&e, r#"$["(0x0010, 0x0010"]"#);
    // integers are tags as the old tool wrote them, but only up to 0xFFFF
    let e = errors_of(r#"{"delete": [[70000, "0x0010"]]}"#);
    assert!(matches!(
        error_at(&e, "$.delete[0][0]"),
        ConvertError::WrongType { .. }
    ));
}

#[test]
fn wrong_arity_names_its_path() {
    let e = errors_of(r#"{"delete": [["0x0010", "0x0010"], ["0x0010"]]}"#);
    let err = error_at(&e, "$.delete[1]");
    assert!(
        matches!(err, ConvertError::WrongArity { found: 1, .. }),
        "{err:?}"
    );
    let e = errors_of(r#"{"(0x0010, 0x0010, 0xFFFF)": "delete"}"#);
    error_at(&e, r#"$["(0x0010, 0x0010, 0xFFFF)"]"#);
    let e = errors_of(r#"{"(0x0010, 0x0010)": {"action": "regexp", "find": "a"}}"#);
    let err = error_at(&e, r#"$["(0x0010, 0x0010)"]"#);
    assert!(err.to_string().contains("missing `replace`"), "{err}");
    let e = errors_of(r#"{"(0x0010, 0x0010)": {"action": "delete", "value": "x"}}"#);
    error_at(&e, r#"$["(0x0010, 0x0010)"].value"#);
}

#[test]
fn mask_with_part_of_a_digit_names_its_path() {
    let e = errors_of(r#"{"(0x5000, 0x0000, 0xFE00, 0x0000)": "delete"}"#);
    let err = error_at(&e, r#"$["(0x5000, 0x0000, 0xFE00, 0x0000)"]"#);
    assert!(matches!(err, ConvertError::BadMask { .. }), "{err:?}");
    let e = errors_of(r#"{"delete": [["0x6000", "0x3000", "0xFF80", "0xFFFF"]]}"#);
    error_at(&e, "$.delete[0]");
}

#[test]
fn not_json_names_the_place() {
    let e = errors_of("{\"delete\": [[\"0x0010\", \"0x0010\"]\n");
    let err = error_at(&e, "$");
    assert!(
        matches!(err, ConvertError::NotJson { line: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn json_of_neither_form_names_its_path() {
    for json in [r#"[["0x0010", "0x0010"]]"#, r#""delete""#, "42", "null"] {
        let e = errors_of(json);
        let err = error_at(&e, "$");
        assert!(matches!(err, ConvertError::UnknownForm { .. }), "{json}");
    }
    // an object whose keys are neither actions nor tags
    let e = errors_of(r#"{"rules": {"(0x0010, 0x0010)": "delete"}}"#);
    error_at(&e, "$.rules");
    // the two forms mixed
    let e = errors_of(r#"{"(0x0010, 0x0010)": "delete", "delete": [["0x0010", "0x0020"]]}"#);
    let err = error_at(&e, "$.delete");
    assert!(matches!(err, ConvertError::MixedForms { .. }), "{err:?}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let json = r#"{
        "(0x0010, 0x0010)": {"action": "regexpp"},
        "(0x5000, 0x0000, 0xFE00, 0x0000)": "delete",
        "(0x0010)": "keep",
        "(0x0010, 0x0040)": "replace_UID",
        "(0x0002, 0x0010)": "delete",
        "(0x0010,0x0040)": "keep",
        "(0x0010, 0x1030)": {"action": "replace_with_value", "value": "heavy"}
    }"#;
    let e = errors_of(json);
    let paths: Vec<String> = e
        .errors
        .iter()
        .map(|e| e.path().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            r#"$["(0x0010, 0x0010)"].action"#,
            r#"$["(0x5000, 0x0000, 0xFE00, 0x0000)"]"#,
            r#"$["(0x0010)"]"#,
            r#"$["(0x0010,0x0040)"]"#,
            r#"$["(0x0010, 0x0040)"]"#,
            r#"$["(0x0002, 0x0010)"]"#,
            r#"$["(0x0010, 0x1030)"]"#,
        ]
    );
    // the compiler's findings keep its code
    let rejected: Vec<&str> = e
        .errors
        .iter()
        .filter_map(|e| match e {
            ConvertError::Rejected { compiler_code, .. } => Some(*compiler_code),
            _ => None,
        })
        .collect();
    assert_eq!(
        rejected,
        [
            "anon::compile::action_not_valid_for_vr",
            "anon::compile::file_meta_rule",
            "anon::compile::literal_not_valid_for_vr"
        ]
    );
    insta::assert_snapshot!(render(&e));
}

#[test]
fn strings_that_need_escapes_survive() {
    let json =
        r#"{"(0x0008, 0x1030)": {"action": "regexp", "find": "a\\\"b\\\\", "replace": "q\"q"}}"#;
    let anon = json_to_anon(json, "x.json").unwrap();
    let plan = compile("x.anon", &anon);
    match plan.decide_public(Tag(0x0008, 0x1030)).action() {
        Action::Regexp(r) => {
            assert_eq!(r.find.as_str(), "a\\\"b\\\\");
            assert_eq!(r.replace, "q\"q");
        }
        other => panic!("{other:?}"),
    }
    let e =
        errors_of(r#"{"(0x0008, 0x1030)": {"action": "regexp", "find": "a\nb", "replace": ""}}"#);
    error_at(&e, r#"$["(0x0008, 0x1030)"].find"#);
}

#[test]
fn an_empty_object_gives_an_empty_profile() {
    let anon = json_to_anon("{}", "empty.json").unwrap();
    assert!(anon.contains("(the file has no rules)"), "{anon}");
    assert!(compile("empty.anon", &anon).all_rules().is_empty());
}

fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("dicom-anonymizer").unwrap()
}

#[test]
fn cli_writes_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus().join("upstream-dictionary.json");
    let out = dir.path().join("rules.anon");
    bin()
        .arg("convert")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let written = std::fs::read_to_string(&out).unwrap();
    let expected = json_to_anon(
        &std::fs::read_to_string(&input).unwrap(),
        &input.display().to_string(),
    )
    .unwrap();
    assert_eq!(written, expected);
    // only the output is left in the folder
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["rules.anon"]);
    // stdout without -o
    bin()
        .arg("convert")
        .arg(&input)
        .assert()
        .success()
        .stdout(expected);
}

#[test]
fn cli_writes_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"delete": [["0xZZZZ", "0x0010"]]}"#).unwrap();
    let out = dir.path().join("out.anon");
    let result = bin()
        .arg("convert")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1));
    assert!(result.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("`$.delete[0][0]`"), "{stderr}");
    assert!(!out.exists());
    // an existing output is left as it was
    std::fs::write(&out, "keep me\n").unwrap();
    let result = bin()
        .arg("convert")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    // a missing input is a usage error
    let result = bin()
        .arg("convert")
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("no such file"));
}

#[test]
fn cli_prints_warnings_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("private.json");
    std::fs::write(&input, r#"{"(0x0019, 0x100C)": "keep"}"#).unwrap();
    let result = bin().arg("convert").arg(&input).output().unwrap();
    assert_eq!(result.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.starts_with("warning: private element (0019,100C) is selected by number at `$[\"(0x0019, 0x100C)\"]`"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        stdout.contains("# warning [anon::lint::private_by_number]"),
        "{stdout}"
    );
}

#[test]
fn extra_rules_cite_the_json_files_own_lines_and_mean_the_same() {
    // `--extra-rules` compiles each rule on the line of the JSON file where its entry
    // starts: the plan is the one `convert` gives, and every origin points at a JSON line
    // that names the rule's tag
    let mut checked = 0;
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") || file_name(&path).starts_with("err") {
            continue;
        }
        let json = std::fs::read_to_string(&path).unwrap();
        let (Ok(sorted), Ok(aligned)) = (
            json_to_anon(&json, "x.json"),
            convert::json_to_anon_with_lines(&json, "x.json"),
        ) else {
            continue;
        };
        let (aligned, lines) = aligned;
        let a = compile("x.json", &sorted);
        let compiled = profile::compile(&[profile::Entry::Converted {
            name: "x.json".into(),
            text: aligned,
            lines,
        }]);
        assert!(!compiled.diagnostics.has_errors());
        let b = compiled.plan.unwrap();
        let json_lines: Vec<&str> = json.lines().collect();
        for rule in b.all_rules() {
            let TagPattern::Exact(tag) = rule.pattern else {
                continue;
            };
            let strip = |d: dicom_anonymizer::plan::Decision<'_>| d.action().clone();
            assert_eq!(
                strip(a.decide(tag, None)),
                strip(b.decide(tag, None)),
                "{tag}"
            );
            let line: usize = rule.origin.rsplit(':').next().unwrap().parse().unwrap();
            // the entry starts there (an array entry may spread over the next lines)
            let text = json_lines[line - 1..]
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            let group = format!("{:04x}", tag.group());
            assert!(
                text.contains(&group),
                "{}: line {line} for {tag}: {text}",
                file_name(&path)
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked}");
}
