//! CMS detached signatures: made in two steps, verified, and refused when anything changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mynakey_documents::{finish_cms, prepare_cms, verify_cms, DocumentError, PreparedCms};
use mynakey_test_support::pki::{pki, sign_digest, signature_trust, signing_time};
use mynakey_verify::Trust;
use sha2::{Digest, Sha256};

const CONTENT: &[u8] = "契約書: the parties agree.\n".as_bytes();

fn signed(content: &[u8]) -> Vec<u8> {
    let digest: [u8; 32] = Sha256::digest(content).into();
    let prepared = prepare_cms(&digest, &pki("card1-sign.der"), signing_time()).unwrap();
    finish_cms(
        &prepared,
        &sign_digest("card1-sign.key.der", &prepared.hash()),
    )
    .unwrap()
}

#[test]
fn a_finished_p7s_verifies_with_the_signer_and_time() {
    let p7s = signed(CONTENT);
    let verified = verify_cms(&p7s, CONTENT, &signature_trust(), signing_time()).unwrap();
    assert_eq!(
        verified.signing_time.as_deref(),
        Some("2026-01-15T09:30:00Z")
    );
    let json = serde_json::to_value(&verified).unwrap();
    assert!(
        json["signer"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{json}"
    );
}

#[test]
fn one_changed_byte_of_the_content_is_refused() {
    let p7s = signed(CONTENT);
    let mut changed = CONTENT.to_vec();
    changed[0] ^= 1;
    let err = verify_cms(&p7s, &changed, &signature_trust(), signing_time()).unwrap_err();
    assert_eq!(err.code(), "INTEGRITY", "{err}");
}

#[test]
fn a_changed_signed_attribute_or_signature_is_refused() {
    let p7s = signed(CONTENT);
    // The signing-time's last digit and the signature's last byte.
    let time_at = p7s.windows(7).rposition(|w| w == b"093000Z").unwrap();
    for at in [time_at, p7s.len() - 1] {
        let mut bad = p7s.clone();
        bad[at] ^= 1;
        let err = verify_cms(&bad, CONTENT, &signature_trust(), signing_time()).unwrap_err();
        assert_eq!(err.code(), "SIGNATURE_INVALID", "{err}");
    }
}

#[test]
fn an_untrusted_signer_is_refused() {
    let err = verify_cms(&signed(CONTENT), CONTENT, &Trust::empty(), signing_time()).unwrap_err();
    assert!(matches!(err, DocumentError::Verify(_)), "{err}");
}

#[test]
fn finish_refuses_a_signature_over_anything_else() {
    let digest: [u8; 32] = Sha256::digest(CONTENT).into();
    let prepared = prepare_cms(&digest, &pki("card1-sign.der"), signing_time()).unwrap();
    let wrong = sign_digest("card1-sign.key.der", &digest);
    assert_eq!(
        finish_cms(&prepared, &wrong),
        Err(DocumentError::SignatureMismatch)
    );
}

#[test]
fn the_prepared_state_survives_json() {
    let digest: [u8; 32] = Sha256::digest(CONTENT).into();
    let prepared = prepare_cms(&digest, &pki("card1-sign.der"), signing_time()).unwrap();
    let json = serde_json::to_string(&prepared).unwrap();
    let back: PreparedCms = serde_json::from_str(&json).unwrap();
    assert_eq!(back, prepared);
    let p7s = finish_cms(&back, &sign_digest("card1-sign.key.der", &back.hash())).unwrap();
    verify_cms(&p7s, CONTENT, &signature_trust(), signing_time()).unwrap();
}

/// RFC 5652 §11.1: eContentType is not signed, so it must equal the signed content-type.
#[test]
fn an_econtent_type_other_than_the_signed_content_type_is_refused() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::{Any, Decode, Encode};
    let p7s = signed(CONTENT);
    let mut info = ContentInfo::from_der(&p7s).unwrap();
    let mut data: SignedData = info.content.decode_as().unwrap();
    // id-ct-TSTInfo: a content type the signer never signed.
    data.encap_content_info.econtent_type = "1.2.840.113549.1.9.16.1.4".parse().unwrap();
    info.content = Any::encode_from(&data).unwrap();
    let err = verify_cms(
        &info.to_der().unwrap(),
        CONTENT,
        &signature_trust(),
        signing_time(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "CMS", "{err}");
    assert!(err.to_string().contains("eContentType"), "{err}");
}
