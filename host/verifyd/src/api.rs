//! The HTTP API: JSON in, JSON out. Verdicts (valid or not) are 200; malformed requests 4xx;
//! an unreachable challenge store 503.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use mynakey_verify::{verify_signature, HashAlgorithm, LoginToken, VerifyError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::error::ServiceError;
use crate::state::AppState;

/// Largest request body: a token is at most 10,000 bytes, a certificate 16 KiB in base64.
pub const BODY_MAX_BYTES: usize = 64 * 1024;
/// A request that takes longer is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest session id accepted.
const SESSION_MAX_LEN: usize = 256;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/challenges", post(challenges))
        .route("/v1/login", post(login))
        .route("/v1/signature", post(signature))
        .route("/v1/health", get(health))
        .layer(DefaultBodyLimit::max(BODY_MAX_BYTES))
        .layer(middleware::from_fn(timeout))
        .with_state(state)
}

async fn timeout(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": { "code": "TIMEOUT", "message": "request timed out" } })),
        )
            .into_response(),
    }
}

/// The body as `T`, or a 400 that says what is wrong with it.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(body).map_err(|e| ServiceError::BadRequest(format!("request body: {e}")))
}

/// A session id: 1–256 printable ASCII characters (an opaque id from the relying party).
fn check_session(session: &str) -> Result<(), ServiceError> {
    let printable = session.bytes().all(|b| b.is_ascii_graphic());
    if session.is_empty() || session.len() > SESSION_MAX_LEN || !printable {
        return Err(ServiceError::BadRequest(format!(
            "session must be 1–{SESSION_MAX_LEN} printable ASCII characters"
        )));
    }
    Ok(())
}

fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    x509_cert::der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeRequest {
    session: String,
}

async fn challenges(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ServiceError> {
    let request: ChallengeRequest = parse(&body)?;
    check_session(&request.session)?;
    let issued = state.challenges.issue(&request.session).await?;
    Ok(Json(json!({
        "challenge": issued.challenge,
        "expiresAt": rfc3339(issued.expires_at),
    })))
}

/// The login proof as the page library returns it (a JSON object) or as its JSON text. Either
/// way the verifier gets the token's JSON text, so the object is capped like the text: its bytes
/// as sent, 100–10,000 (`TOKEN_SIZE`).
#[derive(Deserialize)]
#[serde(transparent)]
struct TokenField(Box<RawValue>);

impl TokenField {
    /// The token's JSON text: the object as sent, or the string's contents.
    fn text(&self) -> Result<Cow<'_, str>, ServiceError> {
        let raw = self.0.get();
        match raw.as_bytes().first() {
            Some(b'{') => Ok(Cow::Borrowed(raw)),
            Some(b'"') => serde_json::from_str::<String>(raw)
                .map(Cow::Owned)
                .map_err(|e| ServiceError::BadRequest(format!("token: {e}"))),
            _ => Err(ServiceError::BadRequest(
                "token must be the login proof (a JSON object) or its JSON text (a string)".into(),
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    token: TokenField,
    origin: String,
    session: Option<String>,
    challenge: Option<String>,
}

/// `{"valid": true, "identity": …}` or `{"valid": false, "error": {"code", "message"}}`.
fn verdict<T: Serialize>(result: Result<T, VerifyError>) -> Json<Value> {
    Json(match result {
        Ok(identity) => json!({ "valid": true, "identity": identity }),
        Err(e) => json!({
            "valid": false,
            "error": { "code": e.code(), "message": e.to_string() },
        }),
    })
}

async fn login(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ServiceError> {
    let request: LoginRequest = parse(&body)?;
    // Checked before a stored challenge is taken: a malformed request uses nothing up.
    let token = request.token.text()?;
    let challenge = match (&request.session, request.challenge) {
        (Some(session), None) => {
            check_session(session)?;
            // Taken before anything is checked: an attempt uses the challenge up either way.
            match state.challenges.take(session).await? {
                Some(challenge) => challenge,
                None => {
                    return Ok(Json(json!({
                        "valid": false,
                        "error": {
                            "code": "CHALLENGE_UNKNOWN",
                            "message": "no live challenge for this session (never issued, \
                                        expired, replaced or already used)",
                        },
                    })))
                }
            }
        }
        (None, Some(challenge)) => challenge,
        _ => {
            return Err(ServiceError::BadRequest(
                "give exactly one of session and challenge".into(),
            ))
        }
    };
    let trust = state.trust();
    let result = LoginToken::parse(&token)
        .and_then(|token| token.verify(&request.origin, &challenge, &trust, SystemTime::now()));
    Ok(verdict(result))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignatureRequest {
    hash_algorithm: String,
    hash: String,
    signature: String,
    certificate: String,
}

async fn signature(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ServiceError> {
    let request: SignatureRequest = parse(&body)?;
    let bad = |m: String| ServiceError::BadRequest(m);
    let alg = HashAlgorithm::from_name(&request.hash_algorithm).ok_or_else(|| {
        bad(format!(
            "hashAlgorithm {:?} is not SHA-256, SHA-384 or SHA-512",
            request.hash_algorithm
        ))
    })?;
    let b64 = |v: &str, name: &str| {
        STANDARD
            .decode(v)
            .map_err(|_| bad(format!("{name} is not standard base64")))
    };
    let hash = b64(&request.hash, "hash")?;
    let sig = b64(&request.signature, "signature")?;
    let cert = b64(&request.certificate, "certificate")?;
    let trust = state.trust();
    Ok(verdict(verify_signature(
        &hash,
        alg,
        &sig,
        &cert,
        &trust,
        SystemTime::now(),
    )))
}

/// 200 when the instance can serve every request: CRLs current and the challenge store
/// reachable; otherwise 503, so a load balancer takes it out.
async fn health(State(state): State<Arc<AppState>>) -> Response {
    let (crls_current, crls, reload_error) = state.health();
    let store_reachable = state.challenges.reachable().await;
    let ready = crls_current && store_reachable;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "challengeStore": state.challenges.kind(),
        "challengeStoreReachable": store_reachable,
        "crls": crls,
        "reloadError": reload_error,
    });
    (status, Json(body)).into_response()
}
