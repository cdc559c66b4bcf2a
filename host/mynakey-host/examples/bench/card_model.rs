//! Card-time model: what an APDU trace costs on a real reader and a real My Number Card.
//!
//! Per APDU: `fixed` (reader + USB/CCID + PC/SC round trip and the card's command dispatch),
//! plus the bytes on the wire at the link's rate with its framing, plus the card's own work for
//! the two expensive commands: VERIFY with a PIN (retry counter written to non-volatile memory,
//! inference) and SIGN (RSA-2048 private-key operation).
//!
//! Every figure is public, and cited in docs/performance.md ("Card-time model"); no source
//! gives timings for the JPKI card itself, so the card's figures are two measured cards taken
//! as a fast and a slow bound (inference):
//! - RSA-2048 sign: YubiKey 5 NFC PIV 138.5 ms, CryptoCertum 269.2 ms (ebourg/jsign
//!   jsign-benchmark/README.md); smartcardfyi.com/id/glossary/rsa: 50–200 ms with a coprocessor.
//! - VERIFY PIN: YubiKey 5 PIV 9.1 ms, CryptoCertum 33.0 ms (same file).
//! - Fixed per-APDU cost: SELECT applet, YubiKey 5 PIV 1.26 ms, CryptoCertum 9.45 ms (same file).
//! - Contact rates (ISO 7816-3: bit/s = f·Di/Fi): `ATR_analysis` on the My Number Card ATRs of
//!   docs/card-facts.md §1: `3B DA 13 …` TA1=13 → Fi=372, Di=4 → 43 010 bit/s at 4 MHz (53 763 at
//!   5 MHz); `3B F5 91 …` TA1=91 → Fi=512, Di=1 → 7 812 bit/s at 4 MHz; `3B C5 …` no TA1 →
//!   default Fi=372, Di=1 → 9 600 bit/s at 3.57 MHz. TC1=FF: 11 etu per character under T=1.
//!   T=1 blocks: NAD PCB LEN … LRC (4 bytes), IFSC 251/254 from TA3; IFSD 254 assumed.
//! - Contactless ISO/IEC 14443 Type B: etu = 128/fc at 106 kbit/s (fc = 13.56 MHz), /2 at 212,
//!   /4 at 424; 10 etu per character; SOF 12–14 etu, EOF 10–11 etu (ST CRX14 datasheet, §6.7–6.8);
//!   I-block = PCB + INF + CRC_B (2 bytes); FSC of the card unknown, 256 assumed (inference).

use crate::trace::{Apdu, Trace};

#[derive(Clone, Copy)]
pub enum Link {
    /// T=1 at this many bit/s.
    Contact(f64),
    /// ISO 14443-4 Type B at this many bit/s.
    Contactless(f64),
}

impl Link {
    fn name(self) -> String {
        match self {
            Link::Contact(b) => format!("contact T=1 {:.0} bit/s", b),
            Link::Contactless(b) => format!("contactless 14443-B {:.0} kbit/s", b / 1000.0),
        }
    }

    /// Milliseconds on the wire for one command + response, framing included.
    fn wire_ms(self, a: &Apdu) -> f64 {
        match self {
            Link::Contact(baud) => {
                // T=1: 4 bytes per block; a chained direction also costs one R-block (4 bytes)
                // per extra block from the other side. 11 etu per character (TC1 = FF).
                const MAX_INF: usize = 251; // IFSC of the card (TA3 = FB), IFSD 254 ≥ it
                let blocks = |n: usize| n.div_ceil(MAX_INF).max(1);
                let (bc, br) = (blocks(a.command), blocks(a.response));
                let bytes = a.command + 4 * bc + a.response + 4 * br + 4 * (bc - 1 + br - 1);
                bytes as f64 * 11.0 / baud * 1e3
            }
            Link::Contactless(bps) => {
                // Type B frame: SOF (~13 etu) + (PCB + INF + 2 CRC) × 10 etu + EOF (~11 etu).
                const MAX_INF: usize = 253; // FSC 256 − PCB − CRC (assumed)
                let frames = |n: usize| n.div_ceil(MAX_INF).max(1);
                let (fc, fr) = (frames(a.command), frames(a.response));
                let frame_etu = |payload: usize, frames: usize| {
                    (payload + 3 * frames) as f64 * 10.0 + frames as f64 * 24.0
                };
                // Chaining acknowledgements: an R(ACK) frame (PCB + CRC) per extra frame.
                let acks = (fc - 1 + fr - 1) as f64 * (3.0 * 10.0 + 24.0);
                (frame_etu(a.command, fc) + frame_etu(a.response, fr) + acks) / bps * 1e3
            }
        }
    }
}

/// A card + reader at one end of the public range.
#[derive(Clone, Copy)]
pub struct CardCosts {
    pub fixed_ms: f64,
    pub verify_ms: f64,
    pub rsa_ms: f64,
}

pub const FAST: CardCosts = CardCosts {
    fixed_ms: 1.26,
    verify_ms: 9.1,
    rsa_ms: 138.5,
};
pub const SLOW: CardCosts = CardCosts {
    fixed_ms: 9.45,
    verify_ms: 33.0,
    rsa_ms: 269.2,
};

pub const LINKS: [Link; 7] = [
    Link::Contact(7_812.0),
    Link::Contact(9_600.0),
    Link::Contact(43_010.0),
    Link::Contact(115_200.0),
    Link::Contactless(106_000.0),
    Link::Contactless(212_000.0),
    Link::Contactless(424_000.0),
];

pub fn apdu_ms(a: &Apdu, link: Link, card: CardCosts) -> f64 {
    let mut t = card.fixed_ms + link.wire_ms(a);
    if a.kind == "SIGN" {
        t += card.rsa_ms;
    }
    if a.kind == "VERIFY" {
        t += card.verify_ms;
    }
    t
}

pub fn trace_ms(t: &Trace, link: Link, card: CardCosts) -> f64 {
    t.apdus.iter().map(|a| apdu_ms(a, link, card)).sum()
}

/// The part no host can avoid: the card's RSA and PIN work.
pub fn card_only_ms(t: &Trace, card: CardCosts) -> f64 {
    t.apdus
        .iter()
        .map(|a| match a.kind.as_str() {
            "SIGN" => card.rsa_ms,
            "VERIFY" => card.verify_ms,
            _ => 0.0,
        })
        .sum()
}

pub fn report(traces: &[(String, Trace)]) -> String {
    let mut s = String::new();
    s.push_str("## Card-time model: the same APDU traces on real hardware\n\n");
    s.push_str("Expected time per flow in ms, `fast – slow` card/reader (figures and sources in card_model.rs and\n");
    s.push_str("docs/performance.md). `card work` = RSA + PIN work only, the floor no host can go below.\n\n");
    s.push_str("| flow | APDUs | bytes out/in | card work |");
    for l in LINKS {
        s.push_str(&format!(" {} |", l.name()));
    }
    s.push_str("\n|---|---:|---:|---:|");
    for _ in LINKS {
        s.push_str("---:|");
    }
    s.push('\n');
    for (name, t) in traces {
        s.push_str(&format!(
            "| {name} | {} | {}/{} | {:.0} – {:.0} |",
            t.count(),
            t.bytes_out(),
            t.bytes_in(),
            card_only_ms(t, FAST),
            card_only_ms(t, SLOW)
        ));
        for l in LINKS {
            s.push_str(&format!(
                " {:.0} – {:.0} |",
                trace_ms(t, l, FAST),
                trace_ms(t, l, SLOW)
            ));
        }
        s.push('\n');
    }
    s.push('\n');
    s
}
