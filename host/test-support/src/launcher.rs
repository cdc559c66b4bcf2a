//! The one place that decides which program the host's frame-level ("wire") tests start.
//!
//! By default the binary cargo built for the test (`env!("CARGO_BIN_EXE_mynakey-host")`, passed
//! in by the test). `MYNAKEY_TEST_HOST` names another program (e.g. a Windows `.exe`), and
//! `MYNAKEY_TEST_HOST_PREFIX` (a program and its arguments, whitespace-separated, e.g. a Wine
//! wrapper script) is put in front, so one suite's bodies can run the host under an emulator.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Overrides the program the tests start.
pub const HOST_VARIABLE: &str = "MYNAKEY_TEST_HOST";
/// A program and its arguments put in front of the host.
pub const PREFIX_VARIABLE: &str = "MYNAKEY_TEST_HOST_PREFIX";

/// How the tests start the host: an optional prefix, then the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLauncher {
    program: PathBuf,
    prefix: Vec<OsString>,
}

impl HostLauncher {
    /// `default_program` (the test's `env!("CARGO_BIN_EXE_mynakey-host")`), unless the
    /// environment says otherwise (see the crate's documentation).
    pub fn from_env(default_program: impl AsRef<Path>) -> Self {
        Self::from_values(
            default_program.as_ref(),
            std::env::var_os(HOST_VARIABLE),
            std::env::var_os(PREFIX_VARIABLE),
        )
    }

    /// [`Self::from_env`] with the two variables' values given.
    pub fn from_values(
        default_program: &Path,
        host: Option<OsString>,
        prefix: Option<OsString>,
    ) -> Self {
        let program = host
            .filter(|h| !h.is_empty())
            .map_or_else(|| default_program.to_path_buf(), PathBuf::from);
        let prefix = prefix
            .map(|p| {
                p.to_string_lossy()
                    .split_whitespace()
                    .map(OsString::from)
                    .collect()
            })
            .unwrap_or_default();
        Self { program, prefix }
    }

    /// The host program itself (what a test copies or inspects).
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The prefix's words, empty when none.
    pub fn prefix(&self) -> &[OsString] {
        &self.prefix
    }

    /// A `Command` that starts the host (under the prefix, if any), ready for `.arg(...)`.
    pub fn command(&self) -> Command {
        match self.prefix.split_first() {
            None => Command::new(&self.program),
            Some((wrapper, arguments)) => {
                let mut command = Command::new(wrapper);
                command.args(arguments).arg(self.program.as_os_str());
                command
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn arguments(command: &Command) -> Vec<&OsStr> {
        command.get_args().collect()
    }

    const BUILT: &str = "/target/debug/mynakey-host";

    #[test]
    fn without_the_variables_the_built_host_runs_as_is() {
        let launcher = HostLauncher::from_values(Path::new(BUILT), None, None);
        let command = launcher.command();
        assert_eq!(command.get_program(), BUILT);
        assert!(arguments(&command).is_empty());
        let empty = HostLauncher::from_values(Path::new(BUILT), Some("".into()), Some(" ".into()));
        assert_eq!(empty, launcher);
    }

    #[test]
    fn the_host_variable_replaces_the_program() {
        let launcher =
            HostLauncher::from_values(Path::new(BUILT), Some("C:/host.exe".into()), None);
        assert_eq!(launcher.program(), Path::new("C:/host.exe"));
        assert_eq!(launcher.command().get_program(), "C:/host.exe");
    }

    #[test]
    fn the_prefix_goes_in_front_with_its_arguments() {
        let launcher = HostLauncher::from_values(
            Path::new(BUILT),
            Some("/w/host.exe".into()),
            Some("  /usr/bin/wine-wrap  --quiet -x ".into()),
        );
        let mut command = launcher.command();
        command.arg("--simulator");
        assert_eq!(command.get_program(), "/usr/bin/wine-wrap");
        assert_eq!(
            arguments(&command),
            ["--quiet", "-x", "/w/host.exe", "--simulator"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_prefixed_command_really_runs_the_program() {
        // `env` as the wrapper: it runs its argument, so the program's output comes back.
        let launcher = HostLauncher::from_values(
            Path::new("echo"),
            None,
            Some("env MYNAKEY_WRAPPED=1".into()),
        );
        let output = launcher.command().arg("framed").output();
        let output = output.map_err(|e| e.to_string());
        assert_eq!(
            output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()),
            Ok("framed\n".to_owned())
        );
    }
}
