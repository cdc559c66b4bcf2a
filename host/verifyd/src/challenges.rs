//! Challenge storage: in this process (default) or in Redis, shared by every instance.

use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use mynakey_verify::new_challenge;
use mynakey_verifyd::memory::MemoryStore;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Cmd};

use crate::error::ServiceError;

/// How long connecting to Redis, or one command, may take before the store counts as
/// unavailable (and the connection is dropped, to be made again on the next request).
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// Where challenges live.
pub enum Challenges {
    Memory(MemoryStore),
    Redis(RedisStore),
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

/// One multiplexed connection to Redis, replaced after any failure. Written here rather than
/// with redis' `ConnectionManager`: that one reconnects only on some errors and then waits
/// out its own backoff, which kept an instance unavailable for minutes after Redis was back.
pub struct RedisStore {
    client: Client,
    config: AsyncConnectionConfig,
    conn: RwLock<Option<MultiplexedConnection>>,
    ttl: Duration,
}

impl RedisStore {
    /// The current connection, or a new one (within the timeout).
    async fn connection(&self) -> Result<MultiplexedConnection, ServiceError> {
        if let Some(conn) = self.slot().clone() {
            return Ok(conn);
        }
        let connect = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config);
        let conn = tokio::time::timeout(REDIS_TIMEOUT, connect)
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?;
        *self.conn.write().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
        Ok(conn)
    }

    /// Runs `cmd`; on any failure drops the connection so the next request makes a new one.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &Cmd) -> Result<T, ServiceError> {
        let mut conn = self.connection().await?;
        // The connection's own response timeout bounds this; the outer one is a backstop.
        let result = tokio::time::timeout(REDIS_TIMEOUT, cmd.query_async(&mut conn)).await;
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.dropped(e)),
            Err(e) => Err(self.dropped(e)),
        }
    }

    fn dropped(&self, e: impl std::fmt::Display) -> ServiceError {
        *self.conn.write().unwrap_or_else(|e| e.into_inner()) = None;
        unavailable(e)
    }

    fn slot(&self) -> std::sync::RwLockReadGuard<'_, Option<MultiplexedConnection>> {
        self.conn.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl Challenges {
    /// Connects to Redis at `url` (fails if it cannot be reached now).
    pub async fn redis(url: &str, ttl: Duration) -> Result<Self, ServiceError> {
        let client = Client::open(url).map_err(unavailable)?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(REDIS_TIMEOUT)
            .set_response_timeout(REDIS_TIMEOUT);
        let store = RedisStore {
            client,
            config,
            conn: RwLock::new(None),
            ttl,
        };
        store.connection().await?;
        Ok(Self::Redis(store))
    }

    /// A new challenge for `session`, replacing any live one.
    pub async fn issue(&self, session: &str) -> Result<Issued, ServiceError> {
        let now = SystemTime::now();
        match self {
            Self::Memory(store) => Ok(Issued {
                challenge: store.issue(session)?,
                expires_at: now + store.ttl(),
            }),
            Self::Redis(store) => {
                let challenge = new_challenge();
                // SET … EX: the TTL is Redis's, so every instance sees the same expiry.
                let mut set = redis::cmd("SET");
                set.arg(redis_key(session))
                    .arg(&challenge)
                    .arg("EX")
                    .arg(store.ttl.as_secs());
                store.query::<()>(&set).await?;
                Ok(Issued {
                    challenge,
                    expires_at: now + store.ttl,
                })
            }
        }
    }

    /// Removes and returns `session`'s live challenge: whoever takes it first gets it, once.
    pub async fn take(&self, session: &str) -> Result<Option<String>, ServiceError> {
        match self {
            Self::Memory(store) => Ok(store.take(session)),
            // GETDEL is atomic: two instances cannot both get the value.
            Self::Redis(store) => {
                store
                    .query(redis::cmd("GETDEL").arg(redis_key(session)))
                    .await
            }
        }
    }

    /// Whether challenges can be issued and taken now (Redis answers a PING).
    pub async fn reachable(&self) -> bool {
        match self {
            Self::Memory(_) => true,
            Self::Redis(store) => store.query::<String>(&redis::cmd("PING")).await.is_ok(),
        }
    }

    /// `"memory"` or `"redis"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }
}
