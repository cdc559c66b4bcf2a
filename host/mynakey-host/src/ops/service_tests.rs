//! Requests through the PC/SC adapter over the fake PC/SC (mynakey_card's `FakePcsc`): a service
//! that stops and comes back under a waiting request or a held `prepare` connection, as Windows'
//! Smart Card service does with the last reader (docs/pcsc.md).

use std::sync::{Arc, Mutex};
use std::thread;

use mynakey_card::transport::pcsc::fake::{Answer, FakePcsc};
use mynakey_card::transport::pcsc::PcscReaders;
use mynakey_protocol::args::PrepareArgs;
use mynakey_simulator::{ApduLog, CardProfile, Faults, SimCard};

use super::tests::{auth_args, login_reads, s, seq};
use super::*;

const READER: &str = "SONY FeliCa Port/PaSoRi 4.0 0";

/// The simulated card1 behind the fake reader, its APDUs in `log`.
fn card1(log: &ApduLog) -> Answer {
    let card = SimCard::new(CardProfile::card1(), Faults::default(), log.clone()).unwrap();
    let card = Mutex::new(card);
    Arc::new(move |apdu: &[u8]| card.lock().unwrap().process(apdu))
}

fn ops(pcsc: &FakePcsc) -> Ops {
    Ops::new(
        Box::new(PcscReaders::with_api(pcsc.clone())),
        Config::default(),
    )
}

fn login(ops: &mut Ops, timeout_ms: u64, events: &mut Vec<String>) -> Result<LoginProof, OpsError> {
    let mut args = auth_args("1234");
    args.timeout_ms = timeout_ms;
    let mut progress = |event: ProgressEvent| events.push(event.name().to_string());
    ops.authenticate(
        args,
        &mut RequestContext {
            cancel: CancelToken::new(),
            progress: &mut progress,
        },
    )
}

#[test]
fn a_login_waits_through_the_service_stopping_and_coming_back() {
    let pcsc = FakePcsc::windows();
    pcsc.plug(READER);
    let mut ops = ops(&pcsc);
    let log = ApduLog::new();
    let person = {
        let pcsc = pcsc.clone();
        let card = card1(&log);
        thread::spawn(move || {
            // The page asked for a login; the reader is empty, the request waits for a card.
            pcsc.until_waiting(1);
            // The reader is pulled: Windows stops the service with it.
            pcsc.unplug(READER);
            pcsc.until_logged("establish: NoService");
            // Plugged in again with the card on it: the service starts again.
            pcsc.plug(READER);
            pcsc.insert(READER, card);
        })
    };
    let mut events = Vec::new();
    let proof = login(&mut ops, 60_000, &mut events);
    // Checked before joining: a request that gave up leaves the person waiting for its retry.
    assert!(proof.is_ok(), "{proof:?}");
    person.join().unwrap();
    assert_eq!(events, ["waitingForCard", "cardInserted"]);
    assert_eq!(
        pcsc.established(),
        2,
        "a new context for the restarted service"
    );
    assert_eq!(
        log.sequence(),
        seq(&[&login_reads(), &s(&["VERIFY", "SELECT EF 0017", "SIGN"])])
    );
}

#[test]
fn a_login_without_a_service_to_wait_for_says_so() {
    let pcsc = FakePcsc::windows();
    let mut ops = ops(&pcsc);
    let mut events = Vec::new();
    // No wait allowed: the service's state at once, as before.
    assert!(matches!(
        login(&mut ops, 0, &mut events),
        Err(OpsError::PcscUnavailable(_))
    ));
    // A wait that ends with the service still down says why, not "no card".
    assert!(matches!(
        login(&mut ops, 1, &mut events),
        Err(OpsError::PcscUnavailable(_))
    ));
}

#[test]
fn a_prepared_card_whose_service_went_away_spends_no_try_and_the_next_login_works() {
    let pcsc = FakePcsc::windows();
    let log = ApduLog::new();
    pcsc.plug(READER);
    pcsc.insert(READER, card1(&log));
    let mut ops = ops(&pcsc);
    let prepared = ops.prepare(PrepareArgs {
        action: PrepareAction::Authenticate,
        reader: None,
    });
    assert!(prepared.prepared.is_some(), "{prepared:?}");
    // The reader is pulled while the person types (the service stops) and put back.
    pcsc.unplug(READER);
    pcsc.plug(READER);
    pcsc.insert(READER, card1(&log));
    log.clear();
    let mut events = Vec::new();
    assert!(matches!(
        login(&mut ops, 0, &mut events),
        Err(OpsError::CardRemoved)
    ));
    assert_eq!(log.sequence(), Vec::<String>::new(), "no PIN sent");
    login(&mut ops, 0, &mut events).unwrap();
    assert_eq!(pcsc.established(), 2);
}
