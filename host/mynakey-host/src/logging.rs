//! Logging to a file or stderr, never stdout (stdout carries protocol frames only).

use std::fs::OpenOptions;

use log::LevelFilter;
use simplelog::{ConfigBuilder, WriteLogger};

use crate::config::Config;

/// Level from `$MYNAKEY_LOG_LEVEL`, else the config file, else `warn`.
fn level(config: &Config) -> LevelFilter {
    let name = std::env::var("MYNAKEY_LOG_LEVEL")
        .ok()
        .or_else(|| config.log_level.clone());
    match name.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("off") => LevelFilter::Off,
        Some("error") => LevelFilter::Error,
        Some("info") => LevelFilter::Info,
        Some("debug") => LevelFilter::Debug,
        Some("trace") => LevelFilter::Trace,
        _ => LevelFilter::Warn,
    }
}

/// Installs the logger: `$MYNAKEY_LOG_FILE` or the config's `logFile`, else stderr.
/// WriteLogger, not TermLogger: TermLogger can print to stdout.
pub fn init(config: &Config) {
    let level = level(config);
    let log_config = ConfigBuilder::new().set_time_format_rfc3339().build();
    let path = std::env::var_os("MYNAKEY_LOG_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| config.log_file.clone());
    let result = match path.map(|p| OpenOptions::new().create(true).append(true).open(p)) {
        Some(Ok(file)) => WriteLogger::init(level, log_config, file),
        _ => WriteLogger::init(level, log_config, std::io::stderr()),
    };
    // A second init (tests) keeps the first logger.
    drop(result);
}
