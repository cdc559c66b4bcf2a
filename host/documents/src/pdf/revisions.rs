//! What a later revision may change in what a signature signed. Signing adds a signature field
//! and its widget, so only the objects that hold those may change, and only by growing:
//! [`ALLOWED`] lists them. Long-term validation (PAdES B-LT, B-LTA) adds the catalog's `/DSS`
//! (a document security store holding only certificates, CRLs, OCSP responses and VRI) and
//! document timestamps, which are signature fields too. Every other change, and every object
//! gone, is a [`Finding`](crate::report::Finding).

use lopdf::{Dictionary, Document, Object, ObjectId};

/// The kinds of object a later revision may change, and the keys it may change in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The document catalog: its `/AcroForm` (as [`Role::Form`]) and `/DSS` (as [`Role::Dss`]).
    Catalog,
    /// The document security store: its validation data.
    Dss,
    /// The interactive form: `/Fields` growing by signature fields, and `/SigFlags`.
    Form,
    /// The form's `/Fields` array: growing by signature fields.
    Fields,
    /// A page: its `/Annots` growing by signature widgets.
    Page,
    /// A page's `/Annots` array: growing by signature widgets.
    Annots,
    /// A signature field: an empty one may get its value (`/V`).
    SignatureField,
}

/// The explicit list: for each role, the keys that may differ and how.
const ALLOWED: [(Role, &[&[u8]]); 5] = [
    (Role::Catalog, &[b"AcroForm", b"DSS"]),
    (Role::Dss, &[b"Certs", b"CRLs", b"OCSPs", b"VRI"]),
    (Role::Form, &[b"Fields", b"SigFlags"]),
    (Role::Page, &[b"Annots"]),
    (Role::SignatureField, &[b"V"]),
];

fn id_text(id: ObjectId) -> String {
    format!("{} {} R", id.0, id.1)
}

/// The changes from `signed` to `later` that signing does not explain, as (object, change).
pub(super) fn changes(signed: &Document, later: &Document) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let root = |d: &Document| d.trailer.get(b"Root").and_then(Object::as_reference).ok();
    if root(signed) != root(later) {
        found.push(("trailer".into(), "/Root names another catalog".into()));
    }
    let roles = roles(signed);
    for (id, before) in &signed.objects {
        let Some(after) = later.objects.get(id) else {
            found.push((id_text(*id), "removed".into()));
            continue;
        };
        if before == after {
            continue;
        }
        let role = roles.iter().find(|(r, _)| r == id).map(|(_, role)| *role);
        if let Err(why) = allowed(role, before, after, signed, later) {
            found.push((id_text(*id), why));
        }
    }
    found
}

/// Whether `later` differs from `signed` (the last signed revision) only by validation data:
/// the catalog's `/DSS` set to a document security store, or the store itself grown (PAdES
/// B-LT after the last signature or document timestamp).
pub(super) fn only_validation_data_added(signed: &Document, later: &Document) -> bool {
    let root = |d: &Document| d.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let Some(root_id) = root(signed).filter(|r| root(later) == Some(*r)) else {
        return false;
    };
    let dss_id = signed
        .get_dictionary(root_id)
        .ok()
        .and_then(|c| c.get(b"DSS").and_then(Object::as_reference).ok());
    let changed = signed
        .objects
        .iter()
        .any(|(id, before)| later.objects.get(id) != Some(before));
    changed
        && signed.objects.iter().all(|(id, before)| {
            let Some(after) = later.objects.get(id) else {
                return false;
            };
            if before == after {
                return true;
            }
            let (Ok(b), Ok(a)) = (before.as_dict(), after.as_dict()) else {
                return false;
            };
            if Some(*id) == dss_id {
                return is_dss(a);
            }
            let without_dss = |d: &Dictionary| {
                let mut d = d.clone();
                d.remove(b"DSS");
                d
            };
            *id == root_id
                && without_dss(b) == without_dss(a)
                && resolve_dict(later, a.get(b"DSS")).is_some_and(is_dss)
        })
}

/// The role of each object of `signed` that signing may change.
fn roles(signed: &Document) -> Vec<(ObjectId, Role)> {
    let mut roles = Vec::new();
    let reference = |dict: Option<&Dictionary>, key: &[u8]| {
        dict.and_then(|d| d.get(key).and_then(Object::as_reference).ok())
    };
    if let Ok(root) = signed.trailer.get(b"Root").and_then(Object::as_reference) {
        roles.push((root, Role::Catalog));
        reference(signed.get_dictionary(root).ok(), b"DSS")
            .into_iter()
            .for_each(|id| roles.push((id, Role::Dss)));
        let form_id = reference(signed.get_dictionary(root).ok(), b"AcroForm");
        form_id
            .into_iter()
            .for_each(|id| roles.push((id, Role::Form)));
        let form = signed
            .catalog()
            .ok()
            .and_then(|c| resolve_dict(signed, c.get(b"AcroForm")));
        reference(form, b"Fields")
            .into_iter()
            .for_each(|id| roles.push((id, Role::Fields)));
    }
    for page in signed.get_pages().into_values() {
        roles.push((page, Role::Page));
        reference(signed.get_dictionary(page).ok(), b"Annots")
            .into_iter()
            .for_each(|id| roles.push((id, Role::Annots)));
    }
    for (id, object) in &signed.objects {
        if object.as_dict().is_ok_and(is_signature_field) {
            roles.push((*id, Role::SignatureField));
        }
    }
    roles
}

/// A document security store: `/Type /DSS` (optional) and validation data only.
fn is_dss(dict: &Dictionary) -> bool {
    let keys: [&[u8]; 5] = [b"Type", b"Certs", b"CRLs", b"OCSPs", b"VRI"];
    dict.iter().all(|(k, _)| keys.contains(&k.as_slice()))
        && dict
            .get(b"Type")
            .map_or(true, |t| t.as_name().is_ok_and(|n| n == b"DSS"))
}

fn is_signature_field(dict: &Dictionary) -> bool {
    dict.get(b"FT")
        .and_then(Object::as_name)
        .is_ok_and(|n| n == b"Sig")
}

fn resolve_dict<'a>(doc: &'a Document, value: lopdf::Result<&'a Object>) -> Option<&'a Dictionary> {
    doc.dereference(value.ok()?).ok()?.1.as_dict().ok()
}

fn resolve_array<'a>(doc: &'a Document, value: lopdf::Result<&'a Object>) -> Option<&'a [Object]> {
    let object = match value {
        Ok(v) => doc.dereference(v).ok()?.1,
        Err(_) => return Some(&[]),
    };
    object.as_array().ok().map(Vec::as_slice)
}

/// Whether `before` → `after` is a change [`ALLOWED`] for `role`; if not, why.
fn allowed(
    role: Option<Role>,
    before: &Object,
    after: &Object,
    signed: &Document,
    later: &Document,
) -> Result<(), String> {
    let lists = |before: Option<&[Object]>, after: Option<&[Object]>| match (before, after) {
        (Some(b), Some(a)) => grows_by_signature_fields(b, a, signed, later),
        _ => Err("is no longer an array".to_owned()),
    };
    match role {
        Some(Role::Fields | Role::Annots) => lists(
            before.as_array().ok().map(Vec::as_slice),
            after.as_array().ok().map(Vec::as_slice),
        ),
        Some(role) => {
            let (Ok(b), Ok(a)) = (before.as_dict(), after.as_dict()) else {
                return Err("is no longer a dictionary".into());
            };
            dictionary_change(role, b, a, signed, later)
        }
        None => Err("changed".into()),
    }
}

fn dictionary_change(
    role: Role,
    before: &Dictionary,
    after: &Dictionary,
    signed: &Document,
    later: &Document,
) -> Result<(), String> {
    let keys = ALLOWED
        .iter()
        .find(|(r, _)| *r == role)
        .map_or(&[][..], |(_, k)| *k);
    let fixed = |d: &Dictionary| {
        let mut d = d.clone();
        keys.iter().for_each(|k| {
            d.remove(k);
        });
        d
    };
    if fixed(before) != fixed(after) {
        return Err(format!("changed beyond {}", key_list(keys)));
    }
    match role {
        Role::Catalog => {
            let dss = resolve_dict(later, after.get(b"DSS"));
            if after.has(b"DSS") && !dss.is_some_and(is_dss) {
                return Err("/DSS is not a document security store".into());
            }
            let (b, a) = (
                resolve_dict(signed, before.get(b"AcroForm")),
                resolve_dict(later, after.get(b"AcroForm")),
            );
            match (b, a) {
                (Some(b), Some(a)) if b == a => Ok(()),
                (Some(b), Some(a)) => dictionary_change(Role::Form, b, a, signed, later),
                (None, Some(_)) => Ok(()),
                _ => Err("/AcroForm removed".into()),
            }
        }
        Role::Form => grows_by_signature_fields(
            resolve_array(signed, before.get(b"Fields")).unwrap_or_default(),
            resolve_array(later, after.get(b"Fields")).ok_or("/Fields is not an array")?,
            signed,
            later,
        ),
        Role::Page => grows_by_signature_fields(
            resolve_array(signed, before.get(b"Annots")).unwrap_or_default(),
            resolve_array(later, after.get(b"Annots")).ok_or("/Annots is not an array")?,
            signed,
            later,
        ),
        Role::Dss if is_dss(after) => Ok(()),
        Role::Dss => Err("/DSS holds more than validation data".into()),
        Role::SignatureField if !before.has(b"V") => Ok(()),
        _ => Err("a signature's value changed or was removed".into()),
    }
}

fn key_list(keys: &[&[u8]]) -> String {
    let names: Vec<String> = keys
        .iter()
        .map(|k| format!("/{}", String::from_utf8_lossy(k)))
        .collect();
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(" ")
    }
}

/// `after` is `before` followed by references to new signature fields (or their widgets).
fn grows_by_signature_fields(
    before: &[Object],
    after: &[Object],
    signed: &Document,
    later: &Document,
) -> Result<(), String> {
    let Some(added) = after.strip_prefix(before) else {
        return Err("entries removed, replaced or reordered".into());
    };
    for entry in added {
        let id = entry
            .as_reference()
            .map_err(|_| "a direct entry added".to_owned())?;
        let is_field = later.get_dictionary(id).is_ok_and(|d| {
            is_signature_field(d)
                || resolve_dict(later, d.get(b"Parent")).is_some_and(is_signature_field)
        });
        if signed.objects.contains_key(&id) || !is_field {
            return Err(format!("{} added, not a new signature field", id_text(id)));
        }
    }
    Ok(())
}
