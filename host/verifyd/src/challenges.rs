//! Challenge storage: in this process (default) or in Redis, shared by every instance.

use std::time::{Duration, SystemTime};

use mynakey_verify::{new_challenge, ChallengeStore};
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use crate::error::ServiceError;

/// How long a Redis command may take before the store counts as unavailable.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Where challenges live.
pub enum Challenges {
    Memory(ChallengeStore),
    Redis {
        conn: ConnectionManager,
        ttl: Duration,
    },
}

/// A challenge just issued.
pub struct Issued {
    pub challenge: String,
    pub expires_at: SystemTime,
}

fn redis_key(session: &str) -> String {
    format!("mynakey:challenge:{session}")
}

fn unavailable(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::StoreUnavailable(e.to_string())
}

impl Challenges {
    /// Connects to Redis at `url` (fails if it cannot be reached now).
    pub async fn redis(url: &str, ttl: Duration) -> Result<Self, ServiceError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let conn = tokio::time::timeout(REDIS_TIMEOUT, ConnectionManager::new(client))
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?;
        Ok(Self::Redis { conn, ttl })
    }

    /// A new challenge for `session`, replacing any live one.
    pub async fn issue(&self, session: &str) -> Result<Issued, ServiceError> {
        let now = SystemTime::now();
        match self {
            Self::Memory(store) => Ok(Issued {
                challenge: store.issue(session),
                expires_at: now + store.ttl(),
            }),
            Self::Redis { conn, ttl } => {
                let challenge = new_challenge();
                let mut conn = conn.clone();
                // SET … EX: the TTL is Redis's, so every instance sees the same expiry.
                let set = conn.set_ex::<_, _, ()>(redis_key(session), &challenge, ttl.as_secs());
                tokio::time::timeout(REDIS_TIMEOUT, set)
                    .await
                    .map_err(unavailable)?
                    .map_err(unavailable)?;
                Ok(Issued {
                    challenge,
                    expires_at: now + *ttl,
                })
            }
        }
    }

    /// Removes and returns `session`'s live challenge: whoever takes it first gets it, once.
    pub async fn take(&self, session: &str) -> Result<Option<String>, ServiceError> {
        match self {
            Self::Memory(store) => Ok(store.take(session)),
            Self::Redis { conn, .. } => {
                let mut conn = conn.clone();
                // GETDEL is atomic: two instances cannot both get the value.
                let take = conn.get_del::<_, Option<String>>(redis_key(session));
                tokio::time::timeout(REDIS_TIMEOUT, take)
                    .await
                    .map_err(unavailable)?
                    .map_err(unavailable)
            }
        }
    }

    /// `"memory"` or `"redis"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis { .. } => "redis",
        }
    }
}
