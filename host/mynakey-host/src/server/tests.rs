use super::*;
use mynakey_card::jpki::{commands, Pin, PinKind};
use mynakey_protocol::framing::read_frame;
use mynakey_protocol::HostCommand;
use mynakey_test_support::fixtures::{CHALLENGE, ORIGIN};

fn framed(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_ne_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// A login request for the test request's origin and challenge, with PIN 4931.
fn request() -> String {
    format!(
        r#"{{"id":1,"command":"authenticate","arguments":{{"origin":"{ORIGIN}","challenge":"{CHALLENGE}","pin":"4931"}}}}"#
    )
}

/// Every copy of a PIN inside the host process, from stdin to the card (docs/security.md,
/// "Copies of the PIN"). Each is zeroized when it is dropped:
///
/// 1. the frame buffer (`read_frame`, `Zeroizing<Vec<u8>>`), read straight from an
///    unbuffered stdin `File`, zeroized as soon as the request is parsed;
/// 2. the request's [`mynakey_types::secret::Secret`], built from a string borrowed from the frame
///    (no serde `Value`, no unescaping scratch buffer: escaped PINs are refused);
/// 3. the checked [`Pin`] (`Zeroizing`, upper-cased for the signing password);
/// 4. the VERIFY command's data and
/// 5. the serialised VERIFY APDU (both `Zeroizing`), handed to PC/SC.
///
/// Outside this process: the kernel's pipe buffer before the read, and PC/SC (pcsc-lite's
/// client library, pcscd, the reader). This test walks copies 1–5 and shows each is a copy
/// of its own (wiping one leaves the next intact) and that nothing else holds the frame.
#[test]
fn the_pin_has_exactly_the_named_copies() {
    // 1. The frame, read with exactly its own length (no read-ahead buffer of ours).
    let data = framed(request().as_bytes());
    let mut frame = read_frame(&mut &data[..]).unwrap();
    // 2. The Secret, straight from the frame.
    let (_, request) = parse_request(&frame).unwrap_or_else(|(_, e)| panic!("{e:?}"));
    frame.zeroize();
    assert!(
        frame.iter().all(|&b| b == 0),
        "the frame is wiped after parsing"
    );
    let Request::Authenticate(args) = request else {
        panic!("not an authenticate request");
    };
    assert_eq!(args.pin.expose(), "4931", "the Secret is its own copy");
    // 3. The checked PIN.
    let pin = Pin::parse(PinKind::Auth, &args.pin).unwrap();
    drop(args);
    assert_eq!(pin.bytes(), b"4931");
    // 4. and 5. The VERIFY command and its APDU bytes.
    let apdu = commands::verify(pin.bytes()).to_bytes().unwrap();
    assert_eq!(&apdu[apdu.len() - 4..], b"4931");
}

#[test]
fn an_escaped_pin_is_refused_before_it_is_decoded() {
    for pin in [r#"\u0034931"#, r#"493\u0031"#, r#"49\/31"#, r#"\"4931"#] {
        let body = request().replace("4931", pin);
        let (id, e) = match parse_request(body.as_bytes()) {
            Ok(_) => panic!("{pin}: accepted"),
            Err(err) => err,
        };
        assert_eq!(id, serde_json::json!(1), "{pin}");
        assert_eq!(e.code, ErrorCode::PinFormat, "{pin}: {e:?}");
        assert!(
            !e.message.contains("4931") && !e.message.contains("493"),
            "{}",
            e.message
        );
    }
    // Escapes elsewhere are fine (they are not secrets).
    let body = request().replace("bank", "b\\u0061nk");
    assert!(
        body.contains("\\u0061"),
        "the origin holds an escape: {body}"
    );
    assert!(parse_request(body.as_bytes()).is_ok());
}

/// What the server wrote, shared with the test.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    /// The replies written since the last call.
    fn take(&self) -> Vec<Value> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        let mut input = &bytes[..];
        let mut replies = Vec::new();
        while let Ok(frame) = read_frame(&mut input) {
            replies.push(serde_json::from_slice(&frame).unwrap());
        }
        replies
    }
}

/// `version` lists exactly the declared commands, and the server serves each of them: none is
/// answered UNKNOWN_COMMAND, the card commands reach the worker's queue.
#[test]
fn version_lists_the_declared_commands_and_each_is_served() {
    let written = Written::default();
    let output = Output {
        writer: Arc::new(Mutex::new(Box::new(written.clone()))),
    };
    let pending = Pending::default();
    let (jobs, queued) = mpsc::channel();
    let send = |body: String| dispatch(Zeroizing::new(body.into_bytes()), &output, &pending, &jobs);
    send(r#"{"id":0,"command":"version"}"#.into());
    let declared: Vec<&str> = HostCommand::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        written.take()[0]["result"]["commands"],
        serde_json::json!(declared)
    );
    for (n, command) in HostCommand::ALL.iter().enumerate() {
        send(format!(r#"{{"id":{n},"command":"{}"}}"#, command.name()));
        let replies = written.take();
        match replies.first() {
            Some(reply) => assert_ne!(
                reply["error"]["code"],
                "UNKNOWN_COMMAND",
                "{}",
                command.name()
            ),
            None => {
                assert!(queued.try_recv().is_ok(), "{} queued", command.name());
                *pending.lock().unwrap() = None;
            }
        }
    }
    send(r#"{"id":9,"command":"unheardOf"}"#.into());
    assert_eq!(written.take()[0]["error"]["code"], "UNKNOWN_COMMAND");
}
