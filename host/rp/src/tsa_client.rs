//! The relying party's RFC 3161 client: posts a `TimeStampReq` over HTTP or HTTPS (RFC 3161
//! §3.4) with bounded time-outs. ureq (blocking, rustls with the Mozilla roots for https) suits
//! a synchronous command; only `mynakey-rp` links it, never the person's host.

use std::io::Read;
use std::time::Duration;

use mynakey_documents::{TimestampAuthority, TimestampError};

/// The largest `TimeStampResp` read (a token with a long chain is a few KB).
const RESPONSE_MAX_BYTES: u64 = 256 * 1024;

/// A TSA at an `http://` or `https://` URL.
pub struct HttpTsa {
    url: String,
    agent: ureq::Agent,
    timeout: Duration,
}

impl HttpTsa {
    /// A client for `url`, every exchange bounded by `timeout` (connect, send and read).
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--tsa {url:?} is not an http:// or https:// URL"));
        }
        let agent = ureq::AgentBuilder::new()
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
                ureq::Error::Transport(t) => TimestampError::Unreachable(t.to_string()),
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
