//! Demo step 8: the signed documents made long-term, as a relying party that keeps them would —
//! timestamps from the lab's TEST time-stamping authority (PAdES B-T, CAdES-T), then the
//! PDF's document security store with the chain and CRLs issued now by the TEST roots, and a
//! document timestamp over it all (B-LTA). The person's host takes no part: only the lab.

use std::time::SystemTime;

use mynakey_documents::{
    add_document_timestamp, add_validation_data, DocumentError, Level, TimestampAuthority,
    TimestampError, TimestampInfo, Timestamping, TsaTrust, ValidationData,
};
use mynakey_simulator::lab_pki::{fresh_crl, LabTsa, TestCa, TEST_TSA_ROOT};
use mynakey_simulator::TEST_SIGN_ROOTS;

/// What step 8 writes beside the documents: the lab TSA's root, as PEM.
pub const TSA_ROOT_PEM: &str = "test-tsa-root.pem";

/// The lab's TSA with the root its tokens must chain to.
pub(super) struct LabTimestamps {
    tsa: LabTsa,
    trust: TsaTrust,
}

impl TimestampAuthority for LabTimestamps {
    /// In-process instead of HTTP: the lab TSA answers at the time of the request.
    fn post(&self, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        self.tsa
            .respond(request, SystemTime::now())
            .map_err(|e| TimestampError::Unreachable(format!("the lab's test TSA: {e}")))
    }
}

impl LabTimestamps {
    pub(super) fn new() -> Result<Self, String> {
        let tsa = LabTsa::new().map_err(|e| e.to_string())?;
        let trust = TsaTrust::from_der(&[TEST_TSA_ROOT]).map_err(|e| e.to_string())?;
        Ok(Self { tsa, trust })
    }

    pub(super) fn timestamping(&self) -> Timestamping<'_> {
        Timestamping {
            authority: self,
            trust: &self.trust,
        }
    }

    pub(super) fn trust(&self) -> &TsaTrust {
        &self.trust
    }
}

/// The CRLs a relying party fetches after the timestamps: one from the TEST signing root (for
/// the card's certificate) and one from the TEST TSA root (for the TSA's), both issued now.
pub(super) fn current_crls() -> Result<[Vec<u8>; 2], String> {
    let now = SystemTime::now();
    let crl = |ca| fresh_crl(ca, now).map_err(|e| e.to_string());
    Ok([crl(TestCa::Signing)?, crl(TestCa::Tsa)?])
}

/// B-LTA: `pdf` (B-T) with a DSS holding its chain, the TSA's and `crls`, then a document
/// timestamp.
pub(super) fn archive_pdf(
    pdf: &[u8],
    crls: &[Vec<u8>],
    timestamps: &LabTimestamps,
) -> Result<Vec<u8>, DocumentError> {
    let mut data = ValidationData::default();
    data.issuers
        .extend(TEST_SIGN_ROOTS.iter().map(|r| r.to_vec()));
    data.issuers.push(TEST_TSA_ROOT.to_vec());
    data.crls.extend_from_slice(crls);
    let with_data = add_validation_data(pdf, &data)?;
    add_document_timestamp(&with_data, &timestamps.timestamping(), SystemTime::now())
}

/// `PAdES B-LTA`, `CAdES B-T (CAdES-T)`: the level in words, with the timestamp's time and TSA.
pub(super) fn describe(format: &str, level: Level, timestamp: Option<&TimestampInfo>) -> String {
    let name = match (format, level) {
        ("CAdES", Level::BT) => "CAdES B-T (CAdES-T)".to_owned(),
        _ => format!("{format} {}", level.name()),
    };
    match timestamp {
        Some(t) => format!(
            "{name}, timestamped {} by {}, judged at that time",
            t.gen_time, t.tsa
        ),
        None => format!("{name}, no trusted timestamp"),
    }
}
