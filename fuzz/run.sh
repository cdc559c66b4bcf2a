#!/usr/bin/env bash
# Fuzz every target for a bounded time, then replay the checked-in seed corpus and the
# regression inputs. Exits non-zero if any target crashed (panic, assertion, sanitizer, timeout).
#
#   fuzz/run.sh                 all targets, FUZZ_SECONDS (default 20) each
#   fuzz/run.sh frame verify    only these
#   FUZZ_SECONDS=300 fuzz/run.sh
#   FUZZ_SANITIZER=none fuzz/run.sh   (default: address)
#
# Only the stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
# New inputs go to fuzz/work/<target> (ignored by git); crashes to fuzz/artifacts/<target>.
# To keep a crash as a regression: copy it to fuzz/regressions/<target>/ after fixing the bug.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
SANITIZER=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1
say() { printf 'fuzz: %s\n' "$*" >&2; }

if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

ALL=(frame serve apdu jpki verify documents)
TARGETS=("${@:-${ALL[@]}}")
if (($# == 0)); then TARGETS=("${ALL[@]}"); fi

started=$(date +%s)
# -a: debug assertions and overflow checks on, as in the test builds.
cargo fuzz build -a -s "$SANITIZER" >&2

declare -A MAX_LEN=([frame]=8192 [serve]=8192 [apdu]=300 [jpki]=8192 [verify]=8192 [documents]=65536)
# documents: hostile PDFs must stay within the bound docs/documents.md states (256 MiB), with
# room for libFuzzer and the sanitizer.
declare -A RSS_MB=([documents]=512)
failed=()
for t in "${TARGETS[@]}"; do
    [[ -d corpus/$t ]] || { say "no seed corpus for $t"; exit 2; }
    rm -rf "work/$t"
    mkdir -p "work/$t" "artifacts/$t"
    cp corpus/"$t"/* "work/$t/"
    opts=(-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb="${RSS_MB[$t]:-2048}" -max_len="${MAX_LEN[$t]}" -print_final_stats=1)
    [[ $t == frame || $t == serve ]] && opts+=(-dict=dict)
    say "$t: fuzzing ${FUZZ_SECONDS}s"
    if ! cargo fuzz run -a -s "$SANITIZER" "$t" "work/$t" -- "${opts[@]}" 2>"work/$t.log"; then
        say "$t: CRASH — see fuzz/work/$t.log and fuzz/artifacts/$t/"
        grep -E 'panicked|ERROR:|SUMMARY|Test unit written' "work/$t.log" >&2 || tail -n 30 "work/$t.log" >&2
        failed+=("$t")
        continue
    fi
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "work/$t.log" | sed "s/^/fuzz: $t: /" >&2 || true
    # Replay the checked-in seeds and regressions once each (-runs=0: execute the inputs only).
    replay=("corpus/$t")
    [[ -d regressions/$t ]] && replay+=("regressions/$t")
    if ! cargo fuzz run -a -s "$SANITIZER" "$t" "${replay[@]}" -- -runs=0 -timeout=10 2>"work/$t.replay.log"; then
        say "$t: a checked-in input crashes — see fuzz/work/$t.replay.log"
        grep -E 'panicked|ERROR:|SUMMARY' "work/$t.replay.log" >&2 || tail -n 30 "work/$t.replay.log" >&2
        failed+=("$t")
    fi
done
say "done in $(($(date +%s) - started)) s"
if ((${#failed[@]})); then
    say "FAILED: ${failed[*]}"
    exit 1
fi
say "all targets clean: ${TARGETS[*]}"
