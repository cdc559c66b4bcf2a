#!/usr/bin/env bash
# The browser round trip (page call → consent window visible; PIN submit → proof; APDUs after
# the PIN) in real headless Chromium and Firefox ESR, on demand, never a timed test:
#
#   tests/bench/browser.sh [--rounds 20] [--browsers chromium,firefox] [--out FILE] [--raw FILE]
#
# Needs root: the harness starts a private pcscd (unshare --mount) with the vpcd reader and the
# simulated card (`mynakey-host simulate --vpcd`); apt-get install chromium firefox-esr pcscd
# vsmartcard-vpcd. Builds the release host, installs the JavaScript dependencies when they are
# missing (the harness builds the extension's test build itself, with extension/build.mjs: the
# window's timeline exists only there), then runs
# tests/bench/browser.mjs with the arguments given. Prints Markdown and writes
# tests/bench/out/browser.md (git-ignored) unless --out says otherwise.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
say() { printf 'bench: %s\n' "$*" >&2; }

if [[ $(id -u) != 0 ]]; then
    say "needs root (a private pcscd under unshare --mount)"
    exit 1
fi
say "building the release host and the relying party's tools"
cargo build --quiet --release -p mynakey-host -p mynakey-rp
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
for dir in tests/browser extension; do
    [[ -d $dir/node_modules ]] || { say "npm ci --prefix $dir"; npm ci --prefix "$dir" --no-audit --no-fund >&2; }
done
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
MYNAKEY_HOST=$TARGET/release/mynakey-host MYNAKEY_RP=$TARGET/release/mynakey-rp MYNAKEY_BROWSER_TRANSPORT=pcsc node tests/bench/browser.mjs "$@"
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
