#!/usr/bin/env bash
# Soak tests (host/mynakey-host/tests/soak.rs): 10,000 login proofs in one `--simulator` host and 2,000 through
# pcscd + vpcd in one host, on the release build; resident memory after the last proof must be
# within 1 MiB of that after the first 1,000 (200). Prints how long each took.
#
#   tests/soak/run.sh
#
# The release binary is built once here (`cargo build --release`; a no-op when it is current).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
started=$SECONDS
cargo build --release --quiet -p mynakey-host
export MYNAKEY_SOAK=1 MYNAKEY_TEST_HOST=$ROOT/target/release/mynakey-host
echo "soak: release build ready after $((SECONDS - started)) s" >&2
cargo test --quiet -p mynakey-host --test soak -- --exact soak_simulator_host_stays_flat_over_10000_proofs --nocapture
MYNAKEY_SYSTEM_TESTS=soak tests/system/run.sh --exact soak_pcsc_host_stays_flat_over_2000_proofs --nocapture
echo "soak: done in $((SECONDS - started)) s" >&2
