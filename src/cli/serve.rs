//! `dicom-anonymizer serve`: the anonymizing DICOM node (see `src/serve.rs`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Args;

use super::{ErrorFormat, ExitStatus, ProfileArgs};
use crate::deid::{Deidentifier, Policy};
use crate::engine::Keys;
use crate::io::read::ReadOptions;
use crate::serve::{AllowRule, Config, Limits, forward::Target};

#[derive(Debug, Args)]
#[command(after_help = r#"Examples:
  dicom-anonymizer serve --listen 0.0.0.0:11112 --ae-title ANON --key-file key.bin --out /data/deid
  dicom-anonymizer serve --listen 0.0.0.0:11112 --ae-title ANON --key-file key.bin \
      --forward RESEARCH@archive.example:104 --spool /var/spool/dcmanon --allow MODALITY1@10.0.0.7
  storescu -aec ANON localhost 11112 scans/*.dcm

C-STORE statuses: 0000 stored; A700 out of resources (spool full, destination down without
a spool, write failed, too large: retry later); 0124 rejected by the profile's policy;
A900 SOP class does not match the presentation context; C000 cannot be read or
de-identified; C001 the forward destination refused it.
Exit status: 0 after a clean stop (SIGTERM or SIGINT), 2 usage, profile or setup error."#)]
pub struct ServeArgs {
    /// Address and port to listen on, like 0.0.0.0:11112 (port 0: any free port, printed at start)
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: String,
    /// The node's AE title; associations must call it
    #[arg(long, value_name = "TITLE")]
    pub ae_title: String,
    /// Write de-identified instances to DIR/Study/Series/SOPInstance.dcm (new UIDs)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Send de-identified instances to this node (C-STORE)
    #[arg(long, value_name = "AE@HOST:PORT", value_parser = parse_target)]
    pub forward: Option<Target>,
    /// Queue instances here while the forward destination is down; resumed after a restart
    #[arg(long, value_name = "DIR")]
    pub spool: Option<PathBuf>,
    /// Largest size of the spool (bytes); beyond it instances are refused with A700
    #[arg(long, value_name = "BYTES", default_value_t = 10 << 30)]
    pub spool_max_bytes: u64,
    /// Seconds to wait before sending from the spool again after a failure (doubles, up to 32x)
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub retry_interval: f64,
    /// Admit only this calling AE title, optionally from this host (repeatable); default: any
    #[arg(long, value_name = "AE[@HOST]", value_parser = parse_allow)]
    pub allow: Vec<AllowRule>,
    /// Associations at once; more are refused with "local limit exceeded"
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub max_associations: usize,
    /// Largest PDU received (bytes), offered to peers and enforced
    #[arg(long, value_name = "BYTES", default_value_t = 262_144)]
    pub max_pdu: u32,
    /// Largest instance received (bytes); larger ones are answered A700
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    pub max_instance_size: u64,
    /// Seconds a peer may stay silent before its association is closed
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,
    /// Seconds one message (command and data set) may take to arrive
    #[arg(long, value_name = "SECS", default_value_t = 600.0)]
    pub message_timeout: f64,
    /// DICOM over TLS: the server's certificate chain (PEM); needs --tls-key
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM)
    #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// With TLS: require client certificates signed by these CAs (PEM)
    #[arg(long, value_name = "CA.pem", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// Append one JSON line per instance: source, output, outcome, error, counts, status, calling AE, association
    #[arg(long, value_name = "FILE.jsonl")]
    pub report: Option<PathBuf>,
    /// Secret key for UIDs, pseudonyms and date shifts (at least 16 bytes); without it a random key is made
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// How to write profile diagnostics
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    #[command(flatten)]
    pub profile: ProfileArgs,
}

fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
}

fn parse_allow(s: &str) -> Result<AllowRule, String> {
    s.parse()
}

fn seconds(name: &str, s: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{name} must be a positive number of seconds"))
}

fn config(args: &ServeArgs) -> Result<Config, String> {
    crate::serve::check_ae_title(&args.ae_title)?;
    if args.max_associations == 0 {
        return Err("--max-associations must be at least 1".into());
    }
    if !(4096..=(1 << 30)).contains(&args.max_pdu) {
        return Err("--max-pdu must be between 4096 and 1073741824".into());
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::serve::tls::server_config(
            cert,
            key,
            args.tls_client_ca.as_deref(),
        )?),
        _ => None,
    };
    Ok(Config {
        tls,
        listen: args.listen.clone(),
        ae_title: args.ae_title.trim().to_string(),
        allow: args.allow.clone(),
        limits: Limits {
            max_associations: args.max_associations,
            max_pdu: args.max_pdu,
            max_instance: args.max_instance_size,
            timeout: seconds("--timeout", args.timeout)?,
            message_timeout: seconds("--message-timeout", args.message_timeout)?,
        },
        out: args.out.clone(),
        forward: args.forward.clone(),
        spool: args.spool.clone(),
        spool_max_bytes: args.spool_max_bytes,
        retry: seconds("--retry-interval", args.retry_interval)?,
        report: args.report.clone(),
    })
}

pub fn serve(args: &ServeArgs) -> ExitStatus {
    let config = match config(args) {
        Ok(c) => c,
        Err(e) => {
            say!("error: {e}");
            return ExitStatus::Usage;
        }
    };
    let plan = match args.profile.plan(args.error_format) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let keys = match keys(args.key_file.as_deref()) {
        Ok(k) => k,
        Err(status) => return status,
    };
    // the plan and keys live as long as the node: made once, shared by every association
    let (plan, keys): (&'static _, &'static _) =
        (Box::leak(Box::new(plan)), Box::leak(Box::new(keys)));
    let read = ReadOptions {
        max_in_memory_bytes: args
            .max_instance_size
            .max(ReadOptions::default().max_in_memory_bytes),
        ..ReadOptions::default()
    };
    let deid = Deidentifier::new(plan, keys, Policy::default().with_read(read));
    let library = crate::serve::library::Library::new(deid);
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            say!("error: cannot handle signal {signal}: {e}");
            return ExitStatus::Usage;
        }
    }
    match crate::serve::serve(config, Arc::new(library), stop) {
        Ok(summary) => {
            say!("{summary}");
            ExitStatus::Success
        }
        Err(e) => {
            say!("error: {e}");
            ExitStatus::Usage
        }
    }
}

/// The key from `--key-file`, or a random one with a warning (as `run` does).
fn keys(path: Option<&std::path::Path>) -> Result<Keys, ExitStatus> {
    match path {
        Some(path) => Keys::from_file(path).map_err(|e| {
            say!("error: {}", crate::batch::error_chain(&e));
            ExitStatus::Usage
        }),
        None => {
            let k = Keys::random().map_err(|e| {
                say!("error: {e}");
                ExitStatus::Usage
            })?;
            say!(
                "warning: no --key-file: a random key was made; new UIDs, pseudonyms and date shifts will not match any other run"
            );
            Ok(k)
        }
    }
}
