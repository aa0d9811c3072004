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

mod forward;
mod lifecycle;
mod refusals;
mod tls;

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
            "{tool} (DCMTK, or openssl) is required when CI is set"
        );
        eprintln!("skipped: {tool} (DCMTK, or openssl) is not installed");
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
                {
                    let mut l = sink.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
                if let Some(rest) = line.strip_prefix("listening on 127.0.0.1:") {
                    let port: u16 = rest.split(' ').next().unwrap().parse().unwrap();
                    let _ = tx.send(port);
                }
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

fn dicom_files(dir: &Path) -> Vec<PathBuf> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        // a `run` into the folder writes its manifest there
        .filter(|e| !dicom_anonymizer::audit::manifest::is_manifest(e.path()))
        .map(|e| e.path().to_path_buf())
        .collect();
    v.sort();
    v
}

/// A free port on 127.0.0.1 (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
