//! A real RFC 3161 time-stamping authority for tests: OpenSSL's own (`openssl ts -reply`, with
//! the test TSA of `tests/fixtures/pki`) behind a minimal HTTP/1.1 handler on loopback. It can
//! misbehave on demand ([`TsaMode`]) for the negative cases. One thread per server; each request
//! runs `openssl` in a fresh directory. With the `https` feature it also serves https
//! (`tsa_https`: its TLS certificate under the private test TLS root). Used by the documents and rp tests and, through the
//! `mynakey-test-tsa` binary, by the shell suites.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::scratch_dir;

/// How the test TSA answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsaMode {
    /// OpenSSL grants every request (status granted, the TSA certificate included, named in
    /// the ESS signingCertificateV2 attribute by its SHA-256 hash).
    Grant,
    /// As [`TsaMode::Grant`], but the certificate is named the RFC 3161 way before RFC 5816: the
    /// ESS signingCertificate attribute with its SHA-1 hash (`ess_cert_id_alg = sha1`).
    GrantEssV1,
    /// An HTTP error status instead of a response.
    HttpError(u16),
    /// OpenSSL rejects the request (this TSA accepts only SHA-512 imprints: `badAlg`).
    Reject,
    /// A granted token over other bytes: one bit of the request's imprint is flipped first.
    OtherBytes,
    /// A granted token signed by a TSA certificate under `untrusted-root.der`.
    Untrusted,

    /// Waits this long before answering (for the client's time-out).
    Slow(Duration),
}

impl TsaMode {
    /// `grant`, `grant-ess-v1`, `http-500`, `reject`, `other-bytes`, `untrusted`, `slow-SECONDS`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "grant" => Self::Grant,
            "grant-ess-v1" => Self::GrantEssV1,
            "reject" => Self::Reject,
            "other-bytes" => Self::OtherBytes,
            "untrusted" => Self::Untrusted,

            _ => {
                if let Some(code) = text.strip_prefix("http-") {
                    Self::HttpError(code.parse().ok()?)
                } else {
                    Self::Slow(Duration::from_secs(
                        text.strip_prefix("slow-")?.parse().ok()?,
                    ))
                }
            }
        })
    }
}

/// The test PKI directory (`tests/fixtures/pki`).
pub(crate) fn pki_dir() -> PathBuf {
    crate::fixtures::fixtures_dir().join("pki")
}

/// A running test TSA; it serves until the process ends.
#[derive(Debug)]
pub struct TestTsa {
    pub(crate) url: String,
}

impl TestTsa {
    /// Starts one on an ephemeral loopback port.
    pub fn start(mode: TsaMode) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/tsa", listener.local_addr()?);
        let setup = OpenSslTsa::new()?;
        std::thread::spawn(move || serve(&listener, &setup, mode));
        Ok(Self { url })
    }

    /// Its URL (`http://127.0.0.1:PORT/tsa`, or `https://` from `start_https`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Serves `listener` forever (the binary's main loop).
pub fn serve_forever(listener: &TcpListener, mode: TsaMode) -> std::io::Result<()> {
    let setup = OpenSslTsa::new()?;
    serve(listener, &setup, mode);
    Ok(())
}

fn serve(listener: &TcpListener, setup: &OpenSslTsa, mode: TsaMode) {
    for stream in listener.incoming().flatten() {
        // A failed exchange only fails the test that sent it.
        let _ = handle(stream, setup, mode);
    }
}

/// OpenSSL's TSA itself, without HTTP: its configuration and PEM copies of the test TSA,
/// written once. [`OpenSslTsa::answer`] is what the HTTP handler sends back.
#[derive(Debug)]
pub struct OpenSslTsa {
    dir: PathBuf,
    counter: AtomicU64,
}

impl Drop for OpenSslTsa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl OpenSslTsa {
    /// Writes the configuration into a fresh scratch directory.
    pub fn new() -> std::io::Result<Self> {
        let dir = scratch_dir("tsa")?;
        let pki = pki_dir();
        for (der, pem, kind) in [
            ("tsa.der", "tsa.pem", "x509"),
            ("tsa-untrusted.der", "tsa-untrusted.pem", "x509"),
            ("tsa.key.der", "tsa.key.pem", "pkey"),
        ] {
            openssl(
                &[kind, "-inform", "DER", "-in"],
                &pki.join(der),
                &dir.join(pem),
            )?;
        }
        std::fs::write(dir.join("serial"), "01\n")?;
        let d = dir.display();
        let section = |name: &str, cert: &str, digests: &str, ess: &str| {
            format!(
                "[{name}]\nserial = {d}/serial\ncrypto_device = builtin\n\
                 signer_cert = {d}/{cert}\nsigner_key = {d}/tsa.key.pem\nsigner_digest = sha256\n\
                 default_policy = 1.3.6.1.4.1.99999.1\ndigests = {digests}\naccuracy = secs:1\n\
                 ordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = {ess}\n\n"
            )
        };
        let all = "sha256, sha384, sha512";
        let config = format!(
            "[tsa]\ndefault_tsa = grant\n\n{}{}{}{}",
            section("grant", "tsa.pem", all, "sha256"),
            section("grant-ess-v1", "tsa.pem", all, "sha1"),
            section("untrusted", "tsa-untrusted.pem", all, "sha256"),
            section("reject", "tsa.pem", "sha512", "sha256"),
        );
        std::fs::write(dir.join("tsa.cnf"), config)?;
        Ok(Self {
            dir,
            counter: AtomicU64::new(0),
        })
    }

    /// The DER `TimeStampResp` for `query` in `mode`, or the HTTP error status to answer.
    pub fn answer(&self, query: &[u8], mode: TsaMode) -> Result<Vec<u8>, u16> {
        let answer = match mode {
            TsaMode::Grant => self.reply(query, "grant"),
            TsaMode::GrantEssV1 => self.reply(query, "grant-ess-v1"),
            TsaMode::Reject => self.reply(query, "reject"),
            TsaMode::Untrusted => self.reply(query, "untrusted"),

            TsaMode::OtherBytes => self.reply(&flip_imprint(query.to_vec()), "grant"),
            TsaMode::Slow(wait) => {
                std::thread::sleep(wait);
                self.reply(query, "grant")
            }
            TsaMode::HttpError(code) => return Err(code),
        };
        answer.map_err(|_| 500)
    }

    /// OpenSSL's reply to `query` in `section` of the configuration.
    fn reply(&self, query: &[u8], section: &str) -> std::io::Result<Vec<u8>> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let (q, r) = (
            self.dir.join(format!("{n}.tsq")),
            self.dir.join(format!("{n}.tsr")),
        );
        std::fs::write(&q, query)?;
        let cfg = self.dir.join("tsa.cnf");
        let status = Command::new("openssl")
            .args(["ts", "-reply", "-config"])
            .arg(&cfg)
            .args(["-section", section, "-queryfile"])
            .arg(&q)
            .arg("-out")
            .arg(&r)
            .output()?;
        let reply = if r.exists() {
            std::fs::read(&r)
        } else {
            Err(std::io::Error::other(
                String::from_utf8_lossy(&status.stderr).into_owned(),
            ))
        };
        // Keep only the configuration: a long run makes many requests.
        let _ = std::fs::remove_file(&q);
        let _ = std::fs::remove_file(&r);
        reply
    }
}

fn openssl(args: &[&str], input: &Path, output: &Path) -> std::io::Result<()> {
    let done = Command::new("openssl")
        .args(args)
        .arg(input)
        .arg("-out")
        .arg(output)
        .output()?;
    if done.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(
            String::from_utf8_lossy(&done.stderr).into_owned(),
        ))
    }
}

/// One request: `POST` with `Content-Length`, the body an RFC 3161 query; over plain TCP or
/// TLS.
pub(crate) fn handle(
    mut stream: impl Read + Write,
    setup: &OpenSslTsa,
    mode: TsaMode,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut stream);
    let mut length = 0;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        line.clear();
    }
    let mut query = vec![0; length.min(1 << 16)];
    reader.read_exact(&mut query)?;
    drop(reader);
    match setup.answer(&query, mode) {
        Ok(body) => respond(&mut stream, 200, &body),
        Err(code) => respond(&mut stream, code, b"test TSA error"),
    }
}

/// The query with one bit of its SHA-256 imprint flipped: the imprint is the last 32 bytes
/// after the `04 20` OCTET STRING header that follows the algorithm identifier.
fn flip_imprint(mut query: Vec<u8>) -> Vec<u8> {
    if let Some(at) = query.windows(2).position(|w| w == [0x04, 0x20]) {
        if let Some(byte) = query.get_mut(at + 2) {
            *byte ^= 1;
        }
    }
    query
}

fn respond(stream: &mut impl Write, code: u16, body: &[u8]) -> std::io::Result<()> {
    let kind = if code == 200 {
        "application/timestamp-reply"
    } else {
        "text/plain"
    };
    write!(
        stream,
        "HTTP/1.1 {code} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}
