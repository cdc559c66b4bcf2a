//! ISO 7816-4 parsing: `Response::parse`, `Command::parse`, status words. Properties: no panic,
//! and what parses re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mynakey_card::apdu::{Command, Response, StatusWord};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Response::parse(data) {
        assert_eq!(r.to_bytes(), data);
        assert_eq!(StatusWord::from_u16(r.sw.to_u16()), r.sw);
        let _ = format!("{r:?} {}", r.sw);
    }
    if let Ok(c) = Command::parse(data) {
        let again = c.to_bytes().expect("a parsed command encodes");
        // Le = 00 and Le = 256 are the same; otherwise byte-exact.
        assert_eq!(Command::parse(&again).expect("re-parses"), c);
        assert_eq!(again.len(), data.len());
        let _ = format!("{c:?}");
    }
});
