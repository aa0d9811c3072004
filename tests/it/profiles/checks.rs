//! The checks: the committed profiles are what the generator writes, and their plans match
//! the tables row for row; every shipped profile lints clean.

use super::*;

/// The action a PS3.15 code stands for in the plan.
fn action_of_code(code: &str) -> Action {
    match code {
        "K" => Action::Keep,
        "X" => Action::Delete,
        "Z" => Action::Empty,
        "D" => Action::Replace,
        "U" => Action::Uid,
        "Z/D" => Action::Combined(Combined::ZD),
        "X/Z" => Action::Combined(Combined::XZ),
        "X/D" => Action::Combined(Combined::XD),
        "X/Z/D" => Action::Combined(Combined::XZD),
        "X/Z/U*" => Action::Combined(Combined::XZU),
        other => panic!("unknown code `{other}`"),
    }
}

/// The winning action for the selector of a basic row.
fn decided(plan: &Plan, pattern: &TagPattern) -> Option<Action> {
    match pattern {
        TagPattern::Exact(t) => match plan.decide_public(*t) {
            Decision::Rule(r) if &r.pattern == pattern => Some(r.action.clone()),
            _ => None,
        },
        _ => plan
            .winning_rules()
            .into_iter()
            .find(|r| &r.pattern == pattern)
            .map(|r| r.action.clone()),
    }
}

#[test]
fn generated_profiles_are_up_to_date() {
    let update = std::env::var_os("UPDATE_PROFILES").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (file, text) in generate_all() {
        let path = root().join("profiles").join(&file);
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "profiles/{stale:?} differ from what the tables give; run `UPDATE_PROFILES=1 cargo test --test it profiles` and review the diff"
    );
}

#[test]
fn basic_profile_matches_the_table_row_for_row() {
    let plan = compile_clean(&[builtin("basic")]);
    let rows = basic_rows();
    assert_eq!(rows.len(), 654);
    let text = builtin::get("basic").unwrap().text;
    let mut outside = Vec::new();
    for row in &rows {
        if outside_data_set(&row.pattern).is_some() {
            assert!(
                plan.all_rules().iter().all(|r| r.pattern != row.pattern),
                "{} has a rule",
                row.pattern
            );
            let comment = format!(
                "# {} {}: {} in PS3.15; no rule:",
                row.pattern, row.name, row.code
            );
            assert!(text.contains(&comment), "missing `{comment}`");
            outside.push(row.pattern.to_string());
            continue;
        }
        assert_eq!(
            decided(&plan, &row.pattern),
            Some(action_of_code(&row.code)),
            "{} {}",
            row.pattern,
            row.name
        );
    }
    assert!(outside.is_empty(), "{outside:?}");
    // one rule per row, none overridden, none extra
    assert_eq!(plan.all_rules().len(), rows.len() - outside.len());
    assert_eq!(plan.winning_rules().len(), plan.all_rules().len());
    let listed: BTreeSet<&TagPattern> = rows.iter().map(|r| &r.pattern).collect();
    for r in plan.all_rules() {
        assert!(
            listed.contains(&r.pattern),
            "{} is not in the table",
            r.pattern
        );
    }
    let masks: Vec<String> = plan
        .all_rules()
        .iter()
        .filter(|r| matches!(r.pattern, TagPattern::Masked(_)))
        .map(|r| format!("{} {}", r.pattern, r.action))
        .collect();
    assert_eq!(
        masks,
        [
            "(50xx,xxxx) delete",
            "(60xx,3000) delete",
            "(60xx,4000) delete"
        ]
    );
    assert_eq!(
        plan.options().iter().copied().collect::<Vec<_>>(),
        [DeidOption::Basic]
    );
    assert_eq!(plan.public_fallback().disposition, Disposition::Keep);
    assert_eq!(plan.private_fallback().disposition, Disposition::Delete);
    assert_eq!(plan.names(), ["PS3.15 2026c Basic Profile"]);
}

#[test]
fn option_profiles_override_basic_as_the_table_says() {
    let basic_plan = compile_clean(&[builtin("basic")]);
    let basic = basic_rows();
    for col in OPTION_COLUMNS {
        let name = col.option.name();
        let plan = compile_clean(&[builtin("basic"), builtin(name)]);
        assert!(plan.options().contains(&col.option), "{name}");
        assert!(plan.options().contains(&DeidOption::Basic), "{name}");
        let (overrides, conflicts) = expected_overrides(col);
        assert!(!overrides.is_empty(), "{name}");
        for row in &basic {
            let expected = match row.pattern.exact().and_then(|t| overrides.get(&t)) {
                Some(a) => Some(a.clone()),
                None => decided(&basic_plan, &row.pattern),
            };
            assert_eq!(
                decided(&plan, &row.pattern),
                expected,
                "{name}: {} {}",
                row.pattern,
                row.name
            );
        }
        // every rule of the option file is one of the expected overrides
        let added = plan.all_rules().len() - basic_plan.all_rules().len();
        assert_eq!(added, overrides.len(), "{name}");
        // the rows that say both K and C are read as C
        let expected_conflicts: BTreeSet<Tag> = if col.option == DeidOption::RetainDeviceIdentity {
            [
                Tag(0x0032, 0x1021),
                Tag(0x0040, 0x0001),
                Tag(0x0040, 0x0241),
            ]
            .into()
        } else {
            BTreeSet::new()
        };
        assert_eq!(conflicts, expected_conflicts, "{name}");
        for tag in conflicts {
            // AE titles: `clean` does not apply, the basic profile's delete stays
            assert_eq!(
                plan.decide_public(tag).action(),
                &Action::Delete,
                "{name}: {tag}"
            );
        }
    }
}

#[test]
fn retain_safe_private_keeps_table_e_3_10_1() {
    let plan = compile_clean(&[builtin("basic"), builtin("retain-safe-private")]);
    assert!(plan.options().contains(&DeidOption::RetainSafePrivate));
    let rows = safe_private_rows();
    assert_eq!(rows.len(), 479);
    assert_eq!(plan.all_rules().len(), 654 + rows.len());
    for r in &rows {
        // the creator may reserve any block; try two
        for block in [0x10u16, 0xE3] {
            let tag = Tag(r.group, (block << 8) | u16::from(r.element));
            assert_eq!(
                plan.decide(tag, Some(&r.creator)).action(),
                &Action::Keep,
                "{} {}",
                r.selector,
                r.meaning
            );
            assert_eq!(
                plan.decide(tag, Some("SOMEONE ELSE")).action(),
                &Action::Delete,
                "{}",
                r.selector
            );
        }
    }
    // the creator with a comma in its name
    assert_eq!(
        plan.decide(Tag(0x7E01, 0x1010), Some("HOLOGIC, Inc."))
            .action(),
        &Action::Keep
    );
    // not listed: deleted by `private delete`
    assert_eq!(
        plan.decide(Tag(0x0019, 0x10FF), Some("SIEMENS MR HEADER"))
            .action(),
        &Action::Delete
    );
}

#[test]
fn every_shipped_profile_lints_clean() {
    let names: Vec<String> = builtin::BUILTINS
        .iter()
        .map(|b| format!("builtin:{}", b.name))
        .collect();
    // basic, extra, pixel-signatures, pixel-review; basic's option profile; the options
    assert_eq!(names.len(), 4 + 1 + OPTION_COLUMNS.len());
    // the profiles that stand alone
    assert_cmd::Command::cargo_bin("dicom-anonymizer")
        .unwrap()
        .arg("lint")
        .arg("--deny-warnings")
        .args([
            "builtin:basic",
            "builtin:extra",
            "builtin:pixel-signatures",
            "builtin:pixel-review",
        ])
        .assert()
        .success()
        .stderr("");
    // an option profile alone claims an option of a Basic Profile it does not apply:
    // the claim is withdrawn, with a warning
    for b in builtin::BUILTINS {
        if b.name.starts_with("retain-") || b.name.starts_with("clean-") {
            let compiled = profile::compile(&[builtin(b.name)]);
            let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::ClaimWithdrawn], "{}", b.name);
            assert!(!compiled.plan.unwrap().claims().basic, "{}", b.name);
        }
    }
    // composed: basic with each option, and everything at once
    let mut all = vec![builtin("basic"), builtin("extra")];
    for b in builtin::BUILTINS {
        if b.name.starts_with("retain-") || b.name.starts_with("clean-") {
            let plan = compile_clean(&[builtin("basic"), builtin(b.name)]);
            let option = DeidOption::from_name(b.name).unwrap();
            assert!(plan.claims().basic, "{}", b.name);
            assert_eq!(plan.claims().options, [option], "{}", b.name);
            all.push(builtin(b.name));
        }
    }
    let plan = compile_clean(&all);
    assert_eq!(plan.options().len(), 1 + 1 + OPTION_COLUMNS.len());
    assert!(plan.claims().basic);
    assert_eq!(plan.claims().options.len(), 1 + OPTION_COLUMNS.len());
}

#[test]
fn every_option_column_is_shipped() {
    let (header, _) = read_tsv(OPTIONS_TSV);
    let option_headers: Vec<&String> = header.iter().skip(5).collect();
    assert_eq!(option_headers.len(), 10);
    for h in option_headers {
        if h == "Rtn. Safe Priv. Opt." {
            assert!(builtin::get("retain-safe-private").is_some());
        } else {
            let c = OPTION_COLUMNS
                .iter()
                .find(|c| c.header == h.as_str())
                .unwrap_or_else(|| panic!("column `{h}` is not handled"));
            assert!(builtin::get(c.option.name()).is_some(), "{h}");
        }
    }
}

#[test]
fn clean_options_are_a_clear_error() {
    for (name, title) in builtin::UNSUPPORTED {
        let text = format!("include builtin:{name}\n");
        for entries in [
            vec![Entry::Text {
                name: "mine.anon".into(),
                text: text.clone(),
            }],
            vec![builtin("basic"), builtin(name)],
        ] {
            let compiled = profile::compile(&entries);
            assert!(compiled.plan.is_none(), "{name}");
            let d: Vec<_> = compiled.diagnostics.iter().collect();
            assert_eq!(d.len(), 1, "{name}: {d:?}");
            assert_eq!(d[0].code, Code::UnsupportedBuiltin);
            assert_eq!(d[0].code.as_str(), "anon::include::unsupported");
            assert_eq!(
                d[0].message,
                format!(
                    "`builtin:{name}` is not supported: the {title} needs pixel data cleaning, which the tool does not do"
                )
            );
        }
    }
    let out = assert_cmd::Command::cargo_bin("dicom-anonymizer")
        .unwrap()
        .args(["lint", "builtin:clean-pixel-data"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("anon::include::unsupported"), "{stderr}");
}
