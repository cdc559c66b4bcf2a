//! A scripted card for transcript tests: each expected command is asserted byte for byte and
//! answered with a canned response; dropping it with expectations left fails the test.

// A test double: a command the test did not script must fail that test at once.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::{Connection, Disposition, Transport, TransportError};

#[derive(Default)]
struct Script {
    steps: VecDeque<(Vec<u8>, Vec<u8>)>,
    disconnects: Vec<Disposition>,
}

#[derive(Clone, Default)]
pub struct ScriptedCard {
    script: Arc<Mutex<Script>>,
}

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

impl ScriptedCard {
    pub fn new() -> Self {
        Self::default()
    }

    /// Expects `command` next and answers `response` (both bytes).
    pub fn expect(&self, command: Vec<u8>, response: Vec<u8>) -> &Self {
        self.script
            .lock()
            .unwrap()
            .steps
            .push_back((command, response));
        self
    }

    pub fn expect_hex(&self, command: &str, response: &str) -> &Self {
        self.expect(hex(command), hex(response))
    }

    pub fn disconnects(&self) -> Vec<Disposition> {
        self.script.lock().unwrap().disconnects.clone()
    }

    pub fn remaining(&self) -> usize {
        self.script.lock().unwrap().steps.len()
    }
}

impl Transport for ScriptedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (expected, response) = self
            .script
            .lock()
            .unwrap()
            .steps
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected command {command:02X?}"));
        assert_eq!(
            command,
            expected.as_slice(),
            "command differs from the script"
        );
        Ok(response)
    }
}

impl Connection for ScriptedCard {
    fn reader(&self) -> &str {
        "scripted reader"
    }

    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        self.script.lock().unwrap().disconnects.push(disposition);
        Ok(())
    }
}
