//! The lab TSA's answers read back with RustCrypto's types (the documents crate, `openssl ts
//! -verify` and pyHanko judge them in mynakey-host's demo test and the documents suite).

use cms::signed_data::SignedData;
use der::asn1::Null;
use der::oid::db::rfc5912::ID_SHA_1;
use x509_cert::spki::AlgorithmIdentifier;
use x509_cert::Certificate;
use x509_tsp::MessageImprint;

use super::*;

fn request(algorithm: ObjectIdentifier, imprint: &[u8], cert_req: bool) -> TimeStampReq {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: algorithm,
                parameters: Some(Any::from(Null)),
            },
            hashed_message: OctetString::new(imprint).unwrap(),
        },
        req_policy: None,
        nonce: Some(Int::new(&[0x41, 2, 3, 4, 5, 6, 7, 8]).unwrap()),
        cert_req,
        extensions: None,
    }
}

/// The answer's status, and its SignedData and TSTInfo when granted.
fn answer(tsa: &LabTsa, request: &[u8]) -> (PkiStatus, Option<u16>, Option<(SignedData, TstInfo)>) {
    let der = tsa.respond(request, SystemTime::now()).unwrap();
    let response = TimeStampResp::from_der(&der).unwrap();
    let failure = response.status.fail_info.map(|f| f.bits());
    let token = response.time_stamp_token.map(|token| {
        let signed: SignedData = token.content.decode_as().unwrap();
        let content = signed.encap_content_info.econtent.as_ref().unwrap();
        let tst = TstInfo::from_der(content.decode_as::<OctetString>().unwrap().as_bytes());
        (signed.clone(), tst.unwrap())
    });
    (response.status.status, failure, token)
}

#[test]
fn a_granted_token_carries_the_imprint_nonce_policy_and_a_verifiable_signature() {
    let tsa = LabTsa::new().unwrap();
    let imprint = Sha256::digest(b"a signature value");
    let req = request(ID_SHA_256, &imprint, true);
    let (status, failure, token) = answer(&tsa, &req.to_der().unwrap());
    assert_eq!((status, failure), (PkiStatus::Accepted, None));
    let (signed, tst) = token.unwrap();
    assert_eq!(signed.encap_content_info.econtent_type, ID_CT_TST_INFO);
    assert_eq!(tst.message_imprint, req.message_imprint);
    assert_eq!(tst.nonce, req.nonce);
    assert_eq!(tst.policy, LAB_TSA_POLICY);
    // certReq: exactly the TSA certificate, and it signed the attributes.
    let tsa_cert = Certificate::from_der(fixture!("tsa.der")).unwrap();
    let certificates: Vec<_> = signed
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .collect();
    assert_eq!(
        certificates,
        [&CertificateChoices::Certificate(tsa_cert.clone())]
    );
    let [signer] = signed.signer_infos.0.as_slice() else {
        panic!("one signer")
    };
    let attributes = signer.signed_attrs.as_ref().unwrap();
    let signed_attributes = attributes.to_der().unwrap();
    let signature = signer.signature.as_bytes();
    crate::lab_pki::assert_signed_by(&tsa_cert, &signed_attributes, signature);
    // RFC 5816: signing-certificate-v2 names the TSA certificate by its SHA-256 hash.
    let ess = attributes
        .iter()
        .find(|a| a.oid == ID_SIGNING_CERTIFICATE_V2)
        .unwrap();
    let ess_der = ess.values.get(0).unwrap().to_der().unwrap();
    let hash = Sha256::digest(fixture!("tsa.der"));
    assert!(ess_der.windows(32).any(|w| w == hash.as_slice()));
}

#[test]
fn without_cert_req_the_token_holds_no_certificate_and_serials_grow() {
    let tsa = LabTsa::new().unwrap();
    let req = request(ID_SHA_512, &[7; 64], false).to_der().unwrap();
    let (_, _, first) = answer(&tsa, &req);
    let (_, _, second) = answer(&tsa, &req);
    let ((signed, first), (_, second)) = (first.unwrap(), second.unwrap());
    assert!(signed.certificates.is_none());
    let serial = |t: &TstInfo| {
        let bytes = t.serial_number.as_bytes();
        bytes.iter().fold(0u128, |n, b| n << 8 | u128::from(*b))
    };
    assert!(serial(&second) > serial(&first));
}

#[test]
fn what_a_tsa_refuses_is_answered_with_a_rejection_and_its_reason() {
    let tsa = LabTsa::new().unwrap();
    let bit = |v: PkiFailureInfoValues| Some(cmpv2::status::PkiFailureInfo::from(v).bits());
    let mut other_policy = request(ID_SHA_256, &[1; 32], true);
    other_policy.req_policy = Some(ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"));
    let mut extended = request(ID_SHA_256, &[1; 32], true);
    extended.extensions = Some(vec![x509_cert::ext::Extension {
        extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.9"),
        critical: false,
        extn_value: OctetString::new([5, 0]).unwrap(),
    }]);
    let cases = [
        (b"not DER".to_vec(), PkiFailureInfoValues::BadDataFormat),
        (
            request(ID_SHA_1, &[1; 20], true).to_der().unwrap(),
            PkiFailureInfoValues::BadAlg,
        ),
        (
            request(ID_SHA_256, &[1; 20], true).to_der().unwrap(),
            PkiFailureInfoValues::BadDataFormat,
        ),
        (
            other_policy.to_der().unwrap(),
            PkiFailureInfoValues::UnacceptedPolicy,
        ),
        (
            extended.to_der().unwrap(),
            PkiFailureInfoValues::UnacceptedExtension,
        ),
    ];
    for (req, expected) in cases {
        let (status, failure, token) = answer(&tsa, &req);
        assert_eq!(status, PkiStatus::Rejection, "{expected:?}");
        assert_eq!(failure, bit(expected), "{expected:?}");
        assert!(token.is_none());
    }
}
