//! APDU traces: what each flow sent to the card and got back, from the simulated card's log.

use mynakey_simulator::LogEntry;

#[derive(Clone, Debug)]
pub struct Apdu {
    /// `SELECT AID …`, `SELECT EF 000A`, `READ BINARY`, `VERIFY?`, `VERIFY`, `SIGN`, `INS CA`…
    pub kind: String,
    /// Command APDU bytes (header + Lc + data + Le).
    pub command: usize,
    /// Response APDU bytes (data + SW1 SW2).
    pub response: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub apdus: Vec<Apdu>,
}

impl Trace {
    /// Lines of `mynakey-host simulate --apdu-log`: `describe | command hex (PIN as **) | SW len`.
    pub fn from_log_lines(lines: &[String]) -> Trace {
        let apdus = lines
            .iter()
            .filter_map(|line| {
                let mut parts = line.split(" | ");
                let kind = parts.next()?.to_string();
                let command = parts.next()?.split_whitespace().count();
                let data_len: usize = parts.next()?.split_whitespace().nth(1)?.parse().ok()?;
                Some(Apdu {
                    kind,
                    command,
                    response: data_len + 2,
                })
            })
            .collect();
        Trace { apdus }
    }

    pub fn from_entries(entries: &[LogEntry]) -> Trace {
        Trace {
            apdus: entries
                .iter()
                .map(|e| Apdu {
                    kind: e.describe(),
                    command: e.command.len(),
                    response: e.response.len(),
                })
                .collect(),
        }
    }

    pub fn count(&self) -> usize {
        self.apdus.len()
    }

    pub fn bytes_out(&self) -> usize {
        self.apdus.iter().map(|a| a.command).sum()
    }

    pub fn bytes_in(&self) -> usize {
        self.apdus.iter().map(|a| a.response).sum()
    }

    /// `SELECT AID ×1, SELECT EF ×3, READ BINARY ×6, …` in order of first appearance.
    pub fn summary(&self) -> String {
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for a in &self.apdus {
            let k = if a.kind.starts_with("SELECT AID") {
                if a.kind.ends_with("D392F000260100000001") {
                    "SELECT JPKI AP".to_string()
                } else {
                    "SELECT other AID".to_string()
                }
            } else if a.kind.starts_with("SELECT EF") {
                "SELECT EF".to_string()
            } else {
                a.kind.clone()
            };
            match kinds.iter_mut().find(|(n, _)| *n == k) {
                Some((_, c)) => *c += 1,
                None => kinds.push((k, 1)),
            }
        }
        kinds
            .iter()
            .map(|(k, c)| format!("{k} ×{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
