#!/usr/bin/env bash
# System tests: the built mynakey-host over real frames, through an isolated pcscd with the
# vpcd virtual reader, the simulated card (`mynakey-host simulate`), and OpenSC.
#
#   tests/system/run.sh [extra cargo test filter/args]
#   MYNAKEY_SYSTEM_KEEP=1 tests/system/run.sh …   keep the logs (APDU logs, host logs, pcscd)
#   tests/system/run.sh --exec COMMAND…   run COMMAND inside the stack instead (debugging;
#                                         e.g. --exec bash -c 'mynakey-host simulate … & pcsc_scan')
#   MYNAKEY_SYSTEM_TESTS="soak" MYNAKEY_TEST_HOST=target/release/mynakey-host tests/system/run.sh …
#                                         other test files (default: system system_faults system_android) and
#                                         another build of the binary (tests/soak/run.sh)
#
# - Installs pcscd, vsmartcard-vpcd, opensc, pcsc-tools, libpcsclite-dev, pkg-config when run as
#   root and `dpkg -s` says one is missing (Debian/Ubuntu).
# - Starts pcscd in its own mount namespace with a directory bound over /run/pcscd and its own
#   reader.conf.d holding one vpcd entry on a free port pair (docs/card-facts.md T4), so it
#   neither sees nor disturbs a pcscd already running on this machine.
# - Runs host/mynakey-host/tests/system.rs with PCSCLITE_CSOCK_NAME pointing at that pcscd, and fails
#   unless every system test really ran (they skip themselves without this script).
# - Always cleans up, killing only processes it (or its tests) started.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
started_ms=$(date +%s%3N)

say() { printf 'system tests: %s\n' "$*" >&2; }

# --- packages ------------------------------------------------------------------------------
PACKAGES=(pcscd vsmartcard-vpcd opensc pcsc-tools libpcsclite-dev pkg-config)
missing=()
if command -v dpkg >/dev/null; then
    for p in "${PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
fi
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
            { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
    else
        say "missing packages: ${missing[*]} (install them, or run as root)"
        exit 1
    fi
fi
VPCD_DRIVER=$(ls /usr/lib/pcsc/drivers/serial/libifdvpcd.so /usr/lib64/pcsc/drivers/serial/libifdvpcd.so 2>/dev/null | head -n1 || true)
[[ -n $VPCD_DRIVER ]] || { say "vpcd driver (libifdvpcd.so) not found"; exit 1; }

# --- build first (the tests run the binary) --------------------------------------------------
TEST_FILES=()
for t in ${MYNAKEY_SYSTEM_TESTS:-system system_faults system_android}; do TEST_FILES+=(--test "$t"); done
cargo build --quiet -p mynakey-host
cargo test --quiet -p mynakey-host "${TEST_FILES[@]}" --no-run

# --- isolated pcscd ----------------------------------------------------------------------------
DIR=$(mktemp -d "${TMPDIR:-/tmp}/mynakey-system.XXXXXX")
PCSCD_PID=
cleanup() {
    local rc=$?
    set +e
    # Card processes the tests started (and may have left behind if a test binary died).
    if [[ -f $DIR/pids ]]; then
        while read -r pid; do
            [[ -n $pid ]] || continue
            if grep -qa 'simulate' "/proc/$pid/cmdline" 2>/dev/null; then kill "$pid" 2>/dev/null; fi
        done <"$DIR/pids"
    fi
    # A test that restarted pcscd (system_faults.rs, via $DIR/pcscd-start) left the new pid here.
    [[ -s $DIR/pcscd.pid ]] && PCSCD_PID=$(cat "$DIR/pcscd.pid")
    if [[ -n $PCSCD_PID ]] && kill -0 "$PCSCD_PID" 2>/dev/null; then
        kill -TERM "$PCSCD_PID" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$PCSCD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PCSCD_PID" 2>/dev/null
        wait "$PCSCD_PID" 2>/dev/null
    fi
    if ((rc != 0)) || [[ -n ${MYNAKEY_SYSTEM_KEEP:-} ]]; then
        ((rc == 0)) || say "FAILED"
        say "logs kept in $DIR"
        ((rc == 0)) || [[ ! -f $DIR/pcscd.log ]] || tail -n 30 "$DIR/pcscd.log" >&2
    else
        rm -rf "$DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# vpcd's port pair: below the kernel's ephemeral range (vpcd's default 35963 is inside it), so
# no outgoing connection can hold it while pcscd starts; free when we can listen on it.
port_free() { python3 -c 'import socket,sys; socket.create_server(("", int(sys.argv[1])))' "$1" 2>/dev/null; }
read -r EPHEMERAL_LOW _ </proc/sys/net/ipv4/ip_local_port_range
BASE=$(( (EPHEMERAL_LOW < 32768 ? EPHEMERAL_LOW : 32768) - 1000 ))
PORT=
for n in $(seq 1 40); do
    p=$((BASE + 2 * n))
    if port_free "$p" && port_free $((p + 1)); then PORT=$p; break; fi
done
[[ -n $PORT ]] || { say "no free port pair from $BASE"; exit 1; }

mkdir -p "$DIR/run" "$DIR/conf"
cat >"$DIR/conf/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$PORT
LIBPATH      $VPCD_DRIVER
CHANNELID    $PORT
EOF
if [[ $(id -u) == 0 ]]; then
    mkdir -p /run/pcscd
    UNSHARE=(unshare --mount --propagation private)
else
    # Unprivileged: a user namespace gives the mount namespace (needs userns enabled).
    [[ -d /run/pcscd ]] || { say "/run/pcscd must exist (create it as root once) or run as root"; exit 1; }
    UNSHARE=(unshare --user --map-root-user --mount --propagation private)
fi
"${UNSHARE[@]}" sh -c "mount --bind '$DIR/run' /run/pcscd && exec pcscd --foreground -c '$DIR/conf'" \
    >"$DIR/pcscd.log" 2>&1 &
PCSCD_PID=$!
echo "$PCSCD_PID" >"$DIR/pcscd.pid"
# For tests that stop pcscd mid-operation and start it again (same namespace setup and config).
cat >"$DIR/pcscd-start" <<EOF
#!/bin/sh
${UNSHARE[*]} sh -c "mount --bind '$DIR/run' /run/pcscd && exec pcscd --foreground -c '$DIR/conf'" >>"$DIR/pcscd.log" 2>&1 &
echo \$! >"$DIR/pcscd.pid"
EOF
chmod +x "$DIR/pcscd-start"
export PCSCLITE_CSOCK_NAME=$DIR/run/pcscd.comm

# Ready = both virtual readers listed (never the socket file alone: §7).
for i in $(seq 1 500); do
    if [[ -S $PCSCLITE_CSOCK_NAME ]] && [[ $(timeout 2 pcsc_scan -r 2>/dev/null | grep -c 'Virtual PCD 00 0[01]') == 2 ]]; then
        break
    fi
    kill -0 "$PCSCD_PID" 2>/dev/null || { say "pcscd exited"; cat "$DIR/pcscd.log" >&2; exit 1; }
    ((i < 500)) || { say "pcscd did not list both vpcd readers"; cat "$DIR/pcscd.log" >&2; exit 1; }
    sleep 0.01
done
say "pcscd $PCSCD_PID up on vpcd ports $PORT/$((PORT + 1)), socket $PCSCLITE_CSOCK_NAME"

# --- tests -------------------------------------------------------------------------------------
export MYNAKEY_SYSTEM=1 MYNAKEY_SYSTEM_DIR=$DIR MYNAKEY_VPCD_PORT=$PORT MYNAKEY_VPCD_NAME="Virtual PCD"
# The tests start this build of the host unless MYNAKEY_TEST_HOST (and MYNAKEY_TEST_HOST_PREFIX)
# name another (host/test-support).
if [[ ${1:-} == --exec ]]; then
    shift
    PATH=$ROOT/target/debug:$PATH "$@"
    exit
fi
: >"$DIR/ran"
cargo test --quiet -p mynakey-host "${TEST_FILES[@]}" -- --test-threads=1 "$@"

# Every listed test must have run (skipping is only for machines without this script).
expected=$(cargo test --quiet -p mynakey-host "${TEST_FILES[@]}" -- --list "$@" 2>/dev/null | sed -n 's/: test$//p' | sort)
ran=$(sort "$DIR/ran")
if [[ -z $expected || $expected != "$ran" ]]; then
    say "not every system test ran"
    diff <(echo "$expected") <(echo "$ran") >&2 || true
    exit 1
fi
elapsed_ms=$(($(date +%s%3N) - started_ms))
say "$(wc -l <<<"$ran") system tests ran; $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s in all"
