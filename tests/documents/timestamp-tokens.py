#!/usr/bin/env python3
"""The RFC 3161 tokens of a signed file and the bytes each covers, for `openssl ts -verify`.

  timestamp-tokens.py signature pdf|p7s FILE NAME
      the first signature's timestamp token (its signature-time-stamp unsigned attribute) into
      NAME.tst and the signature value it covers into NAME.data
  timestamp-tokens.py document PDF NAME
      the PDF's last document timestamp (its /Contents) into NAME.tst and the bytes its
      /ByteRange covers into NAME.data

Read with asn1crypto and pyHanko's PDF reader (pyHanko's venv); exits non-zero when the file has
no such token. Used by tests/documents/run.sh and tests/browser/contract.test.mjs.
"""
import binascii
import re
import sys

from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader

SIGNATURE_TIME_STAMP = "1.2.840.113549.1.9.16.2.14"
TST_INFO = "1.2.840.113549.1.9.16.1.4"


def signature(kind: str, path: str, name: str) -> None:
    if kind == "pdf":
        with open(path, "rb") as f:
            signer = PdfFileReader(f).embedded_signatures[0].signer_info
    else:
        signer = cms.ContentInfo.load(open(path, "rb").read())["content"]["signer_infos"][0]
    open(name + ".data", "wb").write(signer["signature"].native)
    [token] = [a["values"][0] for a in signer["unsigned_attrs"] if a["type"].dotted == SIGNATURE_TIME_STAMP]
    open(name + ".tst", "wb").write(token.dump())


def document(path: str, name: str) -> None:
    pdf = open(path, "rb").read()
    a, b, c, d = map(int, re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)[-1])
    open(name + ".data", "wb").write(pdf[a:a + b] + pdf[c:c + d])
    token = cms.ContentInfo.load(binascii.unhexlify(pdf[b + 1:c - 1]), strict=False)
    assert token["content"]["encap_content_info"]["content_type"].dotted == TST_INFO
    open(name + ".tst", "wb").write(token.dump())


if __name__ == "__main__":
    if sys.argv[1:2] == ["signature"] and len(sys.argv) == 5:
        signature(*sys.argv[2:])
    elif sys.argv[1:2] == ["document"] and len(sys.argv) == 4:
        document(*sys.argv[2:])
    else:
        sys.exit(__doc__)
