#!/usr/bin/env bash
# install, install --system, status and uninstall of the Windows .exe under Wine, checked from
# outside the host: the keys are read back with Wine's reg.exe in the registry view the
# browsers read (docs/install.md, "Which registry view"), the manifests they name are parsed
# as JSON and compared with manifests/*.json.
#   tests/windows/registry.sh PATH/TO/mynakey-host.exe    (the no-lab build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$ROOT/tests/windows/env.sh"
EXE=${1:?usage: registry.sh PATH/TO/mynakey-host.exe}
wine_ready

HOST=jp.mynakey.host
# The key below HKCU/HKLM each browser reads, and the manifest its value must name.
declare -A KEYS=(
    [chrome]='Software\Google\Chrome\NativeMessagingHosts'
    [chromium]='Software\Chromium\NativeMessagingHosts'
    [edge]='Software\Microsoft\Edge\NativeMessagingHosts'
    [firefox]='Software\Mozilla\NativeMessagingHosts'
)
declare -A MANIFESTS=([chrome]=chromium [chromium]=chromium [edge]=chromium [firefox]=firefox)
# Folders of the prefix's own (the .msi test owns C:\Program Files\mynakey).
USER_DIR='C:\users\Public\mynakey registry test'
SYSTEM_DIR='C:\Program Files\mynakey registry test'

fail() { echo "registry: FAIL: $*" >&2; exit 1; }
unix_path() { "$WINE" winepath -u "$1" 2>/dev/null; }
host() { # DIR ARGS…: the host copied into DIR, run there
    local dir=$1
    shift
    (cd "$(unix_path "$dir")" && "$WINE" ./mynakey-host.exe "$@")
}

# The default value of KEY in VIEW (32 or 64), or nothing (and status 1) when the key is absent.
reg_value() {
    local out
    out=$("$WINE" reg query "$1" /ve "/reg:$2" 2>/dev/null | tr -d '\r') || return 1
    sed -n 's/^ *([^)]*) *REG_SZ *//p' <<<"$out"
}

# The manifest FILE (a Windows path) parsed, compared with the template KIND filled in with EXE.
check_manifest() {
    local file=$1 kind=$2 exe=$3
    python3 - "$(unix_path "$file")" "$ROOT/manifests/$HOST.$kind.json" "$exe" <<'EOF' ||
import json, sys
written_path, template_path, exe = sys.argv[1:]
with open(written_path, encoding="utf-8") as f:
    written = json.load(f)
with open(template_path, encoding="utf-8") as f:
    expected = json.loads(f.read().replace("@HOST_PATH@", exe.replace("\\", "\\\\")))
if written != expected:
    sys.exit(f"{written_path}:\n  written  {written}\n  expected {expected}")
EOF
        fail "manifest $file"
}

# Every browser's key in HIVE names its manifest in DIR (in the 64-bit view, which every
# browser reads, and no key in the 32-bit view, which they read first and which would shadow it);
# each manifest is right.
check_installed() {
    local hive=$1 dir=$2 browser key value shadow
    for browser in "${!KEYS[@]}"; do
        key="$hive\\${KEYS[$browser]}\\$HOST"
        value=$(reg_value "$key" 64) || fail "$browser: no $key in the 64-bit view"
        [[ $value == "$dir\\$HOST.${MANIFESTS[$browser]}.json" ]] ||
            fail "$browser: $key = '$value', expected '$dir\\$HOST.${MANIFESTS[$browser]}.json'"
        check_manifest "$value" "${MANIFESTS[$browser]}" "$dir\\mynakey-host.exe"
        if [[ $hive == HKLM ]] && shadow=$(reg_value "$key" 32); then
            fail "$browser: $key in the 32-bit view (WOW6432Node) = '$shadow'"
        fi
    done
}

check_removed() {
    local hive=$1 dir=$2 browser view
    for browser in "${!KEYS[@]}"; do
        for view in 32 64; do
            ! reg_value "$hive\\${KEYS[$browser]}\\$HOST" "$view" >/dev/null ||
                fail "$browser: $hive key left in the $view-bit view after uninstall"
        done
    done
    for kind in chromium firefox; do
        [[ ! -e $(unix_path "$dir\\$HOST.$kind.json") ]] || fail "$dir\\$HOST.$kind.json left"
    done
}

# `status` (exit 1 here: Wine has no Smart Card service) lists every browser as registered.
check_status() {
    local dir=$1 scope=$2 out browser
    out=$(host "$dir" status | tr -d '\r') || true
    for browser in chrome chromium edge brave vivaldi firefox; do
        grep -q "^  $browser ($scope): .* — ok$" <<<"$out" ||
            fail "status does not report $browser ($scope) registered:"$'\n'"$out"
    done
}

# Starts from no keys of ours (a run that failed half-way leaves some).
setup() {
    local dir hive browser view
    for hive in HKCU HKLM; do
        for browser in "${!KEYS[@]}"; do
            for view in 32 64; do
                "$WINE" reg delete "$hive\\${KEYS[$browser]}\\$HOST" /f "/reg:$view" >/dev/null 2>&1 || true
            done
        done
    done
    for dir in "$USER_DIR" "$SYSTEM_DIR"; do
        rm -rf "$(unix_path "$dir")"
        mkdir -p "$(unix_path "$dir")"
        cp "$EXE" "$(unix_path "$dir")/mynakey-host.exe"
    done
}

setup
# Per user, from anywhere.
host "$USER_DIR" install >/dev/null || fail "install"
check_installed HKCU "$USER_DIR"
check_status "$USER_DIR" user
# For all users only from Program Files: refused elsewhere, and nothing written.
if out=$(host "$USER_DIR" install --system 2>&1); then fail "install --system outside Program Files: $out"; fi
grep -q "not inside a Program Files folder" <<<"$out" || fail "refusal says: $out"
! reg_value "HKLM\\${KEYS[chrome]}\\$HOST" 64 >/dev/null || fail "a refused install --system wrote HKLM"
host "$SYSTEM_DIR" install --system >/dev/null || fail "install --system"
check_installed HKLM "$SYSTEM_DIR"
check_status "$SYSTEM_DIR" system
# Uninstall removes the keys and the manifests, per user and for all users.
host "$USER_DIR" uninstall >/dev/null || fail "uninstall"
check_removed HKCU "$USER_DIR"
host "$SYSTEM_DIR" uninstall --system >/dev/null || fail "uninstall --system"
check_removed HKLM "$SYSTEM_DIR"
rm -rf "$(unix_path "$USER_DIR")" "$(unix_path "$SYSTEM_DIR")"
echo "registry: install, install --system, status and uninstall checked for ${!KEYS[*]}"
