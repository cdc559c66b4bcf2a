//! The JSON envelope of protocol 1: `{"id", "command", "arguments"}` in, `{"id", "result"}`,
//! `{"id", "error"}` or `{"id", "event"}` out. Knows nothing of cards.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::error::{ErrorCode, WireError};
use crate::messages::ProgressEvent;

/// A request envelope: `{"id", "command", "arguments"}`. The arguments stay unparsed text
/// inside the frame (borrowed, never copied) until [`parse_arguments`] reads them into their
/// typed struct, so a PIN goes from the frame straight into its [`mynakey_types::secret::Secret`].
#[derive(Debug)]
pub struct Envelope<'a> {
    pub id: Value,
    pub command: String,
    pub arguments: Option<&'a RawValue>,
}

/// How deep objects and arrays may nest in a message (serde_json's own limit is 128).
const MAX_DEPTH: usize = 128;

/// Parses an inbound message. On failure returns the id when one could be read (else `null`).
/// Duplicate object keys are refused at every depth: two parsers must never disagree about
/// which `pin` or `origin` a message carried. String values are not decoded here.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope<'_>, (Value, WireError)> {
    let not_json = |e: String| {
        (
            Value::Null,
            WireError::bad_request(format!("message is not JSON: {e}")),
        )
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| (Value::Null, WireError::bad_request("message is not UTF-8")))?;
    let top: &RawValue = serde_json::from_str(text).map_err(|e| not_json(serde_message(&e)))?;
    if !top.get().starts_with('{') {
        return Err((
            Value::Null,
            WireError::bad_request("message is not a JSON object"),
        ));
    }
    check_nesting(top, 0).map_err(not_json)?;
    let RawMap(mut entries) =
        serde_json::from_str(top.get()).map_err(|e| not_json(serde_message(&e)))?;
    let mut take = |key: &str| {
        entries
            .iter()
            .position(|(k, _)| k == key)
            .map(|i| entries.remove(i).1)
    };
    let id = match take("id").map(|raw| serde_json::from_str::<Value>(raw.get())) {
        Some(Ok(id @ (Value::String(_) | Value::Number(_)))) => id,
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
    let command = match take("command").map(|raw| serde_json::from_str::<Value>(raw.get())) {
        Some(Ok(Value::String(command))) => command,
        Some(_) => return Err((id, WireError::bad_request("\"command\" must be a string"))),
        None => return Err((id, WireError::bad_request("missing \"command\""))),
    };
    let arguments = match take("arguments") {
        Some(raw) if raw.get().starts_with('{') => Some(raw),
        None => None,
        Some(_) => {
            return Err((
                id,
                WireError::bad_request("\"arguments\" must be an object"),
            ))
        }
    };
    if let Some((key, _)) = entries.first() {
        return Err((id, WireError::bad_request(format!("unknown key {key:?}"))));
    }
    Ok(Envelope {
        id,
        command,
        arguments,
    })
}

/// Reads `arguments` (absent = `{}`) into `T`, borrowing from the frame.
///
/// A `pin` whose JSON text holds any `\` escape is refused with `PIN_FORMAT` before anything
/// decodes it: decoding an escape would leave the PIN in the JSON parser's scratch buffer,
/// which is never zeroized (a real PIN is 4 digits or 6–16 letters and digits; nothing needs
/// escaping). Error messages never echo a value of the wrong type.
pub fn parse_arguments<'a, T: Deserialize<'a>>(
    arguments: Option<&'a RawValue>,
) -> Result<T, WireError> {
    let text = arguments.map_or("{}", RawValue::get);
    if let Some(raw) = arguments {
        let RawMap(entries) = serde_json::from_str(raw.get())
            .map_err(|e| WireError::bad_request(format!("bad arguments: {}", serde_message(&e))))?;
        if entries
            .iter()
            .any(|(k, v)| k == "pin" && v.get().contains('\\'))
        {
            return Err(WireError::new(
                ErrorCode::PinFormat,
                "the password must be sent as plain characters, without JSON escapes",
            ));
        }
    }
    serde_json::from_str(text)
        .map_err(|e| WireError::bad_request(format!("bad arguments: {}", serde_message(&e))))
}

/// serde_json's message without the offending value: "invalid type: string \"1234\",
/// expected u64" would send a mistyped PIN back to the extension (and into its logs).
pub fn serde_message(e: &serde_json::Error) -> String {
    let message = e.to_string();
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let expected = rest.split_once(", expected ").map_or("", |(_, exp)| exp);
            let expected = expected
                .rsplit_once(" at line ")
                .map_or(expected, |(exp, _)| exp);
            let what = prefix.trim_end().trim_end_matches(':');
            return if expected.is_empty() {
                format!("{what} (value not shown)")
            } else {
                format!("{what} (value not shown), expected {expected}")
            };
        }
    }
    message
}

/// The entries of one JSON object, values left as raw text; duplicate keys refused.
struct RawMap<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawMap<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = RawMap<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawMap<'de>, A::Error> {
                let mut entries: Vec<(String, &'de RawValue)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
                    }
                    entries.push((key, value));
                }
                Ok(RawMap(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// Refuses duplicate keys at every depth (and nesting deeper than [`MAX_DEPTH`]) without
/// decoding any string value.
fn check_nesting(raw: &RawValue, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    match raw.get().as_bytes().first() {
        Some(b'{') => {
            let RawMap(entries) = serde_json::from_str(raw.get()).map_err(|e| serde_message(&e))?;
            for (_, value) in entries {
                check_nesting(value, depth + 1)?;
            }
        }
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_str(raw.get()).map_err(|e| serde_message(&e))?;
            for item in items {
                check_nesting(item, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn success(id: &Value, result: Value) -> Value {
    json!({ "id": id, "result": result })
}

pub fn failure(id: &Value, error: &WireError) -> Value {
    let mut body = Map::new();
    body.insert("code".into(), Value::String(error.code.as_str().into()));
    body.insert("message".into(), Value::String(error.message.clone()));
    if let Ok(Value::Object(details)) = serde_json::to_value(&error.details) {
        body.extend(details);
    }
    json!({ "id": id, "error": body })
}

pub fn progress(id: &Value, event: ProgressEvent) -> Value {
    json!({ "id": id, "event": event.name() })
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
        assert!(e.arguments.is_none());
        let e = parse_envelope(br#"{"id":1,"command":"x","arguments":{"a":[{"b":1}]}}"#).unwrap();
        assert_eq!(e.arguments.unwrap().get(), r#"{"a":[{"b":1}]}"#);
    }

    #[test]
    fn duplicates_are_refused_at_every_depth_and_deep_nesting_is_refused() {
        for msg in [
            r#"{"id":1,"command":"x","arguments":{"a":[{"b":1,"b":2}]}}"#,
            r#"{"id":1,"command":"x","arguments":{"a":{"c":{"d":1,"d":1}}}}"#,
        ] {
            let (id, e) = parse_envelope(msg.as_bytes()).unwrap_err();
            assert_eq!(id, Value::Null);
            assert!(e.message.contains("duplicate"), "{}", e.message);
        }
        let deep = format!(
            r#"{{"id":1,"command":"x","arguments":{{"a":{}{}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(parse_envelope(deep.as_bytes()).is_err());
    }

    #[test]
    fn wrong_typed_values_are_not_echoed() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct A {
            n: u64,
            s: String,
        }
        for args in [
            r#"{"n":"4931","s":"x"}"#,
            r#"{"n":1,"s":4931}"#,
            r#"{"n":4931.5,"s":"x"}"#,
        ] {
            let raw: &RawValue = serde_json::from_str(args).unwrap();
            let e = parse_arguments::<A>(Some(raw)).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadRequest);
            assert!(!e.message.contains("4931"), "{}", e.message);
            assert!(e.message.contains("value not shown"), "{}", e.message);
        }
    }

    #[test]
    fn failure_carries_details() {
        let e = WireError::new(ErrorCode::PinIncorrect, "wrong").with_tries_left(2);
        assert_eq!(
            failure(&json!(1), &e),
            json!({"id":1,"error":{"code":"PIN_INCORRECT","message":"wrong","triesLeft":2}})
        );
    }
}
