//! Registering `mynakey-host` with the browsers: `mynakey-host install` / `uninstall`, and the
//! registrations `mynakey-host status` reports.
//!
//! Linux and macOS: a host manifest `jp.mynakey.host.json` in each folder a browser reads
//! ([`locations`]), with `path` = the real absolute path of the running binary. Windows: the two
//! manifests next to the binary and a registry key per browser pointing at them, written with
//! `reg.exe`. The manifests' content matches the templates in `manifests/`.

mod locations;
mod package;
mod registry;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use locations::{locations, registry_key, Location, MANIFEST_FILE};
pub use package::{
    package_binary, package_plan, write_linux_package_files, write_windows_package_files,
};
pub use registry::{RegExe, Registry};

use crate::cli::command_help;
use crate::cli::InstallArgs;
#[cfg(test)]
use crate::cli::{parse_command, Command};

/// The native messaging host name the extension connects to.
pub const HOST_NAME: &str = "jp.mynakey.host";
/// Chromium-family extension ids allowed to start the host (from the `key` in
/// extension/src/manifest.json).
pub const CHROMIUM_EXTENSION_IDS: &[&str] = &["dedionhfdmdcponbglgdkifomcnkbdka"];
/// Firefox add-on ids allowed to start the host (`browser_specific_settings.gecko.id`).
pub const FIREFOX_EXTENSION_IDS: &[&str] = &["mynakey@mynakey.jp"];
const DESCRIPTION: &str = "mynakey: My Number Card (JPKI) login proofs and signatures";
/// Windows: manifest file names next to the binary (the registry points at them).
const WIN_CHROMIUM_MANIFEST: &str = "jp.mynakey.host.chromium.json";
const WIN_FIREFOX_MANIFEST: &str = "jp.mynakey.host.firefox.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Browser {
    Chrome,
    Chromium,
    Edge,
    Brave,
    Vivaldi,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 6] = [
        Browser::Chrome,
        Browser::Chromium,
        Browser::Edge,
        Browser::Brave,
        Browser::Vivaldi,
        Browser::Firefox,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Vivaldi => "vivaldi",
            Browser::Firefox => "firefox",
        }
    }

    pub fn parse(s: &str) -> Option<Browser> {
        Browser::ALL
            .into_iter()
            .find(|b| b.name() == s.to_ascii_lowercase())
    }

    fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// This user only (no privileges needed).
    User,
    /// All users (`--system`: root on Linux/macOS, administrator on Windows).
    System,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::User => "user",
            Scope::System => "system",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

/// Everything installing depends on outside this module, so tests can point it at a temp dir.
#[derive(Debug, Clone)]
pub struct Env {
    pub os: Os,
    pub home: PathBuf,
    pub xdg_config_home: Option<PathBuf>,
    pub chrome_config_home: Option<PathBuf>,
    /// Prefix for system-wide folders (`/` outside tests).
    pub root: PathBuf,
    /// The host binary the manifests point at.
    pub exe: PathBuf,
    /// Windows: the Program Files folders (`%ProgramFiles%`, `%ProgramFiles(x86)%`,
    /// `%ProgramW6432%`) a `--system` binary must live under.
    pub program_files: Vec<PathBuf>,
    /// Linux/macOS: owner and mode of a path, not following symlinks (tests pass a fake).
    pub owner_of: fn(&Path) -> std::io::Result<PathOwner>,
}

/// Who owns a path and its permission bits: what decides whether others can replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathOwner {
    pub uid: u32,
    /// `st_mode` (only the permission bits are used).
    pub mode: u32,
}

/// The owner and mode of `path` itself (a symlink is not followed).
#[cfg(unix)]
pub fn path_owner(path: &Path) -> std::io::Result<PathOwner> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path)?;
    Ok(PathOwner {
        uid: m.uid(),
        mode: m.mode(),
    })
}

/// Not used on Windows (the rule there is the Program Files folder).
#[cfg(not(unix))]
pub fn path_owner(_path: &Path) -> std::io::Result<PathOwner> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no Unix ownership on this system",
    ))
}

/// Why `--system` must not register `exe` for every user, or `None` when it may.
///
/// Whoever can replace the binary runs code as every user whose browser starts the host (and
/// sees their PINs), so on Linux and macOS the binary and every folder above it must be owned
/// by root and writable by neither group nor others; on Windows it must live under a Program
/// Files folder (writable only by administrators). `exe` is the real path (symlinks resolved).
/// A pure function: `owner_of` supplies the facts.
pub fn system_binary_refusal(
    os: Os,
    exe: &Path,
    owner_of: &dyn Fn(&Path) -> std::io::Result<PathOwner>,
    program_files: &[PathBuf],
) -> Option<String> {
    if os == Os::Windows {
        let norm = |p: &Path| {
            p.to_string_lossy()
                .replace('/', "\\")
                .trim_end_matches('\\')
                .to_lowercase()
        };
        let exe_n = norm(exe);
        if exe_n.split('\\').any(|c| c == "..") {
            return Some(format!("{} is not a plain absolute path", exe.display()));
        }
        let inside = program_files
            .iter()
            .map(|pf| norm(pf))
            .filter(|pf| !pf.is_empty())
            .any(|pf| exe_n.starts_with(&format!("{pf}\\")));
        return (!inside).then(|| {
            format!(
                "{} is not inside a Program Files folder, so users other than administrators \
                 may be able to replace it; install the program under Program Files first",
                exe.display()
            )
        });
    }
    if !exe.is_absolute() {
        return Some(format!("{} is not an absolute path", exe.display()));
    }
    for path in exe.ancestors() {
        let owner = match owner_of(path) {
            Ok(owner) => owner,
            Err(e) => return Some(format!("cannot check {}: {e}", path.display())),
        };
        let what = if path == exe {
            "the program"
        } else {
            "the folder"
        };
        if owner.uid != 0 {
            return Some(format!(
                "{what} {} is owned by uid {}, not root: its owner could replace the program \
                 every user's browser starts",
                path.display(),
                owner.uid
            ));
        }
        if owner.mode & 0o022 != 0 {
            return Some(format!(
                "{what} {} is writable by {} (mode {:o}): they could replace the program \
                 every user's browser starts",
                path.display(),
                if owner.mode & 0o002 != 0 {
                    "others"
                } else {
                    "its group"
                },
                owner.mode & 0o7777
            ));
        }
    }
    None
}

impl Env {
    /// The running process: `$HOME` (`%USERPROFILE%`), `$XDG_CONFIG_HOME`, `$CHROME_CONFIG_HOME`,
    /// and the real path of this binary.
    pub fn from_process() -> Result<Env, InstallError> {
        let os = if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        };
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let home = var("HOME")
            .or_else(|| var("USERPROFILE"))
            .ok_or(InstallError::NoHome)?;
        Ok(Env {
            os,
            home,
            xdg_config_home: var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()),
            chrome_config_home: var("CHROME_CONFIG_HOME").filter(|p| p.is_absolute()),
            root: PathBuf::from("/"),
            exe: current_exe()?,
            program_files: ["ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"]
                .into_iter()
                .filter_map(var)
                .filter(|p| p.is_absolute())
                .collect(),
            owner_of: path_owner,
        })
    }
}

/// The real absolute path of the running binary (symlinks resolved, no `\\?\` prefix).
pub fn current_exe() -> Result<PathBuf, InstallError> {
    let exe = std::env::current_exe().map_err(InstallError::CurrentExe)?;
    let exe = std::fs::canonicalize(&exe).map_err(InstallError::CurrentExe)?;
    Ok(strip_verbatim(exe))
}

fn strip_verbatim(p: PathBuf) -> PathBuf {
    match p.to_str() {
        Some(s) if s.starts_with(r"\\?\") && !s.starts_with(r"\\?\UNC\") => PathBuf::from(&s[4..]),
        _ => p,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot tell the home directory: set HOME")]
    NoHome,
    #[error("cannot find the path of this program: {0}")]
    CurrentExe(#[source] std::io::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("registry key {key}: {detail}")]
    Registry { key: String, detail: String },
    #[error("refusing --system: {0}")]
    UnsafeBinary(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The host manifest for a browser family, pointing at `exe`.
pub fn manifest_json(firefox: bool, exe: &Path) -> String {
    let path = exe.to_string_lossy();
    let v = if firefox {
        serde_json::json!({
            "name": HOST_NAME, "description": DESCRIPTION, "path": path, "type": "stdio",
            "allowed_extensions": FIREFOX_EXTENSION_IDS,
        })
    } else {
        let origins: Vec<String> = CHROMIUM_EXTENSION_IDS
            .iter()
            .map(|id| format!("chrome-extension://{id}/"))
            .collect();
        serde_json::json!({
            "name": HOST_NAME, "description": DESCRIPTION, "path": path, "type": "stdio",
            "allowed_origins": origins,
        })
    };
    // Serialising a json! value cannot fail; fall back to compact output all the same.
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------------
// Planning: which files and keys an install touches.

/// One file or registry key, and the browsers it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File {
        browsers: Vec<Browser>,
        path: PathBuf,
        firefox: bool,
    },
    RegistryKey {
        browsers: Vec<Browser>,
        key: String,
        value: PathBuf,
    },
}

fn hive(scope: Scope) -> &'static str {
    match scope {
        Scope::User => "HKCU",
        Scope::System => "HKLM",
    }
}

/// What installing for `browsers` at `scope` writes, each path once (Chrome and Brave share
/// folders on macOS and system-wide on Linux). `include_absent`: also channels whose profile
/// folder does not exist (used for uninstall and status, which look everywhere).
pub fn plan(env: &Env, browsers: &[Browser], scope: Scope, include_absent: bool) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut add = |t: Target| {
        let same = out.iter_mut().find(|o| match (o, &t) {
            (Target::File { path: a, .. }, Target::File { path: b, .. }) => a == b,
            (Target::RegistryKey { key: a, .. }, Target::RegistryKey { key: b, .. }) => a == b,
            _ => false,
        });
        match (same, t) {
            (Some(Target::File { browsers: bs, .. }), Target::File { browsers: more, .. })
            | (
                Some(Target::RegistryKey { browsers: bs, .. }),
                Target::RegistryKey { browsers: more, .. },
            ) => bs.extend(more),
            (_, t) => out.push(t),
        }
    };
    for &b in browsers {
        if env.os == Os::Windows {
            let dir = env.exe.parent().unwrap_or(Path::new("."));
            let file = if b.is_firefox() {
                WIN_FIREFOX_MANIFEST
            } else {
                WIN_CHROMIUM_MANIFEST
            };
            add(Target::File {
                browsers: vec![b],
                path: dir.join(file),
                firefox: b.is_firefox(),
            });
            add(Target::RegistryKey {
                browsers: vec![b],
                key: format!(r"{}\{}", hive(scope), registry_key(b)),
                value: dir.join(file),
            });
            continue;
        }
        for l in locations(env, b, scope) {
            let present = l.always || l.profile_dir().is_some_and(Path::is_dir);
            if include_absent || present {
                add(Target::File {
                    browsers: vec![b],
                    path: l.manifest(),
                    firefox: b.is_firefox(),
                });
            }
        }
    }
    out
}

fn browsers_label(bs: &[Browser]) -> String {
    bs.iter().map(|b| b.name()).collect::<Vec<_>>().join(",")
}

/// Writes every target; stops at the first failure.
pub fn install(
    env: &Env,
    targets: &[Target],
    reg: &mut dyn Registry,
    out: &mut dyn Write,
) -> Result<(), InstallError> {
    for t in targets {
        match t {
            Target::File {
                browsers,
                path,
                firefox,
            } => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
                }
                write_atomically(path, manifest_json(*firefox, &env.exe).as_bytes())?;
                let _ = writeln!(
                    out,
                    "{:<22} wrote {}",
                    browsers_label(browsers),
                    path.display()
                );
            }
            Target::RegistryKey {
                browsers,
                key,
                value,
            } => {
                reg.set_default(key, &value.to_string_lossy())?;
                let _ = writeln!(
                    out,
                    "{:<22} set   {key} = {}",
                    browsers_label(browsers),
                    value.display()
                );
            }
        }
    }
    Ok(())
}

/// Writes to a temporary file beside `path`, then renames it over `path`, so a browser never
/// reads half a manifest.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), InstallError> {
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io_err(&tmp))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644));
    }
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        InstallError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Removes every target that exists: registry keys first, then files. On Windows a manifest file
/// next to the binary stays while any browser's key still names it (e.g. `--browser chrome`
/// leaves Edge working).
pub fn uninstall(
    env: &Env,
    targets: &[Target],
    reg: &mut dyn Registry,
    out: &mut dyn Write,
) -> Result<usize, InstallError> {
    let mut removed = 0;
    for t in targets {
        if let Target::RegistryKey { browsers, key, .. } = t {
            if reg.delete(key)? {
                removed += 1;
                let _ = writeln!(out, "{:<22} deleted {key}", browsers_label(browsers));
            }
        }
    }
    let still_named: Vec<PathBuf> = if env.os == Os::Windows {
        registrations(env, &*reg)
            .into_iter()
            .map(|r| r.manifest)
            .collect()
    } else {
        Vec::new()
    };
    for t in targets {
        let Target::File { browsers, path, .. } = t else {
            continue;
        };
        if still_named.contains(path) {
            continue;
        }
        match std::fs::remove_file(path) {
            Ok(()) => {
                removed += 1;
                let _ = writeln!(
                    out,
                    "{:<22} removed {}",
                    browsers_label(browsers),
                    path.display()
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(InstallError::Io {
                    path: path.clone(),
                    source,
                })
            }
        }
    }
    Ok(removed)
}

// ---------------------------------------------------------------------------------------------
// What is registered now (for `mynakey-host status`).

/// One registration found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub browser: Browser,
    pub scope: Scope,
    /// The manifest file (on Windows, the one the registry key names).
    pub manifest: PathBuf,
    /// Windows: the registry key that names the manifest.
    pub registry_key: Option<String>,
    /// The manifest's `path`, if it could be read.
    pub host_path: Option<PathBuf>,
    /// The manifest points at the running binary.
    pub points_here: bool,
    /// Why this registration would not work (unreadable manifest, missing binary, extension id
    /// not allowed…), or `None` when it looks right.
    pub problem: Option<String>,
}

/// Every manifest registered for `jp.mynakey.host`, for each browser, user level first.
pub fn registered_browsers() -> Vec<Registration> {
    match Env::from_process() {
        Ok(env) => registrations(&env, &RegExe),
        Err(e) => {
            log::warn!("cannot list registrations: {e}");
            Vec::new()
        }
    }
}

/// [`registered_browsers`] for a given environment and registry.
pub fn registrations(env: &Env, reg: &dyn Registry) -> Vec<Registration> {
    let mut found = Vec::new();
    for scope in [Scope::User, Scope::System] {
        for b in Browser::ALL {
            if env.os == Os::Windows {
                let key = format!(r"{}\{}", hive(scope), registry_key(b));
                match reg.get_default(&key) {
                    Ok(Some(value)) => {
                        found.push(inspect(env, b, scope, PathBuf::from(value), Some(key)))
                    }
                    Ok(None) => {}
                    Err(e) => log::warn!("{e}"),
                }
                continue;
            }
            for l in locations(env, b, scope) {
                let path = l.manifest();
                if path.is_file() {
                    found.push(inspect(env, b, scope, path, None));
                }
            }
        }
    }
    found
}

fn inspect(
    env: &Env,
    browser: Browser,
    scope: Scope,
    manifest: PathBuf,
    registry_key: Option<String>,
) -> Registration {
    let mut r = Registration {
        browser,
        scope,
        manifest,
        registry_key,
        host_path: None,
        points_here: false,
        problem: None,
    };
    let text = match std::fs::read_to_string(&r.manifest) {
        Ok(t) => t,
        Err(e) => {
            r.problem = Some(format!("cannot read the manifest: {e}"));
            return r;
        }
    };
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            r.problem = Some(format!("the manifest is not valid JSON: {e}"));
            return r;
        }
    };
    let Some(host) = v.get("path").and_then(|p| p.as_str()) else {
        r.problem = Some("the manifest has no \"path\"".into());
        return r;
    };
    let mut host_path = PathBuf::from(host);
    if env.os == Os::Windows && host_path.is_relative() {
        if let Some(dir) = r.manifest.parent() {
            host_path = dir.join(host_path);
        }
    }
    let real = std::fs::canonicalize(&host_path).map(strip_verbatim);
    r.points_here = real.as_ref().is_ok_and(|p| *p == env.exe);
    r.host_path = Some(host_path);
    let (key, ids): (&str, Vec<String>) = if browser.is_firefox() {
        (
            "allowed_extensions",
            FIREFOX_EXTENSION_IDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
    } else {
        (
            "allowed_origins",
            CHROMIUM_EXTENSION_IDS
                .iter()
                .map(|id| format!("chrome-extension://{id}/"))
                .collect(),
        )
    };
    let allowed: Vec<&str> = v
        .get(key)
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    r.problem = if v.get("name").and_then(|n| n.as_str()) != Some(HOST_NAME) {
        Some(format!("\"name\" is not {HOST_NAME}"))
    } else if real.is_err() {
        Some("the host program it names does not exist".into())
    } else if !ids.iter().any(|id| allowed.contains(&id.as_str())) {
        Some(format!("\"{key}\" does not list the mynakey extension"))
    } else {
        None
    };
    r
}

// ---------------------------------------------------------------------------------------------
// The command line.

struct Options {
    browsers: Vec<Browser>,
    scope: Scope,
    dry_run: bool,
}

impl Options {
    /// The parsed `install`/`uninstall` arguments: browser names checked, `all` expanded,
    /// duplicates dropped; no `--browser` means every browser.
    fn from_args(args: &InstallArgs) -> Result<Options, InstallError> {
        let mut browsers: Vec<Browser> = Vec::new();
        let names = args.browsers.iter().flat_map(|v| v.split(','));
        for name in names.map(str::trim).filter(|s| !s.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                browsers.extend(Browser::ALL);
            } else {
                browsers.push(Browser::parse(name).ok_or_else(|| {
                    InstallError::Usage(format!("unknown browser {name:?} (chrome, chromium, edge, brave, vivaldi, firefox, all)"))
                })?);
            }
        }
        if browsers.is_empty() {
            browsers.extend(Browser::ALL);
        }
        let mut seen = Vec::new();
        browsers.retain(|b| {
            let new = !seen.contains(b);
            seen.push(*b);
            new
        });
        let scope = if args.system {
            Scope::System
        } else {
            Scope::User
        };
        Ok(Options {
            browsers,
            scope,
            dry_run: args.dry_run,
        })
    }
}

/// `mynakey-host install` (`installing`) or `uninstall` with parsed arguments. Returns the
/// exit code.
pub fn cli(installing: bool, args: &InstallArgs, out: &mut dyn Write) -> u8 {
    match Options::from_args(args) {
        Ok(opts) => run_options(installing, &opts, out, Env::from_process, &mut RegExe),
        Err(e) => usage_error(installing, &e, out),
    }
}

fn command_name(installing: bool) -> &'static str {
    if installing {
        "install"
    } else {
        "uninstall"
    }
}

fn usage_error(installing: bool, e: &dyn std::fmt::Display, out: &mut dyn Write) -> u8 {
    let _ = writeln!(
        out,
        "error: {e}\n\n{}",
        command_help(command_name(installing))
    );
    2
}

/// The command from its argument strings (tests drive it with a fake environment and registry).
#[cfg(test)]
fn run_cli(
    installing: bool,
    args: &[String],
    out: &mut dyn Write,
    env: impl FnOnce() -> Result<Env, InstallError>,
    reg: &mut dyn Registry,
) -> u8 {
    let parsed = match parse_command(command_name(installing), args) {
        Ok(Command::Install(a) | Command::Uninstall(a)) => a,
        Ok(_) => return 2,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            let _ = write!(out, "{}", e.render());
            return 0;
        }
        Err(e) => return usage_error(installing, &e.render(), out),
    };
    match Options::from_args(&parsed) {
        Ok(opts) => run_options(installing, &opts, out, env, reg),
        Err(e) => usage_error(installing, &e, out),
    }
}

fn run_options(
    installing: bool,
    opts: &Options,
    out: &mut dyn Write,
    env: impl FnOnce() -> Result<Env, InstallError>,
    reg: &mut dyn Registry,
) -> u8 {
    let env = match env() {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            return 1;
        }
    };
    match run(installing, opts, &env, reg, out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            if matches!(e, InstallError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied)
                && opts.scope == Scope::System
            {
                let _ = writeln!(out, "(--system needs root or administrator rights)");
            }
            1
        }
    }
}

fn run(
    installing: bool,
    opts: &Options,
    env: &Env,
    reg: &mut dyn Registry,
    out: &mut dyn Write,
) -> Result<(), InstallError> {
    let targets = plan(env, &opts.browsers, opts.scope, !installing);
    if installing {
        let _ = writeln!(out, "host program: {}", env.exe.display());
    }
    if installing && opts.scope == Scope::System {
        // Checked before anything is written, and shown by --dry-run too.
        if let Some(why) =
            system_binary_refusal(env.os, &env.exe, &env.owner_of, &env.program_files)
        {
            return Err(InstallError::UnsafeBinary(why));
        }
    }
    for b in &opts.browsers {
        if env.os != Os::Windows && locations(env, *b, opts.scope).is_empty() {
            let _ = writeln!(
                out,
                "{b:<22} skipped: no known {} location on this system; use a user install",
                opts.scope
            );
        }
    }
    if opts.dry_run {
        for t in &targets {
            match t {
                Target::File {
                    browsers,
                    path,
                    firefox,
                } => {
                    let verb = if installing {
                        "would write"
                    } else {
                        "would remove"
                    };
                    let _ = writeln!(
                        out,
                        "{:<22} {verb} {}",
                        browsers_label(browsers),
                        path.display()
                    );
                    if installing {
                        let _ = write!(out, "{}", manifest_json(*firefox, &env.exe));
                    }
                }
                Target::RegistryKey {
                    browsers,
                    key,
                    value,
                } => {
                    let verb = if installing {
                        "would set"
                    } else {
                        "would delete"
                    };
                    let _ = writeln!(
                        out,
                        "{:<22} {verb} {key} = {}",
                        browsers_label(browsers),
                        value.display()
                    );
                }
            }
        }
        return Ok(());
    }
    if installing {
        install(env, &targets, reg, out)?;
        let _ = writeln!(
            out,
            "done. Restart the browser if it was running, then install the mynakey extension."
        );
    } else {
        let n = uninstall(env, &targets, reg, out)?;
        if n == 0 {
            let _ = writeln!(out, "nothing to remove");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
