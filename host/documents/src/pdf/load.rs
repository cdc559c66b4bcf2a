//! Reading a PDF from a stranger with bounded work and memory. lopdf bounds the nesting depth of
//! what it parses (100 arrays or dictionaries deep) and, given a limit, how far one stream
//! inflates. It parses a whole object before anything can count its values, so the values a
//! file can hold are counted here before lopdf runs ([`values_in_text`]), and those inside
//! object streams through lopdf's per-object filter. Any of these limits makes the document
//! [`DocumentError::TooComplex`].

use std::cell::Cell;

use lopdf::xref::XrefEntry;
use lopdf::{Document, LoadOptions, Object, ObjectId};

use crate::error::DocumentError;

/// The largest PDF read (its bytes stay in memory with the parsed objects).
pub const PDF_MAX_BYTES: usize = 32 << 20;
/// How far one object or cross-reference stream may inflate while loading.
pub const MAX_STREAM_BYTES: usize = 512 << 10;
/// How many values (objects, array elements, dictionary entries) a file may hold outside its
/// streams, and how many one load may keep from its object streams.
pub const MAX_VALUES: usize = 256 << 10;
/// How many incremental updates (`%%EOF` markers) a file may have.
pub const MAX_REVISIONS: usize = 64;

thread_local! {
    // The filter is a plain `fn`: the budget of the load running on this thread lives here.
    static VALUES_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn too_complex(why: impl Into<String>) -> DocumentError {
    DocumentError::TooComplex(why.into())
}

/// `pdf` parsed within the limits above.
pub(crate) fn load(pdf: &[u8]) -> Result<Document, DocumentError> {
    if pdf.len() > PDF_MAX_BYTES {
        return Err(too_complex(format!("over {PDF_MAX_BYTES} bytes")));
    }
    if values_in_text(pdf) > MAX_VALUES {
        return Err(too_complex(format!("over {MAX_VALUES} values")));
    }
    let options = LoadOptions {
        filter: Some(keep_within_budget),
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    VALUES_LEFT.set(Some(MAX_VALUES));
    let loaded = Document::load_mem_with_options(pdf, options);
    let exhausted = VALUES_LEFT.replace(None) == Some(0);
    if exhausted {
        return Err(too_complex(format!("over {MAX_VALUES} values")));
    }
    let doc = loaded.map_err(|e| match e {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            too_complex(format!("a stream inflates past {MAX_STREAM_BYTES} bytes"))
        }
        other => DocumentError::Pdf(other.to_string()),
    })?;
    all_listed_objects_read(&doc)?;
    Ok(doc)
}

/// lopdf skips an object it cannot parse (damaged, or nested too deep); a document we sign or
/// verify must not hold objects a viewer may read and we did not.
fn all_listed_objects_read(doc: &Document) -> Result<(), DocumentError> {
    for (number, entry) in &doc.reference_table.entries {
        let id = match entry {
            XrefEntry::Normal { generation, .. } => (*number, *generation),
            XrefEntry::Compressed { .. } => (*number, 0),
            _ => continue,
        };
        if !doc.objects.contains_key(&id) {
            return Err(DocumentError::Pdf(format!(
                "object {} {} R cannot be read (damaged, or nested deeper than lopdf reads)",
                id.0, id.1
            )));
        }
    }
    Ok(())
}

/// lopdf's per-object filter: keeps objects while the budget lasts, then drops them all. lopdf
/// keeps `object` itself for top-level objects and the returned copy for compressed ones.
fn keep_within_budget(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    let left = VALUES_LEFT.get().unwrap_or(0);
    let cost = values(object);
    if cost >= left {
        VALUES_LEFT.set(Some(0));
        return None;
    }
    VALUES_LEFT.set(Some(left - cost));
    Some((id, object.clone()))
}

/// The values in `object`, itself included (the parser bounds how deep this recurses).
fn values(object: &Object) -> usize {
    1 + match object {
        Object::Array(items) => items.iter().map(values).sum(),
        Object::Dictionary(dict) => dict.iter().map(|(_, v)| values(v)).sum(),
        Object::Stream(stream) => stream.dict.iter().map(|(_, v)| values(v)).sum(),
        _ => 0,
    }
}

/// An upper bound on the values lopdf would parse from `pdf` outside stream data: every `[`,
/// `(`, `<` and `/`, and every other run of regular characters, counts one. Written here
/// because lopdf offers no hook before it has built an object whole.
fn values_in_text(pdf: &[u8]) -> usize {
    let regular = |b: u8| !b.is_ascii_whitespace() && !b"[]()<>{}/%".contains(&b);
    let (mut count, mut at, mut previous_regular) = (0, 0, false);
    while let Some(&b) = pdf.get(at) {
        if b == b's' && !previous_regular && starts_stream(&pdf[at..]) {
            at = find(&pdf[at..], b"endstream").map_or(pdf.len(), |end| at + end + 9);
            previous_regular = false;
            continue;
        }
        let is_regular = regular(b);
        if b"[(</".contains(&b) || (is_regular && !previous_regular) {
            count += 1;
        }
        previous_regular = is_regular;
        at += 1;
    }
    count
}

/// Whether `text` starts with the `stream` keyword and its end of line.
fn starts_stream(text: &[u8]) -> bool {
    text.strip_prefix(b"stream")
        .is_some_and(|rest| rest.starts_with(b"\n") || rest.starts_with(b"\r"))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Where each revision of `pdf` ends: just past every `%%EOF` and its end of line.
pub(crate) fn revision_ends(pdf: &[u8]) -> Result<Vec<usize>, DocumentError> {
    const EOF: &[u8] = b"%%EOF";
    let mut ends = Vec::new();
    for at in pdf
        .windows(EOF.len())
        .enumerate()
        .filter(|(_, w)| *w == EOF)
        .map(|(i, _)| i)
    {
        let mut end = at + EOF.len();
        while pdf.get(end).is_some_and(|b| *b == b'\r' || *b == b'\n') && end - at < EOF.len() + 2 {
            end += 1;
        }
        ends.push(end);
    }
    if ends.len() > MAX_REVISIONS {
        return Err(too_complex(format!("over {MAX_REVISIONS} revisions")));
    }
    Ok(ends)
}
