//! Pixel blackout at the io layer: native data streamed and in memory, every frame and
//! layout, regions outside the image, JPEG decoded and written native, undecodable syntaxes.

use super::*;

fn black_out(src: &Path, dst: &Path, regions: &[Region], in_memory: bool) -> io::pixel::Blackout {
    let opts = ReadOptions {
        force_in_memory: in_memory,
        ..ReadOptions::default()
    };
    let mut loaded = io::read::load(src, &opts).unwrap();
    let done = loaded.black_out(regions, 1 << 30).unwrap();
    let mut out = std::fs::File::create(dst).unwrap();
    io::write::write(loaded, &mut out).unwrap();
    done
}

#[test]
fn native_ultrasound_streamed_and_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("us-native.dcm");
    for in_memory in [false, true] {
        let dst = dir.path().join(format!("out-{in_memory}.dcm"));
        let done = black_out(&src, &dst, &[BAND], in_memory);
        assert_eq!(done.applied, vec![true]);
        assert_eq!(done.decoded_from, None);
        let (a, b) = (image(&src), image(&dst));
        assert_eq!(b.ts, "1.2.840.10008.1.2.1");
        assert!(compare(&a, &b, &[BAND], 0) > 300 * 400 * 2);
        assert_text_removed(&src, &dst);
        assert_valid(&dst);
    }
}

#[test]
fn every_frame_every_layout() {
    let dir = tempfile::tempdir().unwrap();
    let regions = [Region::new(3, 2, 10, 7), Region::new(50, 40, 100, 100)];
    for name in [
        "us-planar-3frames.dcm",
        "sc-mono16-2frames.dcm",
        "sc-burned.dcm",
    ] {
        let src = fixture(name);
        for in_memory in [false, true] {
            let dst = dir.path().join(format!("{name}-{in_memory}"));
            let done = black_out(&src, &dst, &regions, in_memory);
            let (a, b) = (image(&src), image(&dst));
            assert_eq!(done.frames as usize, a.frames);
            compare(&a, &b, &regions, 0);
        }
    }
}

#[test]
fn region_outside_the_image_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("us-unflagged.dcm");
    let dst = dir.path().join("out.dcm");
    let regions = [Region::new(0, 0, 8, 8), Region::new(80, 0, 10, 10)];
    let done = black_out(&src, &dst, &regions, false);
    assert_eq!(done.applied, vec![true, false]);
    compare(&image(&src), &image(&dst), &regions, 0);
}

#[test]
fn jpeg_baseline_is_decoded_blacked_out_and_written_native() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("us-jpeg.dcm");
    for in_memory in [false, true] {
        let dst = dir.path().join(format!("out-{in_memory}.dcm"));
        let done = black_out(&src, &dst, &[BAND], in_memory);
        assert_eq!(done.decoded_from.as_deref(), Some("1.2.840.10008.1.2.4.50"));
        let out = image(&dst);
        assert_eq!(out.ts, "1.2.840.10008.1.2.1");
        assert_eq!(out.photometric, "RGB");
        assert!(!out.planar);
        let obj = dicom_object::open_file(&dst).unwrap();
        let text = |t| obj.element(t).unwrap().to_str().unwrap().trim().to_string();
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION), "01");
        assert_eq!(text(tags::LOSSY_IMAGE_COMPRESSION_METHOD), "ISO_10918_1");
        assert!(obj.get(tags::LOSSY_IMAGE_COMPRESSION_RATIO).is_some());
        // an independent decoder (DCMTK) gives the reference outside the band
        if have("dcmdjpeg") {
            let reference = dir.path().join("ref.dcm");
            let ok = Command::new("dcmdjpeg")
                .arg(&src)
                .arg(&reference)
                .status()
                .unwrap()
                .success();
            assert!(ok);
            let r = image(&reference);
            assert_eq!(r.photometric, "RGB");
            compare(&r, &out, &[BAND], 12);
        } else {
            skipped("dcmdjpeg");
        }
        assert_text_removed(&src, &dst);
        assert_valid(&dst);
    }
}

#[test]
fn undecodable_syntax_is_refused() {
    // JPEG 2000 from the corpus: no pure-Rust decoder is built in
    let src = root().join("tests/data/samples/site-b/patient-4/nm/IM0001.dcm");
    let mut loaded = io::read::load(&src, &ReadOptions::default()).unwrap();
    let err = loaded
        .black_out(&[Region::new(0, 0, 4, 4)], 1 << 30)
        .unwrap_err();
    assert!(
        matches!(err, io::pixel::PixelError::NoDecoder { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("1.2.840.10008.1.2.4.9"), "{err}");
}
