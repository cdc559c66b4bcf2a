//! Harness shared by the integration tests that drive the built `mynakey-host`:
//!
//! - [`host`]: the host in native-messaging mode, spoken to over real frames (every byte it
//!   writes to stdout must belong to a well-formed frame);
//! - [`card_log`]: the simulated card's APDU log (`--apdu-log`);
//! - [`system`]: the pcscd + vpcd stack `tests/system/run.sh` sets up, and simulated cards on it.
//!
//! Every one of them starts the host through [`launcher`] (`mynakey-test-support`).
//!
//! It holds no `#[test]`: run.sh compares the listed system tests with those that ran.
// Every integration-test crate compiles this module on its own and uses only part of it.
#![allow(dead_code)]
// Test code: a failed expectation should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod card_log;
pub mod host;
pub mod system;

use mynakey_test_support::HostLauncher;

/// The host these tests start: this build, unless `MYNAKEY_TEST_HOST` /
/// `MYNAKEY_TEST_HOST_PREFIX` say otherwise (the release build for the soak, a Windows build).
pub fn launcher() -> HostLauncher {
    HostLauncher::from_env(env!("CARGO_BIN_EXE_mynakey-host"))
}
