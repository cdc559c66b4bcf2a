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
use mynakey_verify::{verify_signature, CrlInfo, HashAlgorithm, LoginToken, VerifyError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ErrorBody, LoadError, ServiceCode, ServiceError};
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
        Err(_) => ErrorBody::reply(
            StatusCode::SERVICE_UNAVAILABLE,
            ServiceCode::Timeout,
            "request timed out".into(),
        ),
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// Your opaque id of the browser session: 1–256 printable ASCII characters.
    session: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeReply {
    /// Give it to the page; single use, bound to the session.
    challenge: String,
    /// RFC 3339, 5 minutes from now.
    expires_at: String,
}

/// A challenge for a session (replacing its previous one).
#[utoipa::path(post, path = "/v1/challenges", request_body = ChallengeRequest, responses(
    (status = 200, body = ChallengeReply),
    (status = 400, description = "`BAD_REQUEST`", body = ErrorBody),
    (status = 413, description = "body over 64 KiB"),
    (status = 503, description = "`STORE_UNAVAILABLE`, `STORE_FULL`, `TIMEOUT`", body = ErrorBody),
))]
pub async fn challenges(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<ChallengeReply>, ServiceError> {
    let request: ChallengeRequest = parse(&body)?;
    check_session(&request.session)?;
    let issued = state.challenges.issue(&request.session).await?;
    Ok(Json(ChallengeReply {
        challenge: issued.challenge,
        expires_at: rfc3339(issued.expires_at),
    }))
}

/// The login proof as the page library returns it (a JSON object) or as its JSON text. Either
/// way the verifier gets the token's JSON text, so the object is capped like the text: its bytes
/// as sent, 100–10,000 (`TOKEN_SIZE`).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct TokenField(Box<RawValue>);

impl PartialSchema for TokenField {
    fn schema() -> RefOr<Schema> {
        let object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "the login proof as the page library returns it (web-eid:1.0)",
            ));
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("the login proof's JSON text"));
        OneOfBuilder::new()
            .item(object)
            .item(text)
            .description(Some("100–10,000 bytes as sent (TOKEN_SIZE)"))
            .into()
    }
}

impl ToSchema for TokenField {}

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

/// Exactly one of `session` and `challenge`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    token: TokenField,
    /// Your login page's origin, `https://host[:port]`.
    origin: String,
    /// The session a challenge was issued for (it is taken, used or not).
    session: Option<String>,
    /// A challenge you keep yourself.
    challenge: Option<String>,
}

/// A verdict's code: the verifier's (§7 of docs/relying-party.md) or `CHALLENGE_UNKNOWN`.
#[derive(Serialize)]
#[serde(transparent)]
pub struct VerdictCode(&'static str);

impl VerdictCode {
    /// No live challenge for the session.
    pub const CHALLENGE_UNKNOWN: &'static str = "CHALLENGE_UNKNOWN";

    /// Every code a verdict can carry.
    pub fn all() -> impl Iterator<Item = &'static str> {
        VerifyError::CODES
            .into_iter()
            .chain([Self::CHALLENGE_UNKNOWN])
    }
}

impl PartialSchema for VerdictCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Self::all()))
            .into()
    }
}

impl ToSchema for VerdictCode {}

#[derive(Serialize, ToSchema)]
pub struct VerdictError {
    code: VerdictCode,
    message: String,
}

/// `{"valid": true, "identity": …}` or `{"valid": false, "error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
pub struct Verdict {
    valid: bool,
    /// The holder (login) or signer (signature), §3 and §8 of docs/relying-party.md.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    identity: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<VerdictError>,
}

impl Verdict {
    fn refused(code: &'static str, message: String) -> Json<Self> {
        Json(Self {
            valid: false,
            identity: None,
            error: Some(VerdictError {
                code: VerdictCode(code),
                message,
            }),
        })
    }
}

/// The verifier's result as a verdict (an identity that cannot be written as JSON is a 500).
fn verdict<T: Serialize>(result: Result<T, VerifyError>) -> Result<Json<Verdict>, ServiceError> {
    Ok(match result {
        Ok(identity) => Json(Verdict {
            valid: true,
            identity: Some(
                serde_json::to_value(identity)
                    .map_err(|e| ServiceError::Setup(format!("identity: {e}")))?,
            ),
            error: None,
        }),
        Err(e) => Verdict::refused(e.code(), e.to_string()),
    })
}

/// Verifies a login proof over the session's challenge (or an explicit one).
#[utoipa::path(post, path = "/v1/login", request_body = LoginRequest, responses(
    (status = 200, description = "a verdict, valid or not", body = Verdict),
    (status = 400, description = "`BAD_REQUEST`", body = ErrorBody),
    (status = 413, description = "body over 64 KiB"),
    (status = 503, description = "`STORE_UNAVAILABLE`, `TIMEOUT`", body = ErrorBody),
))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Verdict>, ServiceError> {
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
                    return Ok(Verdict::refused(
                        VerdictCode::CHALLENGE_UNKNOWN,
                        "no live challenge for this session (never issued, expired, replaced \
                         or already used)"
                            .into(),
                    ))
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
    verdict(result)
}

/// A document signature: every field but `hashAlgorithm` is standard base64.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignatureRequest {
    /// `SHA-256`, `SHA-384` or `SHA-512`.
    hash_algorithm: String,
    hash: String,
    signature: String,
    /// The signer's certificate (DER).
    certificate: String,
}

/// Verifies a signature over a hash and names the signer.
#[utoipa::path(post, path = "/v1/signature", request_body = SignatureRequest, responses(
    (status = 200, description = "a verdict, valid or not", body = Verdict),
    (status = 400, description = "`BAD_REQUEST`", body = ErrorBody),
    (status = 413, description = "body over 64 KiB"),
    (status = 503, description = "`TIMEOUT`", body = ErrorBody),
))]
pub async fn signature(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Verdict>, ServiceError> {
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
    verdict(verify_signature(
        &hash,
        alg,
        &sig,
        &cert,
        &trust,
        SystemTime::now(),
    ))
}

/// `/v1/health`'s body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    ready: bool,
    /// `memory` or `redis`.
    challenge_store: &'static str,
    challenge_store_reachable: bool,
    /// Each loaded CRL: purpose, issuer, rootFingerprint, thisUpdate, nextUpdate, entries,
    /// current.
    #[schema(value_type = Vec<Object>)]
    crls: Vec<CrlInfo>,
    /// Why the last reload failed: `{"file": "trust"|"crl", "index"?, "code"}`, or null.
    #[schema(value_type = Option<Object>)]
    reload_error: Option<LoadError>,
}

/// 200 when the instance can serve every request: CRLs current and the challenge store
/// reachable; otherwise 503, so a load balancer takes it out.
#[utoipa::path(get, path = "/v1/health", responses(
    (status = 200, description = "ready", body = Health),
    (status = 503, description = "not ready (a CRL not current, or the store unreachable)", body = Health),
))]
pub async fn health(State(state): State<Arc<AppState>>) -> Response {
    let (crls_current, crls, reload_error) = state.health();
    let store_reachable = state.challenges.reachable().await;
    let ready = crls_current && store_reachable;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        ready,
        challenge_store: state.challenges.kind(),
        challenge_store_reachable: store_reachable,
        crls,
        reload_error,
    };
    (status, Json(body)).into_response()
}
