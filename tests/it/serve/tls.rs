//! TLS with DCMTK peers.

use super::*;

#[test]
fn tls_with_dcmtk_peers() {
    if !have("echoscu") || !have("storescu") || !have("openssl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key_pem) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key_pem)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let key = key_file(tmp.path());
    let out = tmp.path().join("out");
    let server = Server::start(&[
        "--key-file",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key_pem.to_str().unwrap(),
        "--timeout",
        "2",
    ]);
    assert!(server.log().contains("(TLS)"), "{}", server.log());
    // clients that connect and close, send garbage, or stall in the handshake
    drop(TcpStream::connect(("127.0.0.1", server.port)).unwrap());
    let mut junk = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let _ = junk.write_all(&[0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3]);
    drop(junk);
    let stalled = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let port = server.port.to_string();
    let tls = [
        "+tla",
        "+cf",
        cert.to_str().unwrap(),
        "-aec",
        "ANON",
        "127.0.0.1",
        &port,
    ];
    let (ok, text) = dcmtk("echoscu", &tls, &[]);
    assert!(ok, "{text}\n{}", server.log());
    assert!(!echo(server.port, "ECHOSCU"), "plain TCP on a TLS port");
    let file = root().join("tests/data/corpus/files/pydicom__CT_small.dcm");
    let (ok, text) = dcmtk("storescu", &tls, std::slice::from_ref(&file));
    assert!(ok, "{text}\n{}", server.log());
    assert_eq!(dicom_files(&out).len(), 1, "{}", server.log());
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    assert!(log.contains("1 written"), "{log}");
    drop(stalled);
}
