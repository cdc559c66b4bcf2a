//! `mynakey-verifyd`: the mynakey verifier as a JSON-over-HTTP service (see
//! docs/relying-party.md). Prints `listening on ADDR` once it accepts connections; reloads
//! roots and CRLs on SIGHUP; stops on SIGTERM or Ctrl-C after in-flight requests finish.

mod api;
mod challenges;
mod error;
mod state;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use mynakey_verify::{ChallengeStore, DEFAULT_CHALLENGE_TTL};
use tokio::signal::unix::{signal, SignalKind};

use challenges::Challenges;
use error::ServiceError;
use state::{AppState, TrustSource};

/// Verifies mynakey login proofs and JPKI signatures for relying parties, over HTTP.
#[derive(Parser, Debug)]
#[command(name = "mynakey-verifyd", version)]
struct Args {
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks one; the address is printed).
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// Directory of trusted roots (default: the six J-LIS roots built in).
    #[arg(long, value_name = "DIR")]
    trust: Option<PathBuf>,
    /// A CRL (DER or PEM); repeat for several. Read again on SIGHUP.
    #[arg(long = "crl", value_name = "FILE")]
    crls: Vec<PathBuf>,
    /// Keep challenges in Redis (e.g. redis://127.0.0.1:6379/0) so several instances share them.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mynakey-verifyd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mynakey-verifyd: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), ServiceError> {
    let source = TrustSource {
        trust_dir: args.trust,
        crls: args.crls,
    };
    let trust = source.load()?;
    let challenges = match &args.redis {
        Some(url) => Challenges::redis(url, DEFAULT_CHALLENGE_TTL).await?,
        None => Challenges::Memory(ChallengeStore::new()),
    };
    let state = Arc::new(AppState::new(trust, source, challenges));
    let io = |e: std::io::Error| ServiceError::Setup(e.to_string());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    let mut hup = signal(SignalKind::hangup()).map_err(io)?;
    let mut term = signal(SignalKind::terminate()).map_err(io)?;
    let reloading = Arc::clone(&state);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            reloading.reload().await;
        }
    });
    // The ready line scripts wait for; written, not printed, so a closed stdout is an error.
    let mut stdout = std::io::stdout();
    writeln!(stdout, "mynakey-verifyd: listening on {addr}").map_err(io)?;
    stdout.flush().map_err(io)?;
    axum::serve(listener, api::router(state))
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await
        .map_err(io)
}
