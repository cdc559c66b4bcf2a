//! In-process: `Ops::authenticate` / `Ops::sign` as library calls on the simulated card, with the
//! time spent inside `SimCard::process` (the card's own work, mostly its RSA private-key
//! operation) counted separately so the host's overhead is what is left.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey::config::Config;
use mynakey::ops::{AuthenticateArgs, Ops, PrepareArgs, RequestContext, SignArgs};
use mynakey_card::transport::{
    CancelToken, Connection, Disposition, OneReader, Transport, TransportError,
};
use mynakey_protocol::{PrepareAction, ProgressEvent};
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard, SimReaders};
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};

use crate::stats::Series;
use crate::trace::Trace;
use crate::R;

/// A connection to a plain `SimCard`, with a stopwatch around `SimCard::process`. Same
/// semantics as `SimReaders::single` for these flows (reset on `Disposition::Reset`), minus the
/// fault machinery.
struct TimedConnection {
    card: Arc<Mutex<SimCard>>,
    in_card: Arc<Mutex<Duration>>,
}

const READER: &str = "bench reader";

impl Transport for TimedConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut card = self
            .card
            .lock()
            .map_err(|_| TransportError::Communication("lock".into()))?;
        let started = Instant::now();
        let response = card.process(command);
        let took = started.elapsed();
        drop(card);
        if let Ok(mut total) = self.in_card.lock() {
            *total += took;
        }
        Ok(response)
    }
}

impl Connection for TimedConnection {
    fn reader(&self) -> &str {
        READER
    }
    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        if disposition == Disposition::Reset {
            if let Ok(mut card) = self.card.lock() {
                card.reset();
            }
        }
        Ok(())
    }
}

pub fn auth_args() -> AuthenticateArgs {
    AuthenticateArgs::new(ORIGIN, CHALLENGE, "1234")
}

pub fn hashes(n: usize) -> Vec<String> {
    (0..n).map(|i| STANDARD.encode([i as u8 + 1; 32])).collect()
}

pub fn sign_args(n: usize) -> SignArgs {
    SignArgs::new(ORIGIN, Some("ABC123"), "SHA-256", hashes(n))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Login,
    Sign(usize),
}

impl Flow {
    pub fn name(self) -> String {
        match self {
            Flow::Login => "login proof".into(),
            Flow::Sign(1) => "sign, 1 hash".into(),
            Flow::Sign(n) => format!("sign, {n} hashes"),
        }
    }
}

fn run(ops: &mut Ops, flow: Flow) -> R<()> {
    let mut quiet = |_: ProgressEvent| {};
    let mut ctx = RequestContext {
        cancel: CancelToken::new(),
        progress: &mut quiet,
    };
    match flow {
        Flow::Login => {
            ops.authenticate(auth_args(), &mut ctx)
                .map_err(|e| format!("authenticate: {e}"))?;
        }
        Flow::Sign(n) => {
            let out = ops
                .sign(sign_args(n), &mut ctx)
                .map_err(|e| format!("sign: {e}"))?;
            if out.signatures.len() != n {
                return Err("wrong number of signatures".into());
            }
        }
    }
    Ok(())
}

pub struct InprocResult {
    /// Wall time per call over `SimReaders` (what `--simulator` serves).
    pub wall: Series,
    /// Wall time per call over the timed reader.
    pub timed_wall: Series,
    /// Time inside `SimCard::process` per call.
    pub card: Series,
    /// timed_wall − card, per call.
    pub overhead: Series,
    pub apdus: usize,
}

pub fn measure(flow: Flow, iterations: usize) -> R<InprocResult> {
    let warmup = (iterations / 10).max(3);
    // 1. The product's simulated reader, as `--simulator` uses it.
    let log = ApduLog::new();
    let readers = SimReaders::single(Faults::default(), log.clone())?;
    let mut ops = Ops::new(Box::new(readers), Config::default());
    for _ in 0..warmup {
        run(&mut ops, flow)?;
    }
    log.clear();
    run(&mut ops, flow)?;
    let apdus = log.entries().len();
    let mut wall = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        run(&mut ops, flow)?;
        wall.push(started.elapsed());
    }
    drop(ops);

    // 2. The same calls with a stopwatch around SimCard::process.
    let card = SimCard::new(CardProfile::card1(), Faults::default(), ApduLog::new())?;
    let in_card = Arc::new(Mutex::new(Duration::ZERO));
    let card = Arc::new(Mutex::new(card));
    let timer = Arc::clone(&in_card);
    let readers = OneReader::new(READER, move || {
        Box::new(TimedConnection {
            card: Arc::clone(&card),
            in_card: Arc::clone(&timer),
        }) as Box<dyn Connection>
    });
    let mut ops = Ops::new(Box::new(readers), Config::default());
    for _ in 0..warmup {
        run(&mut ops, flow)?;
    }
    let (mut timed_wall, mut card_ms, mut overhead) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..iterations {
        if let Ok(mut t) = in_card.lock() {
            *t = Duration::ZERO;
        }
        let started = Instant::now();
        run(&mut ops, flow)?;
        let w = started.elapsed();
        let c = in_card.lock().map(|t| *t).unwrap_or_default();
        timed_wall.push(w);
        card_ms.push(c);
        overhead.push(w.saturating_sub(c));
    }
    Ok(InprocResult {
        wall: Series::of(&wall),
        timed_wall: Series::of(&timed_wall),
        card: Series::of(&card_ms),
        overhead: Series::of(&overhead),
        apdus,
    })
}

/// Pieces of the host overhead, timed on their own.
pub struct Pieces {
    /// `jpki::self_check_signature` (certificate parse + RSA public verify), per signature.
    pub self_check: Series,
    /// The login hash (three SHA-256).
    pub login_hash: Series,
}

pub fn pieces(iterations: usize) -> R<Pieces> {
    use mynakey_card::jpki::self_check_signature;
    use mynakey_verify::HashAlgorithm;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::{Pkcs1v15Sign, RsaPrivateKey};
    let profile = CardProfile::card1();
    let key = RsaPrivateKey::from_pkcs8_der(profile.auth_key_pkcs8)?;
    let origin = mynakey_types::Origin::parse(ORIGIN, false)?;
    let challenge = mynakey_types::Challenge::parse(CHALLENGE)?;
    let login = mynakey_types::Hashes::login(&origin, &challenge);
    let (hash, digest_info) = login.with_digest_infos().next().ok_or("login hash")?;
    let signature = key.sign(Pkcs1v15Sign::new_unprefixed(), &digest_info)?;
    let mut checks = Vec::new();
    let mut hashes = Vec::new();
    for _ in 0..iterations {
        let started = Instant::now();
        self_check_signature(profile.auth_cert, HashAlgorithm::Sha256, hash, &signature)?;
        checks.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(mynakey_types::Hashes::login(
            std::hint::black_box(&origin),
            &challenge,
        ));
        hashes.push(started.elapsed());
    }
    Ok(Pieces {
        self_check: Series::of(&checks),
        login_hash: Series::of(&hashes),
    })
}

/// The APDUs of one `flow` on the simulated card, for the card model.
pub fn trace(flow: Flow) -> R<Trace> {
    let log = ApduLog::new();
    let mut ops = Ops::new(
        Box::new(SimReaders::single(Faults::default(), log.clone())?),
        Config::default(),
    );
    run(&mut ops, flow)?;
    Ok(Trace::from_entries(&log.entries()))
}

/// The APDUs of one `flow` read ahead by `prepare`: (before the PIN, after the PIN).
pub fn prepared_trace(flow: Flow) -> R<(Trace, Trace)> {
    let log = ApduLog::new();
    let mut ops = Ops::new(
        Box::new(SimReaders::single(Faults::default(), log.clone())?),
        Config::default(),
    );
    let action = match flow {
        Flow::Login => PrepareAction::Authenticate,
        Flow::Sign(_) => PrepareAction::Sign,
    };
    let prepared = ops.prepare(PrepareArgs {
        action,
        reader: None,
    });
    if prepared.prepared.is_none() {
        return Err("prepare held no card".into());
    }
    let before = Trace::from_entries(&log.entries());
    log.clear();
    run(&mut ops, flow)?;
    Ok((before, Trace::from_entries(&log.entries())))
}
