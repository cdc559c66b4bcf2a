//! The card commands of protocol 1, each tied to the [`Ops`] method that serves it. A command's
//! arguments and result are declared once (`mynakey_protocol::commands`); `Operation` makes the
//! compiler check that each method takes and answers exactly those. The server runs any
//! `Operation` on its card worker, so a new card command needs only its declaration, its method
//! and one `impl` here.

use mynakey_protocol::{command, Command};

use super::{Ops, OpsError, RequestContext};

/// How the host serves a command that needs the card.
pub trait Operation: Command {
    fn run(
        ops: &mut Ops,
        arguments: Self::Arguments,
        ctx: &mut RequestContext<'_>,
    ) -> Result<Self::Result, OpsError>;
}

impl Operation for command::Status {
    fn run(
        ops: &mut Ops,
        _: Self::Arguments,
        _: &mut RequestContext<'_>,
    ) -> Result<Self::Result, OpsError> {
        Ok(ops.status())
    }
}

impl Operation for command::Prepare {
    fn run(
        ops: &mut Ops,
        arguments: Self::Arguments,
        _: &mut RequestContext<'_>,
    ) -> Result<Self::Result, OpsError> {
        Ok(ops.prepare(arguments))
    }
}

impl Operation for command::Authenticate {
    fn run(
        ops: &mut Ops,
        arguments: Self::Arguments,
        ctx: &mut RequestContext<'_>,
    ) -> Result<Self::Result, OpsError> {
        ops.authenticate(arguments, ctx)
    }
}

impl Operation for command::GetSigningCertificate {
    fn run(
        ops: &mut Ops,
        arguments: Self::Arguments,
        ctx: &mut RequestContext<'_>,
    ) -> Result<Self::Result, OpsError> {
        ops.get_signing_certificate(arguments, ctx)
    }
}

impl Operation for command::Sign {
    fn run(
        ops: &mut Ops,
        arguments: Self::Arguments,
        ctx: &mut RequestContext<'_>,
    ) -> Result<Self::Result, OpsError> {
        ops.sign(arguments, ctx)
    }
}
