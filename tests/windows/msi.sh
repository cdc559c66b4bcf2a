#!/usr/bin/env bash
# The Windows packages, built and checked under Wine (issue 26 item 4):
#
#   tests/windows/msi.sh [EXE]
#
#   EXE   the cross-built no-lab host (default target/windows/no-lab/mynakey-host.exe); this
#         script never builds it. packaging/build.sh --windows packages it (and builds the Linux
#         no-lab binary it runs for `package-files` if target/no-lab/mynakey-host is missing).
#   Needs wine64, wixl, zip, python3 and gcc-mingw-w64-x86-64 (wine_ready builds a stand-in DLL).
#   Uses a Wine prefix of its own, made fresh each run (target/windows/wine-msi), so keys the
#   wire and install tests leave in the suite's prefix cannot hide or fake a result here.
#   Leaves target/packages/mynakey-<version>-windows-x86_64.{msi,zip}. Exit 0 = every check passed.
#
# Checks: the zip built twice from the same .exe is the same bytes; `msiexec /i … /qn` installs
# exactly the .exe (byte for byte), the two manifests and the licences in C:\Program Files\mynakey;
# each HKLM key from the host's own list (`package-files --windows`) reads back with `reg query` in
# the 64-bit view and is absent from the 32-bit one; the installed .exe answers --version, lists
# no lab command, answers a version frame when started as Chrome and as Firefox start it, and
# `status` finds every browser registered and reports the Smart Card service; a newer .msi
# replaces the old one (one product in Add/Remove Programs, one set of files); `msiexec /x … /qn`
# removes every file, folder and key it wrote.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
EXE=${1:-target/windows/no-lab/mynakey-host.exe}
[[ -f $EXE ]] || { echo "FAIL: $EXE is missing (cross-build the no-lab .exe first)" >&2; exit 1; }
EXE=$(realpath "$EXE")
LINUX_BIN=${MYNAKEY_PACKAGE_BIN:-target/no-lab/mynakey-host} # what build.sh runs package-files with
export WINEPREFIX=$ROOT/target/windows/wine-msi
source tests/windows/env.sh
WORK=$(mktemp -d /tmp/mynakey-msi-XXXXXX)
trap '"$WINESERVER" -k 2>/dev/null || true; rm -rf "$WORK"' EXIT
VERSION=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
NEWER=$(awk -F. '{print $1"."$2"."$3+1}' <<<"$VERSION")
DIR=$WINEPREFIX/drive_c/Program\ Files/mynakey
WINDIR='C:\Program Files\mynakey'
PROGRAM="$WINDIR\\mynakey-host.exe"
FILES="LICENSE-APACHE LICENSE-MIT jp.mynakey.host.chromium.json jp.mynakey.host.firefox.json mynakey-host.exe"
UNINSTALL='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
wine_path() { echo "Z:${1//\//\\}"; }
reg() { "$WINE" reg "$@" 2>&1 | tr -d '\r'; }

build() { # out dir, version
    MYNAKEY_PACKAGE_OUT=$1 MYNAKEY_PACKAGE_VERSION=$2 packaging/build.sh --windows "$EXE" >/dev/null
}

packages() {
    build target/packages "$VERSION"
    build "$WORK/again" "$VERSION"
    build "$WORK/newer" "$NEWER"
    MSI=$ROOT/target/packages/mynakey-$VERSION-windows-x86_64.msi
    ZIP=$ROOT/target/packages/mynakey-$VERSION-windows-x86_64.zip
    MSI_NEWER=$WORK/newer/mynakey-$NEWER-windows-x86_64.msi
    cmp "$ZIP" "$WORK/again/${ZIP##*/}" || fail "zipping the same .exe twice gave different bytes"
    ok "the zip is reproducible ($(sha256sum <"$ZIP" | cut -c1-16))"
    python3 -m zipfile -e "$ZIP" "$WORK/zip"
    [[ $(cd "$WORK/zip" && echo *) == "$FILES" ]] || fail "the zip holds $(cd "$WORK/zip" && echo *)"
    cmp "$EXE" "$WORK/zip/mynakey-host.exe" || fail "the zip's .exe is not the one given"
    # The HKLM keys the host's own list names: KEY<TAB>MANIFEST.
    "$LINUX_BIN" package-files --windows --root "$WORK/pf" >"$WORK/keys"
    [[ $(wc -l <"$WORK/keys") -ge 4 ]] || fail "package-files listed $(wc -l <"$WORK/keys") keys"
}

msiexec() { # /i|/x, .msi
    "$WINE" msiexec "$1" "$(wine_path "$2")" /qn || fail "msiexec $1 ${2##*/} exited $?"
}

# The products in Add/Remove Programs named mynakey, one `DisplayVersion` per line.
products() {
    reg query "$UNINSTALL" /s | awk '/^HKEY/ {name=0} /DisplayName +REG_SZ +mynakey$/ {name=1}
        name && /DisplayVersion/ {print $3; name=0}'
}

check_files() {
    [[ $(cd "$DIR" && echo *) == "$FILES" ]] || fail "C:\\Program Files\\mynakey holds $(cd "$DIR" && echo *)"
    for f in $FILES; do cmp "$DIR/$f" "$WORK/zip/$f" || fail "installed $f differs from the zip's"; done
    ok "C:\\Program Files\\mynakey holds exactly: $FILES (the .exe byte for byte)"
}

check_keys() {
    local key file n=0
    while IFS=$'\t' read -r key file; do
        reg query "$key" /ve /reg:64 | grep -qxF "    (Default)    REG_SZ    $WINDIR\\$file" ||
            fail "$key (64-bit view) is not $WINDIR\\$file: $(reg query "$key" /ve /reg:64)"
        ! reg query "$key" /ve /reg:32 | grep -q REG_SZ || fail "$key is in the 32-bit view too"
        n=$((n + 1))
    done <"$WORK/keys"
    ok "$n HKLM keys read back in the 64-bit view, none in the 32-bit view"
}

# One framed request to the installed host started with ARGS; prints the one answer frame.
frame() { # request JSON, args…
    local request=$1
    shift
    python3 - "$request" "$WINE" "$PROGRAM" "$@" <<'EOF'
import json, struct, subprocess, sys
request = sys.argv[1].encode()
out = subprocess.run(sys.argv[2:], input=struct.pack("<I", len(request)) + request,
                     stdout=subprocess.PIPE, timeout=120).stdout
n = struct.unpack("<I", out[:4])[0] if len(out) >= 4 else -1
if len(out) != 4 + n:
    sys.exit(f"expected one frame, got {len(out)} bytes: {out[:200]!r}")
print(json.dumps(json.loads(out[4:]), sort_keys=True))
EOF
}

# A version frame to the installed host started with ARGS (as a browser starts it).
check_frame() { # args…
    local out
    out=$(frame '{"id":"v1","command":"version","arguments":{}}' "$@") ||
        fail "no version frame when started with $*"
    # The command list grows with the protocol: compared apart from it.
    out=$(python3 -c 'import json, sys; a = json.loads(sys.argv[1]); a["result"]["commands"] = []
print(json.dumps(a, sort_keys=True))' "$out")
    [[ $out == '{"id": "v1", "result": {"commands": [], "protocol": 1, "version": "'$VERSION'"}}' ]] ||
        fail "started with $*, the host answered $out"
}

check_program() {
    local out
    out=$("$WINE" "$PROGRAM" --version | tr -d '\r')
    [[ $out == "mynakey-host $VERSION (protocol 1)" ]] || fail "--version said: $out"
    ! "$WINE" "$PROGRAM" --help | grep -qw simulate || fail "the installed .exe has the lab"
    check_frame chrome-extension://dedionhfdmdcponbglgdkifomcnkbdka/ --parent-window=0
    check_frame "$WINDIR\\jp.mynakey.host.firefox.json" mynakey@mynakey.jp
    ok "the installed .exe answers --version and a version frame (started as Chrome and as Firefox start it)"
}

check_status() {
    local out b
    out=$("$WINE" "$PROGRAM" status 2>&1 | tr -d '\r') || true
    for b in chrome chromium edge brave vivaldi; do
        grep -qxF "  $b (system): $WINDIR\\jp.mynakey.host.chromium.json — ok" <<<"$out" ||
            fail "status does not find $b registered: $out"
    done
    grep -qxF "  firefox (system): $WINDIR\\jp.mynakey.host.firefox.json — ok" <<<"$out" ||
        fail "status does not find firefox registered: $out"
    # Wine's winscard.dll is a stub: the Smart Card service is unavailable as the host sees it.
    grep -q "Smart-card service: unavailable" <<<"$out" || fail "status on the Smart Card service: $out"
    ok "status finds all six browsers registered (system) and reports: $(grep -o 'Smart-card service: .*' <<<"$out")"
}

# What a registration creates where nothing was: its key and each missing parent below
# HKLM\Software (in the 64-bit view), one per line.
missing_keys() {
    local key file
    while IFS=$'\t' read -r key file; do
        while [[ $key == 'HKLM\Software\'* ]]; do
            reg query "$key" /reg:64 | grep -q '^HKEY' || echo "$key"
            key=${key%\\*}
        done
    done <"$WORK/keys" | sort -u
}

check_removed() {
    [[ ! -e $DIR ]] || fail "uninstalling left $(ls -A "$DIR")"
    [[ $(missing_keys) == "$(cat "$WORK/created")" ]] ||
        fail "uninstalling left keys: $(comm -13 <(missing_keys) "$WORK/created")"
    [[ -z $(products) ]] || fail "uninstalling left the product registered: $(products)"
    ok "msiexec /x removed every file, the folder, the product and the $(wc -l <"$WORK/created") keys it created"
}

start=$SECONDS
packages
rm -rf "$WINEPREFIX"
wine_ready
missing_keys >"$WORK/created"
cut -f1 "$WORK/keys" | sort -u | comm -13 "$WORK/created" - | grep . && fail "keys there before installing"
msiexec /i "$MSI"
[[ $(products) == "$VERSION" ]] || fail "installed products: $(products)"
check_files
check_keys
check_program
check_status
msiexec /i "$MSI_NEWER"
[[ $(products) == "$NEWER" ]] || fail "after the upgrade the installed products are: $(products)"
check_files
check_keys
ok "the $NEWER .msi replaced $VERSION: one product, one set of files"
msiexec /x "$MSI_NEWER"
check_removed
echo "msi: all checks passed in $((SECONDS - start)) s"
