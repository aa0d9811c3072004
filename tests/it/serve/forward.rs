//! Store and forward: the corpus over four associations arrives as `run` makes it, and a
//! destination started late receives everything from the spool.

use super::*;

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

fn sop_instance(p: &Path) -> String {
    let obj = open_file(p).unwrap();
    obj.element(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_string()
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

pub(super) struct ChildGuard(Child);

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
