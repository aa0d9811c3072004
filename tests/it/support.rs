//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};

use dicom_anonymizer::profile::{self, Compiled, Entry};

/// Makes a named pipe at `p` (the `mkfifo` tool).
#[cfg(unix)]
pub fn mkfifo(p: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo failed");
}

/// The crate root (tests run with it as the working directory too).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, as diagnostics should show it.
pub fn rel(p: &Path) -> PathBuf {
    p.strip_prefix(root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Compiles one profile file (named relative to the crate root).
pub fn compile_file(p: &Path) -> Compiled {
    profile::compile(&[Entry::Path(rel(p))])
}

/// The human report, as `lint` prints it (no colour, 80 columns).
pub fn render(c: &Compiled) -> String {
    let mut s = profile::report::render_human(&c.diagnostics, &c.sources, false, 80);
    s.push_str(&profile::report::summary(&c.diagnostics));
    s.push('\n');
    s
}

/// A check that cannot run on this machine (a missing tool, no privileges to drop): when
/// `CI` is set, a failure (CI installs everything the tests need); elsewhere a note,
/// written straight to stderr so that `cargo test` shows it (it captures `println!`).
pub fn skipped(what: &str) {
    use std::io::Write;
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} cannot be tested here; CI must (see .ci/run)"
    );
    static SHOWN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
    if !shown.iter().any(|s| s == what) {
        shown.push(what.to_string());
        let _ = writeln!(std::io::stderr(), "note: {what}: not tested here");
    }
}

/// The binary under test.
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("dicom-anonymizer").unwrap()
}

/// dcmdump (DCMTK) on a file: `Some("")` when it parses without errors, `Some(errors)`
/// when not, `None` when dcmdump is not installed (a failure when `CI` is set).
pub fn dcmdump_errors(path: &Path) -> Option<String> {
    let out = match std::process::Command::new("dcmdump")
        .arg("-q")
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            skipped("dcmdump (DCMTK) is not installed: validating outputs with it");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("E:") || l.starts_with("F:"))
        .collect();
    if out.status.success() && errors.is_empty() {
        Some(String::new())
    } else {
        Some(format!(
            "status {:?}: {}",
            out.status.code(),
            errors.join(" | ")
        ))
    }
}

/// Byte-level builders of DICOM files, for encodings dicom-object does not write (odd
/// lengths, explicit UN standard tags, implicit VR private elements, anything after the
/// pixel data, private meta elements). Values are written as given: no padding.
pub mod raw {
    /// VRs with a 4-byte length in explicit VR.
    fn long_vr(vr: &[u8; 2]) -> bool {
        matches!(
            vr,
            b"OB"
                | b"OD"
                | b"OF"
                | b"OL"
                | b"OV"
                | b"OW"
                | b"SQ"
                | b"UC"
                | b"UN"
                | b"UR"
                | b"UT"
                | b"SV"
                | b"UV"
        )
    }

    fn tag(out: &mut Vec<u8>, g: u16, e: u16) {
        out.extend_from_slice(&g.to_le_bytes());
        out.extend_from_slice(&e.to_le_bytes());
    }

    /// An explicit VR little endian element.
    pub fn ex(g: u16, e: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        tag(&mut out, g, e);
        out.extend_from_slice(vr);
        if long_vr(vr) {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    /// An implicit VR little endian element.
    pub fn im(g: u16, e: u16, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        tag(&mut out, g, e);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
        out
    }

    /// Items of undefined length, each ended by an item delimiter.
    pub fn items_undefined(items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for item in items {
            out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
            out.extend_from_slice(item);
            out.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        }
        out
    }

    /// Items of defined length.
    pub fn items_defined(items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for item in items {
            out.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
            out.extend_from_slice(&(item.len() as u32).to_le_bytes());
            out.extend_from_slice(item);
        }
        out
    }

    /// A sequence of undefined length (undefined-length items), explicit VR.
    pub fn ex_sq(g: u16, e: u16, items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        tag(&mut out, g, e);
        out.extend_from_slice(b"SQ\0\0");
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend(items_undefined(items));
        out.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        out
    }

    /// A sequence of undefined length (undefined-length items), implicit VR.
    pub fn im_sq(g: u16, e: u16, items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        tag(&mut out, g, e);
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        out.extend(items_undefined(items));
        out.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        out
    }

    /// Text padded to even length with a space.
    pub fn txt(s: &str) -> Vec<u8> {
        let mut v = s.as_bytes().to_vec();
        if v.len() % 2 == 1 {
            v.push(b' ');
        }
        v
    }

    /// A UID padded to even length with NUL.
    pub fn uid(s: &str) -> Vec<u8> {
        let mut v = s.as_bytes().to_vec();
        if v.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
    pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
    pub const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
    pub const SC_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.7";

    /// The standard meta elements (without the group length).
    pub fn meta_elements(ts: &str, sop_class: &str, sop_instance: &str) -> Vec<Vec<u8>> {
        vec![
            ex(0x0002, 0x0001, b"OB", &[0, 1]),
            ex(0x0002, 0x0002, b"UI", &uid(sop_class)),
            ex(0x0002, 0x0003, b"UI", &uid(sop_instance)),
            ex(0x0002, 0x0010, b"UI", &uid(ts)),
            ex(0x0002, 0x0012, b"UI", &uid("1.2.3.4.5.6")),
        ]
    }

    /// A Part 10 file: `preamble` (128 bytes), `DICM`, (0002,0000) holding `group_length`
    /// (the true length of `meta` when `None`), the meta elements, then the data set.
    pub fn part10(
        preamble: &[u8; 128],
        meta: &[Vec<u8>],
        group_length: Option<u32>,
        data_set: &[u8],
    ) -> Vec<u8> {
        let body: Vec<u8> = meta.concat();
        let mut out = preamble.to_vec();
        out.extend_from_slice(b"DICM");
        let len = group_length.unwrap_or(body.len() as u32);
        out.extend(ex(0x0002, 0x0000, b"UL", &len.to_le_bytes()));
        out.extend(body);
        out.extend_from_slice(data_set);
        out
    }

    /// A plain Part 10 file with the standard meta and a zero preamble.
    pub fn simple(ts: &str, sop_class: &str, sop_instance: &str, data_set: &[u8]) -> Vec<u8> {
        part10(
            &[0; 128],
            &meta_elements(ts, sop_class, sop_instance),
            None,
            data_set,
        )
    }
}
