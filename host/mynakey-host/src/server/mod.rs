//! Host mode: serve protocol 1 on stdin/stdout until EOF or `quit`.
//!
//! The calling thread reads frames and answers what needs no card at once (`version`, `cancel`,
//! `quit`, malformed input); one worker thread owns the card and runs card requests in order,
//! so `cancel` can reach a request that is waiting for a card. Which command is which, and what
//! each reads and answers, comes from its declaration (`mynakey_protocol::commands`): a parsed
//! [`Request`] is served by [`Reader`], which answers the three at once and hands every
//! [`Operation`] to the worker.

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
use crate::ops::{Operation, Ops, OpsError, RequestContext};
use mynakey_card::transport::{CancelToken, Readers};
use mynakey_protocol::args::{CancelArgs, NoArgs};
use mynakey_protocol::framing::{read_frame, write_frame, FrameError};
use mynakey_protocol::{
    self as protocol, command, CancelResult, Command, ErrorCode, ProgressEvent, QuitResult,
    Request, Serve, VersionResult, WireError,
};

/// A card request, parsed and typed: its command's operation with its arguments, run on the
/// worker; the result is serialised as the command declares it.
type CardRun = Box<dyn FnOnce(&mut Ops, &mut RequestContext<'_>) -> Result<Value, OpsError> + Send>;

struct Job {
    id: Value,
    run: CardRun,
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
    match parsed {
        Ok((id, request)) => request.serve(Reader {
            id,
            output,
            pending,
            jobs,
        }),
        Err((id, e)) => {
            output.fail(&id, &e);
            Flow::Next
        }
    }
}

/// Serves one request on the reading thread.
struct Reader<'a> {
    id: Value,
    output: &'a Output,
    pending: &'a Pending,
    jobs: &'a Sender<Job>,
}

impl Reader<'_> {
    /// Sends `C`'s result (typed as `C` declares it).
    fn answer<C: Command>(&self, result: C::Result) {
        self.output
            .send(&protocol::success(&self.id, to_value(result)));
    }
}

impl Serve<command::Version> for Reader<'_> {
    type Output = Flow;
    fn serve(self, _: NoArgs) -> Flow {
        self.answer::<command::Version>(VersionResult::current(env!("CARGO_PKG_VERSION")));
        Flow::Next
    }
}

impl Serve<command::Quit> for Reader<'_> {
    type Output = Flow;
    fn serve(self, _: NoArgs) -> Flow {
        cancel_pending(self.pending, None);
        self.answer::<command::Quit>(QuitResult {});
        Flow::Stop
    }
}

impl Serve<command::Cancel> for Reader<'_> {
    type Output = Flow;
    fn serve(self, arguments: CancelArgs) -> Flow {
        let cancelled = cancel_pending(self.pending, Some(&arguments.target));
        self.answer::<command::Cancel>(CancelResult { cancelled });
        Flow::Next
    }
}

/// Every card command: queued for the worker, which runs its [`Operation`].
impl<C> Serve<C> for Reader<'_>
where
    C: Operation + 'static,
    C::Arguments: Send + 'static,
{
    type Output = Flow;
    fn serve(self, arguments: C::Arguments) -> Flow {
        let run: CardRun = Box::new(move |ops, ctx| C::run(ops, arguments, ctx).map(to_value));
        queue(self.id, run, self.output, self.pending, self.jobs)
    }
}

/// Hands a card request to the worker, unless another one is still pending.
fn queue(id: Value, run: CardRun, output: &Output, pending: &Pending, jobs: &Sender<Job>) -> Flow {
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
    let job = Job { id, run, cancel };
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

/// Parses one frame into its id and typed request, which owns nothing of the frame (the PIN,
/// if any, is in a [`mynakey_types::secret::Secret`] among its arguments). Arguments go from the
/// frame's bytes straight into their typed structs (see [`protocol::parse_arguments`]).
fn parse_request(frame: &[u8]) -> Result<(Value, Request), (Value, WireError)> {
    let envelope = protocol::parse_envelope(frame)?;
    match Request::parse(&envelope.command, envelope.arguments) {
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
    let Job { id, run, cancel } = job;
    let mut progress = |event: ProgressEvent| output.send(&protocol::progress(&id, event));
    let mut ctx = RequestContext {
        cancel,
        progress: &mut progress,
    };
    let result = run(ops, &mut ctx);
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
