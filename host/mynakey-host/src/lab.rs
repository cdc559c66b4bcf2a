//! The simulated card in developer builds (`--simulator`, `simulate`): the command line's lab
//! options turned into simulated readers or a vpcd card. Not compiled without the `simulator`
//! feature.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use mynakey_simulator::vpcd::{self, SimulateOptions};
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard, SimReaders};

use crate::cli::{LabArgs, SimulateArgs};

/// `--sim-readers card1,card2,empty`: one simulated reader per item; faults apply to the first
/// card. `--apdu-log FILE`: every simulated card's APDUs, redacted, appended to FILE (tests).
pub fn simulated_readers(lab: &LabArgs) -> Result<SimReaders, String> {
    let faults = match &lab.sim_faults {
        Some(spec) => Faults::parse(spec).map_err(|e| e.to_string())?,
        None => Faults::default(),
    };
    let log_file = lab.apdu_log.as_deref().map(open_log).transpose()?;
    let mut cards = Vec::new();
    for (i, item) in lab
        .sim_readers
        .as_deref()
        .unwrap_or("card1")
        .split(',')
        .enumerate()
    {
        if item == "empty" {
            cards.push(None);
            continue;
        }
        let profile = CardProfile::by_name(item).ok_or_else(|| {
            format!("unknown simulated card {item:?} (card1, card2, android, empty)")
        })?;
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

fn open_log(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open the APDU log {}: {e}", path.display()))
}

/// `mynakey-host simulate`: serves the card until the process is killed. Returns the exit
/// code when it cannot start: 2 for a bad argument, 1 when the card or the log cannot start.
pub fn simulate(args: &SimulateArgs, stderr: &mut dyn Write) -> u8 {
    let Some(profile) = CardProfile::by_name(&args.card) else {
        let _ = writeln!(
            stderr,
            "mynakey-host simulate: unknown card {:?} (card1, card2 or android)",
            args.card
        );
        return 2;
    };
    let faults = match args.sim_faults.as_deref().map(Faults::parse) {
        Some(Ok(faults)) => faults,
        Some(Err(e)) => {
            let _ = writeln!(stderr, "mynakey-host simulate: {e}");
            return 2;
        }
        None => Faults::default(),
    };
    let log = match args.apdu_log.as_deref().map(open_log).transpose() {
        Ok(Some(file)) => ApduLog::with_file(file),
        Ok(None) => ApduLog::new(),
        Err(e) => {
            let _ = writeln!(stderr, "mynakey-host simulate: {e}");
            return 1;
        }
    };
    let options = SimulateOptions {
        address: args.vpcd.clone(),
        profile,
        faults,
        log,
    };
    match vpcd::run(options) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(stderr, "mynakey-host simulate: {e}");
            1
        }
    }
}
