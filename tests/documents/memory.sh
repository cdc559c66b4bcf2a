#!/usr/bin/env bash
# Peak memory of `verify --pdf` and `document prepare|finish` on the worst PDFs within the
# documented limits (docs/documents.md), and on hostile ones beyond them; docs/performance.md
# records the results. Needs python3, openssl and /usr/bin/time (Debian package `time`).
#
#   tests/documents/memory.sh            the debug build (cargo build -p mynakey-rp)
#   MYNAKEY_RP=target/release/mynakey-rp tests/documents/memory.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RP=$(realpath "${MYNAKEY_RP:-$ROOT/target/debug/mynakey-rp}")
PKI=$ROOT/tests/fixtures/pki
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir trust && cp "$PKI/sign-root-2.der" trust/
openssl pkey -inform DER -in "$PKI/card1-sign.key.der" -out key.pem

# One-page PDFs with extra objects (a classic cross-reference table), as in
# host/test-support/src/hostile_pdf.rs.
python3 - <<'PY'
import os, zlib
def pdf_with(extra):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] + extra
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objs):
        offsets.append(len(out)); out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, body)
    xref = len(out); out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets: out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)
def objstm(data):
    return b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(data), data)
def write(name, extra): open(name, "wb").write(pdf_with(extra))
write("nested.pdf", [b"[" * 10000 + b"]" * 10000])
block = zlib.compressobj(9, zlib.DEFLATED, -15)
block = block.compress(b"\0" * (1 << 20)) + block.flush(zlib.Z_SYNC_FLUSH)
write("bomb.pdf", [objstm(b"\x78\xda" + block * 2048)])                  # 2 MB inflating to 2 GiB
write("dense-over.pdf", [b"[" + b"0 " * ((16 << 20) - 4096) + b"]"])      # 32 MiB of values
write("dense.pdf", [b"[" + b"0 " * ((256 << 10) - 1000) + b"]"])           # at the value limit
write("dense-objstm.pdf", [objstm(zlib.compress(b"5 0 [" + b"0 " * ((256 << 10) - 100) + b"]"))])
write("big.pdf", [b"<< /Length %d >>\nstream\n%s\nendstream" % ((32 << 20) - (128 << 10), os.urandom((32 << 20) - (128 << 10)))])
PY

peak() { # LABEL COMMAND… : prints the peak RSS and the outcome
    local label=$1 code
    shift
    /usr/bin/time -f '%M' -o rss "$@" >out 2>/dev/null && code=0 || code=$?
    printf '%-44s %6d MiB  exit %s %s\n' "$label" $(($(tail -n1 rss) / 1024)) "$code" \
        "$(grep -o '"code": *"[A-Z_]*"' out | head -n1 || true)"
}
b64() { base64 -w0 "$1"; }
sign() { # IN OUT: document prepare → openssl as the card → document finish
    printf '{"format":"pdf","document":"%s","certificate":"%s"}' "$(b64 "$1")" "$(b64 "$PKI/card1-sign.der")" >in.json
    peak "document prepare $1" "$RP" document prepare <in.json; cp out prepared.json
    python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.load(open("prepared.json"))["hash"]))' >hash.bin
    openssl pkeyutl -sign -inkey key.pem -pkeyopt digest:sha256 -in hash.bin -out sig.bin
    python3 -c 'import json,base64; p=json.load(open("prepared.json"))["prepared"]; print(json.dumps({"prepared":p,"signature":base64.b64encode(open("sig.bin","rb").read()).decode()}))' >finish.json
    peak "document finish $1" "$RP" document finish <finish.json
    python3 -c 'import json,base64,sys; sys.stdout.buffer.write(base64.b64decode(json.load(open("out"))["signed"]))' >"$2"
}
verify() { peak "verify --pdf $1" "$RP" verify --json --trust trust --pdf "$1"; }

for f in nested bomb dense-over dense dense-objstm; do verify $f.pdf; done
sign dense.pdf dense-1.pdf && sign dense-1.pdf dense-2.pdf && verify dense-2.pdf
sign big.pdf big-1.pdf && sign big-1.pdf big-2.pdf && verify big-2.pdf
