//! Refusals: a rejected instance gets 0124 and is not stored, abuse ends one association
//! and leaves no partial file, access limits and sizes are enforced.

use super::*;

/// Starts a C-STORE, then disconnects without a word.
fn send_half_then_vanish(port: u16, file: &Path) {
    let (mut assoc, _, _) = start_half(port, file);
    let _ = assoc.inner_stream().shutdown(std::net::Shutdown::Both);
}

/// The seam: whatever the library decides is what the sender hears. A policy that
/// rejects every instance makes the node answer 0124 and store nothing.
#[test]
fn a_rejected_instance_is_refused_with_0124_and_not_stored() {
    use dicom_anonymizer::serve::instance::{Deidentified, Deidentify};
    struct RejectAll;
    impl Deidentify for RejectAll {
        fn deidentify(&self, part10: Vec<u8>) -> Deidentified {
            assert!(part10.len() > 132 && &part10[128..132] == b"DICM");
            Deidentified::Rejected {
                reason: "a test policy rejects every instance".into(),
            }
        }
    }
    if !have("storescu") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (out, report) = (tmp.path().join("out"), tmp.path().join("r.jsonl"));
    let port = free_port();
    let config = dicom_anonymizer::serve::Config {
        listen: format!("127.0.0.1:{port}"),
        ae_title: "ANON".into(),
        allow: Vec::new(),
        limits: dicom_anonymizer::serve::Limits {
            max_associations: 4,
            max_pdu: 65536,
            max_instance: 1 << 20,
            timeout: Duration::from_secs(10),
            message_timeout: Duration::from_secs(20),
        },
        out: Some(out.clone()),
        forward: None,
        spool: None,
        spool_max_bytes: 0,
        retry: Duration::from_secs(1),
        report: Some(report.clone()),
        tls: None,
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let node = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            dicom_anonymizer::serve::serve(config, Arc::new(RejectAll), stop)
        })
    };
    wait_for("the node to listen", 10, || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let file = root().join("tests/data/corpus/files/pydicom__CT_small.dcm");
    storescu(port, std::slice::from_ref(&file));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let summary = node.join().unwrap().unwrap();
    assert!(
        summary.contains("0 written") && summary.contains("1 rejected"),
        "{summary}"
    );
    let line = std::fs::read_to_string(&report).unwrap();
    assert!(
        line.contains(r#""outcome":"rejected","error":"a test policy rejects every instance""#),
        "{line}"
    );
    assert!(line.contains(r#""status":"0124""#), "{line}");
    assert!(dicom_files(&out).is_empty());
}

#[test]
fn abuse_ends_one_association_and_leaves_no_partial_file() {
    if !have("storescu") || !have("echoscu") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let out = tmp.path().join("out");
    let server = Server::start(&[
        "--key-file",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--timeout",
        "1",
    ]);
    let file = root().join("tests/data/corpus/files/pydicom__CT_small.dcm");
    // a client that disconnects mid-instance
    send_half_then_vanish(server.port, &file);
    // random bytes, an oversized PDU header, a P-DATA before any association
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..65_536)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    for junk in [
        noise.clone(),
        vec![0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01],
        vec![
            0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0x01, 0x03,
        ],
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let _ = s.write_all(&junk);
    }
    // a client that connects and says nothing (closed after --timeout)
    let stalled = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(stalled);
    // still serving
    assert!(echo(server.port, "ECHOSCU"), "{}", server.log());
    let (ok, text) = storescu(server.port, std::slice::from_ref(&file));
    assert!(ok, "{text}\n{}", server.log());
    let files = dicom_files(&out);
    assert_eq!(files.len(), 1, "only the complete instance: {files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "dcm"));
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    assert!(log.contains("1 written"), "{log}");
}

#[test]
fn access_limits_and_sizes_are_enforced() {
    if !have("storescu") || !have("echoscu") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let out = tmp.path().join("out");
    let report = tmp.path().join("serve.jsonl");
    let server = Server::start(&[
        "--key-file",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--allow",
        "STORESCU@127.0.0.1",
        "--allow",
        "ECHOSCU",
        "--max-associations",
        "1",
        "--max-instance-size",
        "20000",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(echo(server.port, "ECHOSCU"));
    assert!(
        !echo(server.port, "INTRUDER"),
        "a calling AE not on the list"
    );
    let port = server.port.to_string();
    let wrong_called = dcmtk("echoscu", &["-aec", "OTHER", "127.0.0.1", &port], &[]);
    assert!(!wrong_called.0, "a called AE title that is not the node's");
    // one association at a time: a second one is refused while the first is open
    let held = dicom_ul::ClientAssociationOptions::new()
        .calling_ae_title("ECHOSCU")
        .called_ae_title("ANON")
        .with_abstract_syntax(dicom_dictionary_std::uids::VERIFICATION)
        .establish(("127.0.0.1", server.port))
        .unwrap();
    assert!(!echo(server.port, "ECHOSCU"), "over --max-associations");
    held.release().unwrap();
    wait_for("the slot to free", 5, || echo(server.port, "ECHOSCU"));
    // an instance over --max-instance-size is refused; a small one is stored
    let big = root().join("tests/data/corpus/files/pydicom__CT_small.dcm");
    storescu(server.port, std::slice::from_ref(&big));
    let line = std::fs::read_to_string(&report).unwrap();
    assert!(line.contains(r#""outcome":"failed""#), "{line}");
    assert!(line.contains(r#""status":"A700""#), "{line}");
    assert!(line.contains(r#""calling_ae":"STORESCU""#), "{line}");
    assert!(dicom_files(&out).is_empty());
    let log = server.terminate().1;
    assert!(log.contains("larger than the limit"), "{log}");
}
