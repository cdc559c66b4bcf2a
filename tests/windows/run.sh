#!/usr/bin/env bash
# The windows suite (tests/run.sh): the host cross-built for x86_64-pc-windows-gnu and tested
# under Wine, on this Linux machine.
#   1. builds in target/windows (std built once from Debian's sources, then reused): the package
#      build (no lab) first, copied to target/windows/no-lab/mynakey-host.exe for packaging, then
#      the developer build (the simulated card) the tests drive
#   2. clippy -D warnings for the Windows target, with and without the lab (the code behind
#      cfg(windows) is compiled nowhere else)
#   3. the wire tests (host/mynakey-host/tests/wire.rs, built for Linux) against the .exe under
#      Wine (tests/windows/wine-run in front: the .exe started directly, as Firefox starts hosts)
#   4. install / install --system / uninstall / status under Wine, the registry read back with
#      reg.exe (tests/windows/registry.sh)
#   5. the .msi and .zip (tests/windows/msi.sh, given the no-lab .exe)
# Each step prints its time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
source tests/windows/env.sh

BUILD_STD=(-Zbuild-std=std,panic_abort --target "$WINDOWS_TARGET")
RELEASE=$WINDOWS_TARGET_DIR/$WINDOWS_TARGET/release
NO_LAB=$WINDOWS_TARGET_DIR/no-lab/mynakey-host.exe
LAB=$WINDOWS_TARGET_DIR/lab/mynakey-host.exe

step() {
    local name=$1 started=$SECONDS
    shift
    echo "--- windows: $name"
    "$@" || { echo "--- windows: $name FAILED after $((SECONDS - started)) s" >&2; return 1; }
    echo "--- windows: $name done in $((SECONDS - started)) s"
}

# Both builds share one target directory (and so one std); each .exe is copied out before the
# other feature set overwrites it. (Chained with &&: `set -e` does not apply inside `step`'s ||.)
build() {
    rm -f "$NO_LAB" "$LAB" &&
        windows_cargo build --release --quiet -p mynakey-host --no-default-features "${BUILD_STD[@]}" &&
        mkdir -p "$(dirname "$NO_LAB")" "$(dirname "$LAB")" &&
        cp "$RELEASE/mynakey-host.exe" "$NO_LAB" &&
        windows_cargo build --release --quiet -p mynakey-host "${BUILD_STD[@]}" &&
        cp "$RELEASE/mynakey-host.exe" "$LAB"
}

# Debian's clippy (rust-web-clippy) matching Debian's rustc; called directly, since cargo would
# find rustup's cargo-clippy in CARGO_HOME first. Lib and binary: the tests run on Linux.
clippy() {
    windows_cargo_clippy -p mynakey-host --no-default-features &&
        windows_cargo_clippy -p mynakey-host
}
windows_cargo_clippy() {
    CARGO=/usr/bin/cargo windows_cargo_env /usr/bin/cargo-clippy clippy --quiet --release \
        "${BUILD_STD[@]}" "$@" -- -D warnings
}

# The Linux-built wire tests drive the Windows .exe: the shared launcher takes the program and
# the prefix from the environment (host/test-support).
wire() {
    MYNAKEY_TEST_HOST=$LAB MYNAKEY_TEST_HOST_PREFIX=$ROOT/tests/windows/wine-run \
        cargo test --quiet -p mynakey-host --test wire
}

registry() {
    tests/windows/registry.sh "$NO_LAB"
}

msi() {
    tests/windows/msi.sh "$NO_LAB"
}

# One wineserver for the whole suite (each wine start would otherwise start and stop one), and
# Wine's background services started now with no stdio of a test's: a service started by a
# test's host would inherit its stderr pipe and keep it open after the host exits.
wine_session() {
    wine_ready && "$WINESERVER" -p &&
        trap '"$WINESERVER" -k 2>/dev/null || true' EXIT &&
        "$WINE" cmd /c exit </dev/null >/dev/null 2>&1
}

step build build
step clippy clippy
step wine wine_session
step wire wire
step registry registry
step msi msi
