//! mynakey: origin-bound login proofs and document signatures from the My Number Card (JPKI).
//!
//! Layers: `ops → jpki → apdu`; `jpki` sees cards only through [`transport::Transport`];
//! `protocol` knows no cards; [`server`] ties protocol and ops together for host mode.

pub mod apdu;
pub mod binding;
pub mod config;
pub mod demo;
pub mod install;
pub mod jpki;
pub mod logging;
pub mod ops;
pub mod protocol;
pub mod secret;
pub mod server;
pub mod status_cli;
pub mod transport;
pub mod verify;
