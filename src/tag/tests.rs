//! Unit tests of tag selectors: exact, masked, private and keyword forms, printed back and matched.

use super::*;

#[test]
fn exact_tags_in_either_case() {
    assert_eq!(
        TagPattern::parse_tag("(0010,0010)"),
        Ok(TagPattern::Exact(Tag(0x0010, 0x0010)))
    );
    assert_eq!(
        TagPattern::parse_tag("(7fe0,0010)"),
        Ok(TagPattern::Exact(Tag(0x7FE0, 0x0010)))
    );
    assert_eq!(
        TagPattern::parse_tag("( 0008 , 0018 )"),
        Ok(TagPattern::Exact(Tag(0x0008, 0x0018)))
    );
}

#[test]
fn masks_print_back_and_match() {
    let p = TagPattern::parse_tag("(60xx,4000)").unwrap();
    assert_eq!(p.to_string(), "(60xx,4000)");
    let TagPattern::Masked(m) = p else { panic!() };
    assert!(m.matches(Tag(0x6000, 0x4000)));
    assert!(m.matches(Tag(0x601E, 0x4000)));
    assert!(!m.matches(Tag(0x6001, 0x4000)), "private group");
    assert!(!m.matches(Tag(0x6000, 0x3000)));
    assert_eq!(m.specificity(), 6);
    let all = TagPattern::parse_tag("(xxxx,xxxx)").unwrap();
    let TagPattern::Masked(all) = all else {
        panic!()
    };
    assert!(all.matches(Tag(0x0010, 0x0010)));
    assert!(!all.matches(Tag(0x0009, 0x0010)));
    let odd = TagPattern::parse_tag("(0019,xxxx)").unwrap();
    let TagPattern::Masked(odd) = odd else {
        panic!()
    };
    assert!(odd.matches(Tag(0x0019, 0x100C)));
    assert!(odd.is_private());
}

#[test]
fn private_creator_selectors() {
    let p = TagPattern::parse_tag("(0019,\"SIEMENS MR HEADER\",0C)").unwrap();
    assert_eq!(
        p,
        TagPattern::Private(PrivateSelector {
            group: 0x0019,
            creator: "SIEMENS MR HEADER".into(),
            element: Some(0x0C)
        })
    );
    assert_eq!(p.to_string(), "(0019,\"SIEMENS MR HEADER\",0C)");
    let any = TagPattern::parse_tag("(0029,\"A, B \\\"C\\\"\",xx)").unwrap();
    assert_eq!(any.to_string(), "(0029,\"A, B \\\"C\\\"\",xx)");
    assert_eq!(
        TagPattern::parse_tag("(0010,\"X\",0C)"),
        Err(TagError::CreatorOnEvenGroup)
    );
    assert_eq!(
        TagPattern::parse_tag("(00x9,\"X\",0C)"),
        Err(TagError::CreatorGroupMasked)
    );
    assert_eq!(
        TagPattern::parse_tag("(0019,\"X\",100C)"),
        Err(TagError::CreatorElement)
    );
    assert_eq!(
        TagPattern::parse_tag("(0019,\"  \",0C)"),
        Err(TagError::CreatorEmpty)
    );
}

#[test]
fn malformed_tags() {
    assert_eq!(
        TagPattern::parse_tag("(001,0010)"),
        Err(TagError::GroupDigits)
    );
    assert_eq!(
        TagPattern::parse_tag("(0010,00G0)"),
        Err(TagError::ElementDigits)
    );
    assert_eq!(TagPattern::parse_tag("(0010)"), Err(TagError::Shape));
    assert_eq!(TagPattern::parse_tag("0010,0010"), Err(TagError::Shape));
}

#[test]
fn keywords() {
    assert_eq!(
        TagPattern::from_keyword("PatientName"),
        Ok(TagPattern::Exact(Tag(0x0010, 0x0010)))
    );
    assert_eq!(
        TagPattern::from_keyword("OverlayData").unwrap().to_string(),
        "(60xx,3000)"
    );
    match TagPattern::from_keyword("PatientNme") {
        Err(TagError::UnknownKeyword { suggestions }) => {
            assert_eq!(suggestions.first().map(String::as_str), Some("PatientName"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        TagPattern::parse_any("0010,0020"),
        Ok(TagPattern::Exact(Tag(0x0010, 0x0020)))
    );
}

#[test]
fn legacy_value_masks() {
    assert_eq!(
        TagPattern::from_value_mask(0x5000, 0, 0xFF00, 0)
            .unwrap()
            .to_string(),
        "(50xx,xxxx)"
    );
    assert_eq!(
        TagPattern::from_value_mask(0x5000, 0, 0xFE00, 0),
        Err(TagError::MaskNotNibbleAligned)
    );
    assert_eq!(parse_hex_u16("0x0010"), Ok(0x10));
    assert_eq!(parse_hex_u16("0xZZ"), Err(TagError::Hex));
}

/// The allocation-free path of `parse_tag` gives what the general parser gives, on every
/// string of the `(gggg,eeee)` shape with each position varied over hex digits, `x`, signs,
/// spaces, quotes and multi-byte characters, and declines everything it does not cover.
#[test]
fn the_exact_tag_fast_path_agrees_with_the_general_parser() {
    let base: Vec<char> = "(0a1F,7fE0)".chars().collect();
    let variants = [
        '0', '9', 'a', 'f', 'A', 'F', 'g', 'G', 'x', 'X', '+', '-', ' ', ',', '(', ')', '"', 'é',
        '\u{0}',
    ];
    let mut tried = 0;
    for i in 0..base.len() {
        for j in 0..base.len() {
            for &a in &variants {
                for &b in &variants {
                    let mut text = base.clone();
                    text[i] = a;
                    text[j] = b;
                    let text: String = text.into_iter().collect();
                    let fast = exact_tag(&text);
                    let general = TagPattern::parse_general(text.trim());
                    if let Some(tag) = fast {
                        assert_eq!(general, Ok(TagPattern::Exact(tag)), "{text:?}");
                    } else if let Ok(TagPattern::Exact(tag)) = general {
                        // only spaced-out or non-canonical forms are left to the general parser
                        assert!(text.len() != 11 || text.contains(' '), "{text:?} -> {tag}");
                    }
                    assert_eq!(TagPattern::parse_tag(&text), general, "{text:?}");
                    tried += 1;
                }
            }
        }
    }
    assert_eq!(tried, 11 * 11 * variants.len() * variants.len());
    assert_eq!(exact_tag("(0010,0010)"), Some(Tag(0x0010, 0x0010)));
    assert_eq!(exact_tag(" (0010,0010)"), None, "the caller trims");
    assert_eq!(exact_tag("(60xx,0010)"), None);
}
