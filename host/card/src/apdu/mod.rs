//! ISO/IEC 7816-4 command and response APDUs and status words.
//!
//! Knows nothing of JPKI. Only the short length form is built: every JPKI command fits it
//! (docs/card-facts.md §4 "Extended length: not needed").

use std::fmt;

use zeroize::Zeroizing;

/// Errors building or parsing an APDU.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ApduError {
    #[error("command data of {0} bytes does not fit a short APDU (at most 255)")]
    DataTooLong(usize),
    #[error("expected length {0} does not fit a short APDU (1 to 256)")]
    NeOutOfRange(usize),
    #[error("response of {0} bytes has no status word")]
    ResponseTooShort(usize),
    #[error("command of {0} bytes is not a well-formed short APDU")]
    MalformedCommand(usize),
}

/// Command data, tagged so that secrets (PINs) never reach a log or Debug output.
#[derive(Clone, PartialEq, Eq)]
pub enum Data {
    None,
    Plain(Vec<u8>),
    Secret(Zeroizing<Vec<u8>>),
}

impl Data {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::None => &[],
            Data::Plain(bytes) => bytes,
            Data::Secret(bytes) => bytes,
        }
    }
}

/// A command APDU (ISO/IEC 7816-4 §5.1).
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Data,
    /// Ne, the number of response bytes expected (1..=256), or `None` for no Le field.
    pub ne: Option<usize>,
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Data::None,
            ne: None,
        }
    }

    pub fn with_data(mut self, data: Vec<u8>) -> Self {
        self.data = Data::Plain(data);
        self
    }

    pub fn with_secret_data(mut self, data: Zeroizing<Vec<u8>>) -> Self {
        self.data = Data::Secret(data);
        self
    }

    pub fn with_ne(mut self, ne: usize) -> Self {
        self.ne = Some(ne);
        self
    }

    /// Encodes the short form: `CLA INS P1 P2 [Lc data] [Le]`, Le = 00 meaning 256.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, ApduError> {
        let data = self.data.bytes();
        if data.len() > 255 {
            return Err(ApduError::DataTooLong(data.len()));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(6 + data.len()));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !data.is_empty() {
            out.push(data.len() as u8);
            out.extend_from_slice(data);
        }
        if let Some(ne) = self.ne {
            match ne {
                1..=255 => out.push(ne as u8),
                256 => out.push(0),
                _ => return Err(ApduError::NeOutOfRange(ne)),
            }
        }
        Ok(out)
    }

    /// Decodes a short command APDU (used by the simulated card).
    pub fn parse(bytes: &[u8]) -> Result<Command, ApduError> {
        let malformed = || ApduError::MalformedCommand(bytes.len());
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(malformed());
        };
        let mut command = Command::new(*cla, *ins, *p1, *p2);
        match body {
            [] => {}
            [le] => command.ne = Some(if *le == 0 { 256 } else { usize::from(*le) }),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if lc == 0 {
                    return Err(malformed());
                }
                let data = rest.get(..lc).ok_or_else(malformed)?;
                command.data = Data::Plain(data.to_vec());
                match &rest[lc..] {
                    [] => {}
                    [le] => command.ne = Some(if *le == 0 { 256 } else { usize::from(*le) }),
                    _ => return Err(malformed()),
                }
            }
        }
        Ok(command)
    }
}

/// Debug shows the header and the data length; secret data is never printed.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02X} {:02X} {:02X} {:02X}",
            self.cla, self.ins, self.p1, self.p2
        )?;
        match &self.data {
            Data::None => {}
            Data::Plain(d) => write!(f, " Lc={}", d.len())?,
            Data::Secret(d) => write!(f, " Lc={} [REDACTED]", d.len())?,
        }
        if let Some(ne) = self.ne {
            write!(f, " Ne={ne}")?;
        }
        Ok(())
    }
}

/// A response APDU: data and the trailing status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl Response {
    pub fn parse(bytes: &[u8]) -> Result<Response, ApduError> {
        match bytes {
            [data @ .., sw1, sw2] => Ok(Response {
                data: data.to_vec(),
                sw: StatusWord::from_u16(u16::from_be_bytes([*sw1, *sw2])),
            }),
            _ => Err(ApduError::ResponseTooShort(bytes.len())),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_u16().to_be_bytes());
        out
    }

    pub fn status(sw: StatusWord) -> Response {
        Response {
            data: Vec::new(),
            sw,
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes, SW {}", self.data.len(), self.sw)
    }
}

/// Status words the JPKI application answers (docs/card-facts.md §9), plus `Other` for the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 9000
    Success,
    /// 61xx: xx more response bytes wait for GET RESPONSE (00 meaning 256); seen on T=0 links.
    BytesAvailable(u8),
    /// 6282: end of file reached before Ne bytes were read.
    EndOfFileWarning,
    /// 6300: verification failed, no retry counter.
    VerifyFailedNoCounter,
    /// 63Cx: wrong PIN (or the tries query), x tries left.
    VerifyFailed {
        tries_left: u8,
    },
    /// 6700
    WrongLength,
    /// 6882: secure messaging not supported.
    SecureMessagingNotSupported,
    /// 6981: command incompatible with the file structure.
    IncompatibleFileStructure,
    /// 6982
    SecurityStatusNotSatisfied,
    /// 6983: authentication method (the PIN) blocked.
    AuthMethodBlocked,
    /// 6984: referenced data (the PIN) blocked.
    ReferenceDataBlocked,
    /// 6985
    ConditionsNotSatisfied,
    /// 6986: command not allowed (no current EF).
    CommandNotAllowed,
    /// 6A82
    FileNotFound,
    /// 6A86
    IncorrectP1P2,
    /// 6A88: referenced data not found.
    ReferencedDataNotFound,
    /// 6B00: offset beyond the end of the file.
    WrongParameters,
    /// 6Cxx: wrong Le; xx is the exact length to ask for.
    WrongLe(u8),
    /// 6D00
    InstructionNotSupported,
    /// 6E00
    ClassNotSupported,
    /// 6F00
    NoPreciseDiagnosis,
    Other(u16),
}

impl StatusWord {
    pub fn from_u16(sw: u16) -> StatusWord {
        use StatusWord::*;
        match sw {
            0x9000 => Success,
            0x6100..=0x61FF => BytesAvailable((sw & 0xFF) as u8),
            0x6282 => EndOfFileWarning,
            0x6300 => VerifyFailedNoCounter,
            0x63C0..=0x63CF => VerifyFailed {
                tries_left: (sw & 0x0F) as u8,
            },
            0x6700 => WrongLength,
            0x6882 => SecureMessagingNotSupported,
            0x6981 => IncompatibleFileStructure,
            0x6982 => SecurityStatusNotSatisfied,
            0x6983 => AuthMethodBlocked,
            0x6984 => ReferenceDataBlocked,
            0x6985 => ConditionsNotSatisfied,
            0x6986 => CommandNotAllowed,
            0x6A82 => FileNotFound,
            0x6A86 => IncorrectP1P2,
            0x6A88 => ReferencedDataNotFound,
            0x6B00 => WrongParameters,
            0x6C00..=0x6CFF => WrongLe((sw & 0xFF) as u8),
            0x6D00 => InstructionNotSupported,
            0x6E00 => ClassNotSupported,
            0x6F00 => NoPreciseDiagnosis,
            other => Other(other),
        }
    }

    pub fn to_u16(self) -> u16 {
        use StatusWord::*;
        match self {
            Success => 0x9000,
            BytesAvailable(n) => 0x6100 | u16::from(n),
            EndOfFileWarning => 0x6282,
            VerifyFailedNoCounter => 0x6300,
            VerifyFailed { tries_left } => 0x63C0 | u16::from(tries_left & 0x0F),
            WrongLength => 0x6700,
            SecureMessagingNotSupported => 0x6882,
            IncompatibleFileStructure => 0x6981,
            SecurityStatusNotSatisfied => 0x6982,
            AuthMethodBlocked => 0x6983,
            ReferenceDataBlocked => 0x6984,
            ConditionsNotSatisfied => 0x6985,
            CommandNotAllowed => 0x6986,
            FileNotFound => 0x6A82,
            IncorrectP1P2 => 0x6A86,
            ReferencedDataNotFound => 0x6A88,
            WrongParameters => 0x6B00,
            WrongLe(n) => 0x6C00 | u16::from(n),
            InstructionNotSupported => 0x6D00,
            ClassNotSupported => 0x6E00,
            NoPreciseDiagnosis => 0x6F00,
            Other(sw) => sw,
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.to_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! encode_tests {
        ($($name:ident: $cmd:expr => $hex:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(hex(&$cmd.to_bytes().unwrap()), $hex);
                assert_eq!(Command::parse(&$cmd.to_bytes().unwrap()).unwrap(), $cmd);
            }
        )*};
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02X}")).collect()
    }

    encode_tests! {
        case1: Command::new(0x00, 0x20, 0x00, 0x80) => "00200080";
        case2_le_256: Command::new(0x00, 0xB0, 0x01, 0x00).with_ne(256) => "00B0010000";
        case2_le_4: Command::new(0x00, 0xB0, 0x00, 0x00).with_ne(4) => "00B0000004";
        case3: Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x00, 0x0A]) => "00A4020C02000A";
        case4: Command::new(0x80, 0x2A, 0x00, 0x80).with_data(vec![1, 2, 3]).with_ne(256) => "802A00800301020300";
    }

    #[test]
    fn too_long_data_is_an_error_not_a_panic() {
        let c = Command::new(0, 0, 0, 0).with_data(vec![0; 256]);
        assert_eq!(c.to_bytes().unwrap_err(), ApduError::DataTooLong(256));
        let c = Command::new(0, 0, 0, 0).with_ne(257);
        assert_eq!(c.to_bytes().unwrap_err(), ApduError::NeOutOfRange(257));
        let c = Command::new(0, 0, 0, 0).with_ne(0);
        assert_eq!(c.to_bytes().unwrap_err(), ApduError::NeOutOfRange(0));
    }

    #[test]
    fn malformed_commands_are_rejected() {
        for bytes in [
            &[][..],
            &[0, 0, 0],
            &[0, 0, 0, 0, 0, 1],
            &[0, 0, 0, 0, 3, 1, 2],
            &[0, 0, 0, 0, 1, 1, 2, 3],
        ] {
            assert!(Command::parse(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn status_words_round_trip() {
        for sw in (0x6000u16..=0x6FFF).chain([0x9000, 0x9001, 0x0000, 0xFFFF]) {
            assert_eq!(StatusWord::from_u16(sw).to_u16(), sw);
        }
        assert_eq!(
            StatusWord::from_u16(0x63C2),
            StatusWord::VerifyFailed { tries_left: 2 }
        );
        assert_eq!(StatusWord::from_u16(0x6100), StatusWord::BytesAvailable(0));
        assert_eq!(StatusWord::from_u16(0x6C05), StatusWord::WrongLe(5));
    }

    #[test]
    fn response_parse() {
        let r = Response::parse(&[0x30, 0x82, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, vec![0x30, 0x82]);
        assert_eq!(r.sw, StatusWord::Success);
        assert!(Response::parse(&[0x90]).is_err());
        assert_eq!(r.to_bytes(), vec![0x30, 0x82, 0x90, 0x00]);
    }

    #[test]
    fn debug_redacts_secret_data() {
        let c = Command::new(0, 0x20, 0, 0x80).with_secret_data(Zeroizing::new(b"1234".to_vec()));
        let s = format!("{c:?}");
        assert!(!s.contains("1234") && !s.contains("31 32"), "{s}");
        assert!(s.contains("REDACTED"));
    }
}
