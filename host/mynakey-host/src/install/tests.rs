use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A fresh directory under the system temp dir (pid + counter), removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "mynakey-install-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(std::fs::canonicalize(&p).unwrap())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn env(os: Os, t: &TempDir) -> Env {
    let bin = t.0.join("opt/mynakey/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join(if os == Os::Windows {
        "mynakey-host.exe"
    } else {
        "mynakey-host"
    });
    std::fs::write(&exe, b"").unwrap();
    Env {
        os,
        home: t.0.join("home/u"),
        xdg_config_home: None,
        chrome_config_home: None,
        root: t.0.join("root"),
        exe,
        program_files: vec![t.0.join("opt")],
        owner_of: root_owned,
    }
}

/// Fake metadata: everything owned by root, mode 0755.
fn root_owned(_: &Path) -> std::io::Result<PathOwner> {
    Ok(PathOwner {
        uid: 0,
        mode: 0o40755,
    })
}

#[derive(Default)]
struct FakeRegistry(HashMap<String, String>);

impl Registry for FakeRegistry {
    fn set_default(&mut self, key: &str, value: &str) -> Result<(), InstallError> {
        self.0.insert(key.to_string(), value.to_string());
        Ok(())
    }
    fn get_default(&self, key: &str) -> Result<Option<String>, InstallError> {
        Ok(self.0.get(key).cloned())
    }
    fn delete(&mut self, key: &str) -> Result<bool, InstallError> {
        Ok(self.0.remove(key).is_some())
    }
}

fn cli(installing: bool, args: &[&str], env: &Env, reg: &mut FakeRegistry) -> (u8, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    let e = env.clone();
    let code = run_cli(installing, &args, &mut out, move || Ok(e), reg);
    (code, String::from_utf8(out).unwrap())
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn linux_user_install_writes_every_browser_with_the_real_binary_path() {
    let t = TempDir::new();
    let e = env(Os::Linux, &t);
    let (code, out) = cli(true, &[], &e, &mut FakeRegistry::default());
    assert_eq!(code, 0, "{out}");
    let cfg = e.home.join(".config");
    for dir in [
        "google-chrome",
        "chromium",
        "microsoft-edge",
        "BraveSoftware/Brave-Browser",
        "vivaldi",
    ] {
        let m = read_json(
            &cfg.join(dir)
                .join("NativeMessagingHosts/jp.mynakey.host.json"),
        );
        assert_eq!(m["name"], "jp.mynakey.host");
        assert_eq!(m["type"], "stdio");
        assert_eq!(m["path"], e.exe.to_str().unwrap());
        assert_eq!(
            m["allowed_origins"],
            serde_json::json!(["chrome-extension://dedionhfdmdcponbglgdkifomcnkbdka/"])
        );
        assert!(m.get("allowed_extensions").is_none());
    }
    let ff = read_json(
        &e.home
            .join(".mozilla/native-messaging-hosts/jp.mynakey.host.json"),
    );
    assert_eq!(
        ff["allowed_extensions"],
        serde_json::json!(["mynakey@mynakey.jp"])
    );
    assert_eq!(ff["path"], e.exe.to_str().unwrap());
    assert!(ff.get("allowed_origins").is_none());
    // Channels whose profile folder does not exist are left alone.
    assert!(!cfg.join("google-chrome-beta").exists());
    // No temporary files left behind.
    let left: Vec<_> = std::fs::read_dir(cfg.join("chromium/NativeMessagingHosts"))
        .unwrap()
        .collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn linux_respects_xdg_config_home_and_existing_channels() {
    let t = TempDir::new();
    let mut e = env(Os::Linux, &t);
    let xdg = t.0.join("xdg");
    std::fs::create_dir_all(xdg.join("google-chrome-beta")).unwrap();
    e.xdg_config_home = Some(xdg.clone());
    let (code, out) = cli(
        true,
        &["--browser", "chrome,firefox"],
        &e,
        &mut FakeRegistry::default(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(xdg
        .join("google-chrome/NativeMessagingHosts/jp.mynakey.host.json")
        .is_file());
    assert!(xdg
        .join("google-chrome-beta/NativeMessagingHosts/jp.mynakey.host.json")
        .is_file());
    assert!(
        !xdg.join("chromium").exists(),
        "only the browsers asked for"
    );
    assert!(!e.home.join(".config").exists());
    // Firefox ignores XDG_CONFIG_HOME.
    assert!(e
        .home
        .join(".mozilla/native-messaging-hosts/jp.mynakey.host.json")
        .is_file());
}

#[test]
fn chrome_config_home_wins_for_chrome_but_not_brave() {
    let t = TempDir::new();
    let mut e = env(Os::Linux, &t);
    e.chrome_config_home = Some(t.0.join("cch"));
    let (code, _) = cli(
        true,
        &["--browser=chrome", "--browser=brave"],
        &e,
        &mut FakeRegistry::default(),
    );
    assert_eq!(code, 0);
    assert!(t
        .0
        .join("cch/google-chrome/NativeMessagingHosts/jp.mynakey.host.json")
        .is_file());
    assert!(e
        .home
        .join(".config/BraveSoftware/Brave-Browser/NativeMessagingHosts/jp.mynakey.host.json")
        .is_file());
}

#[test]
fn linux_system_install_shares_chromes_folder_with_brave() {
    let t = TempDir::new();
    let e = env(Os::Linux, &t);
    let targets = plan(&e, &Browser::ALL, Scope::System, false);
    let files: Vec<(String, PathBuf)> = targets
        .iter()
        .map(|t| match t {
            Target::File { browsers, path, .. } => (
                browsers_label(browsers),
                path.strip_prefix(&e.root).unwrap().to_path_buf(),
            ),
            Target::RegistryKey { .. } => panic!("no registry on Linux"),
        })
        .collect();
    assert!(files.contains(&(
        "chrome,brave".into(),
        PathBuf::from("etc/opt/chrome/native-messaging-hosts/jp.mynakey.host.json")
    )));
    assert!(files.contains(&(
        "chromium".into(),
        PathBuf::from("etc/chromium/native-messaging-hosts/jp.mynakey.host.json")
    )));
    assert!(files.contains(&(
        "edge".into(),
        PathBuf::from("etc/opt/edge/native-messaging-hosts/jp.mynakey.host.json")
    )));
    assert!(files.contains(&(
        "firefox".into(),
        PathBuf::from("usr/lib/mozilla/native-messaging-hosts/jp.mynakey.host.json")
    )));
    assert_eq!(files.len(), 4, "{files:?}");
    let (code, out) = cli(true, &["--system"], &e, &mut FakeRegistry::default());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("vivaldi") && out.contains("skipped"), "{out}");
    assert!(e
        .root
        .join("etc/chromium/native-messaging-hosts/jp.mynakey.host.json")
        .is_file());
}

#[test]
fn dry_run_changes_nothing() {
    let t = TempDir::new();
    let e = env(Os::Linux, &t);
    let (code, out) = cli(
        true,
        &["--dry-run", "--browser", "chromium"],
        &e,
        &mut FakeRegistry::default(),
    );
    assert_eq!(code, 0);
    assert!(out.contains("would write"), "{out}");
    assert!(out.contains("\"allowed_origins\""), "{out}");
    assert!(!e.home.exists());
}

#[test]
fn registrations_report_what_points_here_and_what_is_broken() {
    let t = TempDir::new();
    let e = env(Os::Linux, &t);
    assert!(registrations(&e, &FakeRegistry::default()).is_empty());
    cli(
        true,
        &["--browser", "chromium,firefox"],
        &e,
        &mut FakeRegistry::default(),
    );
    let regs = registrations(&e, &FakeRegistry::default());
    assert_eq!(regs.len(), 2, "{regs:?}");
    for r in &regs {
        assert!(r.points_here, "{r:?}");
        assert_eq!(r.problem, None);
        assert_eq!(r.scope, Scope::User);
    }
    // Another binary, an unparsable manifest, a manifest for another extension.
    let other = t.0.join("other-host");
    std::fs::write(&other, b"").unwrap();
    let chromium = e
        .home
        .join(".config/chromium/NativeMessagingHosts/jp.mynakey.host.json");
    std::fs::write(&chromium, manifest_json(false, &other)).unwrap();
    let edge = e.home.join(".config/microsoft-edge/NativeMessagingHosts");
    std::fs::create_dir_all(&edge).unwrap();
    std::fs::write(edge.join(MANIFEST_FILE), "{not json").unwrap();
    let ff = e
        .home
        .join(".mozilla/native-messaging-hosts/jp.mynakey.host.json");
    std::fs::write(
        &ff,
        manifest_json(true, &e.exe).replace("mynakey@mynakey.jp", "else@example.org"),
    )
    .unwrap();
    let regs = registrations(&e, &FakeRegistry::default());
    let by = |b: Browser| regs.iter().find(|r| r.browser == b).unwrap();
    assert!(!by(Browser::Chromium).points_here);
    assert_eq!(by(Browser::Chromium).problem, None);
    assert_eq!(
        by(Browser::Chromium).host_path.as_deref(),
        Some(other.as_path())
    );
    assert!(by(Browser::Edge)
        .problem
        .as_deref()
        .unwrap()
        .contains("not valid JSON"));
    assert!(by(Browser::Firefox).points_here);
    assert!(by(Browser::Firefox)
        .problem
        .as_deref()
        .unwrap()
        .contains("allowed_extensions"));
    // A manifest naming a binary that is gone.
    std::fs::remove_file(&other).unwrap();
    let regs = registrations(&e, &FakeRegistry::default());
    assert!(regs
        .iter()
        .find(|r| r.browser == Browser::Chromium)
        .unwrap()
        .problem
        .as_deref()
        .unwrap()
        .contains("does not exist"));
}

#[test]
fn uninstall_removes_only_the_manifests() {
    let t = TempDir::new();
    let e = env(Os::Linux, &t);
    cli(true, &[], &e, &mut FakeRegistry::default());
    let dir = e.home.join(".config/chromium/NativeMessagingHosts");
    std::fs::write(dir.join("org.example.other.json"), "{}").unwrap();
    let (code, out) = cli(
        false,
        &["--browser", "all"],
        &e,
        &mut FakeRegistry::default(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(registrations(&e, &FakeRegistry::default()).is_empty());
    assert!(dir.join("org.example.other.json").is_file());
    let (code, out) = cli(false, &[], &e, &mut FakeRegistry::default());
    assert_eq!(code, 0);
    assert!(out.contains("nothing to remove"), "{out}");
}

#[test]
fn macos_locations() {
    let t = TempDir::new();
    let e = env(Os::MacOs, &t);
    let (code, out) = cli(true, &[], &e, &mut FakeRegistry::default());
    assert_eq!(code, 0, "{out}");
    let app = e.home.join("Library/Application Support");
    for d in [
        "Google/Chrome",
        "Chromium",
        "Microsoft Edge",
        "Vivaldi",
        "Mozilla",
    ] {
        assert!(
            app.join(d)
                .join("NativeMessagingHosts/jp.mynakey.host.json")
                .is_file(),
            "{d}"
        );
    }
    assert!(
        !app.join("BraveSoftware").exists(),
        "Brave reads Chrome's folder on macOS"
    );
    let sys = plan(
        &e,
        &[Browser::Chromium, Browser::Firefox],
        Scope::System,
        false,
    );
    let paths: Vec<_> = sys
        .iter()
        .map(|t| match t {
            Target::File { path, .. } => path.strip_prefix(&e.root).unwrap().to_path_buf(),
            Target::RegistryKey { .. } => panic!(),
        })
        .collect();
    assert_eq!(
        paths,
        [
            PathBuf::from(
                "Library/Application Support/Chromium/NativeMessagingHosts/jp.mynakey.host.json"
            ),
            PathBuf::from(
                "Library/Application Support/Mozilla/NativeMessagingHosts/jp.mynakey.host.json"
            ),
        ]
    );
}

#[test]
fn windows_writes_manifests_next_to_the_binary_and_registry_keys() {
    let t = TempDir::new();
    let e = env(Os::Windows, &t);
    let mut reg = FakeRegistry::default();
    let (code, out) = cli(true, &[], &e, &mut reg);
    assert_eq!(code, 0, "{out}");
    let dir = e.exe.parent().unwrap();
    let chromium = dir.join("jp.mynakey.host.chromium.json");
    let firefox = dir.join("jp.mynakey.host.firefox.json");
    assert_eq!(read_json(&chromium)["path"], e.exe.to_str().unwrap());
    assert_eq!(
        read_json(&firefox)["allowed_extensions"],
        serde_json::json!(["mynakey@mynakey.jp"])
    );
    let key = |k: &str| reg.0.get(k).cloned();
    let c = Some(chromium.to_string_lossy().into_owned());
    assert_eq!(
        key(r"HKCU\Software\Google\Chrome\NativeMessagingHosts\jp.mynakey.host"),
        c
    );
    assert_eq!(
        key(r"HKCU\Software\Chromium\NativeMessagingHosts\jp.mynakey.host"),
        c
    );
    assert_eq!(
        key(r"HKCU\Software\Microsoft\Edge\NativeMessagingHosts\jp.mynakey.host"),
        c
    );
    assert_eq!(
        key(r"HKCU\Software\Mozilla\NativeMessagingHosts\jp.mynakey.host"),
        Some(firefox.to_string_lossy().into_owned())
    );
    assert_eq!(
        reg.0.len(),
        4,
        "Brave and Vivaldi share Chrome's key: {:?}",
        reg.0
    );
    let regs = registrations(&e, &reg);
    assert_eq!(regs.len(), 6, "every browser is served: {regs:?}");
    assert!(regs
        .iter()
        .all(|r| r.points_here && r.problem.is_none() && r.registry_key.is_some()));

    // Removing Chrome's key keeps the shared manifest for Chromium and Edge.
    let (code, _) = cli(false, &["--browser", "chrome"], &e, &mut reg);
    assert_eq!(code, 0);
    assert!(chromium.is_file());
    assert_eq!(reg.0.len(), 3);
    let (code, _) = cli(false, &[], &e, &mut reg);
    assert_eq!(code, 0);
    assert!(reg.0.is_empty());
    assert!(!chromium.exists() && !firefox.exists());

    let (code, _) = cli(true, &["--system", "--browser", "edge"], &e, &mut reg);
    assert_eq!(code, 0);
    assert!(reg
        .0
        .contains_key(r"HKLM\Software\Microsoft\Edge\NativeMessagingHosts\jp.mynakey.host"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let t = TempDir::new();
    let e = env(Os::Linux, &t);
    let (code, out) = cli(
        true,
        &["--browser", "netscape"],
        &e,
        &mut FakeRegistry::default(),
    );
    assert_eq!(code, 2);
    assert!(out.contains("unknown browser"), "{out}");
    assert_eq!(
        cli(true, &["--browser"], &e, &mut FakeRegistry::default()).0,
        2
    );
    assert_eq!(
        cli(true, &["--frobnicate"], &e, &mut FakeRegistry::default()).0,
        2
    );
    let (code, out) = cli(true, &["--help"], &e, &mut FakeRegistry::default());
    assert_eq!(code, 0);
    assert!(out.contains("Usage: mynakey-host install"), "{out}");
    assert!(out.contains("--dry-run"), "{out}");
    assert!(!e.home.exists());
}

#[test]
fn manifest_matches_the_checked_in_templates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manifests");
    for (firefox, file) in [
        (false, "jp.mynakey.host.chromium.json"),
        (true, "jp.mynakey.host.firefox.json"),
    ] {
        let template = std::fs::read_to_string(root.join(file))
            .unwrap()
            .replace("@HOST_PATH@", "/x/mynakey-host");
        let a: serde_json::Value = serde_json::from_str(&template).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&manifest_json(firefox, Path::new("/x/mynakey-host"))).unwrap();
        assert_eq!(a, b, "{file}");
    }
}

#[test]
fn extension_id_matches_the_extension_key() {
    // The id Chromium derives from the `key` in extension/src/manifest.json (the first 32 hex digits of SHA-256 of the key, mapped to a–p).
    use sha2::{Digest, Sha256};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../extension/src/manifest.json");
    let m = read_json(&root);
    let key = m["key"].as_str().unwrap();
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap();
    let id: String = Sha256::digest(&der)[..16]
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .map(|n| char::from(b'a' + n))
        .collect();
    assert_eq!(CHROMIUM_EXTENSION_IDS, [id.as_str()]);
}

// --- install --system refuses a binary others can replace (issue 11 item 2) -----------------

/// Fake metadata from a table; paths not listed are root-owned 0755 folders.
fn facts<'a>(
    table: &'a [(&'a str, u32, u32)],
) -> impl Fn(&Path) -> std::io::Result<PathOwner> + 'a {
    move |p: &Path| {
        if p == Path::new("/missing") {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        Ok(table
            .iter()
            .find(|(path, _, _)| Path::new(path) == p)
            .map_or(
                PathOwner {
                    uid: 0,
                    mode: 0o40755,
                },
                |&(_, uid, mode)| PathOwner { uid, mode },
            ))
    }
}

/// (path, uid, mode) rows of fake metadata.
type Facts<'a> = [(&'a str, u32, u32)];

fn refusal(os: Os, exe: &str, table: &Facts) -> Option<String> {
    let pf = [
        PathBuf::from(r"C:\Program Files"),
        PathBuf::from(r"C:\Program Files (x86)"),
    ];
    system_binary_refusal(os, Path::new(exe), &facts(table), &pf)
}

#[test]
fn system_binary_rule_on_unix_needs_root_ownership_and_no_group_or_other_write() {
    for os in [Os::Linux, Os::MacOs] {
        let exe = "/usr/local/bin/mynakey-host";
        // Root-owned, 0755 folders and a 0755 binary: accepted.
        assert_eq!(refusal(os, exe, &[(exe, 0, 0o100755)]), None);
        // Read-only for everybody is fine too.
        assert_eq!(refusal(os, exe, &[(exe, 0, 0o100555)]), None);
        let refused: [(&Facts, &str); 7] = [
            (&[(exe, 1000, 0o100755)], "owned by uid 1000"),
            (&[(exe, 0, 0o100777)], "writable by others"),
            (&[(exe, 0, 0o100775)], "writable by its group"),
            (
                &[("/usr/local/bin", 0, 0o40777)],
                "folder /usr/local/bin is writable by others",
            ),
            (
                &[("/usr/local", 0, 0o40775)],
                "folder /usr/local is writable by its group",
            ),
            (&[("/usr", 501, 0o40755)], "folder /usr is owned by uid 501"),
            // /tmp: the sticky bit does not make a world-writable folder acceptable.
            (&[("/", 0, 0o41777)], "folder / is writable by others"),
        ];
        for (table, why) in refused {
            let r = refusal(os, exe, table);
            assert!(
                r.as_deref().is_some_and(|r| r.contains(why)),
                "{os:?} {table:?}: {r:?}"
            );
        }
        // Metadata that cannot be read: refused, not assumed safe.
        let r = refusal(os, "/missing/mynakey-host", &[]);
        assert!(r.is_some_and(|r| r.contains("cannot check /missing")));
        // A relative path is never accepted.
        assert!(refusal(os, "bin/mynakey-host", &[]).is_some());
    }
}

#[test]
fn system_binary_rule_on_windows_is_program_files() {
    let ok = [
        r"C:\Program Files\mynakey\mynakey-host.exe",
        r"c:\program files (x86)\mynakey\mynakey-host.exe",
    ];
    for exe in ok {
        assert_eq!(refusal(Os::Windows, exe, &[]), None, "{exe}");
    }
    let refused = [
        r"C:\Users\u\Downloads\mynakey-host.exe",
        r"C:\Program Files Evil\mynakey-host.exe",
        r"C:\Program Files\..\Users\u\mynakey-host.exe",
        r"C:\Program Files",
        r"D:\Program Files\mynakey\mynakey-host.exe",
    ];
    for exe in refused {
        let r = refusal(Os::Windows, exe, &[]);
        assert!(r.is_some(), "{exe}");
    }
    // Without any Program Files folder known, nothing is accepted.
    let r = system_binary_refusal(Os::Windows, Path::new(ok[0]), &facts(&[]), &[]);
    assert!(r.is_some());
}

fn world_writable(p: &Path) -> std::io::Result<PathOwner> {
    Ok(PathOwner {
        uid: 0,
        mode: if p.ends_with("bin") { 0o40777 } else { 0o40755 },
    })
}

#[test]
fn system_install_and_its_dry_run_show_the_refusal_and_write_nothing() {
    let t = TempDir::new();
    let mut e = env(Os::Linux, &t);
    e.owner_of = world_writable;
    for args in [&["--system"][..], &["--system", "--dry-run"][..]] {
        let (code, out) = cli(true, args, &e, &mut FakeRegistry::default());
        assert_eq!(code, 1, "{args:?}: {out}");
        assert!(out.contains("refusing --system"), "{out}");
        assert!(out.contains("writable by others"), "{out}");
        assert!(!out.contains("would write"), "{out}");
        assert!(!e.root.exists(), "{args:?}: something was written");
    }
    // A user install is not affected (it runs only as that user).
    let (code, out) = cli(true, &["--dry-run"], &e, &mut FakeRegistry::default());
    assert_eq!(code, 0, "{out}");
    // Windows outside Program Files: refused, no registry key set.
    let mut w = env(Os::Windows, &t);
    w.program_files = vec![PathBuf::from(r"C:\Program Files")];
    let mut reg = FakeRegistry::default();
    let (code, out) = cli(true, &["--system"], &w, &mut reg);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Program Files"), "{out}");
    assert!(reg.0.is_empty());
}
