#!/usr/bin/env bash
# The extension as the stores take it, built reproducibly (the same sources give the same bytes):
#   target/packages/mynakey-chromium.zip   Chrome Web Store / Edge Add-ons upload
#   target/packages/mynakey-firefox.xpi    addons.mozilla.org upload
# from extension/build.mjs (the version comes from the workspace Cargo.toml). Reproducible
# because every input of the archive is fixed: the file list is sorted, every file gets the same
# time (SOURCE_DATE_EPOCH, default 2000-01-01, in UTC since zip stores local time) and mode 644,
# zip -X drops owner ids and extra timestamps, -D leaves out folder entries.
#
#   packaging/extension.sh [OUTDIR]    (default target/packages; needs `npm ci --prefix extension`)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/target/packages}" && cd "${1:-$ROOT/target/packages}" && pwd)
EPOCH=${SOURCE_DATE_EPOCH:-946684800}
WORK=$(mktemp -d /tmp/mynakey-extension-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
command -v zip >/dev/null || { echo "needs zip (apt-get install zip)" >&2; exit 1; }

node "$ROOT/extension/build.mjs" "$WORK" >/dev/null
archive() { # variant, file name
    local dir=$WORK/$1 file=$OUT/$2
    find "$dir" -type f -exec chmod 644 {} + -exec touch -h -d "@$EPOCH" {} +
    rm -f "$file"
    (cd "$dir" && find . -type f | sed 's#^\./##' | LC_ALL=C sort |
        TZ=UTC zip -q -X -D -9 "$file" -@)
    echo "$file"
}
archive chromium mynakey-chromium.zip
archive firefox mynakey-firefox.xpi
