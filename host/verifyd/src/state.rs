//! The trust store the service verifies with, swapped whole on reload.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use mynakey_verify::{read_capped, CrlInfo, Trust, VerifyError, CRL_MAX_BYTES};

use crate::challenges::Challenges;
use crate::error::{FileRole, LoadError};

/// Where the roots and CRLs come from (read again on every reload).
#[derive(Debug, Clone)]
pub struct TrustSource {
    pub trust_dir: Option<PathBuf>,
    pub crls: Vec<PathBuf>,
}

impl TrustSource {
    /// Reads and checks every root and CRL (blocking: CRLs may be large).
    pub fn load(&self) -> Result<Trust, LoadError> {
        let roots = FileRole {
            file: "trust",
            index: None,
        };
        let verify = |role: FileRole, what: String| {
            move |e: VerifyError| LoadError {
                role,
                code: e.code(),
                detail: format!("{what}: {e}"),
            }
        };
        let mut trust = match &self.trust_dir {
            Some(dir) => {
                Trust::from_dir(dir).map_err(verify(roots, format!("--trust {}", dir.display())))?
            }
            None => Trust::jpki().map_err(verify(roots, "built-in roots".into()))?,
        };
        for (i, file) in self.crls.iter().enumerate() {
            let role = FileRole {
                file: "crl",
                index: Some(i + 1),
            };
            let what = format!("--crl {}", file.display());
            let bytes = read_capped(Path::new(file), CRL_MAX_BYTES).map_err(|e| LoadError {
                role,
                code: "READ_FAILED",
                detail: format!("{what}: {e}"),
            })?;
            trust.add_crl(&bytes).map_err(verify(role, what))?;
        }
        Ok(trust)
    }
}

/// Shared by every request.
pub struct AppState {
    trust: RwLock<Arc<Trust>>,
    pub source: TrustSource,
    pub challenges: Challenges,
    /// Why the last reload failed (the previous trust store is still serving), if it did.
    last_reload_error: RwLock<Option<LoadError>>,
}

impl AppState {
    pub fn new(trust: Trust, source: TrustSource, challenges: Challenges) -> Self {
        Self {
            trust: RwLock::new(Arc::new(trust)),
            source,
            challenges,
            last_reload_error: RwLock::new(None),
        }
    }

    /// The current trust store; a request keeps the one it started with across a reload.
    pub fn trust(&self) -> Arc<Trust> {
        Arc::clone(&self.trust.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Loads roots and CRLs again off the request threads, then swaps them in at once; on
    /// failure the old store keeps serving and the error is reported by health.
    pub async fn reload(self: &Arc<Self>) {
        let source = self.source.clone();
        let loaded = tokio::task::spawn_blocking(move || source.load()).await;
        let result = match loaded {
            Ok(Ok(trust)) => {
                *self.trust.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(trust);
                eprintln!("mynakey-verifyd: reloaded");
                None
            }
            Ok(Err(e)) => {
                eprintln!("mynakey-verifyd: reload failed, previous CRLs still serving: {e}");
                Some(e)
            }
            Err(e) => {
                eprintln!("mynakey-verifyd: reload task failed: {e}");
                Some(LoadError {
                    role: FileRole {
                        file: "trust",
                        index: None,
                    },
                    code: "RELOAD_FAILED",
                    detail: e.to_string(),
                })
            }
        };
        *self
            .last_reload_error
            .write()
            .unwrap_or_else(|e| e.into_inner()) = result;
    }

    /// Ready when every loaded CRL is current; with each CRL's facts.
    pub fn health(&self) -> (bool, Vec<CrlInfo>, Option<LoadError>) {
        let crls = self.trust().crls(SystemTime::now());
        let ready = crls.iter().all(|c| c.current);
        let error = self
            .last_reload_error
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        (ready, crls, error)
    }
}
