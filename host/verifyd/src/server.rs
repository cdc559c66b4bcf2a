//! Accepting connections with limits that a slow or idle client cannot get around: at most
//! `max_connections` at once (one more is closed at once, never queued), a request head must
//! arrive within `header_timeout` of the connection waiting for it (hyper restarts that timer
//! after each response, so it also ends idle keep-alive connections), and a connection that
//! moves no byte either way for `idle_timeout` is closed. `axum::serve` offers none of these.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;

/// What one client may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits for in-flight requests.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        // Over the cap: dropped here, which closes it; nothing waits for a slot.
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        let conn = http.serve_connection(TokioIo::new(idle_limited(stream, limits)), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that times out or resets is that client's problem, not an error here.
            let _ = conn.await;
            drop(permit);
        });
    }
    graceful.shutdown().await;
}

fn idle_limited(stream: TcpStream, limits: Limits) -> std::pin::Pin<Box<TimeoutStream<TcpStream>>> {
    let mut io = TimeoutStream::new(stream);
    io.set_read_timeout(Some(limits.idle_timeout));
    io.set_write_timeout(Some(limits.idle_timeout));
    Box::pin(io)
}

/// Per-connection failures (reset before accept) are skipped; others (out of file handles)
/// get a short pause instead of a busy loop.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
    if !matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
        eprintln!("mynakey-verifyd: accept: {e}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
