//! The vendored dicom-encoding (vendor/README.md) decodes and encodes text made only of
//! ASCII bytes without the `encoding` crate's per-character loop. Every character set
//! dicom-rs supports is compared here with the `encoding` decoder and encoder it uses, so
//! the shortcut can never read or write a byte differently from the code it skips.
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use encoding::{DecoderTrap, EncoderTrap, EncodingRef, all};
use proptest::prelude::*;

/// Each code of (0008,0005) with the decoder dicom-encoding uses for it.
fn charsets() -> Vec<(&'static str, EncodingRef)> {
    vec![
        ("ISO_IR 6", all::ISO_8859_1),
        ("ISO_IR 13", all::WINDOWS_31J),
        ("ISO_IR 87", all::ISO_2022_JP),
        ("ISO_IR 100", all::ISO_8859_1),
        ("ISO_IR 101", all::ISO_8859_2),
        ("ISO_IR 109", all::ISO_8859_3),
        ("ISO_IR 110", all::ISO_8859_4),
        ("ISO_IR 126", all::ISO_8859_7),
        ("ISO_IR 127", all::ISO_8859_6),
        ("ISO_IR 138", all::ISO_8859_8),
        ("ISO_IR 144", all::ISO_8859_5),
        ("ISO_IR 149", all::WINDOWS_949),
        ("ISO_IR 166", all::WINDOWS_874),
        ("ISO_IR 192", all::UTF_8),
        ("GB18030", all::GB18030),
        ("GBK", all::GBK),
    ]
}

fn charset(code: &str) -> SpecificCharacterSet {
    SpecificCharacterSet::from_code(code).unwrap()
}

/// ASCII bytes, with the ISO 2022 escape sequences (themselves ASCII) mixed in.
fn ascii() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        proptest::collection::vec(0u8..0x80, 0..8),
        Just(b"\x1b$B".to_vec()),
        Just(b"\x1b(B".to_vec()),
        Just(b"\x1b(J".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"~".to_vec()),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn ascii_text_is_decoded_and_encoded_as_the_encoding_crate_does(bytes in ascii()) {
        for (code, reference) in charsets() {
            let codec = charset(code);
            match reference.decode(&bytes, DecoderTrap::Strict) {
                Ok(expected) => prop_assert_eq!(codec.decode(&bytes).unwrap(), expected, "{}", code),
                // only ISO-2022-JP refuses ASCII (a broken escape sequence): dicom-rs then
                // writes the bytes as octal escapes, which is its own code, not the shortcut
                Err(_) => prop_assert_eq!(code, "ISO_IR 87"),
            }
            let text = String::from_utf8(bytes.clone()).unwrap();
            prop_assert_eq!(
                codec.encode(&text).ok(),
                reference.encode(&text, EncoderTrap::Strict).ok(),
                "{}", code
            );
        }
    }
}

#[test]
fn every_ascii_byte_alone_is_read_as_the_encoding_crate_reads_it() {
    for (code, reference) in charsets() {
        let codec = charset(code);
        for b in 0u8..0x80 {
            let expected = reference.decode(&[b], DecoderTrap::Strict);
            if let Ok(expected) = expected {
                assert_eq!(codec.decode(&[b]).unwrap(), expected, "{code} {b:#04x}");
            }
        }
    }
}

#[test]
fn an_iso_2022_escape_sequence_changes_what_ascii_bytes_mean() {
    // ESC $ B switches to JIS X 0208: 0x30 0x21 is one kanji, not "0!"
    let bytes = b"\x1b$B\x30\x21\x1b(B";
    assert_eq!(charset("ISO_IR 87").decode(bytes).unwrap(), "\u{4e9c}");
    // and the kanji is written with the escape sequence (the encoder does not switch back)
    assert_eq!(
        charset("ISO_IR 87").encode("\u{4e9c}").unwrap(),
        b"\x1b$B\x30\x21"
    );
}

#[test]
fn text_with_other_bytes_still_goes_through_the_character_set() {
    let decoded: [(&str, &[u8], &str); 6] = [
        ("ISO_IR 100", b"M\xfcller", "M\u{fc}ller"),
        ("ISO_IR 192", b"M\xc3\xbcller", "M\u{fc}ller"),
        ("ISO_IR 144", b"\xbf\xe0\xd8", "\u{41f}\u{440}\u{438}"),
        ("ISO_IR 6", b"M\xfcller", "M\u{fc}ller"),
        // bytes that are valid UTF-8 but not ASCII are Latin-1 here, not UTF-8
        ("ISO_IR 100", b"M\xc3\xbcller", "M\u{c3}\u{bc}ller"),
        ("ISO_IR 6", b"\xc3\xbc", "\u{c3}\u{bc}"),
    ];
    for (code, bytes, text) in decoded {
        assert_eq!(charset(code).decode(bytes).unwrap(), text, "{code}");
    }
    let encoded: [(&str, &str, &[u8]); 2] = [
        ("ISO_IR 100", "M\u{fc}ller", b"M\xfcller"),
        ("ISO_IR 100", "\u{c3}", b"\xc3"),
    ];
    for (code, text, bytes) in encoded {
        assert_eq!(charset(code).encode(text).unwrap(), bytes, "{code}");
    }
    assert!(charset("ISO_IR 6").encode("M\u{fc}ller\u{4e9c}").is_err());
}
