//! Keyed, deterministic mappings: UIDs, pseudonyms and date shifts.
//!
//! Every mapping is HMAC-SHA-256 of a secret key and the original value, with a
//! domain label so that the same text maps independently in each role. The same input
//! and key give the same output in every file, sequence, run, process and machine;
//! without the key the mappings cannot be reversed or brute-forced. No state is shared,
//! so a run can be split across machines and give the same result.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The minimum length of a key file, in bytes.
pub const MIN_KEY_LEN: usize = 16;

/// Date shifts are between this many days and `SHIFT_MIN_DAYS` into the past.
pub const SHIFT_MAX_DAYS: i64 = 3652;
/// The smallest shift (one year), so that no date keeps its year by chance.
pub const SHIFT_MIN_DAYS: i64 = 365;

/// Why a key cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum KeyError {
    #[error("cannot read the key file `{path}`")]
    #[diagnostic(code(anon::key::unreadable))]
    Unreadable {
        path: String,
        #[source]
        source: crate::small_file::SmallFileError,
    },
    #[error("the key file `{path}` holds {len} bytes; a key needs at least {MIN_KEY_LEN}")]
    #[diagnostic(
        code(anon::key::too_short),
        help("make one with `head -c 32 /dev/urandom > key.bin` and keep it secret")
    )]
    TooShort { path: String, len: usize },
    #[error("the system random source failed")]
    #[diagnostic(code(anon::key::random))]
    Random,
}

/// The secret behind every keyed mapping.
#[derive(Clone)]
pub struct Keys {
    mac: HmacSha256,
    random: bool,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never print the key
        f.debug_struct("Keys")
            .field("random", &self.random)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// A key from bytes (at least [`MIN_KEY_LEN`] are recommended; not enforced here).
    pub fn from_bytes(key: &[u8]) -> Keys {
        // HMAC accepts keys of any length; the fallback cannot happen
        let mac = HmacSha256::new_from_slice(key)
            .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
        Keys { mac, random: false }
    }

    /// Reads a key file: all its bytes, as they are (a trailing line break is part of
    /// the key). The file must be a regular file of at most 64 KiB.
    pub fn from_file(path: &std::path::Path) -> Result<Keys, KeyError> {
        let shown = path.display().to_string();
        // the bytes as they are: a random key may well end in a line-break byte
        let key =
            crate::small_file::read(path, crate::small_file::MAX_KEY_BYTES).map_err(|source| {
                KeyError::Unreadable {
                    path: shown.clone(),
                    source,
                }
            })?;
        if key.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort {
                path: shown,
                len: key.len(),
            });
        }
        Ok(Keys::from_bytes(&key))
    }

    /// A fresh random key (results will not match any other run).
    pub fn random() -> Result<Keys, KeyError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|_| KeyError::Random)?;
        let mut k = Keys::from_bytes(&key);
        k.random = true;
        Ok(k)
    }

    /// A fingerprint of the key: the first 128 bits (hex) of its HMAC of a constant. It
    /// tells whether two runs used the same key and reveals nothing about the key.
    pub fn fingerprint(&self) -> String {
        self.digest("fingerprint", b"dicom-anonymizer key fingerprint")
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether this key was made up for this run.
    pub fn is_random(&self) -> bool {
        self.random
    }

    fn digest(&self, domain: &str, value: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    /// A new UID for `uid`: `2.25.` and the decimal of a 128-bit UUID (version 8,
    /// RFC 9562) derived from the key and the UID. UIDs of the DICOM standard itself
    /// (`1.2.840.10008.…`: SOP classes, transfer syntaxes, coding schemes) identify
    /// nobody and are returned unchanged.
    pub fn uid(&self, uid: &str) -> String {
        let uid = uid.trim_matches(|c: char| c == '\0' || c == ' ');
        if uid.is_empty() || uid.starts_with("1.2.840.10008.") {
            return uid.to_string();
        }
        let d = self.digest("uid", uid.as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(d.get(..16).unwrap_or(&[0; 16]));
        b[6] = (b[6] & 0x0F) | 0x80; // version 8
        b[8] = (b[8] & 0x3F) | 0x80; // variant 10
        format!("2.25.{}", u128::from_be_bytes(b))
    }

    /// A pseudonym of `value` made of upper-case letters and digits, `len` long
    /// (at most 51), valid in every text VR.
    pub fn pseudonym(&self, value: &str, len: usize) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let d = self.digest("hash", value.as_bytes());
        let mut bits: u64 = 0;
        let mut nbits = 0;
        let mut out = String::with_capacity(len);
        for byte in d {
            bits = (bits << 8) | u64::from(byte);
            nbits += 8;
            while nbits >= 5 && out.len() < len {
                nbits -= 5;
                let idx = usize::try_from((bits >> nbits) & 31).unwrap_or(0);
                out.push(char::from(*ALPHABET.get(idx).unwrap_or(&b'A')));
            }
        }
        out
    }

    /// A pseudonym of `value` as a number of at most `digits` digits.
    pub fn numeric_pseudonym(&self, value: &str, digits: u32) -> String {
        let d = self.digest("hash", value.as_bytes());
        let mut n = [0u8; 8];
        n.copy_from_slice(d.get(..8).unwrap_or(&[0; 8]));
        let modulus = 10u64.saturating_pow(digits.min(18));
        (u64::from_be_bytes(n) % modulus).to_string()
    }

    /// The number of days (negative: into the past) that dates of the patient
    /// identified by `patient_key` move, between `-SHIFT_MAX_DAYS` and `-SHIFT_MIN_DAYS`.
    pub fn date_shift_days(&self, patient_key: &str) -> i64 {
        let d = self.digest("date-shift", patient_key.trim().as_bytes());
        let mut n = [0u8; 8];
        n.copy_from_slice(d.get(..8).unwrap_or(&[0; 8]));
        let span = u64::try_from(SHIFT_MAX_DAYS - SHIFT_MIN_DAYS + 1).unwrap_or(1);
        let offset = i64::try_from(u64::from_be_bytes(n) % span).unwrap_or(0);
        -(SHIFT_MIN_DAYS + offset)
    }
}

impl Keys {
    /// `shift-date days A..B`: a keyed number of days in the inclusive range, the same
    /// for every file of the patient identified by `patient_key`.
    pub fn shift_in_range(&self, patient_key: &str, a: i64, b: i64) -> i64 {
        let (lo, hi) = (a.min(b), a.max(b));
        let d = self.digest("date-shift-range", patient_key.trim().as_bytes());
        let mut n = [0u8; 8];
        n.copy_from_slice(d.get(..8).unwrap_or(&[0; 8]));
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(u64::from_be_bytes(n) % span).unwrap_or(0)
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a number of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Shifts the date part of a DA or DT value by `days`, keeping its precision and
/// anything after the date (time, fraction, offset). `None` if it is not a date.
pub fn shift_date_text(value: &str, days: i64) -> Option<String> {
    let v = value.trim_end_matches([' ', '\0']);
    if !(crate::vr::valid_date(v) || crate::vr::valid_datetime(v)) {
        return None;
    }
    let digits_len = v.bytes().take_while(u8::is_ascii_digit).count();
    let (date_len, y, m, d) = match digits_len {
        4 | 5 => (4, v.get(0..4)?.parse().ok()?, 1, 1),
        6 | 7 => (6, v.get(0..4)?.parse().ok()?, v.get(4..6)?.parse().ok()?, 1),
        n if n >= 8 => (
            8,
            v.get(0..4)?.parse().ok()?,
            v.get(4..6)?.parse().ok()?,
            v.get(6..8)?.parse().ok()?,
        ),
        _ => return None,
    };
    if !(1..=12).contains(&m) || d < 1 || d > crate::vr::days_in_month(u32::try_from(y).ok()?, m) {
        return None;
    }
    let (ny, nm, nd) = civil_from_days(days_from_civil(y, m, d) + days);
    if !(1..=9999).contains(&ny) {
        return None;
    }
    let full = format!("{ny:04}{nm:02}{nd:02}");
    let rest = v.get(date_len..)?;
    Some(format!("{}{rest}", full.get(..date_len)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_valid_stable_and_keyed() {
        let k = Keys::from_bytes(b"0123456789abcdef");
        let a = k.uid("1.2.3.4.5");
        assert_eq!(a, k.uid("1.2.3.4.5\0"), "padding does not matter");
        assert!(a.starts_with("2.25."));
        assert!(a.len() <= 64);
        assert!(crate::vr::valid_uid(&a));
        assert_ne!(a, k.uid("1.2.3.4.6"));
        assert_ne!(a, Keys::from_bytes(b"another key 1234").uid("1.2.3.4.5"));
        assert_eq!(
            k.uid("1.2.840.10008.5.1.4.1.1.2"),
            "1.2.840.10008.5.1.4.1.1.2"
        );
        assert_eq!(k.uid(""), "");
    }

    #[test]
    fn pseudonyms_fit() {
        let k = Keys::from_bytes(b"0123456789abcdef");
        let p = k.pseudonym("Doe^John", 16);
        assert_eq!(p.len(), 16);
        assert!(
            p.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(p, k.pseudonym("Doe^John", 16));
        assert_ne!(p, k.pseudonym("Doe^Jane", 16));
        let n = k.numeric_pseudonym("12345", 9);
        assert!(n.len() <= 9 && n.parse::<u64>().is_ok());
    }

    #[test]
    fn date_shifts_keep_intervals_within_a_patient() {
        let k = Keys::from_bytes(b"0123456789abcdef");
        let s = k.date_shift_days("PAT-1");
        assert!((-SHIFT_MAX_DAYS..=-SHIFT_MIN_DAYS).contains(&s));
        assert_eq!(s, k.date_shift_days("PAT-1 "));
        let a = shift_date_text("20200301", s).unwrap();
        let b = shift_date_text("20200228", s).unwrap();
        let days = |t: &str| {
            days_from_civil(
                t.get(0..4).unwrap().parse().unwrap(),
                t.get(4..6).unwrap().parse().unwrap(),
                t.get(6..8).unwrap().parse().unwrap(),
            )
        };
        assert_eq!(days(&a) - days(&b), 2, "2020 is a leap year");
        assert_eq!(shift_date_text("20200101", -1).as_deref(), Some("20191231"));
        assert_eq!(
            shift_date_text("20200101120000.5+0100", -1).as_deref(),
            Some("20191231120000.5+0100")
        );
        assert_eq!(shift_date_text("202003", -40).as_deref(), Some("202001"));
        assert_eq!(shift_date_text("2020", -400).as_deref(), Some("2018"));
        assert_eq!(shift_date_text("2020.01.01", -1), None);
        assert_eq!(shift_date_text("20201301", -1), None);
        assert_eq!(shift_date_text("", -1), None);
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
