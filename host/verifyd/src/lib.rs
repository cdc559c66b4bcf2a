//! The parts of `mynakey-verifyd` that its benchmark drives directly (the service itself is
//! the `mynakey-verifyd` binary).

pub mod memory;
