//! Shared pieces of the fuzz targets: a card whose answers come from the fuzzer.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use mynakey_card::transport::{Connection, Disposition, OneReader, Readers, Transport, TransportError};

/// Card answers taken from fuzz input: each answer is a 2-byte big-endian length then that many
/// bytes (length 0xFFFF means "the card is gone": `CardRemoved`). When the input runs out every
/// further command gets `6F00`.
#[derive(Clone, Default)]
pub struct Script {
    answers: Arc<Mutex<VecDeque<Option<Vec<u8>>>>>,
    log: Arc<Mutex<Log>>,
}

/// What the host sent to the scripted card.
#[derive(Clone, Default, Debug)]
pub struct Log {
    /// Every command APDU.
    pub commands: Vec<Vec<u8>>,
    /// For each VERIFY that carried a PIN: the answer of the tries query just before it.
    pub verifies_after: Vec<Option<Vec<u8>>>,
    last_query: Option<Vec<u8>>,
}

impl Log {
    /// SELECT by AID of anything but JPKI, or SELECT of a file by path/name we never use.
    pub fn selects_other_application(&self) -> bool {
        const JPKI: [u8; 10] = mynakey_card::jpki::JPKI_AID;
        self.commands
            .iter()
            .any(|c| c.len() >= 4 && c[1] == 0xA4 && c[2] == 0x04 && c.get(5..) != Some(&JPKI[..]))
    }

    /// How many SELECT AIDs were sent (at most two per request: one retry after a failure).
    pub fn select_aids(&self) -> usize {
        self.commands
            .iter()
            .filter(|c| c.len() >= 4 && c[1] == 0xA4 && c[2] == 0x04)
            .count()
    }

    /// A SIGN (`80 2A`) not directly after a SELECT of a key EF (0017 or 001A).
    pub fn sign_without_its_select_key(&self) -> bool {
        let is_sign = |c: &Vec<u8>| c.len() >= 2 && c[0] == 0x80 && c[1] == 0x2A;
        let selects_key = |c: &Vec<u8>| {
            c.len() == 7 && c[1] == 0xA4 && c[2] == 0x02 && matches!(c[5..], [0x00, 0x17 | 0x1A])
        };
        self.commands
            .iter()
            .enumerate()
            .any(|(i, c)| is_sign(c) && !(i > 0 && selects_key(&self.commands[i - 1])))
    }

    /// SELECT EF of one of these file ids.
    pub fn selected_ef(&self, fids: &[u16]) -> bool {
        self.commands.iter().any(|c| {
            c.len() == 7
                && c[1] == 0xA4
                && c[2] == 0x02
                && fids.contains(&u16::from_be_bytes([c[5], c[6]]))
        })
    }
}

impl Script {
    pub fn new(mut data: &[u8]) -> Script {
        let mut answers = VecDeque::new();
        while let [hi, lo, rest @ ..] = data {
            let len = u16::from_be_bytes([*hi, *lo]);
            if len == 0xFFFF {
                answers.push_back(None);
                data = rest;
                continue;
            }
            let n = usize::from(len).min(rest.len());
            answers.push_back(Some(rest[..n].to_vec()));
            data = &rest[n..];
        }
        Script {
            answers: Arc::new(Mutex::new(answers)),
            log: Arc::default(),
        }
    }

    pub fn log(&self) -> Log {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn next(&self) -> Result<Vec<u8>, TransportError> {
        let Ok(mut answers) = self.answers.lock() else {
            return Err(TransportError::CardRemoved);
        };
        match answers.pop_front() {
            Some(Some(answer)) => Ok(answer),
            Some(None) => Err(TransportError::CardRemoved),
            None => Ok(vec![0x6F, 0x00]),
        }
    }
}

impl Transport for Script {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        // Every command the host builds must be a well-formed short APDU.
        assert!(
            mynakey_card::apdu::Command::parse(command).is_ok(),
            "host sent a malformed APDU {command:02X?}"
        );
        let answer = self.next();
        if let Ok(mut log) = self.log.lock() {
            log.commands.push(command.to_vec());
            if command.len() >= 4 && command[1] == 0x20 {
                if command.len() == 4 {
                    log.last_query = answer.as_ref().ok().cloned();
                } else {
                    let last = log.last_query.take();
                    log.verifies_after.push(last);
                }
            }
        }
        answer
    }
}

pub struct ScriptConnection(Script);

impl Transport for ScriptConnection {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command)
    }
}

impl Connection for ScriptConnection {
    fn reader(&self) -> &str {
        "fuzz reader"
    }

    fn disconnect(self: Box<Self>, _disposition: Disposition) -> Result<(), TransportError> {
        Ok(())
    }
}

/// One reader with a card whose answers are scripted.
pub fn script_readers(script: &Script) -> Box<dyn Readers> {
    let script = script.clone();
    Box::new(OneReader::new("fuzz reader", move || {
        Box::new(ScriptConnection(script.clone())) as Box<dyn Connection>
    }))
}
