//! The file meta checks: it agrees with the data set, holds only what the tool writes,
//! and the preamble is zeros.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use dicom_core::{Tag, VR};
use dicom_object::InMemDicomObject;

use super::output::looks_remapped;
use super::{Checker, Finding, FindingKind, SOP_CLASS_UID, SOP_INSTANCE_UID};
use crate::engine::{self, Expected};

/// File meta elements the tool writes; any other is a finding.
const META_ALLOWED: [u16; 7] = [0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x0012, 0x0013];

impl Checker<'_> {
    pub(super) fn check_meta(
        &self,
        output: &Path,
        obj: &dicom_object::FileDicomObject<InMemDicomObject>,
        findings: &mut Vec<Finding>,
    ) {
        let meta = obj.meta();
        let trim = |s: &str| s.trim_end_matches(['\0', ' ']).to_string();
        let ds = |t: Tag| obj.get(t).and_then(engine::text_value);
        // a data set without the UID (a bare LUT, a fragment) has nothing to agree with
        if ds(SOP_CLASS_UID).is_some_and(|c| trim(meta.media_storage_sop_class_uid()) != c) {
            findings.push(Finding::file(
                FindingKind::Meta,
                "file meta: (0002,0002) Media Storage SOP Class UID does not match (0008,0016) SOP Class UID".into(),
            ));
        }
        let meta_instance = trim(meta.media_storage_sop_instance_uid());
        match ds(SOP_INSTANCE_UID) {
            Some(i) if i != meta_instance => findings.push(Finding::file(
                FindingKind::Meta,
                "file meta: (0002,0003) Media Storage SOP Instance UID does not match (0008,0018) SOP Instance UID".into(),
            )),
            Some(_) => {}
            None => {
                let remaps = matches!(
                    engine::expected(self.plan, SOP_INSTANCE_UID, None, VR::UI, None, &[]),
                    Expected::Uid | Expected::Dummy
                );
                if remaps && !looks_remapped(&meta_instance) {
                    findings.push(Finding::file(
                        FindingKind::UidNotRemapped,
                        "file meta: (0002,0003) Media Storage SOP Instance UID is not remapped"
                            .into(),
                    ));
                }
            }
        }
        // dicom-object drops meta elements it does not know: read the group from the bytes
        let (preamble, tags) = match raw_meta(output) {
            Ok(x) => x,
            Err(e) => {
                findings.push(Finding::file(
                    FindingKind::Meta,
                    format!("file meta: cannot read it again: {e}"),
                ));
                return;
            }
        };
        if preamble.iter().any(|b| *b != 0) {
            findings.push(Finding::file(
                FindingKind::Meta,
                "file meta: the 128-byte preamble is not zeros".into(),
            ));
        }
        for t in tags {
            if !META_ALLOWED.contains(&t.element()) {
                findings.push(Finding::file(
                    FindingKind::Meta,
                    format!(
                        "file meta: {} must not be in the file meta",
                        crate::tag::fmt_tag(t)
                    ),
                ));
            }
        }
    }
}

/// The preamble and the tags of the file meta group, read from the file's bytes.
fn raw_meta(path: &Path) -> std::io::Result<([u8; 128], Vec<Tag>)> {
    let mut f = File::open(path)?;
    let mut head = [0u8; 132];
    f.read_exact(&mut head)?;
    let mut preamble = [0u8; 128];
    preamble.copy_from_slice(head.get(..128).unwrap_or(&[0; 128]));
    let mut tags = Vec::new();
    if head.get(128..) != Some(b"DICM".as_slice()) {
        return Err(std::io::Error::other(
            "no `DICM` prefix: not a Part 10 file",
        ));
    }
    loop {
        let mut h = [0u8; 8];
        if f.read_exact(&mut h).is_err() {
            break;
        }
        let [g0, g1, e0, e1, v0, v1, l0, l1] = h;
        let group = u16::from_le_bytes([g0, g1]);
        if group != 0x0002 {
            break;
        }
        tags.push(Tag(group, u16::from_le_bytes([e0, e1])));
        let long = matches!(
            &[v0, v1],
            b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"UC" | b"UN" | b"UR" | b"UT"
        );
        let len = if long {
            let mut l = [0u8; 4];
            f.read_exact(&mut l)?;
            u64::from(u32::from_le_bytes(l))
        } else {
            u64::from(u16::from_le_bytes([l0, l1]))
        };
        f.seek(SeekFrom::Current(i64::try_from(len).unwrap_or(i64::MAX)))?;
        if tags.len() > 1000 {
            break;
        }
    }
    Ok((preamble, tags))
}
