//! Reading the standard's tables (`data/standard/*.tsv`): the Basic Profile rows, the
//! option columns of Table E.1-1, the safe private attributes.

use super::*;

/// The row of Table E.1-1 that stands for every private attribute, not a tag.
const PRIVATE_ATTRIBUTES_ROW: &str = "(gggg,eeee) where gggg is odd";

pub(super) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A TSV file: its header and its rows, each as wide as the header.
pub(super) fn read_tsv(rel: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_string)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let row: Vec<String> = l.split('\t').map(str::to_string).collect();
            assert_eq!(row.len(), header.len(), "{rel}: {l}");
            row
        })
        .collect();
    (header, rows)
}

pub(super) fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {header:?}"))
}

/// An attribute name as printed in comments: zero-width spaces removed, spaces collapsed.
fn clean_name(name: &str) -> String {
    name.replace('\u{200b}', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One row of the 2026c Basic Profile.
#[derive(Debug, Clone)]
pub(super) struct BasicRow {
    pub(super) pattern: TagPattern,
    pub(super) name: String,
    pub(super) code: String,
}

pub(super) fn basic_rows() -> Vec<BasicRow> {
    let (header, rows) = read_tsv(BASIC_TSV);
    assert_eq!(header, ["Tag", "Attribute Name", "Basic Prof."]);
    rows.iter()
        .map(|r| BasicRow {
            pattern: TagPattern::parse_tag(&r[0])
                .unwrap_or_else(|e| panic!("{BASIC_TSV}: `{}`: {e}", r[0])),
            name: clean_name(&r[1]),
            code: r[2].clone(),
        })
        .collect()
}

/// The basic rows by selector.
pub(super) fn basic_by_pattern() -> BTreeMap<TagPattern, BasicRow> {
    let mut map = BTreeMap::new();
    for row in basic_rows() {
        let pattern = row.pattern.clone();
        assert!(
            map.insert(pattern.clone(), row).is_none(),
            "{pattern} twice in {BASIC_TSV}"
        );
    }
    map
}

/// The merged cells of one option column of Table E.1-1, for one tag.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    pub(super) pattern: TagPattern,
    pub(super) name: String,
    /// `K` or `C` (the stricter `C` when the rows of the tag disagree).
    pub(super) value: String,
    /// The tag has several rows that disagree in this column.
    pub(super) conflict: bool,
}

/// The non-blank cells of `column_name`, one per tag, in tag order. Rows of the same tag
/// are merged; where they say both K and C, C (the stricter reading) is used.
pub(super) fn option_cells(column_name: &str) -> Vec<Cell> {
    let (header, rows) = read_tsv(OPTIONS_TSV);
    let (name_col, tag_col, col) = (
        column(&header, "Attribute Name"),
        column(&header, "Tag"),
        column(&header, column_name),
    );
    // tag order -> (selector, name, the values of its rows)
    let mut by_tag: BTreeMap<_, (TagPattern, String, BTreeSet<String>)> = BTreeMap::new();
    for r in &rows {
        let value = r[col].trim();
        if r[tag_col] == PRIVATE_ATTRIBUTES_ROW {
            // Table E.3.10-1 says which private attributes are safe (retain-safe-private)
            continue;
        }
        let pattern = TagPattern::parse_tag(&r[tag_col])
            .unwrap_or_else(|e| panic!("{OPTIONS_TSV}: `{}`: {e}", r[tag_col]));
        let entry = by_tag
            .entry(pattern.sort_key())
            .or_insert_with(|| (pattern, clean_name(&r[name_col]), BTreeSet::new()));
        if !value.is_empty() {
            assert!(
                value == "K" || value == "C",
                "{OPTIONS_TSV}: `{value}` in {column_name}"
            );
            entry.2.insert(value.to_string());
        }
    }
    by_tag
        .into_values()
        .filter(|(_, _, values)| !values.is_empty())
        .map(|(pattern, name, values)| Cell {
            pattern,
            name,
            value: if values.contains("C") { "C" } else { "K" }.to_string(),
            conflict: values.len() > 1,
        })
        .collect()
}

/// One row of Table E.3.10-1.
#[derive(Debug, Clone)]
pub(super) struct SafePrivateRow {
    /// `(gggg,"CREATOR",ee)`, as the language writes it.
    pub(super) selector: String,
    pub(super) group: u16,
    pub(super) element: u8,
    pub(super) creator: String,
    pub(super) vr: String,
    pub(super) vm: String,
    pub(super) meaning: String,
}

pub(super) fn safe_private_rows() -> Vec<SafePrivateRow> {
    let (header, rows) = read_tsv(SAFE_PRIVATE_TSV);
    assert_eq!(
        header,
        ["Data Element", "Private Creator", "VR", "VM", "Meaning"]
    );
    rows.iter()
        .map(|r| {
            // `(7053,xx00)`: the group, and the element's offset in the creator's block
            let pattern = TagPattern::parse_tag(&r[0])
                .unwrap_or_else(|e| panic!("{SAFE_PRIVATE_TSV}: `{}`: {e}", r[0]));
            let TagPattern::Masked(m) = pattern else {
                panic!("{SAFE_PRIVATE_TSV}: `{}` is not (gggg,xxee)", r[0])
            };
            assert_eq!(m.bits(), 0xFFFF_00FF, "{SAFE_PRIVATE_TSV}: `{}`", r[0]);
            let group = u16::try_from(m.value() >> 16).unwrap();
            let element = u8::try_from(m.value() & 0xFF).unwrap();
            let creator = r[1].trim().to_string();
            SafePrivateRow {
                selector: format!("({group:04X},{},{element:02X})", print::quote(&creator)),
                group,
                element,
                creator,
                vr: r[2].trim().to_string(),
                vm: r[3].trim().to_string(),
                meaning: clean_name(&r[4]),
            }
        })
        .collect()
}
