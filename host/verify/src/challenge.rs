//! Login challenges: 32 random bytes, single use, bound to a browser session, short-lived.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;

/// A fresh challenge: 32 bytes from the operating system's CSPRNG, standard base64 with
/// padding (44 characters).
pub fn new_challenge() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// How long a challenge stays usable by default.
pub const DEFAULT_CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);

/// In-memory challenge store for a single server process (example servers, tests).
///
/// The rule it implements: a challenge is **issued for one browser session**, **used once**
/// ([`ChallengeStore::take`] removes it whether or not the proof then verifies) and **expires**
/// (5 minutes by default). Issuing a new challenge for a session replaces the old one. Key it
/// by the server-side session id (not something the page sends in the login request body);
/// a challenge that is not bound to the session lets an attacker log a victim into the
/// attacker's account (login CSRF). Multi-process deployments keep the same rule in their
/// shared session store.
#[derive(Debug)]
pub struct ChallengeStore {
    ttl: Duration,
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl Default for ChallengeStore {
    fn default() -> Self {
        Self::new()
    }
}

impl ChallengeStore {
    /// A store whose challenges expire after [`DEFAULT_CHALLENGE_TTL`].
    pub fn new() -> Self {
        Self::with_ttl(DEFAULT_CHALLENGE_TTL)
    }

    /// A store with another lifetime.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long an issued challenge stays live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a new challenge for `session_id`, replacing any earlier one.
    pub fn issue(&self, session_id: &str) -> String {
        self.issue_at(session_id, Instant::now())
    }

    /// [`ChallengeStore::issue`] with an explicit clock (for tests).
    pub fn issue_at(&self, session_id: &str, now: Instant) -> String {
        let challenge = new_challenge();
        let mut entries = self.lock();
        let ttl = self.ttl;
        entries.retain(|_, (_, issued)| now.saturating_duration_since(*issued) < ttl);
        entries.insert(session_id.to_owned(), (challenge.clone(), now));
        challenge
    }

    /// Removes and returns the session's challenge if it has not expired. A second call
    /// returns `None`: each challenge verifies at most one proof.
    pub fn take(&self, session_id: &str) -> Option<String> {
        self.take_at(session_id, Instant::now())
    }

    /// [`ChallengeStore::take`] with an explicit clock (for tests).
    pub fn take_at(&self, session_id: &str, now: Instant) -> Option<String> {
        let (challenge, issued) = self.lock().remove(session_id)?;
        (now.saturating_duration_since(issued) < self.ttl).then_some(challenge)
    }

    /// Number of stored (possibly expired) challenges.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        // A panic elsewhere while holding the lock leaves the map consistent; keep going.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_is_44_chars_of_32_random_bytes() {
        let a = new_challenge();
        assert_eq!(a.len(), 44);
        assert_eq!(STANDARD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_challenge());
    }

    #[test]
    fn store_is_single_use_per_session_and_expires() {
        let store = ChallengeStore::new();
        let t0 = Instant::now();
        let c = store.issue_at("s1", t0);
        assert_eq!(store.take_at("s2", t0), None, "bound to the session");
        assert_eq!(store.take_at("s1", t0 + Duration::from_secs(10)), Some(c));
        assert_eq!(store.take_at("s1", t0), None, "single use");

        let old = store.issue_at("s1", t0);
        let new = store.issue_at("s1", t0);
        assert_ne!(old, new);
        assert_eq!(store.take_at("s1", t0), Some(new), "re-issue replaces");

        store.issue_at("s3", t0);
        assert_eq!(
            store.take_at("s3", t0 + DEFAULT_CHALLENGE_TTL),
            None,
            "expired"
        );

        store.issue_at("s4", t0);
        store.issue_at("s5", t0 + DEFAULT_CHALLENGE_TTL);
        assert_eq!(store.len(), 1, "expired entries are purged on issue");
    }
}
