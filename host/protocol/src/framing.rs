//! Native messaging framing: a 4-byte length in native byte order, then UTF-8 JSON.

use std::io::{self, Read, Write};

use byteorder::{NativeEndian, ReadBytesExt, WriteBytesExt};
use zeroize::Zeroizing;

/// The host accepts at most this many bytes per inbound message (protocol 1, docs/protocol.md).
pub const MAX_INBOUND: usize = 65_536;
/// Browsers refuse host messages longer than 1 MiB (Chrome's and Firefox's native messaging documentation).
pub const MAX_OUTBOUND: usize = 1_048_576;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// stdin closed (also mid-header or mid-message: the browser is gone).
    #[error("end of input")]
    Eof,
    /// A message longer than [`MAX_INBOUND`]; its bytes were read and discarded.
    #[error("message of {0} bytes exceeds the {MAX_INBOUND}-byte limit")]
    TooLarge(u32),
    #[error("outbound message of {0} bytes exceeds the {MAX_OUTBOUND}-byte limit")]
    OutboundTooLarge(usize),
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
}

/// Reads one message: exactly the 4-byte length and then the message, never more, so no
/// bytes of the next message sit in a buffer of ours. Give it an unbuffered reader (the host
/// reads a `File` on its stdin descriptor, not std's buffered `Stdin`). The buffer is
/// zeroized on drop because requests carry PINs.
pub fn read_frame(input: &mut dyn Read) -> Result<Zeroizing<Vec<u8>>, FrameError> {
    let length = match input.read_u32::<NativeEndian>() {
        Ok(length) => length,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(FrameError::Eof),
        Err(e) => return Err(e.into()),
    };
    let len = length as usize;
    if len > MAX_INBOUND {
        // Drain without allocating the announced size, through a buffer that is zeroized
        // (an oversize message may still carry a PIN).
        let mut chunk = Zeroizing::new([0u8; 4096]);
        let mut left = len;
        while left > 0 {
            let want = left.min(chunk.len());
            match input.read(&mut chunk[..want]) {
                Ok(0) => return Err(FrameError::Eof),
                Ok(n) => left -= n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        return Err(FrameError::TooLarge(length));
    }
    let mut buffer = Zeroizing::new(vec![0u8; len]);
    match input.read_exact(&mut buffer) {
        Ok(()) => Ok(buffer),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(FrameError::Eof),
        Err(e) => Err(e.into()),
    }
}

/// Writes one message and flushes; refuses anything a browser would reject.
pub fn write_frame(output: &mut dyn Write, message: &[u8]) -> Result<(), FrameError> {
    if message.len() > MAX_OUTBOUND {
        return Err(FrameError::OutboundTooLarge(message.len()));
    }
    let mut frame = Vec::with_capacity(4 + message.len());
    frame.write_u32::<NativeEndian>(message.len() as u32)?;
    frame.extend_from_slice(message);
    // One write per frame, so a reader never sees half a header from us.
    output.write_all(&frame)?;
    output.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_ne_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn reads_a_frame_and_then_eof() {
        let data = framed(b"{}");
        let mut input = &data[..];
        assert_eq!(read_frame(&mut input).unwrap().as_slice(), b"{}");
        assert!(matches!(read_frame(&mut input), Err(FrameError::Eof)));
    }

    #[test]
    fn truncated_header_and_body_are_eof() {
        assert!(matches!(
            read_frame(&mut &[1u8, 0][..]),
            Err(FrameError::Eof)
        ));
        let mut data = framed(b"{\"id\":1}");
        data.truncate(7);
        assert!(matches!(read_frame(&mut &data[..]), Err(FrameError::Eof)));
    }

    #[test]
    fn oversize_is_drained_and_the_next_frame_read() {
        let mut data = framed(&vec![b'x'; MAX_INBOUND + 1]);
        data.extend(framed(b"{}"));
        let mut input = &data[..];
        assert!(
            matches!(read_frame(&mut input), Err(FrameError::TooLarge(n)) if n as usize == MAX_INBOUND + 1)
        );
        assert_eq!(read_frame(&mut input).unwrap().as_slice(), b"{}");
    }

    /// A reader that counts the bytes handed out.
    struct Counting<'a>(&'a [u8], usize);

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn reads_exactly_one_frame_and_nothing_of_the_next() {
        let mut data = framed(br#"{"pin":"1234"}"#);
        data.extend(framed(br#"{"pin":"9876"}"#));
        let mut input = Counting(&data, 0);
        assert_eq!(
            read_frame(&mut input).unwrap().as_slice(),
            br#"{"pin":"1234"}"#
        );
        assert_eq!(input.1, 4 + 14, "read past the frame");
    }

    #[test]
    fn huge_announced_length_does_not_allocate() {
        // 4 GiB announced, a few bytes present: EOF after draining what is there, no allocation.
        let mut data = u32::MAX.to_ne_bytes().to_vec();
        data.extend_from_slice(b"abc");
        assert!(matches!(read_frame(&mut &data[..]), Err(FrameError::Eof)));
    }

    #[test]
    fn outbound_cap() {
        let mut out = Vec::new();
        assert!(write_frame(&mut out, &vec![b'x'; MAX_OUTBOUND]).is_ok());
        assert!(matches!(
            write_frame(&mut Vec::new(), &vec![b'x'; MAX_OUTBOUND + 1]),
            Err(FrameError::OutboundTooLarge(_))
        ));
        assert_eq!(&out[..4], &(MAX_OUTBOUND as u32).to_ne_bytes());
    }
}
