#!/usr/bin/env python3
"""`pyhanko sign validate --pretty-print --trust ROOT --trust-replace FILE`, with the CRLs given.

The test signing certificates name a CRL distribution point (tests/fixtures/pki/README.md) that
no one serves, so pyHanko's hard-fail revocation check needs their CRL. Its command line takes
no CRL for `sign validate`, so this calls the same library function the command does
(`validate_pdf_signature`) with a validation context that holds the CRLs, never fetches, and
still fails hard when no CRL covers a certificate. It prints what the command prints (the
pretty-printed report of every signature, or with --summary the one-line summary) and exits 1
when a signature is not valid, as the command does.

Usage: pyhanko-validate.py --trust PEM [--trust PEM ...] [--crl DER ...] [--summary] PDF
"""
import argparse
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import format_pretty_print_details
from pyhanko_certvalidator import ValidationContext


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trust", action="append", required=True)
    parser.add_argument("--crl", action="append", default=[])
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("pdf")
    args = parser.parse_args()
    crls = [open(path, "rb").read() for path in args.crl]
    all_ok = True
    with open(args.pdf, "rb") as f:
        signatures = PdfFileReader(f).embedded_regular_signatures
        for ix, signature in enumerate(signatures):
            context = ValidationContext(
                trust_roots=[load_cert_from_pemder(p) for p in args.trust],
                crls=crls,
                allow_fetching=False,
                revocation_mode="hard-fail",
            )
            status = validate_pdf_signature(signature, signer_validation_context=context)
            if args.summary:
                fingerprint = signature.signer_cert.sha256.hex()
                print(f"{signature.field_name}:{fingerprint}:{status.summary()}")
            else:
                header = f"Field {ix + 1}: {signature.field_name}"
                print(f"{'=' * len(header)}\n{header}\n{'=' * len(header)}\n\n")
                print(format_pretty_print_details(status))
            all_ok &= status.bottom_line
    return 0 if all_ok and signatures else 1


if __name__ == "__main__":
    sys.exit(main())
