#!/usr/bin/env bash
# The verifier at bank scale (issue 15), on demand, never a timed test:
#
#   tests/bench/verifier.sh [--seconds N] [--sizes "0 10000 100000 1000000 5000000"]
#
# Builds release mynakey-verifyd and host/verifyd/examples/verifier_bench.rs, generates the
# CRLs once (signed by the test root), then measures side by side with OpenSSL in the same run:
#   - CRL load: seconds, resident after load, peak (fresh process per size; OpenSSL's `crl`
#     parse with /usr/bin/time);
#   - login verifications/s on one thread (library), without and with the 1M-entry CRL, and
#     OpenSSL's RSA-2048 verify rate (`openssl speed`, one core) for scale;
#   - the service's in-memory challenge store filled with 1M live sessions: issue cost;
#   - over HTTP: wrk against mynakey-verifyd (explicit-challenge logins, 1M-entry CRL loaded)
#     when wrk is installed, with the service pinned to one core, and the service's CPU time
#     per request (from /proc/PID/stat).
# Prints Markdown and writes tests/bench/out/verifier.md (git-ignored).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SECONDS_PER=5
SIZES="0 10000 100000 1000000 5000000"
while (($#)); do
    case $1 in
        --seconds) SECONDS_PER=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
OUT=$ROOT/tests/bench/out
mkdir -p "$OUT/crl"
say() { printf 'bench: %s\n' "$*" >&2; }

say "building release (mynakey-verifyd, verifier_bench)"
cargo build --quiet --release -p mynakey-verifyd --bin mynakey-verifyd --example verifier_bench
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
B=$TARGET/release/examples/verifier_bench
D=$TARGET/release/mynakey-verifyd
{
echo "## Verifier at scale ($(date -u +%F), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "### CRL load (fresh process each; mynakey = read + signature check + index)"
echo
echo "| entries | file MiB | mynakey wall s | mynakey CPU s | mynakey resident MiB | mynakey peak MiB | openssl crl CPU s | openssl peak MiB |"
echo "|---|---|---|---|---|---|---|---|"
for n in $SIZES; do
    f=$OUT/crl/$n.crl
    [[ -s $f ]] || { say "generating $n-entry CRL"; "$B" gen "$n" "$f"; }
    read -r entries secs cpus rss hwm < <("$B" load "$f")
    size=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$f")/1048576}")
    read -r ou os okib < <(/usr/bin/time -f "%U %S %M" openssl crl -inform DER -in "$f" -noout 2>&1 >/dev/null | tail -1)
    echo "| $entries | $size | $secs | $cpus | $rss | $hwm | $(awk "BEGIN{print $ou+$os}") | $((okib / 1024)) |"
done
echo
echo "### Login verification, one thread (library)"
echo
echo "| | verifications per CPU second | µs CPU each | per wall second |"
echo "|---|---|---|---|"
read -r r0 u0 w0 < <("$B" rate "$SECONDS_PER")
echo "| mynakey, no CRL | $r0 | $u0 | $w0 |"
read -r r1 u1 w1 < <("$B" rate "$SECONDS_PER" "$OUT/crl/1000000.crl")
echo "| mynakey, 1M-entry CRL loaded | $r1 | $u1 | $w1 |"
ossl=$(openssl speed -seconds "$SECONDS_PER" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}')
echo "| OpenSSL RSA-2048 verify only (\`openssl speed rsa2048\`, CPU-based), for scale | $ossl | | |"
echo
echo "### The service's in-memory challenge store with 1M live sessions (library, one thread)"
echo
echo "| live sessions | fill s (wall) | µs CPU per issue + take | one issue, 99.9th percentile µs (wall) | resident MiB |"
echo "|---|---|---|---|---|"
read -r live fill per p999 rss < <("$B" issue 1000000 "$SECONDS_PER")
echo "| $live | $fill | $per | $p999 | $rss |"
if command -v wrk >/dev/null; then
    echo
    echo "### Over HTTP (wrk, 2 threads, 16 connections, mynakey-verifyd pinned to CPU 0, 1M-entry CRL)"
    echo
    trust=$(mktemp -d)
    cp tests/fixtures/pki/{auth,sign}-root-{1,2}.der "$trust/"
    taskset -c 0 "$D" --listen 127.0.0.1:0 --trust "$trust" --crl "$OUT/crl/1000000.crl" >"$trust/out" &
    pid=$!
    for _ in $(seq 100); do grep -q 'listening on' "$trust/out" && break; sleep 0.1; done
    addr=$(sed -n 's/^mynakey-verifyd: listening on //p' "$trust/out")
    ch=$(openssl rand -base64 32)
    tok=$("$B" token "$ch")
    python3 - "$tok" "$ch" >"$trust/body.json" <<'PY'
import json, sys
print(json.dumps({"token": sys.argv[1], "origin": "https://bank.example.jp", "challenge": sys.argv[2]}))
PY
    cat >"$trust/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$trust/body.json"); wrk.body = f:read("*a"); f:close()
LUA
    curl -s -X POST -H 'Content-Type: application/json' --data @"$trust/body.json" "http://$addr/v1/login" | grep -q '"valid":true' ||
        { echo "the HTTP benchmark's request does not verify" >&2; kill "$pid"; exit 1; }
    # The service's own CPU time over the run, per request: robust to other load on the machine.
    cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
    wrk -t2 -c16 -d"${SECONDS_PER}s" -s "$trust/post.lua" "http://$addr/v1/login" >"$trust/wrk"
    cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    n=$(awk '/requests in/ {print $1}' "$trust/wrk")
    echo '```'
    sed -n '/Latency/,/Transfer/p' "$trust/wrk"
    echo '```'
    echo
    echo "service CPU per request: $(awk "BEGIN{printf \"%.1f\", ($cpu1-$cpu0)/$(getconf CLK_TCK)*1e6/$n}") µs ($n requests)"
    kill "$pid"; rm -rf "$trust"
fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/verifier.md"
