//! The service's errors and how each becomes an HTTP response. Verdicts (valid or not) are not
//! errors: they are 200 responses built in `api`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mynakey_verifyd::memory::MemoryStoreError;
use serde_json::json;

use crate::state::LoadError;

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

impl ServiceError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            Self::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "STORE_UNAVAILABLE"),
            Self::StoreFull(_) => (StatusCode::SERVICE_UNAVAILABLE, "STORE_FULL"),
            Self::Load(_) | Self::Setup(_) => (StatusCode::INTERNAL_SERVER_ERROR, "SETUP"),
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = json!({ "error": { "code": code, "message": self.to_string() } });
        (status, Json(body)).into_response()
    }
}
