//! mynakey-host: origin-bound login proofs and document signatures from the My Number Card (JPKI).
//!
//! Use cases and policy ([`ops`], JSON-free), the native messaging loop ([`server`]), install,
//! and the command line. Cards come from `mynakey-card`, the wire contract from
//! `mynakey-protocol`; the lab (the simulated card of `mynakey-simulator`, and `demo`, which plays
//! the relying party with `mynakey-verify` and `mynakey-documents`) only with the `simulator`
//! feature. The relying party's own tools are another program, `mynakey-rp`.

// In host mode stdout carries native-messaging frames and nothing else; the CLI commands write
// to a stream they are given, so a closed stdout is an error and not a panic.
#![deny(clippy::print_stdout)]

pub mod cli;
pub mod config;
#[cfg(feature = "simulator")]
pub mod demo;
pub mod install;
#[cfg(feature = "simulator")]
pub mod lab;
pub mod logging;
pub mod ops;
pub mod server;
pub mod status_cli;
