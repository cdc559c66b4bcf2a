//! Hostile PDFs, written byte by byte with a correct cross-reference table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use flate2::{Compress, Compression, FlushCompress};

/// A one-page PDF whose catalog is object 1, with `extra` objects (numbered from 4) after it.
pub fn pdf_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ];
    objects.extend_from_slice(extra);
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        writeln!(pdf, "{} 0 obj", i + 1).unwrap();
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for offset in offsets {
        writeln!(pdf, "{offset:010} 00000 n ").unwrap();
    }
    let size = objects.len() + 1;
    write!(
        pdf,
        "trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    )
    .unwrap();
    pdf
}

/// An object that is `depth` arrays, one inside the other.
pub fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut body = "[".repeat(depth).into_bytes();
    body.extend("]".repeat(depth).into_bytes());
    pdf_with(&[body])
}

/// An object stream whose Flate data inflates to `mebibytes` MiB of zeros: one sync-flushed
/// block of 1 MiB, repeated (each copy only refers back into itself).
pub fn inflation_bomb(mebibytes: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut block = Vec::with_capacity(4096);
    let mut deflate = Compress::new(Compression::best(), false);
    deflate
        .compress_vec(&zeros, &mut block, FlushCompress::Sync)
        .unwrap();
    let mut data = vec![0x78, 0xDA];
    for _ in 0..mebibytes {
        data.extend_from_slice(&block);
    }
    let mut stream = format!(
        "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
        data.len()
    )
    .into_bytes();
    stream.extend_from_slice(&data);
    stream.extend_from_slice(b"\nendstream");
    pdf_with(&[stream])
}

/// An array of `count` zeros: more values than a load may keep when `count` is over budget.
pub fn many_values(count: usize) -> Vec<u8> {
    let mut body = b"[".to_vec();
    body.extend(b"0 ".repeat(count));
    body.push(b']');
    pdf_with(&[body])
}
