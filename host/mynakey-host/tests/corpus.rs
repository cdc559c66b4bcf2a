//! The malformed-input corpus (`tests/corpus/cases.jsonl`, format in `tests/corpus/README.md`)
//! driven through the built `mynakey-host --simulator` over real native-messaging frames.
//!
//! For every case: the host gives exactly the expected answers, keeps serving (a `version`
//! round trip follows every case), writes nothing but well-formed frames to stdout, and the
//! simulated card sees no APDU at all unless the case says otherwise (so no malformed PIN,
//! origin, challenge or hash ever reaches a VERIFY). Nothing panics.
// Integration tests: helpers outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};

mod support;
use support::host::{framed, Host};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mynakey-corpus-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `{{rep:N:STR}}` → STR repeated N times (keeps the data file small).
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{rep:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let colon = after.find(':').expect("{{rep:N:STR}}");
        let n: usize = after[..colon].parse().expect("{{rep:N:…}} count");
        let body = &after[colon + 1..];
        let end = body.find("}}").expect("{{rep:…}} end");
        out.push_str(&body[..end].repeat(n));
        rest = &body[end + 2..];
    }
    out.push_str(rest);
    out
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The bytes one corpus frame puts on the host's stdin.
fn frame_bytes(frame: &Value) -> Vec<u8> {
    if let Some(v) = frame.get("json") {
        return framed(expand(&v.to_string()).as_bytes());
    }
    if let Some(t) = frame.get("text").and_then(Value::as_str) {
        return framed(expand(t).as_bytes());
    }
    if let Some(h) = frame.get("body_hex").and_then(Value::as_str) {
        return framed(&unhex(h));
    }
    if let Some(parts) = frame.get("raw").and_then(Value::as_array) {
        let mut out = Vec::new();
        for p in parts {
            if let Some(n) = p.get("len").and_then(Value::as_u64) {
                out.extend_from_slice(&(n as u32).to_ne_bytes());
            } else if let Some(h) = p.get("hex").and_then(Value::as_str) {
                out.extend(unhex(h));
            } else if let Some(t) = p.get("text").and_then(Value::as_str) {
                out.extend_from_slice(t.as_bytes());
            } else if let Some(c) = p.get("fill").and_then(Value::as_str) {
                let n = p["count"].as_u64().unwrap() as usize;
                out.extend(c.as_bytes().repeat(n));
            } else {
                panic!("bad raw part {p}");
            }
        }
        return out;
    }
    if let Some(f) = frame.get("file").and_then(Value::as_str) {
        return fs::read(corpus_dir().join(f)).unwrap();
    }
    panic!("frame without json/text/body_hex/raw/file: {frame}");
}

/// `expected` ⊆ `actual` for objects; equality otherwise.
fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| subset(v, av))),
        _ => expected == actual,
    }
}

fn matches(expected: &Value, answer: &Value) -> bool {
    if expected["id"] != answer["id"] {
        return false;
    }
    match (expected.get("code"), expected.get("result")) {
        (Some(code), _) => answer["error"]["code"] == *code,
        (None, Some(result)) => answer.get("result").is_some_and(|r| subset(result, r)),
        (None, None) => panic!("expectation without code or result: {expected}"),
    }
}

fn expectations(case: &Value) -> Vec<Value> {
    match &case["expect"] {
        Value::Array(list) => list.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        other => panic!("bad expect {other}"),
    }
}

fn frames_of(case: &Value) -> Vec<Value> {
    match case.get("send") {
        Some(Value::Array(list)) => list.clone(),
        Some(other) => panic!("bad send {other}"),
        None => vec![case.clone()],
    }
}

/// Runs one case on `host`.
fn run_case(host: &mut Host, case: &Value, index: usize) {
    let name = case["name"].as_str().unwrap();
    let eof = case["eof"].as_bool().unwrap_or(false);
    let apdus_before = host.apdu_lines().len();
    let expected = expectations(case);
    let mut answers = Vec::new();
    for frame in frames_of(case) {
        if frame.get("file").is_some() && !cfg!(target_endian = "little") {
            eprintln!("{name}: skipped (raw file has little-endian lengths)");
            return;
        }
        host.write(&frame_bytes(&frame));
        if let Some(event) = frame.get("await_event").and_then(Value::as_str) {
            loop {
                let v = host
                    .next_or_eof(name)
                    .unwrap_or_else(|| panic!("{name}: host exited"));
                if v.get("event").and_then(Value::as_str) == Some(event) {
                    break;
                }
                if v.get("event").is_none() {
                    answers.push(v);
                }
            }
        }
    }
    if eof {
        answers.extend(
            host.finish(name)
                .into_iter()
                .filter(|v| v.get("event").is_none()),
        );
    } else {
        while answers.len() < expected.len() {
            let v = host
                .next_or_eof(name)
                .unwrap_or_else(|| panic!("{name}: host exited; answers so far {answers:?}"));
            if v.get("event").is_none() {
                answers.push(v);
            }
        }
    }
    let mut unmatched = answers.clone();
    for e in &expected {
        let i = unmatched
            .iter()
            .position(|a| matches(e, a))
            .unwrap_or_else(|| panic!("{name}: expected {e}, got {answers:#?}"));
        unmatched.remove(i);
    }
    assert!(
        unmatched.is_empty(),
        "{name}: unexpected answers {unmatched:#?}"
    );
    if !eof {
        // Still serving, and nothing stray was queued before this answer.
        let ping = format!("ping-{index}");
        host.write(&framed(
            json!({"id": ping, "command": "version"})
                .to_string()
                .as_bytes(),
        ));
        let v = host
            .next_or_eof(name)
            .unwrap_or_else(|| panic!("{name}: host exited instead of answering version"));
        assert_eq!(v["id"], json!(ping), "{name}: stray frame {v}");
        assert_eq!(v["result"]["protocol"], json!(1), "{name}: {v}");
    }
    let new_apdus = host.apdu_lines()[apdus_before..].to_vec();
    if case["apdus"].as_str() != Some("any") {
        assert!(
            new_apdus.is_empty(),
            "{name}: the card saw APDUs for a request that must not reach it: {new_apdus:#?}"
        );
    }
    // One VERIFY per PIN the user typed: never more than one per case.
    let verifies = new_apdus
        .iter()
        .filter(|l| l.starts_with("VERIFY |"))
        .count();
    assert!(verifies <= 1, "{name}: {verifies} VERIFYs");
}

fn load_cases() -> Vec<Value> {
    let text = fs::read_to_string(corpus_dir().join("cases.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("bad corpus line {e}: {l:.200}"))
        })
        .collect()
}

#[test]
fn corpus_is_well_formed_and_large_enough() {
    let cases = load_cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut names: Vec<&str> = cases
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate case names");
    for c in &cases {
        assert!(
            !expectations(c).is_empty() || c["eof"] == json!(true),
            "{c}"
        );
        for f in frames_of(c) {
            let _ = frame_bytes(&f);
        }
    }
}

#[test]
fn every_corpus_case_gets_its_answer_and_the_host_keeps_serving() {
    let started = Instant::now();
    let dir = scratch("all");
    let cases = load_cases();
    let mut shared = Host::simulator(&dir, "shared", &[]);
    let mut own = 0;
    for (i, case) in cases.iter().enumerate() {
        let args: Vec<&str> = case
            .get("args")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        if args.is_empty() && case["eof"] != json!(true) {
            run_case(&mut shared, case, i);
        } else {
            own += 1;
            let mut host = Host::simulator(&dir, &format!("case{i}"), &args);
            run_case(&mut host, case, i);
            if case["eof"] != json!(true) {
                let rest = host.finish(case["name"].as_str().unwrap());
                assert!(
                    rest.iter()
                        .all(|v| v.get("event").is_some() || v["error"]["code"] == "CANCELLED"),
                    "{rest:?}"
                );
            }
        }
    }
    let rest = shared.finish("shared host");
    assert!(rest.is_empty(), "stray frames at the end: {rest:?}");
    // Every malformed PIN and origin case ran on a host whose card log shows no VERIFY of it.
    let shared_verifies = shared
        .apdu_lines()
        .iter()
        .filter(|l| l.starts_with("VERIFY |"))
        .count();
    let controls = cases.iter().filter(|c| c["apdus"] == "any").count();
    assert_eq!(
        shared_verifies, controls,
        "one VERIFY per positive control, none for malformed input"
    );
    eprintln!(
        "{} corpus cases ({own} in their own host) in {:?}",
        cases.len(),
        started.elapsed()
    );
    let _ = fs::remove_dir_all(&dir);
}
