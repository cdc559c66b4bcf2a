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
            std::env::consts::OS,
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

/// The human-readable report. `os` is `std::env::consts::OS` (chooses the service hints).
pub fn render(
    status: &Status,
    browsers: &[Registration],
    os: &str,
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
        for line in service_hint(os) {
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
            for line in no_reader_hint(os) {
                writeln!(out, "  ヒント / hint: {line}")?;
            }
        } else {
            writeln!(
                out,
                "カードリーダー / Card readers ({}):",
                status.readers.len()
            )?;
            for reader in &status.readers {
                render_reader(reader, out)?;
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

fn render_reader(reader: &ReaderStatus, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "  {}", reader.name)?;
    match reader.card.as_str() {
        "absent" => writeln!(out, "    カードなし / no card")?,
        "busy" => {
            writeln!(out, "    使用中 / card in use by another program")?;
            writeln!(out, "    ヒント / hint: close other programs that use the card (the JPKI client software,")?;
            writeln!(out, "      a browser with a smart-card security module loaded, OpenSC tools, pcsc_scan), then retry.")?;
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

fn service_hint(os: &str) -> Vec<&'static str> {
    match os {
        "windows" => vec![
            "start the Smart Card service (スマートカード): services.msc, or `sc start SCardSvr` as administrator.",
            "Windows stops that service while no reader is connected: plug the reader in first.",
        ],
        "macos" => vec![
            "macOS has PC/SC built in: unplug and re-plug the reader; if that fails, restart the Mac.",
        ],
        _ => vec![
            "pcscd is not running. Debian/Ubuntu: sudo apt install pcscd",
            "Fedora: sudo dnf install pcsc-lite;  Arch: sudo pacman -S pcsclite ccid",
            "then: sudo systemctl enable --now pcscd.socket   (without systemd: sudo pcscd)",
        ],
    }
}

fn no_reader_hint(os: &str) -> Vec<&'static str> {
    let mut lines = vec!["connect a smart-card reader (contact or contactless/NFC); USB hubs can starve readers of power."];
    if os == "linux" || os == "freebsd" || os == "openbsd" {
        lines.push(
            "most USB readers need the CCID driver: Debian/Ubuntu `libccid`, Fedora/Arch `ccid`.",
        );
        lines.push("check that the model is a supported CCID reader (older FeliCa-only PaSoRi models are not).");
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

    fn text(s: &Status, os: &str) -> String {
        let mut out = Vec::new();
        render(s, &[], os, &mut out).unwrap();
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
        let t = text(&s, "linux");
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
        assert!(text(&down, "linux").contains("sudo apt install pcscd"));
        assert!(text(&down, "windows").contains("SCardSvr"));
        assert!(text(&down, "macos").contains("built in"));
        assert!(text(&status(vec![]), "linux").contains("libccid"));
        assert!(text(&status(vec![reader("R", "other")]), "linux").contains("upside down"));
        assert!(text(&status(vec![reader("R", "busy")]), "linux").contains("another program"));
        assert!(text(&status(vec![reader("R", "absent")]), "linux")
            .contains("insert your My Number Card"));
        assert!(!found_card(&status(vec![reader("R", "other")])));
    }
}
