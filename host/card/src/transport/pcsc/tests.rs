use super::*;

#[test]
fn every_outcome_ops_distinguishes_has_its_own_error() {
    assert!(matches!(
        map_error(PcscError::NoService),
        TransportError::Unavailable(_)
    ));
    assert!(matches!(
        map_error(PcscError::ServiceStopped),
        TransportError::Unavailable(_)
    ));
    assert_eq!(
        map_error(PcscError::NoReadersAvailable),
        TransportError::NoReader
    );
    assert!(matches!(
        map_error(PcscError::UnknownReader),
        TransportError::UnknownReader(_)
    ));
    assert_eq!(map_error(PcscError::NoSmartcard), TransportError::NoCard);
    assert_eq!(
        map_error(PcscError::RemovedCard),
        TransportError::CardRemoved
    );
    assert_eq!(map_error(PcscError::ResetCard), TransportError::CardRemoved);
    assert_eq!(
        map_error(PcscError::SharingViolation),
        TransportError::CardBusy
    );
    assert_eq!(
        map_error(PcscError::UnresponsiveCard),
        TransportError::CardUnresponsive
    );
    assert_eq!(map_error(PcscError::Timeout), TransportError::Timeout);
    assert_eq!(map_error(PcscError::Cancelled), TransportError::Cancelled);
    assert!(matches!(
        map_error(PcscError::NotTransacted),
        TransportError::Communication(_)
    ));
}

#[test]
fn unknown_reader_names_are_passed_through() {
    let readers = PcscReaders::new();
    assert_eq!(
        readers.c_name("Virtual PCD 00 00"),
        CString::new("Virtual PCD 00 00").ok()
    );
    assert_eq!(readers.c_name("bad\0name"), None);
}

// The waiting and re-establishing logic, on the fake PC/SC (docs/pcsc.md, "Windows").

use std::sync::Arc;
use std::thread;

use super::fake::{Answer, FakePcsc};

const SONY: &str = "SONY FeliCa Port/PaSoRi 4.0 0";
const LONG: Duration = Duration::from_secs(30);

/// A card that answers every command with 90 00.
fn card() -> Answer {
    Arc::new(|_: &[u8]| vec![0x90, 0x00])
}

fn present(name: &str, card_present: bool) -> ReaderState {
    ReaderState {
        name: name.into(),
        card_present,
    }
}

fn wait(readers: &mut PcscReaders<FakePcsc>, known: &[ReaderState]) -> Result<(), TransportError> {
    readers.wait_for_change(known, LONG, &CancelToken::new())
}

#[test]
fn a_wait_outlives_windows_stopping_its_service_with_the_last_reader() {
    let pcsc = FakePcsc::windows();
    pcsc.plug(SONY);
    let mut readers = PcscReaders::with_api(pcsc.clone());
    let known = readers.list().unwrap();
    assert_eq!(known, [present(SONY, false)]);

    // Blocked for a card when the reader is pulled: the service stops under the wait.
    let waiter = {
        let mut readers = readers;
        let known = known.clone();
        thread::spawn(move || {
            let first = wait(&mut readers, &known);
            (readers, first)
        })
    };
    pcsc.until_waiting(1);
    pcsc.unplug(SONY);
    let (mut readers, first) = waiter.join().unwrap();
    assert_eq!(first, Ok(()), "the reader went with the service: a change");

    // No service now: listing says so, and a wait looks for it again instead of failing.
    assert!(matches!(
        readers.list(),
        Err(TransportError::Unavailable(_))
    ));
    let waiter = thread::spawn(move || {
        let outcome = wait(&mut readers, &[]);
        (readers, outcome)
    });
    pcsc.until_logged("establish: NoService");
    // The reader comes back, with the card on it: Windows starts the service again.
    pcsc.plug(SONY);
    pcsc.insert(SONY, card());
    let (mut readers, outcome) = waiter.join().unwrap();
    assert!(
        matches!(outcome, Ok(()) | Err(TransportError::Timeout)),
        "{outcome:?}"
    );
    assert_eq!(readers.list().unwrap(), [present(SONY, true)]);
    assert_eq!(pcsc.established(), 2, "a new context for the new service");
    let mut connection = readers.connect(SONY).unwrap();
    assert_eq!(connection.transmit(&[0, 0xA4, 4, 0]).unwrap(), [0x90, 0x00]);
}

#[test]
fn a_wait_outlives_a_pcscd_restart() {
    let pcsc = FakePcsc::pcsc_lite();
    let mut readers = PcscReaders::with_api(pcsc.clone());
    assert_eq!(readers.list().unwrap(), []);
    let waiter = thread::spawn(move || {
        let outcome = wait(&mut readers, &[]);
        (readers, outcome)
    });
    pcsc.until_waiting(1);
    pcsc.stop_service();
    let (mut readers, outcome) = waiter.join().unwrap();
    assert!(
        matches!(outcome, Ok(()) | Err(TransportError::Timeout)),
        "{outcome:?}"
    );
    pcsc.start_service();
    pcsc.plug("Virtual PCD 00 00");
    pcsc.insert("Virtual PCD 00 00", card());
    assert_eq!(
        readers.list().unwrap(),
        [present("Virtual PCD 00 00", true)]
    );
    assert_eq!(pcsc.established(), 2);
}

#[test]
fn a_wait_while_the_service_is_down_is_a_short_cancellable_slice() {
    let pcsc = FakePcsc::windows();
    let mut readers = PcscReaders::with_api(pcsc.clone());
    assert!(matches!(
        readers.list(),
        Err(TransportError::Unavailable(_))
    ));
    let cancel = CancelToken::new();
    assert_eq!(
        readers.wait_for_change(&[], Duration::from_millis(1), &cancel),
        Err(TransportError::Timeout)
    );
    cancel.cancel();
    assert_eq!(
        readers.wait_for_change(&[], LONG, &cancel),
        Err(TransportError::Cancelled)
    );
    assert_eq!(pcsc.established(), 0);
}

#[test]
fn a_connection_held_across_a_service_stop_reports_the_card_removed() {
    let pcsc = FakePcsc::windows();
    pcsc.plug(SONY);
    pcsc.insert(SONY, card());
    let mut readers = PcscReaders::with_api(pcsc.clone());
    readers.list().unwrap();
    let mut held = readers.connect(SONY).unwrap();
    pcsc.unplug(SONY);
    pcsc.plug(SONY);
    pcsc.insert(SONY, card());
    assert_eq!(
        held.transmit(&[0, 0xA4, 4, 0]),
        Err(TransportError::CardRemoved)
    );
    drop(held);
    readers.list().unwrap();
    let mut again = readers.connect(SONY).unwrap();
    assert_eq!(again.transmit(&[0, 0xA4, 4, 0]).unwrap(), [0x90, 0x00]);
}

#[test]
fn reader_names_of_each_system_are_kept_as_given() {
    let pcsc = FakePcsc::pcsc_lite();
    let names = [
        "Microsoft IFD 0",
        SONY,
        "Generic Smart Card Reader Interface 0",
        "SONY FeliCa RC-S300/P (0110000) 00 00",
        "Virtual PCD 00 01",
    ];
    for name in names {
        pcsc.plug(name);
        pcsc.insert(name, card());
    }
    let mut readers = PcscReaders::with_api(pcsc.clone());
    let listed: Vec<String> = readers
        .list()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(listed, names);
    for name in names {
        let connection = readers.connect(name).unwrap();
        assert_eq!(connection.reader(), name);
    }
}

#[test]
fn a_reader_name_in_the_windows_ansi_code_page_still_connects() {
    // Windows' ANSI functions (the pcsc crate's) give names in the system code page: on Japanese
    // Windows CP932, not UTF-8. "カードリーダー 0" in CP932:
    let cp932: &[u8] = b"\x83\x4a\x81\x5b\x83\x68\x83\x8a\x81\x5b\x83\x5f\x81\x5b 0";
    let pcsc = FakePcsc::windows();
    pcsc.plug(cp932);
    let mut readers = PcscReaders::with_api(pcsc.clone());
    let name = readers.list().unwrap().remove(0).name;
    assert!(
        name.ends_with(" 0") && name.contains('\u{FFFD}'),
        "{name:?}"
    );
    // The host connects by the name it showed.
    pcsc.insert(cp932, card());
    readers.list().unwrap();
    assert_eq!(readers.connect(&name).unwrap().reader(), name);
}
