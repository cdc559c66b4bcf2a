//! mynakey performance benchmark (issue 7). Run it through tests/bench/run.sh, never as a test:
//!
//!   bench [--host target/release/mynakey-host] [--iterations N] [--rounds N] [--cold-runs N]
//!         [--out FILE]
//!
//! - cold start of the host to its `version` reply, against a process that does nothing;
//! - login proof, 1- and 10-hash signing in-process on the simulated card, with the card's
//!   own time (inside `SimCard::process`) separated from the host's overhead;
//! - when run inside tests/system/run.sh --exec (isolated pcscd + vpcd): the same through
//!   pcscd + vpcd + `mynakey-host simulate`, OpenSC `pkcs11-tool --sign` on the same card,
//!   APDU counts and bytes from the card's log, and the host's peak memory;
//! - the card-time model (card_model.rs): the same APDU traces on real readers.
//!
//! Prints a Markdown report and writes it to --out.

use std::path::PathBuf;
use std::time::Duration;

mod card_model;
mod inproc;
mod pcsc;
mod process;
mod stats;
mod trace;

use inproc::Flow;
use stats::{fmt, row, Series, HEADER};
use trace::Trace;

pub type R<T> = Result<T, Box<dyn std::error::Error>>;

struct Options {
    host: PathBuf,
    iterations: usize,
    rounds: usize,
    cold_runs: usize,
    out: Option<PathBuf>,
}

fn options() -> R<Options> {
    let mut o = Options {
        host: PathBuf::from("target/release/mynakey-host"),
        iterations: 200,
        rounds: 50,
        cold_runs: 200,
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--host" => o.host = PathBuf::from(value()?),
            "--iterations" => o.iterations = value()?.parse()?,
            "--rounds" => o.rounds = value()?.parse()?,
            "--cold-runs" => o.cold_runs = value()?.parse()?,
            "--out" => o.out = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(o)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "**met**"
    } else {
        "**NOT met**"
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kib| kib.parse::<u64>().ok())
        .map(|kib| kib / 1024 / 1024)
        .unwrap_or(0);
    format!(
        "{cores} cores ({cpu}), {mem} GiB RAM, Linux {}",
        kernel.trim()
    )
}

fn main() -> R<()> {
    let o = options()?;
    let mut out = String::new();
    let mut say = |line: &str| {
        println!("{line}");
        out.push_str(line);
        out.push('\n');
    };
    let mut targets: Vec<(String, String, bool)> = Vec::new();

    say("# mynakey benchmark results");
    say("");
    say(&format!(
        "Machine: {}. Host binary: `{}`.",
        machine(),
        o.host.display()
    ));
    say("Spread: p10 – p90 and min – max over the n runs. Times in milliseconds.");
    say("");

    // ---- cold start ---------------------------------------------------------------------
    say("## Cold start: spawn → `version` reply");
    say("");
    let (mut reply, mut exit, mut nothing) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..10 {
        process::cold_version(&o.host, &[])?;
        process::cold_true("true")?;
    }
    for _ in 0..o.cold_runs {
        let (r, e) = process::cold_version(&o.host, &[])?;
        reply.push(r);
        exit.push(e);
        nothing.push(process::cold_true("true")?);
    }
    let (reply, exit, nothing) = (Series::of(&reply), Series::of(&exit), Series::of(&nothing));
    say(HEADER);
    say(&row(
        "`mynakey-host`: spawn, write `{\"id\":1,\"command\":\"version\"}`, read the reply",
        &reply,
    ));
    say(&row("… and on to exit after stdin is closed", &exit));
    say(&row("`true`: spawn and wait (same piped stdio)", &nothing));
    let ratio = reply.median / nothing.median;
    let ratio_exit = exit.median / nothing.median;
    say("");
    say(&format!(
        "Ratio of medians: reply / `true` = **{ratio:.2}×**; exit / `true` = {ratio_exit:.2}×."
    ));
    say("");
    targets.push((
        "cold start ≤ 3× `true`".into(),
        format!("{ratio:.2}× (to the reply), {ratio_exit:.2}× (to exit)"),
        ratio <= 3.0,
    ));

    // ---- in-process ---------------------------------------------------------------------
    say("## In-process on the simulated card (library calls)");
    say("");
    say("`Ops::authenticate` / `Ops::sign` over `SimReaders::single` (what `--simulator` serves); then the");
    say("same calls over a reader that times `SimCard::process` (the card's own work, almost all of it");
    say("the RSA-2048 private-key operation) so that host overhead = wall − card.");
    say("");
    let mut traces: Vec<(String, Trace)> = Vec::new();
    say("| flow | APDUs | wall (SimReaders) median [p10–p90] | card (in `SimCard::process`) median | host overhead median [p10–p90] | overhead per signature | n |");
    say("|---|---:|---:|---:|---:|---:|---:|");
    let mut login_overhead = f64::NAN;
    for flow in [Flow::Login, Flow::Sign(1), Flow::Sign(10)] {
        let iterations = match flow {
            Flow::Sign(n) if n > 1 => (o.iterations / 5).max(10),
            _ => o.iterations,
        };
        let r = inproc::measure(flow, iterations)?;
        let per_sig = match flow {
            Flow::Login | Flow::Sign(1) => r.overhead.median,
            Flow::Sign(n) => r.overhead.median / n as f64,
        };
        if flow == Flow::Login {
            login_overhead = r.overhead.median;
        }
        say(&format!(
            "| {} | {} | {} [{}–{}] | {} | {} [{}–{}] | {} | {} |",
            flow.name(),
            r.apdus,
            fmt(r.wall.median),
            fmt(r.wall.p10),
            fmt(r.wall.p90),
            fmt(r.card.median),
            fmt(r.overhead.median),
            fmt(r.overhead.p10),
            fmt(r.overhead.p90),
            fmt(per_sig),
            r.wall.n
        ));
        let _ = r.timed_wall;
    }
    let pieces = inproc::pieces(o.iterations)?;
    say("");
    say("Where the overhead goes (timed on their own):");
    say("");
    say(HEADER);
    say(&row("self-check of one signature (`jpki::self_check_signature`: certificate parse + RSA-2048 public verify)", &pieces.self_check));
    say(&row("login hash (3 × SHA-256)", &pieces.login_hash));
    say("");
    targets.push((
        "host overhead < 2 ms per login proof".into(),
        format!("{} ms", fmt(login_overhead)),
        login_overhead < 2.0,
    ));

    // ---- pcscd + vpcd + OpenSC ------------------------------------------------------------
    let mut peak_kib = f64::NAN;
    match pcsc::Stack::from_env() {
        None => {
            say("## Through pcscd + vpcd");
            say("");
            say("Skipped: run through tests/bench/run.sh as root (isolated pcscd + vpcd).");
            say("");
        }
        Some(stack) => {
            let r = pcsc::measure(&stack, &o.host, o.rounds)?;
            say("## Through pcscd + vpcd (real PC/SC stack, simulated card in `mynakey-host simulate`)");
            say("");
            say(&format!(
                "Reader `{}`; OpenSC {}; each round runs every row once (interleaved).",
                stack.reader, r.opensc_version
            ));
            say("APDUs and bytes from the simulated card's log (bytes out = command APDUs, bytes in = response APDUs incl. SW).");
            say("");
            say("| what | median ms | p10 – p90 ms | min – max ms | n | APDUs | bytes out | bytes in | sequence |");
            say("|---|---:|---:|---:|---:|---:|---:|---:|---|");
            for m in &r.rows {
                say(&format!(
                    "| {} | {} | {}{} | {} | {} | {} |",
                    m.what,
                    m.times.cell(),
                    m.trace.count(),
                    if m.stable { "" } else { " (varied)" },
                    m.trace.bytes_out(),
                    m.trace.bytes_in(),
                    m.trace.summary()
                ));
            }
            say("");
            let get = |prefix: &str| r.rows.iter().find(|m| m.what.starts_with(prefix));
            if let (Some(warm), Some(cold), Some(jpki), Some(auto)) = (
                get("login proof (warm"),
                get("login proof (new"),
                get("OpenSC pkcs11-tool --sign, OPENSC_DRIVER"),
                get("OpenSC pkcs11-tool --sign, driver auto"),
            ) {
                say("Against OpenSC (same card, same pcscd, same run):");
                say("");
                say("| ours | OpenSC | APDUs ours / OpenSC | time ours / OpenSC (medians) |");
                say("|---|---|---:|---:|");
                for (ours, theirs) in [(warm, jpki), (cold, jpki), (warm, auto), (cold, auto)] {
                    say(&format!(
                        "| {} | {} | {} / {} | {} / {} ms = {:.2} |",
                        ours.what,
                        theirs.what,
                        ours.trace.count(),
                        theirs.trace.count(),
                        fmt(ours.times.median),
                        fmt(theirs.times.median),
                        ours.times.median / theirs.times.median
                    ));
                }
                say("");
                let fewer = cold.trace.count() < jpki.trace.count();
                let half = cold.times.median <= 0.5 * jpki.times.median;
                targets.push((
                    "fewer APDUs than OpenSC (its fastest configuration, OPENSC_DRIVER=jpki)"
                        .into(),
                    format!("{} vs {}", cold.trace.count(), jpki.trace.count()),
                    fewer,
                ));
                targets.push((
                    "≤ half OpenSC's wall time (one process per login, as pkcs11-tool is)".into(),
                    format!(
                        "{:.2}× ({} vs {} ms); warm host {:.2}×",
                        cold.times.median / jpki.times.median,
                        fmt(cold.times.median),
                        fmt(jpki.times.median),
                        warm.times.median / jpki.times.median
                    ),
                    half,
                ));
                traces.push(("mynakey login proof".into(), warm.trace.clone()));
                if let Some(s1) = get("sign, 1") {
                    traces.push(("mynakey sign, 1 hash".into(), s1.trace.clone()));
                }
                if let Some(s10) = get("sign, 10") {
                    traces.push(("mynakey sign, 10 hashes".into(), s10.trace.clone()));
                }
                traces.push((
                    "OpenSC --sign (OPENSC_DRIVER=jpki)".into(),
                    jpki.trace.clone(),
                ));
                traces.push(("OpenSC --sign (auto-detect)".into(), auto.trace.clone()));
            }
            peak_kib = r.vm_hwm_kib.median;
            say("Peak resident memory (VmHWM from /proc/<pid>/status, read after the login reply, before exit) of a fresh host process, PC/SC transport:");
            say("");
            say(&format!(
                "median {:.1} MiB (min {:.1}, max {:.1}; n={})",
                r.vm_hwm_kib.median / 1024.0,
                r.vm_hwm_kib.min / 1024.0,
                r.vm_hwm_kib.max / 1024.0,
                r.vm_hwm_kib.n
            ));
            say("");
            let max_mib = r.vm_hwm_kib.max / 1024.0;
            targets.push((
                "peak memory < 10 MiB during a login proof".into(),
                format!("{:.1} MiB (max {max_mib:.1})", peak_kib / 1024.0),
                max_mib < 10.0,
            ));
        }
    }
    if traces.is_empty() {
        // No pcscd: the model still runs on the in-process traces.
        for flow in [Flow::Login, Flow::Sign(1), Flow::Sign(10)] {
            traces.push((format!("mynakey {}", flow.name()), inproc_trace(flow)?));
        }
    }
    let _ = peak_kib;

    // ---- model ------------------------------------------------------------------------------
    say(&card_model::report(&traces));

    // ---- targets ----------------------------------------------------------------------------
    say("## Targets");
    say("");
    say("| target | measured | |");
    say("|---|---|---|");
    for (what, measured, met) in &targets {
        say(&format!("| {what} | {measured} | {} |", verdict(*met)));
    }
    if let Some(path) = o.out {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, out)?;
        eprintln!("written to {}", path.display());
    }
    std::thread::sleep(Duration::from_millis(1));
    Ok(())
}

fn inproc_trace(flow: Flow) -> R<Trace> {
    use mynakey::config::Config;
    use mynakey::ops::{Ops, RequestContext};
    use mynakey_card::transport::CancelToken;
    use mynakey_simulator::{ApduLog, Faults, SimReaders};
    let log = ApduLog::new();
    let mut ops = Ops::new(
        Box::new(SimReaders::single(Faults::default(), log.clone())?),
        Config::default(),
    );
    let mut quiet = |_: mynakey_protocol::ProgressEvent| {};
    let mut ctx = RequestContext {
        cancel: CancelToken::new(),
        progress: &mut quiet,
    };
    match flow {
        Flow::Login => drop(
            ops.authenticate(inproc::auth_args(), &mut ctx)
                .map_err(|e| e.to_string())?,
        ),
        Flow::Sign(n) => drop(
            ops.sign(inproc::sign_args(n), &mut ctx)
                .map_err(|e| e.to_string())?,
        ),
    }
    Ok(Trace::from_entries(&log.entries()))
}
