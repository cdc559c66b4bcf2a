//! The one place bytes are written by hand: a signature's `/ByteRange` covers the whole file but
//! its own `/Contents`, so both are only known once lopdf has written the update. lopdf writes
//! them as placeholders (a `/ByteRange` of [`PLACEHOLDER`]s and a zero hex string); here they
//! are found in the appended bytes and overwritten in place, same length, so no offset moves.

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::error::DocumentError;

/// The `/ByteRange` placeholder value: ten digits, as wide as any offset we write.
pub(super) const PLACEHOLDER: i64 = 9_999_999_999;

/// Where `/Contents`' hex string lies: `start` is its `<`, `end` is one past its `>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Gap {
    pub start: usize,
    pub end: usize,
}

fn find_unique(hay: &[u8], needle: &[u8]) -> Result<usize, DocumentError> {
    let mut hits = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle);
    match (hits.next(), hits.next()) {
        (Some((at, _)), None) => Ok(at),
        _ => Err(DocumentError::Pdf(
            "signature placeholder not found once in the update".into(),
        )),
    }
}

/// Finds the placeholders lopdf wrote after `original_len`, writes the real `/ByteRange`
/// over its placeholder, and returns the `/Contents` gap.
pub(super) fn fill(
    pdf: &mut [u8],
    original_len: usize,
    reserve: usize,
) -> Result<Gap, DocumentError> {
    let mut zeros = vec![b'0'; 2 * reserve + 2];
    zeros[0] = b'<';
    zeros[2 * reserve + 1] = b'>';
    let tail = pdf.get(original_len..).unwrap_or_default();
    let start = original_len + find_unique(tail, &zeros)?;
    let gap = Gap {
        start,
        end: start + zeros.len(),
    };

    let values = format!("{PLACEHOLDER} {PLACEHOLDER} {PLACEHOLDER}");
    let at = original_len + find_unique(tail, values.as_bytes())?;
    // The array is `[0 P P P]`: from its `[` to its `]`, rewritten padded with spaces.
    let open = pdf[..at]
        .iter()
        .rposition(|b| *b == b'[')
        .ok_or_else(malformed)?;
    let close = at + values.len();
    if pdf.get(close) != Some(&b']') {
        return Err(malformed());
    }
    let after = pdf.len() - gap.end;
    let text = format!("0 {} {} {}", gap.start, gap.end, after);
    let width = close - open - 1;
    if text.len() > width {
        return Err(malformed());
    }
    pdf[open + 1..close].copy_from_slice(format!("{text:width$}").as_bytes());
    Ok(gap)
}

fn malformed() -> DocumentError {
    DocumentError::Pdf("unexpected /ByteRange placeholder".into())
}

impl Gap {
    /// Whether `[0, a, b, c]` is a `/ByteRange` that leaves out exactly a `<…>` hex string of
    /// `pdf` holding only hex digits and white space; returns that gap and whether the range
    /// reaches the end of the file.
    pub(super) fn from_byte_range(
        range: [i64; 4],
        pdf: &[u8],
    ) -> Result<(Gap, bool), DocumentError> {
        let bad = |why: &str| DocumentError::Integrity(format!("/ByteRange {range:?} {why}"));
        let [first, a, b, c] = range.map(|v| usize::try_from(v).ok());
        let (Some(0), Some(a), Some(b), Some(c)) = (first, a, b, c) else {
            return Err(bad("is not [0 a b c] with non-negative offsets"));
        };
        let covered_end = b.checked_add(c).filter(|end| a < b && *end <= pdf.len());
        let Some(covered_end) = covered_end else {
            return Err(bad("does not lie within the file"));
        };
        let inner = &pdf[a..b];
        let hex_only = inner.len() >= 2
            && inner[0] == b'<'
            && inner[inner.len() - 1] == b'>'
            && inner[1..inner.len() - 1]
                .iter()
                .all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace());
        if !hex_only {
            return Err(bad("leaves out more than the signature's hex string"));
        }
        Ok((Gap { start: a, end: b }, covered_end == pdf.len()))
    }

    /// Feeds the covered bytes (`..start` and `end..covered_end`) to `hasher`.
    pub(super) fn digest<D: Digest>(&self, pdf: &[u8], mut hasher: D) -> D {
        hasher.update(&pdf[..self.start]);
        hasher.update(&pdf[self.end..]);
        hasher
    }

    /// Writes `der` as hex into the gap; the rest stays `0` (padding readers ignore).
    pub(super) fn write(&self, pdf: &mut [u8], der: &[u8]) -> Result<(), DocumentError> {
        let reserved = (self.end - self.start - 2) / 2;
        if der.len() > reserved || pdf.len() < self.end {
            return Err(DocumentError::ContentsTooSmall {
                needed: der.len(),
                reserved,
            });
        }
        let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
        pdf[self.start + 1..self.start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(())
    }
}
