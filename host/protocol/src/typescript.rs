//! The TypeScript declarations of protocol 1 (`extension/src/generated/protocol.ts`), generated
//! from this crate so the extension and the host share one contract. Constants and unions come
//! from the Rust values themselves; each interface lists its fields next to the struct it
//! mirrors, and the tests below check every list against what serde writes and reads.

use std::fmt::Write;

use mynakey_types::{HashAlgorithm, TokenKind};

use crate::error::ErrorCode;
use crate::limits;
use crate::messages::{CardState, HostCommand, PcscState, PrepareAction, ProgressEvent};
use crate::PROTOCOL_VERSION;

/// Where the generated file lives, relative to the repository root.
pub const GENERATED_PATH: &str = "extension/src/generated/protocol.ts";
/// The command that writes it.
pub const GENERATE_COMMAND: &str = "cargo run -p mynakey-protocol --example generate-ts";

/// One field of a wire object: its key, its TypeScript type, and whether it may be absent.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub key: &'static str,
    pub ty: &'static str,
    pub optional: bool,
}

const fn field(key: &'static str, ty: &'static str) -> Field {
    Field {
        key,
        ty,
        optional: false,
    }
}

const fn optional(key: &'static str, ty: &'static str) -> Field {
    Field {
        key,
        ty,
        optional: true,
    }
}

/// An interface of the contract: its TypeScript name, what it is, its fields, and whether
/// other keys may appear (error details a later host adds).
#[derive(Clone, Copy, Debug)]
pub struct Interface {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
    pub open: bool,
}

/// Every interface, in the order they are written.
pub const INTERFACES: [Interface; 18] = [
    Interface {
        name: "VersionResult",
        doc:
            "Result of `version`; `commands` lists what the host serves (absent before `prepare`).",
        fields: &[
            field("version", "string"),
            field("protocol", "number"),
            optional("commands", "string[]"),
        ],
        open: false,
    },
    Interface {
        name: "ReaderStatus",
        doc: "One reader in the result of `status`.",
        fields: &[
            field("name", "string"),
            field("card", "CardState"),
            optional("tokenLabel", "string"),
            optional("tokenKind", "TokenKind"),
            optional("authPinTriesLeft", "number"),
            optional("signPinTriesLeft", "number"),
            optional("hasSigningCertificate", "boolean"),
        ],
        open: false,
    },
    Interface {
        name: "StatusResult",
        doc: "Result of `status`.",
        fields: &[
            field("version", "string"),
            field("protocol", "number"),
            field("pcsc", "PcscState"),
            optional("pcscError", "string"),
            field("transport", "'pcsc' | 'simulator'"),
            field("readers", "ReaderStatus[]"),
        ],
        open: false,
    },
    Interface {
        name: "PrepareArguments",
        doc: "Arguments of `prepare` (only when `version` lists it).",
        fields: &[
            field("action", "PrepareActionName"),
            optional("reader", "string"),
        ],
        open: false,
    },
    Interface {
        name: "Prepared",
        doc: "The card `prepare` holds for the request that follows.",
        fields: &[
            field("reader", "string"),
            field("action", "PrepareActionName"),
            field("holdMs", "number"),
        ],
        open: false,
    },
    Interface {
        name: "PrepareResult",
        doc: "Result of `prepare`: the readers as `status` shows them, and the card now held.",
        fields: &[
            field("pcsc", "PcscState"),
            optional("pcscError", "string"),
            field("readers", "ReaderStatus[]"),
            optional("prepared", "Prepared"),
        ],
        open: false,
    },
    Interface {
        name: "AuthenticateArguments",
        doc: "Arguments of `authenticate`.",
        fields: &[
            field("origin", "string"),
            field("challenge", "string"),
            field("pin", "string"),
            optional("allowLastTry", "boolean"),
            optional("reader", "string"),
            optional("timeoutMs", "number"),
        ],
        open: false,
    },
    Interface {
        name: "LoginProof",
        doc: "Result of `authenticate`: the `web-eid:1.0` login proof.",
        fields: &[
            field("format", "'web-eid:1.0'"),
            field("unverifiedCertificate", "string"),
            field("algorithm", "'RS256'"),
            field("signature", "string"),
            field("appVersion", "string"),
        ],
        open: false,
    },
    Interface {
        name: "GetSigningCertificateArguments",
        doc: "Arguments of `getSigningCertificate`.",
        fields: &[
            field("origin", "string"),
            field("pin", "string"),
            optional("allowLastTry", "boolean"),
            optional("hold", "boolean"),
            optional("reader", "string"),
            optional("timeoutMs", "number"),
        ],
        open: false,
    },
    Interface {
        name: "SigningCertificateResult",
        doc: "Result of `getSigningCertificate`: the signing certificate, base64 DER.",
        fields: &[field("certificate", "string")],
        open: false,
    },
    Interface {
        name: "SignArguments",
        doc: "Arguments of `sign` (`pin` omitted only inside a held session).",
        fields: &[
            field("origin", "string"),
            optional("pin", "string"),
            optional("allowLastTry", "boolean"),
            field("hashAlgorithm", "HashAlgorithmName"),
            field("hashes", "string[]"),
            optional("certificate", "string"),
            optional("reader", "string"),
            optional("timeoutMs", "number"),
        ],
        open: false,
    },
    Interface {
        name: "SignatureAlgorithm",
        doc: "How `sign` signed.",
        fields: &[
            field("cryptoAlgorithm", "'RSA'"),
            field("hashFunction", "HashAlgorithmName"),
            field("paddingScheme", "'PKCS1.5'"),
        ],
        open: false,
    },
    Interface {
        name: "SignResult",
        doc: "Result of `sign`: one signature per hash, in order.",
        fields: &[
            field("certificate", "string"),
            field("signatures", "string[]"),
            field("signatureAlgorithm", "SignatureAlgorithm"),
        ],
        open: false,
    },
    Interface {
        name: "CancelArguments",
        doc: "Arguments of `cancel`: the id of the request to end.",
        fields: &[field("target", "RequestId")],
        open: false,
    },
    Interface {
        name: "CancelResult",
        doc: "Result of `cancel`.",
        fields: &[field("cancelled", "boolean")],
        open: false,
    },
    Interface {
        name: "QuitResult",
        doc: "Result of `quit` (an empty object).",
        fields: &[],
        open: false,
    },
    Interface {
        name: "HostErrorBody",
        doc: "The `error` of a failed request.",
        fields: &[
            field("code", "HostErrorCode"),
            field("message", "string"),
            optional("triesLeft", "number"),
            optional("sw", "string"),
            optional("readers", "string[]"),
        ],
        open: true,
    },
    Interface {
        name: "ProgressEvent",
        doc: "Progress of a running request, sent before its result.",
        fields: &[
            field("id", "RequestId"),
            field("event", "ProgressEventName"),
        ],
        open: false,
    },
];

fn quoted<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values.into_iter().map(|v| format!("'{v}'")).collect()
}

/// A `const` array of string literals.
fn const_list(out: &mut String, name: &str, values: &[String], annotation: &str) {
    let _ = writeln!(out, "export const {name}{annotation} = [");
    for value in values {
        let _ = writeln!(out, "  {value},");
    }
    let close = if annotation.is_empty() {
        "] as const;"
    } else {
        "];"
    };
    let _ = writeln!(out, "{close}");
}

fn constants(out: &mut String) {
    let _ = writeln!(
        out,
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION} as const;\n"
    );
    let codes = quoted(ErrorCode::ALL.map(ErrorCode::as_str));
    const_list(out, "HOST_ERROR_CODES", &codes, "");
    let _ = writeln!(
        out,
        "export type HostErrorCode = (typeof HOST_ERROR_CODES)[number];\n"
    );
    let _ = writeln!(
        out,
        "/** Codes after which sending the request again can succeed once something changes (docs/protocol.md §12). */"
    );
    let retriable = ErrorCode::ALL.into_iter().filter(|c| c.retriable());
    let retriable = quoted(retriable.map(ErrorCode::as_str));
    const_list(
        out,
        "RETRIABLE_ERROR_CODES",
        &retriable,
        ": readonly HostErrorCode[]",
    );
    let limits = [
        ("maxHashes", limits::MAX_HASHES as u64),
        ("maxTimeoutMs", limits::MAX_TIMEOUT_MS),
        ("maxInboundFrame", limits::MAX_INBOUND as u64),
        ("maxOutboundFrame", limits::MAX_OUTBOUND as u64),
        ("challengeMinLength", limits::CHALLENGE_MIN_LENGTH as u64),
        ("challengeMaxLength", limits::CHALLENGE_MAX_LENGTH as u64),
        ("authPinLength", limits::AUTH_PIN_LENGTH as u64),
        ("signPinMinLength", limits::SIGN_PIN_MIN_LENGTH as u64),
        ("signPinMaxLength", limits::SIGN_PIN_MAX_LENGTH as u64),
        ("heldSessionSeconds", limits::HELD_SESSION_SECONDS),
        ("preparedHoldSeconds", limits::PREPARED_HOLD_SECONDS),
    ];
    let _ = writeln!(out, "\nexport const LIMITS = {{");
    for (key, value) in limits {
        let _ = writeln!(out, "  {key}: {value},");
    }
    let _ = writeln!(out, "}} as const;\n");
    pin_rules(out);
    let commands = quoted(HostCommand::ALL.iter().map(|c| c.name()));
    const_list(out, "HOST_COMMANDS", &commands, "");
    let _ = writeln!(
        out,
        "export type HostCommand = (typeof HOST_COMMANDS)[number];\n"
    );
}

/// `PIN_RULES`: the one PIN format the window, the flow and the host apply (`pin_rules`).
fn pin_rules(out: &mut String) {
    let _ = writeln!(
        out,
        "/** The PIN formats: what is typed is upper-cased (toUpperCase) when `upperCase`, then must be `minLength` to `maxLength` characters of `alphabet`. */"
    );
    let _ = writeln!(out, "export const PIN_RULES = {{");
    for (kind, rule) in [("auth", limits::AUTH_PIN), ("sign", limits::SIGN_PIN)] {
        let _ = writeln!(
            out,
            "  {kind}: {{ minLength: {}, maxLength: {}, alphabet: '{}', upperCase: {} }},",
            rule.min_length, rule.max_length, rule.alphabet, rule.upper_case
        );
    }
    let _ = writeln!(out, "}} as const;\n");
}

fn unions(out: &mut String) {
    let unions = [
        (
            "HashAlgorithmName",
            quoted(HashAlgorithm::ALL.map(HashAlgorithm::name)),
        ),
        (
            "ProgressEventName",
            quoted(ProgressEvent::ALL.map(ProgressEvent::name)),
        ),
        ("CardState", quoted(CardState::ALL.map(CardState::as_str))),
        (
            "PrepareActionName",
            quoted(PrepareAction::ALL.map(PrepareAction::as_str)),
        ),
        ("PcscState", quoted(PcscState::ALL.map(PcscState::as_str))),
        ("TokenKind", quoted(TokenKind::ALL.map(TokenKind::as_str))),
    ];
    for (name, values) in unions {
        let _ = writeln!(out, "export type {name} = {};", values.join(" | "));
    }
    let _ = writeln!(out, "/** A request's `id`: what the caller sent. */");
    let _ = writeln!(out, "export type RequestId = string | number;\n");
}

fn interfaces(out: &mut String) {
    for interface in INTERFACES {
        let _ = writeln!(out, "/** {} */", interface.doc);
        if interface.fields.is_empty() {
            let _ = writeln!(
                out,
                "export type {} = Record<string, never>;\n",
                interface.name
            );
            continue;
        }
        let _ = writeln!(out, "export interface {} {{", interface.name);
        for f in interface.fields {
            let mark = if f.optional { "?" } else { "" };
            let _ = writeln!(out, "  {}{mark}: {};", f.key, f.ty);
        }
        if interface.open {
            let _ = writeln!(out, "  [detail: string]: unknown;");
        }
        let _ = writeln!(out, "}}\n");
    }
}

/// The whole generated file.
pub fn generate() -> String {
    let mut out = format!("// Generated from host/protocol by {GENERATE_COMMAND}. Do not edit.\n");
    out.push_str("// Protocol 1 of the mynakey native messaging host (docs/protocol.md).\n\n");
    constants(&mut out);
    unions(&mut out);
    interfaces(&mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests;
