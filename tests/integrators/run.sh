#!/usr/bin/env bash
# The integrator examples of docs/relying-party.md (Node, Python, Java; standard library only)
# against a real mynakey-verifyd on a loopback port with the test PKI: each asks for a challenge,
# gets a login proof over it (test card1, host/verifyd/examples/test_token.rs), has it verified
# (valid), then tries the same session again (refused: single use). With VERIFYD_URL set, against
# that service instead (it must trust the test roots).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
EX=docs/examples/verifyd
ORIGIN=https://bank.example.jp

cargo build --quiet -p mynakey-verifyd --bin mynakey-verifyd --example test_token
WORK=$(mktemp -d)
PID=
trap '[[ -z $PID ]] || kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
# VERIFYD_URL set: a service already running with the test roots (the installed package's, in
# tests/packages/rp.sh); otherwise one of our own.
if [[ -z ${VERIFYD_URL:-} ]]; then
    mkdir "$WORK/trust"
    cp tests/fixtures/pki/{auth,sign}-root-{1,2}.der "$WORK/trust/"
    target/debug/mynakey-verifyd --listen 127.0.0.1:0 --trust "$WORK/trust" >"$WORK/out" &
    PID=$!
    for _ in $(seq 100); do grep -q 'listening on' "$WORK/out" && break; sleep 0.1; done
    export VERIFYD_URL="http://$(sed -n 's/^mynakey-verifyd: listening on //p' "$WORK/out")"
fi

check() {
    local lang=$1; shift
    local session="it-$lang-$$" challenge
    challenge=$("$@" challenge "$session")
    target/debug/examples/test_token "$ORIGIN" "$challenge" >"$WORK/token"
    "$@" login "$session" "$ORIGIN" <"$WORK/token" >"$WORK/verdict" ||
        { echo "$lang: not valid: $(cat "$WORK/verdict")" >&2; return 1; }
    grep -q '"serialNumber":"01A2B3C4"' "$WORK/verdict" || { echo "$lang: no identity" >&2; return 1; }
    if "$@" login "$session" "$ORIGIN" <"$WORK/token" >"$WORK/verdict"; then
        echo "$lang: the same session was accepted twice" >&2; return 1
    fi
    grep -q CHALLENGE_UNKNOWN "$WORK/verdict" || { echo "$lang: $(cat "$WORK/verdict")" >&2; return 1; }
    echo "integrators: $lang ok"
}
check node node "$EX/client.mjs"
check python python3 "$EX/client.py"
check java java "$EX/Client.java"
