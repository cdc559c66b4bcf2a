// The installed package, seen by a real Chromium: the profile holds no host manifest, so the
// browser can only find the host through the system manifest the .deb put under /etc/chromium.
// MYNAKEY_PACKAGE_STATE says what tests/packages/run.sh has done:
//   installed  the login completes on the simulated card (pcscd + vpcd), verified by the RP
//   absent     the same page gets HOST_UNAVAILABLE (the check above could fail)
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { AUTH_PIN, consentWindow, launch, openPage, pageResult, pressIn, startLogin, outcome, startRp } from '../browser/harness.mjs';

const STATE = process.env.MYNAKEY_PACKAGE_STATE;
const SYSTEM_MANIFEST = '/etc/chromium/native-messaging-hosts/jp.mynakey.host.json';
if (!['installed', 'absent'].includes(STATE)) throw new Error(`MYNAKEY_PACKAGE_STATE=${STATE}: use installed or absent`);

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

/** Chromium with the extension, the card on the private pcscd, and no per-user manifest. */
async function launchWithoutUserManifest() {
  const b = await launch({ systemHost: true, transport: 'pcsc' });
  const own = join(b.dir, 'profile', 'NativeMessagingHosts');
  assert.deepEqual(existsSync(own) ? readdirSync(own) : [], [], 'no manifest in the profile');
  return b;
}

test(`the system manifest is ${STATE}`, () => {
  assert.equal(existsSync(SYSTEM_MANIFEST), STATE === 'installed', SYSTEM_MANIFEST);
});

if (STATE === 'installed') {
  test('Chromium reaches the packaged host through the system manifest and logs in', async () => {
    const b = await launchWithoutUserManifest();
    try {
      const page = await openPage(b.context, rp.origin, '/login');
      const win = await consentWindow(b.context, () => page.click('#login'));
      await win.locator('#pin').fill(AUTH_PIN);
      await pressIn(win, '#pin', 'Enter');
      // The relying party checked the proof and named the card's (test) holder.
      const { state, body } = await pageResult(page);
      assert.deepEqual([state, body.ok, typeof body.identity], ['ok', true, 'object'], JSON.stringify(body));
      assert.equal(b.hostStarts(), 0, 'the test wrapper was never started: the host is /usr/bin/mynakey-host');
    } finally {
      await b.close();
    }
  });
} else {
  test('without the package the same browser finds no host', async () => {
    const b = await launchWithoutUserManifest();
    try {
      const page = await openPage(b.context, rp.origin, '/library.html');
      await startLogin(page);
      assert.equal(await outcome(page), 'HOST_UNAVAILABLE');
    } finally {
      await b.close();
    }
  });
}
