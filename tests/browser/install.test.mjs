// `mynakey-host install` as a person runs it, checked with a real browser: the manifest it
// writes is found by Chromium and starts this very binary.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { EXTENSION_ID, HOST_BINARY, launch, openPage, startRp, tempDir } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

test('mynakey-host install registers the host where Chromium finds it', async () => {
  const home = tempDir('home');
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  try {
    const out = execFileSync(HOST_BINARY, ['install', '--browser', 'chromium'], { env, encoding: 'utf8' });
    const manifestPath = join(home, '.config/chromium/NativeMessagingHosts/jp.mynakey.host.json');
    assert.match(out, /jp\.mynakey\.host\.json/);
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    assert.equal(m.path, realpathSync(HOST_BINARY), 'the real path of the binary');
    assert.deepEqual(m.allowed_origins, [`chrome-extension://${EXTENSION_ID}/`]);
    // Chromium's default profile folder is $XDG_CONFIG_HOME/chromium; with --user-data-dir it
    // reads <dir>/NativeMessagingHosts, so pointing the profile there uses the installed manifest.
    const b = await launch({ host: false, profile: join(home, '.config/chromium') });
    try {
      const page = await openPage(b.context, rp.origin, '/library.html');
      const r = await page.evaluate(() => window.mynakey.status().then((s) => s, (e) => ({ code: e.code })));
      assert.equal(r.host && r.host.protocol, 1, JSON.stringify(r));
    } finally {
      await b.close();
    }
    execFileSync(HOST_BINARY, ['uninstall', '--browser', 'chromium'], { env });
    assert.throws(() => readFileSync(manifestPath));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
