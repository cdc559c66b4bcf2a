//! Reading a PDF's document security store (`/DSS`, PAdES B-LT): shared by what writes one
//! and what verifies with it.

use lopdf::{Dictionary, Document, Stream};

/// The catalog's `/DSS`, if any.
pub(super) fn dss(doc: &Document) -> Option<&Dictionary> {
    let value = doc.catalog().ok()?.get(b"DSS").ok()?;
    doc.dereference(value).ok()?.1.as_dict().ok()
}

/// A stream's decoded bytes (as stored when it has no filter).
pub(super) fn stream_bytes(stream: &Stream) -> Vec<u8> {
    stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone())
}
