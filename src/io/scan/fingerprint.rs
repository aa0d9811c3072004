//! What the walk saw, in a form that dicom-object's reading of the same bytes can be
//! checked against: one reading of the bytes (issue 13).
//!
//! The walk and dicom-parser decode element headers with the same dicom-encoding decoder,
//! so they can only disagree on where an element ends. The walk refuses every case known
//! to make them disagree (`misaligned`); the fingerprint catches any other: it is an
//! order-independent sum of one hash per element (nesting depth, tag, length) and per item,
//! computed by the walk while it skips values and by [`Fingerprint::of_object`] over the
//! loaded object. dicom-object keeps one element per tag in an item, so a duplicated tag
//! also makes the two differ: the element a reader drops is not defined by the standard.

use dicom_core::dictionary::{DataDictionary, VirtualVr};
use dicom_core::header::{HasLength, Header, Length};
use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;

/// An order-independent digest of the elements and items of a data set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    sum: u64,
    count: u64,
}

const ITEM: Tag = Tag(0xFFFE, 0xE000);
/// Stands for the length of encapsulated pixel data (dicom-object does not keep it).
const PIXEL_SEQUENCE: u32 = 0xFFFF_FFFE;

fn mix(mut z: u64) -> u64 {
    // splitmix64 finalizer
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn one(depth: usize, tag: Tag, len: u32) -> Fingerprint {
    let key = (depth as u64) << 32 | u64::from(tag.0) << 16 | u64::from(tag.1);
    Fingerprint {
        sum: mix(mix(key) ^ u64::from(len)),
        count: 1,
    }
}

impl Fingerprint {
    /// A primitive element of defined length.
    pub(crate) fn primitive(depth: usize, tag: Tag, len: Length) -> Self {
        one(depth, tag, len.0)
    }

    /// A sequence (or an undefined-length element, which dicom-parser reads as one), or
    /// encapsulated pixel data.
    pub(crate) fn sequence(depth: usize, tag: Tag, len: Length, pixel: bool) -> Self {
        one(depth, tag, if pixel { PIXEL_SEQUENCE } else { len.0 })
    }

    /// Add one element's print.
    pub(crate) fn add(&mut self, other: Fingerprint) {
        self.sum = self.sum.wrapping_add(other.sum);
        self.count = self.count.wrapping_add(other.count);
    }

    /// Remove one element's print (the streamed pixel data).
    pub(crate) fn minus(mut self, other: Fingerprint) -> Self {
        self.sum = self.sum.wrapping_sub(other.sum);
        self.count = self.count.wrapping_sub(other.count);
        self
    }

    /// An item of a sequence, at the depth of its elements.
    pub(crate) fn add_item(&mut self, depth: usize) {
        self.add(one(depth, ITEM, 0));
    }

    /// The print of a data set read by dicom-object.
    pub(crate) fn of_object(obj: &InMemDicomObject) -> Self {
        let mut print = Fingerprint::default();
        walk(obj, 0, &mut print);
        print
    }
}

fn walk(obj: &InMemDicomObject, depth: usize, print: &mut Fingerprint) {
    for elem in obj {
        let tag = elem.tag();
        match elem.value() {
            Value::Primitive(_) => print.add(Fingerprint::primitive(depth, tag, elem.length())),
            Value::PixelSequence(_) => {
                print.add(Fingerprint::sequence(depth, tag, elem.length(), true));
            }
            Value::Sequence(seq) => {
                print.add(Fingerprint::sequence(depth, tag, elem.length(), false));
                for item in seq.items() {
                    print.add_item(depth + 1);
                    walk(item, depth + 1, print);
                }
            }
        }
    }
}

/// True if dicom-parser would not consume `len` bytes for a value of `vr`: it reads
/// binary numbers as `len / size` whole values and leaves the rest in the stream. A tag
/// whose dictionary VR is US or SS (`Xs`) can be switched to SS by dicom-parser whatever
/// the file says, so its length must be even too. The dictionary is only asked about odd
/// lengths (rare), so the walk stays cheap.
pub(crate) fn misaligned(tag: Tag, vr: VR, len: u32) -> bool {
    let unit = match vr {
        VR::US | VR::SS | VR::OW => 2,
        VR::AT | VR::FL | VR::OF | VR::SL | VR::UL | VR::OL => 4,
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
        _ => 1,
    };
    if len % unit != 0 {
        return true;
    }
    len % 2 == 1
        && StandardDataDictionary
            .by_tag(tag)
            .is_some_and(|e| e.vr == VirtualVr::Xs)
}
