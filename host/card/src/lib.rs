//! The card side of mynakey: ISO 7816-4 APDUs ([`apdu`]), the JPKI application ([`jpki`]) and
//! the [`transport::Transport`] seam with its PC/SC adapter. No JSON, no policy.
//!
//! Layers: `jpki → apdu`; `jpki` sees cards only through [`transport::Transport`].

pub mod apdu;
pub mod jpki;
pub mod transport;
