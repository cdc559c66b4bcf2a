//! The incremental update, written by lopdf: a signature dictionary, a signature field that is
//! also an invisible widget on the first page, the catalog's `/AcroForm` and the page's
//! `/Annots`, then a new cross-reference section of the file's own kind (table or stream).

use lopdf::{dictionary, Dictionary, IncrementalDocument, Object, ObjectId, StringFormat};

use super::byte_range::PLACEHOLDER;
use super::PdfSigning;
use crate::error::DocumentError;

pub(super) fn pdf_err(context: &'static str) -> impl Fn(lopdf::Error) -> DocumentError {
    move |e| DocumentError::Pdf(format!("{context}: {e}"))
}

/// `pdf` followed by the update that adds a signature field with placeholders.
pub(super) fn append_signature_field(
    pdf: &[u8],
    signing: &PdfSigning,
) -> Result<Vec<u8>, DocumentError> {
    append_field(pdf, signature_dictionary(signing)?)
}

/// `pdf` followed by the update that adds a signature field whose value is `signature` (a
/// signature or document timestamp dictionary with placeholders).
pub(super) fn append_field(pdf: &[u8], signature: Dictionary) -> Result<Vec<u8>, DocumentError> {
    let mut update = start_update(pdf)?;
    let prev = update.get_prev_documents();
    let root = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(pdf_err("no catalog"))?;
    let page = *prev
        .get_pages()
        .values()
        .next()
        .ok_or_else(|| DocumentError::Pdf("the PDF has no page".into()))?;
    let doc = &mut update.new_document;
    let signature = doc.add_object(signature);
    update
        .opt_clone_object_to_new_document(root)
        .map_err(pdf_err("catalog"))?;
    update
        .opt_clone_object_to_new_document(page)
        .map_err(pdf_err("page"))?;
    let fields = form_fields(&mut update, root)?;
    let field = update.new_document.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal(format!("Signature{}", fields + 1)),
        "V" => signature,
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        // Print | Locked: an invisible signature that viewers must not move.
        "F" => 132,
        "P" => page,
    });
    push_reference(&mut update, root, b"AcroForm", Some(b"Fields"), field)?;
    push_reference(&mut update, page, b"Annots", None, field)?;

    let mut out = Vec::with_capacity(pdf.len() + 40 * 1024);
    update
        .save_to(&mut out)
        .map_err(|e| DocumentError::Pdf(format!("cannot write the update: {e}")))?;
    Ok(out)
}

/// A fresh incremental update of `pdf` (lopdf copies the previous trailer; the keys that
/// described the previous section only are dropped).
pub(super) fn start_update(pdf: &[u8]) -> Result<IncrementalDocument, DocumentError> {
    let prev = super::load::load(pdf)?;
    if prev.is_encrypted() || prev.trailer.has(b"Encrypt") {
        return Err(DocumentError::Pdf("encrypted PDFs are not signed".into()));
    }
    let version = prev.version.clone();
    let mut update = IncrementalDocument::create_from(pdf.to_vec(), prev);
    update.new_document.version = version;
    for key in [b"DecodeParms".as_slice(), b"XRefStm", b"Filter"] {
        update.new_document.trailer.remove(key);
    }
    Ok(update)
}

/// The bytes of `pdf` with `update` appended.
pub(super) fn write_update(
    update: &mut IncrementalDocument,
    len: usize,
) -> Result<Vec<u8>, DocumentError> {
    let mut out = Vec::with_capacity(len + 40 * 1024);
    update
        .save_to(&mut out)
        .map_err(|e| DocumentError::Pdf(format!("cannot write the update: {e}")))?;
    Ok(out)
}

fn signature_dictionary(signing: &PdfSigning) -> Result<Dictionary, DocumentError> {
    let mut dict = dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
        "ByteRange" => vec![0.into(), PLACEHOLDER.into(), PLACEHOLDER.into(), PLACEHOLDER.into()],
        "Contents" => Object::String(vec![0; signing.contents_reserve], StringFormat::Hexadecimal),
        "M" => Object::string_literal(super::verify::pdf_date(signing.signing_time)?),
    };
    if let Some(name) = &signing.name {
        dict.set("Name", text_string(name));
    }
    if let Some(reason) = &signing.reason {
        dict.set("Reason", text_string(reason));
    }
    Ok(dict)
}

/// A PDF text string: ASCII as is, anything else UTF-16BE with its byte order mark.
fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        return Object::string_literal(text);
    }
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// How many fields the form already has.
fn form_fields(update: &mut IncrementalDocument, root: ObjectId) -> Result<usize, DocumentError> {
    let doc = &update.new_document;
    let catalog = doc.get_dictionary(root).map_err(pdf_err("catalog"))?;
    let Ok(form) = catalog.get(b"AcroForm") else {
        return Ok(0);
    };
    let form = match form {
        Object::Reference(id) => update.get_prev_documents().get_dictionary(*id),
        other => other.as_dict(),
    };
    let fields = form.and_then(|f| f.get(b"Fields")).and_then(|f| match f {
        Object::Reference(id) => update
            .get_prev_documents()
            .get_object(*id)
            .and_then(Object::as_array),
        other => other.as_array(),
    });
    Ok(fields.map(Vec::len).unwrap_or(0))
}

/// Appends `value` to the array `owner[key]` (or `owner[key][inner]` for `/AcroForm /Fields`),
/// creating what is missing. Indirect dictionaries and arrays are first copied into the update.
fn push_reference(
    update: &mut IncrementalDocument,
    owner: ObjectId,
    key: &[u8],
    inner: Option<&[u8]>,
    value: ObjectId,
) -> Result<(), DocumentError> {
    let err = pdf_err("form or annotations");
    let target = match update
        .new_document
        .get_dictionary(owner)
        .map_err(&err)?
        .get(key)
    {
        Ok(Object::Reference(id)) => {
            let id = *id;
            update.opt_clone_object_to_new_document(id).map_err(&err)?;
            Some(id)
        }
        _ => None,
    };
    let slot: &mut Object = match target {
        Some(id) => update.new_document.get_object_mut(id).map_err(&err)?,
        None => {
            let dict = update
                .new_document
                .get_dictionary_mut(owner)
                .map_err(&err)?;
            if !dict.has(key) {
                let empty = match inner {
                    Some(_) => Object::Dictionary(Dictionary::new()),
                    None => Object::Array(Vec::new()),
                };
                dict.set(key, empty);
            }
            dict.get_mut(key).map_err(&err)?
        }
    };
    match inner {
        None => append(slot, value),
        Some(inner_key) => {
            let form = slot.as_dict_mut().map_err(&err)?;
            // SignaturesExist | AppendOnly: viewers keep later changes to incremental updates.
            form.set("SigFlags", 3);
            match form.get(inner_key) {
                Ok(Object::Reference(id)) => {
                    let id = *id;
                    update.opt_clone_object_to_new_document(id).map_err(&err)?;
                    append(update.new_document.get_object_mut(id).map_err(&err)?, value)
                }
                Ok(_) => append(form.get_mut(inner_key).map_err(&err)?, value),
                Err(_) => {
                    form.set(inner_key, vec![Object::Reference(value)]);
                    Ok(())
                }
            }
        }
    }
}

fn append(array: &mut Object, value: ObjectId) -> Result<(), DocumentError> {
    array
        .as_array_mut()
        .map_err(pdf_err("expected an array"))?
        .push(Object::Reference(value));
    Ok(())
}
