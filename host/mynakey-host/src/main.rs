//! `mynakey-host`: the native messaging host and its commands. Thin: parses the command line
//! and hands over to the library.

use std::io::{self, Write};
use std::process::ExitCode;

use mynakey::config::Config;
use mynakey_card::transport::Readers;
#[cfg(feature = "simulator")]
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard, SimReaders};

const USAGE: &str = "mynakey-host — My Number Card (JPKI) login proofs and signatures for web pages

Usage:
  mynakey-host demo                       run a relying-party round on the built-in simulated card
  mynakey-host status [--json] [--simulator]
                                          readers, card, PIN tries left
  mynakey-host verify --origin O --challenge C [--trust DIR] [--crl FILE] [--json] < token.json
  mynakey-host verify --signature …       verify a document signature (see --help there)
  mynakey-host install [--browser B] [--system]   register the host with browsers
  mynakey-host uninstall [--browser B] [--system]
  mynakey-host simulate --vpcd HOST:PORT [--card card1|card2] [--sim-faults SPEC] [--apdu-log FILE]
                                          connect the simulated card to pcscd's vpcd reader
  mynakey-host [--simulator [--sim-readers card1,card2,empty] [--sim-faults SPEC] [--apdu-log FILE]]
                                          serve the browser (native messaging on stdin/stdout)
  mynakey-host --version | --help

Browsers start the host with their own arguments (the caller's origin); those are ignored.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, problems) = match Config::load() {
        Ok(loaded) => (loaded.config, loaded.warnings),
        Err(e) => (Config::default(), vec![format!("{e}; using defaults")]),
    };
    mynakey::logging::init(&config);
    for problem in problems {
        // stderr reaches a terminal or the browser's log; the log file keeps it too.
        eprintln!("mynakey-host: {problem}");
        log::warn!("{problem}");
    }
    match args.first().map(String::as_str) {
        Some("demo") => match mynakey::demo::run(&mut io::stdout()) {
            Ok(true) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        },
        Some("verify") => {
            let code = mynakey::verify_cli::cli(
                &args[1..],
                &mut io::stdin(),
                &mut io::stdout(),
                &mut io::stderr(),
            );
            ExitCode::from(code)
        }
        Some("status") => ExitCode::from(mynakey::status_cli::cli(
            &args[1..],
            config,
            &mut io::stdout(),
            &mut io::stderr(),
        )),
        Some("simulate") => {
            ExitCode::from(mynakey_simulator::vpcd::cli(&args[1..], &mut io::stderr()))
        }
        Some("install") => {
            ExitCode::from(mynakey::install::cli_install(&args[1..], &mut io::stdout()))
        }
        Some("uninstall") => ExitCode::from(mynakey::install::cli_uninstall(
            &args[1..],
            &mut io::stdout(),
        )),
        Some("--version") => {
            println!(
                "mynakey-host {} (protocol {})",
                env!("CARGO_PKG_VERSION"),
                mynakey_protocol::PROTOCOL_VERSION
            );
            ExitCode::SUCCESS
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => serve(&args, config),
    }
}

/// Host mode. Unknown arguments (the browser's origin, `--parent-window=…`, Firefox's manifest
/// path and add-on id) are ignored.
fn serve(args: &[String], config: Config) -> ExitCode {
    let readers: Box<dyn Readers> = if args.iter().any(|a| a == "--simulator") {
        let faults = match args
            .iter()
            .position(|a| a == "--sim-faults")
            .and_then(|i| args.get(i + 1))
        {
            Some(spec) => match Faults::parse(spec) {
                Ok(faults) => faults,
                Err(e) => {
                    eprintln!("mynakey-host: {e}");
                    return ExitCode::from(2);
                }
            },
            None => Faults::default(),
        };
        let cards = args
            .iter()
            .position(|a| a == "--sim-readers")
            .and_then(|i| args.get(i + 1));
        let apdu_log = args
            .iter()
            .position(|a| a == "--apdu-log")
            .and_then(|i| args.get(i + 1));
        match simulated_readers(
            cards.map(String::as_str).unwrap_or("card1"),
            faults,
            apdu_log.map(String::as_str),
        ) {
            Ok(readers) => Box::new(readers),
            Err(e) => {
                eprintln!("mynakey-host: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        Box::new(mynakey_card::transport::pcsc::PcscReaders::new())
    };
    let stdout: Box<dyn Write + Send> = Box::new(io::stdout());
    // Unbuffered: std's `Stdin` keeps its own 8 KiB buffer (never zeroized) that would hold a
    // copy of each request, PINs included. A `File` on a duplicate of the descriptor reads
    // straight into the frame buffer, which is zeroized.
    let mut stdin = match unbuffered_stdin() {
        Ok(file) => file,
        Err(e) => {
            eprintln!("mynakey-host: cannot read stdin: {e}");
            return ExitCode::from(2);
        }
    };
    mynakey::server::serve(&mut stdin, stdout, readers, config);
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn unbuffered_stdin() -> io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(
        io::stdin().as_fd().try_clone_to_owned()?,
    ))
}

#[cfg(windows)]
fn unbuffered_stdin() -> io::Result<std::fs::File> {
    use std::os::windows::io::AsHandle;
    Ok(std::fs::File::from(
        io::stdin().as_handle().try_clone_to_owned()?,
    ))
}

/// `--sim-readers card1,card2,empty`: one simulated reader per item; faults apply to the first card.
/// `--apdu-log FILE`: every simulated card's APDUs, redacted, appended to FILE (tests).
fn simulated_readers(
    spec: &str,
    faults: Faults,
    apdu_log: Option<&str>,
) -> Result<SimReaders, String> {
    let log_file = match apdu_log {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the APDU log {path}: {e}"))?,
        ),
        None => None,
    };
    let mut cards = Vec::new();
    for (i, item) in spec.split(',').enumerate() {
        if item == "empty" {
            cards.push(None);
            continue;
        }
        let profile = CardProfile::by_name(item)
            .ok_or_else(|| format!("unknown simulated card {item:?} (card1, card2, empty)"))?;
        let faults = if i == 0 {
            faults.clone()
        } else {
            Faults::default()
        };
        let log = match &log_file {
            Some(file) => ApduLog::with_file(
                file.try_clone()
                    .map_err(|e| format!("cannot share the APDU log: {e}"))?,
            ),
            None => ApduLog::new(),
        };
        cards.push(Some(
            SimCard::new(profile, faults, log).map_err(|e| e.to_string())?,
        ));
    }
    Ok(SimReaders::with_cards(cards))
}
