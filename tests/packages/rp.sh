#!/usr/bin/env bash
# The relying party's package, installed for real (root, Debian, no systemd here): given the
# folder packaging/build.sh wrote the packages to,
#   1. the .deb and the .rpm hold the same files; neither depends on anything of the card, and
#      neither binary links libpcsclite;
#   2. `dpkg -i` creates the service's system user, and the unit has its hardening;
#   3. the service is started the way the unit starts it: its ExecStart, as its User, with its
#      EnvironmentFile and LimitNOFILE (read from the unit, not repeated here), configured
#      for the test roots and two CRLs (one in the package's folder, one in a folder of the
#      service's own); a login verifies over HTTP, and the integrator examples pass against it;
#   4. the unit's ExecReload (SIGHUP) reloads: a broken CRL shows in health while it keeps
#      answering, the mended one clears it;
#   5. SIGTERM stops it; `dpkg --purge` leaves no user, no settings, no package folder, no file
#      of the package, while the service's own CRL folder stays.
#   tests/packages/rp.sh DIR
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PKGS=${1:?usage: tests/packages/rp.sh DIR}
NAME=mynakey-rp
UNIT=/usr/lib/systemd/system/mynakey-verifyd.service
OWN=/srv/mynakey-rp-test   # a CRL folder of the service's own, outside the package's
ORIGIN=https://bank.example.jp
WORK=$(mktemp -d /tmp/mynakey-rp-package-XXXXXX)
say() { printf -- '--- rp: %s\n' "$*"; }
fail() { echo "FAIL: rp: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || fail "installing a package needs root"
dpkg-query -W -f='${Status}' "$NAME" 2>/dev/null | grep -q installed &&
    fail "$NAME is already installed here; the test would replace it"
getent passwd "$NAME" >/dev/null && fail "a user $NAME exists already"
[[ -e $OWN ]] && fail "$OWN exists already"
RUNNER= PID=
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null
    [[ -n $RUNNER ]] && kill "$RUNNER" 2>/dev/null
    dpkg --purge "$NAME" >/dev/null 2>&1 || true
    rm -rf "$WORK" "$OWN"
}
trap cleanup EXIT

cargo build --quiet -p mynakey-verifyd --example test_token
DEB=$(ls "$PKGS"/mynakey-rp_*.deb) RPM=$(ls "$PKGS"/mynakey-rp-*.rpm)

say "the .deb and the .rpm list the same files"
dpkg-deb --fsys-tarfile "$DEB" | tar -t | grep -v '/$' | sed 's#^\./#/#' | sort >"$WORK/deb.files"
grep -v "^/usr/share/doc/$NAME/copyright\$\|^/usr/share/doc/$NAME/changelog" "$WORK/deb.files" >"$WORK/deb.payload"
rpm -qlp "$RPM" 2>/dev/null | sort >"$WORK/rpm.files"
diff -u "$WORK/deb.payload" "$WORK/rpm.files" || fail "the .deb and .rpm differ in files"
for f in /usr/bin/mynakey-verifyd /usr/bin/mynakey-rp "$UNIT" /etc/mynakey-rp/verifyd.env \
    /usr/share/mynakey-rp/roots/auth-2023.pem /usr/share/mynakey-rp/roots/sign-2023.pem \
    /usr/share/man/man1/mynakey-verifyd.1.gz /usr/share/doc/$NAME/LICENSE-MIT; do
    grep -qx "$f" "$WORK/rpm.files" || fail "$f is not in the packages"
done
cat "$WORK/rpm.files"

say "nothing of the card"
{ dpkg-deb -f "$DEB" Depends; rpm -qp --requires "$RPM" 2>/dev/null; } | tee "$WORK/deps"
grep -qi 'pcsc\|ccid' "$WORK/deps" && fail "the package depends on the card's stack"
rpm -qp --scripts "$RPM" 2>/dev/null >"$WORK/rpm.scripts"
for script in postinst prerm postrm; do
    grep -qF "$(sed -n 2p "packaging/rp/$script")" "$WORK/rpm.scripts" || fail "the .rpm lacks $script"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -t | grep -qx './postrm' || fail "the .deb has no postrm"
dpkg-deb -I "$DEB" conffiles | grep -qx /etc/mynakey-rp/verifyd.env || fail "the settings are not a conffile"

say "dpkg -i $(basename "$DEB")"
dpkg -i "$DEB" >/dev/null
for bin in /usr/bin/mynakey-verifyd /usr/bin/mynakey-rp; do
    readelf -d "$bin" | grep -q pcsclite && fail "$bin links libpcsclite"
done
getent passwd "$NAME" | grep -q ':/usr/sbin/nologin$' || fail "no system user $NAME"
[[ $(stat -c '%U:%G %a' /etc/mynakey-rp/verifyd.env) == "root:$NAME 640" ]] ||
    fail "settings: $(stat -c '%U:%G %a' /etc/mynakey-rp/verifyd.env)"
unit() { sed -n "s/^$1=//p" "$UNIT"; }
for line in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    'ExecReload=/bin/kill -HUP $MAINPID'; do
    grep -qxF "$line" "$UNIT" || fail "the unit lacks $line"
done
[[ $(unit LimitNOFILE) =~ ^[0-9]+$ ]] || fail "the unit sets no LimitNOFILE"
[[ $(unit User) == "$NAME" ]] || fail "the unit runs as $(unit User)"

say "configured for the test roots and two CRLs"
install -d -o "$NAME" -m 750 /var/lib/mynakey-rp/trust "$OWN"
install -o "$NAME" -m 644 tests/fixtures/pki/{auth,sign}-root-{1,2}.der /var/lib/mynakey-rp/trust/
install -o "$NAME" -m 644 tests/fixtures/pki/auth.crl /var/lib/mynakey-rp/crls/auth.crl
install -o "$NAME" -m 644 tests/fixtures/pki/sign.crl "$OWN/sign.crl"
ENVFILE=$(unit EnvironmentFile)
sed -i -e 's#^MYNAKEY_VERIFYD_LISTEN=.*#MYNAKEY_VERIFYD_LISTEN=127.0.0.1:0#' \
    -e 's#^MYNAKEY_VERIFYD_TRUST=.*#MYNAKEY_VERIFYD_TRUST=/var/lib/mynakey-rp/trust#' \
    -e "s#^\#MYNAKEY_VERIFYD_CRLS=.*#MYNAKEY_VERIFYD_CRLS=/var/lib/mynakey-rp/crls/auth.crl,$OWN/sign.crl#" "$ENVFILE"
grep -q "^MYNAKEY_VERIFYD_CRLS=" "$ENVFILE" || fail "the settings have no CRL line to fill in"

say "started as the unit starts it: $(unit ExecStart) as $(unit User)"
# The unit's environment is its EnvironmentFile alone (KEY=value lines; no quoting used there).
mapfile -t SETTINGS < <(grep -E '^[A-Z_]+=' "$ENVFILE")
read -ra EXEC <<<"$(unit ExecStart)"
# LimitNOFILE applied after the switch to the user, as systemd does (runuser's PAM session
# would reset a limit set before it).
runuser -u "$(unit User)" -- prlimit --nofile="$(unit LimitNOFILE)" -- env -i "${SETTINGS[@]}" "${EXEC[@]}" \
    >"$WORK/out" 2>"$WORK/err" &
RUNNER=$!
for _ in $(seq 100); do grep -qs 'listening on' "$WORK/out" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/out" || fail "not listening: $(cat "$WORK/err")"
PID=$(pgrep -P "$RUNNER" || echo "$RUNNER")
[[ $(stat -c %U "/proc/$PID") == "$NAME" ]] || fail "the service runs as $(stat -c %U "/proc/$PID")"
grep -q "^Max open files *$(unit LimitNOFILE) " "/proc/$PID/limits" || fail "LimitNOFILE not applied"
URL="http://$(sed -n 's/^mynakey-verifyd: listening on //p' "$WORK/out")"

post() { curl -sS -H 'content-type: application/json' --data-binary "$2" "$URL$1"; }
health() { curl -sS "$URL/v1/health"; }
login() {
    local session=$1 challenge token
    challenge=$(post /v1/challenges "{\"session\":\"$session\"}" | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p')
    token=$(target/debug/examples/test_token "$ORIGIN" "$challenge")
    post /v1/login "{\"token\":$token,\"origin\":\"$ORIGIN\",\"session\":\"$session\"}"
}
say "a login verifies over HTTP (the token as the page gives it)"
login rp-1 | tee "$WORK/verdict"; echo
grep -q '"valid":true' "$WORK/verdict" && grep -q '"serialNumber":"01A2B3C4"' "$WORK/verdict" ||
    fail "the login did not verify"
health | tee "$WORK/health"; echo
grep -q '"ready":true' "$WORK/health" && [[ $(grep -o '"entries"' "$WORK/health" | wc -l) == 2 ]] ||
    fail "not ready with both CRLs"
VERIFYD_URL=$URL tests/integrators/run.sh

say "reload with the unit's ExecReload"
reload() { local cmd; cmd=$(unit ExecReload); read -ra cmd <<<"${cmd//\$MAINPID/$PID}"; "${cmd[@]}"; }
until_health() {
    for _ in $(seq 100); do health | grep -q "$1" && return 0; sleep 0.1; done
    fail "health never showed $1: $(health)"
}
printf 'not a CRL' >"$OWN/sign.crl.new" && mv "$OWN/sign.crl.new" "$OWN/sign.crl"
reload
until_health '"reloadError":{"file":"crl","index":2,'
login rp-2 | grep -q '"valid":true' || fail "no longer answering after a failed reload"
install -o "$NAME" -m 644 tests/fixtures/pki/sign.crl "$OWN/sign.crl"
reload
until_health '"reloadError":null'
grep -c 'mynakey-verifyd: reloaded' "$WORK/err" | grep -qx 1 || fail "the log has no reload: $(cat "$WORK/err")"
login rp-3 | grep -q '"valid":true' || fail "not answering after the reload"

say "SIGTERM stops it"
kill -TERM "$PID"
wait "$RUNNER" || fail "the service did not stop cleanly"
RUNNER= PID=

say "dpkg --purge $NAME"
dpkg -L "$NAME" | sort >"$WORK/listed"
dpkg --purge "$NAME" >/dev/null
while read -r f; do
    [[ -d $f ]] && continue # shared folders (/usr/bin …) stay
    [[ -e $f ]] && fail "$f is still there after purge"
done <"$WORK/listed"
for gone in /etc/mynakey-rp /var/lib/mynakey-rp /usr/share/mynakey-rp; do
    [[ -e $gone ]] && fail "$gone is still there after purge"
done
getent passwd "$NAME" >/dev/null && fail "the user $NAME is still there"
getent group "$NAME" >/dev/null && fail "the group $NAME is still there"
[[ -f $OWN/sign.crl ]] || fail "purge removed the service's own CRL folder"
echo "packages: relying party's package: all checks passed"
