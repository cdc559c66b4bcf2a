//! Protocol 1: native messaging frames and the JSON envelope (design.md, "The host's wire
//! contract"). Knows nothing of cards.

use serde_json::{json, Map, Value};

pub mod framing;

pub const PROTOCOL_VERSION: u32 = 1;

/// Every error code of protocol 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    BadRequest,
    UnknownCommand,
    MessageTooLarge,
    OriginInvalid,
    ChallengeInvalid,
    PinFormat,
    PcscUnavailable,
    NoReader,
    NoCard,
    NotJpkiCard,
    MultipleCards,
    CardRemoved,
    CardBusy,
    PinIncorrect,
    PinLastTry,
    PinBlocked,
    NoSigningCertificate,
    UnsupportedToken,
    CertificateMismatch,
    CardError,
    Timeout,
    Cancelled,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadRequest => "BAD_REQUEST",
            UnknownCommand => "UNKNOWN_COMMAND",
            MessageTooLarge => "MESSAGE_TOO_LARGE",
            OriginInvalid => "ORIGIN_INVALID",
            ChallengeInvalid => "CHALLENGE_INVALID",
            PinFormat => "PIN_FORMAT",
            PcscUnavailable => "PCSC_UNAVAILABLE",
            NoReader => "NO_READER",
            NoCard => "NO_CARD",
            NotJpkiCard => "NOT_JPKI_CARD",
            MultipleCards => "MULTIPLE_CARDS",
            CardRemoved => "CARD_REMOVED",
            CardBusy => "CARD_BUSY",
            PinIncorrect => "PIN_INCORRECT",
            PinLastTry => "PIN_LAST_TRY",
            PinBlocked => "PIN_BLOCKED",
            NoSigningCertificate => "NO_SIGNING_CERTIFICATE",
            UnsupportedToken => "UNSUPPORTED_TOKEN",
            CertificateMismatch => "CERTIFICATE_MISMATCH",
            CardError => "CARD_ERROR",
            Timeout => "TIMEOUT",
            Cancelled => "CANCELLED",
            Internal => "INTERNAL",
        }
    }
}

/// A wire error: code, English message for logs, and details such as `triesLeft` or `sw`.
#[derive(Clone, Debug, PartialEq)]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Map<String, Value>,
}

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WireError {
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.details.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
}

/// A request envelope: `{"id", "command", "arguments"}`.
#[derive(Debug)]
pub struct Envelope {
    pub id: Value,
    pub command: String,
    pub arguments: Value,
}

/// Parses an inbound message. On failure returns the id when one could be read (else `null`).
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, (Value, WireError)> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| (Value::Null, WireError::bad_request("message is not UTF-8")))?;
    let StrictValue(value) = serde_json::from_str(text).map_err(|e| {
        (
            Value::Null,
            WireError::bad_request(format!("message is not JSON: {e}")),
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err((
            Value::Null,
            WireError::bad_request("message is not a JSON object"),
        ));
    };
    let id = match object.remove("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        Some(_) => {
            return Err((
                Value::Null,
                WireError::bad_request("\"id\" must be a string or a number"),
            ))
        }
        None => return Err((Value::Null, WireError::bad_request("missing \"id\""))),
    };
    if let Value::String(s) = &id {
        if s.len() > 256 {
            return Err((
                Value::Null,
                WireError::bad_request("\"id\" is longer than 256 characters"),
            ));
        }
    }
    let command = match object.remove("command") {
        Some(Value::String(command)) => command,
        Some(_) => return Err((id, WireError::bad_request("\"command\" must be a string"))),
        None => return Err((id, WireError::bad_request("missing \"command\""))),
    };
    let arguments = match object.remove("arguments") {
        Some(arguments @ Value::Object(_)) => arguments,
        None => Value::Object(Map::new()),
        Some(_) => {
            return Err((
                id,
                WireError::bad_request("\"arguments\" must be an object"),
            ))
        }
    };
    if let Some(key) = object.keys().next() {
        return Err((id, WireError::bad_request(format!("unknown key {key:?}"))));
    }
    Ok(Envelope {
        id,
        command,
        arguments,
    })
}

/// JSON with duplicate object keys refused at every depth: two parsers must never disagree
/// about which `pin` or `origin` a message carried.
struct StrictValue(Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if object.insert(key.clone(), value).is_some() {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
        }
        Ok(Value::Object(object))
    }
}

pub fn success(id: &Value, result: Value) -> Value {
    json!({ "id": id, "result": result })
}

pub fn failure(id: &Value, error: &WireError) -> Value {
    let mut body = Map::new();
    body.insert("code".into(), Value::String(error.code.as_str().into()));
    body.insert("message".into(), Value::String(error.message.clone()));
    for (k, v) in &error.details {
        body.insert(k.clone(), v.clone());
    }
    json!({ "id": id, "error": body })
}

pub fn progress(id: &Value, event: &str, details: Map<String, Value>) -> Value {
    let mut body = Map::new();
    body.insert("id".into(), id.clone());
    body.insert("event".into(), Value::String(event.into()));
    body.extend(details);
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_errors_keep_the_id_when_readable() {
        let (id, e) = parse_envelope(br#"{"id":7,"command":3}"#).unwrap_err();
        assert_eq!(id, json!(7));
        assert_eq!(e.code, ErrorCode::BadRequest);
        let (id, _) = parse_envelope(br#"{"id":[1],"command":"x"}"#).unwrap_err();
        assert_eq!(id, Value::Null);
        let (id, _) = parse_envelope(b"\xff\xfe").unwrap_err();
        assert_eq!(id, Value::Null);
        let (id, e) = parse_envelope(br#"{"id":"a","command":"version","extra":1}"#).unwrap_err();
        assert_eq!(id, json!("a"));
        assert!(e.message.contains("extra"));
        let (_, e) =
            parse_envelope(br#"{"id":1,"command":"sign","arguments":{"pin":"1","pin":"2"}}"#)
                .unwrap_err();
        assert!(e.message.contains("duplicate"), "{}", e.message);
    }

    #[test]
    fn envelope_ok() {
        let e = parse_envelope(br#"{"id":"r1","command":"version"}"#).unwrap();
        assert_eq!(e.command, "version");
        assert_eq!(e.arguments, json!({}));
    }

    #[test]
    fn failure_carries_details() {
        let e = WireError::new(ErrorCode::PinIncorrect, "wrong").with("triesLeft", json!(2));
        assert_eq!(
            failure(&json!(1), &e),
            json!({"id":1,"error":{"code":"PIN_INCORRECT","message":"wrong","triesLeft":2}})
        );
    }
}
