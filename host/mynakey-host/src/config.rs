//! The host's configuration file. Browsers pass no arguments from the manifest, so switches a
//! developer needs (development origins, logging) live here.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
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

    /// Loads the file; a missing file means defaults. Unknown keys are reported (so a typo
    /// is seen) and skipped, keeping the settings that were understood.
    pub fn load() -> Result<Loaded, ConfigError> {
        let Some(path) = Self::path() else {
            return Ok(Loaded::default());
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::parse(&bytes).map_err(|source| ConfigError::Parse {
            path: path.clone(),
            source,
        })
    }

    fn parse(bytes: &[u8]) -> Result<Loaded, serde_json::Error> {
        let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes)?;
        let mut warnings = Vec::new();
        map.retain(|key, _| {
            let known = KNOWN_KEYS.contains(&key.as_str());
            if !known {
                warnings.push(format!(
                    "unknown configuration key {key:?} ignored (known: {})",
                    KNOWN_KEYS.join(", ")
                ));
            }
            known
        });
        let config = serde_json::from_value(serde_json::Value::Object(map))?;
        Ok(Loaded { config, warnings })
    }
}

const KNOWN_KEYS: [&str; 3] = ["allowDevelopmentOrigins", "logFile", "logLevel"];

/// A configuration and what was wrong with the file.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_reported_and_the_rest_kept() {
        let loaded =
            Config::parse(br#"{"allowDevelopmentOrigins": true, "allowDevOrigins": true}"#)
                .unwrap();
        assert!(loaded.config.allow_development_origins);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("allowDevOrigins"));
        assert!(Config::parse(br#"{"allowDevelopmentOrigins": "yes"}"#).is_err());
        assert!(Config::parse(b"[]").is_err());
    }
}
