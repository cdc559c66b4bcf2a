//! The API as an OpenAPI 3.1 document, derived by utoipa from the handlers' annotations and the
//! request and reply types; served at `/v1/openapi.json` and checked in as docs/openapi.json.

use std::sync::LazyLock;

use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::api;
use crate::error::{ErrorBody, ServiceCode};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mynakey-verifyd",
        description = "Verifies mynakey login proofs and JPKI signatures for relying parties \
                       (docs/relying-party.md §11).",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(api::challenges, api::login, api::signature, api::health, serve),
    components(schemas(ErrorBody, ServiceCode, api::VerdictCode))
)]
struct ApiDoc;

/// This API as OpenAPI 3.1 (the same text as docs/openapi.json).
// Tagged and named as the other handlers are (by their module, `api`, and their name).
#[utoipa::path(get, path = "/v1/openapi.json", operation_id = "openapi", tag = "api", responses(
    (status = 200, description = "the OpenAPI document", content_type = "application/json"),
))]
pub async fn serve() -> Response {
    let headers = [(axum::http::header::CONTENT_TYPE, "application/json")];
    (headers, document()).into_response()
}

/// The document as pretty JSON with a final newline (built once).
pub fn document() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        let mut doc = ApiDoc::openapi();
        // The package version would make the checked-in copy stale on every release.
        doc.info.version = "1".into();
        let text = doc
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text + "\n"
    });
    &DOCUMENT
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::path::PathBuf;

    use serde_json::Value;

    use super::*;
    use crate::error::ServiceError;

    /// Where the checked-in copy lives, from the workspace root.
    const CHECKED_IN_PATH: &str = "docs/openapi.json";

    /// The checked-in copy is what the types say now; `MYNAKEY_REGENERATE=1 cargo test -p
    /// mynakey-verifyd` rewrites it.
    #[test]
    fn the_checked_in_document_is_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(CHECKED_IN_PATH);
        if std::env::var("MYNAKEY_REGENERATE").as_deref() == Ok("1") {
            std::fs::write(&path, document()).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == document(),
            "{CHECKED_IN_PATH} is stale: MYNAKEY_REGENERATE=1 cargo test -p mynakey-verifyd"
        );
    }

    fn enum_of(doc: &Value, schema: &str) -> Vec<String> {
        let values = &doc["components"]["schemas"][schema]["enum"];
        values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// Every code a reply can carry is named in the document: each service error's (and the
    /// timeout's), and each verdict's.
    #[test]
    fn every_error_code_is_in_the_document() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let service = enum_of(&doc, "ServiceCode");
        let errors = [
            ServiceError::BadRequest(String::new()),
            ServiceError::StoreUnavailable(String::new()),
            ServiceError::StoreFull(mynakey_verifyd::memory::MemoryStoreError::Full(1)),
            ServiceError::Setup(String::new()),
        ];
        let mut codes: Vec<ServiceCode> = errors.iter().map(|e| e.status_and_code().1).collect();
        codes.push(ServiceCode::Timeout);
        for code in codes {
            let name = serde_json::to_value(code).unwrap();
            assert!(
                service.iter().any(|s| *s == name),
                "{name} missing from {service:?}"
            );
        }
        let verdicts = enum_of(&doc, "VerdictCode");
        for code in api::VerdictCode::all() {
            assert!(
                verdicts.iter().any(|s| s == code),
                "{code} missing from {verdicts:?}"
            );
        }
        assert!(verdicts.contains(&"CHALLENGE_UNKNOWN".to_owned()));
        assert!(verdicts.contains(&"REVOKED".to_owned()));
    }
}
