//! `mynakey-test-tsa [MODE]`: the test TSA ([`mynakey_test_support::tsa`]) for shell suites.
//! Binds an ephemeral loopback port, prints its URL on one line, and serves until killed.
//! MODE: grant (default), http-CODE, reject, other-bytes, untrusted, slow-SECONDS.

use std::io::Write;
use std::net::TcpListener;
use std::process::ExitCode;

use mynakey_test_support::tsa::{serve_forever, TsaMode};

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "grant".into());
    let Some(mode) = TsaMode::parse(&arg) else {
        eprintln!("mynakey-test-tsa: unknown mode {arg:?}");
        return ExitCode::from(2);
    };
    let served = TcpListener::bind("127.0.0.1:0").and_then(|listener| {
        let mut out = std::io::stdout();
        writeln!(out, "http://{}/tsa", listener.local_addr()?)?;
        out.flush()?;
        serve_forever(&listener, mode)
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mynakey-test-tsa: {e}");
            ExitCode::FAILURE
        }
    }
}
