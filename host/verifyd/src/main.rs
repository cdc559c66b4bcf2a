//! `mynakey-verifyd`: the mynakey verifier as a JSON-over-HTTP service (see
//! docs/relying-party.md). Prints `listening on ADDR` once it accepts connections; reloads
//! roots and CRLs on SIGHUP; stops on SIGTERM or Ctrl-C after in-flight requests finish.

mod api;
mod challenges;
mod error;
mod openapi;
mod server;
mod state;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use mynakey_verify::DEFAULT_CHALLENGE_TTL;
use mynakey_verifyd::memory::{MemoryStore, DEFAULT_MAX_CHALLENGES};
use tokio::signal::unix::{signal, Signal, SignalKind};

use challenges::Challenges;
use error::ServiceError;
use state::{AppState, TrustSource};

/// Verifies mynakey login proofs and JPKI signatures for relying parties, over HTTP.
///
/// Every option can also be set in the environment (MYNAKEY_VERIFYD_*, shown with each): the
/// package's unit reads them from /etc/mynakey-rp/verifyd.env. A flag wins over its variable.
#[derive(Parser, Debug)]
#[command(name = "mynakey-verifyd", version)]
struct Args {
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks one; the address is printed).
    #[arg(long, value_name = "ADDR", env = "MYNAKEY_VERIFYD_LISTEN")]
    listen: SocketAddr,
    /// Directory of trusted roots (default: the six J-LIS roots built in).
    #[arg(long, value_name = "DIR", env = "MYNAKEY_VERIFYD_TRUST")]
    trust: Option<PathBuf>,
    /// A CRL (DER or PEM); repeat for several, or give a comma-separated list. Read again on
    /// SIGHUP.
    #[arg(
        long = "crl",
        value_name = "FILE",
        env = "MYNAKEY_VERIFYD_CRLS",
        value_delimiter = ','
    )]
    crls: Vec<PathBuf>,
    /// Keep challenges in Redis (e.g. redis://127.0.0.1:6379/0) so several instances share them.
    #[arg(
        long,
        value_name = "URL",
        env = "MYNAKEY_VERIFYD_REDIS",
        hide_env_values = true
    )]
    redis: Option<String>,
    /// Connections served at once; one more is closed at once (keep it well below the
    /// process's open-file limit).
    #[arg(long, value_name = "N", default_value_t = 512, env = "MYNAKEY_VERIFYD_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds a connection may take to send a request's headers, counted from when it
    /// connects or its previous reply was sent.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, env = "MYNAKEY_VERIFYD_HEADER_TIMEOUT",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a connection may go without moving a byte either way (more than the 10 s a
    /// request may take).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, env = "MYNAKEY_VERIFYD_IDLE_TIMEOUT",
          value_parser = clap::value_parser!(u64).range(11..=3600))]
    idle_timeout: u64,
    /// Live challenges held in memory at most (without --redis); over it, 503 STORE_FULL.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CHALLENGES, env = "MYNAKEY_VERIFYD_MAX_CHALLENGES",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_challenges: usize,
}

/// The signals the service handles, registered before anything slow happens so an early
/// SIGHUP (a reload sent while it starts) cannot take the default action and end it.
struct Signals {
    hup: Signal,
    term: Signal,
}

fn signals() -> Result<Signals, ServiceError> {
    let io = |e: std::io::Error| ServiceError::Setup(format!("signal handlers: {e}"));
    Ok(Signals {
        hup: signal(SignalKind::hangup()).map_err(io)?,
        term: signal(SignalKind::terminate()).map_err(io)?,
    })
}

fn main() -> ExitCode {
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
    // First thing in the runtime, before arguments are even read.
    let result = runtime.block_on(async {
        let signals = signals()?;
        serve(Args::parse(), signals).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mynakey-verifyd: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args, signals: Signals) -> Result<(), ServiceError> {
    let Signals { mut hup, mut term } = signals;
    let source = TrustSource {
        trust_dir: args.trust,
        crls: args.crls,
    };
    let trust = source.load()?;
    let challenges = match &args.redis {
        Some(url) => Challenges::redis(url, DEFAULT_CHALLENGE_TTL).await?,
        None => Challenges::Memory(MemoryStore::new(DEFAULT_CHALLENGE_TTL, args.max_challenges)),
    };
    let state = Arc::new(AppState::new(trust, source, challenges));
    let io = |e: std::io::Error| ServiceError::Setup(e.to_string());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
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
    let limits = server::Limits {
        max_connections: args.max_connections as usize,
        header_timeout: Duration::from_secs(args.header_timeout),
        idle_timeout: Duration::from_secs(args.idle_timeout),
    };
    let stop = async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    // The API's own description is routed here: it is derived from api's handlers.
    let routes = api::router(state).route("/v1/openapi.json", axum::routing::get(openapi::serve));
    server::run(listener, routes, limits, stop).await;
    Ok(())
}
