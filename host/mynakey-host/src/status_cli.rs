//! `mynakey-host status [--json] [--simulator]`: what the host sees, in plain words (Japanese
//! and English), with a hint for each problem. `--json` prints [`Ops::status`] in the shape the
//! protocol's `status` command returns. Exit code 0 when a My Number Card (JPKI) was found.

use std::io::Write;

use crate::cli::StatusArgs;
use crate::config::Config;
use crate::install::{self, Registration};
use crate::ops::{Ops, ReaderStatus, Status};
use mynakey_card::transport::pcsc::PcscReaders;
use mynakey_card::transport::Readers;
use mynakey_protocol::{CardState, PcscState};

/// Runs the command; returns the exit code.
pub fn run(args: &StatusArgs, config: Config, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let readers = match readers(args) {
        Ok(readers) => readers,
        Err((code, e)) => {
            let _ = writeln!(err, "mynakey-host status: {e}");
            return code;
        }
    };
    let status = Ops::new(readers, config).status();
    let written = if args.json {
        serde_json::to_string_pretty(&status)
            .map_err(std::io::Error::other)
            .and_then(|text| writeln!(out, "{text}"))
    } else {
        render(
            &status,
            &install::registered_browsers(),
            Platform::CURRENT,
            out,
        )
    };
    if let Err(e) = written {
        let _ = writeln!(err, "mynakey-host status: {e}");
        return 1;
    }
    if found_card(&status) {
        0
    } else {
        1
    }
}

/// PC/SC, or the simulated card with `--simulator` (developer builds only). Errors carry the
/// exit code: 2 for a usage error, 1 when the simulated card cannot start.
fn readers(args: &StatusArgs) -> Result<Box<dyn Readers>, (u8, String)> {
    if !args.simulator {
        return Ok(Box::new(PcscReaders::new()));
    }
    #[cfg(feature = "simulator")]
    {
        let faults = match &args.sim_faults {
            Some(spec) => mynakey_simulator::Faults::parse(spec).map_err(|e| (2, e.to_string()))?,
            None => mynakey_simulator::Faults::default(),
        };
        let readers =
            mynakey_simulator::SimReaders::single(faults, mynakey_simulator::ApduLog::new())
                .map_err(|e| (1, e.to_string()))?;
        Ok(Box::new(readers))
    }
    #[cfg(not(feature = "simulator"))]
    Err((2, crate::cli::NO_SIMULATOR.to_owned()))
}

/// A My Number Card (JPKI) is in one of the readers.
pub fn found_card(status: &Status) -> bool {
    status.readers.iter().any(|r| r.card == CardState::Jpki)
}

/// Whose smart-card service the hints speak of. The host's own is chosen at build time; the
/// hints are pure functions of it, so every variant is tested on any system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// The Smart Card service (SCardSvr), which Windows stops while no reader is connected.
    Windows,
    /// CryptoTokenKit's PC/SC layer, built in.
    MacOs,
    /// pcsc-lite's pcscd with the CCID driver (Linux, the BSDs).
    PcscLite,
}

impl Platform {
    #[cfg(windows)]
    pub const CURRENT: Platform = Platform::Windows;
    #[cfg(target_os = "macos")]
    pub const CURRENT: Platform = Platform::MacOs;
    #[cfg(not(any(windows, target_os = "macos")))]
    pub const CURRENT: Platform = Platform::PcscLite;
}

/// The human-readable report, with the hints of `platform`.
pub fn render(
    status: &Status,
    browsers: &[Registration],
    platform: Platform,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "mynakey-host {} (protocol {})",
        status.version, status.protocol
    )?;
    if status.pcsc != PcscState::Ok {
        writeln!(
            out,
            "スマートカードサービス: 利用できません / Smart-card service: unavailable"
        )?;
        if let Some(why) = &status.pcsc_error {
            writeln!(out, "  {why}")?;
        }
        for line in service_hint(platform) {
            writeln!(out, "  ヒント / hint: {line}")?;
        }
    } else {
        let what = if status.transport == "simulator" {
            "simulated card (--simulator)"
        } else {
            "PC/SC"
        };
        writeln!(
            out,
            "スマートカードサービス: OK / Smart-card service: ok ({what})"
        )?;
        if status.readers.is_empty() {
            writeln!(out, "カードリーダー: なし / Card readers: none")?;
            for line in no_reader_hint(platform) {
                writeln!(out, "  ヒント / hint: {line}")?;
            }
        } else {
            writeln!(
                out,
                "カードリーダー / Card readers ({}):",
                status.readers.len()
            )?;
            for reader in &status.readers {
                render_reader(reader, platform, out)?;
            }
            if !status.readers.iter().any(|r| r.card != CardState::Absent) {
                writeln!(out, "  ヒント / hint: カードを差し込んでください / insert your My Number Card: into a contact")?;
                writeln!(out, "    reader chip first (the side with the gold IC chip as the reader shows), or lay it flat")?;
                writeln!(out, "    and still on a contactless reader.")?;
            }
        }
    }
    writeln!(out, "ブラウザー登録 / Browsers registered:")?;
    if browsers.is_empty() {
        writeln!(
            out,
            "  なし / none — run `mynakey-host install` (add --system for all users)"
        )?;
    }
    for b in browsers {
        let state = match &b.problem {
            None => "ok".to_string(),
            Some(problem) => format!("problem: {problem}"),
        };
        writeln!(
            out,
            "  {} ({}): {} — {state}",
            b.browser,
            b.scope,
            b.manifest.display()
        )?;
    }
    if status.pcsc == PcscState::Ok && !found_card(status) {
        writeln!(
            out,
            "マイナンバーカードは見つかりません / No My Number Card found."
        )?;
    }
    Ok(())
}

fn render_reader(
    reader: &ReaderStatus,
    platform: Platform,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "  {}", reader.name)?;
    match reader.card.as_str() {
        "absent" => writeln!(out, "    カードなし / no card")?,
        "busy" => {
            writeln!(out, "    使用中 / card in use by another program")?;
            for line in busy_hint(platform) {
                writeln!(out, "    ヒント / hint: {line}")?;
            }
        }
        "other" => {
            writeln!(
                out,
                "    マイナンバーカードではありません / not a My Number Card (no JPKI application)"
            )?;
            writeln!(out, "    ヒント / hint: is the card upside down or the wrong way round? Insert it chip first with")?;
            writeln!(out, "      the gold IC chip where the reader expects it; on a contactless reader lay it flat and")?;
            writeln!(out, "      keep other cards (transit, credit) away. Otherwise this is another kind of card.")?;
        }
        "jpki" => {
            let label = reader.token_label.as_deref().unwrap_or("?");
            let kind = match label {
                "JPKIAPICCTOKEN2" => "マイナンバーカード / My Number Card",
                "JPKIAPICCTOKEN" => "住基カード / Juki card (Basic Resident Registration card)",
                mynakey_card::jpki::ANDROID_TOKEN_LABEL => {
                    "スマートフォン (Android) の電子証明書 / smartphone certificate (Android)"
                }
                _ => "JPKI card",
            };
            writeln!(out, "    {kind} (token {label})")?;
            render_tries(
                out,
                "利用者証明用電子証明書のPIN (4桁)",
                "authentication PIN (4 digits)",
                reader.auth_pin_tries_left,
            )?;
            render_tries(
                out,
                "署名用電子証明書のパスワード",
                "signing password",
                reader.sign_pin_tries_left,
            )?;
            match reader.has_signing_certificate {
                Some(true) => writeln!(
                    out,
                    "    署名用電子証明書: あり / signing certificate: present"
                )?,
                Some(false) => {
                    writeln!(
                        out,
                        "    署名用電子証明書: なし / signing certificate: none"
                    )?;
                    writeln!(out, "    ヒント / hint: cards of people under 15 carry none; it can be issued at the municipal office.")?;
                }
                None => writeln!(
                    out,
                    "    署名用電子証明書: 不明 / signing certificate: unknown"
                )?,
            }
        }
        other => writeln!(out, "    {other}")?,
    }
    Ok(())
}

fn render_tries(out: &mut dyn Write, ja: &str, en: &str, tries: Option<u8>) -> std::io::Result<()> {
    match tries {
        Some(0) => {
            writeln!(out, "    {ja}: ロック中 / {en}: BLOCKED")?;
            writeln!(out, "    ヒント / hint: reset it at your municipal office (photo ID), or where offered with the")?;
            writeln!(out, "      smartphone app at a convenience-store kiosk.")?;
        }
        Some(1) => writeln!(
            out,
            "    {ja}: 残り 1 回 / {en}: 1 try left — the next wrong entry blocks it"
        )?,
        Some(n) => writeln!(out, "    {ja}: 残り {n} 回 / {en}: {n} tries left")?,
        None => writeln!(out, "    {ja}: 不明 / {en}: tries left unknown")?,
    }
    Ok(())
}

/// Why the service may be down and what to do, on `platform`.
pub fn service_hint(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Windows => &[
            "Windows stops the Smart Card service (スマートカード, SCardSvr) while no reader is connected",
            "  and starts it when one is plugged in: plug the reader in, wait a few seconds, and retry.",
            "if a reader is connected: services.msc → Smart Card → startup type Manual or Automatic",
            "  (not Disabled), or `sc start SCardSvr` as administrator.",
        ],
        Platform::MacOs => &[
            "macOS has PC/SC built in: unplug and re-plug the reader; if that fails, restart the Mac.",
        ],
        Platform::PcscLite => &[
            "pcscd is not running. Debian/Ubuntu: sudo apt install pcscd",
            "Fedora: sudo dnf install pcsc-lite;  Arch: sudo pacman -S pcsclite ccid",
            "then: sudo systemctl enable --now pcscd.socket   (without systemd: sudo pcscd)",
            "if access was denied: pcscd's polkit rules may refuse remote (ssh) sessions.",
        ],
    }
}

/// The service runs but lists no reader.
pub fn no_reader_hint(platform: Platform) -> Vec<&'static str> {
    let mut lines = vec!["connect a smart-card reader (contact or contactless/NFC); USB hubs can starve readers of power."];
    match platform {
        Platform::Windows => lines.push(
            "Windows lists a reader once its driver is installed (Device Manager → Smart card readers); most come through Windows Update.",
        ),
        Platform::MacOs => {}
        Platform::PcscLite => {
            lines.push(
                "most USB readers need the CCID driver: Debian/Ubuntu `libccid`, Fedora/Arch `ccid`.",
            );
            lines.push("check that the model is a supported CCID reader (older FeliCa-only PaSoRi models are not).");
        }
    }
    lines
}

/// Another program holds the card.
pub fn busy_hint(platform: Platform) -> Vec<&'static str> {
    let mut lines = vec![
        "close other programs that use the card (the JPKI client software,",
        "  a browser with a smart-card security module loaded, OpenSC tools, pcsc_scan), then retry.",
    ];
    match platform {
        Platform::Windows => lines.push(
            "Windows itself reads a card just inserted (smart-card Plug and Play): wait a few seconds and retry.",
        ),
        Platform::MacOs | Platform::PcscLite => {}
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(readers: Vec<ReaderStatus>) -> Status {
        Status {
            version: "0.1.0".into(),
            protocol: 1,
            pcsc: PcscState::Ok,
            pcsc_error: None,
            transport: "pcsc".into(),
            readers,
        }
    }

    fn reader(name: &str, card: &str) -> ReaderStatus {
        ReaderStatus {
            name: name.into(),
            card: CardState::ALL
                .into_iter()
                .find(|c| c.as_str() == card)
                .unwrap(),
            token_label: None,
            token_kind: None,
            auth_pin_tries_left: None,
            sign_pin_tries_left: None,
            has_signing_certificate: None,
        }
    }

    const LINUX: Platform = Platform::PcscLite;

    fn text(s: &Status, platform: Platform) -> String {
        let mut out = Vec::new();
        render(s, &[], platform, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_card_with_its_tries() {
        let mut r = reader("Virtual PCD 00 00", "jpki");
        r.token_label = Some("JPKIAPICCTOKEN2".into());
        r.auth_pin_tries_left = Some(3);
        r.sign_pin_tries_left = Some(0);
        r.has_signing_certificate = Some(true);
        let s = status(vec![r, reader("Virtual PCD 00 01", "absent")]);
        let t = text(&s, LINUX);
        assert!(t.contains("My Number Card (token JPKIAPICCTOKEN2)"), "{t}");
        assert!(
            t.contains("authentication PIN (4 digits): 3 tries left"),
            "{t}"
        );
        assert!(t.contains("signing password: BLOCKED"), "{t}");
        assert!(t.contains("signing certificate: present"), "{t}");
        assert!(t.contains("no card"), "{t}");
        assert!(t.contains("mynakey-host install"), "{t}");
        assert!(found_card(&s));
    }

    #[test]
    fn each_problem_has_a_hint() {
        let mut down = status(vec![]);
        down.pcsc = PcscState::Unavailable;
        assert!(text(&down, LINUX).contains("sudo apt install pcscd"));
        assert!(text(&down, Platform::Windows).contains("SCardSvr"));
        assert!(text(&down, Platform::MacOs).contains("built in"));
        assert!(text(&status(vec![]), LINUX).contains("libccid"));
        assert!(text(&status(vec![reader("R", "other")]), LINUX).contains("upside down"));
        assert!(text(&status(vec![reader("R", "busy")]), LINUX).contains("another program"));
        assert!(text(&status(vec![reader("R", "absent")]), LINUX)
            .contains("insert your My Number Card"));
        assert!(!found_card(&status(vec![reader("R", "other")])));
    }

    #[test]
    fn the_hints_are_those_of_the_platform_built_for() {
        #[cfg(target_os = "linux")]
        assert_eq!(Platform::CURRENT, Platform::PcscLite);
        #[cfg(windows)]
        assert_eq!(Platform::CURRENT, Platform::Windows);
        #[cfg(target_os = "macos")]
        assert_eq!(Platform::CURRENT, Platform::MacOs);
    }

    #[test]
    fn windows_hints_speak_of_its_service_and_drivers_not_of_pcscd() {
        let service = service_hint(Platform::Windows).join(" ");
        assert!(service.contains("SCardSvr"), "{service}");
        assert!(
            service.contains("while no reader is connected"),
            "{service}"
        );
        assert!(service.contains("plug the reader in"), "{service}");
        assert!(!service.contains("pcscd"), "{service}");
        let readers = no_reader_hint(Platform::Windows).join(" ");
        assert!(readers.contains("Device Manager"), "{readers}");
        assert!(!readers.contains("libccid"), "{readers}");
        let busy = busy_hint(Platform::Windows).join(" ");
        assert!(busy.contains("Plug and Play"), "{busy}");
    }

    #[test]
    fn pcsc_lite_hints_speak_of_pcscd_and_ccid_not_of_windows() {
        let service = service_hint(Platform::PcscLite).join(" ");
        assert!(service.contains("pcscd is not running"), "{service}");
        assert!(service.contains("pcscd.socket"), "{service}");
        assert!(!service.contains("SCardSvr"), "{service}");
        let readers = no_reader_hint(Platform::PcscLite).join(" ");
        assert!(readers.contains("libccid"), "{readers}");
        assert!(!readers.contains("Device Manager"), "{readers}");
        assert!(!busy_hint(Platform::PcscLite)
            .join(" ")
            .contains("Plug and Play"));
        assert!(!service_hint(Platform::MacOs).join(" ").contains("pcscd"));
    }

    #[test]
    fn a_windows_status_without_service_shows_the_reason_and_the_windows_hint() {
        let mut down = status(vec![]);
        down.pcsc = PcscState::Unavailable;
        down.pcsc_error = Some(
            "the smart-card service is not available: it stopped (The Smart card resource manager has shut down)".into(),
        );
        let t = text(&down, Platform::Windows);
        assert!(t.contains("Smart-card service: unavailable"), "{t}");
        assert!(t.contains("it stopped"), "{t}");
        assert!(
            t.contains("hint: Windows stops the Smart Card service"),
            "{t}"
        );
        assert!(!t.contains("apt install"), "{t}");
    }
}
