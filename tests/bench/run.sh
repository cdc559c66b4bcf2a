#!/usr/bin/env bash
# Performance benchmark (issue 7), run on demand, never as a timed test.
#
#   tests/bench/run.sh [--rounds N] [--iterations N] [--cold-runs N]
#
# Builds the release host and host/mynakey-host/examples/bench, then runs the bench inside the isolated
# pcscd + vpcd stack of tests/system/run.sh (`--exec`; needs root or user namespaces) so the
# PC/SC and OpenSC rows are measured in the same run. Without that stack only the cold-start,
# in-process and model sections are produced. Prints Markdown and writes
# tests/bench/out/results.md (git-ignored); a hyperfine cross-check of the cold start goes to
# tests/bench/out/hyperfine.md when hyperfine is installed (apt-get install hyperfine as root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
OUT=$ROOT/tests/bench/out
mkdir -p "$OUT"
say() { printf 'bench: %s\n' "$*" >&2; }

if ! command -v hyperfine >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing hyperfine"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends hyperfine >/dev/null 2>&1 || true
fi

say "building release (host + bench)"
cargo build --quiet --release -p mynakey-host --bin mynakey-host --example bench
HOST=$ROOT/target/release/mynakey-host
BENCH=$ROOT/target/release/examples/bench

# Everything else on this machine competes for 2 cores: say how busy it was.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average before: $LOAD_BEFORE"

if [[ $(id -u) == 0 ]] || unshare --user --map-root-user true 2>/dev/null; then
    # The system-test harness starts the isolated pcscd + vpcd and exports
    # PCSCLITE_CSOCK_NAME, MYNAKEY_VPCD_PORT, MYNAKEY_VPCD_NAME, MYNAKEY_SYSTEM_DIR.
    "$ROOT/tests/system/run.sh" --exec "$BENCH" --host "$HOST" --out "$OUT/results.md" "$@"
else
    say "no root and no user namespaces: skipping the pcscd + vpcd + OpenSC part"
    "$BENCH" --host "$HOST" --out "$OUT/results.md" "$@"
fi

if command -v hyperfine >/dev/null; then
    say "hyperfine cross-check of the cold start (--version, no frames)"
    hyperfine -N --warmup 20 --runs 300 --export-markdown "$OUT/hyperfine.md" \
        'true' "$HOST --version" >&2 || say "hyperfine failed (ignored)"
    cat "$OUT/hyperfine.md"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average after: $LOAD_AFTER"
printf '\nLoad average (1/5/15 min) before the run: %s; after: %s.\n' "$LOAD_BEFORE" "$LOAD_AFTER" >>"$OUT/results.md"
if [[ -f $OUT/hyperfine.md ]]; then
    { printf '\n## hyperfine cross-check: `true` vs `mynakey-host --version` (no frames)\n\n'; cat "$OUT/hyperfine.md"; } >>"$OUT/results.md"
fi
say "written: $OUT/results.md"
