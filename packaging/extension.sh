#!/usr/bin/env bash
# The extension as the stores take it, built reproducibly (the same sources give the same bytes):
#   target/packages/mynakey-chromium.zip   Chrome Web Store / Edge Add-ons upload
#   target/packages/mynakey-firefox.xpi    addons.mozilla.org upload
# from extension/build.mjs (the version comes from the workspace Cargo.toml), zipped
# reproducibly by packaging/zip.sh.
#
#   packaging/extension.sh [OUTDIR]    (default target/packages; needs `npm ci --prefix extension`)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/target/packages}" && cd "${1:-$ROOT/target/packages}" && pwd)
WORK=$(mktemp -d /tmp/mynakey-extension-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
source "$ROOT/packaging/zip.sh"

node "$ROOT/extension/build.mjs" "$WORK" >/dev/null
archive() { # variant, file name
    reproducible_zip "$WORK/$1" "$OUT/$2"
    echo "$OUT/$2"
}
archive chromium mynakey-chromium.zip
archive firefox mynakey-firefox.xpi
