use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::*;
use crate::error::{ErrorDetails, WireError};
use crate::messages::*;

fn interface(name: &str) -> Interface {
    interfaces()
        .into_iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no interface {name}"))
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// `full` (every optional field set) and `minimal` (none set) serialise to exactly the
/// interface's keys and its required keys.
fn check_result<T: Serialize>(name: &'static str, full: &T, minimal: &T) -> &'static str {
    let fields = interface(name).fields;
    let all: BTreeSet<String> = fields.iter().map(|f| f.key.to_owned()).collect();
    let required: BTreeSet<String> = fields
        .iter()
        .filter(|f| !f.optional)
        .map(|f| f.key.to_owned())
        .collect();
    assert_eq!(keys(&serde_json::to_value(full).unwrap()), all, "{name}");
    assert_eq!(
        keys(&serde_json::to_value(minimal).unwrap()),
        required,
        "{name}"
    );
    name
}

fn sample(ty: &str) -> Value {
    match ty {
        "number" | "RequestId" => json!(1),
        "boolean" => json!(true),
        "string[]" => json!(["x"]),
        "HashAlgorithmName" => json!("SHA-256"),
        "PrepareActionName" => json!("authenticate"),
        _ => json!("x"),
    }
}

/// Whether `object` parses as what `command` reads (from text, as frames do: PINs are borrowed
/// from it).
fn parses(command: HostCommand, object: &Map<String, Value>) -> bool {
    let text = Value::Object(object.clone()).to_string();
    let raw: &serde_json::value::RawValue = serde_json::from_str(&text).unwrap();
    crate::Request::parse(command.name(), Some(raw)).is_ok()
}

/// For every declared command, its arguments interface has exactly the keys its arguments type
/// reads: all of them together parse, each required one is needed, each optional one may be
/// left out, and an extra key is refused. A command without an interface takes no keys.
#[test]
fn argument_interfaces_match_what_the_host_reads() {
    for &command in HostCommand::ALL {
        let [arguments, _] = command.interfaces();
        let fields = arguments.last().map_or(&[][..], |i| i.fields);
        let object: Map<String, Value> = fields
            .iter()
            .map(|f| (f.key.to_owned(), sample(f.ty)))
            .collect();
        let name = command.name();
        assert!(parses(command, &object), "{name}");
        for f in fields {
            let mut without = object.clone();
            without.remove(f.key);
            assert_eq!(parses(command, &without), f.optional, "{name}.{}", f.key);
        }
        let mut extra = object;
        extra.insert("unknownKey".into(), json!(1));
        assert!(!parses(command, &extra), "{name}");
    }
}

fn reader(full: bool) -> ReaderStatus {
    ReaderStatus {
        name: "R".into(),
        card: CardState::Jpki,
        token_label: full.then(|| "JPKIAPICCTOKEN2".into()),
        token_kind: full.then_some(mynakey_types::TokenKind::Card),
        auth_pin_tries_left: full.then_some(3),
        sign_pin_tries_left: full.then_some(5),
        has_signing_certificate: full.then_some(true),
    }
}

fn status(full: bool) -> Status {
    Status {
        version: "0".into(),
        protocol: 1,
        pcsc: PcscState::Ok,
        pcsc_error: full.then(|| "down".into()),
        transport: "pcsc".into(),
        readers: vec![reader(full)],
    }
}

#[test]
fn result_interfaces_match_what_the_host_writes() {
    let mut checked = Vec::new();
    let version = VersionResult::current("0");
    let older = VersionResult {
        commands: Vec::new(),
        ..version.clone()
    };
    checked.push(check_result("VersionResult", &version, &older));
    let prepared = Prepared {
        reader: "R".into(),
        action: PrepareAction::Authenticate,
        hold_ms: 60_000,
    };
    checked.push(check_result("Prepared", &prepared, &prepared));
    let prepare = |full: bool| PrepareResult {
        pcsc: PcscState::Ok,
        pcsc_error: full.then(|| "down".into()),
        readers: vec![reader(full)],
        prepared: full.then(|| prepared.clone()),
    };
    checked.push(check_result(
        "PrepareResult",
        &prepare(true),
        &prepare(false),
    ));
    checked.push(check_result("ReaderStatus", &reader(true), &reader(false)));
    checked.push(check_result("StatusResult", &status(true), &status(false)));
    let proof = LoginProof {
        format: "web-eid:1.0".into(),
        unverified_certificate: "x".into(),
        algorithm: "RS256".into(),
        signature: "x".into(),
        app_version: "x".into(),
    };
    checked.push(check_result("LoginProof", &proof, &proof));
    let certificate = SigningCertificateResult {
        certificate: "x".into(),
    };
    checked.push(check_result(
        "SigningCertificateResult",
        &certificate,
        &certificate,
    ));
    let algorithm = SignatureAlgorithm {
        crypto_algorithm: "RSA".into(),
        hash_function: "SHA-256".into(),
        padding_scheme: "PKCS1.5".into(),
    };
    checked.push(check_result("SignatureAlgorithm", &algorithm, &algorithm));
    let signed = Signatures {
        certificate: "x".into(),
        signatures: vec!["x".into()],
        signature_algorithm: algorithm,
    };
    checked.push(check_result("SignResult", &signed, &signed));
    let cancelled = CancelResult { cancelled: true };
    checked.push(check_result("CancelResult", &cancelled, &cancelled));
    checked.push(check_result("QuitResult", &QuitResult {}, &QuitResult {}));
    // Every interface a declared command's result names is among those checked.
    for &command in HostCommand::ALL {
        for interface in command.interfaces()[1] {
            assert!(
                checked.contains(&interface.name),
                "{} unchecked",
                interface.name
            );
        }
    }
}

#[test]
fn error_and_event_interfaces_match_the_envelope() {
    let id = json!(7);
    let full = WireError {
        details: ErrorDetails {
            tries_left: Some(2),
            sw: Some("6F00".into()),
            readers: Some(vec!["R".into()]),
        },
        ..WireError::new(ErrorCode::PinIncorrect, "wrong")
    };
    let body = |e: &WireError| crate::failure(&id, e)["error"].clone();
    let _ = check_result(
        "HostErrorBody",
        &body(&full),
        &body(&WireError::new(ErrorCode::Internal, "bug")),
    );
    let event = crate::progress(&id, ProgressEvent::WaitingForCard);
    let _ = check_result("ProgressEvent", &event, &event);
}

#[test]
fn the_file_has_what_the_extension_imports() {
    let ts = generate();
    assert!(ts.starts_with(&format!(
        "// Generated from host/protocol by {GENERATE_COMMAND}. Do not edit.\n"
    )));
    for export in [
        "export const PROTOCOL_VERSION = 1 as const;",
        "export const HOST_ERROR_CODES = [\n  'BAD_REQUEST',",
        "export type HostErrorCode = (typeof HOST_ERROR_CODES)[number];",
        "export const RETRIABLE_ERROR_CODES: readonly HostErrorCode[] = [",
        "export const LIMITS = {\n  maxHashes: 100,\n  maxTimeoutMs: 600000,\n  maxInboundFrame: 65536,\n  maxOutboundFrame: 1048576,\n  challengeMinLength: 44,\n  challengeMaxLength: 128,\n  authPinLength: 4,\n  signPinMinLength: 6,\n  signPinMaxLength: 16,\n  heldSessionSeconds: 120,\n  preparedHoldSeconds: 60,\n} as const;",
        "export const PIN_RULES = {\n  auth: { minLength: 4, maxLength: 4, alphabet: '0123456789', upperCase: false },\n  sign: { minLength: 6, maxLength: 16, alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', upperCase: true },\n} as const;",
        "export type HashAlgorithmName = 'SHA-256' | 'SHA-384' | 'SHA-512';",
        "export type HostCommand = ",
        "export interface HostErrorBody {\n  code: HostErrorCode;\n  message: string;\n  triesLeft?: number;\n  sw?: string;\n  readers?: string[];\n  [detail: string]: unknown;\n}",
        "export interface ProgressEvent {\n  id: RequestId;\n  event: ProgressEventName;\n}",
    ] {
        assert!(ts.contains(export), "missing {export:?} in\n{ts}");
    }
    for name in interfaces().into_iter().map(|i| i.name) {
        assert!(ts.contains(&format!(" {name} ")), "{name}");
    }
    for code in ErrorCode::ALL {
        assert_eq!(
            ts.matches(&format!("'{}'", code.as_str())).count(),
            1 + usize::from(code.retriable())
        );
    }
}

/// The checked-in file is what the generator writes now. `MYNAKEY_REGENERATE=1 cargo test -p
/// mynakey-protocol` (or the generate-ts example) rewrites it.
#[test]
fn the_checked_in_file_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(GENERATED_PATH);
    let generated = generate();
    if std::env::var("MYNAKEY_REGENERATE").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{GENERATED_PATH} is stale: run `{GENERATE_COMMAND}` (or MYNAKEY_REGENERATE=1 cargo test -p mynakey-protocol)"
    );
}
