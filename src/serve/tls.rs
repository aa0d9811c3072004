//! DICOM over TLS for the listener (PS3.15 Annex B, secure transport connection), with
//! rustls and its `ring` provider: TLS 1.2 and 1.3 with rustls's safe defaults (the
//! "BCP 195" suites the DICOM TLS profiles ask for are among them). Optionally, clients
//! must show a certificate signed by a given CA.
//!
//! The node terminates TLS itself, in front of the plain association code: each TLS
//! connection is decrypted by a pump thread into a loopback TCP connection that the
//! association reads as any other. (`dicom-ul`'s own TLS mode is not used: with it, an
//! association request that cannot be read makes `dicom-ul` 0.10.1 loop forever; see
//! docs/serve.md.) Timeouts, limits and shutdown then work the same with and without TLS.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read the certificates in `{shown}`: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read the certificates in `{shown}`: {e}"))?;
    if certs.is_empty() {
        return Err(format!("`{shown}` holds no PEM certificate"));
    }
    Ok(certs)
}

/// The server configuration from PEM files: the certificate chain, its private key, and
/// the CA certificates that client certificates must chain to (none: no client
/// certificate asked for).
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let chain = certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the private key in `{}`: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in certificates(ca)? {
                roots
                    .add(c)
                    .map_err(|e| format!("a CA certificate in `{}`: {e}", ca.display()))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| format!("cannot set up client certificates: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(chain, key)
        .map(Arc::new)
        .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))
}

/// The TLS side of the node: its configuration and the loopback listener that makes
/// the plain end of each decrypted connection.
#[derive(Debug)]
pub struct Terminator {
    config: Arc<rustls::ServerConfig>,
    inner: Mutex<TcpListener>,
    inner_addr: SocketAddr,
}

/// How long a pump waits on one side before looking at the other.
const TURN: Duration = Duration::from_millis(2);

impl Terminator {
    pub fn new(config: Arc<rustls::ServerConfig>) -> std::io::Result<Terminator> {
        let inner = TcpListener::bind("127.0.0.1:0")?;
        let inner_addr = inner.local_addr()?;
        Ok(Terminator {
            config,
            inner: Mutex::new(inner),
            inner_addr,
        })
    }

    /// A connected loopback pair: (the pump's end, the association's end).
    fn pair(&self) -> std::io::Result<(TcpStream, TcpStream)> {
        let inner = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        let pump_end = TcpStream::connect(self.inner_addr)?;
        let want = pump_end.local_addr()?;
        loop {
            let (assoc_end, from) = inner.accept()?;
            if from == want {
                return Ok((pump_end, assoc_end));
            }
        }
    }

    /// Completes the TLS handshake on `raw` (within `timeout`) and returns the plain end
    /// of the decrypted connection; a pump thread moves the bytes until either side ends.
    pub fn accept(&self, raw: TcpStream, timeout: Duration) -> Result<TcpStream, String> {
        raw.set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        raw.set_write_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        let conn =
            rustls::ServerConnection::new(self.config.clone()).map_err(|e| format!("TLS: {e}"))?;
        let mut tls = rustls::StreamOwned::new(conn, raw);
        while tls.conn.is_handshaking() {
            tls.conn
                .complete_io(&mut tls.sock)
                .map_err(|e| format!("TLS handshake: {e}"))?;
        }
        let (mut plain, assoc_end) = self.pair().map_err(|e| e.to_string())?;
        // from here on, the pump turns between the two sides
        tls.sock
            .set_read_timeout(Some(TURN))
            .map_err(|e| e.to_string())?;
        plain
            .set_read_timeout(Some(TURN))
            .map_err(|e| e.to_string())?;
        let _ = plain.set_nodelay(true);
        let _ = tls.sock.set_nodelay(true);
        std::thread::Builder::new()
            .name("tls-pump".into())
            .spawn(move || pump(&mut tls, &mut plain))
            .map_err(|e| e.to_string())?;
        Ok(assoc_end)
    }
}

fn quiet(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Moves bytes both ways until one side closes or fails, then closes both.
fn pump(tls: &mut rustls::StreamOwned<rustls::ServerConnection, TcpStream>, plain: &mut TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if plain.write_all(buf.get(..n).unwrap_or_default()).is_err() {
                    break;
                }
                continue;
            }
            Err(e) if quiet(&e) => {}
            Err(_) => break,
        }
        match plain.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if tls
                    .write_all(buf.get(..n).unwrap_or_default())
                    .and_then(|()| tls.flush())
                    .is_err()
                {
                    break;
                }
            }
            Err(e) if quiet(&e) => {}
            Err(_) => break,
        }
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
    let _ = tls.sock.shutdown(std::net::Shutdown::Both);
    let _ = plain.shutdown(std::net::Shutdown::Both);
}
