//! The trust store the service verifies with, swapped whole on reload.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use mynakey_verify::{read_capped, CrlInfo, Trust, CRL_MAX_BYTES};

use crate::challenges::Challenges;
use crate::error::ServiceError;

/// Where the roots and CRLs come from (read again on every reload).
#[derive(Debug, Clone)]
pub struct TrustSource {
    pub trust_dir: Option<PathBuf>,
    pub crls: Vec<PathBuf>,
}

impl TrustSource {
    /// Reads and checks every root and CRL (blocking: CRLs may be large).
    pub fn load(&self) -> Result<Trust, ServiceError> {
        let setup = |m: String| ServiceError::Setup(m);
        let mut trust = match &self.trust_dir {
            Some(dir) => Trust::from_dir(dir).map_err(|e| setup(e.to_string()))?,
            None => Trust::jpki().map_err(|e| setup(e.to_string()))?,
        };
        for file in &self.crls {
            let name = file.display();
            let bytes = read_capped(Path::new(file), CRL_MAX_BYTES)
                .map_err(|e| setup(format!("--crl {name}: {e}")))?;
            trust
                .add_crl(&bytes)
                .map_err(|e| setup(format!("--crl {name}: {e}")))?;
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
    last_reload_error: RwLock<Option<String>>,
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
                None
            }
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(format!("reload task failed: {e}")),
        };
        if let Some(e) = &result {
            eprintln!("mynakey-verifyd: reload failed, previous CRLs still serving: {e}");
        } else {
            eprintln!("mynakey-verifyd: reloaded");
        }
        *self
            .last_reload_error
            .write()
            .unwrap_or_else(|e| e.into_inner()) = result;
    }

    /// Ready when every loaded CRL is current; with each CRL's facts.
    pub fn health(&self) -> (bool, Vec<CrlInfo>, Option<String>) {
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
