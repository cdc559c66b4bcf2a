//! `mynakey-host install --system` through the real binary (issue 11 item 2): a copy of the
//! host in a folder everybody can write to is refused, and `--dry-run` shows the refusal.
// Integration tests: helper functions outside #[test] may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(unix)]
#[test]
fn system_install_of_a_binary_in_a_world_writable_folder_is_refused_even_in_a_dry_run() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    let dir = std::env::temp_dir().join(format!("mynakey-install-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home")).unwrap();
    let exe = dir.join("mynakey-host");
    std::fs::copy(env!("CARGO_BIN_EXE_mynakey-host"), &exe).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();

    for args in [
        &["install", "--system", "--dry-run"][..],
        &["install", "--system", "--dry-run", "--browser", "chromium"][..],
    ] {
        let out = Command::new(&exe)
            .args(args)
            .env("HOME", dir.join("home"))
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}");
        assert!(stdout.contains("refusing --system"), "{stdout}");
        assert!(stdout.contains(&dir.display().to_string()), "{stdout}");
        assert!(!stdout.contains("would write"), "{stdout}");
    }
    // The copy itself works: a user dry run is not refused.
    let out = Command::new(&exe)
        .args(["install", "--dry-run", "--browser", "chromium"])
        .env("HOME", dir.join("home"))
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
