//! What an OS package installs, from the same locations `install --system` uses (the one source
//! of truth for where browsers look): the `.deb`/`.rpm` build writes these files into its staging
//! folder with `mynakey-host package-files`; the Windows `.msi`/`.zip` build takes its manifests and
//! registry keys from `mynakey-host package-files --windows`; the macOS `.pkg` plan (which cannot
//! be built here) is a pure function checked by unit tests.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{
    install, manifest_json, plan, write_atomically, Browser, Env, InstallError, Os, PathOwner,
    Registry, Scope, Target,
};

/// Where each OS package puts the binary the system manifests point at.
pub fn package_binary(os: Os) -> PathBuf {
    PathBuf::from(match os {
        Os::Linux => "/usr/bin/mynakey-host",
        Os::MacOs => "/Library/Application Support/mynakey/mynakey-host",
        // Forward slashes, so the plan is the same whichever OS computes it (Path splits only
        // on `/` outside Windows); Windows accepts both, and the .msi writes `\`.
        Os::Windows => "C:/Program Files/mynakey/mynakey-host.exe",
    })
}

/// The environment of a package build: system scope below `root`, every browser's main channel,
/// the binary at [`package_binary`]. Home and Program Files are not read at system scope.
pub fn package_env(os: Os, root: &Path) -> Env {
    let exe = package_binary(os);
    Env {
        os,
        home: root.join("nonexistent-home"),
        xdg_config_home: None,
        chrome_config_home: None,
        root: root.to_path_buf(),
        // The .msi's binary lives below Program Files, as `--system` requires on Windows.
        program_files: match os {
            Os::Windows => vec![PathBuf::from("C:/Program Files")],
            Os::Linux | Os::MacOs => Vec::new(),
        },
        exe,
        owner_of: |_| {
            Ok(PathOwner {
                uid: 0,
                mode: 0o755,
            })
        },
    }
}

/// The files and registry keys a package for `os` installs, every browser, system scope.
pub fn package_plan(os: Os, root: &Path) -> Vec<Target> {
    plan(&package_env(os, root), &Browser::ALL, Scope::System, true)
}

/// A registry that only records what an installer would write (the `.msi` has its own table).
#[derive(Debug, Default)]
struct NoRegistry;

impl Registry for NoRegistry {
    fn set_default(&mut self, key: &str, _value: &str) -> Result<(), InstallError> {
        Err(InstallError::Registry {
            key: key.to_owned(),
            detail: "Linux packages write no registry".into(),
        })
    }
    fn get_default(&self, _key: &str) -> Result<Option<String>, InstallError> {
        Ok(None)
    }
    fn delete(&mut self, _key: &str) -> Result<bool, InstallError> {
        Ok(false)
    }
}

/// `mynakey-host package-files --root DIR`: writes the Linux system manifests below `DIR`
/// (paths relative to `/`), pointing at `/usr/bin/mynakey-host`, and lists them.
///
/// `DIR/usr/lib64` is made first, so the plan is that of a 64-bit system with `/usr/lib64`
/// (Fedora): Firefox there reads `/usr/lib64/mozilla` (its build picks the folder), Mozilla's own
/// builds `/usr/lib/mozilla`. The `.rpm` ships both; the `.deb` takes `usr/lib` only (Debian's
/// Firefox reads `/usr/lib/mozilla`).
pub fn write_linux_package_files(root: &Path, out: &mut dyn Write) -> Result<(), InstallError> {
    let lib64 = root.join("usr/lib64");
    std::fs::create_dir_all(&lib64).map_err(super::io_err(&lib64))?;
    let env = package_env(Os::Linux, root);
    install(&env, &package_plan(Os::Linux, root), &mut NoRegistry, out)
}

/// `mynakey-host package-files --windows --root DIR`: the two manifests of the `.msi` and the
/// `.zip`, written flat into `DIR`, and on `out` one line per HKLM key of the `.msi`,
/// `KEY<TAB>MANIFEST FILE NAME` (the `.msi` makes the value the file's installed path).
///
/// The manifests name the program by its bare file name: Chromium-family browsers and Firefox
/// resolve a relative `path` against the manifest's folder on Windows, so they stay right
/// whichever folder the `.msi` (or the user unpacking the `.zip`) puts them in.
pub fn write_windows_package_files(root: &Path, out: &mut dyn Write) -> Result<(), InstallError> {
    let exe = package_binary(Os::Windows);
    let program = Path::new(exe.file_name().unwrap_or(exe.as_os_str()));
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    std::fs::create_dir_all(root).map_err(super::io_err(root))?;
    for t in package_plan(Os::Windows, root) {
        match t {
            Target::File { path, firefox, .. } => {
                let file = root.join(name(&path).unwrap_or_default());
                write_atomically(&file, manifest_json(firefox, program).as_bytes())?;
            }
            Target::RegistryKey { key, value, .. } => {
                let _ = writeln!(out, "{key}\t{}", name(&value).unwrap_or_default());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As an installer writes them: Windows paths with `\\`.
    fn shown(os: Os, path: &Path) -> String {
        let s = path.to_string_lossy().into_owned();
        if os == Os::Windows {
            s.replace('/', "\\")
        } else {
            s
        }
    }

    fn files(os: Os) -> Vec<String> {
        let root = Path::new("/stage");
        package_plan(os, root)
            .into_iter()
            .filter_map(|t| match t {
                Target::File { path, .. } => {
                    Some(shown(os, path.strip_prefix(root).unwrap_or(&path)))
                }
                Target::RegistryKey { .. } => None,
            })
            .collect()
    }

    fn keys(os: Os) -> Vec<(String, String)> {
        package_plan(os, Path::new("/stage"))
            .into_iter()
            .filter_map(|t| match t {
                Target::RegistryKey { key, value, .. } => Some((key, shown(os, &value))),
                Target::File { .. } => None,
            })
            .collect()
    }

    #[test]
    fn linux_packages_hold_the_system_manifests_install_system_writes() {
        assert_eq!(
            files(Os::Linux),
            [
                "etc/opt/chrome/native-messaging-hosts/jp.mynakey.host.json",
                "etc/chromium/native-messaging-hosts/jp.mynakey.host.json",
                "etc/opt/edge/native-messaging-hosts/jp.mynakey.host.json",
                "usr/lib/mozilla/native-messaging-hosts/jp.mynakey.host.json",
            ]
        );
    }

    #[test]
    fn the_macos_pkg_plan_writes_below_library() {
        assert_eq!(
            files(Os::MacOs),
            [
                "Library/Google/Chrome/NativeMessagingHosts/jp.mynakey.host.json",
                "Library/Application Support/Chromium/NativeMessagingHosts/jp.mynakey.host.json",
                "Library/Microsoft/Edge/NativeMessagingHosts/jp.mynakey.host.json",
                "Library/Application Support/Mozilla/NativeMessagingHosts/jp.mynakey.host.json",
            ]
        );
    }

    #[test]
    fn the_windows_msi_plan_is_two_manifests_and_hklm_keys() {
        assert_eq!(
            files(Os::Windows),
            [
                r"C:\Program Files\mynakey\jp.mynakey.host.chromium.json",
                r"C:\Program Files\mynakey\jp.mynakey.host.firefox.json",
            ]
        );
        let chromium = r"C:\Program Files\mynakey\jp.mynakey.host.chromium.json";
        let firefox = r"C:\Program Files\mynakey\jp.mynakey.host.firefox.json";
        assert_eq!(
            keys(Os::Windows),
            [
                (
                    r"HKLM\Software\Google\Chrome\NativeMessagingHosts\jp.mynakey.host".into(),
                    chromium.into()
                ),
                (
                    r"HKLM\Software\Chromium\NativeMessagingHosts\jp.mynakey.host".into(),
                    chromium.into()
                ),
                (
                    r"HKLM\Software\Microsoft\Edge\NativeMessagingHosts\jp.mynakey.host".into(),
                    chromium.into()
                ),
                (
                    r"HKLM\Software\Mozilla\NativeMessagingHosts\jp.mynakey.host".into(),
                    firefox.into()
                ),
            ]
        );
    }

    #[test]
    fn package_binaries_pass_the_system_binary_rule() {
        for os in [Os::Linux, Os::MacOs, Os::Windows] {
            let env = package_env(os, Path::new("/"));
            let owner = |p: &Path| (env.owner_of)(p);
            assert_eq!(
                super::super::system_binary_refusal(os, &env.exe, &owner, &env.program_files),
                None,
                "{os:?}"
            );
        }
    }

    #[test]
    fn the_linux_files_are_written_below_the_root_and_point_at_usr_bin() {
        let root = std::env::temp_dir().join(format!("mynakey-pkg-{}", std::process::id()));
        let mut out = Vec::new();
        write_linux_package_files(&root, &mut out).unwrap();
        for f in files(Os::Linux) {
            let text = std::fs::read_to_string(root.join(&f)).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["path"], "/usr/bin/mynakey-host", "{f}");
            let key = if f.contains("mozilla") {
                "allowed_extensions"
            } else {
                "allowed_origins"
            };
            assert!(v[key].as_array().is_some_and(|a| !a.is_empty()), "{f}");
        }
        // The four of the plan without /usr/lib64, and Firefox's /usr/lib64 folder for the .rpm.
        assert!(root
            .join("usr/lib64/mozilla/native-messaging-hosts/jp.mynakey.host.json")
            .is_file());
        assert_eq!(String::from_utf8_lossy(&out).lines().count(), 5);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_windows_files_name_the_program_beside_them_and_list_the_hklm_keys() {
        let root = std::env::temp_dir().join(format!("mynakey-pkg-win-{}", std::process::id()));
        let mut out = Vec::new();
        write_windows_package_files(&root, &mut out).unwrap();
        let mut written: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        assert_eq!(
            written,
            [
                "jp.mynakey.host.chromium.json",
                "jp.mynakey.host.firefox.json"
            ]
        );
        for (file, firefox) in [(&written[0], false), (&written[1], true)] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            assert_eq!(text, manifest_json(firefox, Path::new("mynakey-host.exe")));
        }
        let expected: Vec<String> = keys(Os::Windows)
            .into_iter()
            .map(|(key, value)| format!("{key}\t{}", value.rsplit('\\').next().unwrap()))
            .collect();
        assert_eq!(
            String::from_utf8(out).unwrap().lines().collect::<Vec<_>>(),
            expected
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
