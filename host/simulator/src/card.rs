//! The simulated My Number Card: the JPKI application as described in
//! `docs/card-facts.md`, with every access condition enforced.

use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use zeroize::Zeroizing;

use super::{ApduLog, Faults};
use mynakey_card::apdu::{Command, Response, StatusWord};
use mynakey_card::jpki::{Ef, TokenKind, ANDROID_TOKEN_LABEL, JPKI_AID};

/// The test identity a simulated card carries (tests/fixtures/pki, never a real person).
#[derive(Clone)]
pub struct CardProfile {
    pub label: &'static str,
    /// A My Number Card, or an Android phone's smartphone certificate on a contactless reader.
    pub token: TokenKind,
    pub atr: Vec<u8>,
    pub auth_cert: &'static [u8],
    pub auth_ca: &'static [u8],
    pub auth_key_pkcs8: &'static [u8],
    /// `None`: a card without a signing certificate (issued to under-15s, docs/card-facts.md §7).
    pub sign_cert: Option<&'static [u8]>,
    pub sign_ca: &'static [u8],
    pub sign_key_pkcs8: &'static [u8],
    pub auth_pin: &'static [u8],
    pub sign_pin: &'static [u8],
}

/// Test roots of the simulated cards: auth roots, then sign roots. Never trusted by default.
pub const TEST_AUTH_ROOTS: [&[u8]; 2] = [fixture!("auth-root-1.der"), fixture!("auth-root-2.der")];
pub const TEST_SIGN_ROOTS: [&[u8]; 2] = [fixture!("sign-root-1.der"), fixture!("sign-root-2.der")];

/// PC/SC part 3's ATR for a contactless ISO/IEC 14443-4 device without historical bytes:
/// `3B 80 80 01` and the check byte. The reader makes it up; a phone has no ATR of its own.
const CONTACTLESS_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// A contact My Number Card ATR from pcsc-tools (docs/card-facts.md §1): the host must not rely on it.
const CONTACT_ATR: [u8; 19] = [
    0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6,
    0x01, 0xC0, 0x3B,
];

impl CardProfile {
    /// Card 1: auth PIN `1234`, signing password `ABC123`.
    pub fn card1() -> CardProfile {
        CardProfile {
            label: "card1",
            token: TokenKind::Card,
            atr: CONTACT_ATR.to_vec(),
            auth_cert: fixture!("card1-auth.der"),
            auth_ca: fixture!("auth-root-2.der"),
            auth_key_pkcs8: fixture!("card1-auth.key.der"),
            sign_cert: Some(fixture!("card1-sign.der")),
            sign_ca: fixture!("sign-root-2.der"),
            sign_key_pkcs8: fixture!("card1-sign.key.der"),
            auth_pin: b"1234",
            sign_pin: b"ABC123",
        }
    }

    /// Card 2, for two-reader tests: auth PIN `5678`, signing password `XYZ789`.
    pub fn card2() -> CardProfile {
        CardProfile {
            label: "card2",
            token: TokenKind::Card,
            atr: vec![
                0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F,
            ],
            auth_cert: fixture!("card2-auth.der"),
            auth_ca: fixture!("auth-root-2.der"),
            auth_key_pkcs8: fixture!("card2-auth.key.der"),
            sign_cert: Some(fixture!("card2-sign.der")),
            sign_ca: fixture!("sign-root-2.der"),
            sign_key_pkcs8: fixture!("card2-sign.key.der"),
            auth_pin: b"5678",
            sign_pin: b"XYZ789",
        }
    }

    /// Card 1's test identity on an Android phone held to a contactless reader (label
    /// `JPKIAPGPSETOKEN`; the authentication certificate only after the PIN; no application but
    /// JPKI; the ATR a PC/SC reader builds for an ISO/IEC 14443-4 device, docs/card-facts.md).
    pub fn android() -> CardProfile {
        CardProfile {
            label: "android",
            token: TokenKind::Android,
            atr: CONTACTLESS_ATR.to_vec(),
            ..Self::card1()
        }
    }

    /// `card1`, `card2` or `android`.
    pub fn by_name(name: &str) -> Option<CardProfile> {
        match name {
            "card1" => Some(Self::card1()),
            "card2" => Some(Self::card2()),
            "android" => Some(Self::android()),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("test key does not parse: {0}")]
    Key(String),
}

/// Which dedicated file is current. After power-on the GlobalPlatform ISD is (docs/card-facts.md §1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Df {
    PowerOn,
    Jpki,
}

struct PinState {
    value: Zeroizing<Vec<u8>>,
    tries_left: u8,
    max_tries: u8,
    verified: bool,
}

impl PinState {
    fn new(value: &[u8], max_tries: u8) -> Self {
        PinState {
            value: Zeroizing::new(value.to_vec()),
            tries_left: max_tries,
            verified: false,
            max_tries,
        }
    }
}

pub struct SimCard {
    pub(super) profile: CardProfile,
    auth_key: RsaPrivateKey,
    sign_key: RsaPrivateKey,
    token_info: Vec<u8>,
    df: Df,
    ef: Option<u16>,
    auth_pin: PinState,
    sign_pin: PinState,
    pub(super) faults: Faults,
    pub(super) apdus_seen: usize,
    pub(super) log: ApduLog,
    /// With the `t0` fault: the answer waiting for GET RESPONSE.
    pending_response: Vec<u8>,
    /// No command has arrived since the last power-up (for the `power-up-6f00` fault).
    just_powered: bool,
}

/// Certificate EFs carry filler after the DER object, as on real cards (docs/card-facts.md §2).
const CERT_EF_FILLER: usize = 37;

impl SimCard {
    pub fn new(
        mut profile: CardProfile,
        faults: Faults,
        log: ApduLog,
    ) -> Result<SimCard, SimError> {
        if faults.no_signing_certificate {
            profile.sign_cert = None;
        }
        let auth_key = RsaPrivateKey::from_pkcs8_der(profile.auth_key_pkcs8)
            .map_err(|e| SimError::Key(e.to_string()))?;
        let sign_key = RsaPrivateKey::from_pkcs8_der(profile.sign_key_pkcs8)
            .map_err(|e| SimError::Key(e.to_string()))?;
        // EF 0006: 160-byte token information, label space-padded to 32 bytes (docs/card-facts.md §2).
        let mut token_info = vec![0u8; 160];
        let label: &[u8] = match profile.token {
            TokenKind::Android => ANDROID_TOKEN_LABEL.as_bytes(),
            TokenKind::Card => b"JPKIAPICCTOKEN2",
        };
        token_info[..32].copy_from_slice(&pad32(label));
        token_info[32..64].copy_from_slice(&pad32(b"mynakey simulated card (TEST)"));
        Ok(SimCard {
            auth_pin: PinState::new(profile.auth_pin, 3),
            sign_pin: PinState::new(profile.sign_pin, 5),
            profile,
            auth_key,
            sign_key,
            token_info,
            df: Df::PowerOn,
            ef: None,
            faults,
            apdus_seen: 0,
            log,
            pending_response: Vec::new(),
            just_powered: true,
        })
    }

    /// Warm reset or power cycle: selection and verified PINs are lost, counters are kept.
    pub fn reset(&mut self) {
        self.df = Df::PowerOn;
        self.ef = None;
        self.just_powered = true;
        self.auth_pin.verified = false;
        self.sign_pin.verified = false;
    }

    pub fn atr(&self) -> &[u8] {
        &self.profile.atr
    }

    pub fn tries_left(&self) -> (u8, u8) {
        (self.auth_pin.tries_left, self.sign_pin.tries_left)
    }

    /// Processes one command APDU and returns the response APDU bytes.
    pub fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        self.apdus_seen += 1;
        let first_after_power_up = std::mem::replace(&mut self.just_powered, false);
        let mut response = match Command::parse(raw) {
            // The `power-up-6f00` fault: the command is not executed at all.
            _ if first_after_power_up && self.faults.power_up_6f00 => {
                Response::status(StatusWord::NoPreciseDiagnosis)
            }
            Ok(command) if self.faults.t0 && command.cla == 0x00 && command.ins == 0xC0 => {
                self.get_response(&command)
            }
            Ok(command) => {
                self.pending_response.clear();
                let response = self.dispatch(&command);
                if self.faults.t0 {
                    self.announce(response)
                } else {
                    response
                }
            }
            Err(_) => Response::status(StatusWord::WrongLength),
        };
        if let Some((ins, sw)) = self.faults.wrong_sw {
            if raw.get(1) == Some(&ins) {
                response = Response::status(StatusWord::from_u16(sw));
            }
        }
        let bytes = response.to_bytes();
        self.log.record(raw, &bytes);
        bytes
    }

    /// T=0 style (the `t0` fault): data is not sent with the status word but announced with
    /// `61xx` and fetched with GET RESPONSE (ISO/IEC 7816-4 §5.1.3).
    fn announce(&mut self, response: Response) -> Response {
        if response.data.is_empty() || response.sw != StatusWord::Success {
            return response;
        }
        self.pending_response = response.data;
        Response::status(StatusWord::BytesAvailable(available(
            self.pending_response.len(),
        )))
    }

    fn get_response(&mut self, c: &Command) -> Response {
        if self.pending_response.is_empty() {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let n = c.ne.unwrap_or(256).min(self.pending_response.len());
        let data: Vec<u8> = self.pending_response.drain(..n).collect();
        let sw = match self.pending_response.len() {
            0 => StatusWord::Success,
            left => StatusWord::BytesAvailable(available(left)),
        };
        Response { data, sw }
    }

    fn dispatch(&mut self, c: &Command) -> Response {
        // Secure messaging is not supported on the JPKI AP (docs/card-facts.md §7).
        if c.cla & 0x0C != 0 {
            return Response::status(if c.ins == 0xA4 {
                StatusWord::SecureMessagingNotSupported
            } else {
                StatusWord::Other(0x69FC)
            });
        }
        match (c.cla, c.ins) {
            (0x00, 0xA4) => self.select(c),
            (0x00, 0xB0) => self.read_binary(c),
            (0x00, 0x20) => self.verify(c),
            (0x80, 0x2A) => self.sign(c),
            (0x00 | 0x80, _) => Response::status(StatusWord::InstructionNotSupported),
            _ => Response::status(StatusWord::ClassNotSupported),
        }
    }

    /// SELECT: by DF name (P1=04) for the AP, by FID under the current DF (P1=02) for EFs
    /// (docs/card-facts.md §1, §2). Unknown AIDs answer 6A82 so no other OpenSC driver claims the card.
    fn select(&mut self, c: &Command) -> Response {
        let data = c.data.bytes();
        match c.p1 {
            0x04 => {
                if c.p2 != 0x0C && c.p2 != 0x00 {
                    return Response::status(StatusWord::IncorrectP1P2);
                }
                if data == JPKI_AID {
                    self.df = Df::Jpki;
                    self.ef = None;
                    Response::status(StatusWord::Success)
                } else {
                    Response::status(StatusWord::FileNotFound)
                }
            }
            0x02 => {
                if c.p2 != 0x0C {
                    return Response::status(StatusWord::IncorrectP1P2);
                }
                let [hi, lo] = data else {
                    return Response::status(StatusWord::WrongLength);
                };
                let fid = u16::from_be_bytes([*hi, *lo]);
                if self.df != Df::Jpki || self.ef_content(fid).is_none() && !is_key_or_pin(fid) {
                    return Response::status(StatusWord::FileNotFound);
                }
                self.ef = Some(fid);
                Response::status(StatusWord::Success)
            }
            // No real MF: 6A86 after a cold reset, 9000 (and no change) while a DF is current.
            0x00 if self.df == Df::Jpki => Response::status(StatusWord::Success),
            _ => Response::status(StatusWord::IncorrectP1P2),
        }
    }

    fn ef_content(&self, fid: u16) -> Option<Vec<u8>> {
        let with_filler = |der: &[u8]| {
            let mut v = der.to_vec();
            v.resize(der.len() + CERT_EF_FILLER, 0xFF);
            v
        };
        match Ef::from_fid(fid)? {
            Ef::SignCert => self.profile.sign_cert.map(with_filler),
            Ef::SignCaCert => Some(with_filler(self.profile.sign_ca)),
            Ef::Token => Some(self.token_info.clone()),
            Ef::CertificateAvailability => Some(vec![
                match (self.faults.ef0008, self.profile.sign_cert) {
                    (Some(byte), _) => byte,
                    (None, Some(_)) => 0x8F,
                    (None, None) => 0x00,
                },
                0x8F,
                0x00,
            ]),
            Ef::AuthCert => Some(with_filler(self.profile.auth_cert)),
            Ef::AuthCaCert => Some(with_filler(self.profile.auth_ca)),
            Ef::AuthKey | Ef::AuthPin | Ef::SignKey | Ef::SignPin => None,
        }
    }

    /// READ BINARY `00 B0 P1 P2 Le` at offset P1‖P2 (docs/card-facts.md §5). The signing certificate
    /// needs the signing password first (§2, 6982).
    fn read_binary(&mut self, c: &Command) -> Response {
        let Some(fid) = self.ef else {
            return Response::status(StatusWord::CommandNotAllowed);
        };
        if c.p1 & 0x80 != 0 {
            return Response::status(StatusWord::IncorrectP1P2);
        }
        let Some(content) = self.ef_content(fid) else {
            return Response::status(StatusWord::IncompatibleFileStructure);
        };
        if fid == Ef::SignCert.fid() && !self.sign_pin.verified {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        }
        // A phone token guards its authentication certificate with the PIN too.
        if self.profile.token == TokenKind::Android
            && fid == Ef::AuthCert.fid()
            && !self.auth_pin.verified
        {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        }
        if !c.data.bytes().is_empty() {
            return Response::status(StatusWord::WrongLength);
        }
        let offset = usize::from(u16::from_be_bytes([c.p1, c.p2]));
        if offset >= content.len() {
            return Response::status(StatusWord::WrongParameters);
        }
        let ne = c.ne.unwrap_or(256);
        let mut n = ne.min(content.len() - offset);
        if let Some(limit) = self.faults.short_reads {
            n = n.min(limit.max(1));
        }
        let sw = if offset + ne > content.len() {
            StatusWord::EndOfFileWarning
        } else {
            StatusWord::Success
        };
        Response {
            data: content[offset..offset + n].to_vec(),
            sw,
        }
    }

    /// VERIFY `00 20 00 80 [Lc PIN]` on the current PIN EF; with no data it only reports
    /// the tries left (docs/card-facts.md §3).
    fn verify(&mut self, c: &Command) -> Response {
        if c.p1 != 0x00 || c.p2 != 0x80 {
            return Response::status(StatusWord::IncorrectP1P2);
        }
        let pin = match self.ef.and_then(Ef::from_fid) {
            Some(Ef::AuthPin) => &mut self.auth_pin,
            Some(Ef::SignPin) => &mut self.sign_pin,
            _ => return Response::status(StatusWord::ReferencedDataNotFound),
        };
        let data = c.data.bytes();
        // The tries query answers 63Cx even once the PIN is verified: "JPKI card always return
        // tries_left when calling 00 20 00 80" (OpenSC PR #959, the JPKI driver's author, on a
        // real card: VERIFY 1234 → 9000, then 00 20 00 80 → 63 C3).
        if pin.tries_left == 0 && self.faults.blocked_6983 {
            return Response::status(StatusWord::AuthMethodBlocked);
        }
        if data.is_empty() {
            return Response::status(StatusWord::VerifyFailed {
                tries_left: pin.tries_left,
            });
        }
        if pin.tries_left == 0 {
            return Response::status(StatusWord::ReferenceDataBlocked);
        }
        if data == pin.value.as_slice() {
            pin.tries_left = pin.max_tries;
            pin.verified = true;
            Response::status(StatusWord::Success)
        } else {
            pin.tries_left -= 1;
            pin.verified = false;
            Response::status(StatusWord::VerifyFailed {
                tries_left: pin.tries_left,
            })
        }
    }

    /// `80 2A 00 80 Lc DigestInfo 00`: PKCS#1 v1.5 type-1 padding + RSA with the key of the
    /// current key EF, after VERIFY of its PIN (docs/card-facts.md §4).
    fn sign(&mut self, c: &Command) -> Response {
        if c.p2 != 0x80 {
            return Response::status(StatusWord::IncorrectP1P2);
        }
        if c.p1 != 0x00 {
            return Response::status(StatusWord::IncorrectP1P2);
        }
        let current = self.ef.and_then(Ef::from_fid);
        if self.faults.reselect_key {
            // This SIGN uses up the key selection; the next one needs SELECT key again.
            self.ef = None;
        }
        let (key, verified) = match current {
            Some(Ef::AuthKey) => (&self.auth_key, self.auth_pin.verified),
            Some(Ef::SignKey) => (&self.sign_key, self.sign_pin.verified),
            _ => return Response::status(StatusWord::ConditionsNotSatisfied),
        };
        if !verified {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        }
        let data = c.data.bytes();
        if data.is_empty() || data.len() > 245 || c.ne.is_none() {
            return Response::status(StatusWord::WrongLength);
        }
        match key.sign(Pkcs1v15Sign::new_unprefixed(), data) {
            Ok(mut signature) => {
                if self.faults.bad_signature {
                    if let Some(last) = signature.last_mut() {
                        *last ^= 0x01;
                    }
                }
                Response {
                    data: signature,
                    sw: StatusWord::Success,
                }
            }
            Err(_) => Response::status(StatusWord::ConditionsNotSatisfied),
        }
    }
}

/// The xx of `61xx`: bytes waiting, 00 meaning 256 or more.
fn available(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(0)
}

fn is_key_or_pin(fid: u16) -> bool {
    matches!(
        Ef::from_fid(fid),
        Some(Ef::AuthKey | Ef::AuthPin | Ef::SignKey | Ef::SignPin)
    )
}

fn pad32(label: &[u8]) -> [u8; 32] {
    let mut out = [b' '; 32];
    let n = label.len().min(32);
    out[..n].copy_from_slice(&label[..n]);
    out
}

/// Direct access without a reader, for layer tests and the vpcd bridge.
impl mynakey_card::transport::Transport for SimCard {
    fn transmit(
        &mut self,
        command: &[u8],
    ) -> Result<Vec<u8>, mynakey_card::transport::TransportError> {
        Ok(self.process(command))
    }
}
