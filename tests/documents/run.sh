#!/usr/bin/env bash
# Signed documents judged by validators we did not write (tests/run.sh runs this as the
# `documents` suite; it needs openssl, qpdf, poppler-utils and pyHanko from tests/run.sh):
#   - the demo's .p7s: `openssl cms -verify` with the TEST signing root as the only anchor,
#     refused after one byte of the text changes
#   - signed PDFs of both cross-reference kinds (the demo's, and one made through
#     `mynakey-rp document prepare|finish` with openssl as the card): pyHanko validates them
#     intact and trusted with the same root and the signing CRL (hard-fail revocation checking:
#     the certificates name a CRL distribution point, so without the CRL, or with one that lists
#     the signer, pyHanko refuses) and reports tampering; pdfsig says "Signature is Valid."
#   - the other direction: PDFs signed by pyHanko with the test card's key and certificate pass
#     our `verify --pdf` and are refused after a byte changes
#   - two signers one after the other (ours twice, pyHanko after us, us after pyHanko): every
#     signature stays valid for pyHanko, pdfsig and `verify --pdf` (later updates only add a
#     signature, docs/documents.md)
#   - trusted timestamps from OpenSSL's TSA on loopback (mynakey-test-tsa): `document finish
#     --tsa` makes a PAdES B-T PDF and a CAdES-T .p7s; `openssl ts -verify` accepts each token
#     over the signature value with the TEST TSA root and refuses it over other bytes or with
#     another root; pyHanko validates the B-T PDF and its timestamp; `verify` reports B-T
#   - the demo's own long-term files (the lab's TEST TSA, in-process): pyHanko's AdES long-term
#     validation accepts its B-LTA PDF with the TEST signing and TSA roots only; `openssl ts
#     -verify` accepts the PDF's and the .p7s's signature timestamps and the document timestamp,
#     and refuses them over other bytes or with another root; `verify` reports B-LTA and B-T
#   - long-term validation: `document ltv` adds the DSS (certificates, CRLs made here with
#     `openssl ca -gencrl` after the timestamp, given as a directory with a CRL of another
#     issuer that must stay out) and a document timestamp; pyHanko's AdES
#     long-term validation (`adesverify`: embedded data and the two roots only, no network)
#     accepts the B-LTA and renewed files, and the one whose signer was revoked after the
#     timestamp (so does `verify`: "revoked after signing"); `openssl ts -verify` accepts the
#     document timestamp over its byte range; a changed DSS byte, a document timestamp over
#     other bytes and an untrusted TSA are refused
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOST=${MYNAKEY_HOST:-$ROOT/target/debug/mynakey-host}
RP=${MYNAKEY_RP:-$ROOT/target/debug/mynakey-rp}
PKI=$ROOT/tests/fixtures/pki
TEST_TSA=${MYNAKEY_TEST_TSA:-$ROOT/target/debug/mynakey-test-tsa}
WORK=$(mktemp -d)
TSA_PIDS=()
trap 'kill "${TSA_PIDS[@]}" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
# `pyhanko sign validate --pretty-print --trust root.pem --trust-replace`, with the TEST signing
# CRL given (its command line takes none; pyhanko-validate.py says why) and no fetching.
phvalidate() { python3 "$ROOT/tests/documents/pyhanko-validate.py" --trust root.pem --crl "$PKI/sign.crl" "$@"; }
# A CRL by ISSUER (a fixture root) issued now, listing SERIAL as revoked now for REASON if given.
make_crl() { # OUT ISSUER [SERIAL REASON]
    rm -rf ca && mkdir ca && : >ca/index.txt && echo 10 >ca/crlnumber
    if [[ $# -gt 2 ]]; then
        printf 'R\t350531145959Z\t%s,%s\t%s\tunknown\t/CN=revoked\n' "$(date -u +%y%m%d%H%M%SZ)" "$4" "$3" >ca/index.txt
    fi
    printf '[ca]\ndefault_ca = c\n[c]\ndatabase = ca/index.txt\ncrlnumber = ca/crlnumber\ndefault_md = sha256\ncrl_extensions = e\n[e]\nauthorityKeyIdentifier = keyid:always\n' >ca/ca.cnf
    openssl pkey -inform DER -in "$PKI/$2.key.der" -out ca/key.pem
    openssl x509 -inform DER -in "$PKI/$2.der" -out ca/cert.pem
    openssl ca -gencrl -config ca/ca.cnf -keyfile ca/key.pem -cert ca/cert.pem -crldays 30 -out ca/crl.pem 2>/dev/null
    openssl crl -in ca/crl.pem -outform DER -out "$1"
}
# Copies FILE to OUT with one bit of the byte at OFFSET flipped.
tamper() { python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[2])] ^= 1; open(sys.argv[3], "wb").write(b)' "$1" "$2" "$3"; }
# NAME.tst and NAME.data: the signature-time-stamp token of the first signature of FILE (KIND
# pdf or p7s) and the signature value it covers, read with asn1crypto (pyHanko's).
signature_token() { # KIND FILE NAME
    python3 "$ROOT/tests/documents/timestamp-tokens.py" signature "$@" || fail "no timestamp token in $2"
}
# NAME.tst and NAME.data: PDF's last document timestamp and the bytes its /ByteRange covers.
document_timestamp() { # PDF NAME
    python3 "$ROOT/tests/documents/timestamp-tokens.py" document "$@" || fail "no document timestamp in $1"
}
# `openssl ts -verify`: NAME.tst covers NAME.data under the TEST TSA root, not other bytes, and
# not under another root.
judge_token() { # NAME WHAT
    openssl ts -verify -token_in -in "$1.tst" -data "$1.data" -CAfile tsa-root.pem >ts.out 2>&1 ||
        { cat ts.out; fail "openssl ts -verify refused $2"; }
    grep -q "Verification: OK" ts.out || { cat ts.out; fail "openssl ts -verify: $2"; }
    tamper "$1.data" 10 other.data
    if openssl ts -verify -token_in -in "$1.tst" -data other.data -CAfile tsa-root.pem >/dev/null 2>&1; then
        fail "openssl ts -verify accepted $2 over other bytes"; fi
    if openssl ts -verify -token_in -in "$1.tst" -data "$1.data" -CAfile root.pem >/dev/null 2>&1; then
        fail "openssl ts -verify accepted $2 with another root"; fi
}
adesverify() { pyhanko sign adesverify --pretty-print --trust root.pem --trust tsa-root.pem --trust-replace "$1" >ph.out 2>&1; }

# The TEST signing root that issued card1's signing certificate, and a trust folder with only it.
openssl x509 -inform DER -in "$PKI/sign-root-2.der" -out root.pem
openssl x509 -inform DER -in "$PKI/card1-sign.der" -out card1-sign.pem
openssl pkey -inform DER -in "$PKI/card1-sign.key.der" -out card1-sign.key.pem
openssl verify -CAfile root.pem card1-sign.pem >/dev/null || fail "sign-root-2 does not issue card1-sign"
mkdir trust && cp "$PKI/sign-root-2.der" trust/
# The TEST TSA root (OpenSSL's test TSA and the lab's share it) and a TSA trust folder with it.
mkdir tsa-trust && cp "$PKI/tsa-root.der" tsa-trust/
openssl x509 -inform DER -in "$PKI/tsa-root.der" -out tsa-root.pem

"$HOST" demo --save demo >demo.log || { cat demo.log; fail "demo"; }
ok "demo wrote $(ls demo | tr '\n' ' ')"

# --- CMS: openssl ---------------------------------------------------------------------------
openssl cms -verify -binary -inform DER -in demo/contract.txt.p7s -content demo/contract.txt \
    -CAfile root.pem -out /dev/null 2>cms.err || { cat cms.err; fail "openssl cms -verify refused the .p7s"; }
tamper demo/contract.txt 3 changed.txt
if openssl cms -verify -binary -inform DER -in demo/contract.txt.p7s -content changed.txt \
    -CAfile root.pem -out /dev/null 2>/dev/null; then fail "openssl accepted a changed document"; fi
ok "openssl cms -verify: the .p7s verifies with the TEST root only; a changed byte is refused"
"$RP" verify --trust trust --cms demo/contract.txt.p7s --content demo/contract.txt >/dev/null ||
    fail "verify --cms"
if "$RP" verify --trust trust --cms demo/contract.txt.p7s --content changed.txt >/dev/null; then
    fail "verify --cms accepted a changed document"; fi

# --- a PDF with a cross-reference stream, through the relying party's two steps -------------
b64() { base64 -w0 "$1"; }
# Signs PDF IN into OUT with `document prepare|finish`; openssl plays the card (RSASSA-PKCS1-v1_5
# over the DigestInfo of the SHA-256 hash). FORMAT (pdf or cms, default pdf) and further
# arguments for `document finish` may follow.
host_sign() {
    printf '{"format":"%s","document":"%s","certificate":"%s","reason":"run.sh"}' \
        "${3:-pdf}" "$(b64 "$1")" "$(b64 "$PKI/card1-sign.der")" |
        "$RP" document prepare >prepared.json || fail "document prepare $1"
    python3 -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.load(open("prepared.json"))["hash"]))' >hash.bin
    openssl pkeyutl -sign -inkey card1-sign.key.pem -pkeyopt digest:sha256 -in hash.bin -out sig.bin
    python3 -c 'import json,base64; p=json.load(open("prepared.json"))["prepared"]; print(json.dumps({"prepared":p,"signature":base64.b64encode(open("sig.bin","rb").read()).decode()}))' |
        "$RP" document finish "${@:4}" >finished.json || { cat finished.json; fail "document finish $1"; }
    python3 -c 'import json,base64,sys; sys.stdout.buffer.write(base64.b64decode(json.load(open("finished.json"))["signed"]))' >"$2"
}
host_sign "$ROOT/tests/fixtures/documents/contract-xref-stream.pdf" stream-signed.pdf
# Two signers one after the other: the second update only adds a signature.
host_sign stream-signed.pdf twice-signed.pdf

# --- PAdES: pyHanko and pdfsig ---------------------------------------------------------------
for pdf in stream-signed.pdf; do
    phvalidate "$pdf" >ph.out 2>&1 ||
        { cat ph.out; fail "pyHanko refused $pdf"; }
    grep -q "The signature is judged VALID" ph.out || { cat ph.out; fail "pyHanko: $pdf"; }
    grep -q "The signer's certificate is trusted" ph.out || { cat ph.out; fail "pyHanko trust: $pdf"; }
    grep -q "The signature covers the entire file" ph.out || { cat ph.out; fail "pyHanko coverage: $pdf"; }
    pdfsig "$pdf" >sig.out 2>&1 || true
    grep -q "Signature Validation: Signature is Valid." sig.out || { cat sig.out; fail "pdfsig: $pdf"; }
    grep -q "Total document signed" sig.out || { cat sig.out; fail "pdfsig coverage: $pdf"; }
    # One byte of the page content's object (in the original part) changed.
    tamper "$pdf" 200 tampered.pdf
    if phvalidate tampered.pdf >ph.out 2>&1; then
        cat ph.out; fail "pyHanko accepted a tampered $pdf"; fi
    grep -q "The signature is judged INVALID" ph.out ||
        { cat ph.out; fail "pyHanko did not report tampering of $pdf"; }
    pdfsig tampered.pdf >sig.out 2>&1 || true
    if grep -q "Signature is Valid." sig.out; then fail "pdfsig accepted a tampered $pdf"; fi
    "$RP" verify --trust trust --pdf "$pdf" >/dev/null || fail "verify --pdf $pdf"
    if "$RP" verify --trust trust --pdf tampered.pdf >/dev/null; then fail "verify --pdf accepted tampered $pdf"; fi
    ok "pyHanko and pdfsig: $pdf intact and trusted; one changed byte reported"
done
# The certificates name a CRL distribution point: pyHanko looks for their revocation data and
# refuses the signature without the CRL (it fetches nothing) or with a CRL that lists the signer.
if python3 "$ROOT/tests/documents/pyhanko-validate.py" --trust root.pem stream-signed.pdf >ph.out 2>&1; then
    cat ph.out; fail "pyHanko accepted a signature without revocation data"; fi
grep -q "no revocation information could be found" ph.out || { cat ph.out; fail "pyHanko: not for want of a CRL"; }
make_crl revoked.crl sign-root-2 01A2B3C5 keyCompromise
if python3 "$ROOT/tests/documents/pyhanko-validate.py" --trust root.pem --crl revoked.crl stream-signed.pdf >ph.out 2>&1; then
    cat ph.out; fail "pyHanko accepted a revoked signer"; fi
grep -q "revoked" ph.out || { cat ph.out; fail "pyHanko: not for the revocation"; }
ok "pyHanko checks revocation: no CRL or a CRL listing the signer makes the signature invalid"

# --- two sequential signatures: pyHanko and pdfsig judge both, and so do we ------------------
phvalidate twice-signed.pdf >ph.out 2>&1 ||
    { cat ph.out; fail "pyHanko refused twice-signed.pdf"; }
[[ $(grep -c "The signature is judged VALID" ph.out) == 2 ]] || { cat ph.out; fail "pyHanko: both signatures"; }
pdfsig twice-signed.pdf >sig.out 2>&1 || true
[[ $(grep -c "Signature Validation: Signature is Valid." sig.out) == 2 ]] || { cat sig.out; fail "pdfsig: both signatures"; }
"$RP" verify --json --trust trust --pdf twice-signed.pdf >verify.json || { cat verify.json; fail "verify --pdf twice-signed.pdf"; }
python3 -c 'import json,sys; v=json.load(open("verify.json")); s=[x["status"] for x in v["result"]["signatures"]]; sys.exit(s != ["valid", "valid"] or v["result"]["findings"] != [])' ||
    { cat verify.json; fail "verify --pdf: statuses of twice-signed.pdf"; }
ok "two sequential signatures: pyHanko, pdfsig and verify --pdf judge both valid"
# A second signer using another tool: pyHanko's update after ours only adds a signature too.
pyhanko sign addsig --field Signature9 pemder --key card1-sign.key.pem --cert card1-sign.pem \
    --no-pass stream-signed.pdf ph-second.pdf >ph.out 2>&1 || { cat ph.out; fail "pyHanko could not sign stream-signed.pdf"; }
"$RP" verify --json --trust trust --pdf ph-second.pdf >verify.json || { cat verify.json; fail "verify --pdf: pyHanko after us"; }
ok "verify --pdf: pyHanko's signature after ours leaves both valid"

# --- the other direction: pyHanko signs, we verify --------------------------------------------
for input in contract-xref-table.pdf contract-xref-stream.pdf; do
    pyhanko sign addsig --field Signature1 pemder --key card1-sign.key.pem --cert card1-sign.pem \
        --no-pass "$ROOT/tests/fixtures/documents/$input" "ph-$input" >ph.out 2>&1 ||
        { cat ph.out; fail "pyHanko could not sign $input"; }
    "$RP" verify --trust trust --pdf "ph-$input" >verify.out || { cat verify.out; fail "verify --pdf refused pyHanko's $input"; }
    grep -q "VALID signed PDF" verify.out || fail "verify --pdf output"
    tamper "ph-$input" 200 tampered.pdf
    if "$RP" verify --trust trust --pdf tampered.pdf >/dev/null; then fail "verify --pdf accepted tampered pyHanko $input"; fi
    ok "verify --pdf accepts pyHanko's signature on $input and refuses it after a byte changes"
done
# And ours after pyHanko's.
host_sign ph-contract-xref-table.pdf ours-after-ph.pdf
"$RP" verify --json --trust trust --pdf ours-after-ph.pdf >verify.json || { cat verify.json; fail "verify --pdf: ours after pyHanko"; }
ok "verify --pdf: our signature after pyHanko's leaves both valid"

# --- the demo's long-term files: the lab's TEST TSA, judged by pyHanko and openssl ts ---------
cmp <(openssl x509 -in demo/test-tsa-root.pem -outform DER) "$PKI/tsa-root.der" ||
    fail "the demo's test-tsa-root.pem is not tests/fixtures/pki/tsa-root.der"
pdf=demo/contract-signed.pdf
phvalidate --trust tsa-root.pem $pdf >ph.out 2>&1 ||
    { cat ph.out; fail "pyHanko refused $pdf"; }
for line in "The signature is judged VALID" "The signer's certificate is trusted." \
    "The TSA certificate is trusted." "All modifications relate to signature maintenance"; do
    grep -qF "$line" ph.out || { cat ph.out; fail "pyHanko on $pdf: no '$line'"; }
done
phvalidate --summary --trust tsa-root.pem $pdf >ph.out 2>&1 || { cat ph.out; fail "pyHanko: $pdf"; }
grep -q "TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES" ph.out || { cat ph.out; fail "pyHanko: $pdf not LTA"; }
# AdES long-term validation with the two roots only: no warning (a document timestamp or TSA
# chain it could not validate at its time is one), judged valid.
adesverify $pdf || { cat ph.out; fail "pyHanko's long-term validation refused $pdf"; }
grep -q "The signature is judged VALID" ph.out || { cat ph.out; fail "pyHanko LTA: $pdf"; }
if grep -q "WARNING" ph.out; then cat ph.out; fail "pyHanko's long-term validation of $pdf warned"; fi
tamper $pdf 200 tampered.pdf
if adesverify tampered.pdf; then cat ph.out; fail "pyHanko accepted a tampered $pdf"; fi
grep -q "The signature is judged INVALID" ph.out || { cat ph.out; fail "pyHanko did not report tampering of $pdf"; }
pdfsig $pdf >sig.out 2>&1 || true
grep -q "Signature Validation: Signature is Valid." sig.out || { cat sig.out; fail "pdfsig: $pdf"; }
grep -q "Not total document signed" sig.out || { cat sig.out; fail "pdfsig: no update after the signature in $pdf"; }
signature_token pdf $pdf demo-pdf
signature_token p7s demo/contract.txt.p7s demo-p7s
document_timestamp $pdf demo-docts
judge_token demo-pdf "the demo PDF's signature timestamp"
judge_token demo-p7s "the demo .p7s's signature timestamp"
judge_token demo-docts "the demo PDF's document timestamp"
"$RP" verify --json --trust trust --tsa-trust tsa-trust --pdf $pdf >verify.json || { cat verify.json; fail "verify --pdf $pdf"; }
python3 -c 'import json,sys; r=json.load(open("verify.json"))["result"]; sys.exit(r["signatures"][0]["level"] != "B-LTA" or r["dss"]["crlsUsed"] != 1)' ||
    { cat verify.json; fail "verify --pdf: $pdf not B-LTA"; }
"$RP" verify --json --trust trust --tsa-trust tsa-trust --cms demo/contract.txt.p7s --content demo/contract.txt >verify.json ||
    { cat verify.json; fail "verify --cms demo/contract.txt.p7s"; }
grep -q '"level":"B-T"' verify.json || { cat verify.json; fail "verify --cms: the demo's .p7s not B-T"; }
ok "the demo's B-LTA PDF and CAdES-T .p7s: pyHanko's long-term validation, openssl ts -verify and verify accept them under the two TEST roots"

# --- trusted timestamps: OpenSSL's TSA on loopback, judged by openssl ts and pyHanko ----------
"$TEST_TSA" grant >tsa.url & TSA_PIDS+=($!)
for _ in $(seq 50); do [[ -s tsa.url ]] && break; sleep 0.1; done
TSA_URL=$(cat tsa.url)
[[ $TSA_URL == http://127.0.0.1:* ]] || fail "the test TSA did not start"
host_sign "$ROOT/tests/fixtures/documents/contract-xref-table.pdf" bt.pdf pdf --tsa "$TSA_URL" --tsa-trust tsa-trust
grep -q '"level":"B-T"' finished.json || fail "document finish --tsa: not B-T"
host_sign demo/contract.txt contract.txt.p7s cms --tsa "$TSA_URL" --tsa-trust tsa-trust
signature_token pdf bt.pdf pdf
signature_token p7s contract.txt.p7s p7s
judge_token pdf "the B-T PDF's token"
judge_token p7s "the CAdES-T .p7s's token"
ok "openssl ts -verify: each token covers its signature value under the TEST TSA root only"
phvalidate --trust tsa-root.pem bt.pdf >ph.out 2>&1 ||
    { cat ph.out; fail "pyHanko refused the B-T PDF"; }
grep -q "The signature is judged VALID" ph.out || { cat ph.out; fail "pyHanko: bt.pdf"; }
for line in "Signature timestamp token:" "The timestamp token is cryptographically sound." \
    "The TSA certificate is trusted."; do
    grep -qF "$line" ph.out || { cat ph.out; fail "pyHanko on the signature timestamp: no '$line'"; }
done
# Without the TSA root, pyHanko does not trust the timestamp.
phvalidate bt.pdf >ph.out 2>&1 || true
if grep -qF "The TSA certificate is trusted." ph.out; then cat ph.out; fail "pyHanko trusted the TSA without its root"; fi
"$RP" verify --json --trust trust --tsa-trust tsa-trust --pdf bt.pdf >verify.json || { cat verify.json; fail "verify --pdf bt.pdf"; }
python3 -c 'import json,sys; s=json.load(open("verify.json"))["result"]["signatures"][0]; sys.exit(s["level"] != "B-T" or s["judgedAt"] != s["timestamp"]["genTime"])' ||
    { cat verify.json; fail "verify --pdf: not judged at the timestamp"; }
"$RP" verify --json --trust trust --tsa-trust tsa-trust --cms contract.txt.p7s --content demo/contract.txt >verify.json ||
    { cat verify.json; fail "verify --cms contract.txt.p7s"; }
grep -q '"level":"B-T"' verify.json || { cat verify.json; fail "verify --cms: not B-T"; }
ok "PAdES B-T and CAdES-T: pyHanko validates the PDF and its timestamp; verify reports B-T at genTime"

# --- long-term validation: DSS and document timestamps (PAdES B-LT, B-LTA) -------------------
# `document ltv` on IN into OUT with the TSA at URL and further options.
ltv() { # IN OUT URL ARGS...
    printf '{"document":"%s"}' "$(b64 "$1")" |
        "$RP" document ltv --tsa "$3" --tsa-trust tsa-trust --issuers trust "${@:4}" >ltv.json
    python3 -c 'import json,base64,sys; sys.stdout.buffer.write(base64.b64decode(json.load(open("ltv.json"))["signed"]))' >"$2"
}
sleep 1 # the CRLs' thisUpdate after the signature timestamp's genTime (whole seconds)
make_crl sign.crl sign-root-2
make_crl tsa.crl tsa-root
# A directory of CRLs, as a relying party keeps J-LIS's set: only those that cover a
# certificate of the file go into the DSS (auth.crl, of another issuer, does not).
mkdir -p crls && cp sign.crl tsa.crl "$PKI/auth.crl" crls/
ltv bt.pdf lta.pdf "$TSA_URL" --crl crls || { cat ltv.json; fail "document ltv"; }
python3 -c 'import sys; pdf=open("lta.pdf","rb").read(); held=[open(f,"rb").read() in pdf for f in sys.argv[1:]]; sys.exit(held != [True, True, False])' \
    sign.crl tsa.crl "$PKI/auth.crl" || fail "document ltv --crl DIR: the DSS does not hold exactly the covering CRLs"
grep -q '"level":"B-LTA"' ltv.json || { cat ltv.json; fail "document ltv: not B-LTA"; }
cmp -n "$(stat -c %s bt.pdf)" bt.pdf lta.pdf || fail "document ltv changed the signed bytes"
ltv lta.pdf renewed.pdf "$TSA_URL" --crl sign.crl --crl tsa.crl || { cat ltv.json; fail "document ltv (renewal)"; }
for pdf in lta.pdf renewed.pdf; do
    adesverify $pdf || { cat ph.out; fail "pyHanko's long-term validation refused $pdf"; }
    grep -q "The signature is judged VALID" ph.out || { cat ph.out; fail "pyHanko LTA: $pdf"; }
    phvalidate --summary --trust tsa-root.pem --crl sign.crl $pdf >ph.out 2>&1 ||
        { cat ph.out; fail "pyHanko refused $pdf"; }
    grep -q "TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES" ph.out || { cat ph.out; fail "pyHanko: $pdf not LTA"; }
    "$RP" verify --json --trust trust --tsa-trust tsa-trust --pdf $pdf >verify.json || { cat verify.json; fail "verify --pdf $pdf"; }
    python3 -c 'import json,sys; r=json.load(open("verify.json"))["result"]; sys.exit(r["signatures"][0]["level"] != "B-LTA" or r["dss"]["crlsUsed"] != 1 or not all(t["timestamp"] for t in r["documentTimestamps"]))' ||
        { cat verify.json; fail "verify --pdf: $pdf not B-LTA"; }
done
[[ $(python3 -c 'import json; print(len(json.load(open("verify.json"))["result"]["documentTimestamps"]))') == 2 ]] ||
    fail "renewal: not two document timestamps"
ok "document ltv: pyHanko's AdES long-term validation and verify judge the B-LTA and renewed PDFs valid"

document_timestamp renewed.pdf docts
judge_token docts "the document timestamp"
ok "openssl ts -verify: the document timestamp covers its byte range"

# Revoked after the timestamp (the holder moved house): valid at signing time, for both.
make_crl moved.crl sign-root-2 01A2B3C5 affiliationChanged
ltv bt.pdf moved.pdf "$TSA_URL" --crl moved.crl --crl tsa.crl || { cat ltv.json; fail "document ltv (moved)"; }
adesverify moved.pdf || { cat ph.out; fail "pyHanko refused the signature revoked after its timestamp"; }
grep -q "The signature is judged VALID" ph.out || { cat ph.out; fail "pyHanko: moved.pdf"; }
"$RP" verify --trust trust --tsa-trust tsa-trust --pdf moved.pdf >verify.out || { cat verify.out; fail "verify --pdf moved.pdf"; }
grep -q "revoked after signing, at .*affiliationChanged" verify.out || { cat verify.out; fail "verify: not revoked after signing"; }
# Judged now without the timestamp's help, the same file is revoked.
if "$RP" verify --trust trust --pdf moved.pdf >/dev/null; then fail "verify without --tsa-trust accepted a revoked signer"; fi
ok "revoked after the timestamp: pyHanko and verify judge the B-LTA PDF valid at signing time"

# One byte of the DSS's CRL under the document timestamp: the timestamp breaks.
python3 - <<'PY'
pdf, crl = bytearray(open("lta.pdf", "rb").read()), open("sign.crl", "rb").read()
at = pdf.find(crl) + len(crl) - 1
pdf[at] ^= 1
open("dss-tampered.pdf", "wb").write(pdf)
PY
if adesverify dss-tampered.pdf; then cat ph.out; fail "pyHanko accepted a changed DSS"; fi
if "$RP" verify --trust trust --tsa-trust tsa-trust --pdf dss-tampered.pdf >verify.out; then
    fail "verify accepted a changed DSS"; fi
grep -q "TSA_BAD_TOKEN" verify.out || { cat verify.out; fail "verify: changed DSS not reported as a broken timestamp"; }
# Bad TSAs for the document timestamp: no file.
for mode in other-bytes untrusted; do
    "$TEST_TSA" $mode >bad.url & TSA_PIDS+=($!)
    for _ in $(seq 50); do [[ -s bad.url ]] && break; sleep 0.1; done
    if ltv lta.pdf bad.pdf "$(cat bad.url)" --crl sign.crl 2>/dev/null; then fail "document ltv accepted a $mode TSA"; fi
    rm -f bad.url
done
ok "a changed DSS breaks the document timestamp (pyHanko, verify); bad TSAs give no file"
