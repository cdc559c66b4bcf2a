//! mynakey-rp: a relying party's tools for mynakey, apart from the program on a person's machine.
//!
//! `verify` checks login proofs, signatures over a hash, detached CMS signatures and signed PDFs
//! (with `mynakey-verify` and `mynakey-documents`); `document prepare|finish` builds a signed
//! document around one card signature, `document ltv` makes a signed PDF long-term (PAdES
//! B-LTA: validation data and a document timestamp). No card code and no PC/SC: a server needs neither.

pub mod cli;
pub mod document_cli;
mod document_io;
mod document_ltv;
pub mod report;
pub mod tsa_client;
pub mod verify_cli;
pub mod verify_documents;
