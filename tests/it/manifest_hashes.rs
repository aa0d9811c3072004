//! The manifest's hashes are taken while each output is written (the pixel data read once,
//! for the copy and both hashes). They must be the sha256 of the files as they are on disk,
//! for every way a file is read and written: computed here from the files, with sha2.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::support::raw::{CT_IMAGE, EXPLICIT_LE, ex, items_undefined, simple, txt, uid};
use crate::support::{bin, root};

fn sha256_of(path: &Path) -> String {
    Sha256::digest(fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The image module of a 2x2 16-bit monochrome image, then its Pixel Data.
fn image(before_pixels: &[u8]) -> Vec<u8> {
    let us = |v: u16| v.to_le_bytes().to_vec();
    let mut ds = ex(0x0008, 0x0016, b"UI", &uid(CT_IMAGE));
    ds.extend(ex(0x0008, 0x0018, b"UI", &uid("2.25.18")));
    ds.extend_from_slice(before_pixels);
    ds.extend(ex(0x0010, 0x0010, b"PN", &txt("Doe^Jane")));
    ds.extend(ex(0x0028, 0x0002, b"US", &us(1)));
    ds.extend(ex(0x0028, 0x0004, b"CS", &txt("MONOCHROME2")));
    ds.extend(ex(0x0028, 0x0010, b"US", &us(2)));
    ds.extend(ex(0x0028, 0x0011, b"US", &us(2)));
    ds.extend(ex(0x0028, 0x0100, b"US", &us(16)));
    ds.extend(ex(0x0028, 0x0101, b"US", &us(16)));
    ds.extend(ex(0x0028, 0x0102, b"US", &us(15)));
    ds.extend(ex(0x0028, 0x0103, b"US", &us(0)));
    ds.extend(ex(0x7FE0, 0x0010, b"OW", &[1, 2, 3, 4, 5, 6, 7, 8]));
    ds
}

#[test]
fn manifest_hashes_are_the_bytes_on_disk_whatever_the_way_of_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    let corpus = root().join("tests/data/corpus/files");
    for e in fs::read_dir(&corpus).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, src.join(p.file_name().unwrap())).unwrap();
    }
    // what the corpus lacks: an element after the pixel data, then zero bytes (the source's
    // hash covers the bytes after the copied pixel data, to its end)
    let mut tail = image(&[]);
    tail.extend(ex(0xFFFC, 0xFFFC, b"OB", &[0; 4]));
    let mut file = simple(EXPLICIT_LE, CT_IMAGE, "2.25.18", &tail);
    file.extend_from_slice(&[0; 6]);
    fs::write(src.join("tail.dcm"), file).unwrap();
    // a UN sequence of undefined length: the file is rewritten and read from a temporary
    // copy, whose bytes are not the source's
    let mut un = ex(0x0009, 0x0010, b"LO", &txt("CREATOR"));
    let mut seq = ex(0x0009, 0x1010, b"UN", &[]);
    seq.truncate(seq.len() - 4);
    seq.extend_from_slice(&u32::MAX.to_le_bytes());
    un.extend(seq);
    un.extend(items_undefined(&[[
        [0x08, 0x00, 0x00, 0x01, 4, 0, 0, 0].as_slice(),
        b"abcd",
    ]
    .concat()]));
    un.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    fs::write(
        src.join("un.dcm"),
        simple(EXPLICIT_LE, CT_IMAGE, "2.25.18", &image(&un)),
    )
    .unwrap();

    let (out, manifest, report) = (
        tmp.path().join("out"),
        tmp.path().join("manifest.json"),
        tmp.path().join("report.jsonl"),
    );
    let key = tmp.path().join("key.bin");
    fs::write(&key, [7u8; 32]).unwrap();
    let run = bin()
        .arg("run")
        .arg(&src)
        .arg(&out)
        .arg("--key-file")
        .arg(&key)
        .arg("--manifest")
        .arg(&manifest)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    // (the corpus holds files that fail: truncated, no transfer syntax; they are listed
    // with the source's hash)
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(" written, "), "{stderr}");

    // every way of reading and writing is among the inputs
    let lines: Vec<serde_json::Value> = fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reads: BTreeSet<&str> = lines.iter().filter_map(|l| l["read"].as_str()).collect();
    assert!(
        reads.contains("streamed") && reads.contains("in-memory"),
        "{reads:?}"
    );
    let has = |what: &dyn Fn(&serde_json::Value) -> bool| lines.iter().any(what);
    assert!(has(&|l| l["counts"]["pixel-blackout"].as_u64() > Some(0)));
    assert!(has(
        &|l| l["un_sequences_read"].as_u64() == Some(1) && l["read"] == "streamed"
    ));
    assert!(has(
        &|l| l["trailing_zeros_dropped"].as_u64() == Some(6) && l["read"] == "streamed"
    ));
    assert!(has(&|l| l["outcome"] == "rejected"));
    // the bytes the report says were written are the output's size (blacked out natively,
    // decoded, streamed, in memory)
    for l in lines.iter().filter(|l| l["outcome"] == "written") {
        let output = l["output"].as_str().unwrap();
        assert_eq!(
            l["bytes"].as_u64(),
            Some(fs::metadata(output).unwrap().len()),
            "{output}"
        );
    }

    let m: serde_json::Value = serde_json::from_slice(&fs::read(&manifest).unwrap()).unwrap();
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), fs::read_dir(&src).unwrap().count());
    let mut outputs = 0;
    for f in files {
        let name = f["source"].as_str().unwrap();
        assert_eq!(
            f["source_sha256"].as_str(),
            Some(sha256_of(&src.join(name)).as_str()),
            "source {name}"
        );
        if f["outcome"] == "written" {
            let rel = f["output"].as_str().unwrap();
            assert_eq!(
                f["output_sha256"].as_str(),
                Some(sha256_of(&out.join(rel)).as_str()),
                "output {rel}"
            );
            outputs += 1;
        }
    }
    assert!(outputs > 200, "{outputs} outputs");
}
