//! Structured reports: what the plan's action on a Content Sequence (0040,A730) does to the
//! value leaves of its content items.
//!
//! The Basic Profile gives Content Sequence `D`. The tree is kept (value types,
//! relationships, concept names and codes, numeric measurements, image references with
//! their UIDs remapped by their own rules), with the plan applied inside every item, and the
//! leaves that carry free text, names, dates and times get the VR's dummy: Text Value
//! (0040,A160) of TEXT items, Person Name (0040,A123) of PNAME, Date (0040,A121), Time
//! (0040,A122) and DateTime (0040,A120). Text Value is not a row of Table E.1-1, so without
//! this a report's text would be kept.
//!
//! This module decides; the walk (`walk.rs`) and `check` (through [`crate::engine::expected`])
//! both call it, so that `check` expects what `run` does.

use dicom_core::Tag;

/// (0040,A730) Content Sequence.
pub const CONTENT_SEQUENCE: Tag = Tag(0x0040, 0xA730);

/// The value leaves of a content item that a dummy Content Sequence replaces: TEXT, PNAME,
/// DATE, TIME and DATETIME.
pub const LEAVES: [Tag; 5] = [
    Tag(0x0040, 0xA160), // Text Value (TEXT)
    Tag(0x0040, 0xA123), // Person Name (PNAME)
    Tag(0x0040, 0xA121), // Date (DATE)
    Tag(0x0040, 0xA122), // Time (TIME)
    Tag(0x0040, 0xA120), // DateTime (DATETIME)
];

/// Whether an element of `tag` sits directly in an item of a Content Sequence (the last
/// tag of `seq_path`, outermost first) and is one of its value [`LEAVES`].
pub fn is_content_leaf(tag: Tag, seq_path: &[Tag]) -> bool {
    seq_path.last() == Some(&CONTENT_SEQUENCE) && LEAVES.contains(&tag)
}

/// Whether a content leaf holds text that `clean` cleans (TEXT, PNAME); the dates and
/// times of a cleaned Content Sequence get dummies.
pub fn is_text_leaf(tag: Tag) -> bool {
    matches!(tag, Tag(0x0040, 0xA160) | Tag(0x0040, 0xA123))
}
