//! Start and stop: SIGTERM finishes the instance in flight then exits 0, a bad profile fails
//! at start like `lint`.

use super::*;

#[test]
fn sigterm_finishes_the_instance_in_flight_then_exits_zero() {
    use dicom_ul::pdu::{PDataValue, PDataValueType};
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let out = tmp.path().join("out");
    let server = Server::start(&[
        "--key-file",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    // an idle association, and one in the middle of an instance
    let idle = dicom_ul::ClientAssociationOptions::new()
        .calling_ae_title("IDLE")
        .called_ae_title("ANON")
        .with_abstract_syntax(dicom_dictionary_std::uids::VERIFICATION)
        .establish(("127.0.0.1", server.port))
        .unwrap();
    let file = root().join("tests/data/corpus/files/pydicom__CT_small.dcm");
    let (mut assoc, ctx, rest) = start_half(server.port, &file);
    std::thread::sleep(Duration::from_millis(300));
    server.sigterm();
    // the door closes at once
    wait_for("the listener to close", 5, || {
        TcpStream::connect(("127.0.0.1", server.port)).is_err()
    });
    // the instance in flight is finished and answered with success
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: ctx,
                value_type: PDataValueType::Data,
                is_last: true,
                data: rest,
            }],
        })
        .unwrap();
    let dicom_ul::Pdu::PData { data } = assoc.receive().unwrap() else {
        panic!("no answer: {}", server.log());
    };
    let rsp = dicom_anonymizer::serve::dimse::decode(&data[0].data).unwrap();
    assert_eq!(rsp.status, Some(0x0000), "{}", server.log());
    let (status, log) = server.wait_exit();
    assert!(status.success(), "{log}");
    assert_eq!(dicom_files(&out).len(), 1, "{log}");
    assert!(log.contains("1 written"), "{log}");
    drop(idle);
}

#[test]
fn a_bad_profile_fails_at_start_like_lint() {
    let profile = "tests/corpus/compile/err/bad_tag_hex.anon";
    let lint = crate::support::bin()
        .args(["lint", profile])
        .output()
        .unwrap();
    let serve = crate::support::bin()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--ae-title",
            "ANON",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .args(["--profile", profile])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(serve.status.code(), Some(2));
    assert!(!lint.stderr.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&serve.stderr),
        String::from_utf8_lossy(&lint.stderr)
    );
}
