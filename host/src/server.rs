//! Host mode: serve protocol 1 on stdin/stdout until EOF or `quit`.
//!
//! The calling thread reads frames and answers what needs no card at once (`version`, `cancel`,
//! `quit`, malformed input); one worker thread owns the card and runs card requests in order,
//! so `cancel` can reach a request that is waiting for a card.

use std::io::{Read, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use log::{debug, error, info, warn};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::Config;
use crate::ops::{self, Ops, OpsError, RequestContext};
use crate::protocol::framing::{read_frame, write_frame, FrameError};
use crate::protocol::{self, ErrorCode, WireError};
use crate::transport::{CancelToken, Readers};

/// A card request, already parsed and typed.
enum CardRequest {
    Status,
    Authenticate(ops::AuthenticateArgs),
    GetSigningCertificate(ops::GetSigningCertificateArgs),
    Sign(ops::SignArgs),
}

struct Job {
    id: Value,
    request: CardRequest,
    cancel: CancelToken,
}

/// Frames out, from either thread; one frame at a time.
#[derive(Clone)]
struct Output {
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl Output {
    fn send(&self, message: &Value) {
        let bytes = match serde_json::to_vec(message) {
            Ok(bytes) => bytes,
            Err(e) => {
                error!("cannot serialise a reply: {e}");
                return;
            }
        };
        let Ok(mut writer) = self.writer.lock() else {
            return;
        };
        match write_frame(&mut **writer, &bytes) {
            Ok(()) => {}
            Err(FrameError::OutboundTooLarge(n)) => {
                error!("reply of {n} bytes is too large for the browser");
                let id = message.get("id").cloned().unwrap_or(Value::Null);
                let e = WireError::new(
                    ErrorCode::Internal,
                    "the reply is larger than a browser accepts",
                );
                if let Ok(bytes) = serde_json::to_vec(&protocol::failure(&id, &e)) {
                    let _ = write_frame(&mut **writer, &bytes);
                }
            }
            Err(e) => warn!("cannot write to the browser: {e}"),
        }
    }

    fn fail(&self, id: &Value, error: &WireError) {
        debug!("request {id} failed: {}", error.code.as_str());
        self.send(&protocol::failure(id, error));
    }
}

type Pending = Arc<Mutex<Option<(Value, CancelToken)>>>;

/// Serves until EOF or `quit`; returns when the worker has finished (card reset included).
pub fn serve(
    input: &mut dyn Read,
    output: Box<dyn Write + Send>,
    readers: Box<dyn Readers>,
    config: Config,
) {
    let output = Output {
        writer: Arc::new(Mutex::new(output)),
    };
    let pending: Pending = Arc::default();
    let (jobs, job_rx) = mpsc::channel::<Job>();
    let worker = {
        let output = output.clone();
        let pending = Arc::clone(&pending);
        thread::spawn(move || run_worker(Ops::new(readers, config), job_rx, output, pending))
    };
    loop {
        let frame = match read_frame(input) {
            Ok(frame) => frame,
            Err(FrameError::Eof) => {
                info!("stdin closed; exiting");
                break;
            }
            Err(FrameError::TooLarge(n)) => {
                output.fail(
                    &Value::Null,
                    &WireError::new(
                        ErrorCode::MessageTooLarge,
                        format!("message of {n} bytes exceeds 65536"),
                    ),
                );
                continue;
            }
            Err(e) => {
                warn!("cannot read from the browser: {e}");
                break;
            }
        };
        let envelope = match protocol::parse_envelope(&frame) {
            Ok(envelope) => envelope,
            Err((id, e)) => {
                output.fail(&id, &e);
                continue;
            }
        };
        drop(frame);
        let id = envelope.id;
        let request = match envelope.command.as_str() {
            "version" => {
                match parse_args::<ops::NoArgs>(envelope.arguments) {
                    Ok(_) => output.send(&protocol::success(&id, json!({"version": env!("CARGO_PKG_VERSION"), "protocol": protocol::PROTOCOL_VERSION}))),
                    Err(e) => output.fail(&id, &e),
                }
                continue;
            }
            "quit" => {
                match parse_args::<ops::NoArgs>(envelope.arguments) {
                    Ok(_) => {
                        cancel_pending(&pending, None);
                        output.send(&protocol::success(&id, json!({})));
                        break;
                    }
                    Err(e) => output.fail(&id, &e),
                }
                continue;
            }
            "cancel" => {
                match parse_args::<ops::CancelArgs>(envelope.arguments) {
                    Ok(args) => {
                        let cancelled = cancel_pending(&pending, Some(&args.target));
                        output.send(&protocol::success(&id, json!({ "cancelled": cancelled })));
                    }
                    Err(e) => output.fail(&id, &e),
                }
                continue;
            }
            "status" => parse_args::<ops::NoArgs>(envelope.arguments).map(|_| CardRequest::Status),
            "authenticate" => parse_args(envelope.arguments).map(CardRequest::Authenticate),
            "getSigningCertificate" => {
                parse_args(envelope.arguments).map(CardRequest::GetSigningCertificate)
            }
            "sign" => parse_args(envelope.arguments).map(CardRequest::Sign),
            other => Err(WireError::new(
                ErrorCode::UnknownCommand,
                format!("unknown command {other:?}"),
            )),
        };
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                output.fail(&id, &e);
                continue;
            }
        };
        let cancel = CancelToken::new();
        {
            let Ok(mut slot) = pending.lock() else { break };
            if let Some((other, _)) = slot.as_ref() {
                let e = WireError::bad_request(format!(
                    "request {other} is still pending; one card request at a time"
                ));
                drop(slot);
                output.fail(&id, &e);
                continue;
            }
            *slot = Some((id.clone(), cancel.clone()));
        }
        if jobs
            .send(Job {
                id,
                request,
                cancel,
            })
            .is_err()
        {
            break;
        }
    }
    cancel_pending(&pending, None);
    drop(jobs);
    if worker.join().is_err() {
        error!("the card worker stopped abnormally");
    }
}

/// Cancels the pending request (if `target` is given, only when it matches). Returns whether one was.
fn cancel_pending(pending: &Pending, target: Option<&Value>) -> bool {
    let Ok(slot) = pending.lock() else {
        return false;
    };
    match slot.as_ref() {
        Some((id, token)) if target.is_none_or(|t| t == id) => {
            token.cancel();
            true
        }
        _ => false,
    }
}

fn parse_args<T: DeserializeOwned>(arguments: Value) -> Result<T, WireError> {
    serde_json::from_value(arguments)
        .map_err(|e| WireError::bad_request(format!("bad arguments: {e}")))
}

fn run_worker(mut ops: Ops, jobs: mpsc::Receiver<Job>, output: Output, pending: Pending) {
    loop {
        let job = match ops.held_deadline() {
            Some(deadline) => {
                match jobs.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout) => {
                        info!("the held signing session timed out");
                        ops.release_held();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        let reply = run_job(&mut ops, job, &output);
        if let Ok(mut slot) = pending.lock() {
            *slot = None;
        }
        output.send(&reply);
    }
    // EOF or quit: the held session (if any) is reset when `ops` drops.
    drop(ops);
}

fn run_job(ops: &mut Ops, job: Job, output: &Output) -> Value {
    let Job {
        id,
        request,
        cancel,
    } = job;
    let mut progress = |event: &str, details: Map<String, Value>| {
        output.send(&protocol::progress(&id, event, details))
    };
    let mut ctx = RequestContext {
        cancel,
        progress: &mut progress,
    };
    let result = match request {
        CardRequest::Status => Ok(to_value(ops.status())),
        CardRequest::Authenticate(args) => ops.authenticate(args, &mut ctx).map(to_value),
        CardRequest::GetSigningCertificate(args) => ops.get_signing_certificate(args, &mut ctx),
        CardRequest::Sign(args) => ops.sign(args, &mut ctx).map(to_value),
    };
    match result {
        Ok(value) => protocol::success(&id, value),
        Err(e) => {
            if matches!(e, OpsError::Internal(_)) {
                error!("internal error: {e}");
            }
            protocol::failure(&id, &e.to_wire())
        }
    }
}

fn to_value<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
