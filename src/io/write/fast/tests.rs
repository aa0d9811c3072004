use super::*;
use dicom_core::header::Length;
use dicom_core::smallvec::smallvec;
use dicom_parser::dataset::DataToken;
use dicom_parser::dataset::write::DataSetWriter;
use dicom_transfer_syntax_registry::entries::{
    EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN,
};

/// The bytes dicom-parser's writer gives for one element (the oracle).
fn parser_bytes(explicit: bool, header: DataElementHeader, value: &PrimitiveValue) -> Vec<u8> {
    let ts = if explicit {
        EXPLICIT_VR_LITTLE_ENDIAN.erased()
    } else {
        IMPLICIT_VR_LITTLE_ENDIAN.erased()
    };
    let mut out = Vec::new();
    let mut w = DataSetWriter::with_ts(&mut out, &ts).unwrap();
    w.write_sequence([
        DataToken::ElementHeader(header),
        DataToken::PrimitiveValue(value.clone()),
    ])
    .unwrap();
    w.flush().unwrap();
    drop(w);
    out
}

fn h(g: u16, e: u16, vr: VR) -> DataElementHeader {
    DataElementHeader::new(Tag(g, e), vr, Length(0))
}

fn strs(v: &[&str]) -> PrimitiveValue {
    PrimitiveValue::Strs(v.iter().map(|s| s.to_string()).collect())
}

/// Every kind of value the fast path writes gives dicom-parser's bytes, explicit and
/// implicit VR; the rest is left to dicom-parser.
#[test]
fn the_bytes_are_dicom_parsers() {
    let long = "x".repeat(MAX_VALUE + 2);
    let written = [
        (h(0x0008, 0x0018, VR::UI), PrimitiveValue::from("1.2.3")),
        (h(0x0008, 0x0018, VR::UI), strs(&["1.2.3", "4.5"])),
        (h(0x0010, 0x0010, VR::PN), PrimitiveValue::from("Doe^John")),
        (h(0x0010, 0x0020, VR::LO), PrimitiveValue::from("ID7")),
        (
            h(0x0008, 0x0008, VR::CS),
            strs(&["ORIGINAL", "PRIMARY", "AXIAL"]),
        ),
        (h(0x0008, 0x0008, VR::CS), strs(&[])),
        (h(0x0008, 0x0008, VR::CS), strs(&["", "A"])),
        (h(0x0008, 0x0020, VR::DA), PrimitiveValue::from("20200101")),
        (h(0x0008, 0x0030, VR::TM), PrimitiveValue::from("120000.5")),
        (h(0x0008, 0x0030, VR::TM), PrimitiveValue::from("1200005")),
        (h(0x0018, 0x0050, VR::DS), PrimitiveValue::from("2.5")),
        (h(0x0018, 0x0050, VR::DS), strs(&["2.5", "-1"])),
        (h(0x0020, 0x0013, VR::IS), PrimitiveValue::from("7")),
        (h(0x0018, 0x0050, VR::DS), PrimitiveValue::Empty),
        (h(0x0028, 0x0010, VR::US), PrimitiveValue::Empty),
        (
            h(0x0028, 0x0010, VR::US),
            PrimitiveValue::U16(smallvec![512, 1]),
        ),
        (
            h(0x0028, 0x1052, VR::SS),
            PrimitiveValue::I16(smallvec![-1024]),
        ),
        (
            h(0x0018, 0x1150, VR::UL),
            PrimitiveValue::U32(smallvec![70_000]),
        ),
        (
            h(0x0018, 0x1151, VR::SL),
            PrimitiveValue::I32(smallvec![-5, 6]),
        ),
        (
            h(0x0018, 0x9152, VR::SV),
            PrimitiveValue::I64(smallvec![-1 << 40]),
        ),
        (
            h(0x0018, 0x9153, VR::UV),
            PrimitiveValue::U64(smallvec![1 << 50]),
        ),
        (
            h(0x0018, 0x0088, VR::FL),
            PrimitiveValue::F32(smallvec![0.5, -2.25]),
        ),
        (
            h(0x0018, 0x0089, VR::FD),
            PrimitiveValue::F64(smallvec![1e-9]),
        ),
        (
            h(0x0028, 0x0009, VR::AT),
            PrimitiveValue::Tags(smallvec![Tag(0x0018, 0x1063)]),
        ),
        (
            h(0x0009, 0x1001, VR::OB),
            PrimitiveValue::U8(smallvec![1, 2, 3, 4]),
        ),
        (
            h(0x0009, 0x1002, VR::UN),
            PrimitiveValue::U8(smallvec![9, 8]),
        ),
        (
            h(0x0009, 0x1003, VR::OW),
            PrimitiveValue::U16(smallvec![1, 0xFFFF]),
        ),
        (
            h(0x0009, 0x1004, VR::OF),
            PrimitiveValue::F32(smallvec![3.5]),
        ),
        (
            h(0x0009, 0x1005, VR::OD),
            PrimitiveValue::F64(smallvec![-0.0]),
        ),
        (h(0x0009, 0x1006, VR::OL), PrimitiveValue::U32(smallvec![7])),
        (h(0x0008, 0x0081, VR::ST), PrimitiveValue::from("a\\b")),
        (h(0x0020, 0x4000, VR::LT), PrimitiveValue::from("odd text")),
        (h(0x0018, 0x1030, VR::UT), PrimitiveValue::from("u")),
        (h(0x0008, 0x0119, VR::UC), PrimitiveValue::from("uc")),
        (h(0x0008, 0x0120, VR::UR), PrimitiveValue::from("http://x/")),
        (h(0x0010, 0x1010, VR::AS), PrimitiveValue::from("042Y")),
        (h(0x0008, 0x0054, VR::AE), PrimitiveValue::from("AET")),
    ];
    let left = [
        (h(0x0010, 0x0010, VR::PN), PrimitiveValue::from("Dö^Jane")),
        (h(0x0010, 0x0010, VR::PN), strs(&["A", "é"])),
        (
            h(0x0018, 0x0050, VR::DS),
            PrimitiveValue::F64(smallvec![2.5]),
        ),
        (h(0x0020, 0x0013, VR::IS), PrimitiveValue::I32(smallvec![7])),
        (
            h(0x0009, 0x1001, VR::OB),
            PrimitiveValue::U8(smallvec![1, 2, 3]),
        ),
        (
            h(0x0008, 0x0005, VR::CS),
            PrimitiveValue::from("ISO_IR 100"),
        ),
        (
            h(0x7FE0, 0x0010, VR::OW),
            PrimitiveValue::U16(smallvec![1, 2]),
        ),
        (
            h(0x0018, 0x1030, VR::UT),
            PrimitiveValue::from(long.as_str()),
        ),
        (
            h(0x0010, 0x4000, VR::LT),
            PrimitiveValue::from("x".repeat(70_000).as_str()),
        ),
        (
            h(0x0008, 0x0020, VR::DA),
            PrimitiveValue::from(dicom_core::value::DicomDate::from_ymd(2020, 1, 2).unwrap()),
        ),
    ];
    for explicit in [true, false] {
        let fast = Fast {
            explicit,
            ascii_text: true,
        };
        for (header, value) in &written {
            let got = fast.encode(header, value);
            assert_eq!(
                got,
                Some(parser_bytes(explicit, *header, value)),
                "{header:?} {value:?} explicit={explicit}"
            );
        }
        for (header, value) in &left {
            assert_eq!(
                fast.encode(header, value),
                None,
                "{header:?} explicit={explicit}"
            );
        }
        // a codec that may not write ASCII as itself: text to dicom-parser, numbers not
        let mut japanese = fast;
        japanese.after_charset(Some("ISO 2022 IR 87"));
        assert_eq!(
            japanese.encode(&h(0x0010, 0x0010, VR::PN), &PrimitiveValue::from("Doe")),
            None
        );
        let us = (h(0x0028, 0x0010, VR::US), PrimitiveValue::U16(smallvec![2]));
        assert_eq!(
            japanese.encode(&us.0, &us.1),
            Some(parser_bytes(explicit, us.0, &us.1))
        );
    }
}

/// The codec follows each Specific Character Set as dicom-parser's writer does: a name it
/// knows replaces the codec, an unknown or empty one keeps it.
#[test]
fn the_codec_follows_the_character_set_written() {
    let mut f = Fast {
        explicit: true,
        ascii_text: true,
    };
    f.after_charset(Some("ISO_IR 13"));
    assert!(!f.ascii_text);
    f.after_charset(Some("NOT A CHARSET"));
    assert!(!f.ascii_text, "an unknown name keeps the codec");
    f.after_charset(Some("ISO_IR 192"));
    assert!(f.ascii_text);
    f.after_charset(Some(""));
    assert!(f.ascii_text, "an empty first value keeps the codec");
    f.after_charset(None);
    assert!(f.ascii_text);
    for name in [
        "ISO_IR 100",
        "ISO 2022 IR 100",
        "ISO_IR 144",
        "GB18030",
        "GBK",
        "ISO_IR 6",
    ] {
        f.after_charset(Some("ISO 2022 IR 149"));
        assert!(!f.ascii_text);
        f.after_charset(Some(name));
        assert!(f.ascii_text, "{name}");
    }
    f.after_charset(Some("ISO 2022 IR 87"));
    assert!(!f.ascii_text);
}
