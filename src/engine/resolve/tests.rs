//! Unit tests of the resolution of combined actions: by attribute Type, for sequences and UIDs, unknown Types, and the folding of deep SR paths.

use super::*;

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const ECG: &str = "1.2.840.10008.5.1.4.1.1.9.1.1";
const PDF: &str = "1.2.840.10008.5.1.4.1.1.104.1";
const ENHANCED_CT: &str = "1.2.840.10008.5.1.4.1.1.2.1";
const SEGMENTATION: &str = "1.2.840.10008.5.1.4.1.1.66.4";
const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
const ACQUISITION_DATETIME: Tag = Tag(0x0008, 0x002A);
const CONTENT_SEQUENCE: Tag = Tag(0x0040, 0xA730);
const PERSON_NAME: Tag = Tag(0x0040, 0xA123);

fn listed(attribute_type: AttributeType, path: &[Tag]) -> IodType {
    IodType::Listed {
        attribute_type,
        path: path.to_vec(),
    }
}

#[test]
fn combined_actions_follow_the_attribute_type() {
    use AttributeType::*;
    let l = |t| listed(t, &[]);
    let b = combined_branch;
    assert_eq!(b(Combined::XZD, VR::LO, &l(Type1)), Branch::Replace);
    assert_eq!(b(Combined::XZD, VR::LO, &l(Type1C)), Branch::Replace);
    assert_eq!(b(Combined::XZD, VR::LO, &l(Type2)), Branch::Empty);
    assert_eq!(b(Combined::XZD, VR::LO, &l(Type2C)), Branch::Empty);
    assert_eq!(b(Combined::XZD, VR::LO, &l(Type3)), Branch::Delete);
    assert_eq!(b(Combined::XZD, VR::LO, &IodType::NotInIod), Branch::Delete);
    assert_eq!(b(Combined::XZ, VR::LO, &l(Type1)), Branch::Empty);
    assert_eq!(b(Combined::XZ, VR::LO, &l(Type2)), Branch::Empty);
    assert_eq!(b(Combined::XZ, VR::LO, &l(Type3)), Branch::Delete);
    assert_eq!(b(Combined::XD, VR::LO, &l(Type1)), Branch::Replace);
    assert_eq!(b(Combined::XD, VR::LO, &l(Type2)), Branch::Replace);
    assert_eq!(b(Combined::XD, VR::LO, &l(Type3)), Branch::Delete);
    assert_eq!(b(Combined::ZD, VR::LO, &l(Type1)), Branch::Replace);
    assert_eq!(b(Combined::ZD, VR::LO, &l(Type2)), Branch::Empty);
    assert_eq!(b(Combined::ZD, VR::LO, &l(Type3)), Branch::Empty);
    assert_eq!(b(Combined::ZD, VR::LO, &IodType::NotInIod), Branch::Empty);
}

#[test]
fn sequences_that_must_have_items_keep_them() {
    use AttributeType::*;
    let l = |t| listed(t, &[]);
    let b = combined_branch;
    // D on a sequence: kept, the plan applied inside (the walk does this for `replace`)
    assert_eq!(b(Combined::XZD, VR::SQ, &l(Type1)), Branch::Replace);
    // X/Z on a Type 1 sequence: no dummy, but an empty sequence would break the IOD
    assert_eq!(b(Combined::XZ, VR::SQ, &l(Type1)), Branch::Keep);
    assert_eq!(b(Combined::XZ, VR::SQ, &l(Type1C)), Branch::Keep);
    assert_eq!(b(Combined::XZ, VR::SQ, &l(Type2)), Branch::Empty);
    assert_eq!(b(Combined::XZ, VR::SQ, &l(Type3)), Branch::Delete);
    // plain `empty`
    assert_eq!(empty_sequence_branch(&l(Type1)), Branch::Keep);
    assert_eq!(empty_sequence_branch(&l(Type1C)), Branch::Keep);
    assert_eq!(empty_sequence_branch(&l(Type2)), Branch::Empty);
    assert_eq!(empty_sequence_branch(&l(Type3)), Branch::Empty);
    assert_eq!(empty_sequence_branch(&IodType::NotInIod), Branch::Empty);
    assert_eq!(
        empty_sequence_branch(&IodType::Unknown(Unknown::SopClass)),
        Branch::Empty
    );
}

#[test]
fn uid_sequences_are_kept_and_uids_remapped_where_required() {
    use AttributeType::*;
    let l = |t| listed(t, &[]);
    let b = combined_branch;
    for t in [Type1, Type1C, Type2, Type2C] {
        assert_eq!(b(Combined::XZU, VR::UI, &l(t)), Branch::Uid, "{t}");
        assert_eq!(b(Combined::XZU, VR::SQ, &l(t)), Branch::Keep, "{t}");
        assert_eq!(b(Combined::XZU, VR::CS, &l(t)), Branch::Empty, "{t}");
    }
    assert_eq!(b(Combined::XZU, VR::SQ, &l(Type3)), Branch::Delete);
    assert_eq!(b(Combined::XZU, VR::UI, &IodType::NotInIod), Branch::Delete);
}

#[test]
fn unknown_types_take_the_old_tools_branch() {
    for why in [Unknown::NoSopClass, Unknown::SopClass, Unknown::Container] {
        let u = IodType::Unknown(why);
        let b = combined_branch;
        assert_eq!(b(Combined::XZD, VR::LO, &u), Branch::Replace);
        assert_eq!(b(Combined::XD, VR::DA, &u), Branch::Replace);
        assert_eq!(b(Combined::ZD, VR::LO, &u), Branch::Replace);
        assert_eq!(b(Combined::XZ, VR::LO, &u), Branch::Empty);
        assert_eq!(b(Combined::XZU, VR::UI, &u), Branch::Uid);
        assert_eq!(b(Combined::XZU, VR::SQ, &u), Branch::Keep);
        assert_eq!(b(Combined::XZU, VR::CS, &u), Branch::Empty);
    }
}

#[test]
fn the_same_attribute_resolves_three_ways_in_three_iods() {
    let action = Action::Combined(Combined::XZD);
    let r = |sop| resolve(&action, VR::DT, Some(sop), &[ACQUISITION_DATETIME]);
    let ecg = r(ECG).unwrap();
    assert_eq!(ecg.branch, Branch::Replace);
    assert_eq!(
        ecg.iod,
        listed(AttributeType::Type1, &[ACQUISITION_DATETIME])
    );
    assert_eq!(r(ENHANCED_CT).unwrap().branch, Branch::Replace);
    assert_eq!(r(PDF).unwrap().branch, Branch::Empty);
    assert_eq!(r(CT).unwrap().branch, Branch::Delete);
    assert_eq!(
        r("1.2.3.4").unwrap(),
        Resolution {
            branch: Branch::Replace,
            iod: IodType::Unknown(Unknown::SopClass)
        }
    );
    assert_eq!(
        resolve(&action, VR::DT, None, &[ACQUISITION_DATETIME])
            .unwrap()
            .iod,
        IodType::Unknown(Unknown::NoSopClass)
    );
}

#[test]
fn only_combined_actions_and_empty_sequences_depend_on_the_iod() {
    let p = [Tag(0x0008, 0x1110)];
    assert_eq!(resolve(&Action::Keep, VR::SQ, Some(CT), &p), None);
    assert_eq!(resolve(&Action::Replace, VR::SQ, Some(CT), &p), None);
    assert_eq!(resolve(&Action::Empty, VR::LO, Some(CT), &p), None);
    assert!(resolve(&Action::Empty, VR::SQ, Some(CT), &p).is_some());
    assert!(depends_on_iod(&Action::Combined(Combined::XZ), VR::LO));
    assert!(!depends_on_iod(&Action::Uid, VR::UI));
}

#[test]
fn nested_paths_are_looked_up_whole() {
    let action = Action::Combined(Combined::XZU);
    // Referenced Series Sequence > Referenced Instance Sequence > Referenced SOP Instance UID
    let path = [
        Tag(0x0008, 0x1115),
        Tag(0x0008, 0x114A),
        Tag(0x0008, 0x1155),
    ];
    let r = resolve(&action, VR::UI, Some(SEGMENTATION), &path).unwrap();
    assert_eq!(r.iod, listed(AttributeType::Type1, &path));
    assert_eq!(r.branch, Branch::Uid);
    // Source Image Sequence: Type 3 at the top level of a Segmentation
    let top = resolve(&action, VR::SQ, Some(SEGMENTATION), &[Tag(0x0008, 0x2112)]).unwrap();
    assert_eq!(top.branch, Branch::Delete);
}

#[test]
fn not_in_the_iod_needs_a_described_container() {
    // Patient's Name inside Referenced Study Sequence: the table describes that
    // sequence, and it holds no Patient's Name
    assert_eq!(
        iod_type(Some(CT), &[Tag(0x0008, 0x1110), Tag(0x0010, 0x0010)]),
        IodType::NotInIod
    );
    // a top-level attribute the IOD does not have
    assert_eq!(iod_type(Some(CT), &[PERSON_NAME]), IodType::NotInIod);
    // inside a Functional Group: the table has no Functional Group macros
    let fg = [
        Tag(0x5200, 0x9230),
        Tag(0x0008, 0x9124),
        Tag(0x0008, 0x2112),
    ];
    assert_eq!(
        iod_type(Some(SEGMENTATION), &fg),
        IodType::Unknown(Unknown::Container)
    );
    let r = resolve(
        &Action::Combined(Combined::XZU),
        VR::SQ,
        Some(SEGMENTATION),
        &fg,
    );
    assert_eq!(r.map(|r| r.branch), Some(Branch::Keep));
    // inside a private sequence
    assert_eq!(
        iod_type(Some(CT), &[Tag(0x0029, 0x1010), Tag(0x0008, 0x0080)]),
        IodType::Unknown(Unknown::Container)
    );
    // Content Sequence in an IOD that has none: the table describes that sequence
    assert_eq!(
        iod_type(Some(CT), &[CONTENT_SEQUENCE, PERSON_NAME]),
        IodType::NotInIod
    );
}

#[test]
fn deep_sr_content_folds_onto_the_deepest_listed_level() {
    use AttributeType::Type1C;
    let at = |depth: usize| {
        let mut p = vec![CONTENT_SEQUENCE; depth];
        p.push(PERSON_NAME);
        p
    };
    // Comprehensive SR: the table lists one level of Content Sequence
    assert_eq!(
        iod_type(Some(COMPREHENSIVE_SR), &at(0)),
        listed(Type1C, &at(0))
    );
    assert_eq!(
        iod_type(Some(COMPREHENSIVE_SR), &at(1)),
        listed(Type1C, &at(1))
    );
    for depth in 2..8 {
        assert_eq!(
            iod_type(Some(COMPREHENSIVE_SR), &at(depth)),
            listed(Type1C, &at(1)),
            "depth {depth}"
        );
    }
    // Encapsulated PDF: two levels; deeper ones fold onto the second
    assert_eq!(iod_type(Some(PDF), &at(2)), listed(Type1C, &at(2)));
    assert_eq!(iod_type(Some(PDF), &at(5)), listed(Type1C, &at(2)));
}

#[test]
fn folding_shortens_the_longest_run_first() {
    let a = Tag(0x0040, 0xA730);
    let b = Tag(0x0008, 0x1199);
    let c = Tag(0x0040, 0xA123);
    let mut p = vec![a, a, a, b, b, c];
    assert!(fold_longest_run(&mut p));
    assert_eq!(p, [a, a, b, b, c]);
    assert!(fold_longest_run(&mut p));
    assert_eq!(p, [a, a, b, c]);
    assert!(fold_longest_run(&mut p));
    assert_eq!(p, [a, b, c]);
    assert!(!fold_longest_run(&mut p));
    let mut empty: Vec<Tag> = Vec::new();
    assert!(!fold_longest_run(&mut empty));
}
