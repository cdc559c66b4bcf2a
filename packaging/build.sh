#!/usr/bin/env bash
# Builds the Linux packages: target/packages/mynakey_<version>-1_<arch>.deb (cargo-deb) and
# target/packages/mynakey-<version>-1.<arch>.rpm (cargo-generate-rpm), from one staging tree:
#   usr/bin/mynakey-host                         the build without simulator or test keys
#   the system native-messaging manifests        written by `mynakey-host package-files`, i.e.
#                                                 the same paths `install --system` uses
#   usr/share/man/man1/mynakey-host.1.gz          from --help (help2man)
#   usr/share/doc/mynakey/LICENSE-MIT, -APACHE
# The packaging tools are pinned and installed with `cargo install --locked` when missing.
#
#   packaging/build.sh                 package target/no-lab/mynakey-host (built if missing)
#   packaging/build.sh --tools-only    only install the pinned tools
#   MYNAKEY_PACKAGE_BIN=FILE           package that binary instead (must be a no-simulator build)
#   MYNAKEY_PACKAGE_VERSION=X.Y.Z      package version (default: the workspace version)
#   MYNAKEY_PACKAGE_OUT=DIR            where the packages go (default target/packages)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CARGO_DEB_VERSION=3.8.0
CARGO_GENERATE_RPM_VERSION=0.21.1
CRATE=host/mynakey-host
STAGE=target/packaging/root   # the assets in $CRATE/Cargo.toml point here
OUT=${MYNAKEY_PACKAGE_OUT:-target/packages}
BIN=${MYNAKEY_PACKAGE_BIN:-target/no-lab/mynakey-host}

# cargo-deb and cargo-generate-rpm at the pinned versions (minutes to build; once per machine).
tools() {
    local have
    have=$(cargo deb --version 2>/dev/null || true)
    [[ $have == *" $CARGO_DEB_VERSION"* ]] || cargo install --locked --quiet "cargo-deb@$CARGO_DEB_VERSION"
    have=$(cargo generate-rpm --version 2>/dev/null || true)
    [[ $have == *" $CARGO_GENERATE_RPM_VERSION"* ]] ||
        cargo install --locked --quiet "cargo-generate-rpm@$CARGO_GENERATE_RPM_VERSION"
    command -v help2man >/dev/null || { echo "packaging needs help2man (apt-get install help2man)" >&2; exit 1; }
}

binary() {
    if [[ -z ${MYNAKEY_PACKAGE_BIN:-} && ! -x $BIN ]]; then
        cargo build --release --quiet -p mynakey-host --no-default-features
        mkdir -p target/no-lab && cp target/release/mynakey-host "$BIN"
    fi
    # A package never carries the lab: the no-simulator build hides `simulate`.
    if "$BIN" --help | grep -qw simulate; then
        echo "$BIN has the simulated card: build it with --no-default-features" >&2
        exit 1
    fi
}

stage() {
    rm -rf "$STAGE" && mkdir -p "$STAGE/usr/bin" "$STAGE/usr/share/man/man1" "$STAGE/usr/share/doc/mynakey"
    install -m 755 "$BIN" "$STAGE/usr/bin/mynakey-host"
    "$BIN" package-files --root "$STAGE" >/dev/null
    LC_ALL=C.UTF-8 help2man --locale C.UTF-8 --no-info --section 1 --name "My Number Card (JPKI) login proofs and signatures for web pages" \
        "$STAGE/usr/bin/mynakey-host" | gzip -9n >"$STAGE/usr/share/man/man1/mynakey-host.1.gz"
    install -m 644 LICENSE-MIT LICENSE-APACHE "$STAGE/usr/share/doc/mynakey/"
}

packages() {
    local version=${MYNAKEY_PACKAGE_VERSION:-}
    local deb_args=() rpm_args=()
    if [[ -n $version ]]; then
        deb_args=(--deb-version "$version-1")
        rpm_args=(--set-metadata "version = \"$version\"")
    fi
    mkdir -p "$OUT"
    cargo deb --quiet --no-build --no-strip -p mynakey-host "${deb_args[@]}" --output "$OUT"
    cargo generate-rpm -p "$CRATE" "${rpm_args[@]}" --output "$OUT"
}

tools
[[ ${1:-} == --tools-only ]] && exit 0
binary
stage
packages
ls -1 "$OUT"
