//! The test TSA over https: the same OpenSSL TSA and HTTP handler inside rustls, with the TLS
//! certificate `tsa-tls.der` (IP 127.0.0.1 and localhost) issued by the private test TLS root
//! `tsa-tls-root.der` of `tests/fixtures/pki` — a root no client trusts unless told to, as a
//! TSA behind an internal CA.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::tsa::{handle, pki_dir, OpenSslTsa, TestTsa, TsaMode};

/// A client that connects and never speaks must not hold the one serving thread for long.
const IDLE_LIMIT: Duration = Duration::from_secs(10);

impl TestTsa {
    /// Starts one serving https on an ephemeral loopback port (`https://127.0.0.1:PORT/tsa`).
    pub fn start_https(mode: TsaMode) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("https://{}/tsa", listener.local_addr()?);
        let config = Arc::new(server_config()?);
        let setup = OpenSslTsa::new()?;
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // A failed exchange (a client refusing the certificate) only fails its test.
                let _ = serve_tls(stream, &config, &setup, mode);
            }
        });
        Ok(Self { url })
    }
}

fn serve_tls(
    stream: TcpStream,
    config: &Arc<rustls::ServerConfig>,
    setup: &OpenSslTsa,
    mode: TsaMode,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE_LIMIT))?;
    let connection =
        rustls::ServerConnection::new(Arc::clone(config)).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, stream);
    handle(&mut tls, setup, mode)?;
    tls.conn.send_close_notify();
    tls.conn.complete_io(&mut tls.sock).map(|_| ())
}

/// rustls (ring) with the committed test TLS certificate and its PKCS#8 key.
fn server_config() -> std::io::Result<rustls::ServerConfig> {
    let pki = pki_dir();
    let certificate = CertificateDer::from(std::fs::read(pki.join("tsa-tls.der"))?);
    let key = PrivatePkcs8KeyDer::from(std::fs::read(pki.join("tsa-tls.key.der"))?);
    // ring, as ureq 2 itself configures it (rustls 0.23.48 deprecates it for lacking
    // post-quantum key exchange, which only its aws-lc-rs provider offers: not in this tree).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(vec![certificate], PrivateKeyDer::Pkcs8(key))
        })
        .map_err(std::io::Error::other)
}
