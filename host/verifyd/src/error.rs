//! The service's errors and how each becomes an HTTP response. Verdicts (valid or not) are not
//! errors: they are 200 responses built in `api`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mynakey_verifyd::memory::MemoryStoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Which file a load failure is about: its role, never its path (health is not the log).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRole {
    /// `"trust"` (the roots: `--trust` or the built-in ones) or `"crl"`.
    pub file: &'static str,
    /// For a CRL: its position among the `--crl` options, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// Roots or a CRL that could not be loaded. The message (with the path) goes to the log;
/// health shows only `role` and `code`.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{detail}")]
pub struct LoadError {
    #[serde(flatten)]
    pub role: FileRole,
    /// `READ_FAILED`, or the verifier's code (§7 of docs/relying-party.md).
    pub code: &'static str,
    #[serde(skip)]
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request body is not the JSON this endpoint takes.
    #[error("{0}")]
    BadRequest(String),
    /// The challenge store (Redis) cannot be reached.
    #[error("challenge store unavailable: {0}")]
    StoreUnavailable(String),
    /// The in-memory store holds as many live challenges as it may.
    #[error(transparent)]
    StoreFull(#[from] MemoryStoreError),
    /// Roots or CRLs could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The service could not start (runtime, socket, stdout).
    #[error("{0}")]
    Setup(String),
}

/// Why a request got no verdict (§11 of docs/relying-party.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceCode {
    /// 400: the body is not the JSON this endpoint takes.
    BadRequest,
    /// 503: the request took over 10 s.
    Timeout,
    /// 503: the challenge store (Redis) cannot be reached.
    StoreUnavailable,
    /// 503: as many challenges are live as `--max-challenges` allows.
    StoreFull,
    /// 500: the service could not load its roots or CRLs.
    Setup,
}

/// `{"error": {"code", "message"}}`: every reply that is not a verdict or health.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ServiceCode,
    pub message: String,
}

impl ErrorBody {
    pub fn reply(status: StatusCode, code: ServiceCode, message: String) -> Response {
        let body = Self {
            error: ErrorDetail { code, message },
        };
        (status, Json(body)).into_response()
    }
}

impl ServiceError {
    pub fn status_and_code(&self) -> (StatusCode, ServiceCode) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ServiceCode::BadRequest),
            Self::StoreUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ServiceCode::StoreUnavailable,
            ),
            Self::StoreFull(_) => (StatusCode::SERVICE_UNAVAILABLE, ServiceCode::StoreFull),
            Self::Load(_) | Self::Setup(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ServiceCode::Setup)
            }
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        ErrorBody::reply(status, code, self.to_string())
    }
}
