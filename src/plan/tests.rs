use super::*;

fn pat(s: &str) -> TagPattern {
    TagPattern::parse_any(s).unwrap()
}

fn origin(s: &str) -> Arc<str> {
    Arc::from(s)
}

#[test]
fn precedence_exact_creator_mask_default() {
    let mut b = PlanBuilder::new();
    b.rule(pat("(0019,xxxx)"), Action::Empty, origin("a:1"));
    b.rule(pat("(0019,\"ACME\",xx)"), Action::Replace, origin("a:2"));
    b.rule(pat("(0019,\"ACME\",0C)"), Action::Keep, origin("a:3"));
    b.rule(pat("(0019,1010)"), Action::Hash, origin("a:4"));
    b.rule(pat("(60xx,xxxx)"), Action::Keep, origin("a:5"));
    b.rule(pat("(60xx,4000)"), Action::Delete, origin("a:6"));
    let plan = b.build();
    let act = |t: Tag, c: Option<&str>| plan.decide(t, c).action().clone();
    assert_eq!(
        act(Tag(0x0019, 0x1010), Some("ACME")),
        Action::Hash,
        "exact first"
    );
    assert_eq!(
        act(Tag(0x0019, 0x100C), Some("ACME")),
        Action::Keep,
        "creator element"
    );
    assert_eq!(
        act(Tag(0x0019, 0x1011), Some("ACME")),
        Action::Replace,
        "creator block"
    );
    assert_eq!(
        act(Tag(0x0019, 0x1011), Some("OTHER")),
        Action::Empty,
        "mask"
    );
    assert_eq!(
        act(Tag(0x0021, 0x1011), Some("ACME")),
        Action::Delete,
        "private default"
    );
    assert_eq!(
        act(Tag(0x6000, 0x4000), None),
        Action::Delete,
        "specific mask"
    );
    assert_eq!(act(Tag(0x6000, 0x3000), None), Action::Keep, "wide mask");
    assert_eq!(
        act(Tag(0x0010, 0x0010), None),
        Action::Keep,
        "public default"
    );
}

#[test]
fn later_rule_with_same_selector_wins() {
    let mut b = PlanBuilder::new();
    b.rule(pat("PatientName"), Action::Empty, origin("a:1"));
    b.rule(pat("(0010,0010)"), Action::Replace, origin("b:1"));
    b.rule(pat("(50xx,xxxx)"), Action::Delete, origin("a:2"));
    b.rule(pat("(50xx,xxxx)"), Action::Keep, origin("b:2"));
    let plan = b.build();
    assert_eq!(
        plan.decide_public(Tag(0x0010, 0x0010)).action(),
        &Action::Replace
    );
    assert_eq!(
        plan.decide_public(Tag(0x5000, 0x3000)).action(),
        &Action::Keep
    );
    let why: Vec<_> = plan
        .explain(Tag(0x0010, 0x0010), None)
        .iter()
        .map(|r| r.origin.to_string())
        .collect();
    assert_eq!(why, ["b:1", "a:1"]);
    assert_eq!(plan.winning_rules().len(), 2);
}
