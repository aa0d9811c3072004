//! Unit tests of the IOD table: the embedded table, hand-checked facts, the parser's
//! handling of malformed lines.

use super::table::{Problem, Slot};
use super::*;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const SAMPLE: &str = include_str!("../../data/iod-sample.tsv");
const SOURCE_HEADER: &str = "SOP Class UID\tPath\tType\tModule Usage";

fn listed(attribute_type: AttributeType, usage: ModuleUsage) -> IodLookup {
    IodLookup::Listed {
        attribute_type,
        usage,
    }
}

fn parse_path(path: &str) -> Vec<Tag> {
    path.split('/').map(|t| t.parse().unwrap()).collect()
}

/// Checks every row of a source-format TSV against `lookup`; returns the row count.
fn check_rows(text: &str, name: &str) -> usize {
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(lines.next(), Some(SOURCE_HEADER), "{name}: header");
    let mut rows = 0;
    let mut mismatches = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "{name}: {line:?}");
        let expected = listed(
            AttributeType::parse(f[2]).unwrap(),
            ModuleUsage::parse(f[3]).unwrap(),
        );
        let got = lookup(f[0], &parse_path(f[1]));
        if got != expected {
            mismatches.push(format!("{line}: got {got:?}"));
        }
        rows += 1;
    }
    assert!(
        mismatches.is_empty(),
        "{name}: {} mismatches, first: {:?}",
        mismatches.len(),
        mismatches.first()
    );
    rows
}

#[test]
fn embedded_table_parses_without_problems() {
    assert_eq!(TABLE.problems, []);
}

#[test]
fn embedded_table_has_the_expected_counts() {
    assert_eq!(sop_class_count(), 140);
    assert_eq!(TABLE.sets.len(), 104);
    assert_eq!(TABLE.paths.len(), 3422);
    assert_eq!(TABLE.rows, 89_015);
    assert_eq!(TABLE.declared, Some([3422, 104, 140, 89_015]));
}

#[test]
fn header_states_the_provenance() {
    assert!(TABLE_TEXT.contains(&format!("# Source: {PROVENANCE}.")));
    assert!(PROVENANCE.contains(EDITION));
}

#[test]
fn ct_image_storage_facts_checked_by_hand() {
    use AttributeType::*;
    use ModuleUsage::*;
    let ct = |path: &[Tag]| lookup(CT, path);
    // Patient's Name, Patient module
    assert_eq!(ct(&[Tag(0x0010, 0x0010)]), listed(Type2, Mandatory));
    // SOP Instance UID, SOP Common module
    assert_eq!(ct(&[Tag(0x0008, 0x0018)]), listed(Type1, Mandatory));
    // Institution Name, General Equipment module
    assert_eq!(ct(&[Tag(0x0008, 0x0080)]), listed(Type3, Mandatory));
    // Content Date, General Image module
    assert_eq!(ct(&[Tag(0x0008, 0x0023)]), listed(Type2C, Mandatory));
    // Contrast/Bolus Agent, Contrast/Bolus module (conditional)
    assert_eq!(ct(&[Tag(0x0018, 0x0010)]), listed(Type2, Conditional));
    // Clinical Trial Sponsor Name, Clinical Trial Subject module (user optional)
    assert_eq!(ct(&[Tag(0x0012, 0x0010)]), listed(Type1, UserOptional));
    // Referenced Study Sequence > Referenced SOP Instance UID
    assert_eq!(
        ct(&[Tag(0x0008, 0x1110), Tag(0x0008, 0x1155)]),
        listed(Type1, Mandatory)
    );
    // Referenced Image Sequence > Referenced SOP Instance UID (General Image, U)
    assert_eq!(
        ct(&[Tag(0x0008, 0x1140), Tag(0x0008, 0x1155)]),
        listed(Type1, UserOptional)
    );
    // Referring Physician Identification Sequence > Institution Code Sequence > …
    assert_eq!(
        ct(&[
            Tag(0x0008, 0x0096),
            Tag(0x0008, 0x0082),
            Tag(0x0008, 0x0104)
        ]),
        IodLookup::NotInIod,
        "Code Meaning is not in the Basic Profile, so never listed"
    );
    // … > Context Group Version
    assert_eq!(
        ct(&[
            Tag(0x0008, 0x0096),
            Tag(0x0008, 0x0082),
            Tag(0x0008, 0x0106)
        ]),
        listed(Type1C, Mandatory)
    );
}

#[test]
fn unknown_sop_class() {
    assert_eq!(
        lookup("1.2.3.4", &[Tag(0x0010, 0x0010)]),
        IodLookup::UnknownSopClass
    );
    assert_eq!(
        lookup("", &[Tag(0x0010, 0x0010)]),
        IodLookup::UnknownSopClass
    );
    // a prefix of a known UID is not that UID
    assert_eq!(
        lookup("1.2.840.10008.5.1.4.1.1", &[Tag(0x0010, 0x0010)]),
        IodLookup::UnknownSopClass
    );
    assert!(!knows_sop_class("1.2.3.4"));
    assert!(knows_sop_class(CT));
}

#[test]
fn known_sop_class_but_attribute_not_in_iod() {
    // a private tag
    assert_eq!(lookup(CT, &[Tag(0x0009, 0x0010)]), IodLookup::NotInIod);
    // Patient's Name where the IOD does not put it: inside Referenced Study Sequence
    assert_eq!(
        lookup(CT, &[Tag(0x0008, 0x1110), Tag(0x0010, 0x0010)]),
        IodLookup::NotInIod
    );
    // Referenced SOP Instance UID at the top level
    assert_eq!(lookup(CT, &[Tag(0x0008, 0x1155)]), IodLookup::NotInIod);
    // a path listed for other SOP classes only (SR Content Sequence)
    assert_eq!(
        lookup(CT, &[Tag(0x0040, 0xA730), Tag(0x0040, 0xA730)]),
        IodLookup::NotInIod
    );
    assert_eq!(lookup(CT, &[]), IodLookup::NotInIod);
}

#[test]
fn containers_are_the_proper_prefixes_of_listed_paths() {
    let seq = |tags: &[(u16, u16)]| tags.iter().map(|&(g, e)| Tag(g, e)).collect::<Vec<_>>();
    assert!(describes_inside(&[]));
    assert!(describes_inside(&seq(&[
        (0x0008, 0x1115),
        (0x0008, 0x114A)
    ])));
    // SR content: listed two levels deep, not three
    assert!(describes_inside(&seq(&[
        (0x0040, 0xA730),
        (0x0040, 0xA730)
    ])));
    assert!(!describes_inside(&seq(&[
        (0x0040, 0xA730),
        (0x0040, 0xA730),
        (0x0040, 0xA730)
    ])));
    // a listed leaf is not a container; Functional Group sequences are not listed
    assert!(!describes_inside(&seq(&[(0x0010, 0x0010)])));
    assert!(!describes_inside(&seq(&[(0x5200, 0x9229)])));
    assert!(!describes_inside(&seq(&[
        (0x5200, 0x9230),
        (0x0008, 0x9124)
    ])));
    // every prefix of every path, nothing else
    let expected: HashSet<Vec<Tag>> = TABLE
        .paths
        .keys()
        .flat_map(|p| (1..p.len()).map(|n| p[..n].to_vec()))
        .collect();
    assert_eq!(TABLE.containers.len(), expected.len());
}

#[test]
fn sop_class_uid_padding_is_ignored() {
    let name = [Tag(0x0010, 0x0010)];
    let expected = lookup(CT, &name);
    assert_ne!(expected, IodLookup::UnknownSopClass);
    for padded in [
        "1.2.840.10008.5.1.4.1.1.2\0",
        "1.2.840.10008.5.1.4.1.1.2 ",
        " 1.2.840.10008.5.1.4.1.1.2\0\0",
    ] {
        assert_eq!(lookup(padded, &name), expected, "{padded:?}");
        assert!(knows_sop_class(padded), "{padded:?}");
    }
}

#[test]
fn attribute_types_order_from_strictest() {
    use AttributeType::*;
    assert!(Type1 < Type1C && Type1C < Type2 && Type2 < Type2C && Type2C < Type3);
    assert_eq!([Type3, Type2, Type1C].into_iter().min(), Some(Type1C));
}

#[test]
fn slot_round_trips_every_type_and_usage() {
    for t in AttributeType::ALL {
        for u in ModuleUsage::ALL {
            assert_eq!(Slot::new(t, u).get(), Some((t, u)));
            assert_eq!(AttributeType::parse(t.as_str()), Some(t));
            assert_eq!(ModuleUsage::parse(u.as_str()), Some(u));
        }
    }
    assert_eq!(Slot::EMPTY.get(), None);
    assert_eq!(Slot(16).get(), None);
}

#[test]
fn committed_sample_agrees_row_for_row() {
    assert_eq!(check_rows(SAMPLE, "data/iod-sample.tsv"), 396);
}

#[test]
fn full_source_agrees_row_for_row_when_present() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/standard/iod-attribute-types-2020.tsv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!(
            "skipped: {} is absent; only the committed sample was checked",
            path.display()
        );
        return;
    };
    let rows = check_rows(&text, "iod-attribute-types-2020.tsv");
    println!("checked {rows} rows of {}", path.display());
    // every source row is listed, and the table lists nothing else
    assert_eq!(rows, TABLE.rows);
}

#[test]
fn malformed_lines_are_skipped_and_recorded() {
    let text = "\
# comment
P\t0\t(0010,0010)
iod-table\tv1\tpaths=2\tsets=2\tsop-classes=2\trows=2
P\t0\t(0010,0010)
P\t1\t(0010,ZZZZ)
P\t5\t(0010,0020)
S\t0\t-
P\t2\t(0010,0030)
C\t1.2.3
A\t0\t2\tM
A\t1\t4\tM
A\t9\t1\tM
D\t1
X\tfoo
S\t1\t7
C\t1.2.3
C\t1.2.4
A\t0\t1\tU\textra
";
    let table = Table::parse(text);
    let reasons: Vec<(usize, &str)> = table.problems.iter().map(|p| (p.line, p.reason)).collect();
    assert_eq!(
        reasons,
        [
            (2, "record before the `iod-table` header"),
            (5, "malformed tag in path"),
            (6, "path id out of sequence"),
            (8, "path after the first set"),
            (11, "unknown Type"),
            (12, "unknown path id"),
            (13, "removes an entry that is not there"),
            (14, "unknown record kind"),
            (15, "base set is not an earlier set"),
            (16, "duplicate SOP class"),
            (18, "too many fields"),
            (18, "counts differ from the header"),
        ]
    );
    // what could be used still works
    assert_eq!(
        table.lookup("1.2.3", &[Tag(0x0010, 0x0010)]),
        listed(AttributeType::Type2, ModuleUsage::Mandatory)
    );
    assert_eq!(
        table.lookup("1.2.4", &[Tag(0x0010, 0x0010)]),
        IodLookup::NotInIod
    );
    assert_eq!(table.lookup("1.2.5", &[]), IodLookup::UnknownSopClass);
}

#[test]
fn empty_text_is_one_problem() {
    let table = Table::parse("");
    assert_eq!(
        table.problems,
        [Problem {
            line: 0,
            reason: "no `iod-table` header"
        }]
    );
    assert_eq!(
        table.lookup(CT, &[Tag(0x0010, 0x0010)]),
        IodLookup::UnknownSopClass
    );
}

/// Prints the parse time; run with
/// `cargo test --release --lib iod::tests::parse_time -- --nocapture`.
#[test]
fn parse_time() {
    let start = Instant::now();
    let table = Table::parse(TABLE_TEXT);
    let elapsed = start.elapsed();
    assert!(table.problems.is_empty());
    println!("parsed data/iod-table.txt in {elapsed:?}");
}
