//! The in-process challenge store: one map by session and one by expiry time, so issuing
//! never scans every entry, and a cap on how many challenges may be live at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mynakey_verify::new_challenge;

/// Live challenges allowed by default (about 0.5 GB at worst: 256-byte session ids).
pub const DEFAULT_MAX_CHALLENGES: usize = 1_000_000;
/// Expired entries removed per issue: more than the one it adds, so the store keeps up,
/// while the lock is never held for a whole backlog.
const PURGE_BATCH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum MemoryStoreError {
    /// As many challenges are live as the store may hold.
    #[error("{0} challenges are live, the most this instance holds (--max-challenges)")]
    Full(usize),
}

struct Entry {
    challenge: String,
    /// Key of this entry in `Inner::by_expiry`.
    expiry: (Instant, u64),
}

#[derive(Default)]
struct Inner {
    by_session: HashMap<Arc<str>, Entry>,
    by_expiry: BTreeMap<(Instant, u64), Arc<str>>,
    /// Tie-breaker for challenges that expire in the same instant.
    next: u64,
}

impl Inner {
    /// Drops at most `limit` challenges that expired by `now`, oldest first.
    fn purge(&mut self, now: Instant, limit: usize) {
        for _ in 0..limit {
            match self.by_expiry.first_key_value() {
                Some(((expires, _), _)) if *expires <= now => {}
                _ => return,
            }
            if let Some((_, session)) = self.by_expiry.pop_first() {
                self.by_session.remove(&session);
            }
        }
    }

    fn remove(&mut self, session: &str) -> Option<Entry> {
        let entry = self.by_session.remove(session)?;
        self.by_expiry.remove(&entry.expiry);
        Some(entry)
    }
}

/// Challenges bound to sessions: single use, expiring, at most `max` live.
pub struct MemoryStore {
    ttl: Duration,
    max: usize,
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new(ttl: Duration, max: usize) -> Self {
        Self {
            ttl,
            max,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A new challenge for `session`, replacing any live one.
    pub fn issue(&self, session: &str) -> Result<String, MemoryStoreError> {
        self.issue_at(session, Instant::now())
    }

    /// [`MemoryStore::issue`] with an explicit clock.
    pub fn issue_at(&self, session: &str, now: Instant) -> Result<String, MemoryStoreError> {
        // Drawn before the lock is taken: the lock covers map updates only.
        let challenge = new_challenge();
        let expires = now + self.ttl;
        let mut inner = self.lock();
        inner.purge(now, PURGE_BATCH);
        let replaced = inner.remove(session).is_some();
        if !replaced && inner.by_session.len() >= self.max {
            // Full only counts live challenges: clear any expired backlog first.
            inner.purge(now, usize::MAX);
            if inner.by_session.len() >= self.max {
                return Err(MemoryStoreError::Full(self.max));
            }
        }
        let key = (expires, inner.next);
        inner.next += 1;
        let session: Arc<str> = Arc::from(session);
        inner.by_expiry.insert(key, Arc::clone(&session));
        let entry = Entry {
            challenge: challenge.clone(),
            expiry: key,
        };
        inner.by_session.insert(session, entry);
        Ok(challenge)
    }

    /// Removes and returns `session`'s challenge if it is live: once.
    pub fn take(&self, session: &str) -> Option<String> {
        self.take_at(session, Instant::now())
    }

    /// [`MemoryStore::take`] with an explicit clock.
    pub fn take_at(&self, session: &str, now: Instant) -> Option<String> {
        let entry = self.lock().remove(session)?;
        (now < entry.expiry.0).then_some(entry.challenge)
    }

    /// Challenges held (some may have expired and not been dropped yet).
    pub fn len(&self) -> usize {
        self.lock().by_session.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The maps are updated together; a panic elsewhere cannot leave them half-changed.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const TTL: Duration = Duration::from_secs(300);

    #[test]
    fn single_use_per_session_replaced_and_expiring() {
        let store = MemoryStore::new(TTL, 10);
        let t0 = Instant::now();
        let c = store.issue_at("s1", t0).unwrap();
        assert_eq!(store.take_at("s2", t0), None, "bound to the session");
        assert_eq!(store.take_at("s1", t0), Some(c));
        assert_eq!(store.take_at("s1", t0), None, "single use");
        let old = store.issue_at("s1", t0).unwrap();
        let new = store.issue_at("s1", t0).unwrap();
        assert_ne!(old, new);
        assert_eq!(store.len(), 1, "a replaced challenge is gone");
        assert_eq!(store.take_at("s1", t0), Some(new));
        store.issue_at("s3", t0).unwrap();
        assert_eq!(store.take_at("s3", t0 + TTL), None, "expired");
        store.issue_at("s4", t0).unwrap();
        store.issue_at("s5", t0 + TTL).unwrap();
        assert_eq!(store.len(), 1, "expired entries are dropped on issue");
    }

    #[test]
    fn the_cap_counts_live_challenges_only() {
        let store = MemoryStore::new(TTL, 3);
        let t0 = Instant::now();
        for s in ["a", "b", "c"] {
            store.issue_at(s, t0).unwrap();
        }
        assert!(matches!(
            store.issue_at("d", t0),
            Err(MemoryStoreError::Full(3))
        ));
        store.issue_at("a", t0).unwrap();
        assert!(store.take_at("b", t0).is_some());
        store.issue_at("d", t0).unwrap();
        // Once they expire, new sessions fit again.
        store.issue_at("e", t0 + TTL).unwrap();
        assert_eq!(store.len(), 1);
    }
}
