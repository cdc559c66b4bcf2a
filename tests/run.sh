#!/usr/bin/env bash
# Every test of mynakey, in one command (the README's test command; CI runs it via .ci/run):
#   1. format and lints (cargo fmt --check, clippy with warnings denied, with and without the
#      simulator), and the verifier crate's publish dry run
#   2. cargo test: unit tests per crate, the binary over real frames, the verifier, the corpus,
#      the architecture checks, and the package build (--no-default-features: no lab inside)
#   2b. macos: the person's host (no lab) type-checked for aarch64- and x86_64-apple-darwin with
#      Debian's rustc-web building std from source (compiles; not linked, signed or run)
#   2c. integrators: the Node, Python and Java examples of docs/relying-party.md against a real
#      mynakey-verifyd (tests/integrators/run.sh)
#   3. system tests: the real pcscd with the vpcd reader, the simulated card, OpenSC
#   4. soak: 10,000 proofs in one --simulator host, 2,000 over pcscd + vpcd (release build;
#      resident memory must stay flat)
#   5. documents: signed CMS and PDFs judged by openssl cms, pyHanko and pdfsig, and pyHanko's
#      signatures judged by ours; timestamps from OpenSSL's TSA judged by openssl ts and pyHanko
#      (tests/documents/run.sh)
#   6. extension: tsc --strict over the JSDoc-typed sources, ESLint (no warnings), and node unit
#      tests of the background on a fake host port and fake windows/tabs API (the request flow's
#      every state × event, held sessions, tabs, gestures) and of the error codes against the
#      protocol's generated list, with a fake clock, no browser
#   7. browser tests: headless Chromium (Playwright), and one shared set in Chromium and Firefox
#      ESR (puppeteer-core: CDP and WebDriver BiDi), with the real, built extension against an
#      https relying party; the store artifacts are reproducible
#   8. packages: packaging/build.sh makes the .deb and .rpm from the no-lab binary of `unit`;
#      tests/packages/run.sh installs the .deb with dpkg, logs in through it in Chromium with no
#      per-user manifest, upgrades, purges, and leaves the machine as found
#   8b. windows: the host cross-built for x86_64-pc-windows-gnu (with and without the lab) and
#      clippy for that target; the wire tests against the .exe under Wine; install, --system,
#      status and uninstall under Wine, read back with reg.exe; the .msi and .zip
#      (tests/windows/run.sh)
#   9. fuzzing: every cargo-fuzz target for a bounded time, then the checked-in corpus
# Suites run in this order; a failing suite does not stop the others. Exit 0 only if all passed.
#
# As root on Debian/Ubuntu it installs what it needs (apt-get, npm ci). Knobs:
#   MYNAKEY_SKIP="fuzz browser"   skip suites (for local iteration; CI skips nothing)
#   FUZZ_SECONDS=20               time per fuzz target
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SKIP=" ${MYNAKEY_SKIP:-} "
say() { printf '\n=== %s\n' "$*"; }

# --- what the suites need, installed once -------------------------------------------------
PACKAGES=(pcscd vsmartcard-vpcd opensc pcsc-tools libpcsclite-dev pkg-config
          chromium chromium-l10n fonts-ipafont-gothic openssl firefox-esr firefox-esr-l10n-ja
          help2man zip rpm cpio qpdf poppler-utils python3-venv redis-server python3
          openjdk-17-jdk-headless curl rustc-web cargo-web rust-web-src)
# The windows suite's (beside the macos suite's compiler and std sources above): Debian's clippy,
# mingw-w64's linker, Wine, and wixl for the .msi. Only when that suite runs (they are large).
[[ $SKIP == *" windows "* ]] ||
    PACKAGES+=(rust-web-clippy gcc-mingw-w64-x86-64 wine64 wixl)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { echo "apt-get install failed" >&2; exit 1; }
    else
        echo "missing packages: ${missing[*]} (run as root on Debian/Ubuntu, or install them)" >&2
        exit 1
    fi
fi

passed=0
failed=0
failures=()
suite() {
    local name=$1; shift
    if [[ $SKIP == *" $name "* ]]; then say "$name: skipped (MYNAKEY_SKIP)"; return; fi
    say "$name"
    local started=$SECONDS
    if "$@"; then
        passed=$((passed + 1)); say "$name: passed in $((SECONDS - started)) s"
    else
        failed=$((failed + 1)); failures+=("$name"); say "$name: FAILED after $((SECONDS - started)) s"
    fi
}

lints() {
    cargo fmt --all -- --check && cargo clippy --workspace --all-targets --quiet -- -D warnings &&
        cargo clippy -p mynakey-host --no-default-features --all-targets --quiet -- -D warnings &&
        publish_dry_run
}
# The verifier and its leaf must publish on their own (and build from their packaged sources).
# Cargo treats the dry run's local registry as immutable: it keeps the first unpacked copy of
# each version (in CARGO_HOME) and what it built from it, so a second run would check the
# verifier against a stale mynakey-types. Both go first; the check has its own target dir.
publish_dry_run() {
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/mynakey-types-* \
        target/publish-check/debug/.fingerprint/mynakey-* &&
        CARGO_TARGET_DIR=target/publish-check \
            cargo publish --dry-run --allow-dirty --quiet -p mynakey-types -p mynakey-verify
}
# The binary packages ship: no simulated card, no test PKI (tests/no_lab.rs checks it). Built
# once here and kept apart, since the soak suite's developer build shares target/release.
package_build() {
    cargo build --release --quiet -p mynakey-host --no-default-features &&
        mkdir -p target/no-lab && cp target/release/mynakey-host target/no-lab/mynakey-host
}
unit() {
    package_build &&
        MYNAKEY_PACKAGE_BIN="$ROOT/target/no-lab/mynakey-host" cargo test --workspace --no-fail-fast
}
integrators() {
    tests/integrators/run.sh
}
system() {
    tests/system/run.sh
}
# macOS, compiled here: rustup cannot download a std for apple-darwin on this machine, so Debian's
# rustc-web (with rust-web-src, the standard library's sources) builds std for each target
# (-Zbuild-std; RUSTC_BOOTSTRAP=1 lets a release compiler take the -Z flag). `cargo check` only:
# linking needs Apple's SDK. Its own target dir, as this std differs from rustup's.
macos() {
    local target rustc cargo
    rustc=$(dpkg -L rustc-web | grep -m1 '/bin/rustc$') && cargo=$(dpkg -L cargo-web | grep -m1 '/bin/cargo$') ||
        { echo "rustc-web or cargo-web is not installed" >&2; return 1; }
    for target in aarch64-apple-darwin x86_64-apple-darwin; do
        RUSTC_BOOTSTRAP=1 RUSTC=$rustc CARGO_TARGET_DIR=target/macos "$cargo" check --quiet --locked \
            -p mynakey-host --no-default-features --target "$target" -Zbuild-std=std,panic_abort ||
            return 1
    done
}
extension_deps() {
    npm ci --prefix extension --no-audit --no-fund --loglevel=error
}
extension() {
    # package.json: check = tsc -p . && eslint --max-warnings 0 .; test = node's runner on test/*.test.js
    extension_deps && npm run --prefix extension --silent check && npm test --prefix extension --silent
}
browser() {
    # The tests load the built extension (extension/build.mjs bundles the sources, tldts included,
    # with esbuild into both variants).
    # contract.test.mjs judges the downloaded PDFs with pyHanko (the documents suite's venv) and
    # makes the long-term one with the test TSA (mynakey-test-tsa).
    cargo build -p mynakey-host -p mynakey-rp -p mynakey-test-support --quiet && pyhanko_venv &&
        extension_deps && node extension/build.mjs >/dev/null &&
        npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error &&
        PATH="$ROOT/target/pyhanko/bin:$PATH" node --test --test-concurrency=1 tests/browser/
}
soak() {
    tests/soak/run.sh
}
# cargo-deb and cargo-generate-rpm (pinned in packaging/build.sh) take minutes to build: once per
# machine, timed here so the cost shows in the log.
packaging_tools() {
    local started=$SECONDS
    packaging/build.sh --tools-only && echo "packaging tools ready in $((SECONDS - started)) s"
}
packages() {
    # The no-lab binary from `unit` (built here only if that suite was skipped); the debug builds
    # are the simulated card (mynakey-host) and the relying party's verifier (mynakey-rp).
    [[ -x target/no-lab/mynakey-host ]] || package_build
    packaging_tools && cargo build -p mynakey-host -p mynakey-rp --quiet && extension_deps &&
        npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error &&
        tests/packages/run.sh
}
# Signed documents judged by openssl, pyHanko (PyPI, pinned, in its own venv) and pdfsig.
documents() {
    cargo build -p mynakey-host -p mynakey-rp -p mynakey-test-support --quiet && pyhanko_venv &&
        PATH="$ROOT/target/pyhanko/bin:$PATH" tests/documents/run.sh
}
pyhanko_venv() {
    [[ -x target/pyhanko/bin/pyhanko ]] && return
    python3 -m venv target/pyhanko &&
        target/pyhanko/bin/pip install --quiet --disable-pip-version-check \
            pyhanko==0.38.0 pyhanko-cli==0.6.0 pyhanko-certvalidator==0.33.0
}
fuzz() {
    fuzz/run.sh
}

suite lints lints
suite unit unit
suite macos macos
suite integrators integrators
suite system system
suite soak soak
suite documents documents
suite extension extension
suite browser browser
suite packages packages
suite windows tests/windows/run.sh
suite fuzz fuzz

say "summary"
((failed)) && echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
