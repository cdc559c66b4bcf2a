//! The Windows registry, through `reg.exe` (no extra crates, no unsafe code).

use std::process::Command;

use super::InstallError;

/// The three registry operations installing needs; a fake stands in for it in tests.
pub trait Registry {
    /// Sets the default value of `key` (creating it) to `value`.
    fn set_default(&mut self, key: &str, value: &str) -> Result<(), InstallError>;
    /// The default value of `key`, or `None` when the key does not exist.
    fn get_default(&self, key: &str) -> Result<Option<String>, InstallError>;
    /// Deletes `key`; `Ok(false)` when it did not exist.
    fn delete(&mut self, key: &str) -> Result<bool, InstallError>;
}

/// `reg.exe` from the system directory. `key` is a full key such as `HKCU\Software\…`.
/// Every operation is in the 64-bit registry view (`/reg:64`), whichever reg.exe answers: every
/// browser reads that view (docs/install.md, "Which registry view").
pub struct RegExe;

impl RegExe {
    fn run(args: &[&str]) -> Result<std::process::Output, InstallError> {
        let args = [args, &["/reg:64"]].concat();
        let exe = match std::env::var_os("SystemRoot") {
            Some(root) => std::path::PathBuf::from(root)
                .join("System32")
                .join("reg.exe"),
            None => std::path::PathBuf::from("reg.exe"),
        };
        Command::new(&exe)
            .args(&args)
            .output()
            .map_err(|source| InstallError::Registry {
                key: args.get(1).map(|s| s.to_string()).unwrap_or_default(),
                detail: source.to_string(),
            })
    }
}

impl Registry for RegExe {
    fn set_default(&mut self, key: &str, value: &str) -> Result<(), InstallError> {
        let out = Self::run(&["add", key, "/ve", "/t", "REG_SZ", "/d", value, "/f"])?;
        if out.status.success() {
            Ok(())
        } else {
            Err(InstallError::Registry {
                key: key.to_string(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }

    fn get_default(&self, key: &str) -> Result<Option<String>, InstallError> {
        let out = Self::run(&["query", key, "/ve"])?;
        if !out.status.success() {
            return Ok(None); // "The system was unable to find the specified registry key or value."
        }
        Ok(parse_query_default(&String::from_utf8_lossy(&out.stdout)))
    }

    fn delete(&mut self, key: &str) -> Result<bool, InstallError> {
        if self.get_default(key)?.is_none() {
            return Ok(false);
        }
        let out = Self::run(&["delete", key, "/f"])?;
        if out.status.success() {
            Ok(true)
        } else {
            Err(InstallError::Registry {
                key: key.to_string(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }
}

/// The value out of `reg query KEY /ve` output, whose value line reads
/// `    (Default)    REG_SZ    C:\path\file.json` (the name is localised, the type is not).
pub fn parse_query_default(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let i = line.find("REG_SZ")?;
        let value = line[i + "REG_SZ".len()..].trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_reg_query_output() {
        let out = "\r\nHKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\jp.mynakey.host\r\n    (既定)    REG_SZ    C:\\Program Files\\mynakey\\jp.mynakey.host.chromium.json\r\n\r\n";
        assert_eq!(
            parse_query_default(out).as_deref(),
            Some("C:\\Program Files\\mynakey\\jp.mynakey.host.chromium.json")
        );
        assert_eq!(
            parse_query_default("\r\nHKEY_CURRENT_USER\\X\r\n    (Default)    REG_SZ    \r\n"),
            None
        );
    }
}
