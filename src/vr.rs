//! Value representation rules the tool relies on: which values a VR accepts, and the
//! dummy value `replace` writes for each VR.
//!
//! Both the compiler (checking `replace "VALUE"` literals) and the engine (writing
//! dummies, checking literals on elements whose VR is only known at run time) use this
//! module, so a profile that compiles never writes a value its VR forbids.
//!
//! Lengths and character repertoires follow PS3.5 Table 6.2-1. Checks are on the
//! value as text; they never report the value itself (it may be PHI), only what is
//! wrong with it.

use dicom_core::{Tag, VR};

/// What is wrong with a literal for a VR. Messages name the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiteralProblem {
    #[error("is longer than the {max} characters {vr} allows")]
    TooLong { vr: VR, max: usize },
    #[error("is not a valid {vr} value: {rule}")]
    Format { vr: VR, rule: &'static str },
    #[error("cannot hold more than one value (`\\` separates values)")]
    MultipleValues { vr: VR },
    #[error("a literal value cannot be given for {vr} elements")]
    NotText { vr: VR },
}

/// The maximum length of one value, in characters, where the VR sets one.
pub fn max_len(vr: VR) -> Option<usize> {
    Some(match vr {
        VR::AE | VR::CS | VR::SH | VR::DS | VR::TM => 16,
        VR::AS => 4,
        VR::DA => 8,
        VR::DT => 26,
        VR::IS => 12,
        VR::LO | VR::UI => 64,
        VR::PN => 64 * 3 + 2,
        VR::ST => 1024,
        VR::LT => 10240,
        _ => return None,
    })
}

/// True if `vr` has a 16-bit value length in explicit VR (PS3.5 7.1.2).
pub fn has_short_length(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::AT
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::FL
            | VR::FD
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::SL
            | VR::SS
            | VR::ST
            | VR::TM
            | VR::UI
            | VR::UL
            | VR::US
    )
}

/// Whether the VR holds text (as opposed to binary numbers, bytes or items).
pub fn is_text(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UI
            | VR::UR
            | VR::UT
    )
}

/// Whether the VR is a binary number type a literal can be written for.
pub fn is_binary_number(vr: VR) -> bool {
    matches!(
        vr,
        VR::US | VR::SS | VR::UL | VR::SL | VR::UV | VR::SV | VR::FL | VR::FD
    )
}

/// Whether a literal (`replace "VALUE"`) can be given for the VR at all.
pub fn accepts_literal(vr: VR) -> bool {
    is_text(vr) || is_binary_number(vr)
}

/// VRs whose value is a single value (a `\` is part of the text, not a separator).
fn single_valued(vr: VR) -> bool {
    matches!(vr, VR::LT | VR::ST | VR::UT | VR::UR)
}

/// Checks a literal against a VR. Multiple values are separated by `\`.
pub fn check_literal(vr: VR, literal: &str) -> Result<(), LiteralProblem> {
    if !accepts_literal(vr) {
        return Err(LiteralProblem::NotText { vr });
    }
    if single_valued(vr) {
        return check_one(vr, literal);
    }
    for value in literal.split('\\') {
        check_one(vr, value)?;
    }
    Ok(())
}

fn fmt_err(vr: VR, rule: &'static str) -> LiteralProblem {
    LiteralProblem::Format { vr, rule }
}

fn check_one(vr: VR, value: &str) -> Result<(), LiteralProblem> {
    if let Some(max) = max_len(vr) {
        let len = if vr == VR::PN {
            // PN: 64 characters per component group
            value
                .split('=')
                .map(|g| g.chars().count())
                .max()
                .unwrap_or(0)
        } else {
            value.chars().count()
        };
        let limit = if vr == VR::PN { 64 } else { max };
        if len > limit {
            return Err(LiteralProblem::TooLong { vr, max: limit });
        }
    }
    let no_ctrl = |v: &str| !v.chars().any(|c| c.is_control() && c != '\u{1b}');
    match vr {
        VR::AE => {
            if !no_ctrl(value) {
                return Err(fmt_err(vr, "no control characters"));
            }
        }
        VR::AS => {
            let b = value.as_bytes();
            let ok = b.len() == 4
                && b.iter().take(3).all(u8::is_ascii_digit)
                && matches!(b.get(3), Some(b'D' | b'W' | b'M' | b'Y'));
            if !ok && !value.is_empty() {
                return Err(fmt_err(vr, "three digits then D, W, M or Y, like `045Y`"));
            }
        }
        VR::CS => {
            if !value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ' || c == '_')
            {
                return Err(fmt_err(
                    vr,
                    "upper-case letters, digits, space and `_` only",
                ));
            }
        }
        VR::DA => {
            if !value.is_empty() && !valid_date(value) {
                return Err(fmt_err(vr, "a date `YYYYMMDD`"));
            }
        }
        VR::TM => {
            if !value.is_empty() && !valid_time(value) {
                return Err(fmt_err(
                    vr,
                    "a time `HHMMSS.FFFFFF` (trailing parts optional)",
                ));
            }
        }
        VR::DT => {
            if !value.is_empty() && !valid_datetime(value) {
                return Err(fmt_err(
                    vr,
                    "a date-time `YYYYMMDDHHMMSS.FFFFFF&ZZXX` (trailing parts optional)",
                ));
            }
        }
        VR::DS => {
            let t = value.trim_matches(' ');
            if !t.is_empty() && !valid_decimal(t) {
                return Err(fmt_err(vr, "a decimal number like `-1.5e3`"));
            }
        }
        VR::IS => {
            let t = value.trim_matches(' ');
            if !t.is_empty() && t.parse::<i32>().is_err() {
                return Err(fmt_err(vr, "an integer between -2147483648 and 2147483647"));
            }
        }
        VR::UI => {
            if !value.is_empty() && !valid_uid(value) {
                return Err(fmt_err(
                    vr,
                    "digits in dot-separated components without leading zeros",
                ));
            }
        }
        VR::LO | VR::SH | VR::PN | VR::UC => {
            if !no_ctrl(value) {
                return Err(fmt_err(vr, "no control characters"));
            }
            if vr == VR::PN && value.split('=').count() > 3 {
                return Err(fmt_err(vr, "at most three `=`-separated component groups"));
            }
            if vr == VR::PN && value.split('=').any(|g| g.split('^').count() > 5) {
                return Err(fmt_err(vr, "at most five `^`-separated components"));
            }
        }
        VR::LT | VR::ST | VR::UT => {
            if value
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}' | '\u{1b}'))
            {
                return Err(fmt_err(
                    vr,
                    "no control characters other than line breaks and tabs",
                ));
            }
        }
        VR::UR => {
            if value.contains(' ') || !no_ctrl(value) {
                return Err(fmt_err(vr, "a URI without spaces"));
            }
        }
        VR::US => check_int(vr, value, 0, i128::from(u16::MAX))?,
        VR::SS => check_int(vr, value, i128::from(i16::MIN), i128::from(i16::MAX))?,
        VR::UL => check_int(vr, value, 0, i128::from(u32::MAX))?,
        VR::SL => check_int(vr, value, i128::from(i32::MIN), i128::from(i32::MAX))?,
        VR::UV => check_int(vr, value, 0, i128::from(u64::MAX))?,
        VR::SV => check_int(vr, value, i128::from(i64::MIN), i128::from(i64::MAX))?,
        VR::FL | VR::FD => {
            if value.trim().parse::<f64>().map_or(true, |f| !f.is_finite()) {
                return Err(fmt_err(vr, "a finite number"));
            }
        }
        _ => return Err(LiteralProblem::NotText { vr }),
    }
    Ok(())
}

fn check_int(vr: VR, value: &str, min: i128, max: i128) -> Result<(), LiteralProblem> {
    match value.trim().parse::<i128>() {
        Ok(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(fmt_err(vr, "an integer in the range of the VR")),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn num(s: &str) -> Option<u32> {
    if digits(s) { s.parse().ok() } else { None }
}

/// `YYYYMMDD` with a real calendar date.
pub fn valid_date(s: &str) -> bool {
    if s.len() != 8 || !digits(s) {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (
        s.get(0..4).and_then(num),
        s.get(4..6).and_then(num),
        s.get(6..8).and_then(num),
    ) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

pub fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// `HH[MM[SS[.F{1,6}]]]`.
pub fn valid_time(s: &str) -> bool {
    let s = s.trim_end_matches(' ');
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if !digits(main) || !matches!(main.len(), 2 | 4 | 6) {
        return false;
    }
    if let Some(f) = frac {
        if main.len() != 6 || f.is_empty() || f.len() > 6 || !digits(f) {
            return false;
        }
    }
    let hh = main.get(0..2).and_then(num);
    let mm = main.get(2..4).and_then(num);
    let ss = main.get(4..6).and_then(num);
    hh.is_some_and(|h| h < 24) && mm.is_none_or(|m| m < 60) && ss.is_none_or(|s| s < 61)
}

/// `YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]`.
pub fn valid_datetime(s: &str) -> bool {
    let s = s.trim_end_matches(' ');
    let (main, tz) = match s.find(['+', '-']) {
        Some(i) => (s.get(..i).unwrap_or(""), s.get(i..)),
        None => (s, None),
    };
    if let Some(tz) = tz {
        let ok = tz.len() == 5
            && tz.get(1..3).and_then(num).is_some_and(|h| h <= 14)
            && tz.get(3..5).and_then(num).is_some_and(|m| m < 60);
        if !ok {
            return false;
        }
    }
    let (date_time, frac) = match main.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (main, None),
    };
    if !digits(date_time) || !matches!(date_time.len(), 4 | 6 | 8 | 10 | 12 | 14) {
        return false;
    }
    if let Some(f) = frac {
        if date_time.len() != 14 || f.is_empty() || f.len() > 6 || !digits(f) {
            return false;
        }
    }
    let month = date_time.get(4..6).and_then(num);
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return false;
    }
    if date_time.len() >= 8 && !date_time.get(0..8).is_some_and(valid_date) {
        return false;
    }
    match date_time.get(8..) {
        Some(t) if !t.is_empty() => valid_time(t),
        _ => true,
    }
}

fn valid_decimal(s: &str) -> bool {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    ok_chars && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A UID: components of digits separated by dots, no leading zeros, at most 64 chars.
pub fn valid_uid(s: &str) -> bool {
    let s = s.trim_end_matches('\0');
    s.len() <= 64
        && s.split('.')
            .all(|c| digits(c) && (c == "0" || !c.starts_with('0')))
}

/// The dummy `replace` (PS3.15 action `D`) writes for a VR, as text.
///
/// This is the one table of dummies; docs/semantics.md reproduces it and a test keeps
/// both in step. `None` means the VR gets no text dummy: UI values are remapped like
/// `uid` (a constant UID would make distinct instances collide), SQ keeps its items
/// with the plan applied inside, binary VRs are zero-filled to the same length, and AT
/// is emptied.
pub fn dummy_text(vr: VR) -> Option<&'static str> {
    Some(match vr {
        VR::AE => "ANONYMOUS",
        VR::AS => "000Y",
        VR::CS => "ANONYMIZED",
        VR::DA => "19000101",
        VR::DS => "0",
        VR::DT => "19000101000000",
        VR::IS => "0",
        VR::LO | VR::LT | VR::SH | VR::ST | VR::UC | VR::UT => "ANONYMIZED",
        VR::PN => "ANONYMIZED",
        VR::TM => "000000",
        VR::UR => "ANONYMIZED",
        VR::US | VR::SS | VR::UL | VR::SL | VR::UV | VR::SV => "0",
        VR::FL | VR::FD => "0",
        _ => return None,
    })
}

/// Dummies for attributes whose values are restricted beyond their VR: the VR's dummy
/// would break an enumerated value list that validators check. docs/semantics.md lists
/// them with the reason for each value.
///
/// - (0400,0565) Reason for the Attribute Modification, CS, enumerated values `COERCE` and
///   `CORRECT` (PS3.3 C.12.1): `D` in the Basic Profile. `COERCE` ("replace values of
///   attributes such as Patient Name, ID, Accession Number") describes a de-identification
///   best; neither value identifies anybody.
pub const ATTRIBUTE_DUMMIES: &[(Tag, &str)] = &[(Tag(0x0400, 0x0565), "COERCE")];

/// The dummy `replace` writes for an element: the attribute's own (see
/// [`ATTRIBUTE_DUMMIES`]) if it has one, else the VR's ([`dummy_text`]).
pub fn dummy_for(tag: Tag, vr: VR) -> Option<&'static str> {
    ATTRIBUTE_DUMMIES
        .iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, d)| *d)
        .filter(|d| check_literal(vr, d).is_ok())
        .or_else(|| dummy_text(vr))
}

/// Every VR with its dummy, in table order (for docs and tests).
pub const DUMMY_TABLE_VRS: &[VR] = &[
    VR::AE,
    VR::AS,
    VR::AT,
    VR::CS,
    VR::DA,
    VR::DS,
    VR::DT,
    VR::FD,
    VR::FL,
    VR::IS,
    VR::LO,
    VR::LT,
    VR::OB,
    VR::OD,
    VR::OF,
    VR::OL,
    VR::OV,
    VR::OW,
    VR::PN,
    VR::SH,
    VR::SL,
    VR::SQ,
    VR::SS,
    VR::ST,
    VR::SV,
    VR::TM,
    VR::UC,
    VR::UI,
    VR::UL,
    VR::UN,
    VR::UR,
    VR::US,
    VR::UT,
    VR::UV,
];

#[cfg(test)]
mod tests;
