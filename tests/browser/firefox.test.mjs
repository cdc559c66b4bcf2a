// Firefox ESR (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi) with the
// Firefox build of the extension and the real host: the port sender's origin that the background
// relies on is set by Firefox too (issue 11, item 12; there is no sender.url fallback any more),
// and a login proof made there is bound to the page's real origin.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer from 'puppeteer-core';

import { AUTH_PIN, extensionBuild, startRp, tempDir, verifyCli, writeHostWrapper } from './harness.mjs';
import { GECKO_ID } from '../../extension/build.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const CHALLENGE = randomBytes(32).toString('base64');

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

/** Firefox with a private HOME holding the host manifest (Firefox reads it per user). */
async function launchFirefox() {
  const home = tempDir('firefox-home');
  const wrapper = writeHostWrapper(home, { transport: 'simulator' });
  mkdirSync(join(home, '.mozilla/native-messaging-hosts'), { recursive: true });
  writeFileSync(join(home, '.mozilla/native-messaging-hosts/jp.mynakey.host.json'), JSON.stringify({
    name: 'jp.mynakey.host', description: 'mynakey (browser tests)', path: wrapper.path, type: 'stdio', allowed_extensions: [GECKO_ID],
  }));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    headless: true,
    executablePath: FIREFOX,
    acceptInsecureCerts: true,
    env: { ...process.env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1' },
    extraPrefsFirefox: { 'intl.locale.requested': 'ja' },
  });
  assert.equal(await browser.installExtension(extensionBuild().firefox), GECKO_ID);
  return browser;
}

/** The next moz-extension page (the consent window); its url() stays about:blank under BiDi. */
function nextConsentWindow(browser) {
  return new Promise((resolve) => {
    browser.on('targetcreated', async (t) => {
      if (t.type() !== 'page') return;
      const p = await t.page();
      try {
        await p.waitForFunction(() => location.protocol === 'moz-extension:', { polling: 100, timeout: 20000 });
        resolve(p);
      } catch { /* another page */ }
    });
  });
}

test('Firefox ESR: status() and a login work, so the port sender origin is set; the proof is bound to it', async () => {
  const browser = await launchFirefox();
  try {
    const page = await browser.newPage();
    await page.goto(`${rp.origin}/library.html`);
    await page.waitForFunction(() => window.mynakeyReady === true, { polling: 100 });
    // Without sender.origin the background refuses every request with INSECURE_CONTEXT.
    const st = await page.evaluate(() => window.mynakey.status().then((s) => s, (e) => ({ code: e.code })));
    assert.equal(st.host && st.host.protocol, 1, JSON.stringify(st));
    // A login after a real click, PIN typed in the consent window.
    const popup = nextConsentWindow(browser);
    await page.mouse.click(1, 1);
    await page.evaluate((c) => {
      window.outcome = null;
      window.mynakey.authenticate({ challenge: c }).then((t) => JSON.stringify(t), (e) => e.code).then((r) => { window.outcome = r; });
    }, CHALLENGE);
    const win = await popup;
    await win.waitForSelector('#main[aria-busy="false"]');
    await win.waitForFunction(() => {
      const log = globalThis.mynakeyGateLog;
      const last = log && log.armed[log.armed.length - 1];
      return !!last && performance.now() - last.at >= log.delayMs;
    }, { polling: 100 });
    await (await win.$('#pin')).type(AUTH_PIN);
    await win.keyboard.press('Enter');
    const token = await (await page.waitForFunction(() => window.outcome, { polling: 100 })).jsonValue();
    assert.ok(token.startsWith('{'), token);
    const real = await verifyCli(['--origin', rp.origin, '--challenge', CHALLENGE], token);
    assert.equal(real.code, 0, real.out);
  } finally {
    await browser.close();
  }
});
