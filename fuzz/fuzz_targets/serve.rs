//! The whole host loop (`server::serve`) over fuzzed stdin against the simulated card, with a
//! fault chosen by the first two bytes. Properties: no panic, no hang, and stdout holds only
//! well-formed frames (each ≤ 1 MiB, a JSON object with an id).
#![no_main]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mynakey::config::Config;
use mynakey_simulator::{ApduLog, Faults, SimReaders};
use serde_json::Value;

#[derive(Clone, Default)]
struct Out(Arc<Mutex<Vec<u8>>>);

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn faults(selector: &[u8]) -> Faults {
    let (mode, arg) = (
        selector.first().copied().unwrap_or(0),
        selector.get(1).copied().unwrap_or(0),
    );
    let mut f = Faults::default();
    match mode % 8 {
        1 => {
            f.remove_after = Some(usize::from(arg % 40));
            f.reinsert_after = Some(Duration::from_millis(1));
        }
        2 => f.short_reads = Some(usize::from(arg % 64) + 1),
        3 => f.bad_signature = true,
        4 => {
            let ins = [0xA4, 0xB0, 0x20, 0x2A][usize::from(arg % 4)];
            let sw = [
                0x6F00, 0x6982, 0x63C0, 0x6A82, 0x6984, 0x63C1, 0x9000, 0x6700,
            ][usize::from(arg / 4 % 8)];
            f.wrong_sw = Some((ins, sw));
        }
        5 => f.no_signing_certificate = true,
        // The real-card quirks of issue 16 (docs/card-facts.md).
        6 => {
            f.power_up_6f00 = arg & 1 != 0;
            f.reselect_key = arg & 2 != 0;
            f.blocked_6983 = arg & 4 != 0;
            f.ef0008 = (arg & 16 != 0).then_some(arg);
        }
        _ => {}
    }
    f
}

fuzz_target!(|data: &[u8]| {
    let (selector, mut input) = data.split_at(data.len().min(2));
    let Ok(readers) = SimReaders::single(faults(selector), ApduLog::new()) else {
        return;
    };
    let out = Out::default();
    mynakey::server::serve(
        &mut input,
        Box::new(out.clone()),
        Box::new(readers),
        Config::default(),
    );
    let bytes = out.0.lock().map(|b| b.clone()).unwrap_or_default();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        assert!(rest.len() >= 4, "partial frame header on stdout");
        let n = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        assert!(
            n <= 1_048_576 && rest.len() >= 4 + n,
            "bad frame length {n}"
        );
        let v: Value = serde_json::from_slice(&rest[4..4 + n]).expect("frame is JSON");
        assert!(v.get("id").is_some(), "frame without id: {v}");
        rest = &rest[4 + n..];
    }
});
