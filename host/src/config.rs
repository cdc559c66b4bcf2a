//! The host's configuration file. Browsers pass no arguments from the manifest, so switches a
//! developer needs (development origins, logging) live here.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Accept `http://localhost[:port]` and `http://127.0.0.1[:port]` origins (development only).
    #[serde(default)]
    pub allow_development_origins: bool,
    /// Write the log here instead of stderr.
    #[serde(default)]
    pub log_file: Option<PathBuf>,
    /// `error`, `warn` (default), `info`, `debug` or `trace`.
    #[serde(default)]
    pub log_level: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid configuration: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl Config {
    /// `$MYNAKEY_CONFIG`, else the platform's config directory + `mynakey/config.json`.
    pub fn path() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("MYNAKEY_CONFIG") {
            return Some(PathBuf::from(path));
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let base = if cfg!(target_os = "windows") {
            std::env::var_os("APPDATA").map(PathBuf::from)
        } else if cfg!(target_os = "macos") {
            home.map(|h| h.join("Library/Application Support"))
        } else {
            std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.map(|h| h.join(".config")))
        };
        base.map(|b| b.join("mynakey").join("config.json"))
    }

    /// Loads the file; a missing file means defaults.
    pub fn load() -> Result<Config, ConfigError> {
        let Some(path) = Self::path() else {
            return Ok(Config::default());
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| ConfigError::Parse { path, source })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }
}
