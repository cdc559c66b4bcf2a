//! Reading a PDF from a stranger with bounded work and memory. lopdf bounds how far one stream
//! inflates, given a limit, and stops parsing 100 arrays or dictionaries deep (silently: it drops
//! such an object). It parses a whole object before anything can count its values, so the values
//! and the nesting a file holds outside its streams are measured here before lopdf runs
//! ([`scan_text`]), and the values inside object streams through lopdf's per-object filter. Any
//! of these limits makes the document [`DocumentError::TooComplex`].

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
/// How deep arrays and dictionaries may nest outside streams (below lopdf's own 100, which it
/// enforces by dropping the object rather than refusing the file).
pub const MAX_NESTING: usize = 64;

// The filter is a plain `fn`: the budget of the load running on this thread lives here. The
// initializer is const; Debian's clippy 1.96 says otherwise for the Windows target only.
thread_local! {
    #[allow(clippy::missing_const_for_thread_local)]
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
    let text = scan_text(pdf);
    if text.values > MAX_VALUES {
        return Err(too_complex(format!("over {MAX_VALUES} values")));
    }
    if text.deepest > MAX_NESTING {
        return Err(too_complex(format!(
            "arrays or dictionaries nested over {MAX_NESTING} deep"
        )));
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

/// What [`scan_text`] measures of a file outside its stream data.
struct TextShape {
    /// An upper bound on the values lopdf would parse: every array, dictionary, string and name,
    /// and every other run of regular characters, counts one.
    values: usize,
    /// The deepest nesting of arrays and dictionaries.
    deepest: usize,
}

/// Measures `pdf` outside stream data, skipping strings and comments (brackets in them do not
/// nest). Written here because lopdf offers no hook before it has built an object whole.
fn scan_text(pdf: &[u8]) -> TextShape {
    let regular = |b: u8| !b.is_ascii_whitespace() && !b"[]()<>{}/%".contains(&b);
    let mut shape = TextShape {
        values: 0,
        deepest: 0,
    };
    let (mut depth, mut at, mut previous_regular) = (0usize, 0, false);
    while let Some(&b) = pdf.get(at) {
        let rest = &pdf[at..];
        let is_regular = regular(b);
        let step = match b {
            b's' if !previous_regular && starts_stream(rest) => {
                find(rest, b"endstream").map_or(rest.len(), |end| end + 9)
            }
            b'%' => rest
                .iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .unwrap_or(rest.len()),
            b'(' => literal_string_len(rest),
            b'<' if rest.get(1) != Some(&b'<') => {
                find(rest, b">").map_or(rest.len(), |end| end + 1)
            }
            b'[' | b'<' => {
                depth += 1;
                shape.deepest = shape.deepest.max(depth);
                if b == b'<' {
                    2
                } else {
                    1
                }
            }
            b']' | b'>' => {
                depth = depth.saturating_sub(1);
                if b == b'>' && rest.get(1) == Some(&b'>') {
                    2
                } else {
                    1
                }
            }
            _ => 1,
        };
        if b"[(</".contains(&b) || (is_regular && !previous_regular) {
            shape.values += 1;
        }
        previous_regular = is_regular && step == 1;
        at += step;
    }
    shape
}

/// The length of the literal string `text` starts with (`(`…`)`, balanced parentheses and
/// backslash escapes inside), or all of `text` when it never closes.
fn literal_string_len(text: &[u8]) -> usize {
    let (mut open, mut at) = (0usize, 0);
    while let Some(&c) = text.get(at) {
        match c {
            b'\\' => at += 1,
            b'(' => open += 1,
            b')' => {
                open -= 1;
                if open == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    text.len()
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
