//! The listener: binds, accepts up to `--max-associations` at once (one thread each),
//! refuses the rest with A-ASSOCIATE-RJ "local limit exceeded", runs the spool sender, and
//! on stop (SIGTERM/SIGINT) closes the door: no new associations, idle ones are cut, the
//! ones receiving an instance finish it and answer, then everything is joined.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dicom_ul::ServerAssociationOptions;
use dicom_ul::pdu::{
    AssociationRJ, AssociationRJResult, AssociationRJServiceProviderPresentationReason,
    AssociationRJSource,
};

use super::forward::Forwarder;
use super::instance::Deidentify;
use super::report::Reporter;
use super::sink::{self, Sinks};
use super::spool::Spool;
use super::{Config, Shared};

/// Connections being refused at once, beyond the limit (more are simply closed).
const MAX_REFUSING: usize = 8;

fn base_options(
    config: &Config,
) -> ServerAssociationOptions<
    'static,
    dicom_ul::association::server::AcceptAny,
    dicom_ul::association::server::DefaultNegotiation,
> {
    let mut options = ServerAssociationOptions::new()
        .accept_any()
        .ae_title(config.ae_title.clone())
        .max_pdu_length(config.limits.max_pdu)
        .strict(true)
        .read_timeout(config.limits.timeout)
        .write_timeout(config.limits.timeout)
        .with_abstract_syntax(dicom_dictionary_std::uids::VERIFICATION);
    for uid in super::storage_sop_classes() {
        options = options.with_abstract_syntax(uid);
    }
    for ts in super::transfer_syntaxes() {
        options = options.with_transfer_syntax(ts);
    }
    options
}

/// Reads the A-ASSOCIATE-RQ (bounded) and answers "local limit exceeded", transient.
fn refuse_over_limit(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut header = [0u8; 6];
    if stream.read_exact(&mut header).is_err() {
        return;
    }
    let [_, _, a, b, c, d] = header;
    let len = u32::from_be_bytes([a, b, c, d]).min(64 * 1024);
    let _ = std::io::copy(
        &mut (&mut stream).take(u64::from(len)),
        &mut std::io::sink(),
    );
    let rj = dicom_ul::Pdu::AssociationRJ(AssociationRJ {
        result: AssociationRJResult::Transient,
        source: AssociationRJSource::ServiceProviderPresentation(
            AssociationRJServiceProviderPresentationReason::LocalLimitExceeded,
        ),
    });
    let mut out = Vec::new();
    if dicom_ul::write_pdu(&mut out, &rj).is_ok() {
        let _ = stream.write_all(&out);
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Frees an association's slot when its thread ends, however it ends.
struct Unregister<'a>(&'a Shared, u64);

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        self.0.unregister(self.1);
    }
}

/// Runs the node until `stop` is set; returns the summary line.
///
/// # Errors
/// A message naming what could not be set up (address, spool, report); nothing was
/// accepted then.
pub fn serve(
    config: Config,
    deid: Arc<dyn Deidentify>,
    stop: Arc<AtomicBool>,
) -> Result<String, String> {
    if config.out.is_none() && config.forward.is_none() {
        return Err("give a destination: --out DIR and/or --forward AE@HOST:PORT".into());
    }
    if config.spool.is_some() && config.forward.is_none() {
        return Err("--spool needs --forward".into());
    }
    let reporter = Reporter::new(config.report.as_deref()).map_err(|e| {
        format!(
            "cannot open the report `{}`: {e}",
            config
                .report
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display()
        )
    })?;
    let spool = match &config.spool {
        Some(dir) => Some(Arc::new(
            Spool::open(dir, config.spool_max_bytes)
                .map_err(|e| format!("cannot open the spool `{}`: {e}", dir.display()))?,
        )),
        None => None,
    };
    let forward = config.forward.clone().map(|t| {
        Arc::new(Forwarder::new(
            t,
            &config.ae_title,
            config.limits.timeout,
            config.limits.max_pdu,
            config.limits.max_associations,
        ))
    });
    if let Some(out) = &config.out {
        std::fs::create_dir_all(out)
            .map_err(|e| format!("cannot create the folder `{}`: {e}", out.display()))?;
    }
    let listener = TcpListener::bind(&config.listen)
        .map_err(|e| format!("cannot listen on `{}`: {e}", config.listen))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen on `{}`: {e}", config.listen))?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| config.listen.clone());
    let tls = match &config.tls {
        Some(c) => Some(
            super::tls::Terminator::new(c.clone())
                .map_err(|e| format!("cannot set up TLS: {e}"))?,
        ),
        None => None,
    };
    let shared = Arc::new(Shared {
        deid,
        sinks: Sinks {
            out: config.out.clone(),
            forward: forward.clone(),
            spool: spool.clone(),
        },
        reporter,
        limits: config.limits.clone(),
        allow: config.allow.clone(),
        options: base_options(&config),
        tls,
        stop: stop.clone(),
        slots: Mutex::new(Default::default()),
    });
    if let Some(s) = &spool {
        if !s.is_empty() {
            say!(
                "spool `{}`: {} instances waiting, resuming",
                s.dir().display(),
                s.len()
            );
        }
    }
    let sender = match (&spool, &forward) {
        (Some(spool), Some(forward)) => {
            let (spool, forward, shared, stop) =
                (spool.clone(), forward.clone(), shared.clone(), stop.clone());
            let retry = config.retry;
            Some(std::thread::spawn(move || {
                sink::run_spool_sender(&spool, &forward, &shared.reporter, &stop, retry);
            }))
        }
        _ => None,
    };
    say!(
        "listening on {local} as {}{}",
        config.ae_title,
        if config.tls.is_some() { " (TLS)" } else { "" }
    );

    let refusing = Arc::new(AtomicUsize::new(0));
    let mut threads: Vec<std::thread::JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    let mut last_reap = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_nodelay(true);
                threads.retain(|t| !t.is_finished());
                if shared.active() >= config.limits.max_associations {
                    shared
                        .reporter
                        .counters
                        .refused_associations
                        .fetch_add(1, Ordering::Relaxed);
                    if refusing.load(Ordering::Relaxed) < MAX_REFUSING {
                        refusing.fetch_add(1, Ordering::Relaxed);
                        let refusing = refusing.clone();
                        std::thread::spawn(move || {
                            refuse_over_limit(stream);
                            refusing.fetch_sub(1, Ordering::Relaxed);
                        });
                    }
                    continue;
                }
                next_id += 1;
                let id = next_id;
                let Ok(clone) = stream.try_clone() else {
                    continue;
                };
                shared.register(id, clone);
                let shared = shared.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("assoc-{id}"))
                    .spawn(move || {
                        // unregistered even if the thread panics, so that a stop never waits on it
                        let _slot = Unregister(&shared, id);
                        let peer = stream.peer_addr().ok();
                        let stream = match &shared.tls {
                            None => stream,
                            Some(tls) => match tls.accept(stream, shared.limits.timeout) {
                                Ok(plain) => plain,
                                Err(e) => {
                                    shared
                                        .reporter
                                        .counters
                                        .refused_associations
                                        .fetch_add(1, Ordering::Relaxed);
                                    let shown = peer.map(|p| p.to_string()).unwrap_or_default();
                                    say!("association {id} from {shown}: not established: {e}");
                                    return;
                                }
                            },
                        };
                        super::association::handle(&shared, stream, peer, id);
                    });
                match spawned {
                    Ok(t) => threads.push(t),
                    Err(e) => say!("error: cannot start a thread for association {id}: {e}"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                say!("warning: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        if last_reap.elapsed() > Duration::from_secs(1) {
            shared.reap(false);
            last_reap = Instant::now();
        }
    }
    drop(listener);
    say!(
        "stopping: no new associations; finishing {} in flight",
        shared.active()
    );
    // idle associations are cut; busy ones finish their instance, answer, then close
    while shared.active() > 0 {
        shared.reap(true);
        std::thread::sleep(Duration::from_millis(50));
    }
    for t in threads {
        let _ = t.join();
    }
    if let Some(s) = &spool {
        s.wake();
    }
    if let Some(t) = sender {
        let _ = t.join();
    }
    if let Some(f) = &forward {
        f.close();
    }
    let mut summary = shared.reporter.summary();
    if let Some(s) = &spool {
        summary.push_str(&format!("; {} waiting in the spool", s.len()));
    }
    if shared.reporter.failed_to_write() {
        return Err(format!(
            "{summary}; the report could not be written completely"
        ));
    }
    Ok(summary)
}
