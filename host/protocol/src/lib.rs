//! Protocol 1 of the mynakey native messaging host, owned in one place: frames ([`framing`]),
//! the JSON envelope ([`envelope`]), the requests ([`args`]), results and progress events
//! ([`messages`]), their limits ([`limits`]), the error codes ([`error`]), and the TypeScript
//! declarations the extension is built against ([`typescript`]). Knows nothing of cards.
//! Protocol 1 grows only additively.

pub mod args;
pub mod commands;
pub mod envelope;
pub mod error;
pub mod framing;
pub mod interface;
pub mod limits;
pub mod messages;
pub mod typescript;

pub use commands::{command, Command, HostCommand, Request, Serve};
pub use envelope::{
    failure, parse_arguments, parse_envelope, progress, serde_message, success, Envelope,
};
pub use error::{ErrorCode, ErrorDetails, WireError};
pub use messages::*;

pub const PROTOCOL_VERSION: u32 = 1;
