//! `serve` with real peers: DCMTK's `echoscu`, `storescu` and `storescp` on 127.0.0.1
//! with ephemeral ports, and hand-made clients for abuse (garbage, partial instances,
//! stalls). Every wait has a deadline; every server is killed when its test ends.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dicom_anonymizer::dump::canonical_dump;
use dicom_dictionary_std::tags;
use dicom_object::open_file;

use crate::support::root;

/// Whether a DCMTK tool is installed; without it the test is skipped, except under CI
/// where it fails.
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} (DCMTK) is required when CI is set"
        );
        eprintln!("skipped: {tool} (DCMTK) is not installed");
    }
    found
}

fn key_file(dir: &Path) -> PathBuf {
    let p = dir.join("key.bin");
    std::fs::write(&p, b"serve tests: a fixed key of 32 bytes").unwrap();
    p
}

fn bin_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dicom-anonymizer"))
}

/// A running `serve`; killed on drop.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(bin_path())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--ae-title", "ANON"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("listening on 127.0.0.1:") {
                    let port: u16 = rest.split(' ').next().unwrap().parse().unwrap();
                    let _ = tx.send(port);
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!("serve did not start: {}", log.lock().unwrap());
            }
        };
        Server { child, port, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn sigterm(&self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    }

    /// SIGTERM, then the exit status (within 15 s).
    fn terminate(self) -> (std::process::ExitStatus, String) {
        self.sigterm();
        self.wait_exit()
    }

    /// The exit status (within 15 s) and the log.
    fn wait_exit(mut self) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                return (status, self.log());
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs a DCMTK tool with a deadline; its exit status and output.
fn dcmtk(tool: &str, args: &[&str], files: &[PathBuf]) -> (bool, String) {
    let child = Command::new("timeout")
        .arg("60")
        .arg(tool)
        .args(args)
        .args(files)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn storescu(port: u16, files: &[PathBuf]) -> (bool, String) {
    let port = port.to_string();
    dcmtk(
        "storescu",
        &["-aec", "ANON", "-nh", "127.0.0.1", &port],
        files,
    )
}

fn echo(port: u16, calling: &str) -> bool {
    let port = port.to_string();
    dcmtk(
        "echoscu",
        &["-aet", calling, "-aec", "ANON", "127.0.0.1", &port],
        &[],
    )
    .0
}

/// Corpus instances DCMTK can send: readable, with SOP class and instance UIDs, one per
/// SOP Instance UID.
fn sendable_corpus() -> Vec<PathBuf> {
    let dir = root().join("tests/data/corpus/files");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut seen = std::collections::BTreeSet::new();
    files
        .into_iter()
        .filter(|p| {
            let Ok(obj) = open_file(p) else {
                return false;
            };
            let uid = |t| {
                obj.get(t)
                    .and_then(|e| e.to_str().ok())
                    .map(|s| s.to_string())
            };
            match (uid(tags::SOP_CLASS_UID), uid(tags::SOP_INSTANCE_UID)) {
                (Some(c), Some(i)) if !c.is_empty() && !i.is_empty() => seen.insert(i),
                _ => false,
            }
        })
        .collect()
}

fn dicom_files(dir: &Path) -> Vec<PathBuf> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    v.sort();
    v
}

fn sop_instance(p: &Path) -> String {
    let obj = open_file(p).unwrap();
    obj.element(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_string()
}

/// A free port on 127.0.0.1 (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// DCMTK's storescp writing what it receives, bit for bit, into `dir`.
fn start_storescp(port: u16, dir: &Path) -> ChildGuard {
    std::fs::create_dir_all(dir).unwrap();
    let child = Command::new("storescp")
        .args(["+xa", "+B", "-aet", "ARCHIVE", "-od"])
        .arg(dir)
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("storescp to listen", 10, || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    ChildGuard(child)
}

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn report_outcomes(path: &Path) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *m.entry(v["outcome"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    m
}

#[test]
fn the_corpus_over_four_associations_arrives_as_run_makes_it() {
    if !have("storescu") || !have("storescp") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let (out, received, reference) = (
        tmp.path().join("out"),
        tmp.path().join("received"),
        tmp.path().join("reference"),
    );
    let report = tmp.path().join("serve.jsonl");
    let server = Server::start(&[
        "--key-file",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let files = sendable_corpus();
    assert!(files.len() > 100, "{} sendable files", files.len());
    let groups: Vec<Vec<PathBuf>> = (0..4)
        .map(|k| files.iter().skip(k).step_by(4).cloned().collect())
        .collect();
    // the same instances to the node and to DCMTK's storescp, 4 associations each at once
    let scp_port = free_port();
    let _scp = start_storescp(scp_port, &received);
    std::thread::scope(|s| {
        for g in &groups {
            s.spawn(|| storescu(server.port, g));
            s.spawn(|| {
                let port = scp_port.to_string();
                dcmtk(
                    "storescu",
                    &["-aec", "ARCHIVE", "-nh", "127.0.0.1", &port],
                    g,
                )
            });
        }
    });
    let got = dicom_files(&received);
    assert!(got.len() > 100, "storescp received {}", got.len());
    // `run` with the same key on what was received is the reference
    let run = crate::support::bin()
        .args(["run", "-q", "--key-file"])
        .arg(&key)
        .arg(&received)
        .arg(&reference)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut compared = 0;
    for r in dicom_files(&reference) {
        let expected = open_file(&r).unwrap();
        let study = expected
            .element(tags::STUDY_INSTANCE_UID)
            .unwrap()
            .to_str()
            .unwrap();
        let series = expected
            .element(tags::SERIES_INSTANCE_UID)
            .unwrap()
            .to_str()
            .unwrap();
        let served = out
            .join(study.trim_end_matches('\0'))
            .join(series.trim_end_matches('\0'))
            .join(format!("{}.dcm", sop_instance(&r)));
        let actual = open_file(&served).unwrap_or_else(|e| {
            panic!(
                "{} has no served twin {}: {e}",
                r.display(),
                served.display()
            )
        });
        similar_asserts(&canonical_dump(&expected), &canonical_dump(&actual), &r);
        compared += 1;
    }
    assert_eq!(compared, got.len());
    assert_eq!(dicom_files(&out).len(), got.len(), "{}", server.log());
    let outcomes = report_outcomes(&report);
    assert_eq!(outcomes.get("written"), Some(&got.len()), "{outcomes:?}");
    assert!(!server.log().contains("ended:"), "{}", server.log());
}

fn similar_asserts(expected: &str, actual: &str, what: &Path) {
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(a, b)| a != b)
            .take(5)
            .map(|(a, b)| format!("- {a}\n+ {b}"))
            .collect();
        panic!(
            "{}: serve and run differ:\n{}",
            what.display(),
            diff.join("\n")
        );
    }
}

#[test]
fn a_destination_started_late_receives_everything_from_the_spool() {
    if !have("storescu") || !have("storescp") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let key = key_file(tmp.path());
    let (spool, received) = (tmp.path().join("spool"), tmp.path().join("received"));
    let report = tmp.path().join("serve.jsonl");
    let dest_port = free_port();
    let forward = format!("ARCHIVE@127.0.0.1:{dest_port}");
    let args = [
        "--key-file",
        key.to_str().unwrap(),
        "--forward",
        &forward,
        "--spool",
        spool.to_str().unwrap(),
        "--retry-interval",
        "0.2",
        "--report",
        report.to_str().unwrap(),
    ];
    let files: Vec<PathBuf> = sendable_corpus().into_iter().take(6).collect();
    let server = Server::start(&args);
    let (ok, text) = storescu(server.port, &files);
    assert!(ok, "{text}");
    assert_eq!(dicom_files(&spool).len(), files.len(), "{}", server.log());
    // a restart resumes the queue
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    let server = Server::start(&args);
    assert!(
        server.log().contains("6 instances waiting"),
        "{}",
        server.log()
    );
    let _scp = start_storescp(dest_port, &received);
    wait_for("the spool to drain", 30, || {
        dicom_files(&received).len() == files.len()
    });
    wait_for("the spool to be empty", 10, || {
        dicom_files(&spool).is_empty()
    });
    // the destination has them de-identified, under the new UIDs
    for f in dicom_files(&received) {
        assert!(sop_instance(&f).starts_with("2.25."), "{}", f.display());
    }
    // with the destination up, instances go straight through
    let (ok, text) = storescu(server.port, &files[..2]);
    assert!(ok, "{text}");
    let outcomes = report_outcomes(&report);
    assert_eq!(outcomes.get("spooled"), Some(&6), "{outcomes:?}");
    assert_eq!(outcomes.get("sent-from-spool"), Some(&6), "{outcomes:?}");
    assert_eq!(outcomes.get("forwarded"), Some(&2), "{outcomes:?}");
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    assert!(
        log.contains("2 forwarded, 0 spooled, 6 sent from the spool"),
        "{log}"
    );
}

/// A hand-made SCU in the middle of a C-STORE: associated, the command and the first
/// half of the data set sent; returns the association, its context and the rest.
fn start_half(port: u16, file: &Path) -> (dicom_ul::ClientAssociation<TcpStream>, u8, Vec<u8>) {
    use dicom_ul::pdu::{PDataValue, PDataValueType};
    let obj = open_file(file).unwrap();
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();
    let class = obj
        .meta()
        .media_storage_sop_class_uid
        .trim_end_matches('\0')
        .to_string();
    let inst = obj
        .meta()
        .media_storage_sop_instance_uid
        .trim_end_matches('\0')
        .to_string();
    let mut assoc = dicom_ul::ClientAssociationOptions::new()
        .calling_ae_title("HALF")
        .called_ae_title("ANON")
        .with_presentation_context(class.as_str(), vec![ts.as_str()])
        .read_timeout(Duration::from_secs(20))
        .establish(("127.0.0.1", port))
        .unwrap();
    let ctx = assoc.presentation_contexts()[0].id;
    let mut data = Vec::new();
    let reg = dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    let ts_obj = dicom_encoding::TransferSyntaxIndex::get(&reg, &ts).unwrap();
    obj.write_dataset_with_ts(&mut data, ts_obj).unwrap();
    let command = dicom_anonymizer::serve::dimse::store_request(1, &class, &inst);
    let rest = data.split_off(data.len() / 2);
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![
                PDataValue {
                    presentation_context_id: ctx,
                    value_type: PDataValueType::Command,
                    is_last: true,
                    data: command,
                },
                PDataValue {
                    presentation_context_id: ctx,
                    value_type: PDataValueType::Data,
                    is_last: false,
                    data,
                },
            ],
        })
        .unwrap();
    (assoc, ctx, rest)
}

/// Starts a C-STORE, then disconnects without a word.
fn send_half_then_vanish(port: u16, file: &Path) {
    let (mut assoc, _, _) = start_half(port, file);
    let _ = assoc.inner_stream().shutdown(std::net::Shutdown::Both);
}

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
