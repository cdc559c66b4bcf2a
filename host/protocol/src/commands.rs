//! The commands of protocol 1, each declared once with its arguments and its result (as a
//! CTAP command type names its response): [`HostCommand`] and its `ALL` (what `version`
//! lists), the typed [`Request`] a frame parses into, the [`command`] types a server serves
//! through [`Serve`], and the commands' TypeScript all come from the one list below.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::envelope::parse_arguments;
use crate::error::{ErrorCode, WireError};
use crate::interface::{Declared, Interface};
// Named through their modules below: the command types are named like some results.
use crate::{args, messages};

/// A command of protocol 1 as a type: its name on the wire, what it reads, what it answers.
pub trait Command {
    const COMMAND: HostCommand;
    /// Parsed from the request's `arguments` (unknown keys refused).
    type Arguments: for<'de> Deserialize<'de> + Declared;
    /// Written as the reply's `result`.
    type Result: Serialize + Declared;
}

/// How a server serves command `C` (implemented by the server for every command, else
/// [`Request::serve`] does not compile).
pub trait Serve<C: Command> {
    type Output;
    fn serve(self, arguments: C::Arguments) -> Self::Output;
}

macro_rules! declare_commands {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal, $arguments:ty => $result:ty;
    )*) => {
        /// The commands of protocol 1 (`HostCommand` in TypeScript).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum HostCommand {
            $( $(#[$doc])* $variant, )*
        }

        impl HostCommand {
            /// Every command, in the order `version` lists them.
            pub const ALL: &'static [HostCommand] = &[$(HostCommand::$variant),*];

            /// The `command` string on the wire.
            pub fn name(self) -> &'static str {
                match self {
                    $(HostCommand::$variant => $name,)*
                }
            }

            /// The TypeScript interfaces of its arguments, then of its result.
            pub fn interfaces(self) -> [&'static [Interface]; 2] {
                match self {
                    $(HostCommand::$variant => [
                        <$arguments as Declared>::INTERFACES,
                        <$result as Declared>::INTERFACES,
                    ],)*
                }
            }
        }

        /// Each command as a type, for [`Serve`].
        pub mod command {
            use super::{args, messages, Command, HostCommand};
            $(
                $(#[$doc])*
                #[derive(Debug)]
                pub struct $variant;

                impl Command for $variant {
                    const COMMAND: HostCommand = HostCommand::$variant;
                    type Arguments = $arguments;
                    type Result = $result;
                }
            )*
        }

        /// A request with its arguments parsed and typed.
        #[derive(Debug)]
        pub enum Request {
            $( $variant($arguments), )*
        }

        impl Request {
            /// Parses `arguments` as what `command` reads (borrowing strings from the frame).
            pub fn parse(command: &str, arguments: Option<&RawValue>) -> Result<Request, WireError> {
                match HostCommand::from_name(command) {
                    $(Some(HostCommand::$variant) => parse_arguments(arguments).map(Request::$variant),)*
                    None => Err(WireError::new(
                        ErrorCode::UnknownCommand,
                        format!("unknown command {command:?}"),
                    )),
                }
            }

            pub fn command(&self) -> HostCommand {
                match self {
                    $(Request::$variant(_) => HostCommand::$variant,)*
                }
            }

            /// Hands the arguments to `server`'s way of serving this command.
            pub fn serve<S, O>(self, server: S) -> O
            where
                $(S: Serve<command::$variant, Output = O>,)*
            {
                match self {
                    $(Request::$variant(arguments) => {
                        <S as Serve<command::$variant>>::serve(server, arguments)
                    })*
                }
            }
        }
    };
}

declare_commands! {
    Version = "version", args::NoArgs => messages::VersionResult;
    Status = "status", args::NoArgs => messages::Status;
    Authenticate = "authenticate", args::AuthenticateArgs => messages::LoginProof;
    GetSigningCertificate = "getSigningCertificate",
        args::GetSigningCertificateArgs => messages::SigningCertificateResult;
    Sign = "sign", args::SignArgs => messages::Signatures;
    Cancel = "cancel", args::CancelArgs => messages::CancelResult;
    Quit = "quit", args::NoArgs => messages::QuitResult;
    /// Added to protocol 1 after its first release (so listed in `version`'s `commands`):
    /// reads the card while the person types and holds it for the request that follows.
    Prepare = "prepare", args::PrepareArgs => messages::PrepareResult;
}

impl HostCommand {
    pub fn from_name(name: &str) -> Option<HostCommand> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl messages::VersionResult {
    /// This host's answer: `commands` lists every declared command.
    pub fn current(version: &str) -> Self {
        messages::VersionResult {
            version: version.into(),
            protocol: crate::PROTOCOL_VERSION,
            commands: HostCommand::ALL.iter().map(|c| c.name()).collect(),
        }
    }
}
