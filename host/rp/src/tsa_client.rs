//! The relying party's RFC 3161 client: posts a `TimeStampReq` over HTTP or HTTPS (RFC 3161
//! §3.4) with bounded time-outs. ureq (blocking, rustls with the Mozilla roots for https) suits
//! a synchronous command; only `mynakey-rp` links it, never the person's host. A TSA behind a
//! private CA is reached with that CA's root added (`--tsa-tls-root`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mynakey_documents::{TimestampAuthority, TimestampError};
use mynakey_verify::read_capped;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// The largest `TimeStampResp` read (a token with a long chain is a few KB).
const RESPONSE_MAX_BYTES: u64 = 256 * 1024;

/// The largest `--tsa-tls-root` file read (a bundle of a few PEM certificates).
const TLS_ROOT_FILE_MAX_BYTES: usize = 1 << 20;

/// A TSA at an `http://` or `https://` URL.
pub struct HttpTsa {
    url: String,
    agent: ureq::Agent,
    timeout: Duration,
}

impl HttpTsa {
    /// A client for `url`, every exchange bounded by `timeout` (connect, send and read); for
    /// https, the server's certificate must chain to a Mozilla root or to one in `tls_roots`
    /// (PEM or DER files, read now: an http URL ignores them but a bad file is still refused).
    pub fn new(url: &str, timeout: Duration, tls_roots: &[PathBuf]) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--tsa {url:?} is not an http:// or https:// URL"));
        }
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls_config(tls_roots)?)
            .timeout(timeout)
            .timeout_connect(timeout)
            // A TSA answers where it was asked; a redirect is an error, not a detour.
            .redirects(0)
            .build();
        Ok(Self {
            url: url.to_owned(),
            agent,
            timeout,
        })
    }
}

impl TimestampAuthority for HttpTsa {
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let response = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/timestamp-query")
            .send_bytes(request)
            .map_err(|e| match e {
                ureq::Error::Status(code, _) => TimestampError::Http(code),
                ureq::Error::Transport(t) if timed_out(&t) => TimestampError::Timeout(self.timeout),
                ureq::Error::Transport(t) => TimestampError::Unreachable(unreachable(&t)),
            })?;
        if response.status() != 200 {
            return Err(TimestampError::Http(response.status()));
        }
        let mut body = Vec::new();
        response
            .into_reader()
            .take(RESPONSE_MAX_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) {
                    TimestampError::Timeout(self.timeout)
                } else {
                    TimestampError::Unreachable(e.to_string())
                }
            })?;
        if body.len() as u64 > RESPONSE_MAX_BYTES {
            return Err(TimestampError::BadToken(format!(
                "the answer is over {RESPONSE_MAX_BYTES} bytes"
            )));
        }
        Ok(body)
    }
}

/// rustls as ureq sets it up (ring, TLS 1.2 and 1.3), trusting the Mozilla roots and the
/// certificates of every file in `extra_roots`.
fn tls_config(extra_roots: &[PathBuf]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for path in extra_roots {
        let bad = |e: String| format!("--tsa-tls-root {}: {e}", path.display());
        for certificate in root_file(path).map_err(bad)? {
            roots
                .add(certificate)
                .map_err(|e| bad(format!("not a usable root certificate ({e})")))?;
        }
    }
    // ring, as ureq 2 itself configures it (rustls 0.23.48 deprecates it for lacking
    // post-quantum key exchange, which only its aws-lc-rs provider offers: not in this tree).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The certificates of one root file: every PEM `CERTIFICATE` block, or the file as one DER
/// certificate. A file with none is refused.
fn root_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read_capped(path, TLS_ROOT_FILE_MAX_BYTES)?;
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Ok(vec![CertificateDer::from(bytes)]);
    }
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM certificates ({e})"))?;
    if certificates.is_empty() {
        return Err("no CERTIFICATE in the PEM file".into());
    }
    Ok(certificates)
}

/// Why the exchange failed, in words: an untrusted TLS certificate names its remedy.
fn unreachable(transport: &ureq::Transport) -> String {
    let mut source = std::error::Error::source(transport);
    while let Some(e) = source {
        // rustls reports through std::io::Error, whose source() skips the error it wraps.
        let wrapped = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(why)) =
            wrapped.or_else(|| e.downcast_ref::<rustls::Error>())
        {
            return format!(
                "the TSA's TLS certificate is not trusted ({why:?}): it must chain to a Mozilla \
                 root or to a --tsa-tls-root ({transport})"
            );
        }
        source = e.source();
    }
    transport.to_string()
}

fn timed_out(transport: &ureq::Transport) -> bool {
    let mut source = std::error::Error::source(transport);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            );
        }
        source = e.source();
    }
    transport.to_string().contains("timed out")
}
