//! One constructor per card command, each citing `docs/card-facts.md`.

use zeroize::Zeroizing;

use super::{Ef, JPKI_AID};
use crate::apdu::Command;

/// SELECT the JPKI AP by DF name: `00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01`, no FCI
/// (docs/card-facts.md §1 "SELECT AP"; always the full AID).
pub fn select_jpki_ap() -> Command {
    Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(JPKI_AID.to_vec())
}

/// SELECT EF under the current DF: `00 A4 02 0C 02 <FID>`; only P1=02 works (docs/card-facts.md §2).
pub fn select_ef(ef: Ef) -> Command {
    Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(ef.fid().to_be_bytes().to_vec())
}

/// READ BINARY `00 B0 P1 P2 Le` at a 15-bit offset, at most 256 bytes (docs/card-facts.md §5).
pub fn read_binary(offset: u16, ne: usize) -> Command {
    let [p1, p2] = (offset & 0x7FFF).to_be_bytes();
    Command::new(0x00, 0xB0, p1, p2).with_ne(ne)
}

/// VERIFY with no data, `00 20 00 80`: answers `63Cx` with the tries left and spends none
/// (docs/card-facts.md §3 "Tries left without spending one").
pub fn query_tries() -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80)
}

/// VERIFY `00 20 00 80 Lc <PIN>` on the current PIN EF: ASCII bytes, no padding (docs/card-facts.md §3).
pub fn verify(pin: &[u8]) -> Command {
    Command::new(0x00, 0x20, 0x00, 0x80).with_secret_data(Zeroizing::new(pin.to_vec()))
}

/// COMPUTE DIGITAL SIGNATURE `80 2A 00 80 Lc <DigestInfo> 00` with the key of the current
/// key EF; the card adds PKCS#1 v1.5 type-1 padding (docs/card-facts.md §4).
pub fn sign(digest_info: &[u8]) -> Command {
    Command::new(0x80, 0x2A, 0x00, 0x80)
        .with_data(digest_info.to_vec())
        .with_ne(256)
}

/// GET RESPONSE `00 C0 00 00 Le`: fetches the rest of an answer announced with `61xx`. No source
/// shows the JPKI card sending 61xx (its contact ATRs are T=1 only, docs/card-facts.md §4 "GET
/// RESPONSE / 61xx"), but a T=0 reader path would; ISO/IEC 7816-4 §5.1.3.
pub fn get_response(ne: usize) -> Command {
    Command::new(0x00, 0xC0, 0x00, 0x00).with_ne(ne)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(c: Command) -> String {
        c.to_bytes()
            .unwrap()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// Byte-exact against the traces in docs/card-facts.md §1–§4 and docs/protocol.md §14.
    #[test]
    fn commands_match_the_reference_traces() {
        assert_eq!(hex(select_jpki_ap()), "00A4040C0AD392F000260100000001");
        assert_eq!(hex(select_ef(Ef::AuthCert)), "00A4020C02000A");
        assert_eq!(hex(select_ef(Ef::SignPin)), "00A4020C02001B");
        assert_eq!(hex(read_binary(0x0100, 256)), "00B0010000");
        assert_eq!(hex(read_binary(0x0300, 0x3D)), "00B003003D");
        assert_eq!(hex(query_tries()), "00200080");
        assert_eq!(hex(get_response(256)), "00C0000000");
        assert_eq!(hex(verify(b"1234")), "002000800431323334");
        assert_eq!(
            hex(sign(&[0xAA; 51])),
            format!("802A008033{}00", "AA".repeat(51))
        );
    }
}
