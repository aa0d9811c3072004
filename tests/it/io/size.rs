//! Large files and size limits: pixel data streamed, not held; the size guard on headers,
//! inflated data and forged meta lengths.

use super::*;

/// A Part 10 file with `prefix` elements, then a Pixel Data element of `pixel_len` bytes
/// (native OW, or encapsulated in 1 MiB fragments), then (FFFC,FFFC). Written with a
/// streaming writer: memory stays small whatever the size.
fn write_big(path: &Path, encapsulated: bool, pixel_len: u64) {
    const CHUNK: usize = 1 << 20;
    let ts = if encapsulated {
        "1.2.840.10008.1.2.5"
    } else {
        "1.2.840.10008.1.2.1"
    };
    let obj = InMemDicomObject::from_element_iter([
        DataElement::new(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.7"),
        DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, "2.25.42"),
        DataElement::new(tags::PATIENT_NAME, VR::PN, "Big^Test"),
        DataElement::new(tags::ROWS, VR::US, dicom_value!(U16, [512])),
    ])
    .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts))
    .unwrap();
    let mut f = std::io::BufWriter::new(File::create(path).unwrap());
    obj.write_all(&mut f).unwrap();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i * 7 + i / 251) as u8).collect();
    if encapsulated {
        f.write_all(&[
            0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ])
        .unwrap();
        f.write_all(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]).unwrap();
        let mut left = pixel_len;
        while left > 0 {
            let n = left.min(CHUNK as u64);
            f.write_all(&[0xFE, 0xFF, 0x00, 0xE0]).unwrap();
            f.write_all(&(n as u32).to_le_bytes()).unwrap();
            f.write_all(&chunk[..n as usize]).unwrap();
            left -= n;
        }
        f.write_all(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]).unwrap();
    } else {
        f.write_all(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0])
            .unwrap();
        f.write_all(&(pixel_len as u32).to_le_bytes()).unwrap();
        let mut left = pixel_len;
        while left > 0 {
            let n = left.min(CHUNK as u64);
            f.write_all(&chunk[..n as usize]).unwrap();
            left -= n;
        }
    }
    f.write_all(&[
        0xFC, 0xFF, 0xFC, 0xFF, b'O', b'B', 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
    ])
    .unwrap();
    f.flush().unwrap();
}

/// True if the last `n` bytes of both files are equal (compared in 1 MiB chunks).
fn same_tail(a: &Path, b: &Path, n: u64) -> bool {
    let (mut fa, mut fb) = (File::open(a).unwrap(), File::open(b).unwrap());
    fa.seek(SeekFrom::End(-(n as i64))).unwrap();
    fb.seek(SeekFrom::End(-(n as i64))).unwrap();
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    let mut left = n;
    while left > 0 {
        let k = left.min(1 << 20) as usize;
        fa.read_exact(&mut ba[..k]).unwrap();
        fb.read_exact(&mut bb[..k]).unwrap();
        if ba[..k] != bb[..k] {
            return false;
        }
        left -= k as u64;
    }
    true
}

#[test]
fn large_files_are_streamed_without_holding_pixel_data() {
    let tmp = tempfile::tempdir().unwrap();
    for (encapsulated, pixel_len) in [(false, 200u64 << 20), (true, 64u64 << 20)] {
        let src = tmp.path().join(format!("big-{encapsulated}.dcm"));
        write_big(&src, encapsulated, pixel_len);
        let src_len = fs::metadata(&src).unwrap().len();

        let loaded = io::load(&src, &ReadOptions::default()).unwrap();
        assert_eq!(loaded.how(), ReadMode::Streamed);
        // structurally O(header): no pixel data in the object, the rest stays on disk
        assert!(loaded.object.get(tags::PIXEL_DATA).is_none());
        assert!(loaded.object.get(Tag(0xFFFC, 0xFFFC)).is_some());
        let value_len = loaded.streamed_pixel_bytes().unwrap();
        let fragments = pixel_len.div_ceil(1 << 20);
        let expected_value_len = if encapsulated {
            8 + fragments * 8 + pixel_len + 8
        } else {
            pixel_len
        };
        assert_eq!(value_len, expected_value_len);

        let out_path = tmp.path().join(format!("big-{encapsulated}.out.dcm"));
        let stats = io::write(loaded, &mut File::create(&out_path).unwrap()).unwrap();
        assert_eq!(stats.pixel_bytes_copied, value_len);
        assert_eq!(fs::metadata(&out_path).unwrap().len(), src_len);
        // pixel value + (FFFC,FFFC) are byte-identical
        assert!(same_tail(&src, &out_path, value_len + 16));

        // the in-memory fallback refuses instead of allocating
        let small = ReadOptions {
            max_in_memory_bytes: 1 << 20,
            force_in_memory: true,
        };
        let err = io::load(&src, &small).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::TooLarge, "{err}");
        fs::remove_file(&src).unwrap();
        fs::remove_file(&out_path).unwrap();
    }
}

#[test]
fn size_guard_applies_to_the_header_and_to_inflated_data() {
    let tiny = ReadOptions {
        max_in_memory_bytes: 100,
        force_in_memory: false,
    };
    let err = io::load(&corpus("pydicom__CT_small.dcm"), &tiny).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::TooLarge {
                held: io::HeldInMemory::Header,
                ..
            }
        ),
        "{err}"
    );
    // a deflate bomb cannot inflate past the limit: allow the compressed size only
    let deflated = corpus("dicognito__CT_small_deflated.dcm");
    let size = fs::metadata(&deflated).unwrap().len();
    let just_file = ReadOptions {
        max_in_memory_bytes: size,
        force_in_memory: false,
    };
    let err = io::load(&deflated, &just_file).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::TooLarge {
                held: io::HeldInMemory::Inflated,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn forged_meta_length_is_refused_before_allocation() {
    // (0002,0001) OB claiming 4 GB: dicom-object's meta reader would allocate it
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM");
    bytes.extend(explicit_header(0x0002, 0x0000, b"UL", 4));
    bytes.extend_from_slice(&100u32.to_le_bytes());
    bytes.extend(explicit_header(0x0002, 0x0001, b"OB", 0xFFFF_FF00));
    bytes.extend_from_slice(&[0, 1]);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("forged.dcm");
    fs::write(&path, &bytes).unwrap();
    let err = io::load(&path, &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Truncated {
                place: TruncatedIn::Meta,
                offset: 144
            }
        ),
        "{err}"
    );
}
