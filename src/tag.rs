//! The one place where tag selectors are parsed, printed and matched.
//!
//! A [`TagPattern`] says which data elements a rule applies to:
//!
//! | text                           | pattern                                             |
//! |--------------------------------|-----------------------------------------------------|
//! | `(0010,0010)`                  | [`TagPattern::Exact`]                               |
//! | `(60xx,4000)`, `(50xx,xxxx)`   | [`TagPattern::Masked`]: `x` is any hex digit        |
//! | `(0019,"SIEMENS MR HEADER",0C)`| [`TagPattern::Private`]: element `0C` of the block reserved by that creator |
//! | `(0019,"SIEMENS MR HEADER",xx)`| every element of that creator's block               |
//! | `PatientName`                  | a keyword of the standard dictionary (exact or masked) |
//!
//! The profile grammar only recognises the *shape* of a selector; its meaning is decided
//! here, and the JSON converter and the command line come through here too.
//!
//! Masks and private groups: a mask whose group ends in `x` (like `(60xx,4000)`, or
//! `(xxxx,xxxx)`) matches only public, even groups, as the standard's repeating groups
//! are. Private elements are selected by creator, by an exact tag, or by a mask that
//! spells an odd last group digit (`(0019,xxxx)`, `(00x9,xxxx)`).

use std::fmt;
use std::str::FromStr;

use dicom_core::Tag;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, TagRange};
use dicom_dictionary_std::StandardDataDictionary;

/// A tag with some hex digits left open.
///
/// INVARIANT: `mask` is nibble-aligned (each nibble is `0` or `F`) and `value & !mask == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mask {
    value: u32,
    mask: u32,
}

impl Mask {
    /// A mask from a value and a mask where set bits must match. Fails unless every
    /// nibble of the mask is `0` or `F` (only those can be written with `x`).
    pub fn new(value: u32, mask: u32) -> Result<Mask, TagError> {
        for i in 0..8 {
            let nib = (mask >> (i * 4)) & 0xF;
            if nib != 0 && nib != 0xF {
                return Err(TagError::MaskNotNibbleAligned);
            }
        }
        Ok(Mask {
            value: value & mask,
            mask,
        })
    }

    /// Whether `tag` is selected by this mask.
    pub fn matches(&self, tag: Tag) -> bool {
        let t = (u32::from(tag.group()) << 16) | u32::from(tag.element());
        if t & self.mask != self.value {
            return false;
        }
        // a wild last group digit stands for the public (even) groups only
        let last_group_nibble_fixed = self.mask & 0x000F_0000 != 0;
        last_group_nibble_fixed || tag.group() % 2 == 0
    }

    /// Number of fixed hex digits (0..=8): more is more specific.
    pub fn specificity(&self) -> u32 {
        self.mask.count_ones() / 4
    }

    /// Whether every tag this mask selects is in a private (odd) group.
    pub fn is_private(&self) -> bool {
        self.mask & 0x0001_0000 != 0 && self.value & 0x0001_0000 != 0
    }

    pub fn value(&self) -> u32 {
        self.value
    }

    pub fn bits(&self) -> u32 {
        self.mask
    }
}

/// A private element selected through its private creator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrivateSelector {
    /// Odd group number.
    pub group: u16,
    /// Private creator value (compared after trimming spaces).
    pub creator: String,
    /// Element offset within the block (`0C` in `(0019,"X",0C)`), or `None` for `xx`.
    pub element: Option<u8>,
}

/// Which data elements a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagPattern {
    Exact(Tag),
    Masked(Mask),
    Private(PrivateSelector),
}

/// What is wrong with a selector. Messages never contain element values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TagError {
    #[error("expected a tag like `(0010,0010)`")]
    Shape,
    #[error("the group must be 4 hex digits (or `x`)")]
    GroupDigits,
    #[error("the element must be 4 hex digits (or `x`)")]
    ElementDigits,
    #[error("a private creator selector needs an odd (private) group")]
    CreatorOnEvenGroup,
    #[error("the group of a private creator selector must be exact, without `x`")]
    CreatorGroupMasked,
    #[error("the private creator name is empty")]
    CreatorEmpty,
    #[error("the private creator name is longer than 64 characters")]
    CreatorTooLong,
    #[error("the private creator name cannot contain `\\` or control characters")]
    CreatorCharacters,
    #[error("the element of a private creator selector must be 2 hex digits or `xx`")]
    CreatorElement,
    #[error("only whole hex digits can be left open")]
    MaskNotNibbleAligned,
    #[error("unknown keyword")]
    UnknownKeyword { suggestions: Vec<String> },
    #[error("`{0}` is not a single attribute")]
    NotSelectable(String),
    #[error("expected a hex number like `0x0010`")]
    Hex,
}

fn hex_or_x(s: &str) -> Option<(u16, u16)> {
    if s.len() != 4 {
        return None;
    }
    let mut value = 0u16;
    let mut mask = 0u16;
    for c in s.chars() {
        value <<= 4;
        mask <<= 4;
        match c {
            'x' | 'X' => {}
            c => {
                let d = c.to_digit(16)?;
                value |= u16::try_from(d).ok()?;
                mask |= 0xF;
            }
        }
    }
    Some((value, mask))
}

/// The common case of [`TagPattern::parse_tag`] without its allocations: exactly
/// `(gggg,eeee)`, eight hex digits, nothing around them. Anything else is `None` (and the
/// general parser decides). The embedded tables (the IOD table, the dictionary) use it
/// for their tag columns.
pub(crate) fn exact_tag(text: &str) -> Option<Tag> {
    let b = text.as_bytes();
    if b.len() != 11
        || b.first() != Some(&b'(')
        || b.get(5) != Some(&b',')
        || b.get(10) != Some(&b')')
    {
        return None;
    }
    // the general parser's digits, without its field split; an `x` digit is a mask
    let (group, gm) = hex_or_x(text.get(1..5)?)?;
    let (element, em) = hex_or_x(text.get(6..10)?)?;
    (gm == 0xFFFF && em == 0xFFFF).then_some(Tag(group, element))
}

fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Splits `a,b,c` at top-level commas (commas inside a quoted string do not count).
fn split_fields(s: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut in_str = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            ',' if !in_str => {
                fields.push(s.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(s.get(start..).unwrap_or(""));
    fields
}

impl TagPattern {
    /// Parses a parenthesised selector: `(gggg,eeee)` with optional `x` digits, or
    /// `(gggg,"CREATOR",ee)`. Spaces around the fields are allowed.
    pub fn parse_tag(text: &str) -> Result<TagPattern, TagError> {
        let text = text.trim();
        match exact_tag(text) {
            Some(tag) => Ok(TagPattern::Exact(tag)),
            None => Self::parse_general(text),
        }
    }

    /// [`TagPattern::parse_tag`] for every shape (masks, creators, spaces).
    fn parse_general(text: &str) -> Result<TagPattern, TagError> {
        let inner = text
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .ok_or(TagError::Shape)?;
        let fields = split_fields(inner);
        match fields.as_slice() {
            [g, e] => {
                let (gv, gm) = hex_or_x(g.trim()).ok_or(TagError::GroupDigits)?;
                let (ev, em) = hex_or_x(e.trim()).ok_or(TagError::ElementDigits)?;
                if gm == 0xFFFF && em == 0xFFFF {
                    Ok(TagPattern::Exact(Tag(gv, ev)))
                } else {
                    let value = (u32::from(gv) << 16) | u32::from(ev);
                    let mask = (u32::from(gm) << 16) | u32::from(em);
                    Ok(TagPattern::Masked(Mask::new(value, mask)?))
                }
            }
            [g, creator, e] => {
                let (gv, gm) = hex_or_x(g.trim()).ok_or(TagError::GroupDigits)?;
                if gm != 0xFFFF {
                    return Err(TagError::CreatorGroupMasked);
                }
                if gv % 2 == 0 {
                    return Err(TagError::CreatorOnEvenGroup);
                }
                let creator = unquote(creator.trim()).ok_or(TagError::Shape)?;
                let creator = check_creator(&creator)?;
                let e = e.trim();
                let element = if e.eq_ignore_ascii_case("xx") {
                    None
                } else if e.len() == 2 {
                    Some(u8::from_str_radix(e, 16).map_err(|_| TagError::CreatorElement)?)
                } else {
                    return Err(TagError::CreatorElement);
                };
                Ok(TagPattern::Private(PrivateSelector {
                    group: gv,
                    creator,
                    element,
                }))
            }
            _ => Err(TagError::Shape),
        }
    }

    /// Looks a keyword up in the standard dictionary.
    pub fn from_keyword(keyword: &str) -> Result<TagPattern, TagError> {
        let Some(entry) = StandardDataDictionary.by_name(keyword) else {
            return Err(TagError::UnknownKeyword {
                suggestions: crate::dictionary::suggest_keywords(keyword),
            });
        };
        match entry.tag_range() {
            TagRange::Single(tag) => Ok(TagPattern::Exact(tag)),
            TagRange::Group100(tag) => Ok(TagPattern::Masked(Mask {
                value: (u32::from(tag.group() & 0xFF00) << 16) | u32::from(tag.element()),
                mask: 0xFF00_FFFF,
            })),
            TagRange::Element100(tag) => Ok(TagPattern::Masked(Mask {
                value: (u32::from(tag.group()) << 16) | u32::from(tag.element() & 0xFF00),
                mask: 0xFFFF_FF00,
            })),
            _ => Err(TagError::NotSelectable(keyword.to_string())),
        }
    }

    /// Parses either form: a parenthesised selector or a keyword.
    pub fn parse_any(text: &str) -> Result<TagPattern, TagError> {
        let t = text.trim();
        if t.starts_with('(') {
            Self::parse_tag(t)
        } else if t.contains(',') {
            // `0010,0010` without parentheses, as many tools print it
            Self::parse_tag(&format!("({t})"))
        } else {
            Self::from_keyword(t)
        }
    }

    /// A mask from the old tool's 4-tuple `(group, element, group_mask, element_mask)`.
    pub fn from_value_mask(
        group: u16,
        element: u16,
        group_mask: u16,
        element_mask: u16,
    ) -> Result<TagPattern, TagError> {
        let value = (u32::from(group) << 16) | u32::from(element);
        let mask = (u32::from(group_mask) << 16) | u32::from(element_mask);
        if mask == u32::MAX {
            return Ok(TagPattern::Exact(Tag(group, element)));
        }
        Ok(TagPattern::Masked(Mask::new(value, mask)?))
    }

    /// The order profiles are written in: exact tags and masks by their digits (`x` as
    /// 0), exact before mask at the same digits, private-creator selectors after them,
    /// by group, element and creator.
    pub fn sort_key(&self) -> (u32, u8, String) {
        match self {
            TagPattern::Exact(t) => (
                (u32::from(t.group()) << 16) | u32::from(t.element()),
                0,
                String::new(),
            ),
            TagPattern::Masked(m) => (m.value(), 1, String::new()),
            TagPattern::Private(s) => (
                (u32::from(s.group) << 16) | s.element.map_or(0, u32::from),
                2,
                s.creator.clone(),
            ),
        }
    }

    /// The exact tag, if this pattern selects one tag.
    pub fn exact(&self) -> Option<Tag> {
        match self {
            TagPattern::Exact(t) => Some(*t),
            _ => None,
        }
    }
}

/// Parses a hex number written `0x0010` or `0010` (the old JSON rule files).
pub fn parse_hex_u16(text: &str) -> Result<u16, TagError> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if digits.is_empty() || digits.len() > 4 {
        return Err(TagError::Hex);
    }
    u16::from_str_radix(digits, 16).map_err(|_| TagError::Hex)
}

fn check_creator(creator: &str) -> Result<String, TagError> {
    let c = creator.trim_matches(' ');
    if c.is_empty() {
        return Err(TagError::CreatorEmpty);
    }
    if c.chars().count() > 64 {
        return Err(TagError::CreatorTooLong);
    }
    if c.chars()
        .any(|ch| ch == '\\' || (ch.is_control() && ch != '\u{1b}'))
    {
        return Err(TagError::CreatorCharacters);
    }
    Ok(c.to_string())
}

/// Normalises a private creator value read from a file for comparison with selectors.
pub fn normalize_creator(raw: &str) -> &str {
    raw.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// Writes a tag as `(GGGG,EEEE)`, upper-case hex.
pub fn fmt_tag(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.group(), tag.element())
}

impl fmt::Display for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(11);
        s.push('(');
        for i in (0..8).rev() {
            if i == 3 {
                s.push(',');
            }
            let m = (self.mask >> (i * 4)) & 0xF;
            let v = (self.value >> (i * 4)) & 0xF;
            if m == 0 {
                s.push('x');
            } else {
                s.push(char::from_digit(v, 16).map_or('?', |c| c.to_ascii_uppercase()));
            }
        }
        s.push(')');
        f.write_str(&s)
    }
}

impl fmt::Display for PrivateSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let creator = self.creator.replace('\\', "\\\\").replace('"', "\\\"");
        match self.element {
            Some(e) => write!(f, "({:04X},\"{}\",{:02X})", self.group, creator, e),
            None => write!(f, "({:04X},\"{}\",xx)", self.group, creator),
        }
    }
}

impl fmt::Display for TagPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagPattern::Exact(t) => f.write_str(&fmt_tag(*t)),
            TagPattern::Masked(m) => m.fmt(f),
            TagPattern::Private(p) => p.fmt(f),
        }
    }
}

impl FromStr for TagPattern {
    type Err = TagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TagPattern::parse_any(s)
    }
}

#[cfg(test)]
mod tests;
