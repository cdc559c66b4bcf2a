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

/// The report as it is printed and written: lines, the targets met or not, and the APDU
/// traces the card model prices.
#[derive(Default)]
struct Report {
    out: String,
    targets: Vec<(String, String, bool)>,
    traces: Vec<(String, Trace)>,
}

impl Report {
    fn say(&mut self, line: &str) {
        println!("{line}");
        self.out.push_str(line);
        self.out.push('\n');
    }
}

fn main() -> R<()> {
    let o = options()?;
    let mut report = Report::default();
    let r = &mut report;
    r.say("# mynakey benchmark results");
    r.say("");
    r.say(&format!(
        "Machine: {}. Host binary: `{}`.",
        machine(),
        o.host.display()
    ));
    r.say("Spread: p10 – p90 and min – max over the n runs. Times in milliseconds.");
    r.say("");

    cold_start(&o, r)?;
    in_process(&o, r)?;
    let peak_kib = through_pcsc(&o, r)?;
    if r.traces.is_empty() {
        // No pcscd: the model still runs on the in-process traces.
        for flow in [Flow::Login, Flow::Sign(1), Flow::Sign(10)] {
            r.traces
                .push((format!("mynakey {}", flow.name()), inproc::trace(flow)?));
        }
    }
    let _ = peak_kib;
    // With `prepare` (the browser flow): what is read while the PIN is typed, and what is left.
    for flow in [Flow::Login, Flow::Sign(1)] {
        let (before, after) = inproc::prepared_trace(flow)?;
        r.traces.push((
            format!("mynakey {}: prepare, before the PIN", flow.name()),
            before,
        ));
        r.traces.push((
            format!("mynakey {}: after the PIN (prepared)", flow.name()),
            after,
        ));
    }

    // ---- model ------------------------------------------------------------------------------
    r.say(&card_model::report(&r.traces));

    // ---- targets ----------------------------------------------------------------------------
    r.say("## Targets");
    r.say("");
    r.say("| target | measured | |");
    r.say("|---|---|---|");
    let rows: Vec<String> = r
        .targets
        .iter()
        .map(|(what, measured, met)| format!("| {what} | {measured} | {} |", verdict(*met)))
        .collect();
    for row in rows {
        r.say(&row);
    }
    if let Some(path) = o.out {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &r.out)?;
        eprintln!("written to {}", path.display());
    }
    std::thread::sleep(Duration::from_millis(1));
    Ok(())
}

fn cold_start(o: &Options, r: &mut Report) -> R<()> {
    // ---- cold start ---------------------------------------------------------------------
    r.say("## Cold start: spawn → `version` reply");
    r.say("");
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
    r.say(HEADER);
    r.say(&row(
        "`mynakey-host`: spawn, write `{\"id\":1,\"command\":\"version\"}`, read the reply",
        &reply,
    ));
    r.say(&row("… and on to exit after stdin is closed", &exit));
    r.say(&row("`true`: spawn and wait (same piped stdio)", &nothing));
    let ratio = reply.median / nothing.median;
    let ratio_exit = exit.median / nothing.median;
    r.say("");
    r.say(&format!(
        "Ratio of medians: reply / `true` = **{ratio:.2}×**; exit / `true` = {ratio_exit:.2}×."
    ));
    r.say("");
    r.targets.push((
        "cold start ≤ 3× `true`".into(),
        format!("{ratio:.2}× (to the reply), {ratio_exit:.2}× (to exit)"),
        ratio <= 3.0,
    ));

    Ok(())
}

fn in_process(o: &Options, r: &mut Report) -> R<()> {
    // ---- in-process ---------------------------------------------------------------------
    r.say("## In-process on the simulated card (library calls)");
    r.say("");
    r.say("`Ops::authenticate` / `Ops::sign` over `SimReaders::single` (what `--simulator` serves); then the");
    r.say("same calls over a reader that times `SimCard::process` (the card's own work, almost all of it");
    r.say("the RSA-2048 private-key operation) so that host overhead = wall − card.");
    r.say("");
    r.say("| flow | APDUs | wall (SimReaders) median [p10–p90] | card (in `SimCard::process`) median | host overhead median [p10–p90] | overhead per signature | n |");
    r.say("|---|---:|---:|---:|---:|---:|---:|");
    let mut login_overhead = f64::NAN;
    for flow in [Flow::Login, Flow::Sign(1), Flow::Sign(10)] {
        let iterations = match flow {
            Flow::Sign(n) if n > 1 => (o.iterations / 5).max(10),
            _ => o.iterations,
        };
        let m = inproc::measure(flow, iterations)?;
        let per_sig = match flow {
            Flow::Login | Flow::Sign(1) => m.overhead.median,
            Flow::Sign(n) => m.overhead.median / n as f64,
        };
        if flow == Flow::Login {
            login_overhead = m.overhead.median;
        }
        r.say(&format!(
            "| {} | {} | {} [{}–{}] | {} | {} [{}–{}] | {} | {} |",
            flow.name(),
            m.apdus,
            fmt(m.wall.median),
            fmt(m.wall.p10),
            fmt(m.wall.p90),
            fmt(m.card.median),
            fmt(m.overhead.median),
            fmt(m.overhead.p10),
            fmt(m.overhead.p90),
            fmt(per_sig),
            m.wall.n
        ));
        let _ = m.timed_wall;
    }
    let pieces = inproc::pieces(o.iterations)?;
    r.say("");
    r.say("Where the overhead goes (timed on their own):");
    r.say("");
    r.say(HEADER);
    r.say(&row("self-check of one signature (`jpki::self_check_signature`: certificate parse + RSA-2048 public verify)", &pieces.self_check));
    r.say(&row("login hash (3 × SHA-256)", &pieces.login_hash));
    r.say("");
    r.targets.push((
        "host overhead < 2 ms per login proof".into(),
        format!("{} ms", fmt(login_overhead)),
        login_overhead < 2.0,
    ));

    Ok(())
}

/// The PC/SC rows (when tests/bench/run.sh provides the stack); returns the peak memory.
fn through_pcsc(o: &Options, r: &mut Report) -> R<f64> {
    // ---- pcscd + vpcd + OpenSC ------------------------------------------------------------
    let mut peak_kib = f64::NAN;
    match pcsc::Stack::from_env() {
        None => {
            r.say("## Through pcscd + vpcd");
            r.say("");
            r.say("Skipped: run through tests/bench/run.sh as root (isolated pcscd + vpcd).");
            r.say("");
        }
        Some(stack) => {
            let m = pcsc::measure(&stack, &o.host, o.rounds)?;
            r.say("## Through pcscd + vpcd (real PC/SC stack, simulated card in `mynakey-host simulate`)");
            r.say("");
            r.say(&format!(
                "Reader `{}`; OpenSC {}; each round runs every row once (interleaved).",
                stack.reader, m.opensc_version
            ));
            r.say("APDUs and bytes from the simulated card's log (bytes out = command APDUs, bytes in = response APDUs incl. SW).");
            r.say("");
            r.say("| what | median ms | p10 – p90 ms | min – max ms | n | APDUs | bytes out | bytes in | sequence |");
            r.say("|---|---:|---:|---:|---:|---:|---:|---:|---|");
            for m in &m.rows {
                r.say(&format!(
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
            r.say("");
            against_opensc(r, &m)?;
            peak_kib = m.vm_hwm_kib.median;
            r.say("Peak resident memory (VmHWM from /proc/<pid>/status, read after the login reply, before exit) of a fresh host process, PC/SC transport:");
            r.say("");
            r.say(&format!(
                "median {:.1} MiB (min {:.1}, max {:.1}; n={})",
                m.vm_hwm_kib.median / 1024.0,
                m.vm_hwm_kib.min / 1024.0,
                m.vm_hwm_kib.max / 1024.0,
                m.vm_hwm_kib.n
            ));
            r.say("");
            let max_mib = m.vm_hwm_kib.max / 1024.0;
            r.targets.push((
                "peak memory < 10 MiB during a login proof".into(),
                format!("{:.1} MiB (max {max_mib:.1})", peak_kib / 1024.0),
                max_mib < 10.0,
            ));
        }
    }
    Ok(peak_kib)
}

/// Our login and signing rows against OpenSC's, and the targets that compare them.
fn against_opensc(r: &mut Report, m: &pcsc::PcscResults) -> R<()> {
    let get = |prefix: &str| m.rows.iter().find(|m| m.what.starts_with(prefix));
    if let (Some(warm), Some(cold), Some(jpki), Some(auto)) = (
        get("login proof (warm"),
        get("login proof (new"),
        get("OpenSC pkcs11-tool --sign, OPENSC_DRIVER"),
        get("OpenSC pkcs11-tool --sign, driver auto"),
    ) {
        r.say("Against OpenSC (same card, same pcscd, same run):");
        r.say("");
        r.say("| ours | OpenSC | APDUs ours / OpenSC | time ours / OpenSC (medians) |");
        r.say("|---|---|---:|---:|");
        for (ours, theirs) in [(warm, jpki), (cold, jpki), (warm, auto), (cold, auto)] {
            r.say(&format!(
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
        r.say("");
        let fewer = cold.trace.count() < jpki.trace.count();
        let half = cold.times.median <= 0.5 * jpki.times.median;
        r.targets.push((
            "fewer APDUs than OpenSC (its fastest configuration, OPENSC_DRIVER=jpki)".into(),
            format!("{} vs {}", cold.trace.count(), jpki.trace.count()),
            fewer,
        ));
        r.targets.push((
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
        r.traces
            .push(("mynakey login proof".into(), warm.trace.clone()));
        if let Some(s1) = get("sign, 1") {
            r.traces
                .push(("mynakey sign, 1 hash".into(), s1.trace.clone()));
        }
        if let Some(s10) = get("sign, 10") {
            r.traces
                .push(("mynakey sign, 10 hashes".into(), s10.trace.clone()));
        }
        r.traces.push((
            "OpenSC --sign (OPENSC_DRIVER=jpki)".into(),
            jpki.trace.clone(),
        ));
        r.traces
            .push(("OpenSC --sign (auto-detect)".into(), auto.trace.clone()));
    }
    Ok(())
}
