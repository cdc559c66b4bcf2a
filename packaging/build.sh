#!/usr/bin/env bash
# Builds the Linux packages: target/packages/mynakey_<version>-1_<arch>.deb (cargo-deb) and
# target/packages/mynakey-<version>-1.<arch>.rpm (cargo-generate-rpm), from one staging tree:
#   usr/bin/mynakey-host                         the build without simulator or test keys
#   the system native-messaging manifests        written by `mynakey-host package-files`, i.e.
#                                                 the same paths `install --system` uses
#   usr/share/man/man1/mynakey-host.1.gz          from --help (help2man)
#   usr/share/doc/mynakey/LICENSE-MIT, -APACHE
# and the relying party's mynakey-rp_<version>-1_<arch>.deb / mynakey-rp-<version>-1.<arch>.rpm
# (mynakey-verifyd, mynakey-rp, their unit and settings; see rp_stage below).
# The packaging tools are pinned and installed with `cargo install --locked` when missing.
#
# With --windows, the Windows packages instead, from an already cross-built no-lab .exe (this
# script never cross-builds; the windows suite does, once):
#   target/packages/mynakey-<version>-windows-x86_64.msi   per-machine, Debian's wixl from
#       packaging/windows/mynakey.wxs: the .exe, the two manifests and the licences in
#       C:\Program Files\mynakey\, and the HKLM key of every browser
#   target/packages/mynakey-<version>-windows-x86_64.zip   the same files, for per-user installs
#       (`mynakey-host.exe install`), zipped reproducibly (packaging/zip.sh)
# The manifests and the keys come from the Linux binary's `package-files --windows`, i.e. from
# the host's own list of browsers and keys.
#
#   packaging/build.sh                 package target/no-lab/mynakey-host (built if missing)
#   packaging/build.sh --tools-only    only install the pinned tools
#   packaging/build.sh --windows [EXE] the .msi and .zip of EXE (default
#                                      target/windows/no-lab/mynakey-host.exe)
#   MYNAKEY_PACKAGE_BIN=FILE           package that binary instead (must be a no-simulator build)
#   MYNAKEY_RP_PACKAGE_BINS=DIR        take mynakey-verifyd and mynakey-rp from DIR (default: a
#                                      release build)
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

# The .deb and .rpm of crate $2 (package $1); by default the person's host.
packages() {
    local pkg=${1:-mynakey-host} crate=${2:-$CRATE}
    local version=${MYNAKEY_PACKAGE_VERSION:-}
    local deb_args=() rpm_args=()
    if [[ -n $version ]]; then
        deb_args=(--deb-version "$version-1")
        rpm_args=(--set-metadata "version = \"$version\"")
    fi
    mkdir -p "$OUT"
    cargo deb --quiet --no-build --no-strip -p "$pkg" "${deb_args[@]}" --output "$OUT"
    cargo generate-rpm -p "$crate" "${rpm_args[@]}" --output "$OUT"
}

# ---- the relying party's package: mynakey-rp_<version>-1_<arch>.deb and mynakey-rp-<version>-1.<arch>.rpm
#   usr/bin/mynakey-verifyd, usr/bin/mynakey-rp         release builds (neither links libpcsclite)
#   usr/lib/systemd/system/mynakey-verifyd.service      packaging/rp/ (with the maintainer scripts)
#   etc/mynakey-rp/verifyd.env                          the service's settings (a conffile)
#   usr/share/mynakey-rp/roots/                         the public J-LIS roots (host/verify/roots)
#   usr/share/man/man1/, usr/share/doc/mynakey-rp/      from --help (help2man); the licences
RP_CRATE=host/verifyd
RP_STAGE=target/packaging/rp-root   # the assets in $RP_CRATE/Cargo.toml point here
RP_BINS=${MYNAKEY_RP_PACKAGE_BINS:-target/release}

rp_stage() {
    [[ -n ${MYNAKEY_RP_PACKAGE_BINS:-} ]] || cargo build --release --quiet -p mynakey-verifyd -p mynakey-rp
    local bin name
    for name in mynakey-verifyd mynakey-rp; do
        if readelf -d "$RP_BINS/$name" | grep -q pcsclite; then
            echo "$RP_BINS/$name links libpcsclite: the relying party's package must not" >&2
            exit 1
        fi
    done
    rm -rf "$RP_STAGE" && mkdir -p "$RP_STAGE/usr/bin" "$RP_STAGE/usr/share/man/man1" \
        "$RP_STAGE/usr/share/doc/mynakey-rp" "$RP_STAGE/usr/share/mynakey-rp/roots" \
        "$RP_STAGE/usr/lib/systemd/system" "$RP_STAGE/etc/mynakey-rp"
    for name in mynakey-verifyd mynakey-rp; do
        bin="$RP_STAGE/usr/bin/$name"
        install -m 755 "$RP_BINS/$name" "$bin"
        LC_ALL=C.UTF-8 help2man --locale C.UTF-8 --no-info --section 1 --no-discard-stderr "$bin" |
            gzip -9n >"$RP_STAGE/usr/share/man/man1/$name.1.gz"
    done
    install -m 644 packaging/rp/mynakey-verifyd.service "$RP_STAGE/usr/lib/systemd/system/"
    install -m 644 packaging/rp/verifyd.env "$RP_STAGE/etc/mynakey-rp/"
    install -m 644 host/verify/roots/*.pem "$RP_STAGE/usr/share/mynakey-rp/roots/"
    install -m 644 LICENSE-MIT LICENSE-APACHE "$RP_STAGE/usr/share/doc/mynakey-rp/"
}

# The workspace version (Cargo.toml's [workspace.package]), or MYNAKEY_PACKAGE_VERSION.
version() {
    local v=${MYNAKEY_PACKAGE_VERSION:-}
    [[ -n $v ]] || v=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
    echo "$v"
}

xml_escape() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g' <<<"$1"; }

# The .msi's registry values from `KEY<TAB>MANIFEST` lines: each key's default value is the
# manifest's installed path; the first value is the component's key path.
registry_wxi() {
    local key file keypath=' KeyPath="yes"'
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<Include>'
    while IFS=$'\t' read -r key file; do
        [[ $key == 'HKLM\'* && -n $file ]] || { echo "unexpected package key: $key" >&2; return 1; }
        printf '  <RegistryValue Root="HKLM" Key="%s" Type="string" Value="[INSTALLDIR]%s"%s />\n' \
            "$(xml_escape "${key#HKLM\\}")" "$(xml_escape "$file")" "$keypath"
        keypath=
    done
    echo '</Include>'
}

windows() {
    local exe=${1:-target/windows/no-lab/mynakey-host.exe} v work files name
    [[ -f $exe ]] || { echo "$exe is missing: cross-build the no-lab .exe first (tests/run.sh windows)" >&2; exit 1; }
    command -v wixl >/dev/null || { echo "needs wixl (apt-get install wixl)" >&2; exit 1; }
    v=$(version)
    [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || { echo "an .msi needs a numeric version, not $v" >&2; exit 1; }
    work=$ROOT/target/packaging/windows files=$ROOT/target/packaging/windows/files
    rm -rf "$work" && mkdir -p "$files" "$OUT"
    install -m 644 "$exe" "$files/mynakey-host.exe"
    install -m 644 LICENSE-MIT LICENSE-APACHE "$files/"
    "$BIN" package-files --windows --root "$files" | registry_wxi >"$work/registry.wxi"
    name=$(cd "$OUT" && pwd)/mynakey-$v-windows-x86_64
    # wixl takes sources and includes relative to where it runs (absolute ones fail).
    (cd "$work" && wixl -a x64 -D "Version=$v" -D Stage=files -I . -o "$name.msi" \
        "$ROOT/packaging/windows/mynakey.wxs")
    reproducible_zip "$files" "$name.zip"
    ls -1 "$name.msi" "$name.zip"
}

if [[ ${1:-} == --windows ]]; then
    source packaging/zip.sh
    binary
    windows "${2:-}"
    exit 0
fi
tools
[[ ${1:-} == --tools-only ]] && exit 0
binary
stage
packages
rp_stage
packages mynakey-verifyd "$RP_CRATE"
ls -1 "$OUT"
