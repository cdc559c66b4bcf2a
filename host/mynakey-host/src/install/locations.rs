//! Where each browser looks for native messaging host manifests (Linux and macOS) and which
//! registry key it reads (Windows). Sources: https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging,
//! MDN's "Native manifests" page, and each browser's documentation.

use std::path::{Path, PathBuf};

use super::{Browser, Env, Os, Scope};

/// The manifest file name every browser looks up: `<host name>.json`.
pub const MANIFEST_FILE: &str = "jp.mynakey.host.json";

/// One directory a browser reads manifests from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub dir: PathBuf,
    /// Write here even if the browser's profile folder does not exist yet (the main channel).
    /// Other channels (Beta, Dev, Nightly…) are written only when their profile folder exists.
    pub always: bool,
}

impl Location {
    pub fn manifest(&self) -> PathBuf {
        self.dir.join(MANIFEST_FILE)
    }

    /// The folder whose existence says the browser (channel) is in use: the parent of
    /// `NativeMessagingHosts`.
    pub fn profile_dir(&self) -> Option<&Path> {
        self.dir.parent()
    }
}

/// Linux user-level config base for Chromium-family browsers: `$CHROME_CONFIG_HOME`, else
/// `$XDG_CONFIG_HOME`, else `~/.config` (Chromium `chrome_paths_linux.cc`).
fn linux_config(env: &Env, chrome_style: bool) -> PathBuf {
    if chrome_style {
        if let Some(d) = &env.chrome_config_home {
            return d.clone();
        }
    }
    match &env.xdg_config_home {
        Some(d) => d.clone(),
        None => env.home.join(".config"),
    }
}

fn loc(dir: PathBuf, always: bool) -> Location {
    Location { dir, always }
}

/// The directories `browser` reads on `env.os` at `scope`. Empty on Windows (registry instead)
/// and where the location is unknown (Vivaldi system-wide).
pub fn locations(env: &Env, browser: Browser, scope: Scope) -> Vec<Location> {
    match (env.os, scope) {
        (Os::Windows, _) => Vec::new(),
        (Os::Linux, Scope::User) => linux_user(env, browser),
        (Os::Linux, Scope::System) => linux_system(env, browser),
        (Os::MacOs, Scope::User) => macos_user(env, browser),
        (Os::MacOs, Scope::System) => macos_system(env, browser),
    }
}

/// A system path below the environment's root (tests use a fake one).
fn system_path(env: &Env, path: &str) -> PathBuf {
    env.root.join(path.trim_start_matches('/'))
}

fn linux_user(env: &Env, browser: Browser) -> Vec<Location> {
    let nmh = "NativeMessagingHosts";
    let channels: &[&str] = match browser {
        Browser::Chrome => &[
            "google-chrome",
            "google-chrome-beta",
            "google-chrome-unstable",
        ],
        Browser::Chromium => &["chromium"],
        Browser::Edge => &[
            "microsoft-edge",
            "microsoft-edge-beta",
            "microsoft-edge-dev",
        ],
        // Brave always reads its default profile folder, whatever --user-data-dir says.
        Browser::Brave => &[
            "BraveSoftware/Brave-Browser",
            "BraveSoftware/Brave-Browser-Beta",
            "BraveSoftware/Brave-Browser-Nightly",
        ],
        Browser::Vivaldi => &["vivaldi", "vivaldi-snapshot"],
        Browser::Firefox => {
            // Firefox keeps the legacy ~/.mozilla path even with XDG support.
            return vec![loc(env.home.join(".mozilla/native-messaging-hosts"), true)];
        }
    };
    let cfg = linux_config(env, browser != Browser::Brave);
    channels
        .iter()
        .enumerate()
        .map(|(i, c)| loc(cfg.join(c).join(nmh), i == 0))
        .collect()
}

fn linux_system(env: &Env, browser: Browser) -> Vec<Location> {
    let sys = |p: &str| system_path(env, p);
    match browser {
        // Brave reads Chrome's system folder.
        Browser::Chrome | Browser::Brave => {
            vec![loc(sys("/etc/opt/chrome/native-messaging-hosts"), true)]
        }
        Browser::Chromium => vec![loc(sys("/etc/chromium/native-messaging-hosts"), true)],
        Browser::Edge => vec![loc(sys("/etc/opt/edge/native-messaging-hosts"), true)],
        Browser::Vivaldi => Vec::new(),
        Browser::Firefox => {
            let mut v = vec![loc(sys("/usr/lib/mozilla/native-messaging-hosts"), true)];
            // Some distributions build Firefox to read /usr/lib64 instead.
            if sys("/usr/lib64").is_dir() {
                v.push(loc(sys("/usr/lib64/mozilla/native-messaging-hosts"), true));
            }
            v
        }
    }
}

fn macos_user(env: &Env, browser: Browser) -> Vec<Location> {
    let app = env.home.join("Library/Application Support");
    let nmh = "NativeMessagingHosts";
    match browser {
        // Brave reads Chrome's folders on macOS.
        Browser::Chrome | Browser::Brave => {
            vec![loc(app.join("Google/Chrome").join(nmh), true)]
        }
        Browser::Chromium => vec![loc(app.join("Chromium").join(nmh), true)],
        Browser::Edge => [
            "Microsoft Edge",
            "Microsoft Edge Beta",
            "Microsoft Edge Dev",
            "Microsoft Edge Canary",
        ]
        .iter()
        .enumerate()
        .map(|(i, c)| loc(app.join(c).join(nmh), i == 0))
        .collect(),
        Browser::Vivaldi => vec![loc(app.join("Vivaldi").join(nmh), true)],
        Browser::Firefox => vec![loc(app.join("Mozilla").join(nmh), true)],
    }
}

fn macos_system(env: &Env, browser: Browser) -> Vec<Location> {
    let folder = match browser {
        Browser::Chrome | Browser::Brave => "/Library/Google/Chrome/NativeMessagingHosts",
        Browser::Chromium => "/Library/Application Support/Chromium/NativeMessagingHosts",
        Browser::Edge => "/Library/Microsoft/Edge/NativeMessagingHosts",
        Browser::Vivaldi => return Vec::new(),
        Browser::Firefox => "/Library/Application Support/Mozilla/NativeMessagingHosts",
    };
    vec![loc(system_path(env, folder), true)]
}

/// The registry key (below HKCU or HKLM) that `browser` reads on Windows. Brave and Vivaldi read
/// Chrome's key; Chromium and Edge fall back to it too, but get their own so each is explicit.
pub fn registry_key(browser: Browser) -> String {
    let base = match browser {
        Browser::Chrome | Browser::Brave | Browser::Vivaldi => r"Software\Google\Chrome",
        Browser::Chromium => r"Software\Chromium",
        Browser::Edge => r"Software\Microsoft\Edge",
        Browser::Firefox => r"Software\Mozilla",
    };
    format!(r"{base}\NativeMessagingHosts\{}", super::HOST_NAME)
}
