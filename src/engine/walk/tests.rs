use super::*;
use crate::engine::{Applied, Engine};

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const SEGMENTATION: &str = "1.2.840.10008.5.1.4.1.1.66.4";

fn apply(profile: &str, obj: &mut InMemDicomObject) -> Applied {
    let compiled = crate::profile::compile_str("test.anon", profile);
    let plan = compiled.plan.unwrap();
    let keys = Keys::from_bytes(b"unit test key, sixteen bytes or more");
    Engine::new(&plan, &keys).apply_dataset(obj).unwrap()
}

fn text(tag: Tag, vr: VR, value: &str) -> InMemElement {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> InMemElement {
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

fn items(obj: &InMemDicomObject, tag: Tag) -> Option<usize> {
    obj.get(tag).and_then(|e| e.items()).map(<[_]>::len)
}

fn item(obj: &InMemDicomObject, tag: Tag) -> &InMemDicomObject {
    &obj.get(tag).unwrap().items().unwrap()[0]
}

fn object(sop_class: &str, rest: Vec<InMemElement>) -> InMemDicomObject {
    let mut all = vec![text(Tag(0x0008, 0x0016), VR::UI, sop_class)];
    all.extend(rest);
    InMemDicomObject::from_element_iter(all)
}

fn code_item() -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        text(Tag(0x0008, 0x0100), VR::SH, "X1"),
        text(Tag(0x0008, 0x0102), VR::SH, "99LOCAL"),
    ])
}

#[test]
fn empty_keeps_the_items_of_a_type_1_sequence() {
    // Person Identification Code Sequence: Type 1 inside Referring Physician
    // Identification Sequence of a CT image, not in the IOD at the top level
    let person = Tag(0x0040, 0x1101);
    let referring = Tag(0x0008, 0x0096);
    let mut obj = object(
        CT,
        vec![
            seq(
                referring,
                vec![InMemDicomObject::from_element_iter([seq(
                    person,
                    vec![code_item()],
                )])],
            ),
            seq(person, vec![code_item()]),
        ],
    );
    let applied = apply(
        "default keep\n(0040,1101) empty\n(0008,0102) delete\n",
        &mut obj,
    );
    assert_eq!(items(&obj, person), Some(0), "top level: emptied");
    let inner = item(&obj, referring);
    assert_eq!(items(inner, person), Some(1), "Type 1: items kept");
    // the plan applied inside the kept items
    assert!(item(inner, person).get(Tag(0x0008, 0x0102)).is_none());
    // SOP Class UID, the outer sequence, the Type 1 sequence and its Code Value
    assert_eq!(applied.counts.get("keep").copied(), Some(4));
    assert_eq!(applied.counts.get("empty").copied(), Some(1));
}

#[test]
fn uid_sequences_in_functional_groups_are_kept_and_remapped() {
    // Per-frame Functional Groups > Derivation Image > Source Image Sequence (X/Z/U*):
    // the table does not describe Functional Group macros, so the default branch
    // applies (kept, UIDs remapped inside); at the top level it is Type 3 (removed)
    let source = Tag(0x0008, 0x2112);
    let derivation = Tag(0x0008, 0x9124);
    let per_frame = Tag(0x5200, 0x9230);
    let referenced =
        || InMemDicomObject::from_element_iter([text(Tag(0x0008, 0x1155), VR::UI, "1.2.3.4")]);
    let mut obj = object(
        SEGMENTATION,
        vec![
            seq(source, vec![referenced()]),
            seq(
                per_frame,
                vec![InMemDicomObject::from_element_iter([seq(
                    derivation,
                    vec![InMemDicomObject::from_element_iter([seq(
                        source,
                        vec![referenced()],
                    )])],
                )])],
            ),
        ],
    );
    apply(
        "default keep\n(0008,2112) X/Z/U*\n(0008,1155) uid\n",
        &mut obj,
    );
    assert!(obj.get(source).is_none());
    let inner = item(item(item(&obj, per_frame), derivation), source);
    let uid = inner.get(Tag(0x0008, 0x1155)).and_then(text_of).unwrap();
    assert!(uid.starts_with("2.25."), "remapped");
}

#[test]
fn an_overlay_without_its_data_is_removed_whole() {
    let overlay = |g: u16| {
        vec![
            DataElement::new(Tag(g, 0x0010), VR::US, PrimitiveValue::from(8_u16)),
            DataElement::new(Tag(g, 0x0011), VR::US, PrimitiveValue::from(8_u16)),
            text(Tag(g, 0x0040), VR::CS, "G"),
            DataElement::new(
                Tag(g, 0x3000),
                VR::OW,
                PrimitiveValue::U8(vec![0; 8].into()),
            ),
        ]
    };
    let mut elements = overlay(0x6000);
    elements.extend(overlay(0x6002));
    let mut obj = object(CT, elements);
    apply("default keep\n(6000,3000) delete\n", &mut obj);
    assert_eq!(obj.tags().filter(|t| t.group() == 0x6000).count(), 0);
    assert_eq!(obj.tags().filter(|t| t.group() == 0x6002).count(), 4);
    // emptied data goes the same way; a group that never had data is left alone
    let mut obj = object(CT, overlay(0x6000));
    obj.remove_element(Tag(0x6000, 0x3000));
    obj.put(DataElement::new(
        Tag(0x6004, 0x3000),
        VR::OW,
        PrimitiveValue::U8(vec![0; 8].into()),
    ));
    obj.put(text(Tag(0x6004, 0x0040), VR::CS, "G"));
    apply("default keep\n(60xx,3000) empty\n", &mut obj);
    assert_eq!(obj.tags().filter(|t| t.group() == 0x6000).count(), 3);
    assert_eq!(obj.tags().filter(|t| t.group() == 0x6004).count(), 0);
}

#[test]
fn a_dummy_sequence_replaces_the_codes_it_holds() {
    // Person Identification Code Sequence is `D` in the basic profile: keeping its
    // items with the plan inside would keep the person's code (Code Value is not a
    // rule of its own), so the codes directly in its items get dummies too
    let person = Tag(0x0040, 0x1101);
    let concept = Tag(0x0040, 0xA043);
    let mut inner = code_item();
    inner.put(seq(concept, vec![code_item()]));
    let mut obj = object(CT, vec![seq(person, vec![inner])]);
    apply("(0040,1101) replace\n", &mut obj);
    let it = item(&obj, person);
    let value = |o: &InMemDicomObject, t: Tag| o.get(t).unwrap().to_str().unwrap().to_string();
    assert_eq!(value(it, Tag(0x0008, 0x0100)), "ANONYMIZED");
    assert_eq!(value(it, Tag(0x0008, 0x0102)), "ANONYMIZED");
    // codes deeper down are not the sequence's own code: the plan decides them
    assert_eq!(value(item(it, concept), Tag(0x0008, 0x0100)), "X1");
    // a kept sequence keeps its codes
    let mut kept = object(CT, vec![seq(person, vec![code_item()])]);
    apply("(0040,1101) keep\n", &mut kept);
    assert_eq!(value(item(&kept, person), Tag(0x0008, 0x0100)), "X1");
}

#[test]
fn command_and_meta_elements_never_stay_in_a_data_set() {
    let mut obj = object(
        CT,
        vec![
            text(Tag(0x0000, 0x0600), VR::AE, "MOVE_DEST"),
            text(Tag(0x0000, 0x1000), VR::UI, "1.2.3"),
            text(Tag(0x0002, 0x0016), VR::AE, "SOURCE_AE"),
            text(Tag(0x0010, 0x0000), VR::UL, "8"),
        ],
    );
    apply("default keep\n(0000,0600) keep\n", &mut obj);
    assert!(
        obj.tags()
            .all(|t| t.group() != 0x0000 && t.group() != 0x0002 && t.element() != 0)
    );
}

#[test]
fn literals_become_typed_values() {
    assert_eq!(
        typed_value(VR::US, "1\\2"),
        PrimitiveValue::U16([1, 2].into())
    );
    assert_eq!(
        typed_value(VR::LO, "a\\b"),
        PrimitiveValue::Strs(["a".to_string(), "b".to_string()].into())
    );
    assert_eq!(
        typed_value(VR::LT, "a\\b"),
        PrimitiveValue::Str("a\\b".into())
    );
    assert_eq!(typed_value(VR::LO, ""), PrimitiveValue::Empty);
}
