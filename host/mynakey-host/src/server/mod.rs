//! Host mode: serve protocol 1 on stdin/stdout until EOF or `quit`.
//!
//! The calling thread reads frames and answers what needs no card at once (`version`, `cancel`,
//! `quit`, malformed input); one worker thread owns the card and runs card requests in order,
//! so `cancel` can reach a request that is waiting for a card.

use std::io::{Read, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use log::{debug, error, info, warn};
use serde::Serialize;
use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

use crate::config::Config;
use crate::ops::{self, Ops, OpsError, RequestContext};
use mynakey_card::transport::{CancelToken, Readers};
use mynakey_protocol::framing::{read_frame, write_frame, FrameError};
use mynakey_protocol::{
    self as protocol, parse_arguments, CancelResult, ErrorCode, HostCommand, ProgressEvent,
    QuitResult, VersionResult, WireError,
};

/// A card request, already parsed and typed.
enum CardRequest {
    Status,
    Prepare(ops::PrepareArgs),
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
        if let Flow::Stop = dispatch(frame, &output, &pending, &jobs) {
            break;
        }
    }
    cancel_pending(&pending, None);
    drop(jobs);
    if worker.join().is_err() {
        error!("the card worker stopped abnormally");
    }
}

/// Whether the read loop goes on after a frame.
enum Flow {
    Next,
    Stop,
}

/// One inbound frame: answered here (version, quit, cancel, errors) or queued for the worker.
fn dispatch(
    mut frame: Zeroizing<Vec<u8>>,
    output: &Output,
    pending: &Pending,
    jobs: &Sender<Job>,
) -> Flow {
    let parsed = parse_request(&frame);
    // The frame may hold a PIN: wipe it now, not whenever it happens to be dropped.
    frame.zeroize();
    drop(frame);
    let (id, request) = match parsed {
        Ok(parsed) => parsed,
        Err((id, e)) => {
            output.fail(&id, &e);
            return Flow::Next;
        }
    };
    match request {
        Incoming::Version => {
            let version = VersionResult::current(env!("CARGO_PKG_VERSION"));
            output.send(&protocol::success(&id, to_value(version)));
            Flow::Next
        }
        Incoming::Quit => {
            cancel_pending(pending, None);
            output.send(&protocol::success(&id, to_value(QuitResult {})));
            Flow::Stop
        }
        Incoming::Cancel(args) => {
            let cancelled = cancel_pending(pending, Some(&args.target));
            output.send(&protocol::success(
                &id,
                to_value(CancelResult { cancelled }),
            ));
            Flow::Next
        }
        Incoming::Card(request) => queue(id, request, output, pending, jobs),
    }
}

/// Hands a card request to the worker, unless another one is still pending.
fn queue(
    id: Value,
    request: CardRequest,
    output: &Output,
    pending: &Pending,
    jobs: &Sender<Job>,
) -> Flow {
    let cancel = CancelToken::new();
    {
        let Ok(mut slot) = pending.lock() else {
            return Flow::Stop;
        };
        if let Some((other, _)) = slot.as_ref() {
            let e = WireError::bad_request(format!(
                "request {other} is still pending; one card request at a time"
            ));
            drop(slot);
            output.fail(&id, &e);
            return Flow::Next;
        }
        *slot = Some((id.clone(), cancel.clone()));
    }
    let job = Job {
        id,
        request,
        cancel,
    };
    match jobs.send(job) {
        Ok(()) => Flow::Next,
        Err(_) => Flow::Stop,
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

/// A request read from one frame; owns nothing of the frame (the PIN, if any, is in a
/// [`mynakey_types::secret::Secret`] inside the card request).
enum Incoming {
    Version,
    Quit,
    Cancel(ops::CancelArgs),
    Card(CardRequest),
}

/// Parses one frame into its id and typed request. Arguments go from the frame's bytes
/// straight into their typed structs (see [`protocol::parse_arguments`]).
fn parse_request(frame: &[u8]) -> Result<(Value, Incoming), (Value, WireError)> {
    let envelope = protocol::parse_envelope(frame)?;
    let args = envelope.arguments;
    let request = match HostCommand::from_name(&envelope.command) {
        Some(HostCommand::Version) => {
            parse_arguments::<ops::NoArgs>(args).map(|_| Incoming::Version)
        }
        Some(HostCommand::Quit) => parse_arguments::<ops::NoArgs>(args).map(|_| Incoming::Quit),
        Some(HostCommand::Cancel) => parse_arguments(args).map(Incoming::Cancel),
        Some(HostCommand::Status) => {
            parse_arguments::<ops::NoArgs>(args).map(|_| Incoming::Card(CardRequest::Status))
        }
        Some(HostCommand::Prepare) => {
            parse_arguments(args).map(|a| Incoming::Card(CardRequest::Prepare(a)))
        }
        Some(HostCommand::Authenticate) => {
            parse_arguments(args).map(|a| Incoming::Card(CardRequest::Authenticate(a)))
        }
        Some(HostCommand::GetSigningCertificate) => {
            parse_arguments(args).map(|a| Incoming::Card(CardRequest::GetSigningCertificate(a)))
        }
        Some(HostCommand::Sign) => {
            parse_arguments(args).map(|a| Incoming::Card(CardRequest::Sign(a)))
        }
        None => Err(WireError::new(
            ErrorCode::UnknownCommand,
            format!("unknown command {:?}", envelope.command),
        )),
    };
    match request {
        Ok(request) => Ok((envelope.id, request)),
        Err(e) => Err((envelope.id, e)),
    }
}

fn run_worker(mut ops: Ops, jobs: mpsc::Receiver<Job>, output: Output, pending: Pending) {
    loop {
        let job = match ops.next_deadline() {
            Some(deadline) => {
                match jobs.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout) => {
                        ops.expire(Instant::now());
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
        // The reply is out: now the card is reset, before the next request connects.
        ops.after_reply();
    }
    // EOF or quit: the held session and the prepared card (if any) are let go when `ops` drops.
    drop(ops);
}

fn run_job(ops: &mut Ops, job: Job, output: &Output) -> Value {
    let Job {
        id,
        request,
        cancel,
    } = job;
    let mut progress = |event: ProgressEvent| output.send(&protocol::progress(&id, event));
    let mut ctx = RequestContext {
        cancel,
        progress: &mut progress,
    };
    let result = match request {
        CardRequest::Status => Ok(to_value(ops.status())),
        CardRequest::Prepare(args) => Ok(to_value(ops.prepare(args))),
        CardRequest::Authenticate(args) => ops.authenticate(args, &mut ctx).map(to_value),
        CardRequest::GetSigningCertificate(args) => {
            ops.get_signing_certificate(args, &mut ctx).map(to_value)
        }
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

#[cfg(test)]
mod tests;
