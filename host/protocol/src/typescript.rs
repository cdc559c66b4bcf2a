//! The TypeScript declarations of protocol 1 (`extension/src/generated/protocol.ts`), generated
//! from this crate so the extension and the host share one contract. Constants and unions come
//! from the Rust values themselves; the interfaces from the commands' declarations (each
//! argument and result type declares its interface beside its struct, `interface`), and the
//! tests below check every field list against what serde writes and reads.

use std::fmt::Write;

use mynakey_types::{HashAlgorithm, TokenKind};

use crate::commands::HostCommand;
use crate::error::ErrorCode;
use crate::interface::{field, optional, Interface};
use crate::limits;
use crate::messages::{CardState, PcscState, PrepareAction, ProgressEvent};
use crate::PROTOCOL_VERSION;

/// Where the generated file lives, relative to the repository root.
pub const GENERATED_PATH: &str = "extension/src/generated/protocol.ts";
/// The command that writes it.
pub const GENERATE_COMMAND: &str = "cargo run -p mynakey-protocol --example generate-ts";

/// The interfaces of the envelope, written after those of the commands.
const ENVELOPE_INTERFACES: [Interface; 2] = [
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

/// Every interface, in the order they are written: each command's arguments and result (and
/// the interfaces they name, each once), in the order of the commands, then the envelope's.
pub fn interfaces() -> Vec<Interface> {
    let declared = HostCommand::ALL.iter().flat_map(|c| c.interfaces());
    let mut all: Vec<Interface> = Vec::new();
    for interface in declared.flatten().chain(&ENVELOPE_INTERFACES) {
        if all.iter().all(|i| i.name != interface.name) {
            all.push(*interface);
        }
    }
    all
}

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

fn write_interfaces(out: &mut String) {
    for interface in interfaces() {
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
    write_interfaces(&mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests;
