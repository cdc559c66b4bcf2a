//! What a browser on Windows does differently, tested on every platform (and against the
//! Windows `.exe` under Wine by the windows suite): frames whose 4-byte length holds LF (0x0A),
//! CR (0x0D) or Ctrl-Z (0x1A) bytes — a stdin or stdout in text mode would translate CR LF,
//! expand LF or stop at Ctrl-Z and so lose the framing — and the exact arguments each browser
//! starts the host with.

use serde_json::{json, Value};

use super::Host;

/// `{"id":ID…}` padded with JSON whitespace (CR LF pairs, then a space) to exactly `len` bytes.
fn padded(head: &str, len: usize) -> Vec<u8> {
    assert!(head.len() < len, "{head} does not fit in {len} bytes");
    let mut body = head.trim_end_matches('}').as_bytes().to_vec();
    let gap = len - body.len() - 1;
    for _ in 0..gap / 2 {
        body.extend_from_slice(b"\r\n");
    }
    if gap % 2 == 1 {
        body.push(b' ');
    }
    body.push(b'}');
    body
}

/// Inbound: each length's header holds LF, CR (also as a CR LF pair: 0x0A0D is `0D 0A 00 00`)
/// or Ctrl-Z, and each body holds CR LF pairs; one frame too large to read (0x0A0D0A) is drained.
/// Every frame is answered with its id and the host keeps serving.
#[test]
fn inbound_lengths_with_lf_cr_and_ctrl_z_bytes() {
    let mut host = Host::start(&[]);
    for (i, len) in [0x0A, 0x0D, 0x1A].into_iter().enumerate() {
        // Too short for a command: answered BAD_REQUEST, with the id read from the frame.
        host.frame(&padded(&format!(r#"{{"id":{i}}}"#), len));
        let reply = host.next();
        assert_eq!(reply["id"], i, "length {len:#x}: {reply}");
        assert_eq!(
            reply["error"]["code"], "BAD_REQUEST",
            "length {len:#x}: {reply}"
        );
        host.assert_serving();
    }
    for len in [0x10A, 0x10D, 0x11A, 0x0A0D, 0x0D0A, 0x1A1A, 0x0D1A, 0x1A0D] {
        let id = format!("len-{len:#x}");
        host.frame(&padded(
            &format!(r#"{{"id":"{id}","command":"version"}}"#),
            len,
        ));
        let reply = host.next();
        assert_eq!(reply["id"], id.as_str(), "{reply}");
        assert_eq!(
            reply["result"]["version"],
            env!("CARGO_PKG_VERSION"),
            "{reply}"
        );
    }
    host.frame(&padded(r#"{"id":"big","command":"version"}"#, 0x0A0D0A));
    assert_eq!(host.next()["error"]["code"], "MESSAGE_TOO_LARGE");
    host.assert_serving();
    host.close();
}

/// Outbound: version replies to ids of 1 to 256 characters are 256 consecutive lengths (only
/// the id's length differs), so every value of the length's low byte occurs, LF, CR and Ctrl-Z
/// among them; every reply must arrive as one well-formed frame with its id.
#[test]
fn outbound_lengths_with_lf_cr_and_ctrl_z_bytes() {
    let mut host = Host::start(&[]);
    let first = host.ok("x", "version", json!({}));
    for n in 2..=256 {
        // `ok` reads up to the answer with this id: a frame split or merged by a translation
        // fails there.
        assert_eq!(host.ok("x".repeat(n), "version", json!({})), first);
    }
    host.close();
}

/// The arguments each browser passes on Windows, and the host answers in host mode.
#[test]
fn the_arguments_browsers_pass_on_windows() {
    let chromium_family = [
        // Chrome, Edge, Brave and Vivaldi: the caller's origin and the calling window's handle
        // (0 from a service worker).
        [
            "chrome-extension://dedionhfdmdcponbglgdkifomcnkbdka/",
            "--parent-window=0",
        ],
        [
            "chrome-extension://dedionhfdmdcponbglgdkifomcnkbdka/",
            "--parent-window=1312486",
        ],
    ];
    let firefox = [
        // Firefox: the manifest's path (the registry's value) and the add-on id.
        [
            r"C:\Program Files\mynakey\jp.mynakey.host.firefox.json",
            "mynakey@mynakey.jp",
        ],
        [
            r"C:\Users\山田 太郎\AppData\Local\mynakey\jp.mynakey.host.firefox.json",
            "mynakey@mynakey.jp",
        ],
    ];
    for args in chromium_family.iter().chain(&firefox) {
        let mut host = Host::start(args);
        let version: Value = host.ok("v", "version", json!({}));
        assert_eq!(version["version"], env!("CARGO_PKG_VERSION"), "{args:?}");
        host.close();
    }
}
