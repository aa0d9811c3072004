//! A UN element of undefined length in an explicit VR little endian data set: a sequence
//! whose VR the writer did not know (typically private), whose items PS3.5 6.2.2 and
//! CP-246 say are encoded in **implicit** VR little endian. DCMTK and pydicom read them so;
//! dicom-parser would read them with the data set's explicit VR decoder and split the bytes
//! into other elements. So before anything parses the file, the element is rewritten in
//! memory: an explicit SQ of undefined length whose items hold the same elements with
//! explicit headers and the same value bytes. The rewritten file then takes the ordinary
//! path (structure walk, dicom-parser, the comparison of the two): one reading of the
//! bytes, the implicit one the standard prescribes.
//!
//! VRs: a private creator (gggg,0010-00FF) is LO, a standard attribute gets its dictionary
//! VR when the dictionary gives exactly one and the value fits its length field, anything
//! else is UN (the engine re-types a UN of a known tag as for any UN element). A nested
//! element is a sequence when its length is undefined or the dictionary says SQ.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::io::scan::MAX_DEPTH;

const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQ_END: Tag = Tag(0xFFFE, 0xE0DD);
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Why the value of the UN element cannot be read as implicit VR items (no values).
pub(crate) type Problem = &'static str;

/// The whole file `file` with the explicit-VR UN element of undefined length whose header
/// starts at `offset` rewritten as an explicit SQ. Only for an element that no
/// defined-length item or sequence encloses (their lengths would no longer hold): the
/// structure walk says which.
pub(crate) fn rewrite(file: &[u8], offset: usize) -> Result<Vec<u8>, Problem> {
    let header = file
        .get(offset..offset + 12)
        .ok_or("the element header is cut off")?;
    if header.get(4..6) != Some(b"UN") || u32_at(header, 8) != Some(UNDEFINED) {
        return Err("the element is not a UN of undefined length");
    }
    let mut out = Vec::with_capacity(file.len() + file.len() / 8);
    out.extend_from_slice(file.get(..offset + 4).ok_or("cut off")?);
    out.extend_from_slice(b"SQ\0\0");
    out.extend_from_slice(&UNDEFINED.to_le_bytes());
    let mut r = Implicit {
        data: file,
        pos: offset + 12,
        out,
    };
    r.items(None, 1)?;
    let rest = file.get(r.pos..).ok_or("cut off")?;
    let mut out = r.out;
    out.extend_from_slice(rest);
    Ok(out)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

struct Implicit<'a> {
    data: &'a [u8],
    pos: usize,
    out: Vec<u8>,
}

impl Implicit<'_> {
    /// Tag and length of the implicit VR header at the position.
    fn header(&mut self) -> Result<(Tag, u32), Problem> {
        let h: [u8; 8] = self
            .data
            .get(self.pos..self.pos + 8)
            .and_then(|h| h.try_into().ok())
            .ok_or("the file ends inside the sequence")?;
        let [g0, g1, e0, e1, l0, l1, l2, l3] = h;
        let group = u16::from_le_bytes([g0, g1]);
        let element = u16::from_le_bytes([e0, e1]);
        let len = u32::from_le_bytes([l0, l1, l2, l3]);
        self.pos += 8;
        Ok((Tag(group, element), len))
    }

    fn put_header(&mut self, tag: Tag, vr: Option<VR>, len: u32) {
        self.out.extend_from_slice(&tag.0.to_le_bytes());
        self.out.extend_from_slice(&tag.1.to_le_bytes());
        match vr {
            None => {}
            Some(vr) if crate::vr::has_short_length(vr) => {
                self.out.extend_from_slice(vr.to_string().as_bytes());
                // INVARIANT: callers give a short-length VR only for len <= 0xFFFF
                self.out
                    .extend_from_slice(&u16::try_from(len).unwrap_or(0).to_le_bytes());
                return;
            }
            Some(vr) => {
                self.out.extend_from_slice(vr.to_string().as_bytes());
                self.out.extend_from_slice(&[0, 0]);
            }
        }
        self.out.extend_from_slice(&len.to_le_bytes());
    }

    /// The items of a sequence up to its delimiter (`end` = None) or to `end`; written as
    /// items of undefined length, and the sequence delimiter.
    fn items(&mut self, end: Option<usize>, depth: usize) -> Result<(), Problem> {
        if depth > MAX_DEPTH {
            return Err("sequences nested too deep");
        }
        loop {
            if end == Some(self.pos) {
                break;
            }
            if end.is_some_and(|e| self.pos > e) {
                return Err("an item runs past the end of its sequence");
            }
            let (tag, len) = self.header()?;
            match tag {
                SEQ_END if end.is_none() => {
                    if len != 0 {
                        return Err("a sequence delimiter with a length");
                    }
                    break;
                }
                ITEM if len == UNDEFINED => {
                    self.put_header(ITEM, None, UNDEFINED);
                    self.elements(None, depth)?;
                }
                ITEM => {
                    let item_end = self
                        .pos
                        .checked_add(len as usize)
                        .filter(|e| *e <= self.data.len())
                        .ok_or("an item runs past the end of the file")?;
                    self.put_header(ITEM, None, UNDEFINED);
                    self.elements(Some(item_end), depth)?;
                }
                _ => return Err("something else than an item inside the sequence"),
            }
            self.put_header(ITEM_END, None, 0);
        }
        self.put_header(SEQ_END, None, 0);
        Ok(())
    }

    /// The elements of one item, up to its delimiter (`end` = None) or to `end`.
    fn elements(&mut self, end: Option<usize>, depth: usize) -> Result<(), Problem> {
        loop {
            if end == Some(self.pos) {
                return Ok(());
            }
            if end.is_some_and(|e| self.pos > e) {
                return Err("an element runs past the end of its item");
            }
            let (tag, len) = self.header()?;
            if tag == ITEM_END && end.is_none() {
                if len != 0 {
                    return Err("an item delimiter with a length");
                }
                return Ok(());
            }
            if tag.0 == 0xFFFE {
                return Err("a delimiter where an element was expected");
            }
            let dictionary = dictionary_vr(tag);
            if len == UNDEFINED {
                self.put_header(tag, Some(VR::SQ), UNDEFINED);
                self.items(None, depth + 1)?;
                continue;
            }
            let value_end = self
                .pos
                .checked_add(len as usize)
                .filter(|e| *e <= self.data.len() && end.is_none_or(|x| *e <= x))
                .ok_or("an element runs past the end of its item")?;
            if dictionary == Some(VR::SQ) {
                self.put_header(tag, Some(VR::SQ), UNDEFINED);
                self.items(Some(value_end), depth + 1)?;
                continue;
            }
            let vr = match dictionary {
                Some(vr) if !crate::vr::has_short_length(vr) || len <= 0xFFFF => vr,
                _ => VR::UN,
            };
            self.put_header(tag, Some(vr), len);
            let value = self.data.get(self.pos..value_end).ok_or("cut off")?;
            self.out.extend_from_slice(value);
            self.pos = value_end;
        }
    }
}

/// The VR an implicit element gets: LO for a private creator, the dictionary's when it
/// gives exactly one (or SQ), else none (UN).
fn dictionary_vr(tag: Tag) -> Option<VR> {
    if tag.0 % 2 == 1 {
        return (0x0010..=0x00FF).contains(&tag.1).then_some(VR::LO);
    }
    match StandardDataDictionary.by_tag(tag)?.vr() {
        VirtualVr::Exact(vr) => Some(vr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn implicit(tag: Tag, value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&tag.0.to_le_bytes());
        v.extend_from_slice(&tag.1.to_le_bytes());
        v.extend_from_slice(&(value.len() as u32).to_le_bytes());
        v.extend_from_slice(value);
        v
    }

    fn un_header(tag: Tag) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&tag.0.to_le_bytes());
        v.extend_from_slice(&tag.1.to_le_bytes());
        v.extend_from_slice(b"UN\0\0");
        v.extend_from_slice(&UNDEFINED.to_le_bytes());
        v
    }

    #[test]
    fn items_are_rewritten_with_explicit_headers_and_the_same_values() {
        let mut file = b"before".to_vec();
        let at = file.len();
        file.extend(un_header(Tag(0x0009, 0x1010)));
        // a defined-length item, then an undefined-length one
        let inner = [
            implicit(Tag(0x0009, 0x0010), b"ACME"),
            implicit(Tag(0x0010, 0x0010), b"Doe^John"),
        ]
        .concat();
        file.extend(implicit(ITEM, &inner));
        file.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        file.extend(implicit(Tag(0x0010, 0x0020), b"ID12"));
        file.extend(implicit(ITEM_END, b""));
        file.extend(implicit(SEQ_END, b""));
        file.extend(b"after");
        let out = rewrite(&file, at).unwrap();
        let s = |b: &[u8]| b.to_vec();
        let mut want = s(b"before");
        want.extend([0x09, 0x00, 0x10, 0x10]);
        want.extend(b"SQ\0\0\xFF\xFF\xFF\xFF");
        want.extend(b"\xFE\xFF\x00\xE0\xFF\xFF\xFF\xFF");
        want.extend(b"\x09\x00\x10\x00LO\x04\x00ACME");
        want.extend(b"\x10\x00\x10\x00PN\x08\x00Doe^John");
        want.extend(b"\xFE\xFF\x0D\xE0\x00\x00\x00\x00");
        want.extend(b"\xFE\xFF\x00\xE0\xFF\xFF\xFF\xFF");
        want.extend(b"\x10\x00\x20\x00LO\x04\x00ID12");
        want.extend(b"\xFE\xFF\x0D\xE0\x00\x00\x00\x00");
        want.extend(b"\xFE\xFF\xDD\xE0\x00\x00\x00\x00");
        want.extend(b"after");
        assert_eq!(out, want);
    }

    #[test]
    fn a_long_value_of_a_short_vr_and_an_unknown_tag_are_un() {
        let mut file = un_header(Tag(0x0009, 0x1010));
        let long = vec![b'A'; 70_000];
        let inner = [
            implicit(Tag(0x0010, 0x4000), &long),
            implicit(Tag(0x0009, 0x1020), b"1234"),
        ]
        .concat();
        file.extend(implicit(ITEM, &inner));
        file.extend(implicit(SEQ_END, b""));
        let out = rewrite(&file, 0).unwrap();
        let text = &out[12 + 8..];
        assert_eq!(&text[..8], b"\x10\x00\x00\x40UN\0\0");
        assert_eq!(u32_at(text, 8), Some(70_000));
        let next = &text[12 + 70_000..];
        assert_eq!(&next[..8], b"\x09\x00\x20\x10UN\0\0");
    }

    #[test]
    fn broken_structures_are_refused() {
        let base = un_header(Tag(0x0009, 0x1010));
        // no delimiter at all
        assert!(rewrite(&[base.clone(), implicit(ITEM, b"")].concat(), 0).is_err());
        // an element instead of an item
        let bad = [base.clone(), implicit(Tag(0x0010, 0x0010), b"Doe")].concat();
        assert!(rewrite(&bad, 0).is_err());
        // an element longer than its item
        let mut item = implicit(ITEM, &implicit(Tag(0x0010, 0x0010), b"Doe^Jo"));
        item[4] = 6; // the item says 6 bytes, its element needs 14
        let bad = [base.clone(), item, implicit(SEQ_END, b"")].concat();
        assert!(rewrite(&bad, 0).is_err());
        // not a UN header
        assert!(rewrite(b"\x09\x00\x10\x10OB\0\0\xFF\xFF\xFF\xFF", 0).is_err());
    }
}
