#!/usr/bin/env bash
# The Linux packages, installed for real (root, Debian): builds the .deb and .rpm with
# packaging/build.sh from the no-simulator binary (target/no-lab/mynakey-host), then
#   1. both packages hold the same files and declare the dependencies docs/install.md lists;
#   2. before installing, Chromium without a per-user manifest finds no host (HOST_UNAVAILABLE);
#   3. `dpkg -i`: every manifest points at /usr/bin/mynakey-host, and Chromium, still without a
#      per-user manifest, logs in on the simulated card through pcscd + vpcd;
#   4. upgrading to a build with a higher version leaves exactly `dpkg -L` on disk;
#   5. `dpkg --purge` removes every file the package installed, and the system folders the
#      package touches look as they did before;
#   6. the relying party's package mynakey-rp installed, used and purged: tests/packages/rp.sh.
# The package is purged on every exit, so the machine is left as found.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d /tmp/mynakey-packages-XXXXXX)
say() { printf -- '--- %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || fail "installing a package needs root"
if dpkg-query -W -f='${Status}' mynakey 2>/dev/null | grep -q installed; then
    fail "a mynakey package is already installed here; the test would replace it"
fi
# The system folders the package writes into (and their parents), as they are now.
WATCHED=(/etc/opt /etc/chromium /usr/lib/mozilla /usr/bin/mynakey-host /usr/share/doc/mynakey
         /usr/share/man/man1/mynakey-host.1.gz)
snapshot() { find "${WATCHED[@]}" -xdev 2>/dev/null | sort || true; }
snapshot >"$WORK/before"
# dpkg removes on purge the empty folders the package shipped even when they were there before
# (/etc/opt, say); those are put back as they were.
find "${WATCHED[@]}" -xdev -type d -printf '%m %p\n' 2>/dev/null >"$WORK/dirs" || true
restore_dirs() {
    local mode dir
    while read -r mode dir; do [[ -d $dir ]] || mkdir -m "$mode" "$dir"; done <"$WORK/dirs"
}
cleanup() {
    dpkg --purge mynakey >/dev/null 2>&1 || true
    restore_dirs
    rm -rf "$WORK"
}
trap cleanup EXIT

# A version above the workspace's, for the upgrade.
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
say "building the packages (version $VERSION, and $VERSION.1 for the upgrade)"
MYNAKEY_PACKAGE_OUT="$WORK/v1" packaging/build.sh >/dev/null
MYNAKEY_PACKAGE_OUT="$WORK/v2" MYNAKEY_PACKAGE_VERSION="$VERSION.1" packaging/build.sh >/dev/null
# (The folders also hold the relying party's mynakey-rp packages: tests/packages/rp.sh below.)
DEB=$(ls "$WORK"/v1/mynakey_*.deb) RPM=$(ls "$WORK"/v1/mynakey-[0-9]*.rpm) DEB2=$(ls "$WORK"/v2/mynakey_*.deb)

say "the .deb and the .rpm list the same files"
dpkg-deb --fsys-tarfile "$DEB" | tar -t | grep -v '/$' | sed 's#^\./#/#' | sort >"$WORK/deb.files"
# cargo-deb adds Debian's copyright and changelog notes; everything else must match.
grep -v '^/usr/share/doc/mynakey/copyright$\|^/usr/share/doc/mynakey/changelog' "$WORK/deb.files" >"$WORK/deb.payload"
rpm -qlp "$RPM" 2>/dev/null | sort >"$WORK/rpm.files"
# Exactly one difference: the .rpm also has Firefox's manifest where 64-bit Fedora's Firefox
# looks (docs/install.md); Debian's reads /usr/lib/mozilla only.
RPM_ONLY=/usr/lib64/mozilla/native-messaging-hosts/jp.mynakey.host.json
grep -qx "$RPM_ONLY" "$WORK/rpm.files" || fail ".rpm lacks $RPM_ONLY"
grep -vx "$RPM_ONLY" "$WORK/rpm.files" >"$WORK/rpm.shared"
diff -u "$WORK/deb.payload" "$WORK/rpm.shared" || fail "the .deb and .rpm differ in files beyond $RPM_ONLY"
for f in /usr/bin/mynakey-host /usr/share/man/man1/mynakey-host.1.gz \
    /usr/share/doc/mynakey/LICENSE-MIT /usr/share/doc/mynakey/LICENSE-APACHE \
    /etc/opt/chrome/native-messaging-hosts/jp.mynakey.host.json \
    /etc/chromium/native-messaging-hosts/jp.mynakey.host.json \
    /etc/opt/edge/native-messaging-hosts/jp.mynakey.host.json \
    /usr/lib/mozilla/native-messaging-hosts/jp.mynakey.host.json; do
    grep -qx "$f" "$WORK/rpm.files" || fail "$f is not in the packages"
done
cat "$WORK/rpm.files"

say "the manifests name exactly the ids of the extension build"
# The ids a browser will see: the built Firefox manifest's gecko id (it must be claimed on
# addons.mozilla.org before a package ships: docs/install.md) and the Chromium id its `key` gives.
node extension/build.mjs "$WORK/extension" >/dev/null
# rpm2cpio exits 1 on cargo-generate-rpm's packages though it writes the whole archive; a
# missing manifest fails the check below.
rpm2cpio "$RPM" >"$WORK/rpm.cpio" 2>/dev/null || true
mkdir "$WORK/rpm-root" && (cd "$WORK/rpm-root" && cpio -idm --quiet <"$WORK/rpm.cpio")
node --input-type=module - "$WORK/extension" "$WORK/rpm-root" $(grep 'jp.mynakey.host.json$' "$WORK/rpm.files") <<'JS' ||
import { readFileSync } from 'node:fs';
import { extensionIdFromKey } from './extension/build.mjs';
const [ext, root, ...manifests] = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(f, 'utf8'));
const gecko = [read(`${ext}/firefox/manifest.json`).browser_specific_settings.gecko.id];
const chromium = [`chrome-extension://${extensionIdFromKey(read(`${ext}/chromium/manifest.json`).key)}/`];
for (const m of manifests) {
  const v = read(root + m);
  const [key, want] = m.includes('/mozilla/') ? ['allowed_extensions', gecko] : ['allowed_origins', chromium];
  if (JSON.stringify(v[key]) !== JSON.stringify(want)) {
    console.error(`${m}: ${key} ${JSON.stringify(v[key])}, the extension build has ${JSON.stringify(want)}`);
    process.exit(1);
  }
}
console.log(`${manifests.length} manifests: ${gecko} and ${chromium}`);
JS
    fail "a system manifest names other ids than the extension build"

say "dependencies"
[[ $(dpkg-deb -f "$DEB" Depends) == *libpcsclite1* ]] || fail ".deb does not require libpcsclite1"
[[ $(dpkg-deb -f "$DEB" Recommends) == "pcscd, libccid" ]] || fail ".deb Recommends: $(dpkg-deb -f "$DEB" Recommends)"
rpm -qp --requires "$RPM" 2>/dev/null | grep -qx 'libpcsclite.so.1()(64bit)' || fail ".rpm does not require libpcsclite.so.1()(64bit)"
rpm -qp --recommends "$RPM" 2>/dev/null | grep -qx 'pcsc-lite' || fail ".rpm does not recommend pcsc-lite"

browser() {
    MYNAKEY_PACKAGE_STATE=$1 node --test --test-concurrency=1 tests/packages/system-manifest.test.mjs
}
say "before installing: no host for Chromium"
browser absent

say "dpkg -i $(basename "$DEB")"
dpkg -i "$DEB" >/dev/null
for m in $(grep 'jp.mynakey.host.json$' "$WORK/deb.files"); do
    grep -q '"path": "/usr/bin/mynakey-host"' "$m" || fail "$m does not point at /usr/bin/mynakey-host"
done
/usr/bin/mynakey-host --version
/usr/bin/mynakey-host --help | grep -qw simulate && fail "the packaged binary has the simulated card"
browser installed

say "upgrade: dpkg -i $(basename "$DEB2")"
dpkg -i "$DEB2" >/dev/null
[[ $(dpkg-query -W -f='${Version}' mynakey) == "$VERSION.1-1" ]] || fail "not upgraded"
dpkg -L mynakey | sort >"$WORK/listed"
while read -r f; do [[ -e $f ]] || fail "dpkg -L lists $f, which is not on disk"; done <"$WORK/listed"
# Nothing the first version installed stays unless the second lists it too.
while read -r f; do
    [[ -e $f ]] && ! grep -qx "$f" "$WORK/listed" && fail "$f stayed after the upgrade"
done <"$WORK/deb.files"

say "dpkg --purge mynakey"
dpkg --purge mynakey >/dev/null
while read -r f; do
    [[ -d $f ]] && continue # shared folders (/usr/bin …) stay; snapshot below checks ours went
    [[ -e $f ]] && fail "$f is still there after purge"
done <"$WORK/listed"
restore_dirs
snapshot >"$WORK/after"
diff -u "$WORK/before" "$WORK/after" || fail "the system folders differ from before the install"

# ---- the relying party's package, from the same build (its own checks and cleanup)
tests/packages/rp.sh "$WORK/v1"
echo "packages: all checks passed"
