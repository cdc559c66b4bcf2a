//! The simulated card's APDU log (`--apdu-log`, test-only): one line per command,
//! `describe | bytes | SW len`, with PIN bytes redacted.

use std::fs;
use std::path::Path;

/// The only application the host may select (design principle 1).
pub const SELECT_JPKI: &str = "SELECT AID D392F000260100000001";

/// The log's lines; none while the card has not written it.
pub fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The `describe()` part of each line.
pub fn sequence(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.split(" | ").next().unwrap_or("").to_string())
        .collect()
}
